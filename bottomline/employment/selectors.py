"""Reads of workshops, jobs, courses, trainees and grants, always through the region gate (reads of personal
data noted for the audit trail, as the registry's selectors do)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.reads import read_note
from bottomline.employment.models import Course, Grant, Job, Place, Trainee, Workshop
from bottomline.regions.models import CODE_LENGTH, Region
from bottomline.registry.choices import Program
from bottomline.registry.models import Household
from bottomline.registry.programs import ProgramLine


def workshops(*, viewer: User, region: str = "") -> QuerySet[Workshop]:
    """The workshops of the viewer's region (or a region of it), with the jobs each has."""
    found = gate.restrict(Workshop.objects.select_related("village"), viewer)
    if region:
        found = found.filter(village__code__startswith=_prefix(region))
    return found.annotate(job_count=Count("jobs")).order_by("village__code", "name")


def workshop_get(*, viewer: User, workshop_id: int, action: str = "view") -> Workshop:
    """One workshop (404 outside the viewer's region)."""
    return gate.access(Workshop.objects.select_related("village"), viewer, action=action, pk=workshop_id)


def _prefix(code: str) -> str:
    """The code prefix of a region's subtree (a 12-digit code without its trailing zero levels)."""
    digits = code[:CODE_LENGTH]
    for size in (2, 4, 6, 9):
        if digits[size:] == "0" * (CODE_LENGTH - size):
            return digits[:size]
    return digits


def jobs(
    *,
    viewer: User,
    region: str = "",
    place: str = "",
    year: int | None = None,
    workshop_id: int | None = None,
) -> QuerySet[Job]:
    """The employment records of the viewer's region, newest first (an audited read of personal data)."""
    found = gate.restrict(Job.objects.select_related("member", "household__village", "workshop"), viewer)
    if region:
        found = found.filter(household__village__code__startswith=_prefix(region))
    if place:
        found = found.filter(place=place)
    if year is not None:
        found = found.filter(start__lte=date(year, 12, 31), last__gte=date(year, 1, 1))  # worked that year
    if workshop_id is not None:
        found = found.filter(workshop_id=workshop_id)
    read_note(what="employment.job", region=region or viewer.region)
    return found.order_by("-start", "id")


def job_get(*, viewer: User, job_id: int, action: str = "view") -> Job:
    """One employment record (404 outside the viewer's region)."""
    job = gate.access(
        Job.objects.select_related("member", "household__village", "workshop"),
        viewer,
        action=action,
        pk=job_id,
    )
    read_note(what="employment.job", region=job.household.village, rows=1)
    return job


@dataclass(frozen=True)
class RegionCount:
    """People at work in one region below the viewer's, by where they work (转移就业: away from the county)."""

    code: str
    name: str
    local: int
    province: int
    outside: int

    @property
    def migrant(self) -> int:
        return self.province + self.outside


def transfer_counts(*, viewer: User, on: date, region: str = "") -> list[RegionCount]:
    """Members at work on a day, by the regions one level below ``region`` (the viewer's by default) and place:
    the migrant labour transfer (转移就业) counts by region. A member counts once per place."""
    base = Region.objects.filter(code=region).first() if region else viewer.region
    if base is None:
        return []
    children = list(Region.objects.filter(parent=base).order_by("code").values_list("code", "name"))
    if not children:
        children = [(base.code, base.name)]
    length = len(_prefix(children[0][0])) if len(children) > 1 else CODE_LENGTH
    counts: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    month = on.replace(day=1)
    rows = (
        gate.restrict(Job.objects.filter(household__village__code__startswith=_prefix(base.code)), viewer)
        .filter(start__lte=month)
        .values_list("household__village__code", "place", "member_id", "start", "months")
    )
    for village, place, member_id, start, months in rows:
        if _covers(start, months, month):
            counts[village[:length]][place].add(member_id)
    return [
        RegionCount(
            code,
            name,
            len(counts[code[:length]][Place.LOCAL]),
            len(counts[code[:length]][Place.PROVINCE]),
            len(counts[code[:length]][Place.OUTSIDE]),
        )
        for code, name in children
    ]


def _covers(start: date, months: int, month: date) -> bool:
    """Whether a job from ``start`` for ``months`` months works in the month ``month`` (a first day)."""
    first = start.year * 12 + start.month - 1
    at = month.year * 12 + month.month - 1
    return first <= at < first + months


def members_at_work(member_ids: Iterable[int], on: date) -> set[int]:
    """Of the members given, those with a job that covers the month of ``on``: a count for another program's
    figures (relocated labour at work). No personal data leaves: the caller has scoped the members (its own
    gate) and shows only how many."""
    ids = sorted(set(member_ids))
    month = on.replace(day=1)
    found: set[int] = set()
    for start in range(0, len(ids), 1000):
        found.update(
            Job.objects.filter(member_id__in=ids[start : start + 1000], start__lte=month, last__gte=month)
            .values_list("member_id", flat=True)
            .distinct()
        )
    return found


