"""manage.py feed_doc: rewrite the schema section of docs/feeds.md from the declarations."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from bottomline.feeds.docs import DOC, doc_render


class Command(BaseCommand):
    help = "Regenerate the feed schemas in docs/feeds.md from bottomline/feeds/schemas.py."

    def handle(self, *args: Any, **options: Any) -> None:
        DOC.write_text(doc_render(DOC.read_text(encoding="utf-8")), encoding="utf-8")
        self.stdout.write(f"wrote {DOC}")
