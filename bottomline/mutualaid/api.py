"""API of the village mutual-aid funds: associations with their balance sheets as of a day, one loan with its
repayments, recording a loan and a repayment. The same selectors, services and gate as the pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from bottomline.accounts import gate
from bottomline.api import ERRORS
from bottomline.loans.models import Status as LoanStatus
from bottomline.mutualaid import selectors, services
from bottomline.mutualaid.ledger import Sheet, loan_state
from bottomline.mutualaid.models import Association
from bottomline.regions.selectors import region_named

router = Router(tags=["mutualaid"])
PAGE_SIZE = 100


class SheetOut(Schema):
    """A fund's balance sheet at the end of ``on`` (docs/programs.md): capital + fees retained = outstanding + cash."""

    on: date
    fiscal: Decimal
    shares: Decimal
    donations: Decimal
    fees_capital: Decimal
    capital: Decimal
    fees_received: Decimal
    fees_retained: Decimal
    outstanding: Decimal
    cash: Decimal
    members: int
    occupancy_rate: float | None = Field(description="loans outstanding / capital, per cent")


class AssociationOut(Schema):
    id: int
    name: str
    village_code: str
    village_name: str
    founded_on: date
    status: str
    loan_limit: Decimal
    fee_rate: Decimal
    sheet: SheetOut


class AssociationPage(Schema):
    count: int
    page: int
    pages: int
    on: date
    results: list[AssociationOut]


class AssociationFilterIn(Schema):
    region: str = Field("", description="a 12-digit code inside the caller's region (default: theirs)")
    on: date | None = Field(None, description="as of this day (default today)")
    page: int = Field(1, ge=1)


class RepaymentOut(Schema):
    id: int
    on: date
    principal: Decimal
    fee: Decimal
    reference: str


class LoanOut(Schema):
    """A loan and where it stands today, with its repayments."""

    id: int
    association_id: int
    household_id: int
    household_number: str
    number: str
    amount: Decimal
    term_months: int
    fee_rate: Decimal
    purpose: str
    disbursed_on: date
    due_on: date
    status: LoanStatus
    balance: Decimal
    fee_owed: Decimal
    overdue_days: int
    repayments: list[RepaymentOut]


class LoanIn(Schema):
    """A loan to a member household; ``fee_rate`` blank: the fund's default."""

    household_id: int
    number: str
    amount: Decimal
    term_months: int
    fee_rate: Decimal | None = None
    purpose: str = Field(description="a production purpose: planting, livestock, processing, …")
    disbursed_on: date


class RepaymentIn(Schema):
    on: date
    principal: Decimal
    fee: Decimal
    reference: str = ""


def _sheet(sheet: Sheet) -> dict[str, Any]:
    return {
        "on": sheet.on,
        "fiscal": sheet.fiscal,
        "shares": sheet.shares,
        "donations": sheet.donations,
        "fees_capital": sheet.fees_capital,
        "capital": sheet.capital,
        "fees_received": sheet.fees_received,
        "fees_retained": sheet.fees_retained,
        "outstanding": sheet.outstanding,
        "cash": sheet.cash,
        "members": sheet.members,
        "occupancy_rate": sheet.occupancy,
    }


def _association(association: Association, sheet: Sheet) -> dict[str, Any]:
    return {
        "id": association.pk,
        "name": association.name,
        "village_code": association.village.code,
        "village_name": association.village.name,
        "founded_on": association.founded_on,
        "status": association.status,
        "loan_limit": association.loan_limit,
        "fee_rate": association.fee_rate,
        "sheet": _sheet(sheet),
    }


def _loan(request: HttpRequest, loan_id: int) -> dict[str, Any]:
    loan = selectors.loan_get(viewer=gate.staff_of(request), loan_id=loan_id)
    repayments = list(loan.repayments.order_by("on", "id"))
    state = loan_state(loan, repayments, timezone.localdate())
    return {
        "id": loan.pk,
        "association_id": loan.association_id,
        "household_id": loan.household_id,
        "household_number": loan.household.number,
        "number": loan.number,
        "amount": loan.amount,
        "term_months": loan.term_months,
        "fee_rate": loan.fee_rate,
        "purpose": loan.purpose,
        "disbursed_on": loan.disbursed_on,
        "due_on": state.due_on,
        "status": state.status,
        "balance": state.balance,
        "fee_owed": state.fee_owed,
        "overdue_days": state.overdue_days,
        "repayments": [
            {"id": r.pk, "on": r.on, "principal": r.principal, "fee": r.fee, "reference": r.reference}
            for r in repayments
        ],
    }


@router.get("/associations", response={200: AssociationPage, **ERRORS})
def mutualaid_associations(request: HttpRequest, filters: Query[AssociationFilterIn]) -> dict[str, Any]:
    """The associations of the caller's region (or a region inside it) with their balance sheets as of ``on``."""
    user = gate.staff_of(request)
    gate.require(user, Association, "view", request)
    region = region_named(viewer=user, code=filters.region, request=request)
    on = filters.on or timezone.localdate()
    ids = selectors.association_ids(viewer=user, region=region)
    start = (filters.page - 1) * PAGE_SIZE
    shown = ids[start : start + PAGE_SIZE]
    sheets = selectors.sheets_of(shown, on)
    return {
        "count": len(ids),
        "page": filters.page,
        "pages": max(1, -(-len(ids) // PAGE_SIZE)),
        "on": on,
        "results": [_association(a, sheets[a.pk]) for a in selectors.association_rows(shown)],
    }


@router.get("/associations/{int:association_id}", response={200: AssociationOut, **ERRORS})
def mutualaid_association(
    request: HttpRequest, association_id: int, on: date | None = None
) -> dict[str, Any]:
    """One association with its balance sheet as of ``on`` (default today)."""
    association = selectors.association_get(viewer=gate.staff_of(request), association_id=association_id)
    day = on or timezone.localdate()
    return _association(association, selectors.sheets_of([association.pk], day)[association.pk])


@router.get("/loans/{int:loan_id}", response={200: LoanOut, **ERRORS})
def mutualaid_loan(request: HttpRequest, loan_id: int) -> dict[str, Any]:
    """One loan with its repayments and its state today."""
    return _loan(request, loan_id)


@router.post("/associations/{int:association_id}/loans", response={201: LoanOut, **ERRORS})
def mutualaid_loan_create(request: HttpRequest, association_id: int, data: LoanIn) -> Status[dict[str, Any]]:
    """Lend to a member household (a member on the day, the ceiling, the fund's cash)."""
    loan = services.loan_record(actor=gate.staff_of(request), association_id=association_id, **data.dict())
    return Status(201, _loan(request, loan.pk))


@router.post("/loans/{int:loan_id}/repayments", response={201: LoanOut, **ERRORS})
def mutualaid_repay(request: HttpRequest, loan_id: int, data: RepaymentIn) -> Status[dict[str, Any]]:
    """Record a repayment (never more than is owed)."""
    services.repayment_record(actor=gate.staff_of(request), loan_id=loan_id, **data.dict())
    return Status(201, _loan(request, loan_id))
