"""manage.py audit_verify: recompute the audit events' HMAC-SM3 chain and name the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from bottomline.audit.chain import chain_verify


class Command(BaseCommand):
    help = "Verify the audit events' HMAC-SM3 chain; fails naming the first event whose link does not hold."

    def handle(self, *args: Any, **options: Any) -> None:
        report = chain_verify()
        if report.broken is not None:
            raise CommandError(
                f"audit chain broken at event #{report.broken}: it, or the event before it, was changed, "
                f"removed or inserted ({report.checked} events hold before it)"
            )
        self.stdout.write(
            f"audit chain holds: {report.checked} events checked, {report.unsealed} from before the chain; "
            f"head {report.head or '-'}"
        )
