"""Importing a bank's statement of small loans: disbursements (放款) and repayments (还款), one per row.

The registry import's rules (``registry.importing``, whose file reading this module uses): every row is checked
first and every problem reported (row, column, message in the user's language); nothing is written unless the
whole file is good, in one transaction. A disbursement already recorded with the same terms, or a repayment
whose bank reference is recorded already, is left as it is, so uploading the same statement again changes
nothing. The same checks as the pages: the limits, a production purpose, and never more repaid than owed.
Docs: docs/import.md ("Small loans").
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field
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
from bottomline.audit.services import input_sha256, job_record
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.results import Line, result_describer
from bottomline.loans.models import Loan, Repayment
from bottomline.loans.schedule import interest_total
from bottomline.loans.services import purpose_check, subsidy_default, terms_check
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

KIND = "loans.import"
KIND_NAME = gettext_noop("loans.import")
DISBURSE, REPAY = "disbursement", "repayment"
KINDS = {"放款": DISBURSE, "发放": DISBURSE, "disbursement": DISBURSE, "还款": REPAY, "repayment": REPAY}


COLUMNS: tuple[Column, ...] = (
    Column("类型", "kind", "kind", True),
    Column("合同编号", "contract", "contract", True),
    Column("日期", "date", "on", True),
    Column("户编号", "household number", "number"),
    Column("贷款银行", "lender", "lender"),
    Column("贷款金额", "amount", "amount"),
    Column("期限（月）", "term months", "term_months"),
    Column("年利率（%）", "rate", "rate"),
    Column("贴息利率（%）", "subsidy rate", "subsidy_rate"),
    Column("用途", "purpose", "purpose"),
    Column("还本金额", "principal", "principal"),
    Column("还息金额", "interest", "interest"),
    Column("贴息金额", "subsidy", "subsidy"),
    Column("流水号", "reference", "reference"),
)
EXAMPLES = (
    {
        "kind": "放款",
        "contract": "HZ2026-0001",
        "on": "2026-01-10",
        "number": "630106100201xxxx",
        "lender": "青海湟中农村商业银行",
        "amount": "50000",
        "term_months": "36",
        "rate": "3.45",
        "subsidy_rate": "3.45",
        "purpose": "养殖",
    },
    {
        "kind": "还款",
        "contract": "HZ2026-0001",
        "on": "2026-04-10",
        "principal": "0",
        "interest": "431.25",
        "subsidy": "431.25",
        "reference": "20260410-000123",
    },
)


@dataclass
class LoanImportReport:
    """What a check or an import found and did."""

    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    loans: int = 0
    repayments: int = 0
    unchanged: int = 0

    def as_dict(self, limit: int = 1000) -> dict[str, Any]:
        """For the job's result: counts and the first ``limit`` errors."""
        return {
            "rows": self.rows,
            "loans_created": self.loans,
            "repayments_created": self.repayments,
            "unchanged": self.unchanged,
            "error_count": len(self.errors),
            "errors": [[e.row, e.column, e.message] for e in self.errors[:limit]],
        }


@dataclass
class _Loan:
    line: int
    household_id: int
    values: dict[str, Any]


@dataclass
class _Repayment:
    line: int
    contract: str
    on: datetime.date
    principal: Decimal
    interest: Decimal
    subsidy: Decimal | None
    reference: str


