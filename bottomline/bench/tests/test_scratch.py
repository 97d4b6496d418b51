"""``fastest`` repeats a short call and keeps its best time; a long call is timed once."""

from __future__ import annotations

from typing import Any

import pytest

from bottomline.bench import scratch


def _scripted(monkeypatch: pytest.MonkeyPatch, seconds: list[float]) -> list[int]:
    calls: list[int] = []

    def timed(fn: Any, *args: Any) -> tuple[Any, float]:
        calls.append(len(calls))
        return fn(*args), seconds[len(calls) - 1]

    monkeypatch.setattr(scratch, "timed", timed)
    return calls


def test_a_short_call_is_repeated_and_its_best_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _scripted(monkeypatch, [0.5, 0.3, 0.4, 0.2, 0.9, 0.1])
    assert scratch.fastest(lambda x: x * 2, 21) == (42, 0.2)
    assert len(calls) == 5  # at most five calls


def test_repeats_stop_at_three_seconds_and_a_long_call_runs_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _scripted(monkeypatch, [0.9, 0.95, 0.99, 0.98, 0.5])
    assert scratch.fastest(lambda: "r") == ("r", 0.9)
    assert len(calls) == 4  # 3.82 s spent after four
    calls = _scripted(monkeypatch, [1.5, 0.1])
    assert scratch.fastest(lambda: "r") == ("r", 1.5) and len(calls) == 1
