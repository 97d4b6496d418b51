"""API of the project library: the list (stage filter), one project with its money, the indicators as of a day,
proposing a project, changing its stage and disbursing. The same selectors, services and gate as the pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from bottomline.accounts import gate
from bottomline.api import ERRORS
from bottomline.projects import selectors, services
from bottomline.projects.models import Project
from bottomline.regions.selectors import region_named

router = Router(tags=["projects"])
PAGE_SIZE = 100


class ProjectOut(Schema):
    """A project with its budget and the money disbursed on it."""

    id: int
    code: str | None
    name: str
    year: int
    kind: str
    stage: str
    region_code: str
    site_code: str
    budget: Decimal
    disbursed: Decimal


class MoneyOut(Schema):
    """A project's money from one source."""

    source: str
    budget: Decimal
    disbursed: Decimal


class ChangeOut(Schema):
    """One stage change."""

    before: str
    after: str
    on: date
    note: str


class ProjectDetailOut(ProjectOut):
    """A project with its money by source and its stage history."""

    unit: str
    goal: str
    money: list[MoneyOut]
    changes: list[ChangeOut]


class ProjectPage(Schema):
    """One page of projects."""

    count: int
    page: int
    pages: int
    results: list[ProjectOut]


class FilterIn(Schema):
    """The list's filters (as the page's)."""

    region: str = Field("", description="a 12-digit code inside the caller's region (default: theirs)")
    stage: str = ""
    kind: str = ""
    year: int | None = None
    text: str = ""
    page: int = Field(1, ge=1)


class IndicatorsOut(Schema):
    """The library's indicators of a region (a year, or all) as of a day; rates in per cent."""

    region_code: str
    year: int | None
    on: date
    by_stage: dict[str, int]
    allocated: Decimal
    budgeted: Decimal
    disbursed: Decimal
    arranged_rate: Decimal | None
    spending_rate: Decimal | None
    central: Decimal
    central_industry: Decimal
    industry_share: Decimal | None
    assets: int
    assets_value: Decimal
    asset_income: Decimal
    beneficiary_households: int


class ProjectIn(Schema):
    """A proposed project with its budget by fund source (central, provincial, county, east_west, …)."""

    name: str
    region_code: str
    site_code: str
    kind: str
    year: int
    budgets: dict[str, Decimal]
    on: date | None = None
    unit: str = ""
    goal: str = ""
    code: str = ""


class StageIn(Schema):
    """A stage change."""

    to: str
    on: date
    note: str = ""


class AllocationIn(Schema):
    """The funds a county received for a year from one source."""

    county_code: str
    year: int
    source: str
    amount: Decimal
    document: str = ""


class AllocationOut(Schema):
    """An allocation as recorded."""

    county_code: str
    year: int
    source: str
    amount: Decimal
    document: str


class AssetIncomeIn(Schema):
    """An asset's income of a year, booked on a day (recorded again: corrected)."""

    year: int
    amount: Decimal
    on: date


class AssetIncomeOut(Schema):
    """An asset's income of a year."""

    asset_id: int
    year: int
    amount: Decimal
    on: date


class DisbursementIn(Schema):
    """Money paid out on a project."""

    source: str
    amount: Decimal
    on: date
    reference: str = ""
    note: str = ""


def _out(project: Project, budget: Decimal | None, spent: Decimal | None) -> dict[str, Any]:
    return {
        "id": project.pk,
        "code": project.code,
        "name": project.name,
        "year": project.year,
        "kind": project.kind,
        "stage": project.stage,
        "region_code": project.region.code,
        "site_code": project.site.code,
        "budget": budget or Decimal(0),
        "disbursed": spent or Decimal(0),
    }


def _detail(request: HttpRequest, project_id: int) -> dict[str, Any]:
    project = selectors.project_get(viewer=gate.staff_of(request), project_id=project_id)
    money = selectors.project_money(project)
    out = _out(
        project, sum((m.budget for m in money), Decimal(0)), sum((m.disbursed for m in money), Decimal(0))
    )
    out["unit"], out["goal"] = project.unit, project.goal
    out["money"] = [{"source": m.source, "budget": m.budget, "disbursed": m.disbursed} for m in money]
    out["changes"] = [
        {"before": c.before, "after": c.after, "on": c.on, "note": c.note}
        for c in project.changes.order_by("on", "id")
    ]
    return out