def loans_import(*, path: Path, user: User, commit: bool, progress: Progress) -> LoanImportReport:
    """Check a bank's statement and, if ``commit`` and nothing is wrong, record its loans and repayments."""
    gate.require(user, Loan, "import")
    headings, rows = read_rows(path)
    position, heading_errors = columns_place(headings, COLUMNS)
    report = LoanImportReport(rows=len(rows), errors=heading_errors)
    label = {c.target: headings[position[c.target]] for c in COLUMNS if c.target in position}
    progress.start(len(rows), gettext_noop("checking"))
    cells: list[dict[str, object]] = [
        {
            c.target: (
                raw[position[c.target]] if c.target in position and position[c.target] < len(raw) else ""
            )
            for c in COLUMNS
        }
        for raw in rows
    ]
    numbers = sorted({_text(c["number"]) for c in cells} - {""})
    households = dict(
        gate.restrict(Household.objects.filter(number__in=numbers), user, "view").values_list("number", "id")
    )
    contracts = sorted({_text(c["contract"]) for c in cells} - {""})
    recorded = {loan.contract: loan for loan in Loan.objects.filter(contract__in=contracts)}
    mine = set(
        gate.restrict(Loan.objects.filter(contract__in=contracts), user, "change").values_list(
            "contract", flat=True
        )
    )
    new_loans: dict[str, _Loan] = {}
    repayments: list[_Repayment] = []
    for i, row in enumerate(cells):
        line = i + 2
        progress.advance(1)

        def err(target: str, message: str, line: int = line) -> None:
            report.errors.append(RowError(line, label.get(target, target), message))

        kind = KINDS.get(_text(row["kind"]).lower())
        contract = _text(row["contract"])
        on = _date(row["on"])
        if kind is None:
            err("kind", _("Enter 放款 (disbursement) or 还款 (repayment)."))
        if not contract:
            err("contract", _("This column must be filled in."))
        elif len(contract) > 40:
            err(
                "contract",
                _("At most %(limit)d characters; this has %(length)d.")
                % {"limit": 40, "length": len(contract)},
            )
        if on is None:
            err("on", _("Enter a date such as 2026-01-31."))
        if kind is None or not contract or len(contract) > 40 or on is None:
            continue
        if kind == DISBURSE:
            loan = _disbursement(row, contract, on, households, err)
            if loan is None:
                continue
            if contract in new_loans:
                err(
                    "contract",
                    _("The same contract is disbursed on row %(row)d too.")
                    % {"row": new_loans[contract].line},
                )
                continue
            if contract in recorded:
                if contract not in mine:
                    err("contract", _("This contract number is recorded already, outside your region."))
                elif not _same(recorded[contract], loan):
                    err("contract", _("This contract is recorded already with other terms."))
                else:
                    report.unchanged += 1
                continue
            new_loans[contract] = _Loan(line, loan["household_id"], loan)
        else:
            repayment = _repayment(row, contract, on, err, line)
            if repayment is not None:
                repayments.append(repayment)
    _repayments_check(repayments, new_loans, recorded, mine, report, label)
    report.errors.sort(key=lambda e: (e.row, e.column))
    if commit and not report.errors:
        _write(new_loans, repayments, recorded, user=user, report=report)
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


def _disbursement(
    row: dict[str, object], contract: str, on: datetime.date, households: dict[str, int], err: Any
) -> dict[str, Any] | None:
    """A disbursement row's loan, or None (its problems reported)."""
    bad = False
    number = _text(row["number"])
    if not number:
        err("number", _("This column must be filled in."))
        bad = True
    elif number not in households:
        err("number", _("No household %(number)s in your region.") % {"number": number})
        bad = True
    lender = _text(row["lender"])
    if not lender:
        err("lender", _("This column must be filled in."))
        bad = True
    values: dict[str, Decimal] = {}
    for target in ("amount", "rate", "subsidy_rate"):
        value = _amount(row[target]) if _text(row[target]) else None
        if value is None:
            err(target, _("Enter a number, such as 1234.50."))
            bad = True
        else:
            values[target] = value
    term = _text(row["term_months"])
    if not (term.isascii() and term.isdigit()):
        err("term_months", _("Enter the term in whole months, such as 36."))
        bad = True
    try:
        purpose = purpose_check(_text(row["purpose"]))
    except ValidationError as exc:
        for message in exc.message_dict["purpose"]:
            err("purpose", message)
        bad = True
    if {"amount", "rate", "subsidy_rate"} <= values.keys() and term.isascii() and term.isdigit():
        try:
            terms_check(
                amount=values["amount"],
                term_months=int(term),
                rate=values["rate"],
                subsidy_rate=values["subsidy_rate"],
                disbursed_on=on,
            )
        except ValidationError as exc:
            for target, messages in exc.message_dict.items():
                for message in messages:
                    err(target, message)
            bad = True
    if bad:
        return None
    return {
        "household_id": households[number],
        "contract": contract,
        "lender": lender[:100],
        "amount": values["amount"],
        "term_months": int(term),
        "rate": values["rate"],
        "subsidy_rate": values["subsidy_rate"],
        "purpose": purpose,
        "disbursed_on": on,
    }


def _same(loan: Loan, values: dict[str, Any]) -> bool:
    return all(getattr(loan, name) == value for name, value in values.items() if name != "contract")


def _repayment(
    row: dict[str, object], contract: str, on: datetime.date, err: Any, line: int
) -> _Repayment | None:
    """A repayment row, or None (its problems reported)."""
    bad = False
    amounts: dict[str, Decimal] = {}
    for target in ("principal", "interest"):
        value = _amount(row[target])
        if value is None or value < 0 or value != value.quantize(Decimal("0.01")):
            err(target, _("Enter an amount of 0 or more yuan, to the fen."))
            bad = True
        else:
            amounts[target] = value
    subsidy: Decimal | None = None
    if _text(row["subsidy"]):
        subsidy = _amount(row["subsidy"])
        if subsidy is None or subsidy < 0 or subsidy != subsidy.quantize(Decimal("0.01")):
            err("subsidy", _("Enter an amount of 0 or more yuan, to the fen."))
            bad = True
    reference = _text(row["reference"])
    if not reference:
        err("reference", _("Give the bank's reference of the repayment."))
        bad = True
    elif len(reference) > 40:
        err(
            "reference",
            _("At most %(limit)d characters; this has %(length)d.") % {"limit": 40, "length": len(reference)},
        )
        bad = True
    if bad:
        return None
    if amounts["principal"] == 0 and amounts["interest"] == 0:
        err("principal", _("A repayment pays principal, interest or both."))
        return None
    if on > timezone.localdate():
        err("on", _("The repayment day cannot be in the future."))
        return None
    return _Repayment(line, contract, on, amounts["principal"], amounts["interest"], subsidy, reference)


