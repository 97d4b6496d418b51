"""manage.py feed_load --type T --file F --user U [--commit]: check (and load) a department feed file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bottomline.accounts.models import User
from bottomline.feeds.jobs import KIND
from bottomline.feeds.schemas import BY_CODE
from bottomline.jobs.console import run_in_console


class Command(BaseCommand):
    help = "Check a department feed file and, with --commit, load it (as a job, with a progress bar)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--type", required=True, choices=sorted(BY_CODE), help="the feed type")
        parser.add_argument("--file", required=True, type=Path, help="a .csv or .xlsx file")
        parser.add_argument(
            "--user", required=True, help="the uploader's username (their role and region apply)"
        )
        parser.add_argument("--commit", action="store_true", help="load the file; without it, only check")
        parser.add_argument("--language", default="zh-hans", help="language of the messages (zh-hans or en)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.select_related("region").filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']!r}")
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no file {path}")
        job = run_in_console(
            KIND,
            {
                "feed_type": options["type"],
                "path": str(path.resolve()),
                "user": user.pk,
                "commit": options["commit"],
                "language": options["language"],
                "file_name": path.name,
            },
            f"feed {options['type']}",
            user=user,
            region=user.region,
        )
        self.stdout.write(json.dumps(job.result, ensure_ascii=False, indent=1))
        if job.result.get("error_count"):
            raise CommandError(f"{job.result['error_count']} problem(s): nothing was written")
