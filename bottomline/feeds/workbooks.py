"""Files out: each feed type's template (CSV and XLSX, every column as text) and a batch's unmatched report."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.utils.translation import gettext as _

from bottomline.feeds.models import UnmatchedRow
from bottomline.feeds.schemas import FeedType
from bottomline.registry.exports import neutralise


def template_csv(feed: FeedType) -> bytes:
    """The template as CSV, UTF-8 with a BOM (Excel opens it with Chinese intact): headings and one example."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.zh for c in feed.columns])
    writer.writerow([c.example for c in feed.columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx(feed: FeedType) -> bytes:
    """The template as XLSX: every column formatted as text, so ID numbers stay whole."""
    import xlsxwriter  # here, not at a web process's start-up (issue #17)

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet(feed.title["zh"][:31])
    text = book.add_format({"num_format": "@"})
    for c, column in enumerate(feed.columns):
        sheet.set_column(c, c, 16, text)
        sheet.write_string(0, c, column.zh)
        sheet.write_string(1, c, column.example, text)
    book.close()
    return buffer.getvalue()


def unmatched_csv(rows: Iterable[UnmatchedRow]) -> bytes:
    """The unmatched report for the department: row, masked ID number, name and why (UTF-8 with a BOM)."""
    reasons = {
        "not_found": _("nobody registered with this ID number in your region"),
        "no_period": _("no income period of the household contains the settlement date"),
    }
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("row"), _("ID number"), _("name"), _("reason")])
    for r in rows:
        writer.writerow([r.row, r.id_number_masked, neutralise(r.name), reasons.get(r.reason, r.reason)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
