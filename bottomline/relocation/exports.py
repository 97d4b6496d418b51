"""The register of relocated households out to XLSX: one row per household with its status and last support
as of a day, every cell text, audited."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import EventKind
from bottomline.audit.services import event_record
from bottomline.jobs.models import Job
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.services import download_store, job_enqueue
from bottomline.regions.models import Region
from bottomline.registry.exports import neutralise
from bottomline.relocation.models import Relocation, Stability, SupportKind
from bottomline.relocation.selectors import RelocationFilters, Row, relocation_ids, relocation_rows


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


EXPORT = "relocation.export"


def relocations_export_start(*, viewer: User, filters: RelocationFilters, on: date, language: str) -> Job:
    """A register too large to write inside the request, as a job; its creator downloads the file once."""
    gate.require(viewer, Relocation, "export")
    params = {
        "user": viewer.pk,
        "language": language,
        "on": on.isoformat(),
        "region": filters.region.code if filters.region is not None else "",
        "site_id": filters.site_id,
        "status": filters.status,
        "number": filters.number,
    }
    return job_enqueue(kind=EXPORT, params=params, user=viewer, region=viewer.region)


@job_handler(EXPORT)
def relocations_export_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params: ``user`` (whose scope and whose export), ``language``, ``on`` and the register's filters."""
    viewer = User.objects.select_related("region").get(pk=params["user"])
    on = date.fromisoformat(params["on"])
    region = gate.restrict(Region.objects.filter(code=params.get("region") or ""), viewer).first()
    filters = RelocationFilters(
        region=region or viewer.region,
        site_id=params.get("site_id"),
        status=params.get("status") or "",
        number=params.get("number") or "",
    )
    progress.start(1, gettext_noop("writing the relocated households"))
    with translation.override(params.get("language") or "zh-hans"):
        rows = relocation_rows(relocation_ids(viewer=viewer, filters=filters, on=on), on)
        content = relocations_xlsx(viewer=viewer, rows=rows, on=on)
    name = download_store(content, ".xlsx")
    progress.advance()
    return {"download": name, "file_name": f"relocations-{on:%Y%m%d}.xlsx"}
