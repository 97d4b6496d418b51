"""Progress drawn as a rich bar on the terminal, and jobs run from management commands."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from bottomline.jobs.models import Job, JobStatus

if TYPE_CHECKING:
    from bottomline.accounts.models import User
    from bottomline.regions.models import Region


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


def run_in_console(
    kind: str, params: dict[str, Any], label: str, *, user: User | None = None, region: Region | None = None
) -> Job:
    """Record a job and run it here with a progress bar; a failed job becomes a CommandError naming it."""
    from bottomline.jobs.services import job_create, job_run

    job = job_create(kind=kind, params=params, user=user, region=region)
    with ConsoleProgress(label) as bar:
        job = job_run(job_id=job.pk, also=bar)
    if job.status != JobStatus.SUCCEEDED:
        raise CommandError(
            f"job {job.pk} failed: {job.error or 'unexpected error'} {job.error_reference}".rstrip()
        )
    return job


class ImportCommand(BaseCommand):
    """``manage.py <import> FILE --user NAME [--check]``: a file import run here as a job (CSV or XLSX); the
    subclass names the job's ``kind`` and says what the result counted."""

    help = "Check a file and, unless --check, import it; nothing is written unless every row is right."
    kind: str

    def summary(self, result: dict[str, Any]) -> str:
        """What the import added, from the job's result (the rows and problems come before it)."""
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="the importing county officer's username")
        parser.add_argument(
            "--check", action="store_true", help="a dry run: report the problems, write nothing"
        )
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])

    def handle(self, *args: Any, **options: Any) -> None:
        from bottomline.accounts.models import User

        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no file {path}")
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']}")
        params = {
            "path": str(path.resolve()),
            "user": user.pk,
            "commit": not options["check"],
            "language": options["language"],
        }
        job = run_in_console(self.kind, params, "import", user=user, region=user.region)
        r = job.result
        for row, column, message in r["errors"]:
            self.stdout.write(f"row {row}, {column}: {message}")
        summary = f"{r['rows']} rows, {r['error_count']} problems; {self.summary(r)} (job {job.pk})"
        if r["error_count"]:
            raise CommandError(summary + "; nothing was written")
        self.stdout.write(self.style.SUCCESS(summary))
