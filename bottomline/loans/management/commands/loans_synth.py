"""manage.py loans_synth --county 630106 [--seed N] [--on DATE]: calibrated small loans and repayments for a
synthetic county (loans.synth; docs/synthetic-data.md, "Small loans")."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bottomline.loans.synth import loans_synth
from bottomline.regions.models import Level, Region


class Command(BaseCommand):
    help = "Write calibrated small loans and their repayments (to today) for a synthetic county; once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", required=True, help="six-digit county code, e.g. 630106")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--on", type=date.fromisoformat, default=None, help="the last day (today)")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("loans_synth makes synthetic loans: it does not run in production")
        county = Region.objects.filter(code=options["county"].ljust(12, "0"), level=Level.COUNTY).first()
        if county is None:
            raise CommandError(f"no county {options['county']}: load the regions first")
        started = time.monotonic()
        made = loans_synth(county=county, seed=options["seed"], on=options["on"] or timezone.localdate())
        if not made["loans"]:
            self.stdout.write(f"loans: {county.name} has loans already (or no lifted-out households)")
            return
        self.stdout.write(
            f"loans: {made['loans']} loans and {made['repayments']} repayments in {county.name} "
            f"in {time.monotonic() - started:.1f} s"
        )
