"""The mutual-aid funds' dashboard figures (registry.programs.ProgramFigures; docs/indicators.md): stocks as of the
period's end from the records dated by then, per village (an association's village is its members' and
borrowers' village); drill-through to the member and borrowing households."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from bottomline.mutualaid.ledger import ZERO, LoanState, loan_state
from bottomline.mutualaid.models import Association, Contribution, Loan, Membership, Repayment
from bottomline.registry.programs import ProgramFigure, ProgramFigures, ProgramRatio, Where

SOURCE = "domain.md §3.3"  # the seeds (003, 004) calibrate the synthetic data: docs/synthetic-data.md


@dataclass(frozen=True)
class _Terms:
    pk: int
    household_id: int
    village: str
    number: str
    amount: Decimal
    term_months: int
    fee_rate: Decimal
    disbursed_on: date


@dataclass(frozen=True)
class _Paid:
    on: date
    principal: Decimal
    fee: Decimal


def _yuan(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), ROUND_HALF_UP))


def _owing(q: Q, end: date) -> QuerySet[Loan]:
    """The loans of a filter disbursed by ``end`` whose principal was not all repaid by then: the only ones with a
    balance in ``ledger.loan_state``, and so the only ones a figure counts (a settled loan counts in none)."""
    repaid = Coalesce(Sum("repayments__principal", filter=Q(repayments__on__lte=end)), ZERO)
    return (
        Loan.objects.filter(q, disbursed_on__lte=end).annotate(repaid=repaid).filter(repaid__lt=F("amount"))
    )


def _states(where: Where, end: date) -> list[tuple[_Terms, LoanState]]:
    """Every loan of the region with principal outstanding at the end of ``end``, with its state then (two queries
    per filter). The settled loans, most of a fund's years of lending, are left in the database: reading their
    repayments to find a balance of zero took most of a county's figures as of a day."""
    loans: dict[int, _Terms] = {}
    for q in where("household__village__code"):
        for row in _owing(q, end).values_list(
            "pk", "household_id", "household__village__code", "household__number", "amount", "term_months",
            "fee_rate", "disbursed_on",
        ):  # fmt: skip
            loans[row[0]] = _Terms(*row)
    paid: dict[int, list[_Paid]] = defaultdict(list)
    for q in where("household__village__code"):
        repayments = Repayment.objects.filter(loan__in=_owing(q, end).values("pk"), on__lte=end)
        for loan_id, on, principal, fee in repayments.values_list("loan_id", "on", "principal", "fee"):
            paid[loan_id].append(_Paid(on, principal, fee))
    return [(loan, loan_state(loan, paid[loan.pk], end)) for loan in loans.values()]


def _members(where: Where, end: date) -> list[tuple[str, str, int]]:
    """(village code, household number, id) of each member household at the end of ``end``."""
    found: set[tuple[str, str, int]] = set()
    for q in where("household__village__code"):
        rows = (
            Membership.objects.filter(q, joined_on__lte=end)
            .filter(Q(left_on__isnull=True) | Q(left_on__gt=end))
            .values_list("household__village__code", "household__number", "household_id")
        )
        found.update(rows)
    return sorted(found)


