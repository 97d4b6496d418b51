"""manage.py figures_refresh: rebuild the dashboard figures of a region (or all) for the last months and the
last days (nightly)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from bottomline.dashboards.compute import months_back
from bottomline.dashboards.services import figures_refresh_days, figures_refresh_region


class Command(BaseCommand):
    help = (
        "Recompute the per-village, per-month dashboard figures of a region for the last N months, and the "
        "figures of its counties and the regions above them as of each of the last D days."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", default=None, help="a region code (default: every village)")
        parser.add_argument("--months", type=int, default=24, help="how many months, ending with this one")
        parser.add_argument(
            "--days",
            type=int,
            default=7,
            help="how many past days, ending yesterday (0: none; 366 backfills a year)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        months = months_back(timezone.localdate(), max(1, options["months"]))
        started = time.perf_counter()
        rows = figures_refresh_region(region_code=options["region"], months=months)
        seconds = time.perf_counter() - started
        self.stdout.write(f"{rows} village-month rows for {len(months)} months in {seconds:.1f} s")
        today = timezone.localdate()
        days = [today - timedelta(days=n) for n in range(options["days"], 0, -1)]
        started = time.perf_counter()
        rows = figures_refresh_days(region_code=options["region"], days=days)
        seconds = time.perf_counter() - started
        self.stdout.write(f"{rows} region-day rows for {len(days)} days in {seconds:.1f} s")
