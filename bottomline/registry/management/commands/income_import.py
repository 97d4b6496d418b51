"""manage.py income_import FILE --user NAME [--check]: import the year's incomes (CSV or XLSX)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bottomline.accounts.models import User
from bottomline.jobs.console import run_in_console
from bottomline.registry.income_import import KIND


class Command(BaseCommand):
    help = (
        "Check an income file and, unless --check, import it; nothing is written unless every row is right."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="the importing county officer's username")
        parser.add_argument(
            "--check", action="store_true", help="a dry run: report the problems, write nothing"
        )
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no file {path}")
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']}")
        params = {
            "path": str(path.resolve()),
            "user": user.pk,
            "commit": not options["check"],
            "language": options["language"],
        }
        job = run_in_console(KIND, params, "import", user=user, region=user.region)
        r = job.result
        for row, column, message in r["errors"]:
            self.stdout.write(f"row {row}, {column}: {message}")
        summary = (
            f"{r['rows']} rows, {r['error_count']} problems; {r['incomes_created']} incomes added, "
            f"{r['incomes_replaced']} replaced (job {job.pk})"
        )
        if r["error_count"]:
            raise CommandError(summary + "; nothing was written")
        self.stdout.write(self.style.SUCCESS(summary))
