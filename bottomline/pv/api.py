"""API of the PV ledger: stations and their months, a village's distribution of a year, posts and their pay,
through the same selectors and services as the pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from bottomline.accounts import gate
from bottomline.api import ERRORS
from bottomline.pv import selectors, services
from bottomline.pv.models import Funding, Post, PostKind, Purpose, Source, Station

router = Router(tags=["pv"])


class StationOut(Schema):
    """A station."""

    id: int
    name: str
    village_code: str
    capacity_kw: Decimal
    grid_date: date
    owner: str
    grid_account: str

    @staticmethod
    def resolve_village_code(obj: Station) -> str:
        return obj.village.code


class MonthOut(Schema):
    """A station's month."""

    month: date
    generation_kwh: Decimal
    income: Decimal
    source: Source


class StationDetailOut(StationOut):
    """A station with its months, newest first."""

    months: list[MonthOut]

    @staticmethod
    def resolve_months(obj: Station) -> list[object]:
        return list(obj.months.all())


class MonthIn(Schema):
    """A station's month from the grid company's statement (``month``: any day of it)."""

    month: date
    generation_kwh: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    income: Decimal = Field(ge=0, max_digits=14, decimal_places=2)


@router.get("/stations", response={200: list[StationOut], **ERRORS})
def pv_station_list(request: HttpRequest) -> list[Station]:
    """The stations of the caller's region."""
    user = gate.staff_of(request)
    gate.require(user, Station, "view", request)
    return list(selectors.station_list(viewer=user, year=timezone.localdate().year))


@router.get("/stations/{int:station_id}", response={200: StationDetailOut, **ERRORS})
def pv_station_detail(request: HttpRequest, station_id: int) -> Station:
    """One station with its months."""
    return selectors.station_get(viewer=gate.staff_of(request), station_id=station_id)


@router.post("/stations/{int:station_id}/months", response={200: MonthOut, **ERRORS})
def pv_station_month(request: HttpRequest, station_id: int, data: MonthIn) -> object:
    """Record (or correct) a station's month."""
    return services.station_month_record(actor=gate.staff_of(request), station_id=station_id, **data.dict())


class AllocationOut(Schema):
    """One allocation of a village's PV income."""

    id: int
    purpose: Purpose
    amount: Decimal
    decided_on: date
    note: str


class DistributionOut(Schema):
    """A village's share of a year's PV income and its allocations."""

    village_code: str
    year: int
    income: Decimal
    allocated: Decimal
    remaining: Decimal
    allocations: list[AllocationOut]


class AllocationIn(Schema):
    """An allocation of the year's income."""

    purpose: Purpose
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    decided_on: date
    note: str = Field("", max_length=200)


def _distribution(found: selectors.VillageYear) -> dict[str, object]:
    return {
        "village_code": found.village.code,
        "year": found.year,
        "income": found.income,
        "allocated": found.allocated,
        "remaining": found.remaining,
        "allocations": found.allocations,
    }


@router.get("/distributions/{code}/{int:year}", response={200: DistributionOut, **ERRORS})
def pv_distribution(request: HttpRequest, code: str, year: int) -> dict[str, object]:
    """A village's share of a year's PV income and its allocations."""
    return _distribution(selectors.village_year(viewer=gate.staff_of(request), code=code, year=year))


@router.post("/distributions/{code}/{int:year}/allocations", response={201: AllocationOut, **ERRORS})
def pv_allocation_create(request: HttpRequest, code: str, year: int, data: AllocationIn) -> Status[object]:
    """Allocate part of the village's year's income (422 if it would distribute more than the income)."""
    user = gate.staff_of(request)
    village = selectors.village_get(viewer=user, code=code)
    return Status(201, services.allocation_record(actor=user, village=village, year=year, **data.dict()))


class HolderOut(Schema):
    """A post's holder (the household's number, the member's name)."""

    assignment_id: int
    household_number: str
    name: str
    start: date
    end: date | None


class PostOut(Schema):
    """A post with its holder today."""

    id: int
    village_code: str
    kind: PostKind
    funding: Funding
    monthly_pay: Decimal
    start: date
    end: date | None
    holders: list[HolderOut]

    @staticmethod
    def resolve_village_code(obj: Post) -> str:
        return obj.village.code

    @staticmethod
    def resolve_holders(obj: Post) -> list[dict[str, object]]:
        return [
            {
                "assignment_id": a.pk,
                "household_number": a.household.number,
                "name": a.member.name,
                "start": a.start,
                "end": a.end,
            }
            for a in getattr(obj, "holders", [])
        ]


@router.get("/posts", response={200: list[PostOut], **ERRORS})
def pv_post_list(request: HttpRequest) -> list[Post]:
    """The posts of the caller's region with their holder today."""
    user = gate.staff_of(request)
    gate.require(user, Post, "view", request)
    return list(selectors.post_list(viewer=user, on=timezone.localdate()))


class PayIn(Schema):
    """A month's pay of a holder (``amount``: the post's monthly pay when left out)."""

    month: date
    paid_on: date
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)


class PayOut(Schema):
    """A recorded pay."""

    id: int
    month: date
    paid_on: date
    amount: Decimal


@router.post("/assignments/{int:assignment_id}/pays", response={200: PayOut, **ERRORS})
def pv_post_pay(request: HttpRequest, assignment_id: int, data: PayIn) -> object:
    """Record (or correct) a month's pay; it becomes the household's wage income."""
    return services.post_pay_record(actor=gate.staff_of(request), assignment_id=assignment_id, **data.dict())
