"""The lock files agree with pyproject.toml (issue #17): every package pinned there is pinned at the same version
in requirements.lock (everything) and, for the runtime and the batch and pdf extras, in
requirements-production.lock; every pin carries hashes. A change to pyproject.toml without `scripts/lock.sh`
fails here."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;]+)")


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(requirements: list[str]) -> dict[str, str]:
    pins = {}
    for requirement in requirements:
        match = PIN.match(requirement.strip())
        if match:
            pins[_name(match[1])] = match[2]
    return pins


def _lock(path: Path) -> tuple[dict[str, str], list[str]]:
    text = path.read_text(encoding="utf-8")
    pins = {_name(m[1]): m[2] for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==(\S+)", text, re.MULTILINE)}
    unhashed = [
        b.split("==")[0] for b in re.split(r"\n(?=[A-Za-z0-9])", text) if "==" in b and "--hash" not in b
    ]
    return pins, unhashed


def test_the_locks_pin_what_pyproject_pins_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    runtime = _pins(project["dependencies"])
    production = runtime | _pins(extras["batch"]) | _pins(extras["pdf"])
    everything = production | {k: v for e in extras.values() for k, v in _pins(e).items()}
    for lock_name, wanted in (
        ("requirements.lock", everything),
        ("requirements-production.lock", production),
    ):
        pins, unhashed = _lock(ROOT / lock_name)
        assert not unhashed, f"{lock_name}: pins without hashes: {unhashed}"
        wrong = {n: (v, pins.get(n)) for n, v in wanted.items() if pins.get(n) != v}
        assert not wrong, f"{lock_name} is stale (run scripts/lock.sh): {wrong}"
    assert "faker" not in _lock(ROOT / "requirements-production.lock")[0]
    assert "pyspark" not in _lock(ROOT / "requirements-production.lock")[0]
