"""Importing the year's incomes (收入采集) from CSV or XLSX, one household and period per row.

The same rules as the registry import (``registry.importing``), whose reading of files (encodings, the XLSX
bomb guards of ``registry.spreadsheets``) this module uses, never copies: every row is checked first and every
problem reported (row, column, message in the user's language); nothing is written unless the whole file is
good, in one transaction. A period already recorded for a household is replaced by the file's amounts, so
uploading the same file again changes nothing. The records are written in sets through
``registry.incomes.incomes_save`` (the same checks as ``income_save``), which screens each household once. Docs: docs/import.md ("Incomes").
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.scope import spanning_region
from bottomline.audit.services import input_sha256, job_record
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.registry.importing import (
    Column,
    ImportFileError,
    RowError,
    RowsReport,
    _text,
    columns_place,
    import_job_run,
    read_rows,
    template_csv_of,
    template_xlsx_of,
)
from bottomline.registry.incomes import AMOUNTS, IncomeRow, amounts_check, incomes_save, year_bounds
from bottomline.registry.models import Household, IncomeRecord, Member

logger = logging.getLogger(__name__)

KIND = "registry.income_import"
LOOKUP_CHUNK = 2000


COLUMNS: tuple[Column, ...] = (
    Column("户编号", "household number", "number", True),
    Column("年度", "year", "year"),
    Column("起始日期", "period start", "period_start"),
    Column("截止日期", "period end", "period_end"),
    Column("工资性收入", "wage income", "wage"),
    Column("生产经营性收入", "production income", "production_gross"),
    Column("生产经营性支出", "productive spending", "production_expense"),
    Column("财产性收入", "property income", "property_income"),
    Column("转移性收入", "transfer income", "transfer"),
    Column("合规自付医疗支出", "medical spending", "medical_out_of_pocket"),
    Column("教育支出", "education spending", "education_out_of_pocket"),
    Column("其他刚性支出", "other rigid spending", "other_rigid"),
)
EXAMPLE = {
    "number": "630106100201xxxx",
    "year": "2026",
    "period_start": "",
    "period_end": "",
    "wage": "24000",
    "production_gross": "8000",
    "production_expense": "2500",
    "property_income": "300",
    "transfer": "3600",
    "medical_out_of_pocket": "1200",
    "education_out_of_pocket": "0",
    "other_rigid": "0",
}
DATE_TEXT = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


@dataclass(frozen=True)
class _Row:
    line: int
    household_id: int
    period_start: datetime.date
    period_end: datetime.date
    amounts: dict[str, Decimal]


def _date(value: object) -> datetime.date | None:
    """A date from a cell: an XLSX date, or text as 2026-01-31, 2026/1/31 or 2026年1月31日; None if not one."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    match = DATE_TEXT.match(_text(value))
    if match is None:
        return None
    try:
        return datetime.date(*map(int, match.groups()))
    except ValueError:
        return None


