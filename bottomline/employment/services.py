"""Writes of workshops, jobs, courses, trainees and grants: each checked, in the actor's region (the gate), and
each job's or grant's money posted to the household's income through ``registry.programs`` (never written to
the income records here); a job's months set the member's 务工时间 through ``registry.services.members_set``."""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.employment.models import Course, Grant, Job, Place, Trainee, Workshop, WorkshopKind
from bottomline.employment.selectors import courses_open
from bottomline.engine.online import households_refresh
from bottomline.monitoring.models import Case
from bottomline.monitoring.workflow import State
from bottomline.regions.models import Level, Region
from bottomline.registry.choices import HouseholdType, IncomeKind, Program
from bottomline.registry.models import Household, Member
from bottomline.registry.programs import ProgramEntry, program_incomes_post
from bottomline.registry.services import members_set

WAGE_MAX = Decimal("999999.99")
GRANT_MAX = Decimal("100000")
MONTHS_MAX = 36
# The states of a case whose household is a monitoring object (监测对象) not yet marked risk eliminated.
MONITORED = (State.MONITORED, State.ELIM_APPRAISAL, State.ELIM_NOTICE, State.ELIM_APPROVAL)


# -- Workshops ------------------------------------------------------------------------------------------------


@transaction.atomic
def workshop_save(
    *,
    actor: User,
    workshop_id: int | None = None,
    name: str,
    kind: str,
    village_code: str,
    relocation_site: bool,
    employer: str,
    capacity: int,
    opened: date,
    closed: date | None = None,
) -> Workshop:
    """Register a workshop, or change one (``workshop_id``), in a village of the actor's region."""
    if workshop_id is None:
        gate.require(actor, Workshop, "add")
        workshop = Workshop()
    else:
        workshop = gate.access(Workshop.objects.select_for_update(), actor, action="change", pk=workshop_id)
    village = gate.restrict(Region.objects.filter(code=village_code, level=Level.VILLAGE), actor).first()
    errors: dict[str, list[str]] = defaultdict(list)
    if village is None:
        errors["village_code"].append(_("Choose a village of your region."))
    if kind not in WorkshopKind.values:
        errors["kind"].append(_("Choose one of the kinds."))
    if not name.strip():
        errors["name"].append(_("This field is required."))
    if not employer.strip():
        errors["employer"].append(_("This field is required."))
    if capacity < 1 or capacity > 100000:
        errors["capacity"].append(
            _("Enter a whole number from %(low)d to %(high)d.") % {"low": 1, "high": 100000}
        )
    if closed is not None and closed < opened:
        errors["closed"].append(_("A workshop closes after it opens."))
    if errors or village is None:
        raise ValidationError(dict(errors))
    workshop.name, workshop.kind, workshop.village = name.strip(), kind, village
    workshop.relocation_site, workshop.employer, workshop.capacity = (
        relocation_site,
        employer.strip(),
        capacity,
    )
    workshop.opened, workshop.closed = opened, closed
    with set_actor(actor):
        workshop.save()
    return workshop


# -- Jobs -----------------------------------------------------------------------------------------------------


def month_first(day: date) -> date:
    """The first day of the day's month."""
    return day.replace(day=1)


