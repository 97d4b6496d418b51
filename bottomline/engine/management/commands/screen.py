"""manage.py screen: run the screening rules over the registry (or a region) as a job, for cron or by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bottomline.jobs.console import run_in_console
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
        job = run_in_console(
            "engine.screen", {"on": on.isoformat(), "region": options["region"]}, "screening"
        )
        r = job.result
        self.stdout.write(
            self.style.SUCCESS(
                f"{r['households']} households screened, {r['flagged']} flagged in {r['seconds']} s"
            )
        )
