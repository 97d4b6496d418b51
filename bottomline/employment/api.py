"""API of employment and training: workshops, jobs (with the migrant labour transfer counts), courses and Rain and
Dew grants, through the same selectors and services as the pages, behind the same gate; masked ID numbers only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from bottomline.accounts import gate
from bottomline.api import ERRORS, MAX_OFFSET
from bottomline.employment import selectors, services
from bottomline.employment.models import Course, Grant, Job, Place, SchoolLevel, Workshop

router = Router(tags=["employment"])


class EmploymentListIn(Schema):
    """A list's region (a code of the caller's region: its subtree), and the page."""

    region: str = Field("", max_length=12, pattern=r"^(\d{12})?$")
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    limit: int = Field(50, ge=1, le=500)


class EmploymentWorkshopOut(Schema):
    """A workshop."""

    id: int
    name: str
    kind: str
    village_code: str = Field(alias="village.code")
    relocation_site: bool
    employer: str
    capacity: int
    opened: date
    closed: date | None


class EmploymentJobOut(Schema):
    """An employment record (the member's ID number masked)."""

    id: int
    household_id: int
    household_number: str = Field(alias="household.number")
    member_id: int
    member_name: str = Field(alias="member.name")
    id_number_masked: str = Field(alias="member.id_number_masked")
    workshop_id: int | None
    employer: str
    place: Place
    start: date
    months: int
    monthly_wage: Decimal


class EmploymentJobIn(Schema):
    """A job of a member: a workshop (then local) or another employer; the first month (its first day) and how
    many months; the monthly wage in yuan. The wages count in the household's wage income of each year."""

    member_id: int
    workshop_id: int | None = None
    employer: str = Field("", max_length=100)
    place: Place
    start: date
    months: int = Field(ge=1, le=36)
    monthly_wage: Decimal = Field(ge=0, max_digits=8, decimal_places=2)


class EmploymentTransferIn(Schema):
    """The region whose parts are counted (a code of the caller's region; blank: the caller's own)."""

    region: str = Field("", max_length=12, pattern=r"^(\d{12})?$")


class EmploymentRegionCountOut(Schema):
    """People at work this month in one region, by place."""

    code: str
    name: str
    local: int
    province: int
    outside: int


class EmploymentCourseOut(Schema):
    """A course."""

    id: int
    name: str
    kind: str
    provider: str
    region_code: str = Field(alias="region.code")
    start: date
    end: date
    hours: int
    certificate: str


class EmploymentGrantOut(Schema):
    """A Rain and Dew grant (the student's ID number masked)."""

    id: int
    household_id: int
    member_id: int
    id_number_masked: str = Field(alias="member.id_number_masked")
    school: str
    level: SchoolLevel
    term: str
    amount: Decimal
    paid_on: date


class EmploymentGrantIn(Schema):
    """A grant for one term of a student of a registered household: transfer income on ``paid_on``."""

    member_id: int
    school: str = Field(max_length=100)
    level: SchoolLevel
    term: str = Field(max_length=20)
    amount: Decimal = Field(gt=0, max_digits=8, decimal_places=2)
    paid_on: date


def _region(request: HttpRequest, code: str) -> str:
    from bottomline.employment.views import _region as region_of  # the same check as the pages

    return region_of(gate.staff_of(request), code)


@router.get("/workshops", response={200: list[EmploymentWorkshopOut], **ERRORS})
def employment_workshop_list(request: HttpRequest, filters: Query[EmploymentListIn]) -> list[Workshop]:
    """The workshops of the caller's region."""
    user = gate.staff_of(request)
    gate.require(user, Workshop, "view", request)
    rows = selectors.workshops(viewer=user, region=_region(request, filters.region))
    return list(rows[filters.offset : filters.offset + filters.limit])


@router.get("/jobs", response={200: list[EmploymentJobOut], **ERRORS})
def employment_job_list(request: HttpRequest, filters: Query[EmploymentListIn]) -> list[Job]:
    """The employment records of the caller's region, newest first."""
    user = gate.staff_of(request)
    gate.require(user, Job, "view", request)
    rows = selectors.jobs(viewer=user, region=_region(request, filters.region))
    return list(rows[filters.offset : filters.offset + filters.limit])


@router.post("/jobs", response={201: EmploymentJobOut, **ERRORS})
def employment_job_create(request: HttpRequest, data: EmploymentJobIn) -> Status[Job]:
    """Record a job: its wages reach the household's income and the member's months worked are set."""
    value = services.JobInput(**data.dict())
    job = services.job_save(actor=gate.staff_of(request), value=value)
    return Status(201, Job.objects.select_related("member", "household").get(pk=job.pk))


@router.patch("/jobs/{int:job_id}", response={200: EmploymentJobOut, **ERRORS})
def employment_job_update(request: HttpRequest, job_id: int, data: EmploymentJobIn) -> Job:
    """Correct a job (all its values): the income moves by the difference."""
    user = gate.staff_of(request)
    selectors.job_get(viewer=user, job_id=job_id, action="change")
    services.job_save(actor=user, value=services.JobInput(**data.dict(), job_id=job_id))
    return Job.objects.select_related("member", "household").get(pk=job_id)


@router.get("/transfer", response={200: list[EmploymentRegionCountOut], **ERRORS})
def employment_transfer_counts(request: HttpRequest, filters: Query[EmploymentTransferIn]) -> list[object]:
    """People at work this month by the regions one level below (the caller's region by default) and by place
    (转移就业: outside the county)."""
    user = gate.staff_of(request)
    gate.require(user, Job, "view", request)
    found = selectors.transfer_counts(
        viewer=user, on=timezone.localdate(), region=_region(request, filters.region)
    )
    return list(found)


@router.get("/courses", response={200: list[EmploymentCourseOut], **ERRORS})
def employment_course_list(request: HttpRequest, filters: Query[EmploymentListIn]) -> list[Course]:
    """The courses held in the caller's region."""
    user = gate.staff_of(request)
    gate.require(user, Course, "view", request)
    rows = selectors.courses(viewer=user, region=_region(request, filters.region))
    return list(rows[filters.offset : filters.offset + filters.limit])


@router.get("/grants", response={200: list[EmploymentGrantOut], **ERRORS})
def employment_grant_list(request: HttpRequest, filters: Query[EmploymentListIn]) -> list[Grant]:
    """The Rain and Dew grants of the caller's region, newest first."""
    user = gate.staff_of(request)
    gate.require(user, Grant, "view", request)
    rows = selectors.grants(viewer=user, region=_region(request, filters.region))
    return list(rows[filters.offset : filters.offset + filters.limit])


@router.post("/grants", response={201: EmploymentGrantOut, **ERRORS})
def employment_grant_create(request: HttpRequest, data: EmploymentGrantIn) -> Status[Grant]:
    """Record a grant: it becomes the household's transfer income."""
    grant = services.grant_save(actor=gate.staff_of(request), **data.dict())
    return Status(201, Grant.objects.select_related("member").get(pk=grant.pk))
