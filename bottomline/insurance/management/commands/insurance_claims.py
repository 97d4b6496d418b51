"""manage.py insurance_claims [--on DATE] [--policy ID ...]: propose the medical claims the medical-insurance
feed's spending calls for, on every policy in force (insurance.services.claims_from_medical; idempotent)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from bottomline.insurance.jobs import proposals_run


class Command(BaseCommand):
    help = "Propose anti-poverty insurance claims from the medical feed's spending (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--on", type=date.fromisoformat, default=None, help="the day (today)")
        parser.add_argument("--policy", type=int, action="append", default=None, help="a policy id")

    def handle(self, *args: Any, **options: Any) -> None:
        done = proposals_run(on=options["on"] or timezone.localdate(), policy_ids=options["policy"])
        self.stdout.write(
            f"insurance: {done['proposed']} claims proposed, {done['updated']} updated, "
            f"on {done['policies']} policies"
        )
