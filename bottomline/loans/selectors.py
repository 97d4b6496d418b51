"""Reads of the loan ledger, always through the region gate: lists, one loan, states and rates as of a date."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.reads import read_note
from bottomline.loans.models import Loan, Repayment
from bottomline.loans.schedule import State, loan_state
from bottomline.regions.models import Region


@dataclass(frozen=True)
class LoanFilters:
    """The loan list's filters: region subtree, lender, purpose, status as of ``on``, household number."""

    region: Region | None = None
    lender: str = ""
    purpose: str = ""
    status: str = ""
    number: str = ""
    on: date | None = None


def loans_visible(viewer: User) -> QuerySet[Loan]:
    """The loans the viewer may see."""
    return gate.restrict(Loan.objects.all(), viewer, "view")


def repayments_of(loans: Iterable[Loan], on: date | None = None) -> dict[int, list[Repayment]]:
    """The repayments of the loans (dated up to ``on``), by loan id, in one query per 1,000 loans."""
    ids = [loan.pk for loan in loans]
    found: dict[int, list[Repayment]] = defaultdict(list)
    for start in range(0, len(ids), 1000):
        rows = Repayment.objects.filter(loan_id__in=ids[start : start + 1000])
        if on is not None:
            rows = rows.filter(on__lte=on)
        for repayment in rows.order_by("on", "id"):
            found[repayment.loan_id].append(repayment)
    return found


def loan_list(*, viewer: User, filters: LoanFilters, on: date) -> list[tuple[Loan, State]]:
    """The loans the viewer may see that match the filters, each with its state as of ``on``."""
    rows = (
        loans_visible(viewer).filter(disbursed_on__lte=on).select_related("household", "household__village")
    )
    if filters.region is not None:
        low, high = filters.region.bounds
        rows = rows.filter(household__village__code__range=(low, high))
    if filters.lender:
        rows = rows.filter(lender__icontains=filters.lender)
    if filters.purpose:
        rows = rows.filter(purpose=filters.purpose)
    if filters.number:
        rows = rows.filter(Q(household__number=filters.number) | Q(contract=filters.number))
    loans = list(rows.order_by("-disbursed_on", "id"))
    paid = repayments_of(loans, on)
    out = [(loan, loan_state(loan, paid[loan.pk], on)) for loan in loans]
    if filters.status:
        out = [(loan, state) for loan, state in out if state.status == filters.status]
    read_note(what="loans.loan", region=filters.region or viewer.region, rows=len(out))
    return out


def loan_get(*, viewer: User, loan_id: int) -> Loan:
    """One loan the viewer may see (404 outside their region)."""
    loan = gate.access(
        Loan.objects.select_related("household", "household__village", "borrower"), viewer, pk=loan_id
    )
    read_note(what="loans.loan", region=loan.household.village, rows=1)
    return loan


@dataclass(frozen=True)
class Rates:
    """A region's loans as of a day: counts and balances, overdue and in default (overdue over 90 days)."""

    region: Region
    loans: int
    households: int
    balance: Decimal
    overdue_loans: int
    overdue_balance: Decimal
    default_loans: int
    default_balance: Decimal

    @property
    def overdue_rate(self) -> float | None:
        """Overdue balance / balance outstanding, in per cent."""
        return round(float(self.overdue_balance * 100 / self.balance), 1) if self.balance else None

    @property
    def default_rate(self) -> float | None:
        """Balance in default / balance outstanding, in per cent."""
        return round(float(self.default_balance * 100 / self.balance), 1) if self.balance else None


def rates_by_region(*, viewer: User, region: Region, on: date) -> list[Rates]:
    """The overdue and default rates of each region one level below ``region`` (and the region itself, first),
    as of ``on``: outstanding loans only (disbursed by then, principal not repaid)."""
    low, high = region.bounds
    loans = list(
        loans_visible(viewer)
        .filter(household__village__code__range=(low, high), disbursed_on__lte=on)
        .select_related("household__village")
    )
    paid = repayments_of(loans, on)
    children = list(Region.objects.filter(parent=region).order_by("code"))
    return _rates([region, *children], loans, paid, on)


def _rates(
    groups: list[Region], loans: list[Loan], paid: dict[int, list[Repayment]], on: date
) -> list[Rates]:
    out: list[Rates] = []
    states = [(loan, loan_state(loan, paid[loan.pk], on)) for loan in loans]
    for group in groups:
        low, high = group.bounds
        mine = [
            (loan, s) for loan, s in states if s.balance > 0 and low <= loan.household.village.code <= high
        ]
        out.append(
            Rates(
                region=group,
                loans=len(mine),
                households=len({loan.household_id for loan, _s in mine}),
                balance=sum((s.balance for _l, s in mine), Decimal(0)),
                overdue_loans=sum(1 for _l, s in mine if s.overdue_days > 0),
                overdue_balance=sum((s.balance for _l, s in mine if s.overdue_days > 0), Decimal(0)),
                default_loans=sum(1 for _l, s in mine if s.defaulted),
                default_balance=sum((s.balance for _l, s in mine if s.defaulted), Decimal(0)),
            )
        )
    return out
