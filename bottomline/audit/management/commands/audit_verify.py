"""manage.py audit_verify: recompute the audit events' HMAC-SM3 chain and name the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from bottomline.audit.chain import chain_verify, changes_verify


class Command(BaseCommand):
    help = "Verify the audit events' HMAC-SM3 chain; fails naming the first event whose link does not hold."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, report in (("event", chain_verify()), ("change-log entry", changes_verify())):
            if report.broken is not None:
                raise CommandError(
                    f"audit chain broken at {name} #{report.broken}: it, or the one before it, was changed, "
                    f"removed or inserted ({report.checked} hold before it)"
                )
            self.stdout.write(
                f"{name} chain holds: {report.checked} checked, {report.unsealed} from before the chain; "
                f"head {report.head or '-'}"
            )
