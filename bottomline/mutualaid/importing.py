"""Importing a fund's ledger of mutual-aid loans: disbursements (放款) and repayments (还款), one per row.

The registry import's rules (``registry.importing``): every row is checked and every problem reported (row,
column, message in the user's language); nothing is written unless the whole file is good. The rows go through
the same services as the pages, in the file's order, inside one transaction that is rolled back when anything
is wrong (and always on a check): the fund's cash, its members and what each loan owes are checked exactly as
on the pages. A loan already recorded with the same terms, or a repayment whose receipt number is recorded
already, is left as it is, so uploading the same file again changes nothing. Docs: docs/import.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.services import input_sha256, job_record
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.results import Line, result_describer
from bottomline.mutualaid import services
from bottomline.mutualaid.models import Association, Loan, Repayment
from bottomline.registry.importing import (
    Column,
    RowError,
    _text,
    columns_place,
    import_job_run,
    read_rows,
    template_csv_of,
    template_xlsx_of,
)
from bottomline.registry.income_import import _amount, _date
from bottomline.registry.models import Household

logger = logging.getLogger(__name__)

KIND = "mutualaid.import"
KIND_NAME = gettext_noop("mutualaid.import")
DISBURSE, REPAY = "disbursement", "repayment"
KINDS = {"放款": DISBURSE, "借款": DISBURSE, "disbursement": DISBURSE, "还款": REPAY, "repayment": REPAY}

COLUMNS: tuple[Column, ...] = (
    Column("类型", "kind", "kind", True),
    Column("借款编号", "loan number", "loan_number", True),
    Column("日期", "date", "on", True),
    Column("户编号", "household number", "number"),
    Column("借款金额", "amount", "amount"),
    Column("期限（月）", "term months", "term_months"),
    Column("占用费率（%）", "fee rate", "fee_rate"),
    Column("用途", "purpose", "purpose"),
    Column("还本金额", "principal", "principal"),
    Column("占用费金额", "fee", "fee"),
    Column("收据号", "receipt number", "reference"),
)
EXAMPLES = (
    {"kind": "放款", "loan_number": "HZ-HZ01-0001", "on": "2026-03-01", "number": "630106100201xxxx",
     "amount": "5000", "term_months": "12", "fee_rate": "6", "purpose": "养殖"},
    {"kind": "还款", "loan_number": "HZ-HZ01-0001", "on": "2027-03-01", "principal": "5000", "fee": "300",
     "reference": "SJ-000123"},
)  # fmt: skip
# A service's field, as the file's column
FIELD_COLUMN = {
    "household": "number",
    "association": "number",
    "number": "loan_number",
    "disbursed_on": "on",
    "on": "on",
    "amount": "amount",
    "term_months": "term_months",
    "fee_rate": "fee_rate",
    "purpose": "purpose",
    "principal": "principal",
    "fee": "fee",
    "reference": "reference",
}


@dataclass
class ImportReport:
    """What a check or an import found and did."""

    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    loans: int = 0
    repayments: int = 0
    unchanged: int = 0

    def as_dict(self, limit: int = 1000) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "loans_created": self.loans,
            "repayments_created": self.repayments,
            "unchanged": self.unchanged,
            "error_count": len(self.errors),
            "errors": [[e.row, e.column, e.message] for e in self.errors[:limit]],
        }


class _Rollback(Exception):
    """Undo the whole file (a check, or a file with errors)."""


def mutualaid_import(*, path: Path, user: User, commit: bool, progress: Progress) -> ImportReport:
    """Check a fund's ledger and, if ``commit`` and nothing is wrong, record its loans and repayments."""
    gate.require(user, Loan, "import")
    headings, rows = read_rows(path)
    position, heading_errors = columns_place(headings, COLUMNS)
    report = ImportReport(rows=len(rows), errors=list(heading_errors))
    label = {c.target: headings[position[c.target]] for c in COLUMNS if c.target in position}
    progress.start(len(rows), gettext_noop("checking"))
    try:
        with transaction.atomic():
            for i, raw in enumerate(rows):
                cells = {
                    c.target: (
                        raw[position[c.target]]
                        if c.target in position and position[c.target] < len(raw)
                        else ""
                    )
                    for c in COLUMNS
                }
                _row(i + 2, cells, user, report, label)
                progress.advance(1)
            if report.errors or not commit:
                raise _Rollback
    except _Rollback:
        if report.errors:  # nothing was written; a check reports what an import would write
            report.loans = report.repayments = 0
    report.errors.sort(key=lambda e: (e.row, e.column))
    if commit and not report.errors:
        job_record(
            job=KIND,
            user=user,
            region=user.region,
            sha256=input_sha256(path),
            created=report.loans + report.repayments,
            unchanged=report.unchanged,
            detail={"loans": report.loans, "repayments": report.repayments},
        )
    return report


