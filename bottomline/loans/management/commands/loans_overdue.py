"""manage.py loans_overdue: the nightly check that raises a lead on each household whose small loan is overdue
more than the threshold (once per overdue spell), as a job, for the timer or by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bottomline.jobs.console import run_in_console
from bottomline.loans.services import LEAD_OVERDUE_DAYS
from bottomline.regions.models import Region


class Command(BaseCommand):
    help = (
        "Raise a lead (department channel) on each household of --region with a small loan overdue more than "
        f"--days (default {LEAD_OVERDUE_DAYS}) on --on (default today); a loan's overdue spell raises one lead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--region", help="a 12-digit region code (its subtree is checked; default: everywhere)"
        )
        parser.add_argument("--on", help="as of this date (YYYY-MM-DD; default today)")
        parser.add_argument(
            "--days", type=int, default=LEAD_OVERDUE_DAYS, help="overdue more than this many days"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            on = date.fromisoformat(options["on"]) if options["on"] else timezone.localdate()
        except ValueError:
            raise CommandError("--on takes a date such as 2026-11-01") from None
        region = Region.objects.filter(code=options["region"]).first() if options["region"] else None
        if options["region"] and region is None:
            raise CommandError(f"no region {options['region']}")
        if options["days"] < 0:
            raise CommandError("--days is 0 or more")
        params = {"region": region.code if region else "", "on": on.isoformat(), "days": options["days"]}
        job = run_in_console("loans.overdue", params, "overdue loans", region=region)
        r = job.result
        self.stdout.write(
            self.style.SUCCESS(
                f"{r['overdue']} loan(s) overdue more than {options['days']} days; {r['raised']} lead(s) raised"
            )
        )
