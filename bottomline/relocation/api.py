"""API of relocation follow-up: sites and a site's counts as of a day, the register of relocated households,
one household's relocation with its assessments and support, and recording each. The same selectors,
services and gate as the pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from bottomline.accounts import gate
from bottomline.api import ERRORS
from bottomline.regions.selectors import region_named
from bottomline.relocation import selectors, services
from bottomline.relocation.models import Relocation, Site, SiteKind, Stability, SupportKind

router = Router(tags=["relocation"])
PAGE_SIZE = 100


class SiteOut(Schema):
    """A resettlement site."""

    id: int
    name: str
    kind: SiteKind
    region_code: str
    region_name: str
    address: str
    built_year: int
    planned_households: int
    planned_people: int


class CountsOut(Schema):
    """A site's relocated households as of a day (those the caller may see)."""

    on: date
    households: int
    people: int
    origin_villages: int
    origin_townships: int
    registered_households: int
    registered_people: int
    labour: int
    employed: int
    status: dict[str, int] = Field(description="households by status; 'unassessed': no assessment yet")


class SiteDetailOut(SiteOut):
    """A site with its counts."""

    counts: CountsOut


class SiteIn(Schema):
    """A resettlement site."""

    name: str
    kind: SiteKind
    region_code: str = Field(description="the village, community or township the site is in")
    address: str = ""
    built_year: int
    planned_households: int
    planned_people: int


class AssessmentOut(Schema):
    id: int
    on: date
    status: Stability
    note: str


class SupportOut(Schema):
    id: int
    kind: SupportKind
    on: date
    description: str
    unit: str


class RelocationOut(Schema):
    """A relocated household and its status on the day asked."""

    id: int
    household_id: int
    household_number: str
    village_code: str
    origin_code: str
    site_id: int
    site_name: str
    year: int
    status: str = Field(description="stable, attention, risk, or unassessed")
    assessed_on: date | None


class RelocationDetailOut(RelocationOut):
    """A relocated household with its assessments and support records."""

    assessments: list[AssessmentOut]
    supports: list[SupportOut]


class RelocationPage(Schema):
    count: int
    page: int
    pages: int
    on: date
    results: list[RelocationOut]


class RelocationFilterIn(Schema):
    region: str = Field("", description="a 12-digit code inside the caller's region (default: theirs)")
    site_id: int | None = None
    status: str = ""
    number: str = ""
    on: date | None = Field(None, description="as of this day (default today)")
    page: int = Field(1, ge=1)


class RelocationIn(Schema):
    household_id: int
    origin_code: str
    site_id: int
    year: int


class AssessmentIn(Schema):
    on: date
    status: Stability
    note: str = ""


class SupportIn(Schema):
    kind: SupportKind
    on: date
    description: str
    unit: str


def _site(site: Site) -> dict[str, Any]:
    return {
        "id": site.pk,
        "name": site.name,
        "kind": site.kind,
        "region_code": site.region.code,
        "region_name": site.region.name,
        "address": site.address,
        "built_year": site.built_year,
        "planned_households": site.planned_households,
        "planned_people": site.planned_people,
    }


def _relocation(row: selectors.Row) -> dict[str, Any]:
    r = row.relocation
    return {
        "id": r.pk,
        "household_id": r.household_id,
        "household_number": r.household.number,
        "village_code": r.household.village.code,
        "origin_code": r.origin.code,
        "site_id": r.site_id,
        "site_name": r.site.name,
        "year": r.year,
        "status": row.assessment.status if row.assessment else selectors.UNASSESSED,
        "assessed_on": row.assessment.on if row.assessment else None,
    }


def _detail(request: HttpRequest, relocation_id: int) -> dict[str, Any]:
    user = gate.staff_of(request)
    relocation = selectors.relocation_get(viewer=user, relocation_id=relocation_id)
    out = _relocation(selectors.relocation_rows([relocation.pk], timezone.localdate())[0])
    out["assessments"] = [
        {"id": a.pk, "on": a.on, "status": a.status, "note": a.note}
        for a in selectors.assessments_of(viewer=user, relocation=relocation)
    ]
    out["supports"] = [
        {"id": s.pk, "kind": s.kind, "on": s.on, "description": s.description, "unit": s.unit}
        for s in selectors.supports_of(viewer=user, relocation=relocation)
    ]
    return out


