"""manage.py indicators_doc: rewrite the indicator table of docs/indicators.md from dashboards/indicators.py."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from bottomline.dashboards.indicators import DOC, doc_render


class Command(BaseCommand):
    help = (
        "Regenerate the indicator definitions in docs/indicators.md from bottomline/dashboards/indicators.py."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        DOC.write_text(doc_render(DOC.read_text(encoding="utf-8")), encoding="utf-8")
        self.stdout.write(f"wrote {DOC}")
