"""manage.py projects_synth --county 630106 [--seed N] [--on DATE] [--user NAME]: a synthetic project library
calibrated to the seed (projects.synth; docs/synthetic-data.md, "Project library")."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bottomline.accounts.models import User
from bottomline.projects.synth import projects_synth
from bottomline.regions.models import Level, Region


class Command(BaseCommand):
    help = "Write a calibrated synthetic project library (46 projects of 2021) for a synthetic county; once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", required=True, help="six-digit county code, e.g. 630106")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--on", type=date.fromisoformat, default=None, help="the last day (today)")
        parser.add_argument("--user", default="county", help="the county officer who posts the dividends")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("projects_synth makes synthetic data: it does not run in production")
        county = Region.objects.filter(code=options["county"].ljust(12, "0"), level=Level.COUNTY).first()
        if county is None:
            raise CommandError(f"no county {options['county']}: load the regions first")
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']}: run `manage.py demo_users` first")
        started = time.monotonic()
        made = projects_synth(
            county=county, seed=options["seed"], on=options["on"] or timezone.localdate(), user=user
        )
        if not made["projects"]:
            self.stdout.write(f"projects: {county.name} has projects already (or no villages)")
            return
        self.stdout.write(
            f"projects: {made['projects']} projects, {made['disbursements']} disbursements, "
            f"{made['beneficiaries']} beneficiary households, {made['assets']} assets in {county.name} "
            f"in {time.monotonic() - started:.1f} s"
        )
