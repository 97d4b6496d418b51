"""Importing point entries (a village's points slips after their 公示): one entry per row.

The registry import's rules (``registry.importing``): every row is checked and every problem reported (row,
column, message in the user's language); nothing is written unless the whole file is good, in one
transaction. Each row goes through the same service as the pages (``points_record``: the supermarket serving
the household's village that day, the rule in force, never a negative balance), in day order, each in a
savepoint; a check, or a file with any error, is rolled back whole. The reference (流水号) makes an entry once:
a row whose reference is recorded already with the same household, day and points is left as it is, so
uploading the same file again changes nothing. Docs: docs/import.md ("Points supermarkets").
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.services import input_sha256, job_record
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.results import Line, result_describer
from bottomline.points.models import Coverage, Entry
from bottomline.points.selectors import rules_applying
from bottomline.points.services import points_record
from bottomline.registry.importing import (
    UNCHANGED,
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
from bottomline.registry.income_import import _date
from bottomline.registry.models import Household

logger = logging.getLogger(__name__)

KIND = "points.import"
KIND_NAME = gettext_noop("points.import")

COLUMNS: tuple[Column, ...] = (
    Column("户编号", "household number", "number", True),
    Column("日期", "date", "on", True),
    Column("积分规则", "rule", "rule"),
    Column("积分", "points", "points"),
    Column("备注", "note", "note"),
    Column("流水号", "reference", "reference", True),
)
EXAMPLES = (
    {"number": "630106100201xxxx", "on": "2026-03-01", "rule": "庭院整洁", "points": "", "reference": "YF-2026-0001"},
    {"number": "630106100201xxxx", "on": "2026-03-05", "rule": "", "points": "5", "note": "义务清雪",
     "reference": "YF-2026-0002"},
)  # fmt: skip


class _Rollback(Exception):
    """Leaves the import's transaction without writing."""


@dataclass
class _Row:
    line: int
    number: str
    on: datetime.date
    rule: str
    points: int | None
    note: str
    reference: str


def points_import(*, path: Path, user: User, commit: bool, progress: Progress) -> RowsReport:
    """Check a file of point entries and, if ``commit`` and nothing is wrong, record them."""
    gate.require(user, Entry, "import")
    headings, rows = read_rows(path)
    position, heading_errors = columns_place(headings, COLUMNS)
    report = RowsReport("entries", shows=UNCHANGED, rows=len(rows), errors=heading_errors)
    label = {c.target: headings[position[c.target]] for c in COLUMNS if c.target in position}

    def err(line: int, target: str, message: str) -> None:
        report.errors.append(RowError(line, label.get(target, target), message))

    parsed: list[_Row] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(rows):
        line = i + 2
        cell = {
            c.target: _text(raw[position[c.target]])
            if c.target in position and position[c.target] < len(raw)
            else ""
            for c in COLUMNS
        }
        on = _date(raw[position["on"]]) if "on" in position and position["on"] < len(raw) else None
        bad = False
        if not cell["number"]:
            err(line, "number", _("This column must be filled in."))
            bad = True
        if on is None:
            err(line, "on", _("Enter a date such as 2026-01-31."))
            bad = True
        points: int | None = None
        if cell["points"]:
            text = cell["points"].lstrip("+-")
            if not (text.isascii() and text.isdigit()):
                err(line, "points", _("Enter whole points, such as 10 or -5."))
                bad = True
            else:
                points = int(cell["points"])
        elif not cell["rule"]:
            err(line, "points", _("Give the rule or the points."))
            bad = True
        reference = cell["reference"]
        if not reference or len(reference) > 40:
            err(line, "reference", _("Give the slip's reference (at most 40 characters)."))
            bad = True
        elif reference in seen:
            err(line, "reference", _("The same reference is on row %(row)d too.") % {"row": seen[reference]})
            bad = True
        else:
            seen[reference] = line
        if not bad and on is not None:
            parsed.append(_Row(line, cell["number"], on, cell["rule"], points, cell["note"], reference))
    progress.start(len(parsed), gettext_noop("checking"))
    households = dict(
        gate.restrict(Household.objects.filter(number__in={r.number for r in parsed}), user).values_list(
            "number", "id"
        )
    )
    done = {
        e.reference: e
        for e in gate.restrict(Entry.objects.filter(reference__in=list(seen)), user).select_related(
            "household"
        )
    }
    elsewhere = set(Entry.objects.filter(reference__in=list(seen)).values_list("reference", flat=True)) - set(
        done
    )
    try:
        with transaction.atomic():
            for row in sorted(parsed, key=lambda r: (r.on, r.line)):
                progress.advance(1)
                _one(row, user, households, done, elsewhere, report, err)
            if report.errors or not commit:
                raise _Rollback
            job_record(
                job=KIND,
                user=user,
                region=user.region,
                sha256=input_sha256(path),
                created=report.created,
                unchanged=report.unchanged,
                detail={"entries": report.created},
            )
    except _Rollback:
        if report.errors:
            report.created = 0
    report.errors.sort(key=lambda e: (e.row, e.column))
    return report


