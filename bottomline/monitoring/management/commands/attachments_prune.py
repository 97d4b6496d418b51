"""manage.py attachments_prune: delete attachment files that no case step or measure refers to."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bottomline.monitoring.attachments import ORPHAN_GRACE, attachment_orphans_delete


class Command(BaseCommand):
    help = (
        "Delete the files of the attachment folders that no row refers to (left by a failed upload or a "
        "deleted row) and older than --hours. Run it daily from the deployment's scheduler."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        default = int(ORPHAN_GRACE.total_seconds() // 3600)
        parser.add_argument(
            "--hours", type=int, default=default, help=f"keep younger files (default {default})"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["hours"] < 1:
            raise CommandError(
                "--hours must be at least 1: a younger file may be a transaction's in progress"
            )
        deleted = attachment_orphans_delete(grace=timedelta(hours=options["hours"]))
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(f"deleted {deleted} orphaned attachment files"))
