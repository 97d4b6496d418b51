"""Reads of the loan ledger, always through the region gate: lists, one loan, states and rates as of a date."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.reads import read_note
from bottomline.loans.models import Loan, Repayment, Status
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


def _by_repayment(loans: QuerySet[Loan], end: date, *, repaid: bool) -> QuerySet[Loan]:
    """The loans whose principal was (``repaid``) or was not repaid in full by the end of ``end``."""
    total = (
        Repayment.objects.filter(loan=OuterRef("pk"), on__lte=end)
        .values("loan")
        .annotate(total=Sum("principal"))
        .values("total")
    )
    annotated = loans.annotate(
        principal_repaid=Coalesce(Subquery(total), Value(Decimal(0)), output_field=DecimalField())
    )
    if repaid:
        return annotated.filter(principal_repaid__gte=F("amount"))
    return annotated.filter(principal_repaid__lt=F("amount"))


def loans_open(end: date) -> QuerySet[Loan]:
    """The loans disbursed by ``end`` whose principal was not repaid in full by then (repaid loans count in no
    stock: they are left out in the database, not read one by one)."""
    return _by_repayment(Loan.objects.filter(disbursed_on__lte=end), end, repaid=False)


def loans_visible(viewer: User) -> QuerySet[Loan]:
    """The loans the viewer may see."""
    return gate.restrict(Loan.objects.all(), viewer, "view")


@dataclass(frozen=True)
class Terms:
    """What a loan's state needs, read as plain values (thousands of loans without model instances)."""

    pk: int
    household_id: int
    village: str
    amount: Decimal
    term_months: int
    rate: Decimal
    disbursed_on: date


@dataclass(frozen=True)
class Paid:
    """A repayment's day and amounts, read as plain values."""

    on: date
    principal: Decimal
    interest: Decimal


TERMS = ("pk", "household_id", "household__village__code", "amount", "term_months", "rate", "disbursed_on")


def repayments_of(loan_ids: Iterable[int], on: date | None = None) -> dict[int, list[Paid]]:
    """The repayments of the loans (dated up to ``on``), by loan id, in one query per 1,000 loans."""
    ids = sorted(set(loan_ids))
    found: dict[int, list[Paid]] = defaultdict(list)
    for start in range(0, len(ids), 1000):
        rows = Repayment.objects.filter(loan_id__in=ids[start : start + 1000])
        if on is not None:
            rows = rows.filter(on__lte=on)
        for loan_id, day, principal, interest in rows.order_by("on", "id").values_list(
            "loan_id", "on", "principal", "interest"
        ):
            found[loan_id].append(Paid(day, principal, interest))
    return found


def states_of(loans: QuerySet[Loan], on: date) -> list[tuple[Terms, State]]:
    """The loans' states as of ``on``, in the queryset's order (two queries per 1,000 loans)."""
    terms = [Terms(*row) for row in loans.values_list(*TERMS)]
    paid = repayments_of((t.pk for t in terms), on)
    return [(t, loan_state(t, paid[t.pk], on)) for t in terms]


def loan_ids(*, viewer: User, filters: LoanFilters, on: date) -> list[int]:
    """The ids of the loans the viewer may see that match the filters (disbursed by ``on``), newest first: what a
    list counts and pages through (``loan_rows`` reads a page's loans and their states). The status is as of
    ``on``: repaid loans are told apart in the database; current and overdue ones are read among the open
    loans only."""
    rows = loans_visible(viewer).filter(disbursed_on__lte=on)
    if filters.region is not None:
        rows = rows.filter(household__village__code__range=filters.region.bounds)
    if filters.lender:
        rows = rows.filter(lender__icontains=filters.lender)
    if filters.purpose:
        rows = rows.filter(purpose=filters.purpose)
    if filters.number:
        rows = rows.filter(Q(household__number=filters.number) | Q(contract=filters.number))
    open_ids = loans_open(on).values("pk")
    if filters.status == Status.NOT_YET:
        rows = rows.none()
    elif filters.status == Status.REPAID:
        rows = _by_repayment(rows, on, repaid=True)
    elif filters.status:
        rows = rows.filter(pk__in=open_ids)
    rows = rows.order_by("-disbursed_on", "-id")
    if filters.status in (Status.CURRENT, Status.OVERDUE):
        ids = [t.pk for t, state in states_of(rows, on) if state.status == filters.status]
    else:
        ids = list(rows.values_list("pk", flat=True))
    read_note(what="loans.loan", region=filters.region or viewer.region, rows=len(ids))
    return ids


def loan_rows(ids: Sequence[int], on: date) -> list[tuple[Loan, State]]:
    """The loans of ``ids`` (already in the viewer's scope: ``loan_ids``), in that order, with household and
    village, each with its state as of ``on``."""
    out: list[tuple[Loan, State]] = []
    for start in range(0, len(ids), 1000):
        part = ids[start : start + 1000]
        loans = Loan.objects.select_related("household", "household__village").in_bulk(part)
        paid = repayments_of(part, on)
        out += [(loans[pk], loan_state(loans[pk], paid[pk], on)) for pk in part]
    return out


def loan_list(*, viewer: User, filters: LoanFilters, on: date) -> list[tuple[Loan, State]]:
    """The loans the viewer may see that match the filters, each with its state as of ``on`` (an export's)."""
    return loan_rows(loan_ids(viewer=viewer, filters=filters, on=on), on)


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
    loans = loans_visible(viewer).filter(
        household__village__code__range=region.bounds, pk__in=loans_open(on).values("pk")
    )
    states = [(t, state) for t, state in states_of(loans, on) if state.balance > 0]
    children = list(Region.objects.filter(parent=region).order_by("code"))
    out: list[Rates] = []
    for group in [region, *children]:
        low, high = group.bounds
        mine = [(t, s) for t, s in states if low <= t.village <= high]
        out.append(
            Rates(
                region=group,
                loans=len(mine),
                households=len({t.household_id for t, _s in mine}),
                balance=sum((s.balance for _t, s in mine), Decimal(0)),
                overdue_loans=sum(1 for _t, s in mine if s.overdue_days > 0),
                overdue_balance=sum((s.balance for _t, s in mine if s.overdue_days > 0), Decimal(0)),
                default_loans=sum(1 for _t, s in mine if s.defaulted),
                default_balance=sum((s.balance for _t, s in mine if s.defaulted), Decimal(0)),
            )
        )
    return out