def _row(line: int, row: dict[str, object], user: User, report: ImportReport, label: dict[str, str]) -> None:
    """Check and write one row (inside a savepoint: a refused row leaves nothing)."""

    def err(target: str, message: str) -> None:
        report.errors.append(RowError(line, label.get(target, target), message))

    kind = KINDS.get(_text(row["kind"]).lower())
    number = _text(row["loan_number"])
    on = _date(row["on"])
    if kind is None:
        err("kind", _("Enter 放款 (disbursement) or 还款 (repayment)."))
    if not number:
        err("loan_number", _("This column must be filled in."))
    if on is None:
        err("on", _("Enter a date such as 2026-01-31."))
    if kind is None or not number or on is None:
        return
    amounts: dict[str, Decimal] = {}
    wanted = ("amount", "fee_rate") if kind == DISBURSE else ("principal", "fee")
    for target in wanted:
        value = _amount(row[target])
        if value is None:
            err(target, _("Enter a number, such as 1234.50."))
        else:
            amounts[target] = value
    if len(amounts) < len(wanted):
        return
    try:
        with transaction.atomic():
            if kind == DISBURSE:
                _disburse(row, number, on, amounts, user, report, err)
            else:
                reference = _text(row["reference"])
                if not reference:
                    err("reference", _("Give the repayment's receipt number."))
                    return
                loan = Loan.objects.filter(number=number).first()
                if loan is None:
                    err(
                        "loan_number",
                        _("No loan with this number in your region (nor disbursed in the file)."),
                    )
                    return
                if Repayment.objects.filter(loan=loan, reference=reference).exists():
                    report.unchanged += 1
                    return
                services.repayment_record(
                    actor=user,
                    loan_id=loan.pk,
                    on=on,
                    principal=amounts["principal"],
                    fee=amounts["fee"],
                    reference=reference,
                )
                report.repayments += 1
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                err(FIELD_COLUMN.get(name, "loan_number"), message)
    except (Http404, PermissionDenied):  # the gate's: outside the user's region
        err("loan_number", _("No loan with this number in your region (nor disbursed in the file)."))


def _disburse(
    row: dict[str, object],
    number: str,
    on: Any,
    amounts: dict[str, Decimal],
    user: User,
    report: ImportReport,
    err: Any,
) -> None:
    household_number = _text(row["number"])
    household = gate.restrict(Household.objects.filter(number=household_number), user).first()
    if household is None:
        err("number", _("No household %(number)s in your region.") % {"number": household_number or "—"})
        return
    association = Association.objects.filter(village_id=household.village_id).first()
    if association is None:
        err("number", _("The household's village has no mutual-aid association."))
        return
    term = _text(row["term_months"])
    if not (term.isascii() and term.isdigit()):
        err("term_months", _("Enter the term in whole months, such as 12."))
        return
    rate = amounts["fee_rate"] if _text(row["fee_rate"]) else None
    recorded = Loan.objects.filter(number=number).first()
    if recorded is not None:
        same = (
            recorded.household_id == household.pk
            and recorded.amount == amounts["amount"]
            and recorded.term_months == int(term)
            and recorded.disbursed_on == on
            and (rate is None or recorded.fee_rate == rate)
        )
        if same:
            report.unchanged += 1
        else:
            err("loan_number", _("This loan number is recorded already with other terms."))
        return
    services.loan_record(
        actor=user,
        association_id=association.pk,
        household_id=household.pk,
        number=number,
        amount=amounts["amount"],
        term_months=int(term),
        fee_rate=rate,
        purpose=_text(row["purpose"]),
        disbursed_on=on,
    )
    report.loans += 1


@result_describer(KIND, "loans_created")
def _loans_line(value: Any) -> Line:
    return Line(_("Loans recorded"), str(value))


@result_describer(KIND, "repayments_created")
def _repayments_line(value: Any) -> Line:
    return Line(_("Repayments recorded"), str(value))


@job_handler(KIND)
def mutualaid_import_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params as ``registry.import``'s: ``path``, ``user`` (id), ``commit``, ``language``, ``uploaded``."""
    return import_job_run(
        params,
        progress,
        run=mutualaid_import,
        failed=lambda errors: ImportReport(errors=errors),
        what="mutual-aid ledger",
    )


def template_csv() -> bytes:
    """The template as CSV."""
    return template_csv_of(COLUMNS, EXAMPLES)


def template_xlsx() -> bytes:
    """The template as XLSX."""
    return template_xlsx_of(COLUMNS, EXAMPLES, sheet="互助资金")
