"""manage.py registry_import FILE --user NAME [--check]: import households and members (CSV or XLSX)."""

from __future__ import annotations

from typing import Any

from bottomline.jobs.console import ImportCommand


class Command(ImportCommand):
    kind = "registry.import"

    def summary(self, result: dict[str, Any]) -> str:
        return (
            f"{result['households_created']} households and {result['members_created']} members added, "
            f"{result['unchanged']} already registered"
        )
