"""docs/feeds.md carries the schemas between two markers; they are generated from the declarations."""

from __future__ import annotations

from pathlib import Path

from django.utils import translation

from bottomline.feeds.schemas import feeds_doc

DOC = Path(__file__).resolve().parents[2] / "docs" / "feeds.md"
BEGIN, END = "<!-- schemas:begin -->", "<!-- schemas:end -->"


def doc_render(text: str) -> str:
    """The document with its schema section replaced by the one the declarations give."""
    with translation.override("en"):
        generated = feeds_doc()
    head, _sep, rest = text.partition(BEGIN)
    _old, _sep, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{generated}\n{END}{tail}"
