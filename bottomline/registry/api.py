"""API: households and members, masked, through the same selectors and services as the pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError

from bottomline.accounts import gate
from bottomline.api import ERRORS, MAX_OFFSET, Error
from bottomline.registry import incomes, selectors, services
from bottomline.registry.choices import (
    Education,
    Ethnicity,
    Health,
    HouseholdType,
    HousingGrade,
    Labour,
    PovertyCause,
    Relation,
    StudentStatus,
    Welfare,
)
from bottomline.registry.models import Household, IncomeRecord, Member

router = Router(tags=["registry"])
# A write that meets another: a household number taken meanwhile, or a record saved since the caller read it.
WRITE_ERRORS: dict[int, type[Schema]] = {**ERRORS, 409: Error}


class MemberOut(Schema):
    """A member, with the ID number masked and the age in place of the birth date."""

    id: int
    household_id: int | None
    name: str
    id_number_masked: str
    sex: str
    age: int
    relation: Relation
    ethnicity: Ethnicity
    education: Education
    student_status: StudentStatus
    health: Health
    disability_grade: int | None
    labour: Labour
    months_worked: int
    medical_insurance: bool
    serious_illness_insurance: bool
    version: int


class HouseholdOut(Schema):
    """A household, with the phone masked."""

    id: int
    number: str
    village_code: str
    village_name: str
    village_group: str
    household_type: HouseholdType
    welfare: Welfare
    poverty_cause: str
    housing_grade: HousingGrade
    safe_water: bool
    phone_masked: str
    first_identified: date | None
    relocated: bool
    version: int

    @staticmethod
    def resolve_village_code(obj: Household) -> str:
        return obj.village.code

    @staticmethod
    def resolve_village_name(obj: Household) -> str:
        return obj.village.name


class HouseholdDetailOut(HouseholdOut):
    """A household and its members."""

    members: list[MemberOut]


class HouseholdRowOut(HouseholdOut):
    """A household in a list, with its head's name (户主; null when it has none yet)."""

    head_name: str | None = None


class HouseholdPage(Schema):
    """One page of households."""

    count: int
    results: list[HouseholdRowOut]
    next_after: int | None = Field(None, description="pass as `after` for the next page; null on the last")


class HouseholdFilterIn(Schema):
    """Filters of the household list (nothing personal: names and numbers are searched by POST)."""

    region: str = Field("", pattern=r"^(\d{12})?$", description="a region code: its subtree")
    household_type: HouseholdType | None = None
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    limit: int = Field(50, ge=1, le=500)
    after: int | None = Field(
        None, ge=1, description="a household id: the page starts after it in number order (keyset, no OFFSET)"
    )
    lifted_year: int | None = Field(
        None, ge=2013, le=2100, description="year lifted out of poverty (脱贫年度)"
    )
    relocated: bool | None = Field(None, description="relocated (易地扶贫搬迁)")
    former_poor_village: bool | None = Field(None, description="in a former poverty village (脱贫村)")
    monitored: bool | None = Field(None, description="identified as a monitoring object (监测户)")


class HouseholdSearchIn(HouseholdFilterIn):
    """A search for a person, in the body: names and numbers never go into a URL or an access log."""

    name: str = Field("", max_length=50, description="part of a member's name")
    id_number: str = Field(
        "", max_length=18, description="an exact ID number (searched through the blind index)"
    )
    phone: str = Field("", max_length=20, description="the household's exact phone (through the blind index)")


class HouseholdIn(Schema):
    """A new household."""

    village_code: str = Field(pattern=r"^\d{12}$")
    household_type: HouseholdType
    housing_grade: HousingGrade
    welfare: Welfare = Welfare.NONE
    poverty_cause: PovertyCause | None = None
    village_group: str = Field("", max_length=50)
    safe_water: bool = True
    phone: str = Field("", max_length=20)
    first_identified: date | None = None
    relocated: bool = False
    submit_token: UUID | None = Field(
        None, description="a token made once per form: the same token sent twice registers one household"
    )


class MemberIn(Schema):
    """A new member; the ID number is checked, encrypted and indexed."""

    name: str = Field(min_length=1, max_length=50)
    id_number: str = Field(min_length=1, max_length=30)
    relation: Relation
    labour: Labour
    education: Education
    ethnicity: Ethnicity = Ethnicity.HAN
    student_status: StudentStatus = StudentStatus.NONE
    health: Health = Health.HEALTHY
    disability_grade: int | None = Field(None, ge=1, le=4)
    months_worked: int = Field(0, ge=0, le=12)
    medical_insurance: bool = True
    serious_illness_insurance: bool = True


class HouseholdChangeIn(Schema):
    """The attributes to change (the others are left as they are) and the version the caller read."""

    version: int | None = Field(None, ge=0, description="refused with 409 if the household was saved since")
    village_group: str | None = Field(None, max_length=50)
    household_type: HouseholdType | None = None
    welfare: Welfare | None = None
    poverty_cause: PovertyCause | None = None
    housing_grade: HousingGrade | None = None
    safe_water: bool | None = None
    phone: str | None = Field(None, max_length=20, description="a new phone; an empty one clears it")
    first_identified: date | None = None
    relocated: bool | None = None


