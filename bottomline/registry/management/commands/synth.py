"""manage.py synth: a calibrated synthetic population for counties of the real division tree."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bottomline.jobs.console import run_in_console
from bottomline.regions.models import Level, Region


class Command(BaseCommand):
    help = (
        "Generate households, members and incomes for the given counties (6- or 12-digit codes). Deterministic "
        "for a seed; a county that already has households is left as it is."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--counties", required=True, help="comma-separated county codes, e.g. 630106")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--on", help="the demo date (YYYY-MM-DD; default today): incomes cover the two years before"
        )
        parser.add_argument(
            "--lifted", type=int, help="lifted-out households per county (default: Huangzhong's 8,954)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        codes = [c.strip().ljust(12, "0") for c in options["counties"].split(",") if c.strip()]
        missing = [c for c in codes if not Region.objects.filter(code=c, level=Level.COUNTY).exists()]
        if missing or not codes:
            raise CommandError(
                f"no such county loaded: {', '.join(missing) or '(none given)'}; run regions_load first"
            )
        try:
            on = date.fromisoformat(options["on"]) if options["on"] else timezone.localdate()
        except ValueError:
            raise CommandError("--on takes a date such as 2026-11-01") from None
        params = {
            "counties": codes,
            "seed": options["seed"],
            "on": on.isoformat(),
            "lifted": options["lifted"],
        }
        job = run_in_console("registry.synth", params, "synthetic households")
        r = job.result
        self.stdout.write(
            self.style.SUCCESS(
                f"{r.get('households', 0)} households and {r.get('members', 0)} members generated "
                f"({r.get('skipped', 0)} counties already had households; job {job.pk})"
            )
        )
