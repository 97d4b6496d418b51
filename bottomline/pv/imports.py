"""Importing a grid company's monthly statement (电费结算单): one station and month per row, by the station's grid
account number, with the month's generation (kWh) and income (yuan).

As every import here (docs/import.md): the file is read by the registry's reader (CSV in UTF-8 or GB18030, XLSX
with its guards), every row is checked first and every problem reported (row, column, message); nothing is
written unless the whole file is good, in one transaction. A month already recorded is replaced by the file's,
so uploading the same statement again changes nothing. Runs as a job (``pv.import``) with progress.
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.scope import spanning_region
from bottomline.audit.services import input_sha256, job_record
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.pv.models import Source, Station, StationMonth
from bottomline.pv.services import month_start, station_month_record
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
from bottomline.registry.income_import import _amount

logger = logging.getLogger(__name__)

KIND = "pv.import"


COLUMNS: tuple[Column, ...] = (
    Column("电站户号", "grid account", "account", True),
    Column("结算月份", "month", "month", True),
    Column("上网电量（千瓦时）", "generation kWh", "generation_kwh", True),
    Column("结算金额（元）", "income yuan", "income", True),
)
EXAMPLE = {"account": "0630106001", "month": "2026-01", "generation_kwh": "18500", "income": "13820.50"}
MONTH_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:[-/.]\d{1,2}日?)?$")


def _month(value: object) -> datetime.date | None:
    """A month from a cell: an XLSX date, or text as 2026-01, 2026/1, 2026年1月 (a day after it is ignored)."""
    if isinstance(value, datetime.datetime):
        return value.date().replace(day=1)
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    match = MONTH_TEXT.match(_text(value))
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    return datetime.date(year, month, 1) if 2000 <= year <= 2100 and 1 <= month <= 12 else None


@dataclass(frozen=True)
class _Row:
    line: int
    station_id: int
    month: datetime.date
    generation_kwh: Decimal
    income: Decimal


def statement_import(*, path: Path, user: User, commit: bool, progress: Progress) -> RowsReport:
    """Check a statement and, if ``commit`` and nothing is wrong, record its months."""
    gate.require(user, Station, "import")
    headings, rows = read_rows(path)
    position, heading_errors = columns_place(headings, COLUMNS)
    report = RowsReport("months", rows=len(rows), errors=heading_errors)
    label = {c.target: headings[position[c.target]] for c in COLUMNS}
    progress.start(len(rows), gettext_noop("checking"))
    cells = [{t: (raw[at] if at < len(raw) else "") for t, at in position.items()} for raw in rows]
    accounts = sorted({_text(c["account"]) for c in cells} - {""})
    stations = {
        s.grid_account: s
        for s in gate.restrict(Station.objects.filter(grid_account__in=accounts), user, "import")
    }
    this_month = month_start(timezone.localdate())
    good: list[_Row] = []
    seen: dict[tuple[int, datetime.date], int] = {}
    for i, row in enumerate(cells):
        line = i + 2  # the heading is row 1
        progress.advance(1)

        def err(target: str, message: str, line: int = line) -> None:
            report.errors.append(RowError(line, label[target], message))

        account = _text(row["account"])
        station = stations.get(account)
        if not account:
            err("account", _("This column must be filled in."))
        elif station is None:
            err(
                "account",
                _("No station with grid account %(account)s in your region.") % {"account": account},
            )
        month = _month(row["month"])
        if month is None:
            err("month", _("Enter a month such as 2026-01."))
        elif month > this_month:
            err("month", _("That month has not begun."))
        elif station is not None and month < month_start(station.grid_date):
            err("month", _("The station was not on the grid yet in that month."))
        values: dict[str, Decimal] = {}
        for target in ("generation_kwh", "income"):
            value = _amount(row[target])
            if value is None or value < 0 or value != value.quantize(Decimal("0.01")):
                err(target, _("Enter an amount of 0 or more, to the fen."))
            else:
                values[target] = value
        if station is None or month is None or len(values) < 2:
            continue
        first = seen.setdefault((station.pk, month), line)
        if first != line:
            err("month", _("The same station and month are on row %(row)d too.") % {"row": first})
            continue
        good.append(_Row(line, station.pk, month, values["generation_kwh"], values["income"]))
    report.errors.sort(key=lambda e: (e.row, e.column))
    if commit and not report.errors:
        _write(good, user=user, report=report, progress=progress)
        if not report.errors:
            job_record(
                job=KIND,
                user=user,
                region=spanning_region(
                    list(
                        Station.objects.filter(pk__in={r.station_id for r in good}).values_list(
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


class _Refused(Exception):
    """A row the ledger refused while writing: the whole file is rolled back."""


def _write(good: list[_Row], *, user: User, report: RowsReport, progress: Progress) -> None:
    """Record every row in one transaction (a correction that would leave a village over-distributed is a row
    error, and then nothing is written)."""
    existing = set(
        StationMonth.objects.filter(station_id__in={r.station_id for r in good}).values_list(
            "station_id", "month"
        )
    )
    progress.start(len(good), gettext_noop("importing"))
    label_income = COLUMNS[3].heading
    created = replaced = 0
    try:
        with transaction.atomic(), set_actor(user):
            for row in good:
                try:
                    station_month_record(
                        actor=user,
                        station_id=row.station_id,
                        month=row.month,
                        generation_kwh=row.generation_kwh,
                        income=row.income,
                        source=Source.IMPORTED,
                    )
                except ValidationError as exc:
                    for message in exc.messages:
                        report.errors.append(RowError(row.line, label_income, message))
                    raise _Refused from None
                if (row.station_id, row.month) in existing:
                    replaced += 1
                else:
                    created += 1
                progress.advance(1)
    except _Refused:
        return
    report.created, report.replaced = created, replaced


@job_handler(KIND)
def statement_import_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params as every upload job's: ``path``, ``user`` (id), ``commit``, ``language``, ``uploaded``."""
    return import_job_run(
        params,
        progress,
        run=statement_import,
        failed=lambda errors: RowsReport("months", errors=errors),
        what="PV statement",
    )


def template_csv() -> bytes:
    """The template as CSV."""
    return template_csv_of(COLUMNS, [EXAMPLE])


def template_xlsx() -> bytes:
    """The template as XLSX."""
    return template_xlsx_of(COLUMNS, [EXAMPLE], sheet="电费结算", width=18)
