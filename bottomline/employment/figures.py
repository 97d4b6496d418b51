"""The dashboard figures of employment and training (registry.programs.ProgramFigures), as of a date: stocks
on the period's last day, flows within the period, from the days recorded (a job's months, a course's last day,
a grant's payment day), never from when they were entered."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import cast

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bottomline.employment.models import MIGRANT, Grant, Job, Place, Trainee, Workshop
from bottomline.registry.programs import ProgramFigure, ProgramFigures, Where

# The sources are shown on the indicator catalogue in the reader's language (a lazy text; docs in English).
SOURCE_JOBS = cast(str, _("employment records; seed 004: 19,602 labourers transferred out"))
SOURCE_WORKSHOPS = cast(str, _("domain.md §3.6 (workshops)"))
SOURCE_TRAINING = cast(str, _("seed 004: 20,165 person-times trained"))
SOURCE_GRANTS = cast(str, _("domain.md §3.7 (Rain and Dew grants)"))

FIGURES_LIST = (
    ProgramFigure(
        "employment_hh", "Households with a member at work", "有务工人员的户数", "households", "stock",
        SOURCE_JOBS, "a household with a member whose job covers the month of the day",
    ),
    ProgramFigure(
        "employment_hh_local", "Households with a member at work in the county", "有县内务工人员的户数",
        "households", "stock", SOURCE_JOBS, "a household with a member working in the county that month",
    ),
    ProgramFigure(
        "employment_hh_migrant", "Households with a migrant worker", "有外出务工人员的户数", "households",
        "stock", SOURCE_JOBS, "a household with a member working outside the county that month",
    ),
    ProgramFigure(
        "employment_people_local", "People at work in the county", "县内就业人数", "people", "stock",
        SOURCE_JOBS, "a member whose job in the county covers the month of the day",
        households_of="employment_hh_local",
    ),
    ProgramFigure(
        "employment_people_migrant", "People at work outside the county", "转移就业人数", "people",
        "stock", SOURCE_JOBS, "a member whose job elsewhere in the province or outside it covers the month",
        households_of="employment_hh_migrant",
    ),
    ProgramFigure(
        "employment_months", "Months worked", "务工月数", "months", "flow", SOURCE_JOBS,
        "one month of one job that falls in the period",
    ),
    ProgramFigure(
        "employment_workshops", "Workshops open", "帮扶车间数", "workshops", "stock", SOURCE_WORKSHOPS,
        "a workshop opened on or before the day and not closed by it",
    ),
    ProgramFigure(
        "training_person_times", "Person-times trained", "培训人次", "person-times", "flow", SOURCE_TRAINING,
        "one member on one course whose last day falls in the period",
    ),
    ProgramFigure(
        "training_hh", "Households with a member trained", "有培训人员的户数", "households", "stock",
        SOURCE_TRAINING, "a household with a member on a course that ended on or before the day",
    ),
    ProgramFigure(
        "training_grants_yuan", "Rain and Dew grants paid (yuan)", "雨露计划补助金额（元）", "yuan", "flow",
        SOURCE_GRANTS, "one yuan of a grant paid in the period (rounded per village)",
    ),
)  # fmt: skip
HOUSEHOLD_PARTS = ("employment_hh", "employment_hh_local", "employment_hh_migrant", "training_hh")


def _index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _jobs_at_work(where: Where, end: date) -> list[tuple[str, str, int, int, str]]:
    """(village, household number, household id, member id, place) of each job that covers the month of ``end``."""
    month = end.replace(day=1)
    found: list[tuple[str, str, int, int, str]] = []
    for q in where("household__village__code"):
        found += Job.objects.filter(q, start__lte=month, last__gte=month).values_list(
            "household__village__code", "household__number", "household_id", "member_id", "place"
        )
    return found


def _job_q(part: str) -> set[str]:
    if part == "employment_hh_local":
        return {Place.LOCAL}
    if part == "employment_hh_migrant":
        return set(MIGRANT)
    return set(Place.values)


def compute(where: Where, start: date, end: date) -> dict[str, dict[str, int]]:
    """Each village's parts for the period from ``start`` to ``end``."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys((f.part for f in FIGURES_LIST), 0))
    households: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    people: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for village, _number, household, member, place in _jobs_at_work(where, end):
        kind = "local" if place == Place.LOCAL else "migrant"
        households[village]["employment_hh"].add(household)
        households[village][f"employment_hh_{kind}"].add(household)
        people[village][f"employment_people_{kind}"].add(member)
    first, last = _index(start), _index(end)
    for q in where("household__village__code"):
        rows = Job.objects.filter(q, start__lte=end, last__gte=start.replace(day=1)).values_list(
            "household__village__code", "start", "months"
        )
        for village, begun, months in rows:
            b = _index(begun)
            out[village]["employment_months"] += max(0, min(b + months - 1, last) - max(b, first) + 1)
    for q in where("village__code"):
        open_ = Workshop.objects.filter(q, opened__lte=end).filter(Q(closed__isnull=True) | Q(closed__gt=end))
        for village in open_.values_list("village__code", flat=True):
            out[village]["employment_workshops"] += 1
    for q in where("household__village__code"):
        trained = Trainee.objects.filter(q, course__end__lte=end).values_list(
            "household__village__code", "household_id", "course__end"
        )
        for village, household, ended in trained:
            households[village]["training_hh"].add(household)
            if ended >= start:
                out[village]["training_person_times"] += 1
        paid = Grant.objects.filter(q, paid_on__range=(start, end)).values_list(
            "household__village__code", "amount"
        )
        sums: dict[str, float] = defaultdict(float)
        for village, amount in paid:
            sums[village] += float(amount)
        for village, total in sums.items():
            out[village]["training_grants_yuan"] += round(total)
    for village, parts in households.items():
        for part, ids in parts.items():
            out[village][part] = len(ids)
    for village, parts in people.items():
        for part, ids in parts.items():
            out[village][part] = len(ids)
    return {village: row for village, row in out.items() if any(row.values())}


def drill(where: Where, start: date, end: date, part: str) -> list[tuple[str, str, int]]:
    """(village, household number, household id) of each household a household part counts, once each."""
    found: set[tuple[str, str, int]] = set()
    if part.startswith("employment_hh"):
        places = _job_q(part)
        for village, number, household, _member, place in _jobs_at_work(where, end):
            if place in places:
                found.add((village, number, household))
    elif part == "training_hh":
        for q in where("household__village__code"):
            found.update(
                Trainee.objects.filter(q, course__end__lte=end).values_list(
                    "household__village__code", "household__number", "household_id"
                )
            )
    else:
        raise ValueError(f"no households behind {part!r}")
    return sorted(found)


FIGURES = ProgramFigures(
    figures=FIGURES_LIST, compute=compute, drill=drill, title=_("Employment and training")
)
