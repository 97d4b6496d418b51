"""manage.py backup: the database, the attachments and the key check values in one archive (docs/backup.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bottomline.registry.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write the database, the attachments and the check values of the keys into ARCHIVE (.tar.gz). "
        "--keys-file also writes the keys, readable by their owner only: keep that file apart from the archive."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--keys-file", type=Path, help="also write the keys here (a new file, mode 600)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            files = backup_create(archive=options["archive"], keys_file=options["keys_file"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"backup written to {options['archive']} ({files} attachments)"))
