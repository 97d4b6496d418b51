"""The households' point balances out to XLSX, as of a day: household number, village, balance, the year's
points earned, deducted and spent; audited; a large one is written by a job (as industry.exports)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
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
from bottomline.points.selectors import balances, flows_of
from bottomline.registry.exports import neutralise
from bottomline.registry.models import Household

EXPORT = "points.balance_export"


def _households(viewer: User, on: date) -> QuerySet[Household]:
    """The households of the viewer's region with a point entry or redemption by ``on``."""
    entered = gate.restrict(Entry.objects.filter(on__lte=on), viewer).values("household")
    redeemed = gate.restrict(Redemption.objects.filter(on__lte=on), viewer).values("household")
    return (
        gate.restrict(Household.objects.filter(Q(pk__in=entered) | Q(pk__in=redeemed)), viewer)
        .select_related("village")
        .order_by("village__code", "number")
    )


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
    households = list(_households(viewer, on))
    balance = balances([h.pk for h in households], on)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet(_("points")[:31])
    sheet.write_string(0, 0, _("As of %(day)s") % {"day": on.isoformat()})
    for c, title in enumerate(balances_header()):
        sheet.write_string(1, c, title)
    flow_of = flows_of([h.pk for h in households], date(on.year, 1, 1), on)
    for r, household in enumerate(households, start=2):
        flow = flow_of[household.pk]
        sheet.write_string(r, 0, neutralise(household.number))
        sheet.write_string(r, 1, neutralise(household.village.name))
        for c, value in enumerate((balance[household.pk], flow.earned, flow.deducted, flow.spent), start=2):
            sheet.write_number(r, c, value)
    book.close()
    event_record(
        kind=EventKind.EXPORT,
        user=viewer,
        request=request,
        target="points.entry:xlsx",
        region=viewer.region,
        detail={"households": len(households)},
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