def compute(where: Where, start: date, end: date) -> dict[str, dict[str, int]]:
    """Each village's parts as of ``end``: its association, member households, capital, loans outstanding and
    overdue (households and balances)."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(PARTS, 0))
    capital: dict[str, Decimal] = defaultdict(Decimal)
    for q in where("village__code"):
        for code in Association.objects.filter(q, founded_on__lte=end).values_list(
            "village__code", flat=True
        ):
            out[code]["mutualaid_associations"] += 1
    for q in where("association__village__code"):
        for code, amount in Contribution.objects.filter(q, on__lte=end).values_list(
            "association__village__code", "amount"
        ):
            capital[code] += amount
    members: dict[str, set[int]] = defaultdict(set)
    for q in where("association__village__code"):
        rows = (
            Membership.objects.filter(q, joined_on__lte=end)
            .filter(Q(left_on__isnull=True) | Q(left_on__gt=end))
            .values_list("association__village__code", "household_id", "share")
        )
        for code, household_id, share in rows:
            members[code].add(household_id)
            capital[code] += share
    borrowing: dict[str, set[int]] = defaultdict(set)
    overdue: dict[str, set[int]] = defaultdict(set)
    balance: dict[str, Decimal] = defaultdict(Decimal)
    overdue_balance: dict[str, Decimal] = defaultdict(Decimal)
    for loan, state in _states(where, end):
        if state.balance > ZERO:
            borrowing[loan.village].add(loan.household_id)
            balance[loan.village] += state.balance
            if state.overdue_days > 0:
                overdue[loan.village].add(loan.household_id)
                overdue_balance[loan.village] += state.balance
    for code in set(capital) | set(members) | set(borrowing):
        parts = out[code]
        parts["mutualaid_member_hh"] = len(members[code])
        parts["mutualaid_capital_yuan"] = _yuan(capital[code])
        parts["mutualaid_loans_hh"] = len(borrowing[code])
        parts["mutualaid_outstanding_yuan"] = _yuan(balance[code])
        parts["mutualaid_overdue_hh"] = len(overdue[code])
        parts["mutualaid_overdue_yuan"] = _yuan(overdue_balance[code])
    return {code: parts for code, parts in out.items() if any(parts.values())}


def drill(where: Where, start: date, end: date, part: str) -> list[tuple[str, str, int]]:
    """The households a household part counts (once each), as (village code, household number, id)."""
    if part == "mutualaid_member_hh":
        return _members(where, end)
    if part not in ("mutualaid_loans_hh", "mutualaid_overdue_hh"):
        raise ValueError(f"no households behind {part!r}")
    found: dict[int, tuple[str, str, int]] = {}
    for loan, state in _states(where, end):
        if state.balance > 0 and (part == "mutualaid_loans_hh" or state.overdue_days > 0):
            found[loan.household_id] = (loan.village, loan.number, loan.household_id)
    return sorted(found.values())


FIGURES = ProgramFigures(
    figures=(
        ProgramFigure(
            "mutualaid_associations",
            _("Village mutual-aid associations"),
            "村级互助资金协会数",
            "associations",
            "stock",
            SOURCE,
            "associations founded by the period's end",
        ),
        ProgramFigure(
            "mutualaid_member_hh",
            _("Member households of mutual-aid funds"),
            "互助资金入社户数",
            "households",
            "stock",
            SOURCE,
            "households that are members of their village's fund at the period's end",
        ),
        ProgramFigure(
            "mutualaid_capital_yuan",
            _("Mutual-aid funds' capital (yuan)"),
            "互助资金总额（元）",
            "yuan",
            "stock",
            SOURCE,
            "capital at the period's end: contributions by then and the shares of the members then, in yuan",
        ),
        ProgramFigure(
            "mutualaid_loans_hh",
            _("Households with a mutual-aid loan outstanding"),
            "有互助资金借款余额的户数",
            "households",
            "stock",
            SOURCE,
            "households with principal of a mutual-aid loan not repaid at the period's end",
        ),
        ProgramFigure(
            "mutualaid_outstanding_yuan",
            _("Mutual-aid loans outstanding (yuan)"),
            "互助资金借款余额（元）",
            "yuan",
            "stock",
            SOURCE,
            "principal lent and not repaid at the period's end, in yuan",
        ),
        ProgramFigure(
            "mutualaid_overdue_hh",
            _("Households with an overdue mutual-aid loan"),
            "互助资金逾期户数",
            "households",
            "stock",
            SOURCE,
            "households with a loan past its maturity and not repaid at the period's end",
        ),
        ProgramFigure(
            "mutualaid_overdue_yuan",
            _("Overdue mutual-aid loans' balance (yuan)"),
            "互助资金逾期余额（元）",
            "yuan",
            "stock",
            SOURCE,
            "principal not repaid at the period's end of the loans overdue then, in yuan",
        ),
    ),
    compute=compute,
    drill=drill,
    title=_("Village mutual-aid funds"),
    ratios=(
        ProgramRatio(
            "mutualaid_overdue_rate",
            _("Mutual-aid loans' overdue rate (share of the balance)"),
            "互助资金借款逾期率（占余额比例）",
            "stock",
            SOURCE,
            ("mutualaid_overdue_yuan",),
            ("mutualaid_outstanding_yuan",),
        ),
        ProgramRatio(
            "mutualaid_occupancy_rate",
            _("Mutual-aid funds' occupancy rate (loans outstanding / capital)"),
            "互助资金占用率（借款余额/资金总额）",
            "stock",
            SOURCE,
            ("mutualaid_outstanding_yuan",),
            ("mutualaid_capital_yuan",),
        ),
    ),
)
PARTS = tuple(f.part for f in FIGURES.figures)