def months_by_year(start: date, months: int) -> dict[int, int]:
    """How many of the months from ``start`` fall in each calendar year."""
    out: dict[int, int] = defaultdict(int)
    index = start.year * 12 + start.month - 1
    for i in range(months):
        out[(index + i) // 12] += 1
    return dict(out)


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def job_source(job_id: int, year: int) -> str:
    """The income entry of a job's wages in one calendar year."""
    return f"employment.job:{job_id}:{year}"


def job_entries(job: Job) -> list[ProgramEntry]:
    """A job's wages as income entries: one per calendar year it covers, on the last day worked that year."""
    entries = []
    index = job.start.year * 12 + job.start.month - 1
    last = index + job.months - 1
    for year, count in sorted(months_by_year(job.start, job.months).items()):
        final = min(last, year * 12 + 11)
        entries.append(
            ProgramEntry(
                source=job_source(job.pk, year),
                household_id=job.household_id,
                member_id=job.member_id,
                program=Program.EMPLOYMENT,
                kind=IncomeKind.WAGE,
                on=_last_day(final // 12, final % 12 + 1),
                amount=job.monthly_wage * count,
            )
        )
    return entries


def months_worked(jobs: Iterable[Job]) -> int | None:
    """A member's 务工时间: the months their jobs cover in the latest calendar year any covers (at most 12);
    None without a job (the archive's value is left as it is)."""
    per_year: dict[int, int] = defaultdict(int)
    for job in jobs:
        for year, count in months_by_year(job.start, job.months).items():
            per_year[year] += count
    if not per_year:
        return None
    return min(per_year[max(per_year)], 12)


@dataclass(frozen=True)
class JobInput:
    """What one job is: for a new job ``job_id`` is None."""

    member_id: int
    place: str
    start: date
    months: int
    monthly_wage: Decimal
    workshop_id: int | None = None
    employer: str = ""
    job_id: int | None = None


def job_check(value: JobInput, *, workshops: dict[int, Workshop]) -> dict[str, list[str]]:
    """The problems of one job's values, by field (the member and region are checked by the caller)."""
    errors: dict[str, list[str]] = defaultdict(list)
    if value.workshop_id is not None and value.workshop_id not in workshops:
        errors["workshop"].append(_("No such workshop in your region."))
    if value.workshop_id is None and not value.employer.strip():
        errors["employer"].append(_("Give the employer, or choose a workshop."))
    if value.place not in Place.values:
        errors["place"].append(_("Choose where the member works."))
    elif value.workshop_id is not None and value.place != Place.LOCAL:
        errors["place"].append(_("A workshop is in the county: the job is local."))
    if not 1 <= value.months <= MONTHS_MAX:
        errors["months"].append(
            _("Enter a whole number from %(low)d to %(high)d.") % {"low": 1, "high": MONTHS_MAX}
        )
    wage = Decimal(value.monthly_wage)
    if not wage.is_finite() or wage < 0 or wage > WAGE_MAX or wage != wage.quantize(Decimal("0.01")):
        errors["monthly_wage"].append(_("Enter a monthly wage from 0 to 999,999.99 yuan, to the fen."))
    if not date(2000, 1, 1) <= value.start <= date(2100, 12, 31):
        errors["start"].append(_("Enter a month such as 2026-03."))
    return errors


@transaction.atomic
def jobs_save(*, actor: User, values: Sequence[JobInput], action: str = "change") -> list[Job]:
    """Record (or correct) jobs in one set: every value is checked first and a ValidationError (keyed by the
    value's position, "<i>:<field>") writes none; then the wages are posted to the households' income, the members'
    months worked are set and each household is screened once."""
    gate.require(actor, Job, action)
    member_ids = sorted({v.member_id for v in values})
    members = {
        m.pk: m
        for m in gate.restrict(
            Member.objects.filter(pk__in=member_ids, household__isnull=False), actor, "change"
        )
    }
    workshop_ids = sorted({v.workshop_id for v in values if v.workshop_id is not None})
    workshops = {w.pk: w for w in gate.restrict(Workshop.objects.filter(pk__in=workshop_ids), actor)}
    job_ids = sorted({v.job_id for v in values if v.job_id is not None})
    existing = {
        j.pk: j
        for j in gate.restrict(Job.objects.filter(pk__in=job_ids), actor, "change").select_for_update()
    }
    errors: dict[str, list[str]] = {}
    for i, value in enumerate(values):
        problems = job_check(value, workshops=workshops)
        if value.member_id not in members:
            problems["member"].append(_("Not in your region, or no longer registered."))
        if value.job_id is not None and value.job_id not in existing:
            problems["job"].append(_("Not in your region, or no longer registered."))
        for name, messages in problems.items():
            errors[f"{i}:{name}"] = messages
    if errors:
        raise ValidationError(errors)
    old_sources: set[str] = set()
    saved: list[Job] = []
    with set_actor(actor):
        for value in values:
            job = existing[value.job_id] if value.job_id is not None else Job(recorded_by=actor)
            if job.pk is not None:
                old_sources |= {job_source(job.pk, y) for y in months_by_year(job.start, job.months)}
            member = members[value.member_id]
            job.member, job.household_id = member, cast(int, member.household_id)  # filtered not null
            job.workshop = workshops.get(value.workshop_id) if value.workshop_id is not None else None
            job.employer = job.workshop.employer if job.workshop is not None else value.employer.strip()
            job.place, job.start, job.months = value.place, month_first(value.start), value.months
            job.monthly_wage = Decimal(value.monthly_wage)
            job.save()
            saved.append(job)
    _effects(actor, jobs=saved, members={j.member_id for j in saved}, withdraw=old_sources)
    return saved


def job_save(*, actor: User, value: JobInput) -> Job:
    """Record (or correct) one job; a ValidationError names the fields at fault, and a member outside the actor's
    region does not exist for them (404)."""
    gate.access(Member.objects.filter(household__isnull=False), actor, action="change", pk=value.member_id)
    try:
        return jobs_save(actor=actor, values=[value])[0]
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise ValidationError(
                {key.split(":", 1)[1]: messages for key, messages in exc.message_dict.items()}
            ) from None
        raise


@transaction.atomic
def job_delete(*, actor: User, job_id: int) -> None:
    """Remove a job recorded in error: its wages leave the household's income and the months are counted again."""
    job = gate.access(Job.objects.select_for_update(), actor, action="change", pk=job_id)
    sources = {job_source(job.pk, y) for y in months_by_year(job.start, job.months)}
    member_id = job.member_id
    with set_actor(actor):
        job.delete()
    _effects(actor, jobs=[], members={member_id}, withdraw=sources, households={job.household_id})


def _effects(
    actor: User,
    *,
    jobs: Sequence[Job],
    members: Collection[int],
    withdraw: Collection[str],
    households: Collection[int] = (),
) -> None:
    entries = [entry for job in jobs for entry in job_entries(job)]
    kept = {entry.source for entry in entries}
    touched = program_incomes_post(
        actor=actor, entries=entries, withdraw=sorted(set(withdraw) - kept), refresh=False
    )
    by_member: dict[int, list[Job]] = defaultdict(list)
    for job in Job.objects.filter(member_id__in=sorted(members)):
        by_member[job.member_id].append(job)
    changes: dict[int, dict[str, Any]] = {}
    for member_id in members:
        worked = months_worked(by_member[member_id])
        if worked is not None:
            changes[member_id] = {"months_worked": worked}
    if changes:
        touched |= members_set(actor=actor, changes=changes, refresh=False)
    households_refresh(set(touched) | set(households) | {job.household_id for job in jobs})


# -- Courses and trainees -------------------------------------------------------------------------------------


@transaction.atomic
def course_save(
    *,
    actor: User,
    course_id: int | None = None,
    name: str,
    kind: str,
    provider: str,
    region_code: str,
    start: date,
    end: date,
    hours: int,
    certificate: str = "",
) -> Course:
    """Register a course held by a region of the actor's (their own or one below), or change one."""
    if course_id is None:
        gate.require(actor, Course, "add")
        course = Course()
    else:
        course = gate.access(Course.objects.select_for_update(), actor, action="change", pk=course_id)
    region = gate.restrict(Region.objects.filter(code=region_code), actor).first()
    errors: dict[str, list[str]] = defaultdict(list)
    if region is None:
        errors["region_code"].append(_("Choose a region of yours."))
    if not name.strip():
        errors["name"].append(_("This field is required."))
    if not provider.strip():
        errors["provider"].append(_("This field is required."))
    if end < start:
        errors["end"].append(_("A course ends on or after its first day."))
    if not 1 <= hours <= 2000:
        errors["hours"].append(_("Enter a whole number from %(low)d to %(high)d.") % {"low": 1, "high": 2000})
    if errors or region is None:
        raise ValidationError(dict(errors))
    course.name, course.kind, course.provider, course.region = name.strip(), kind, provider.strip(), region
    course.start, course.end, course.hours, course.certificate = start, end, hours, certificate.strip()
    with set_actor(actor):
        course.save()
    return course


@transaction.atomic
def trainee_add(*, actor: User, course_id: int, member_id: int, certified: bool = False) -> Trainee:
    """Enrol a member of the actor's region on a course of theirs or of a region above theirs (a township officer
    enrols the township's people on the county's course); again: the certificate is updated. Audited."""
    gate.require(actor, Trainee, "add")
    course = courses_open(viewer=actor).filter(pk=course_id).first()
    if course is None:
        raise Http404("no such course")
    member = gate.access(Member.objects.filter(household__isnull=False), actor, action="change", pk=member_id)
    with set_actor(actor):
        trainee, _created = Trainee.objects.update_or_create(
            course=course,
            member=member,
            defaults={
                "household_id": cast(int, member.household_id),
                "certified": certified,
            },  # filtered: set
        )
    return trainee


@transaction.atomic
def trainee_remove(*, actor: User, trainee_id: int) -> None:
    """Take a member off a course (enrolled in error)."""
    trainee = gate.access(Trainee.objects.all(), actor, action="change", pk=trainee_id)
    with set_actor(actor):
        trainee.delete()


# -- Rain and Dew grants ----------------------------------------------------------------------------------------


def grant_source(grant_id: int) -> str:
    """The income entry of a grant."""
    return f"employment.grant:{grant_id}"


@transaction.atomic
def grant_save(
    *,
    actor: User,
    grant_id: int | None = None,
    member_id: int,
    school: str,
    level: str,
    term: str,
    amount: Decimal,
    paid_on: date,
) -> Grant:
    """Record (or correct) a Rain and Dew grant for a student of a registered household (lifted out, or a
    monitoring object not yet risk eliminated); it becomes the household's transfer income on ``paid_on``."""
    if grant_id is None:
        gate.require(actor, Grant, "add")
        grant = Grant(recorded_by=actor)
    else:
        grant = gate.access(Grant.objects.select_for_update(), actor, action="change", pk=grant_id)
    member = gate.access(
        Member.objects.filter(household__isnull=False).select_related("household"),
        actor,
        action="change",
        pk=member_id,
    )
    household = cast(Household, member.household)  # filtered not null
    errors: dict[str, list[str]] = defaultdict(list)
    monitored = Case.objects.filter(household=household, state__in=MONITORED).exists()
    if household.household_type != HouseholdType.LIFTED and not monitored:
        errors["member"].append(
            _("Rain and Dew grants are for students of lifted-out households and of monitoring objects.")
        )
    amount = Decimal(amount)
    if (
        not amount.is_finite()
        or amount <= 0
        or amount > GRANT_MAX
        or amount != amount.quantize(Decimal("0.01"))
    ):
        errors["amount"].append(_("Enter an amount from 0.01 to 100,000 yuan, to the fen."))
    if not school.strip():
        errors["school"].append(_("This field is required."))
    if not term.strip():
        errors["term"].append(_("This field is required."))
    duplicate = Grant.objects.filter(member=member, term=term.strip()).exclude(pk=grant.pk).exists()
    if duplicate:
        errors["term"].append(_("This student already has a grant for this term."))
    if errors:
        raise ValidationError(dict(errors))
    grant.member, grant.household = member, household
    grant.school, grant.level, grant.term = school.strip(), level, term.strip()
    grant.amount, grant.paid_on = amount, paid_on
    with set_actor(actor):
        grant.save()
    entry = ProgramEntry(
        source=grant_source(grant.pk),
        household_id=household.pk,
        member_id=member.pk,
        program=Program.RAIN_DEW,
        kind=IncomeKind.TRANSFER,
        on=paid_on,
        amount=amount,
    )
    program_incomes_post(actor=actor, entries=[entry])
    return grant


@transaction.atomic
def grant_delete(*, actor: User, grant_id: int) -> None:
    """Remove a grant recorded in error: its money leaves the household's income."""
    grant = gate.access(Grant.objects.select_for_update(), actor, action="change", pk=grant_id)
    source = grant_source(grant.pk)
    with set_actor(actor):
        grant.delete()
    program_incomes_post(actor=actor, withdraw=[source])
