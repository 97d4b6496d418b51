"""manage.py income_import FILE --user NAME [--check]: import the year's incomes (CSV or XLSX)."""

from __future__ import annotations

from typing import Any

from bottomline.jobs.console import ImportCommand
from bottomline.registry.income_import import KIND


class Command(ImportCommand):
    help = (
        "Check an income file and, unless --check, import it; nothing is written unless every row is right."
    )
    kind = KIND

    def summary(self, result: dict[str, Any]) -> str:
        return f"{result['incomes_created']} incomes added, {result['incomes_replaced']} replaced"