def _amount(value: object) -> Decimal | None:
    """An amount in yuan from a cell (thousands separators allowed); None if it is not a number."""
    if isinstance(value, bool):
        return None
    text = _text(value).replace(",", "").replace("，", "")
    if not text:
        return Decimal(0)
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):  # no exponents, NaN or infinities
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def income_import(*, path: Path, user: User, commit: bool, progress: Progress) -> RowsReport:
    """Check a file and, if ``commit`` and nothing is wrong, record its incomes."""
    gate.require(user, Household, "import")
    headings, rows = read_rows(path)
    position, heading_errors = columns_place(headings, COLUMNS)
    report = RowsReport("incomes", rows=len(rows), errors=heading_errors)
    if "year" not in position and not {"period_start", "period_end"} <= position.keys():
        raise ImportFileError(_("Give the year (年度), or the period's start and end (起始日期, 截止日期)."))
    label = {c.target: headings[position[c.target]] for c in COLUMNS if c.target in position}

    progress.start(len(rows), gettext_noop("checking"))
    cells: list[dict[str, object]] = [
        {t: (raw[at] if at < len(raw) else "") for t, at in position.items()} for raw in rows
    ]
    numbers = sorted({_text(c["number"]) for c in cells} - {""})
    households: dict[str, int] = {}
    peopled: set[int] = set()
    for at in range(0, len(numbers), LOOKUP_CHUNK):  # within every database's limit of parameters
        found = dict(
            gate.restrict(
                Household.objects.filter(number__in=numbers[at : at + LOOKUP_CHUNK]), user, "import"
            ).values_list("number", "id")
        )
        households.update(found)
        peopled.update(
            Member.objects.filter(household_id__in=found.values()).values_list("household_id", flat=True)
        )
    good: list[_Row] = []
    seen: dict[tuple[int, datetime.date, datetime.date], int] = {}
    for i, row in enumerate(cells):
        line = i + 2  # the heading is row 1
        progress.advance(1)

        def err(target: str, message: str, line: int = line) -> None:
            report.errors.append(RowError(line, label.get(target, target), message))

        number = _text(row["number"])
        household_id = households.get(number)
        if not number:
            err("number", _("This column must be filled in."))
        elif household_id is None:
            err("number", _("No household %(number)s in your region.") % {"number": number})
        elif household_id not in peopled:
            err("number", _("Register the household's members before its income."))
        period = _period(row, err)
        amounts: dict[str, Decimal | None] = {}
        for target in AMOUNTS:
            if target not in row:
                continue
            value = _amount(row[target])
            if value is None:
                err(target, _("Enter an amount in yuan, such as 1234.50."))
            else:
                amounts[target] = value
        try:
            values = amounts_check(amounts)
        except ValidationError as exc:
            for target, messages in exc.message_dict.items():
                for message in messages:
                    err(target, message)
            continue
        if household_id is None or household_id not in peopled or period is None:
            continue
        key = (household_id, *period)
        first = seen.setdefault(key, line)
        if first != line:
            err("number", _("The same household and period are on row %(row)d too.") % {"row": first})
            continue
        good.append(_Row(line, household_id, period[0], period[1], values))
    report.errors.sort(key=lambda e: (e.row, e.column))
    if commit and not report.errors:
        _write(good, user=user, report=report, progress=progress)
        job_record(
            job=KIND,
            user=user,
            region=spanning_region(
                list(
                    Household.objects.filter(pk__in={r.household_id for r in good}).values_list(
                        "village__code", flat=True
                    )
                )
            ),
            sha256=input_sha256(path),
            created=report.created,
            unchanged=0,
            detail={"created": report.created, "replaced": report.replaced},
        )
    return report


def _period(row: dict[str, object], err: Any) -> tuple[datetime.date, datetime.date] | None:
    """The row's period: both dates when given, else the year; None (and the problem reported) if neither."""
    start_cell, end_cell = _text(row.get("period_start")), _text(row.get("period_end"))
    if not (start_cell or end_cell or _text(row.get("year"))):
        err("year" if "year" in row else "period_start", _("Give the year, or both dates of the period."))
        return None
    if start_cell or end_cell:
        start, end = _date(row.get("period_start")), _date(row.get("period_end"))
        bad = False
        for target, cell, value in (("period_start", start_cell, start), ("period_end", end_cell, end)):
            if value is None:
                bad = True
                err(
                    target,
                    _("Enter a date such as 2026-01-31.")
                    if cell
                    else _("Give the year, or both dates of the period."),
                )
        if bad or start is None or end is None:
            return None
        if end < start:
            err("period_end", _("The period ends before it starts."))
            return None
        return start, end
    year = _text(row.get("year"))
    if not (year.isascii() and year.isdigit() and 2000 <= int(year) <= 2100):
        err("year", _("Enter a year such as 2026."))
        return None
    return year_bounds(int(year))


def _write(good: list[_Row], *, user: User, report: RowsReport, progress: Progress) -> None:
    """Record every row in one transaction, in sets (``incomes_save``); each household is screened once."""
    existing = set(
        IncomeRecord.objects.filter(household_id__in={r.household_id for r in good}).values_list(
            "household_id", "period_start", "period_end"
        )
    )
    progress.start(len(good), gettext_noop("importing"))
    with transaction.atomic(), set_actor(user):
        incomes_save(
            actor=user,
            action="import",
            rows=[
                IncomeRow(
                    row.household_id,
                    row.period_start,
                    row.period_end,
                    {k: v for k, v in row.amounts.items() if k in AMOUNTS},
                )
                for row in good
            ],
        )
    for row in good:
        if (row.household_id, row.period_start, row.period_end) in existing:
            report.replaced += 1
        else:
            report.created += 1
    progress.advance(len(good))


@job_handler(KIND)
def income_import_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params as ``registry.import``'s: ``path``, ``user`` (id), ``commit``, ``language`` and ``uploaded`` (the
    stored upload is deleted when the job ends)."""
    return import_job_run(
        params,
        progress,
        run=income_import,
        failed=lambda errors: RowsReport("incomes", errors=errors),
        what="income",
    )


def template_csv() -> bytes:
    """The template as CSV."""
    return template_csv_of(COLUMNS, [EXAMPLE])


def template_xlsx() -> bytes:
    """The template as XLSX."""
    return template_xlsx_of(COLUMNS, [EXAMPLE], sheet="收入采集")