def _repayments_check(
    repayments: list[_Repayment],
    new_loans: dict[str, _Loan],
    recorded: dict[str, Loan],
    mine: set[str],
    report: LoanImportReport,
    label: dict[str, str],
) -> None:
    """Each repayment's loan (recorded, or disbursed in the file), its day, and the totals against what is owed;
    a repayment whose reference is recorded already is left out (unchanged)."""
    done = set(
        Repayment.objects.filter(loan__contract__in=list(recorded)).values_list("loan__contract", "reference")
    )
    principal: dict[str, Decimal] = defaultdict(Decimal)
    interest: dict[str, Decimal] = defaultdict(Decimal)
    for contract, p, i in Repayment.objects.filter(loan__contract__in=list(recorded)).values_list(
        "loan__contract", "principal", "interest"
    ):
        principal[contract] += p
        interest[contract] += i
    seen: dict[tuple[str, str], int] = {}
    kept: list[_Repayment] = []

    def err(r: _Repayment, target: str, message: str) -> None:
        report.errors.append(RowError(r.line, label.get(target, target), message))

    for r in repayments:
        terms: Loan
        if r.contract in new_loans:
            terms = Loan(**new_loans[r.contract].values)
        elif r.contract in recorded and r.contract in mine:
            terms = recorded[r.contract]
        else:
            err(
                r,
                "contract",
                _("No loan with this contract number in your region (nor disbursed in the file)."),
            )
            continue
        key = (r.contract, r.reference)
        if key in seen:
            err(r, "reference", _("The same repayment is on row %(row)d too.") % {"row": seen[key]})
            continue
        seen[key] = r.line
        if key in done:
            report.unchanged += 1
            continue
        if r.on < terms.disbursed_on:
            err(r, "on", _("A repayment cannot be before the loan was disbursed."))
            continue
        subsidy = subsidy_default(terms, r.interest) if r.subsidy is None else r.subsidy
        if subsidy > r.interest:
            err(r, "subsidy", _("The subsidy cannot be more than the interest paid."))
            continue
        principal[r.contract] += r.principal
        interest[r.contract] += r.interest
        if principal[r.contract] > terms.amount:
            err(r, "principal", _("This would repay more principal than the loan's amount."))
            continue
        if interest[r.contract] > interest_total(terms):
            err(r, "interest", _("This would pay more interest than the loan's schedule asks."))
            continue
        r.subsidy = subsidy
        kept.append(r)
    repayments[:] = kept


def _write(
    new_loans: dict[str, _Loan],
    repayments: list[_Repayment],
    recorded: dict[str, Loan],
    *,
    user: User,
    report: LoanImportReport,
) -> None:
    """Record every new loan and repayment in one transaction."""
    with transaction.atomic(), set_actor(user):
        created = Loan.objects.bulk_create(
            [Loan(recorded_by=user, **loan.values) for loan in new_loans.values()]
        )
        by_contract = {loan.contract: loan for loan in created} | recorded
        Repayment.objects.bulk_create(
            [
                Repayment(
                    loan=by_contract[r.contract],
                    on=r.on,
                    principal=r.principal,
                    interest=r.interest,
                    subsidy=r.subsidy if r.subsidy is not None else Decimal(0),
                    reference=r.reference,
                    recorded_by=user,
                )
                for r in repayments
            ]
        )
    report.loans, report.repayments = len(created), len(repayments)


@result_describer(KIND, "loans_created")
def _loans_line(value: Any) -> Line:
    return Line(_("Loans recorded"), str(value))


@result_describer(KIND, "repayments_created")
def _repayments_line(value: Any) -> Line:
    return Line(_("Repayments recorded"), str(value))


@job_handler(KIND)
def loans_import_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params as ``registry.import``'s: ``path``, ``user`` (id), ``commit``, ``language``, ``uploaded``."""
    return import_job_run(
        params,
        progress,
        run=loans_import,
        failed=lambda errors: LoanImportReport(errors=errors),
        what="loan statement",
    )


def template_csv() -> bytes:
    """The template as CSV."""
    return template_csv_of(COLUMNS, EXAMPLES)


def template_xlsx() -> bytes:
    """The template as XLSX."""
    return template_xlsx_of(COLUMNS, EXAMPLES, sheet="小额信贷")
