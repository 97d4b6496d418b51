"""The employment workbook (XLSX): jobs, trainees and grants of the viewer's region (or a region of it), masked ID
numbers only, cells safe to open in a spreadsheet, audited as an export; a large one is written by a job
(``jobs.exports``)."""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import EventKind
from bottomline.audit.services import event_record
from bottomline.employment import selectors
from bottomline.employment.models import Grant, Job, Place, SchoolLevel, Trainee
from bottomline.jobs.exports import export_register
from bottomline.registry.exports import neutralise


def workbook(*, viewer: User, region: str = "", request: HttpRequest | None = None) -> bytes:
    """The workbook of the viewer's region: one sheet each for jobs, trainees and grants."""
    import xlsxwriter

    gate.require(viewer, Job, "export", request)
    places, levels = dict(Place.choices), dict(SchoolLevel.choices)
    jobs = selectors.jobs(viewer=viewer, region=region)
    trainees = gate.restrict(Trainee.objects.select_related("member", "household__village", "course"), viewer)
    if region:
        trainees = trainees.filter(household__village__code__startswith=selectors._prefix(region))
    grants = selectors.grants(viewer=viewer, region=region)
    sheets: list[tuple[str, list[str], list[list[object]]]] = [
        (
            _("Jobs"),
            [_("household number"), _("village"), _("name"), _("ID number"), _("employer"), _("workshop"),
             _("where"), _("first month"), _("months worked"), _("monthly wage (yuan)")],
            [
                [j.household.number, j.household.village.name, j.member.name, j.member.id_number_masked, j.employer,
                 j.workshop.name if j.workshop else "", places.get(j.place, j.place), f"{j.start:%Y-%m}", j.months,
                 float(j.monthly_wage)]
                for j in jobs.iterator(chunk_size=2000)
            ],
        ),
        (
            _("Trainees"),
            [_("household number"), _("village"), _("name"), _("ID number"), _("course"), _("first day"),
             _("last day"), _("hours"), _("certificate obtained")],
            [
                [t.household.number, t.household.village.name, t.member.name, t.member.id_number_masked,
                 t.course.name, t.course.start.isoformat(), t.course.end.isoformat(), t.course.hours,
                 _("Yes") if t.certified else _("No")]
                for t in trainees.order_by("household__number", "id").iterator(chunk_size=2000)
            ],
        ),
        (
            _("Rain and Dew grants"),
            [_("household number"), _("village"), _("name"), _("ID number"), _("school"), _("level"), _("term"),
             _("amount (yuan)"), _("paid on")],
            [
                [g.household.number, g.household.village.name, g.member.name, g.member.id_number_masked, g.school,
                 levels.get(g.level, g.level), g.term, float(g.amount), g.paid_on.isoformat()]
                for g in grants.iterator(chunk_size=2000)
            ],
        ),
    ]  # fmt: skip
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    for title, header, rows in sheets:
        sheet = book.add_worksheet(title[:31])
        for c, heading in enumerate(header):
            sheet.write_string(0, c, heading)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if isinstance(value, (int, float)):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, neutralise(value))
    book.close()
    event_record(
        kind=EventKind.EXPORT,
        user=viewer,
        request=request,
        target="employment.workbook:xlsx",
        region=region or viewer.region,
        detail={"jobs": len(sheets[0][2]), "trainees": len(sheets[1][2]), "grants": len(sheets[2][2])},
    )
    return buffer.getvalue()


def row_count(*, viewer: User, region: str = "") -> int:
    """How many rows the workbook has (jobs, trainees and grants), counted in the database."""
    prefix = selectors._prefix(region) if region else ""
    total = 0
    for model in (Job, Trainee, Grant):
        found = gate.restrict(model.objects.all(), viewer)
        if prefix:
            found = found.filter(household__village__code__startswith=prefix)
        total += found.count()
    return total


KIND = "employment.export"
KIND_NAME = gettext_noop("employment.export")  # the job pages show the kind in the user's language


def _write(viewer: User, params: dict[str, Any], request: HttpRequest | None) -> bytes:
    return workbook(viewer=viewer, region=str(params.get("region") or ""), request=request)


WORKBOOK = export_register(
    KIND,
    model=Job,
    write=_write,
    rows=lambda viewer, params: row_count(viewer=viewer, region=str(params.get("region") or "")),
    name=lambda params: "employment",
    phase=gettext_noop("writing the employment workbook"),
)