class MemberChangeIn(Schema):
    """The attributes to change (the ID number has its own correction; moves their own) and the version read."""

    version: int | None = Field(None, ge=0, description="refused with 409 if the member was saved since")
    name: str | None = Field(None, min_length=1, max_length=50)
    relation: Relation | None = None
    ethnicity: Ethnicity | None = None
    education: Education | None = None
    student_status: StudentStatus | None = None
    health: Health | None = None
    disability_grade: int | None = Field(None, ge=1, le=4)
    labour: Labour | None = None
    months_worked: int | None = Field(None, ge=0, le=12)
    medical_insurance: bool | None = None
    serious_illness_insurance: bool | None = None


# Fields a client may clear by sending null; the others are left as they are when null.
NULLABLE = frozenset({"first_identified", "disability_grade", "version"})


def _changes(data: Schema) -> dict[str, object]:
    return {k: v for k, v in data.dict(exclude_unset=True).items() if v is not None or k in NULLABLE}


def _conflict(exc: services.EditConflict) -> Status[dict[str, str]]:
    told = "; ".join(f"{c.field}: {c.before} → {c.after} ({c.who})" for c in exc.changes)
    return Status(409, {"detail": " ".join([*exc.messages, told]).strip()})


class MemberCreated(Schema):
    """The new member and any warnings its ID number raised."""

    member: MemberOut
    warnings: list[str]


class Revealed(Schema):
    """A protected value in the clear, for this answer only (audited)."""

    value: str


def _household_page(request: HttpRequest, filters: HouseholdFilterIn, **person: str) -> dict[str, object]:
    user = gate.staff_of(request)
    gate.require(user, Household, "view", request)
    found = selectors.household_list(
        viewer=user,
        filters=selectors.HouseholdFilter(
            region=filters.region,
            household_type=filters.household_type or "",
            name=person.get("name", ""),
            id_number_index=person.get("id_number_index", ""),
            phone_index=person.get("phone_index", ""),
            lifted_year=filters.lifted_year,
            relocated=filters.relocated,
            former_poor_village=filters.former_poor_village,
            monitored=filters.monitored,
        ),
    )
    # ``after`` (keyset) costs one page however far it goes; an offset still works but costs what it skips.
    start = selectors.households_after(found, after=filters.after) if filters.after else found
    rows = list(start[filters.offset : filters.offset + filters.limit + 1])
    more, rows = len(rows) > filters.limit, rows[: filters.limit]
    rows = selectors.with_heads(rows)  # one query for the rows shown, not one per row
    return {"count": found.count(), "results": rows, "next_after": rows[-1].pk if more and rows else None}


@router.get("/households", response={200: HouseholdPage, **ERRORS})
def household_list(request: HttpRequest, filters: Query[HouseholdFilterIn]) -> dict[str, object]:
    """Households of the caller's region, filtered by region and type."""
    # An unknown parameter is refused, so that an old client's ?id_number=… fails instead of listing everyone.
    unknown = sorted(set(request.GET) - set(HouseholdFilterIn.model_fields))
    if unknown:
        raise ValidationError(
            [{"type": "extra_forbidden", "loc": ["query", k], "msg": "unknown parameter"} for k in unknown]
        )
    return _household_page(request, filters)


@router.post("/households/search", response={200: HouseholdPage, **ERRORS})
def household_search(request: HttpRequest, data: HouseholdSearchIn) -> dict[str, object]:
    """Households of the caller's region with a member of that name or ID number, or that phone."""
    person = selectors.person_indexes(id_number=data.id_number, phone=data.phone)
    if data.name.strip():
        person["name"] = data.name.strip()
    return _household_page(request, data, **person)


@router.post("/households", response={201: HouseholdOut, **WRITE_ERRORS})
def household_create(request: HttpRequest, data: HouseholdIn) -> Status[Household] | Status[dict[str, str]]:
    """Register a household in a village of the caller's region (409 if its number was taken meanwhile;
    ``submit_token``: the same token sent twice registers one household)."""
    user = gate.staff_of(request)
    gate.require(user, Household, "add", request)
    values = data.dict()
    village = selectors.villages_for(viewer=user).filter(code=values.pop("village_code")).first()
    if village is None:
        raise Http404
    values["poverty_cause"] = values["poverty_cause"] or ""
    try:
        return Status(201, services.household_register(actor=user, village=village, **values))
    except services.HouseholdConflict as exc:
        return Status(409, {"detail": " ".join(exc.messages)})


@router.get("/households/{int:household_id}", response={200: HouseholdDetailOut, **ERRORS})
def household_detail(request: HttpRequest, household_id: int) -> Household:
    """One household with its members."""
    return selectors.household_get(viewer=gate.staff_of(request), household_id=household_id)


