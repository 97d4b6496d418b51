"""Importing employment records (就业信息) from CSV or XLSX, one job of one member per row.

As the registry's imports (docs/import.md): the file is read by ``registry.importing.read_rows`` (encodings,
XLSX guards), every row is checked first and every problem reported (row, column, message in the user's
language); nothing is written unless the whole file is good, and then in one transaction through
``services.jobs_save`` (wages to income, months worked, each household screened once). A job is one member,
employer, place and first month: the same row uploaded again corrects that job instead of adding another.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.scope import spanning_region
from bottomline.audit.services import input_sha256, job_record
from bottomline.employment.models import Job, Place, Workshop
from bottomline.employment.services import JobInput, jobs_save, month_first
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.registry.importing import (
    Column,
    RowError,
    RowsReport,
    _text,
    columns_place,
    import_job_run,
    read_rows,
    template_csv_of,
    template_xlsx_of,
)
from bottomline.registry.models import Member
from bottomline.registry.services import id_number_lookup_index

logger = logging.getLogger(__name__)

KIND = "employment.job_import"
CHUNK = 2000


COLUMNS: tuple[Column, ...] = (
    Column("身份证号码", "ID number", "id_number", True),
    Column("就业单位", "employer", "employer"),
    Column("帮扶车间编号", "workshop number", "workshop"),
    Column("务工地点", "where", "place", True),
    Column("起始月份", "first month", "start", True),
    Column("务工月数", "months worked", "months", True),
    Column("月工资", "monthly wage", "monthly_wage", True),
)
EXAMPLE = {
    "id_number": "63010619850615001X",
    "employer": "青海新绿康食品有限公司",
    "workshop": "",
    "place": "县内",
    "start": "2026-03",
    "months": "8",
    "monthly_wage": "2800",
}
PLACES = {
    "县内": Place.LOCAL,
    "local": Place.LOCAL,
    "省内": Place.PROVINCE,
    "省内县外": Place.PROVINCE,
    "province": Place.PROVINCE,
    "省外": Place.OUTSIDE,
    "outside": Place.OUTSIDE,
}
MONTH = re.compile(r"^(\d{4})[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?|月)?$")


def _month(value: object) -> date | None:
    """A month from a cell: an XLSX date, or text as 2026-03, 2026/3, 2026年3月 or a whole date."""
    if isinstance(value, date):
        return month_first(value)
    match = MONTH.match(_text(value))
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def _number(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    text = _text(value).replace(",", "").replace("，", "")
    if not re.fullmatch(r"\d+(\.\d*)?|\.\d+", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover  (the pattern admits only numbers)
        return None


def job_import(*, path: Path, user: User, commit: bool, progress: Progress) -> RowsReport:
    """Check a file and, if ``commit`` and nothing is wrong, record its jobs."""
    gate.require(user, Job, "import")
    headings, rows = read_rows(path)
    position, heading_errors = columns_place(headings, COLUMNS)
    report = RowsReport("jobs", rows=len(rows), errors=heading_errors)
    label = {c.target: headings[position[c.target]] for c in COLUMNS if c.target in position}
    progress.start(len(rows), gettext_noop("checking"))
    cells = [{t: (raw[at] if at < len(raw) else "") for t, at in position.items()} for raw in rows]
    indexes = {i: id_number_lookup_index(_text(c["id_number"])) for i, c in enumerate(cells)}
    wanted = sorted({x for x in indexes.values() if x})
    members: dict[str, int] = {}
    for at in range(0, len(wanted), CHUNK):
        members.update(
            gate.restrict(
                Member.objects.filter(id_number_index__in=wanted[at : at + CHUNK], household__isnull=False),
                user,
                "change",
            ).values_list("id_number_index", "pk")
        )
    workshops = {
        str(pk): pk for pk in gate.restrict(Workshop.objects.all(), user).values_list("pk", flat=True)
    }
    values: list[JobInput] = []
    lines: list[int] = []
    seen: dict[tuple[int, str, str, date], int] = {}
    for i, row in enumerate(cells):
        line = i + 2  # the heading is row 1
        progress.advance(1)

        def err(target: str, message: str, line: int = line) -> None:
            report.errors.append(RowError(line, label.get(target, target), message))

        member_id = members.get(indexes[i] or "")
        if not _text(row["id_number"]):
            err("id_number", _("This column must be filled in."))
        elif indexes[i] is None:
            err("id_number", _("This is not a valid ID number."))
        elif member_id is None:
            err("id_number", _("No member with this ID number in your region."))
        place = PLACES.get(_text(row["place"]).lower())
        if place is None:
            err("place", _("Enter 县内, 省内 or 省外."))
        start = _month(row["start"])
        if start is None:
            err("start", _("Enter a month such as 2026-03."))
        months = _number(row["months"])
        if months is None or months != months.to_integral_value() or not 1 <= months <= 36:
            err("months", _("Enter a whole number from %(low)d to %(high)d.") % {"low": 1, "high": 36})
        wage = _number(row["monthly_wage"])
        if wage is None or wage > Decimal("999999.99") or wage != wage.quantize(Decimal("0.01")):
            err("monthly_wage", _("Enter a monthly wage from 0 to 999,999.99 yuan, to the fen."))
        workshop_text = _text(row.get("workshop", ""))
        workshop_id = workshops.get(workshop_text) if workshop_text else None
        if workshop_text and workshop_id is None:
            err("workshop", _("No such workshop in your region."))
        employer = _text(row.get("employer", ""))
        if not workshop_text and not employer:
            err("employer", _("Give the employer, or choose a workshop."))
        elif len(employer) > 100:
            err(
                "employer",
                _("At most %(limit)d characters; this has %(length)d.")
                % {"limit": 100, "length": len(employer)},
            )
        if workshop_id is not None and place not in (None, Place.LOCAL):
            err("place", _("A workshop is in the county: the job is local."))
        if member_id is None or place is None or start is None or months is None or wage is None:
            continue
        key = (member_id, workshop_text or employer, place, start)
        first = seen.setdefault(key, line)
        if first != line:
            err("id_number", _("The same job is on row %(row)d too.") % {"row": first})
            continue
        values.append(JobInput(member_id, place, start, int(months), wage, workshop_id, employer))
        lines.append(line)
    if not report.errors and values:
        values = _matched(values)
        try:  # the service's own checks: any problem left is reported on its row, and nothing is written
            if commit:
                saved = jobs_save(actor=user, values=values, action="import")
                job_record(
                    job=KIND,
                    user=user,
                    region=spanning_region([j.household.village.code for j in _villages(saved)]),
                    sha256=input_sha256(path),
                    created=sum(1 for v in values if v.job_id is None),
                    unchanged=0,
                    detail={},
                )
        except ValidationError as exc:
            for where, messages in exc.message_dict.items():
                index, _sep, target = where.partition(":")
                for message in messages:
                    report.errors.append(RowError(lines[int(index)], label.get(target, target), message))
        else:
            report.replaced = sum(1 for v in values if v.job_id is not None)
            report.created = len(values) - report.replaced if commit else 0
            if not commit:
                report.replaced = 0
    report.errors.sort(key=lambda e: (e.row, e.column))
    return report


def _matched(values: list[JobInput]) -> list[JobInput]:
    """Each row with the id of the job it corrects: the same member, employer (or workshop), place and month."""
    found: dict[tuple[int, str, str, date], int] = {}
    member_ids = sorted({v.member_id for v in values})
    for at in range(0, len(member_ids), CHUNK):
        for pk, member, workshop, employer, place, start in Job.objects.filter(
            member_id__in=member_ids[at : at + CHUNK]
        ).values_list("pk", "member_id", "workshop_id", "employer", "place", "start"):
            found[(member, str(workshop) if workshop else employer, place, start)] = pk
    out = []
    for v in values:
        key = (v.member_id, str(v.workshop_id) if v.workshop_id else v.employer, v.place, v.start)
        out.append(JobInput(**{**v.__dict__, "job_id": found.get(key)}))
    return out


def _villages(saved: list[Job]) -> list[Job]:
    return list(Job.objects.filter(pk__in=[j.pk for j in saved]).select_related("household__village"))


@job_handler(KIND)
def job_import_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params as ``registry.import``'s: ``path``, ``user`` (id), ``commit``, ``language`` and ``uploaded``."""
    return import_job_run(
        params,
        progress,
        run=job_import,
        failed=lambda errors: RowsReport("jobs", errors=errors),
        what="employment",
    )


def template_csv() -> bytes:
    """The template as CSV."""
    return template_csv_of(COLUMNS, [EXAMPLE])


def template_xlsx() -> bytes:
    """The template as XLSX."""
    return template_xlsx_of(COLUMNS, [EXAMPLE], sheet="就业信息", width=16)
