"""manage.py synth: a calibrated synthetic population for counties of the real division tree."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bottomline.jobs.console import ConsoleProgress, run_in_console
from bottomline.regions.models import Level, Region
from bottomline.registry.synth_parquet import synth_parquet


def county_codes(spec: str) -> list[str]:
    """12-digit county codes from a comma-separated list; a 2- or 4-digit code means every county under it."""
    codes: list[str] = []
    for raw in (c.strip() for c in spec.split(",")):
        if len(raw) in (2, 4) and raw.isdigit():
            low = raw.ljust(12, "0")
            high = raw.ljust(12, "9")
            under = Region.objects.filter(code__range=(low, high), level=Level.COUNTY, valid_to__isnull=True)
            found = list(under.order_by("code").values_list("code", flat=True))
            if not found:
                raise CommandError(f"no county loaded under {raw}; run regions_load first")
            codes += found
        elif raw:
            code = raw.ljust(12, "0")
            if not Region.objects.filter(code=code, level=Level.COUNTY).exists():
                raise CommandError(f"no such county loaded: {raw}; run regions_load first")
            codes.append(code)
    if not codes:
        raise CommandError("no county given")
    return list(dict.fromkeys(codes))


class Command(BaseCommand):
    help = (
        "Generate households, members and incomes for the given counties (6- or 12-digit codes; a 2- or 4-digit "
        "code means every county under it) into the database, or with --parquet into a Parquet snapshot. "
        "Deterministic for a seed and a date; a county that already has households is left as it is."
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
        parser.add_argument(
            "--parquet", type=Path, help="write a Parquet snapshot into this (new or empty) directory instead"
        )
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="with --parquet: multiply every county's households (1.0 ≈ 82,000 members per county)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        codes = county_codes(options["counties"])
        try:
            on = date.fromisoformat(options["on"]) if options["on"] else timezone.localdate()
        except ValueError:
            raise CommandError("--on takes a date such as 2026-11-01") from None
        if options["parquet"] is not None:
            if options["lifted"] is not None:
                raise CommandError("--lifted is for the database; use --scale with --parquet")
            try:
                with ConsoleProgress("synthetic population") as bar:
                    counts = synth_parquet(
                        counties=codes,
                        out=options["parquet"],
                        seed=options["seed"],
                        progress=bar,
                        scale=options["scale"],
                        on=on,
                    )
            except (FileExistsError, ValueError) as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(
                self.style.SUCCESS(
                    ", ".join(f"{n:,} {name}" for name, n in counts.items())
                    + f" written to {options['parquet']}"
                )
            )
            return
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
