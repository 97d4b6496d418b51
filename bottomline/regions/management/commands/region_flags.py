"""Set the baseline flags of regions: 贫困村/脱贫村 on villages, 国家乡村振兴重点帮扶县 on counties."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bottomline.regions.services import BASELINE_FLAGS, RegionDataError, baseline_flags_set


class Command(BaseCommand):
    help = (
        "Set (or with --clear, clear) a baseline flag on regions given by code: former_poor_village on "
        "villages (贫困村/脱贫村), key_county on counties (国家乡村振兴重点帮扶县). Codes on the command line "
        "or one per line in --file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("flag", choices=sorted(BASELINE_FLAGS))
        parser.add_argument("codes", nargs="*", help="region codes (6, 9 or 12 digits)")
        parser.add_argument("--file", type=Path, help="a text file of codes, one per line")
        parser.add_argument("--clear", action="store_true", help="clear the flag instead of setting it")

    def handle(self, *args: Any, **options: Any) -> None:
        codes = list(options["codes"])
        if options["file"] is not None:
            codes += options["file"].read_text(encoding="utf-8").split()
        if not codes:
            raise CommandError("give at least one code")
        try:
            changed = baseline_flags_set(flag=options["flag"], codes=codes, value=not options["clear"])
        except RegionDataError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"{changed} regions changed"))
