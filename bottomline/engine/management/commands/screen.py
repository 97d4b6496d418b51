"""manage.py screen: run the screening rules over the registry (or a region) as a job, for cron or by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bottomline.jobs.console import ConsoleProgress
from bottomline.jobs.models import JobStatus
from bottomline.jobs.services import job_create, job_run
from bottomline.regions.models import Region


class Command(BaseCommand):
    help = (
        "Screen every household (or those of --region) with the rule catalog in DuckDB and keep the results."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--on", help="as of this date (YYYY-MM-DD; default today)")
        parser.add_argument("--region", help="a 12-digit region code: screen its subtree only")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            on = date.fromisoformat(options["on"]) if options["on"] else timezone.localdate()
        except ValueError:
            raise CommandError("--on takes a date such as 2026-11-01") from None
        if options["region"] and not Region.objects.filter(code=options["region"]).exists():
            raise CommandError(f"no region {options['region']}")
        job = job_create(kind="engine.screen", params={"on": on.isoformat(), "region": options["region"]})
        with ConsoleProgress("screening") as bar:
            job = job_run(job_id=job.pk, also=bar)
        if job.status != JobStatus.SUCCEEDED:
            raise CommandError(f"job {job.pk} failed: {job.error.splitlines()[0] if job.error else ''}")
        r = job.result
        self.stdout.write(
            self.style.SUCCESS(
                f"{r['households']} households screened, {r['flagged']} flagged in {r['seconds']} s"
            )
        )
