"""The register of relocated households out to XLSX: one row per household with its status and last support
as of a day, every cell text, audited."""

from __future__ import annotations

import io
from datetime import date

from django.http import HttpRequest
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import EventKind
from bottomline.audit.services import event_record
from bottomline.registry.exports import neutralise
from bottomline.relocation.models import Relocation, Stability, SupportKind
from bottomline.relocation.selectors import Row


def relocations_header() -> list[str]:
    """Column titles in the user's language."""
    return [
        _("household number"),
        _("village"),
        _("origin village"),
        _("resettlement site"),
        _("year relocated"),
        _("people"),
        _("status"),
        _("assessed on"),
        _("last support"),
        _("last support on"),
    ]


def relocations_xlsx(*, viewer: User, rows: list[Row], on: date, request: HttpRequest | None = None) -> bytes:
    """The relocated households (already scoped and filtered, as of ``on``) as XLSX; the export is audited."""
    import xlsxwriter  # here, not at a web process's start-up

    gate.require(viewer, Relocation, "export", request)
    statuses, kinds = dict(Stability.choices), dict(SupportKind.choices)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet(_("relocated households"))
    text = book.add_format({"num_format": "@"})
    sheet.write_string(0, 0, _("As of %(day)s") % {"day": on.isoformat()})
    for c, title in enumerate(relocations_header()):
        sheet.write_string(1, c, title)
    for r, row in enumerate(rows, start=2):
        relocation, assessed, supported = row.relocation, row.assessment, row.support
        values = [
            relocation.household.number,
            relocation.household.village.name,
            relocation.origin.name,
            relocation.site.name,
            str(relocation.year),
            str(row.people),
            str(statuses[assessed.status]) if assessed else _("not assessed yet"),
            assessed.on.isoformat() if assessed else "",
            str(kinds[supported.kind]) if supported else "",
            supported.on.isoformat() if supported else "",
        ]
        for c, value in enumerate(values):
            sheet.write_string(r, c, neutralise(value), text)
    book.close()
    event_record(
        kind=EventKind.EXPORT,
        user=viewer,
        request=request,
        target="relocation.relocation:xlsx",
        region=viewer.region,
        detail={"relocations": len(rows)},
    )
    return buffer.getvalue()