def _one(
    row: _Row,
    user: User,
    households: dict[str, int],
    done: dict[str, Entry],
    elsewhere: set[str],
    report: RowsReport,
    err: Any,
) -> None:
    """Check (and write, in a savepoint) one row."""
    if row.reference in elsewhere:
        err(row.line, "reference", _("This reference is recorded already, outside your region."))
        return
    if row.reference in done:
        kept = done[row.reference]
        if kept.household.number == row.number and kept.on == row.on and (row.points in (None, kept.points)):
            report.unchanged += 1
        else:
            err(row.line, "reference", _("This reference is recorded already with another entry."))
        return
    household_id = households.get(row.number)
    if household_id is None:
        err(row.line, "number", _("No household %(number)s in your region.") % {"number": row.number})
        return
    village = Household.objects.filter(pk=household_id).values_list("village_id", flat=True).get()
    coverage = (
        Coverage.objects.filter(
            Q(end__isnull=True) | Q(end__gt=row.on), village_id=village, start__lte=row.on
        )
        .select_related("supermarket__village")
        .first()
    )
    if coverage is None:
        err(row.line, "number", _("No supermarket serves this household's village on that day."))
        return
    rule_id: int | None = None
    if row.rule:
        rules = rules_applying(coverage.supermarket, row.on)
        found = rules.filter(description=row.rule).first()
        if found is None and row.rule.isascii() and row.rule.isdigit():
            found = rules.filter(pk=int(row.rule)).first()
        if found is None:
            err(row.line, "rule", _("No such rule in force at the household's supermarket on that day."))
            return
        rule_id = found.pk
    try:
        with transaction.atomic():
            points_record(
                actor=user,
                supermarket_id=coverage.supermarket_id,
                household_id=household_id,
                rule_id=rule_id,
                points=row.points,
                on=row.on,
                note=row.note,
                reference=row.reference,
            )
    except ValidationError as exc:
        for target, messages in exc.message_dict.items():
            for message in messages:
                err(row.line, target if target in ("points", "rule", "note", "on") else "number", message)
        return
    except Http404:
        err(row.line, "number", _("No household %(number)s in your region.") % {"number": row.number})
        return
    report.created += 1


@result_describer(KIND, "entries_created")
def _entries_line(value: Any) -> Line:
    return Line(_("Point entries recorded"), str(value))


@job_handler(KIND)
def points_import_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params as ``registry.import``'s: ``path``, ``user`` (id), ``commit``, ``language``, ``uploaded``."""
    return import_job_run(
        params,
        progress,
        run=points_import,
        failed=lambda errors: RowsReport("entries", shows=UNCHANGED, errors=errors),
        what="points",
    )


def template_csv() -> bytes:
    """The template as CSV."""
    return template_csv_of(COLUMNS, EXAMPLES)


def template_xlsx() -> bytes:
    """The template as XLSX."""
    return template_xlsx_of(COLUMNS, EXAMPLES, sheet="积分")
