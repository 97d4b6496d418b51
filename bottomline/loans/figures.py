"""The loans' dashboard figures (registry.programs.ProgramFigures; docs/indicators.md): stocks as of the period's
end from the repayments dated by then, flows within the period, per village; drill-through to the households."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bottomline.loans.models import Loan, Repayment
from bottomline.loans.schedule import DEFAULT_DAYS, State, loan_state
from bottomline.loans.selectors import loans_open
from bottomline.registry.programs import ProgramFigure, ProgramFigures, ProgramRatio, Where

SOURCE = "domain.md §3.7"  # the seed's totals (seed 004) calibrate the synthetic data: docs/synthetic-data.md


@dataclass(frozen=True)
class _Terms:
    pk: int
    household_id: int
    village: str
    number: str
    amount: Decimal
    term_months: int
    rate: Decimal
    disbursed_on: date


@dataclass(frozen=True)
class _Paid:
    on: date
    principal: Decimal
    interest: Decimal


def _yuan(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), ROUND_HALF_UP))


@dataclass
class _Read:
    """What the two queries read: the loans disbursed by the end with their states then, and the money lent and
    the subsidy paid in the period, by village."""

    states: list[tuple[_Terms, State]]
    lent: dict[str, Decimal]
    subsidy: dict[str, Decimal]


def _read(where: Where, start: date, end: date) -> _Read:
    """The loans of the region still open at the end of ``end`` or disbursed in the period, with their states
    then (one query for the loans and one for their repayments, per filter of ``where``)."""
    loans: dict[int, _Terms] = {}
    lent: dict[str, Decimal] = defaultdict(Decimal)
    open_loans = loans_open(end)
    for q in where("household__village__code"):
        rows = (
            Loan.objects.filter(q, disbursed_on__lte=end)
            .filter(Q(pk__in=open_loans.values("pk")) | Q(disbursed_on__gte=start))
            .values_list(
                "pk",
                "household_id",
                "household__village__code",
                "household__number",
                "amount",
                "term_months",
                "rate",
                "disbursed_on",
            )
        )
        for row in rows:
            loan = loans[row[0]] = _Terms(*row)
            if loan.disbursed_on >= start:
                lent[loan.village] += loan.amount
    paid: dict[int, list[_Paid]] = defaultdict(list)
    subsidy: dict[str, Decimal] = defaultdict(Decimal)
    for q in where("loan__household__village__code"):
        # the repayments of the open loans (their states), and every one in the period (the subsidy paid)
        repayments = Repayment.objects.filter(q, on__lte=end).filter(
            Q(loan__in=open_loans.values("pk")) | Q(on__gte=start)
        )
        for loan_id, village, on, principal, interest, subsidised in repayments.values_list(
            "loan_id", "loan__household__village__code", "on", "principal", "interest", "subsidy"
        ):
            paid[loan_id].append(_Paid(on, principal, interest))
            if on >= start:
                subsidy[village] += subsidised
    states = [(loan, loan_state(loan, paid[loan.pk], end)) for loan in loans.values()]
    return _Read(states, lent, subsidy)


def compute(where: Where, start: date, end: date) -> dict[str, dict[str, int]]:
    """The parts of each village: households with a loan outstanding and with one overdue, and their balances,
    as of ``end``; the money lent and the interest subsidy paid from ``start`` to ``end``."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(PARTS, 0))
    outstanding: dict[str, set[int]] = defaultdict(set)
    overdue: dict[str, set[int]] = defaultdict(set)
    balance: dict[str, Decimal] = defaultdict(Decimal)
    overdue_balance: dict[str, Decimal] = defaultdict(Decimal)
    default_balance: dict[str, Decimal] = defaultdict(Decimal)
    read = _read(where, start, end)
    for loan, state in read.states:
        if state.balance > 0:
            outstanding[loan.village].add(loan.household_id)
            balance[loan.village] += state.balance
            if state.overdue_days > 0:
                overdue[loan.village].add(loan.household_id)
                overdue_balance[loan.village] += state.balance
            if state.defaulted:
                default_balance[loan.village] += state.balance
    for village, households in outstanding.items():
        out[village]["loans_hh"] = len(households)
        out[village]["loans_outstanding_yuan"] = _yuan(balance[village])
        out[village]["loans_overdue_hh"] = len(overdue[village])
        out[village]["loans_overdue_yuan"] = _yuan(overdue_balance[village])
        out[village]["loans_default_yuan"] = _yuan(default_balance[village])
    for village, total in read.lent.items():
        out[village]["loans_disbursed_yuan"] = _yuan(total)
    for village, total in read.subsidy.items():
        out[village]["loans_subsidy_yuan"] = _yuan(total)
    return {village: parts for village, parts in out.items() if any(parts.values())}