@router.get("/sites", response={200: list[SiteOut], **ERRORS})
def relocation_sites_list(request: HttpRequest, region: str = "") -> list[dict[str, Any]]:
    """The sites of the caller's region (or a region inside it)."""
    user = gate.staff_of(request)
    gate.require(user, Site, "view", request)
    sites = selectors.site_list(
        viewer=user, on=timezone.localdate(), region=region_named(viewer=user, code=region, request=request)
    )
    return [_site(s) for s in sites]


@router.get("/sites/{int:site_id}", response={200: SiteDetailOut, **ERRORS})
def relocation_sites_detail(request: HttpRequest, site_id: int, on: date | None = None) -> dict[str, Any]:
    """One site with its counts as of ``on`` (default today)."""
    user = gate.staff_of(request)
    site = selectors.site_get(viewer=user, site_id=site_id)
    day = on or timezone.localdate()
    counts = selectors.site_counts(viewer=user, site=site, on=day)
    return {**_site(site), "counts": {"on": day, **counts.__dict__}}


@router.post("/sites", response={201: SiteOut, **ERRORS})
def relocation_sites_create(request: HttpRequest, data: SiteIn) -> Status[dict[str, Any]]:
    """Record a site in the caller's region."""
    site = services.site_save(actor=gate.staff_of(request), **data.dict())
    return Status(201, _site(site))


@router.get("/relocations", response={200: RelocationPage, **ERRORS})
def relocations_list(request: HttpRequest, filters: Query[RelocationFilterIn]) -> dict[str, Any]:
    """The relocated households of the caller's region with their status as of ``on``."""
    user = gate.staff_of(request)
    gate.require(user, Relocation, "view", request)
    on = filters.on or timezone.localdate()
    ids = selectors.relocation_ids(
        viewer=user,
        filters=selectors.RelocationFilters(
            region=region_named(viewer=user, code=filters.region, request=request),
            site_id=filters.site_id,
            status=filters.status,
            number=filters.number,
        ),
        on=on,
    )
    start = (filters.page - 1) * PAGE_SIZE
    return {
        "count": len(ids),
        "page": filters.page,
        "pages": max(1, -(-len(ids) // PAGE_SIZE)),
        "on": on,
        "results": [
            _relocation(row) for row in selectors.relocation_rows(ids[start : start + PAGE_SIZE], on)
        ],
    }


@router.get("/relocations/{int:relocation_id}", response={200: RelocationDetailOut, **ERRORS})
def relocations_detail(request: HttpRequest, relocation_id: int) -> dict[str, Any]:
    """One relocated household with its assessments and support records."""
    return _detail(request, relocation_id)


@router.post("/relocations", response={201: RelocationDetailOut, **ERRORS})
def relocations_create(request: HttpRequest, data: RelocationIn) -> Status[dict[str, Any]]:
    """Record a relocated household (once per household)."""
    relocation = services.relocation_record(actor=gate.staff_of(request), **data.dict())
    return Status(201, _detail(request, relocation.pk))


@router.post("/relocations/{int:relocation_id}/assessments", response={201: RelocationDetailOut, **ERRORS})
def relocations_assess(
    request: HttpRequest, relocation_id: int, data: AssessmentIn
) -> Status[dict[str, Any]]:
    """Record a stability assessment (the same day again corrects it)."""
    services.assessment_record(actor=gate.staff_of(request), relocation_id=relocation_id, **data.dict())
    return Status(201, _detail(request, relocation_id))


@router.post("/relocations/{int:relocation_id}/supports", response={201: RelocationDetailOut, **ERRORS})
def relocations_support(request: HttpRequest, relocation_id: int, data: SupportIn) -> Status[dict[str, Any]]:
    """Record a follow-up support."""
    services.support_record(actor=gate.staff_of(request), relocation_id=relocation_id, **data.dict())
    return Status(201, _detail(request, relocation_id))
