"""API of the small loans: list (with each loan's state as of a day), one loan with its repayments, the rates by
region, recording a disbursement and a repayment. The same selectors, services and gate as the pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from bottomline.accounts import gate
from bottomline.api import ERRORS
from bottomline.loans import selectors, services
from bottomline.loans.models import Loan, Purpose
from bottomline.loans.models import Status as LoanStatus
from bottomline.loans.schedule import State, loan_state
from bottomline.regions.selectors import region_named

router = Router(tags=["loans"])
PAGE_SIZE = 100


class LoanOut(Schema):
    """A loan and where it stands on the day asked."""

    id: int
    household_id: int
    household_number: str
    village_code: str
    borrower_id: int | None = Field(
        description="the member of the household who borrowed (blank: not recorded)"
    )
    lender: str
    contract: str
    amount: Decimal
    term_months: int
    rate: Decimal
    subsidy_rate: Decimal
    purpose: Purpose
    disbursed_on: date
    due_on: date
    status: LoanStatus
    balance: Decimal
    overdue_days: int
    overdue_amount: Decimal


class RepaymentOut(Schema):
    """One repayment."""

    id: int
    on: date
    principal: Decimal
    interest: Decimal
    subsidy: Decimal
    reference: str


class LoanDetailOut(LoanOut):
    """A loan with its repayments."""

    repayments: list[RepaymentOut]


class LoanPage(Schema):
    """One page of loans."""

    count: int
    page: int
    pages: int
    on: date
    results: list[LoanOut]


class LoanFilterIn(Schema):
    """The list's filters (as the page's)."""

    region: str = Field("", description="a 12-digit code inside the caller's region (default: theirs)")
    lender: str = ""
    purpose: str = ""
    status: str = ""
    number: str = Field("", description="a household or contract number")
    on: date | None = Field(None, description="as of this day (default today)")
    page: int = Field(1, ge=1)


class RatesOut(Schema):
    """A region's loans outstanding on a day, overdue and in default (overdue more than 90 days)."""

    region_code: str
    region_name: str
    loans: int
    households: int
    balance: Decimal
    overdue_loans: int
    overdue_balance: Decimal
    default_loans: int
    default_balance: Decimal
    overdue_rate: float | None = Field(description="overdue balance / balance, per cent")
    default_rate: float | None = Field(description="balance in default / balance, per cent")


class LoanIn(Schema):
    """A disbursed loan."""

    household_id: int
    borrower_id: int | None = Field(None, description="a member of the household: who signed the contract")
    lender: str
    contract: str
    amount: Decimal
    term_months: int
    rate: Decimal
    subsidy_rate: Decimal
    purpose: str = Field(description="a production purpose: planting, livestock, processing, …")
    disbursed_on: date


class RepaymentIn(Schema):
    """A repayment; ``subsidy`` blank: the interest's share of the subsidised rate."""

    on: date
    principal: Decimal
    interest: Decimal
    subsidy: Decimal | None = None
    reference: str = ""


def _out(loan: Loan, state: State) -> dict[str, Any]:
    return {
        "id": loan.pk,
        "household_id": loan.household_id,
        "household_number": loan.household.number,
        "village_code": loan.household.village.code,
        "borrower_id": loan.borrower_id,
        "lender": loan.lender,
        "contract": loan.contract,
        "amount": loan.amount,
        "term_months": loan.term_months,
        "rate": loan.rate,
        "subsidy_rate": loan.subsidy_rate,
        "purpose": loan.purpose,
        "disbursed_on": loan.disbursed_on,
        "due_on": loan.maturity,
        "status": state.status,
        "balance": state.balance,
        "overdue_days": state.overdue_days,
        "overdue_amount": state.overdue_amount,
    }


def _detail(request: HttpRequest, loan_id: int) -> dict[str, Any]:
    loan = selectors.loan_get(viewer=gate.staff_of(request), loan_id=loan_id)
    repayments = list(loan.repayments.order_by("on", "id"))
    out = _out(loan, loan_state(loan, repayments, timezone.localdate()))
    out["repayments"] = [
        {
            "id": r.pk,
            "on": r.on,
            "principal": r.principal,
            "interest": r.interest,
            "subsidy": r.subsidy,
            "reference": r.reference,
        }
        for r in repayments
    ]
    return out


@router.get("/loans", response={200: LoanPage, **ERRORS})
def loans_list(request: HttpRequest, filters: Query[LoanFilterIn]) -> dict[str, Any]:
    """The loans of the caller's region (or a region inside it) with their state as of ``on``."""
    user = gate.staff_of(request)
    gate.require(user, Loan, "view", request)
    on = filters.on or timezone.localdate()
    ids = selectors.loan_ids(
        viewer=user,
        filters=selectors.LoanFilters(
            region=region_named(viewer=user, code=filters.region, request=request),
            lender=filters.lender,
            purpose=filters.purpose,
            status=filters.status,
            number=filters.number,
            on=on,
        ),
        on=on,
    )
    start = (filters.page - 1) * PAGE_SIZE
    rows = selectors.loan_rows(ids[start : start + PAGE_SIZE], on)
    return {
        "count": len(ids),
        "page": filters.page,
        "pages": max(1, -(-len(ids) // PAGE_SIZE)),
        "on": on,
        "results": [_out(loan, state) for loan, state in rows],
    }


@router.get("/loans/rates", response={200: list[RatesOut], **ERRORS})
def loans_rates(request: HttpRequest, region: str = "", on: date | None = None) -> list[dict[str, Any]]:
    """Overdue and default rates of a region and of each region one level below it, as of ``on``."""
    user = gate.staff_of(request)
    gate.require(user, Loan, "view", request)
    found = selectors.rates_by_region(
        viewer=user,
        region=region_named(viewer=user, code=region, request=request),
        on=on or timezone.localdate(),
    )
    return [
        {
            "region_code": r.region.code,
            "region_name": r.region.name,
            "loans": r.loans,
            "households": r.households,
            "balance": r.balance,
            "overdue_loans": r.overdue_loans,
            "overdue_balance": r.overdue_balance,
            "default_loans": r.default_loans,
            "default_balance": r.default_balance,
            "overdue_rate": r.overdue_rate,
            "default_rate": r.default_rate,
        }
        for r in found
    ]


@router.get("/loans/{int:loan_id}", response={200: LoanDetailOut, **ERRORS})
def loans_detail(request: HttpRequest, loan_id: int) -> dict[str, Any]:
    """One loan with its repayments and its state today."""
    return _detail(request, loan_id)


@router.post("/loans", response={201: LoanDetailOut, **ERRORS})
def loans_create(request: HttpRequest, data: LoanIn) -> Status[dict[str, Any]]:
    """Record a disbursed loan (limits, production purpose, one loan per contract)."""
    loan = services.loan_record(actor=gate.staff_of(request), **data.dict())
    return Status(201, _detail(request, loan.pk))


@router.post("/loans/{int:loan_id}/repayments", response={201: LoanDetailOut, **ERRORS})
def loans_repay(request: HttpRequest, loan_id: int, data: RepaymentIn) -> Status[dict[str, Any]]:
    """Record a repayment (never more than is owed)."""
    services.repayment_record(actor=gate.staff_of(request), loan_id=loan_id, **data.dict())
    return Status(201, _detail(request, loan_id))
