"""manage.py enrolment_code USERNAME: a one-time second-factor enrolment code, for the first administrator."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bottomline.accounts.services import enrolment_issue_by_operator


class Command(BaseCommand):
    help = (
        "Issue a one-time code with which USERNAME sets up their second factor (the first system administrator, "
        "whom no other administrator can enrol; everyone else gets theirs in the admin). Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            code = enrolment_issue_by_operator(username=options["username"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(code)
        self.stderr.write(f"Valid {settings.ENROLMENT_CODE_HOURS} hours, once; hand it over in person.")
