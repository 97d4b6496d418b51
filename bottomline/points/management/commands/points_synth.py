"""manage.py points_synth --county 630106 [--seed N] [--on DATE]: calibrated points supermarkets, rules, goods,
point entries and redemptions for a synthetic county (points.synth; docs/synthetic-data.md)."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bottomline.points.synth import points_synth
from bottomline.regions.models import Level, Region


class Command(BaseCommand):
    help = "Write calibrated points supermarkets and their ledgers (to today) for a synthetic county; once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", required=True, help="six-digit county code, e.g. 630106")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--on", type=date.fromisoformat, default=None, help="the last day (today)")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("points_synth makes synthetic data: it does not run in production")
        county = Region.objects.filter(code=options["county"].ljust(12, "0"), level=Level.COUNTY).first()
        if county is None:
            raise CommandError(f"no county {options['county']}: load the regions first")
        started = time.monotonic()
        made = points_synth(county=county, seed=options["seed"], on=options["on"] or timezone.localdate())
        if not made["supermarkets"]:
            self.stdout.write(f"points: {county.name} has supermarkets already (or no villages)")
            return
        self.stdout.write(
            f"points: {made['supermarkets']} supermarkets serving {made['villages']} villages, "
            f"{made['entries']} point entries and {made['redemptions']} redemptions in {county.name} "
            f"in {time.monotonic() - started:.1f} s"
        )
