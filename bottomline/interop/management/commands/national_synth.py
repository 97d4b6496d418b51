"""Write the national-format list (XLSX or GB18030 CSV) of a synthetic county; nothing stays in the database."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bottomline.interop.synth import national_synth
from bottomline.regions.models import Level, Region


class Command(BaseCommand):
    help = (
        "Write the national system's person list (已脱贫人口 and 监测对象, one row per person, with a monitoring "
        "history from 2021) of a synthetic county to a .xlsx or .csv (GB18030) file. ID numbers are whole: "
        "the file is for importing (manage.py or the 'National exchange' page)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", required=True, help="6- or 12-digit county code, e.g. 630106")
        parser.add_argument("--out", required=True, type=Path, help="the file to write: .xlsx or .csv")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--on", help="the data date (YYYY-MM-DD; default today)")
        parser.add_argument("--lifted", type=int, help="lifted-out households (default: Huangzhong's 8,954)")
        parser.add_argument(
            "--national-only",
            action="store_true",
            help="only the national columns (no 脱贫年度, 搬迁, 安置点)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in ("xlsx", "csv"):
            raise CommandError("--out must end in .xlsx or .csv")
        code = options["county"].ljust(12, "0")
        county = Region.objects.filter(code=code, level=Level.COUNTY).first()
        if county is None:
            raise CommandError(f"no county {options['county']} in the division tree (load it first)")
        try:
            on = date.fromisoformat(options["on"]) if options["on"] else timezone.localdate()
        except ValueError:
            raise CommandError("--on takes a date such as 2026-11-01") from None
        try:
            result = national_synth(
                county=county,
                seed=options["seed"],
                on=on,
                fmt=fmt,
                lifted=options["lifted"],
                extended=not options["national_only"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        out.write_bytes(result.content)
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.households} households, {result.cases} monitoring cases written to {out}"
            )
        )
