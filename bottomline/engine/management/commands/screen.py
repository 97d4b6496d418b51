"""manage.py screen: run the screening rules over the registry (or a region) as a job, for cron or by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bottomline.engine.batch import ENGINES
from bottomline.jobs.console import run_in_console
from bottomline.regions.models import Region


class Command(BaseCommand):
    help = (
        "Screen every household (or those of --region) with the compiled rule catalog on DuckDB or PySpark, "
        "from the database or a Parquet snapshot; keep results and current screenings and raise leads for "
        "households newly at risk. --incremental screens only the households touched since the last run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--on", help="as of this date (YYYY-MM-DD; default today)")
        parser.add_argument("--region", help="a 12-digit region code: screen its subtree only")
        parser.add_argument("--engine", choices=ENGINES, default="duckdb", help="where the rules run")
        parser.add_argument(
            "--snapshot",
            metavar="DIR",
            help="read a Parquet snapshot (manage.py snapshot_export) instead of the database; results are "
            "kept for the households this database holds",
        )
        parser.add_argument(
            "--incremental",
            action="store_true",
            help="only households touched by feeds or registry changes since the previous run",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            on = date.fromisoformat(options["on"]) if options["on"] else timezone.localdate()
        except ValueError:
            raise CommandError("--on takes a date such as 2026-11-01") from None
        if options["region"] and not Region.objects.filter(code=options["region"]).exists():
            raise CommandError(f"no region {options['region']}")
        snapshot = options["snapshot"]
        if snapshot and not (Path(snapshot) / "households").is_dir():
            raise CommandError(f"{snapshot} holds no Parquet snapshot (no households/ directory)")
        params = {
            "on": on.isoformat(),
            "region": options["region"],
            "engine": options["engine"],
            "snapshot": str(Path(snapshot).resolve()) if snapshot else None,
            "incremental": options["incremental"],
        }
        job = run_in_console("engine.screen", params, "screening")
        r = job.result
        kind = "incremental" if r["incremental"] else "full"
        self.stdout.write(
            self.style.SUCCESS(
                f"{kind} run #{r['run']} on {r['engine']}: {r['households']} households screened, "
                f"{r['flagged']} flagged, {r['leads']} new lead(s) in {r['seconds']} s"
            )
        )
