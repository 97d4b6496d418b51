"""API of industries and benefit linkage: the same selectors and services as the pages, behind the same gate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from bottomline.accounts import gate
from bottomline.api import ERRORS
from bottomline.industry import selectors, services
from bottomline.industry.models import Entity, EntityKind, Linkage, LinkageKind, Project, ProjectKind

router = Router(tags=["industry"])

PAGE_SIZE = 50


class EntityOut(Schema):
    """A business entity and the villages it serves."""

    id: int
    name: str
    kind: EntityKind
    kind_label: str
    credit_code: str
    region_code: str
    village_codes: list[str]
    founded: date | None
    closed: date | None


class EntityPage(Schema):
    """One page of entities."""

    count: int
    page: int
    pages: int
    results: list[EntityOut]


class EntityIn(Schema):
    """A new business entity."""

    name: str = Field(max_length=100)
    kind: EntityKind
    region_code: str = Field(pattern=r"^\d{12}$", description="the county or township that keeps it")
    village_codes: list[str] = Field(default_factory=list, max_length=2000)
    credit_code: str = Field("", max_length=18)
    founded: date | None = None


class EntityFilterIn(Schema):
    """Filters of the entity list."""

    kind: EntityKind | None = None
    q: str = Field("", max_length=100)
    page: int = Field(1, ge=1, le=100000)


class ProjectOut(Schema):
    """An industrial project of an entity."""

    id: int
    entity_id: int
    name: str
    kind: ProjectKind
    kind_label: str
    investment: Decimal
    start: date
    end: date | None


class ProjectIn(Schema):
    """A new industrial project of the entity."""

    name: str = Field(max_length=100)
    kind: ProjectKind
    start: date
    end: date | None = None
    investment: Decimal = Field(Decimal(0), ge=0, le=10**12, decimal_places=2)
    village_codes: list[str] = Field(default_factory=list, max_length=2000)


class LinkageOut(Schema):
    """A household's benefit linkage."""

    id: int
    household_id: int
    entity_id: int
    entity_name: str
    project_id: int | None
    member_id: int | None
    kind: LinkageKind
    kind_label: str
    income_kind: str
    amount_per_year: Decimal
    start: date
    end: date | None


class LinkageIn(Schema):
    """A household's new benefit linkage: its money is posted to the household's income at once."""

    entity_id: int = Field(ge=1, le=2**31 - 1)
    project_id: int | None = Field(None, ge=1, le=2**31 - 1)
    member_id: int | None = Field(None, ge=1, le=2**31 - 1)
    kind: LinkageKind
    amount_per_year: Decimal = Field(ge=0, le=1000000, decimal_places=2)
    start: date
    end: date | None = None
    note: str = Field("", max_length=200)


class EndIn(Schema):
    """The day a linkage ends."""

    end: date


def _entity(e: Entity) -> dict[str, Any]:
    return {
        "id": e.pk,
        "name": e.name,
        "kind": e.kind,
        "kind_label": str(e.get_kind_display()),
        "credit_code": e.credit_code,
        "region_code": e.region.code,
        "village_codes": sorted(v.code for v in e.villages.all()),
        "founded": e.founded,
        "closed": e.closed,
    }


def _project(p: Project) -> dict[str, Any]:
    return {
        "id": p.pk,
        "entity_id": p.entity_id,
        "name": p.name,
        "kind": p.kind,
        "kind_label": str(p.get_kind_display()),
        "investment": p.investment,
        "start": p.start,
        "end": p.end,
    }


def _linkage(link: Linkage) -> dict[str, Any]:
    return {
        "id": link.pk,
        "household_id": link.household_id,
        "entity_id": link.entity_id,
        "entity_name": link.entity.name,
        "project_id": link.project_id,
        "member_id": link.member_id,
        "kind": link.kind,
        "kind_label": str(link.get_kind_display()),
        "income_kind": link.income_kind,
        "amount_per_year": link.amount_per_year,
        "start": link.start,
        "end": link.end,
    }


