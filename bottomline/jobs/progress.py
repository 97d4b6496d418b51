"""The progress interface that long services report to, whoever is watching (a job row, a CLI bar)."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Receives a service's progress; implementations decide how often to show or store it."""

    def start(self, total: int, message: str = "") -> None:
        """Begin (or begin a new phase) with ``total`` units of work."""

    def advance(self, amount: int = 1) -> None:
        """Mark ``amount`` more units done."""


class NullProgress:
    """Progress that goes nowhere, for callers that do not watch."""

    def start(self, total: int, message: str = "") -> None:
        return None

    def advance(self, amount: int = 1) -> None:
        return None
