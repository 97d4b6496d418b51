"""The linkages of a region out to XLSX (nothing personal beyond the household number), audited; a large one
is written by a job (``jobs.exports``)."""

from __future__ import annotations

import io

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import EventKind
from bottomline.audit.scope import queryset_region
from bottomline.audit.services import event_record
from bottomline.industry.models import Linkage
from bottomline.industry.selectors import linkage_list
from bottomline.jobs.exports import export_register
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


def linkage_count(viewer: User) -> int:
    """How many linkages the viewer's export has."""
    return gate.restrict(Linkage.objects.all(), viewer).count()


EXPORT = "industry.linkage_export"
KIND_NAME = gettext_noop("industry.linkage_export")  # the job pages show the kind in the user's language

# 4,672 linkages (the demo county) took 0.83 s in the request: above 3,000 a job writes them.
LINKAGES = export_register(
    EXPORT,
    model=Linkage,
    write=lambda viewer, params, request: linkages_xlsx(viewer=viewer, request=request),
    rows=lambda viewer, params: linkage_count(viewer),
    name=lambda params: f"benefit-linkages-{timezone.localdate():%Y%m%d}",
    inline_rows=3000,
    phase=gettext_noop("writing the linkages"),
)