@router.post("/households/{int:household_id}/members", response={201: MemberCreated, **ERRORS})
def member_create(request: HttpRequest, household_id: int, data: MemberIn) -> Status[dict[str, object]]:
    """Add a member to a household; one person is registered once nationwide."""
    registered = services.member_register(
        actor=gate.staff_of(request), household_id=household_id, **data.dict()
    )
    return Status(201, {"member": registered.member, "warnings": list(registered.warnings)})


@router.patch("/households/{int:household_id}", response={200: HouseholdDetailOut, **WRITE_ERRORS})
def household_change(
    request: HttpRequest, household_id: int, data: HouseholdChangeIn
) -> Household | Status[dict[str, str]]:
    """Change a household's attributes; 409 (with the other changes) if it was saved since ``version``."""
    user = gate.staff_of(request)
    values = _changes(data)
    try:
        services.household_update(actor=user, household_id=household_id, **values)  # type: ignore[arg-type]  # checked by the schema
    except services.EditConflict as exc:
        return _conflict(exc)
    return selectors.household_get(viewer=user, household_id=household_id)


@router.patch("/members/{int:member_id}", response={200: MemberOut, **WRITE_ERRORS})
def member_change(
    request: HttpRequest, member_id: int, data: MemberChangeIn
) -> Member | Status[dict[str, str]]:
    """Change a member's attributes; 409 (with the other changes) if the member was saved since ``version``."""
    user = gate.staff_of(request)
    try:
        services.member_update(actor=user, member_id=member_id, **_changes(data))  # type: ignore[arg-type]  # checked by the schema
    except services.EditConflict as exc:
        return _conflict(exc)
    return selectors.member_get(viewer=user, member_id=member_id)


@router.get("/members/{int:member_id}", response={200: MemberOut, **ERRORS})
def member_detail(request: HttpRequest, member_id: int) -> Member:
    """One member."""
    return selectors.member_get(viewer=gate.staff_of(request), member_id=member_id)


@router.post("/members/{int:member_id}/reveal", response={200: Revealed, **ERRORS})
def member_reveal(request: HttpRequest, member_id: int) -> Revealed:
    """The member's full ID number (audited; limited per hour)."""
    return Revealed(value=services.reveal(actor=gate.staff_of(request), member_id=member_id, request=request))


# The income collection (registry.incomes): a household's incomes, and one period's recorded or corrected.


class IncomeOut(Schema):
    """An income record: the national forms' amounts and the computed net and per-capita figures (yuan)."""

    id: int
    household_id: int
    period_start: date
    period_end: date
    household_size: int
    wage: Decimal
    production_gross: Decimal | None
    production_expense: Decimal | None
    production: Decimal = Field(
        description="net production and operation income: gross − productive spending"
    )
    property_income: Decimal
    transfer: Decimal
    medical_out_of_pocket: Decimal
    education_out_of_pocket: Decimal
    other_rigid: Decimal
    net_income: Decimal
    per_capita_net_income: Decimal


class IncomeAmountsIn(Schema):
    """The amounts of a period in yuan (0 or more, to the fen); net production is computed."""

    wage: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    production_gross: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    production_expense: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    property_income: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    transfer: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    medical_out_of_pocket: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    education_out_of_pocket: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    other_rigid: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)


class IncomeIn(IncomeAmountsIn):
    """A period's income: a period already recorded for the household is replaced."""

    period_start: date
    period_end: date


@router.get("/households/{int:household_id}/incomes", response={200: list[IncomeOut], **ERRORS})
def income_list(request: HttpRequest, household_id: int) -> list[IncomeRecord]:
    """The household's income records, newest first."""
    return incomes.household_incomes(viewer=gate.staff_of(request), household_id=household_id)[1]


@router.post("/households/{int:household_id}/incomes", response={201: IncomeOut, **ERRORS})
def income_create(request: HttpRequest, household_id: int, data: IncomeIn) -> Status[IncomeRecord]:
    """Record a period's income (or replace a recorded period's); the household is re-evaluated online."""
    values = data.dict()
    record = incomes.income_save(
        actor=gate.staff_of(request),
        household_id=household_id,
        period_start=values.pop("period_start"),
        period_end=values.pop("period_end"),
        amounts=values,
    )
    return Status(201, IncomeRecord.objects.get(pk=record.pk))


@router.patch("/incomes/{int:income_id}", response={200: IncomeOut, **ERRORS})
def income_update(request: HttpRequest, income_id: int, data: IncomeAmountsIn) -> IncomeRecord:
    """Correct a recorded period's amounts (those not sent stay); the household is re-evaluated online."""
    record = incomes.income_update(
        actor=gate.staff_of(request), record_id=income_id, **data.dict(exclude_unset=True)
    )
    return IncomeRecord.objects.get(pk=record.pk)