@router.get("/entities", response={200: EntityPage, **ERRORS})
def industry_entity_list(request: HttpRequest, filters: Query[EntityFilterIn]) -> dict[str, Any]:
    """The business entities kept in the caller's region."""
    user = gate.staff_of(request)
    gate.require(user, Entity, "view", request)
    entities = selectors.entity_list(viewer=user, kind=filters.kind or "", query=filters.q).prefetch_related(
        "villages"
    )
    count = entities.count()
    start = (filters.page - 1) * PAGE_SIZE
    return {
        "count": count,
        "page": filters.page,
        "pages": max(1, -(-count // PAGE_SIZE)),
        "results": [_entity(e) for e in entities[start : start + PAGE_SIZE]],
    }


@router.get("/entities/{int:entity_id}", response={200: EntityOut, **ERRORS})
def industry_entity_detail(request: HttpRequest, entity_id: int) -> dict[str, Any]:
    """One business entity of the caller's region."""
    return _entity(selectors.entity_get(viewer=gate.staff_of(request), entity_id=entity_id))


@router.post("/entities", response={201: EntityOut, **ERRORS})
def industry_entity_add(request: HttpRequest, data: EntityIn) -> Status[dict[str, Any]]:
    """Add a business entity (county and township officers)."""
    entity = services.entity_save(
        actor=gate.staff_of(request),
        name=data.name,
        kind=data.kind,
        region_code=data.region_code,
        village_codes=data.village_codes,
        credit_code=data.credit_code,
        founded=data.founded,
    )
    return Status(201, _entity(entity))


@router.get("/entities/{int:entity_id}/projects", response={200: list[ProjectOut], **ERRORS})
def industry_project_list(request: HttpRequest, entity_id: int) -> list[dict[str, Any]]:
    """The projects of an entity the caller sees."""
    user = gate.staff_of(request)
    entity = selectors.entity_get(viewer=user, entity_id=entity_id, request=request)
    return [_project(p) for p in selectors.project_list(viewer=user, entity_id=entity.pk)]


@router.post("/entities/{int:entity_id}/projects", response={201: ProjectOut, **ERRORS})
def industry_project_add(request: HttpRequest, entity_id: int, data: ProjectIn) -> Status[dict[str, Any]]:
    """Add an industrial project to an entity kept in the caller's region (county and township officers)."""
    project = services.project_save(
        actor=gate.staff_of(request),
        entity_id=entity_id,
        name=data.name,
        kind=data.kind,
        start=data.start,
        end=data.end,
        investment=data.investment,
        village_codes=data.village_codes,
    )
    return Status(201, _project(project))


@router.get("/households/{int:household_id}/linkages", response={200: list[LinkageOut], **ERRORS})
def industry_household_linkages(request: HttpRequest, household_id: int) -> list[dict[str, Any]]:
    """A household's benefit linkages, newest first."""
    user = gate.staff_of(request)
    gate.require(user, Linkage, "view", request)
    _household, linkages = selectors.household_linkages(viewer=user, household_id=household_id)
    return [_linkage(link) for link in linkages]


@router.post("/households/{int:household_id}/linkages", response={201: LinkageOut, **ERRORS})
def industry_linkage_add(request: HttpRequest, household_id: int, data: LinkageIn) -> Status[dict[str, Any]]:
    """Link a household to an entity; its money is posted to the household's income and it is screened again."""
    linkage = services.linkage_add(
        actor=gate.staff_of(request),
        household_id=household_id,
        entity_id=data.entity_id,
        project_id=data.project_id,
        member_id=data.member_id,
        kind=data.kind,
        amount_per_year=data.amount_per_year,
        start=data.start,
        end=data.end,
        note=data.note,
    )
    return Status(201, _linkage(linkage))


@router.post("/linkages/{int:linkage_id}/end", response={200: LinkageOut, **ERRORS})
def industry_linkage_end(request: HttpRequest, linkage_id: int, data: EndIn) -> dict[str, Any]:
    """End a linkage on a day: its later money is withdrawn from the household's income."""
    return _linkage(services.linkage_end(actor=gate.staff_of(request), linkage_id=linkage_id, end=data.end))
