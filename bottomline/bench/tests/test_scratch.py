"""``fastest`` repeats a short call and keeps its best time; a long call is timed once."""

from __future__ import annotations

import time
from pathlib import Path
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


CHILD = """
import sys, tempfile, time
from bottomline.bench.scratch import exit_on_term
exit_on_term()
with tempfile.TemporaryDirectory() as folder:
    print(folder, file=sys.stderr, flush=True)
    time.sleep(60)
"""


def test_a_benchmark_stopped_from_outside_stops_its_child_which_removes_its_scratch_folder() -> None:
    """A timeout on ``make bench`` left the whole run's child and its scratch folder (gigabytes at tier L)."""
    seen: list[str] = []

    def stop(line: str) -> None:  # the parent leaves as soon as the child has made its folder
        seen.append(line)
        raise RuntimeError("stopped")

    started = time.monotonic()
    with pytest.raises(RuntimeError, match="stopped"):
        scratch.run_child(["-c", CHILD], on_line=stop)
    assert seen and Path(seen[0]).is_absolute()
    assert not Path(seen[0]).exists()  # the child ran its cleanup on SIGTERM
    assert time.monotonic() - started < 30  # and did not sleep its minute out


def test_run_child_returns_the_output_and_exit_code() -> None:
    code, out, err = scratch.run_child(
        ["-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"]
    )
    assert (code, out, err) == (3, "out\n", "err\n")