def drill(where: Where, start: date, end: date, part: str) -> list[tuple[str, str, int]]:
    """The households a household part counts (once each), as (village code, household number, id)."""
    if part not in ("loans_hh", "loans_overdue_hh"):
        raise ValueError(f"no households behind {part!r}")
    found: dict[int, tuple[str, str, int]] = {}
    for loan, state in _read(where, start, end).states:
        if state.balance > 0 and (part == "loans_hh" or state.overdue_days > 0):
            found[loan.household_id] = (loan.village, loan.number, loan.household_id)
    return sorted(found.values())


FIGURES = ProgramFigures(
    figures=(
        ProgramFigure(
            "loans_hh",
            _("Households with a small loan outstanding"),
            "有小额信贷余额的户数",
            "households",
            "stock",
            SOURCE,
            "households with a small loan disbursed by the period's end and principal not repaid by then",
        ),
        ProgramFigure(
            "loans_outstanding_yuan",
            _("Small loans outstanding (yuan)"),
            "小额信贷余额（元）",
            "yuan",
            "stock",
            SOURCE,
            "principal not repaid at the period's end, in yuan",
        ),
        ProgramFigure(
            "loans_overdue_hh",
            _("Households with an overdue small loan"),
            "小额信贷逾期户数",
            "households",
            "stock",
            SOURCE,
            "households with a loan overdue at the period's end (an instalment unpaid after its due day)",
        ),
        ProgramFigure(
            "loans_overdue_yuan",
            _("Overdue small loans' balance (yuan)"),
            "小额信贷逾期余额（元）",
            "yuan",
            "stock",
            SOURCE,
            "principal not repaid at the period's end of the loans overdue then, in yuan",
        ),
        ProgramFigure(
            "loans_default_yuan",
            _("Small loans in default: balance (yuan)"),
            "小额信贷不良余额（元）",
            "yuan",
            "stock",
            SOURCE,
            f"principal not repaid at the period's end of the loans overdue more than {DEFAULT_DAYS} days then, in yuan",
        ),
        ProgramFigure(
            "loans_disbursed_yuan",
            _("Small loans disbursed (yuan)"),
            "小额信贷发放金额（元）",
            "yuan",
            "flow",
            SOURCE,
            "amounts of the loans disbursed in the period, in yuan",
        ),
        ProgramFigure(
            "loans_subsidy_yuan",
            _("Interest subsidy paid (yuan)"),
            "小额信贷财政贴息（元）",
            "yuan",
            "flow",
            SOURCE,
            "interest subsidy on the repayments dated in the period, in yuan",
        ),
    ),
    compute=compute,
    drill=drill,
    title=_("Small loans"),
    ratios=(
        ProgramRatio(
            "loans_overdue_rate",
            _("Small loans' overdue rate (share of the balance)"),
            "小额信贷逾期率（占余额比例）",
            "stock",
            SOURCE,
            ("loans_overdue_yuan",),
            ("loans_outstanding_yuan",),
        ),
        ProgramRatio(
            "loans_default_rate",
            _("Small loans' default rate (share of the balance)"),
            "小额信贷不良率（占余额比例）",
            "stock",
            SOURCE,
            ("loans_default_yuan",),
            ("loans_outstanding_yuan",),
        ),
        ProgramRatio(
            "loans_overdue_hh_rate",
            _("Borrowing households with an overdue loan (%)"),
            "逾期户占有贷款余额户比例（%）",
            "stock",
            SOURCE,
            ("loans_overdue_hh",),
            ("loans_hh",),
        ),
    ),
)
PARTS = tuple(f.part for f in FIGURES.figures)
