"""manage.py industry_post [--user NAME] [--year YEAR]: post every open benefit linkage of the user's region again
for the year (the new year's run: an open linkage reaches each new year's income this way). The timer
(deploy/systemd/bottomline-industry-post.timer) names no user: the account is ``settings.INDUSTRY_POST_USER``
(``BOTTOMLINE_INDUSTRY_POST_USER``), a county officer whose region the run covers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bottomline.accounts.models import User
from bottomline.industry.services import linkages_repost


class Command(BaseCommand):
    help = "Post the benefit linkages in effect again, up to this year (or --year)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--user",
            default=settings.INDUSTRY_POST_USER,
            help="a county or township officer (their region); default BOTTOMLINE_INDUSTRY_POST_USER",
        )
        parser.add_argument("--year", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["user"]:
            raise CommandError(
                "name the officer: --user, or BOTTOMLINE_INDUSTRY_POST_USER in the environment"
            )
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']}")
        count = linkages_repost(actor=user, through=options["year"])
        self.stdout.write(f"industry: {count} linkages posted")
