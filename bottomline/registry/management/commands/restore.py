"""manage.py restore: replace the database and the attachments with a backup's, if the keys match it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bottomline.registry.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Replace the database and the attachments with those of ARCHIVE (made by `manage.py backup`). Stop the "
        "site and its workers first. Refused, naming the key, when the configured keys are not the backup's."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--yes", action="store_true", help="replace the current database and attachments")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError("restore replaces the whole database and every attachment: confirm with --yes")
        try:
            restored = backup_restore(archive=options["archive"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for key_id in restored.unconfigured_keys:
            self.stdout.write(
                self.style.WARNING(
                    f"the backup knew the field key {key_id!r}, which BOTTOMLINE_FIELD_KEYS does not have; "
                    "`manage.py check` says whether any value still needs it"
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"restored the backup of {restored.created_at} ({restored.files} attachments); "
                "run `manage.py migrate` if this version is newer than the backup's"
            )
        )
