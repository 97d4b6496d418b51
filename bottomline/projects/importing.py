"""Importing the disbursements of the library's projects (资金拨付明细), one per row: the project's code, the
fund source, the amount, the day, the voucher number and a note.

The registry import's rules (``registry.importing``): every row is checked first and every problem reported (row,
column, message in the user's language); nothing is written unless the whole file is good, in one transaction
with the projects' rows locked. A disbursement whose voucher number is recorded on its project already is left as
it is, so uploading the same file again changes nothing. The same checks as the pages: a project of the
uploader's region in a paying stage, a source it has a budget from, and never beyond that budget (counting the
file's earlier rows). Docs: docs/import.md ("Project disbursements").
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditlog.context import set_actor
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.services import input_sha256, job_record
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.results import Line, result_describer
from bottomline.projects.models import PAYING, SOURCE_ZH, Budget, Disbursement, Project, Source
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
from bottomline.registry.income_import import _amount, _date

KIND = "projects.import"
KIND_NAME = gettext_noop("projects.import")

COLUMNS: tuple[Column, ...] = (
    Column("项目编号", "project code", "code", True),
    Column("资金来源", "fund source", "source", True),
    Column("拨付金额", "amount", "amount", True),
    Column("拨付日期", "date", "on", True),
    Column("凭证号", "voucher number", "reference", True),
    Column("备注", "note", "note"),
)
EXAMPLES = (
    {
        "code": "HZ2026-001",
        "source": "中央衔接资金",
        "amount": "500000",
        "on": "2026-05-10",
        "reference": "2026-0510-01",
        "note": "首期工程款",
    },
)


@dataclass
class _Row:
    line: int
    project_id: int
    source: str
    amount: Decimal
    on: datetime.date
    reference: str
    note: str


def source_parse(raw: str) -> str | None:
    """A fund source from its code, English label or Chinese term."""
    text = raw.strip()
    for value, label in Source.choices:
        if text.lower() in (value, str(label).lower()) or text == SOURCE_ZH[value]:
            return value
    return None


def disbursements_import(*, path: Path, user: User, commit: bool, progress: Progress) -> RowsReport:
    """Check a file of disbursements and, if ``commit`` and nothing is wrong, record them all."""
    gate.require(user, Project, "import")
    gate.require(user, Disbursement, "add")
    headings, rows = read_rows(path)
    position, heading_errors = columns_place(headings, COLUMNS)
    report = RowsReport("disbursements", shows=UNCHANGED, rows=len(rows), errors=heading_errors)
    if heading_errors:
        return report
    label = {c.target: headings[position[c.target]] for c in COLUMNS if c.target in position}
    cells = [
        {
            c.target: (
                raw[position[c.target]] if c.target in position and position[c.target] < len(raw) else ""
            )
            for c in COLUMNS
        }
        for raw in rows
    ]
    progress.start(len(rows), gettext_noop("checking"))
    with transaction.atomic():
        codes = sorted({_text(c["code"]) for c in cells} - {""})
        projects = {
            p.code: p
            for p in gate.restrict(Project.objects.filter(code__in=codes), user, "change").select_for_update()
        }
        ids = [p.pk for p in projects.values()]
        budget = {
            (pk, s): a
            for pk, s, a in Budget.objects.filter(project_id__in=ids).values_list(
                "project_id", "source", "amount"
            )
        }
        spent: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        for pk, s, total in (
            Disbursement.objects.filter(project_id__in=ids)
            .values_list("project_id", "source")
            .annotate(t=Sum("amount"))
            .order_by()
        ):
            spent[(pk, s)] += total
        recorded = set(
            Disbursement.objects.filter(project_id__in=ids)
            .exclude(reference="")
            .values_list("project_id", "reference")
        )
        seen: dict[tuple[int, str], int] = {}
        kept: list[_Row] = []
        today = timezone.localdate()
        for i, row in enumerate(cells):
            line = i + 2
            progress.advance(1)

            def err(target: str, message: str, line: int = line) -> None:
                report.errors.append(RowError(line, label.get(target, target), message))

            code = _text(row["code"])
            project = projects.get(code)
            source = source_parse(_text(row["source"]))
            amount = _amount(row["amount"])
            on = _date(row["on"])
            reference = _text(row["reference"])
            bad = False
            if project is None:
                err("code", _("No project with this code in your region."))
                bad = True
            elif project.stage not in PAYING:
                err("code", _("Money is disbursed only while the project is implemented or just accepted."))
                bad = True
            if source is None:
                err("source", _("Enter a fund source such as 中央衔接资金."))
                bad = True
            if amount is None or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
                err("amount", _("Enter an amount of more than 0 yuan, to the fen."))
                bad = True
            if on is None:
                err("on", _("Enter a date such as 2026-01-31."))
                bad = True
            elif on > today:
                err("on", _("The day cannot be in the future."))
                bad = True
            if not reference or len(reference) > 40:
                err("reference", _("Give the voucher number (at most 40 characters)."))
                bad = True
            if bad:
                continue
            assert project is not None and source is not None and amount is not None and on is not None  # noqa: S101
            key = (project.pk, reference)
            if key in seen:
                err("reference", _("The same disbursement is on row %(row)d too.") % {"row": seen[key]})
                continue
            seen[key] = line
            if key in recorded:
                report.unchanged += 1
                continue
            left = budget.get((project.pk, source), Decimal(0)) - spent[(project.pk, source)]
            if amount > left:
                err(
                    "amount",
                    _("This is beyond the budget: %(left)s yuan of this source's %(budget)s yuan are left.")
                    % {
                        "left": f"{left:.2f}",
                        "budget": f"{budget.get((project.pk, source), Decimal(0)):.2f}",
                    },
                )
                continue
            spent[(project.pk, source)] += amount
            kept.append(_Row(line, project.pk, source, amount, on, reference, _text(row["note"])[:200]))
        report.errors.sort(key=lambda e: (e.row, e.column))
        if commit and not report.errors:
            with set_actor(user):
                Disbursement.objects.bulk_create(
                    [
                        Disbursement(
                            project_id=r.project_id,
                            source=r.source,
                            amount=r.amount,
                            on=r.on,
                            reference=r.reference,
                            note=r.note,
                            recorded_by=user,
                        )
                        for r in kept
                    ]
                )
            report.created = len(kept)
            job_record(
                job=KIND,
                user=user,
                region=user.region,
                sha256=input_sha256(path),
                created=report.created,
                unchanged=report.unchanged,
                detail={"disbursements": report.created},
            )
    return report


@result_describer(KIND, "disbursements_created")
def _created_line(value: Any) -> Line:
    return Line(_("Disbursements recorded"), str(value))


@job_handler(KIND)
def import_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params as ``registry.import``'s: ``path``, ``user`` (id), ``commit``, ``language``, ``uploaded``."""
    return import_job_run(
        params,
        progress,
        run=disbursements_import,
        failed=lambda errors: RowsReport("disbursements", shows=UNCHANGED, errors=errors),
        what="project disbursements",
    )


def template_csv() -> bytes:
    """The template as CSV."""
    return template_csv_of(COLUMNS, EXAMPLES)


def template_xlsx() -> bytes:
    """The template as XLSX."""
    return template_xlsx_of(COLUMNS, EXAMPLES, sheet="项目资金拨付")
