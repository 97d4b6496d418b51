"""manage.py rotate_field_keys: re-encrypt every encrypted column under the active key, in batches."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bottomline.jobs.console import run_in_console


class Command(BaseCommand):
    help = (
        "After adding a new key to BOTTOMLINE_FIELD_KEYS and making it active (BOTTOMLINE_FIELD_KEY_ID), "
        "re-encrypt every value still under an older key. Safe to stop and re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=2000, help="rows per transaction (default 2000)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        job = run_in_console("registry.rotate_keys", {"batch": options["batch"]}, "keys")
        self.stdout.write(
            self.style.SUCCESS(f"re-encrypted {job.result['reencrypted']} values (job {job.pk})")
        )
