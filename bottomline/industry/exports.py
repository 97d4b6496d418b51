"""The linkages of a region out to XLSX (nothing personal beyond the household number), audited; a large one
is written by a job, as the registry's roster (``registry.exports``)."""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import EventKind
from bottomline.audit.scope import queryset_region
from bottomline.audit.services import event_record
from bottomline.industry.models import Linkage
from bottomline.industry.selectors import linkage_list
from bottomline.jobs.models import Job
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.services import EXPORT_INLINE_ROWS, download_store, job_enqueue
from bottomline.registry.exports import neutralise

ROWS_MAX = 200_000


def linkage_header() -> list[str]:
    """Column titles in the user's language."""
    return [
        _("household number"),
        _("village code"),
        _("village"),
        _("business entity"),
        _("project"),
        _("linkage kind"),
        _("amount per year (yuan)"),
        _("start"),
        _("end"),
    ]


def linkages_xlsx(*, viewer: User, request: HttpRequest | None = None) -> bytes:
    """Every linkage of the viewer's region as XLSX (numbers and codes as text), audited as an export."""
    import xlsxwriter

    gate.require(viewer, Linkage, "export", request)
    linkages = linkage_list(viewer=viewer)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet(_("Benefit linkages")[:31])
    for c, title in enumerate(linkage_header()):
        sheet.write_string(0, c, title)
    count = 0
    for count, linkage in enumerate(linkages[:ROWS_MAX].iterator(chunk_size=2000), start=1):
        row = [
            linkage.household.number,
            linkage.household.village.code,
            linkage.household.village.name,
            linkage.entity.name,
            linkage.project.name if linkage.project else "",
            str(linkage.get_kind_display()),
        ]
        for c, value in enumerate(row):
            sheet.write_string(count, c, neutralise(value))
        sheet.write_number(count, 6, float(linkage.amount_per_year))
        sheet.write_string(count, 7, linkage.start.isoformat())
        sheet.write_string(count, 8, linkage.end.isoformat() if linkage.end else "")
    book.close()
    event_record(
        kind=EventKind.EXPORT,
        user=viewer,
        request=request,
        target="industry.linkages:xlsx",
        region=queryset_region(gate.restrict(Linkage.objects.all(), viewer), "household__village__code"),
        detail={"linkages": count},
    )
    return buffer.getvalue()


EXPORT = "industry.linkage_export"


def linkages_export_inline(viewer: User) -> bool:
    """Whether the viewer's linkages are few enough to write inside the request."""
    return gate.restrict(Linkage.objects.all(), viewer).count() <= EXPORT_INLINE_ROWS


def linkages_export_start(*, viewer: User, language: str) -> Job:
    """The linkages as a job; its creator downloads the file once."""
    gate.require(viewer, Linkage, "export")
    params = {"user": viewer.pk, "language": language}
    return job_enqueue(kind=EXPORT, params=params, user=viewer, region=viewer.region)


@job_handler(EXPORT)
def linkages_export_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params: ``user`` (whose scope and whose export), ``language``."""
    viewer = User.objects.select_related("region").get(pk=params["user"])
    progress.start(1, gettext_noop("writing the linkages"))
    with translation.override(params.get("language") or "zh-hans"):
        content = linkages_xlsx(viewer=viewer)
    name = download_store(content, ".xlsx")
    progress.advance()
    return {"download": name, "file_name": f"benefit-linkages-{timezone.localdate():%Y%m%d}.xlsx"}
