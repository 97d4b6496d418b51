"""Progress drawn as a rich bar on the terminal, for management commands."""

from __future__ import annotations

from types import TracebackType

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn


class ConsoleProgress:
    """A rich progress bar that follows a service's progress; use it as a context manager."""

    def __init__(self, description: str) -> None:
        self.description = description
        self._bar = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
        )
        self._task: TaskID | None = None

    def __enter__(self) -> ConsoleProgress:
        self._bar.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._bar.stop()

    def start(self, total: int, message: str = "") -> None:
        label = f"{self.description}: {message}" if message else self.description
        if self._task is None:
            self._task = self._bar.add_task(label, total=total)
        else:
            self._bar.reset(self._task, total=total, description=label)

    def advance(self, amount: int = 1) -> None:
        if self._task is not None:
            self._bar.advance(self._task, amount)
