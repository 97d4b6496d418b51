"""The shape of every ``<app>_synth`` command: a synthetic county's records of one kind, written once.

``manage.py <app>_synth --county 630106 [--seed N] [--on DATE] [--user NAME]`` finds the county (its regions
loaded) and the account named as recording the records (``demo_users``), refuses to run in production, calls the
app's synth function and prints what it made, or that the county has such records already. A command names its
records, its function and its summary; the arguments and the checks are here once.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bottomline.accounts.models import User
from bottomline.regions.models import Level, Region


class CountySynthCommand(BaseCommand):
    """Subclasses set ``label`` (the line's prefix), ``key`` (the count that is 0 when the county has the records
    already), ``already`` (said then) and ``user_help`` (None: the function takes no user), and define
    ``synthesize`` and ``summary``."""

    label = ""
    key = ""
    already = "has such records already"
    user_help: str | None = "the county officer named as recording them"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", required=True, help="six-digit county code, e.g. 630106")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--on", type=date.fromisoformat, default=None, help="the last day (today)")
        if self.user_help is not None:
            parser.add_argument("--user", default="county", help=self.user_help)

    @staticmethod
    def officer(user: User | None) -> User:
        """The account of ``--user`` (``handle`` has found it when the command takes one)."""
        if user is None:
            raise CommandError("this command needs --user")
        return user

    def synthesize(self, *, county: Region, seed: int, on: date, user: User | None) -> dict[str, int]:
        raise NotImplementedError

    def summary(self, made: dict[str, int]) -> str:
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        name = type(self).__module__.rsplit(".", 1)[-1]
        if settings.PRODUCTION:
            raise CommandError(f"{name} makes synthetic records: it does not run in production")
        county = Region.objects.filter(code=options["county"].ljust(12, "0"), level=Level.COUNTY).first()
        if county is None:
            raise CommandError(f"no county {options['county']}: load the regions first")
        user = None
        if self.user_help is not None:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user {options['user']}: run `manage.py demo_users` first")
        started = time.monotonic()
        made = self.synthesize(
            county=county, seed=options["seed"], on=options["on"] or timezone.localdate(), user=user
        )
        if not made[self.key]:
            self.stdout.write(f"{self.label}: {county.name} {self.already}")
            return
        self.stdout.write(
            f"{self.label}: {self.summary(made)} in {county.name} in {time.monotonic() - started:.1f} s"
        )
