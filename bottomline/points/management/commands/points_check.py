"""manage.py points_check: reconcile the households' running point balances and the goods' stock with their
ledgers (points.selectors.reconcile); exits non-zero on any difference."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from bottomline.points.selectors import reconcile


class Command(BaseCommand):
    help = "Check that every point balance and every stock equals the sum of its ledger."

    def handle(self, *args: Any, **options: Any) -> None:
        found = reconcile()
        for m in found[:50]:
            self.stdout.write(f"{m.what} {m.pk}: kept {m.kept}, ledger {m.ledger}")
        if found:
            raise CommandError(f"points: {len(found)} running totals differ from their ledgers")
        self.stdout.write("points: every balance and stock agrees with its ledger")
