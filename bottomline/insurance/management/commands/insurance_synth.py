"""manage.py insurance_synth --county 630106 [--seed N] [--on DATE] [--user NAME]: the county's anti-poverty
insurance policies and this year's claims, calibrated to seed 001 (insurance.synth; docs/synthetic-data.md)."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bottomline.accounts.models import User
from bottomline.insurance.synth import insurance_synth
from bottomline.regions.models import Level, Region


class Command(BaseCommand):
    help = "Write synthetic anti-poverty insurance policies and claims for a synthetic county; once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", required=True, help="six-digit county code, e.g. 630106")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--on", type=date.fromisoformat, default=None, help="the last day (today)")
        parser.add_argument("--user", default="county", help="the county officer named as recording them")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("insurance_synth makes synthetic records: it does not run in production")
        county = Region.objects.filter(code=options["county"].ljust(12, "0"), level=Level.COUNTY).first()
        if county is None:
            raise CommandError(f"no county {options['county']}: load the regions first")
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']}: run `manage.py demo_users` first")
        started = time.monotonic()
        made = insurance_synth(
            county=county, seed=options["seed"], on=options["on"] or timezone.localdate(), user=user
        )
        if not made["policies"]:
            self.stdout.write(f"insurance: {county.name} has policies already")
            return
        self.stdout.write(
            f"insurance: {made['policies']} policies, {made['claims']} claims ({made['paid']} paid) in "
            f"{county.name} in {time.monotonic() - started:.1f} s"
        )
