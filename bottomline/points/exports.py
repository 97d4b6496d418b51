"""The households' point balances out to XLSX, as of a day: household number, village, balance, the year's
points earned, deducted and spent; audited; a large one is written by a job (as industry.exports)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, Sum
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import EventKind
from bottomline.audit.services import event_record
from bottomline.jobs.models import Job
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.services import EXPORT_INLINE_ROWS, download_store, job_enqueue
from bottomline.points.models import Entry, Redemption
from bottomline.registry.exports import neutralise

EXPORT = "points.balance_export"
EXPORT_NAME = gettext_noop("points.balance_export")  # the job pages show the kind in the user's language


@dataclass
class _Row:
    number: str
    village: str
    balance: int = 0
    earned: int = 0
    deducted: int = 0
    spent: int = 0


def _rows(viewer: User, on: date) -> list[_Row]:
    """The households of the viewer's region with points by ``on``: their balance then and the year's points
    (two grouped queries; a redemption needs points earned first, so the entries name every household)."""
    year = Q(on__gte=date(on.year, 1, 1))
    rows: dict[int, _Row] = {}
    entries = gate.restrict(Entry.objects.filter(on__lte=on), viewer)
    for hh, number, village, total, earned, deducted in (
        entries.values_list("household_id", "household__number", "household__village__name")
        .annotate(
            t=Sum("points"),
            e=Sum("points", filter=year & Q(points__gt=0)),
            d=Sum("points", filter=year & Q(points__lt=0)),
        )
        .order_by()
    ):
        rows[hh] = _Row(number, village, total, earned or 0, -(deducted or 0))
    redeemed = gate.restrict(Redemption.objects.filter(on__lte=on), viewer)
    for hh, total, spent in (
        redeemed.values_list("household_id")
        .annotate(t=Sum("points"), s=Sum("points", filter=year))
        .order_by()
    ):
        if hh in rows:
            rows[hh].balance -= total
            rows[hh].spent = spent or 0
    return sorted(rows.values(), key=lambda r: r.number)


def balances_header() -> list[str]:
    """Column titles in the user's language."""
    return [
        _("household number"),
        _("village"),
        _("balance (points)"),
        _("earned this year"),
        _("deducted this year"),
        _("spent this year"),
    ]


def balances_xlsx(*, viewer: User, on: date, request: HttpRequest | None = None) -> bytes:
    """The balances of the viewer's households as of ``on`` as XLSX (every cell text but the numbers)."""
    import xlsxwriter  # here, not at a web process's start-up

    gate.require(viewer, Entry, "export", request)
    rows = _rows(viewer, on)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet(_("points")[:31])
    sheet.write_string(0, 0, _("As of %(day)s") % {"day": on.isoformat()})
    for c, title in enumerate(balances_header()):
        sheet.write_string(1, c, title)
    for r, row in enumerate(rows, start=2):
        sheet.write_string(r, 0, neutralise(row.number))
        sheet.write_string(r, 1, neutralise(row.village))
        for c, value in enumerate((row.balance, row.earned, row.deducted, row.spent), start=2):
            sheet.write_number(r, c, value)
    book.close()
    event_record(
        kind=EventKind.EXPORT,
        user=viewer,
        request=request,
        target="points.entry:xlsx",
        region=viewer.region,
        detail={"households": len(rows)},
    )
    return buffer.getvalue()


def balances_export_inline(viewer: User) -> bool:
    """Whether the viewer's households with points are few enough to write inside the request."""
    return (
        gate.restrict(Entry.objects.all(), viewer).values("household").distinct().count()
        <= EXPORT_INLINE_ROWS
    )


def balances_export_start(*, viewer: User, on: date, language: str) -> Job:
    """The balances as a job; its creator downloads the file once."""
    gate.require(viewer, Entry, "export")
    params = {"user": viewer.pk, "on": on.isoformat(), "language": language}
    return job_enqueue(kind=EXPORT, params=params, user=viewer, region=viewer.region)


@job_handler(EXPORT)
def balances_export_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params: ``user`` (whose scope and whose export), ``on``, ``language``."""
    viewer = User.objects.select_related("region").get(pk=params["user"])
    on = date.fromisoformat(params["on"])
    progress.start(1, gettext_noop("writing the balances"))
    with translation.override(params.get("language") or "zh-hans"):
        content = balances_xlsx(viewer=viewer, on=on)
    name = download_store(content, ".xlsx")
    progress.advance()
    return {"download": name, "file_name": f"points-{on:%Y%m%d}-{timezone.localdate():%Y%m%d}.xlsx"}