@router.get("/projects", response={200: ProjectPage, **ERRORS})
def projects_list(request: HttpRequest, filters: Query[FilterIn]) -> dict[str, Any]:
    """The projects of the caller's region (or a region inside it), by site."""
    user = gate.staff_of(request)
    gate.require(user, Project, "view", request)
    rows = selectors.project_list(
        viewer=user,
        filters=selectors.ProjectFilters(
            region=region_named(viewer=user, code=filters.region, request=request),
            stage=filters.stage,
            kind=filters.kind,
            year=filters.year,
            text=filters.text,
        ),
    )
    count = rows.count()
    start = (filters.page - 1) * PAGE_SIZE
    page = list(rows[start : start + PAGE_SIZE])
    budget, spent = selectors.money_of([p.pk for p in page])
    return {
        "count": count,
        "page": filters.page,
        "pages": max(1, -(-count // PAGE_SIZE)),
        "results": [_out(p, budget.get(p.pk), spent.get(p.pk)) for p in page],
    }


@router.get("/projects/indicators", response={200: IndicatorsOut, **ERRORS})
def projects_indicators(
    request: HttpRequest, region: str = "", year: int | None = None, on: date | None = None
) -> dict[str, Any]:
    """Arranged rate, spending progress, central funds to industry, stages, assets, as of ``on``."""
    user = gate.staff_of(request)
    gate.require(user, Project, "view", request)
    found = selectors.indicators(
        viewer=user,
        region=region_named(viewer=user, code=region, request=request),
        on=on or timezone.localdate(),
        year=year,
    )
    return {
        "region_code": found.region.code,
        "year": found.year,
        "on": found.on,
        "by_stage": found.by_stage,
        "allocated": found.allocated,
        "budgeted": found.budgeted,
        "disbursed": found.disbursed,
        "arranged_rate": found.arranged_rate,
        "spending_rate": found.spending_rate,
        "central": found.central,
        "central_industry": found.central_industry,
        "industry_share": found.industry_share,
        "assets": found.assets,
        "assets_value": found.assets_value,
        "asset_income": found.asset_income,
        "beneficiary_households": found.beneficiary_households,
    }


@router.get("/projects/{int:project_id}", response={200: ProjectDetailOut, **ERRORS})
def projects_detail(request: HttpRequest, project_id: int) -> dict[str, Any]:
    """One project with its money by source and its stage history."""
    return _detail(request, project_id)


@router.post("/projects", response={201: ProjectDetailOut, **ERRORS})
def projects_create(request: HttpRequest, data: ProjectIn) -> Status[dict[str, Any]]:
    """Propose a project (申报) with its budget."""
    project = services.project_propose(actor=gate.staff_of(request), **data.dict())
    return Status(201, _detail(request, project.pk))


@router.post("/projects/{int:project_id}/stage", response={201: ProjectDetailOut, **ERRORS})
def projects_stage(request: HttpRequest, project_id: int, data: StageIn) -> Status[dict[str, Any]]:
    """Move the project one allowed step (or reject, withdraw)."""
    services.stage_change(actor=gate.staff_of(request), project_id=project_id, **data.dict())
    return Status(201, _detail(request, project_id))


@router.post("/projects/{int:project_id}/disbursements", response={201: ProjectDetailOut, **ERRORS})
def projects_disburse(request: HttpRequest, project_id: int, data: DisbursementIn) -> Status[dict[str, Any]]:
    """Record money paid out (never beyond the source's budget)."""
    services.disbursement_record(actor=gate.staff_of(request), project_id=project_id, **data.dict())
    return Status(201, _detail(request, project_id))


@router.post("/allocations", response={201: AllocationOut, **ERRORS})
def projects_allocation(request: HttpRequest, data: AllocationIn) -> Status[dict[str, Any]]:
    """Set the funds a county received for a year from one source (what the arranged rate divides by)."""
    found = services.allocation_set(actor=gate.staff_of(request), **data.dict())
    return Status(
        201,
        {
            "county_code": found.county.code,
            "year": found.year,
            "source": found.source,
            "amount": found.amount,
            "document": found.document,
        },
    )


@router.post("/assets/{int:asset_id}/incomes", response={201: AssetIncomeOut, **ERRORS})
def projects_asset_income(request: HttpRequest, asset_id: int, data: AssetIncomeIn) -> Status[dict[str, Any]]:
    """Record (or correct) a project asset's income of a year."""
    found = services.asset_income_record(actor=gate.staff_of(request), asset_id=asset_id, **data.dict())
    return Status(201, {"asset_id": asset_id, "year": found.year, "amount": found.amount, "on": found.on})
