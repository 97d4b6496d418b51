"""API of the points supermarkets: the supermarkets (with the villages served and the points earned and
redeemed as of a day), one supermarket with its rules and goods, a household's balance as of a day, recording
points and redemptions. The same selectors, services and gate as the pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from bottomline.accounts import gate
from bottomline.api import ERRORS
from bottomline.points import selectors, services
from bottomline.points.models import Category, Goods, Supermarket
from bottomline.regions.selectors import region_named

router = Router(tags=["points"])


class SupermarketOut(Schema):
    """A supermarket, the villages it serves and its points as of the day asked."""

    id: int
    name: str
    village_code: str
    opened_on: date
    villages: list[str] = Field(description="names of the villages served on the day")
    points_earned: int
    points_redeemed: int


class RuleOut(Schema):
    """A rule applying at the supermarket (``county_wide``: the county's default)."""

    id: int
    category: Category
    points: int
    description: str
    start: date
    end: date | None
    county_wide: bool


class GoodsOut(Schema):
    """A good with its price and stock."""

    id: int
    name: str
    unit: str
    price: int
    stock: int


class SupermarketDetailOut(Schema):
    """A supermarket with its rules and goods."""

    id: int
    name: str
    village_code: str
    opened_on: date
    rules: list[RuleOut]
    goods: list[GoodsOut]


class BalanceOut(Schema):
    """A household's points as of a day: the balance, and the year's points earned, deducted, spent."""

    household_id: int
    household_number: str
    on: date
    balance: int
    earned_this_year: int
    deducted_this_year: int
    spent_this_year: int


class EntryIn(Schema):
    """Points a household earned (or lost): by a rule (its points unless given), or points with a note."""

    household_id: int
    on: date
    rule_id: int | None = None
    points: int | None = None
    note: str = ""


class RedemptionIn(Schema):
    """Goods a household takes for its points."""

    household_id: int
    goods_id: int
    quantity: int = Field(ge=1)
    on: date


def _balance(request: HttpRequest, household_id: int, on: date) -> dict[str, Any]:
    household, balance, flow = selectors.household_points(
        viewer=gate.staff_of(request), household_id=household_id, on=on, request=request
    )
    return {
        "household_id": household.pk,
        "household_number": household.number,
        "on": on,
        "balance": balance,
        "earned_this_year": flow.earned,
        "deducted_this_year": flow.deducted,
        "spent_this_year": flow.spent,
    }


@router.get("/supermarkets", response={200: list[SupermarketOut], **ERRORS})
def points_supermarkets(
    request: HttpRequest, region: str = "", on: date | None = None
) -> list[dict[str, Any]]:
    """The supermarkets of the caller's region (or a region inside it) as of ``on`` (default today)."""
    user = gate.staff_of(request)
    gate.require(user, Supermarket, "view", request)
    where = region_named(viewer=user, code=region, request=request)
    rows = selectors.supermarket_rows(viewer=user, region=where, on=on or timezone.localdate())
    return [
        {
            "id": r.supermarket.pk,
            "name": r.supermarket.name,
            "village_code": r.supermarket.village.code,
            "opened_on": r.supermarket.opened_on,
            "villages": r.villages,
            "points_earned": r.earned,
            "points_redeemed": r.redeemed,
        }
        for r in rows
    ]


@router.get("/supermarkets/{int:supermarket_id}", response={200: SupermarketDetailOut, **ERRORS})
def points_supermarket_detail(request: HttpRequest, supermarket_id: int) -> dict[str, Any]:
    """One supermarket with the rules applying there and its goods."""
    supermarket = selectors.supermarket_get(viewer=gate.staff_of(request), supermarket_id=supermarket_id)
    return {
        "id": supermarket.pk,
        "name": supermarket.name,
        "village_code": supermarket.village.code,
        "opened_on": supermarket.opened_on,
        "rules": [
            {
                "id": r.pk,
                "category": r.category,
                "points": r.points,
                "description": r.description,
                "start": r.start,
                "end": r.end,
                "county_wide": r.supermarket_id is None,
            }
            for r in selectors.rules_applying(supermarket)
        ],
        "goods": [
            {"id": g.pk, "name": g.name, "unit": g.unit, "price": g.price, "stock": g.stock}
            for g in Goods.objects.filter(supermarket=supermarket).order_by("name")
        ],
    }


@router.get("/households/{int:household_id}/balance", response={200: BalanceOut, **ERRORS})
def points_balance(request: HttpRequest, household_id: int, on: date | None = None) -> dict[str, Any]:
    """A household's point balance as of ``on`` (default today)."""
    return _balance(request, household_id, on or timezone.localdate())


@router.post("/supermarkets/{int:supermarket_id}/entries", response={201: BalanceOut, **ERRORS})
def points_entry_create(request: HttpRequest, supermarket_id: int, data: EntryIn) -> Status[dict[str, Any]]:
    """Record points a household served by the supermarket earned or lost; the household's balance after."""
    services.points_record(actor=gate.staff_of(request), supermarket_id=supermarket_id, **data.dict())
    return Status(201, _balance(request, data.household_id, timezone.localdate()))


@router.post("/supermarkets/{int:supermarket_id}/redemptions", response={201: BalanceOut, **ERRORS})
def points_redeem(request: HttpRequest, supermarket_id: int, data: RedemptionIn) -> Status[dict[str, Any]]:
    """A household takes goods for points (refused beyond its balance or the stock); its balance after."""
    services.redemption_record(actor=gate.staff_of(request), supermarket_id=supermarket_id, **data.dict())
    return Status(201, _balance(request, data.household_id, timezone.localdate()))
