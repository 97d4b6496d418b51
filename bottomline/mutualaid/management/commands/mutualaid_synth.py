"""manage.py mutualaid_synth --county 630106 [--seed N] [--on DATE] [--user NAME]: calibrated village mutual-aid
funds for a synthetic county (mutualaid.synth; docs/synthetic-data.md, "Village mutual-aid funds")."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bottomline.accounts.models import User
from bottomline.mutualaid.synth import mutualaid_synth
from bottomline.regions.models import Level, Region


class Command(BaseCommand):
    help = (
        "Write calibrated mutual-aid associations, capital, members, loans and repayments for a county; once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", required=True, help="six-digit county code, e.g. 630106")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--on", type=date.fromisoformat, default=None, help="the last day (today)")
        parser.add_argument("--user", default="", help="who recorded them (a username; default nobody)")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("mutualaid_synth makes synthetic funds: it does not run in production")
        county = Region.objects.filter(code=options["county"].ljust(12, "0"), level=Level.COUNTY).first()
        if county is None:
            raise CommandError(f"no county {options['county']}: load the regions first")
        user = User.objects.filter(username=options["user"]).first() if options["user"] else None
        started = time.monotonic()
        made = mutualaid_synth(
            county=county, seed=options["seed"], on=options["on"] or timezone.localdate(), user=user
        )
        if not made["associations"]:
            self.stdout.write(f"mutualaid: {county.name} has associations already (or no villages)")
            return
        self.stdout.write(
            f"mutualaid: {made['associations']} associations, {made['members']} members, {made['loans']} loans "
            f"and {made['repayments']} repayments in {county.name} in {time.monotonic() - started:.1f} s"
        )