def household_work(*, viewer: User, household: Household) -> dict[str, list[object]]:
    """A household's jobs, courses and grants (each gate-restricted): the household's employment page."""
    read_note(what="employment.job", region=household.village, rows=1)
    return {
        "jobs": list(
            gate.restrict(Job.objects.filter(household=household), viewer)
            .select_related("member", "workshop")
            .order_by("-start")
        ),
        "trainees": list(
            gate.restrict(Trainee.objects.filter(household=household), viewer)
            .select_related("member", "course")
            .order_by("-course__start")
        ),
        "grants": list(
            gate.restrict(Grant.objects.filter(household=household), viewer)
            .select_related("member")
            .order_by("-paid_on")
        ),
    }


def courses(*, viewer: User, region: str = "") -> QuerySet[Course]:
    """The courses held in the viewer's region, with their trainees counted."""
    found = gate.restrict(Course.objects.select_related("region"), viewer)
    if region:
        found = found.filter(region__code__startswith=_prefix(region))
    return found.annotate(trainee_count=Count("trainees")).order_by("-start", "name")


def _codes_above(code: str) -> list[str]:
    """The codes of the regions above a region (its county, prefecture and province, as far as there are)."""
    found = []
    for size in (2, 4, 6, 9):
        above = code[:size].ljust(CODE_LENGTH, "0")
        if above != code and above not in found and code[size:].strip("0"):
            found.append(above)
    return found


def courses_open(*, viewer: User) -> QuerySet[Course]:
    """The courses the viewer may enrol their region's people on: those held in their region, and those held by
    a region above it (the county's course, for the members of a township)."""
    own = gate.restrict(Course.objects.all(), viewer).values("pk")
    above = _codes_above(viewer.region.code)
    return Course.objects.filter(Q(pk__in=own) | Q(region__code__in=above)).select_related("region")


def course_get(*, viewer: User, course_id: int, action: str = "view") -> Course:
    """One course (404 outside the viewer's region)."""
    return gate.access(Course.objects.select_related("region"), viewer, action=action, pk=course_id)


def course_trainees(*, viewer: User, course: Course) -> list[Trainee]:
    """The course's trainees the viewer may see (members of their region)."""
    read_note(what="employment.trainee", region=course.region, rows=1)
    return list(
        gate.restrict(Trainee.objects.filter(course=course), viewer)
        .select_related("member", "household__village")
        .order_by("household__number", "member_id")
    )


def grants(*, viewer: User, region: str = "", year: int | None = None) -> QuerySet[Grant]:
    """The Rain and Dew grants of the viewer's region, newest first."""
    found = gate.restrict(Grant.objects.select_related("member", "household__village"), viewer)
    if region:
        found = found.filter(household__village__code__startswith=_prefix(region))
    if year is not None:
        found = found.filter(paid_on__year=year)
    read_note(what="employment.grant", region=region or viewer.region)
    return found.order_by("-paid_on", "id")


def grant_get(*, viewer: User, grant_id: int, action: str = "view") -> Grant:
    """One grant (404 outside the viewer's region)."""
    grant = gate.access(
        Grant.objects.select_related("member", "household__village"), viewer, action=action, pk=grant_id
    )
    read_note(what="employment.grant", region=grant.household.village, rows=1)
    return grant


def household_lines(viewer: User, household: Household, year: int) -> list[ProgramLine]:
    """The household page's lines: the year's jobs (months and where), courses, and grants' terms (the money
    itself is shown by program from the income entries)."""
    url = reverse("employment:household", kwargs={"pk": household.pk})
    lines: list[ProgramLine] = []
    first, last = date(year, 1, 1), date(year, 12, 31)
    places = dict(Place.choices)
    jobs_of = gate.restrict(Job.objects.filter(household=household, start__lte=last, last__gte=first), viewer)
    for job in jobs_of.select_related("member").order_by("start", "id"):
        what = _("%(name)s: %(employer)s, %(place)s, %(months)d months from %(start)s") % {
            "name": job.member.name,
            "employer": job.employer,
            "place": places.get(job.place, job.place),
            "months": job.months,
            "start": f"{job.start:%Y-%m}",
        }
        lines.append(ProgramLine(Program.EMPLOYMENT.label, what, None, url))
    trained = gate.restrict(
        Trainee.objects.filter(household=household, course__start__range=(first, last)), viewer
    )
    for trainee in trained.select_related("member", "course").order_by("course__start"):
        what = _("%(name)s: course %(course)s (%(hours)d hours)") % {
            "name": trainee.member.name,
            "course": trainee.course.name,
            "hours": trainee.course.hours,
        }
        lines.append(ProgramLine(_("Training"), what, None, url))
    granted = gate.restrict(Grant.objects.filter(household=household, paid_on__year=year), viewer)
    for grant in granted.select_related("member").order_by("paid_on"):
        what = _("%(name)s: %(school)s, term %(term)s") % {
            "name": grant.member.name,
            "school": grant.school,
            "term": grant.term,
        }
        lines.append(ProgramLine(Program.RAIN_DEW.label, what, None, url))
    return lines
