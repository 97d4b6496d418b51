"""manage.py rotate_field_keys: re-encrypt ID numbers and phones under the active key, in batches."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bottomline.jobs.console import ConsoleProgress
from bottomline.jobs.models import JobStatus
from bottomline.jobs.services import job_create, job_run


class Command(BaseCommand):
    help = (
        "After adding a new key to BOTTOMLINE_FIELD_KEYS and making it active (BOTTOMLINE_FIELD_KEY_ID), "
        "re-encrypt every value still under an older key. Safe to stop and re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=2000, help="rows per transaction (default 2000)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        job = job_create(kind="registry.rotate_keys", params={"batch": options["batch"]})
        with ConsoleProgress("keys") as bar:
            job = job_run(job_id=job.pk, also=bar)
        if job.status != JobStatus.SUCCEEDED:
            raise CommandError(f"job {job.pk} failed: {job.error.splitlines()[0] if job.error else ''}")
        self.stdout.write(
            self.style.SUCCESS(f"re-encrypted {job.result['reencrypted']} values (job {job.pk})")
        )
