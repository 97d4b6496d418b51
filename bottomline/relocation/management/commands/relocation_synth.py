"""manage.py relocation_synth --county 630106 [--seed N] [--on DATE]: calibrated resettlement sites, relocated
households, stability assessments and follow-up support for a synthetic county (relocation.synth;
docs/synthetic-data.md, "Relocation follow-up")."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bottomline.regions.models import Level, Region
from bottomline.relocation.synth import relocation_synth


class Command(BaseCommand):
    help = "Write calibrated relocation follow-up (sites, relocated households, assessments, support); once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", required=True, help="six-digit county code, e.g. 630106")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--on", type=date.fromisoformat, default=None, help="the last day (today)")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("relocation_synth makes synthetic data: it does not run in production")
        county = Region.objects.filter(code=options["county"].ljust(12, "0"), level=Level.COUNTY).first()
        if county is None:
            raise CommandError(f"no county {options['county']}: load the regions first")
        started = time.monotonic()
        made = relocation_synth(county=county, seed=options["seed"], on=options["on"] or timezone.localdate())
        if not made["relocations"]:
            self.stdout.write(f"relocation: {county.name} has sites already (or no households)")
            return
        self.stdout.write(
            f"relocation: {made['sites']} sites, {made['relocations']} relocated households, "
            f"{made['assessments']} assessments and {made['supports']} support records in {county.name} "
            f"in {time.monotonic() - started:.1f} s"
        )
