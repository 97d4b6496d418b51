"""manage.py snapshot_export DIR: write the registry snapshot as Parquet, one directory per table, by county."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bottomline.engine.parquet import snapshot_write
from bottomline.engine.snapshot import read_snapshot


class Command(BaseCommand):
    help = "Write the registry tables the screening reads (no names, no ID numbers) as a Parquet snapshot in DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", help="the directory to write (created; existing county files replaced)")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["dir"])
        counts = snapshot_write(read_snapshot(), out)
        self.stdout.write(
            self.style.SUCCESS(f"{out}: " + ", ".join(f"{n} {name}" for name, n in counts.items()))
        )
