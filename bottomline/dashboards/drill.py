"""The households behind a dashboard figure (drill-through): the same households the figure counts, found by the
same rule (dashboards.compute.case_contributions and the income buckets), through the region gate, masked.

A figure counted in households lists households; one counted in people lists the members of those households;
a ratio lists what its numerator counts (the elimination rate: the households whose risk was eliminated), a mean
of days the cases it averages. Discovery figures (feed rows, alerts) and measures count no households and have no
list. Each row is one unit counted: a household with two counted cases stands there twice, as it counts twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from django.db.models import Count
from django.http import Http404
from django.utils import timezone

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.reads import read_note
from bottomline.dashboards.compute import (
    DRILL_PARTS,
    PEOPLE_PARTS,
    Period,
    figures_drill,
    month_end,
    month_period,
    month_start,
)
from bottomline.dashboards.indicators import BY_CODE, INDICATORS, Indicator
from bottomline.dashboards.models import VillageMonth
from bottomline.regions.models import Region
from bottomline.regions.selectors import region_get
from bottomline.registry.choices import Relation
from bottomline.registry.models import Household, Member


def _drill_part(indicator: Indicator) -> tuple[str, bool] | None:
    """The household part listed for an indicator, and whether it counts people (their members)."""
    for parts in (indicator.numerator, indicator.denominator):
        if len(parts) != 1:
            continue
        part = parts[0]
        if part in PEOPLE_PARTS:
            return PEOPLE_PARTS[part], True
        if part in DRILL_PARTS:
            return part, False
    return None


# Every indicator that has households behind it: code -> (household part, counts people).
DRILLS: dict[str, tuple[str, bool]] = {
    i.code: found for i in INDICATORS if (found := _drill_part(i)) is not None
}


@dataclass(frozen=True)
class Drill:
    """A figure's households (one id per unit counted) for a region and period."""

    region: Region
    indicator: Indicator
    part: str
    people: bool
    period: Period
    live: bool  # as of a past day inside a month (the figure itself is computed live then)
    households: list[int]
    viewer: User  # whose gate the rows pass as they are read

    @cached_property
    def members(self) -> dict[int, int]:
        """The number of members of each listed household (one query, once: the count and a page of people both
        read it)."""
        return member_counts(self.households)

    def count(self) -> int:
        """Rows the list has: households, or their members when the figure counts people."""
        if not self.people:
            return len(self.households)
        return sum(self.members.get(pk, 0) for pk in self.households)


def member_counts(ids: list[int]) -> dict[int, int]:
    """The number of members of each household (one query)."""
    rows = (
        Member.objects.filter(household_id__in=set(ids))
        .values_list("household_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {int(pk): int(n) for pk, n in rows}


def drill_period(*, month: date | None, on: date | None, year_to_date: bool) -> tuple[Period, bool]:
    """The period a figure covers, as the dashboard reads it (selectors.region_figures): a past day inside a
    month from the month's first day, a month up to its end (or today); from January for year-to-date figures."""
    today = timezone.localdate()
    if on is not None and on < today and on != month_end(month_start(on)):
        period, live = Period(month_start(on), on), True
    else:
        period, live = month_period(month_start(on or month or today), today), False
    if year_to_date:
        period = Period(period.start.replace(month=1), period.end)
    return period, live


def figure_households(
    *, viewer: User, region_code: str, indicator: str, month: date | None = None, on: date | None = None
) -> Drill:
    """The households (or people) behind one figure of a region: 403 for a role that reads no figures or no
    households, 404 outside the viewer's region or for a figure without households."""
    gate.require(viewer, VillageMonth, "view")
    gate.require(viewer, Household, "view")
    region = region_get(viewer=viewer, code=region_code)
    if indicator not in DRILLS:
        raise Http404
    part, people = DRILLS[indicator]
    found = BY_CODE[indicator]
    period, live = drill_period(month=month, on=on, year_to_date=found.year_to_date)
    # Inside the region the gate let the viewer open; the gate again on every row as it is read for showing
    # (``household_rows``, ``person_rows``), not here on every household counted (3.7 s at a province of 10
    # counties for a list of all its households with an income).
    ids = figures_drill(bounds=region.bounds, period=period, part=part)
    read_note(what="registry.household", region=region, rows=len(ids))
    return Drill(region, found, part, people, period, live, ids, viewer)


@dataclass(frozen=True)
class HouseholdRow:
    """One household of the list, masked: number, village, head's name and masked ID number, members."""

    pk: int
    number: str
    village_code: str
    village: str
    head: str
    head_id: str
    people: int


@dataclass(frozen=True)
class PersonRow:
    """One member of a listed household, masked: the ID number masked and the age, never the birth date."""

    household_pk: int
    number: str
    village: str
    name: str
    id_number: str
    sex: str
    age: int
    relation: str


def _households(ids: list[int], viewer: User) -> dict[int, Household]:
    """The households of ``ids`` the viewer may see, with their villages."""
    found = gate.restrict(Household.objects.filter(pk__in=set(ids)), viewer).select_related("village")
    return {h.pk: h for h in found}


def household_rows(ids: list[int], viewer: User) -> list[HouseholdRow]:
    """The rows for some listed households (a page of them) the viewer may see, in the given order (two
    queries)."""
    households = _households(ids, viewer)
    heads: dict[int, Member] = {}
    people: dict[int, int] = defaultdict(int)
    for m in Member.objects.filter(household_id__in=set(ids)).order_by("id"):
        if m.household_id is None:  # cannot happen (filtered on it); keeps the type checker informed
            continue
        people[m.household_id] += 1
        if m.relation == Relation.HEAD and m.household_id not in heads:
            heads[m.household_id] = m
    rows = []
    for pk in ids:
        h = households.get(pk)
        if h is None:
            continue
        head = heads.get(pk)
        rows.append(
            HouseholdRow(
                pk,
                h.number,
                h.village.code,
                h.village.name,
                head.name if head else "",
                head.id_number_masked if head else "",
                people[pk],
            )
        )
    return rows


def person_rows(ids: list[int], viewer: User) -> list[PersonRow]:
    """The members of the listed households the viewer may see (each as often as its household is listed),
    household by household (two queries)."""
    households = _households(ids, viewer)
    members: dict[int, list[Member]] = defaultdict(list)
    for m in Member.objects.filter(household_id__in=set(ids)).order_by("id"):
        if m.household_id is not None:  # always (filtered on it); keeps the type checker informed
            members[m.household_id].append(m)
    rows = []
    for pk in ids:
        h = households.get(pk)
        if h is None:
            continue
        for m in members[pk]:
            rows.append(
                PersonRow(
                    pk,
                    h.number,
                    h.village.name,
                    m.name,
                    m.id_number_masked,
                    m.get_sex_display(),
                    m.age,
                    m.get_relation_display(),
                )
            )
    return rows


def person_page(drill: Drill, start: int, stop: int) -> list[PersonRow]:
    """Rows ``start`` to ``stop`` of the people list: only the households that fill them are read."""
    counts = drill.members
    seen = 0
    page: list[int] = []
    skip = 0
    for pk in drill.households:
        n = counts.get(pk, 0)
        if n and seen + n > start and seen < stop:
            if not page:
                skip = start - seen
            page.append(pk)
        seen += n
        if seen >= stop:
            break
    return person_rows(page, drill.viewer)[skip : skip + stop - start]
