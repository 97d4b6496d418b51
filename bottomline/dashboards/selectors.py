"""Reading region figures through the region gate: one region, its children, its trend, "as of" any day.

Figures come from the per-month rows of the region itself (dashboards.models.RegionMonth above the villages,
VillageMonth for a village), a few dozen rows and a constant number of queries at any level. "As of" a past day:

- the end of a month (or today, or later): the stored month row, whose stocks stand as of that month's end
  (today for the current month) and whose flows cover the month;
- any other past day: stocks as of the end of that day (the state each case had then, as
  monitoring.selectors.cases_as_of reads it) and flows from the first of that month to that day; year-to-date
  flows add the stored earlier months of the year. A county and every region above it read the day's stored row
  (RegionDay, written nightly for the days just past); a township, a village, and a day not stored are computed
  live from the records over the region's one code range (dashboards.compute.figures_compute_range): the same
  dozen queries for a village as for a province, but they read every case and income record of the region
  (issue #16 item 4).

``naive_region_figures`` computes the parts of one month with plain ORM aggregates over cases, households and
measures: the baseline of the W3 benchmark and a cross-check of the pre-aggregate in the tests.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.dashboards.compute import (
    MONITORED,
    OBJECTS,
    Period,
    figures_compute_range,
    figures_compute_ranges,
    in_effect_q,
    month_end,
    month_period,
    month_start,
    months_back,
    people_count,
)
from bottomline.dashboards.indicators import FLOW_PARTS, PART_NAMES, indicator_values
from bottomline.dashboards.models import RegionDay, RegionMonth, VillageMonth
from bottomline.dashboards.programs import FIGURES as PROGRAM_FIGURES
from bottomline.dashboards.programs import PROGRAMS
from bottomline.feeds.models import FeedRecord
from bottomline.monitoring.models import Category, Channel, Measure, MeasureKind, Signal
from bottomline.monitoring.selectors import cases_as_of
from bottomline.monitoring.workflow import IDENTIFICATION, State
from bottomline.policy.selectors import parameters_for
from bottomline.regions.models import Level, Region, subtree_bounds
from bottomline.regions.selectors import region_get
from bottomline.registry.choices import RiskType
from bottomline.registry.models import IncomeRecord


@dataclass(frozen=True)
class Figures:
    """A region's figures for one period: the summed parts and every indicator computed from them."""

    code: str
    name: str
    level: int
    month: date  # the first day of the period's month
    as_of: date  # stocks as they stood at the end of this day
    live: bool  # computed from the records now, not read from the stored rows
    parts: dict[str, int]
    values: Mapping[str, float | int | None]  # computed when read (indicators.IndicatorValues)


def _region(viewer: User, region_code: str) -> Region:
    """The region, when it lies in the viewer's subtree (403 for a role that reads no figures, 404 outside)."""
    gate.require(viewer, VillageMonth, "view")
    return region_get(viewer=viewer, code=region_code)


def _rows(viewer: User, region: Region) -> QuerySet[VillageMonth] | QuerySet[RegionMonth]:
    """The region's own rows (through the gate: never outside the viewer's subtree)."""
    if region.level >= Level.VILLAGE:
        return gate.restrict(VillageMonth.objects.all(), viewer).filter(village=region.code)
    return gate.restrict(RegionMonth.objects.all(), viewer).filter(code=region.code)


def _children_sums(viewer: User, level: int, codes: list[str], first: date) -> dict[str, dict[str, Any]]:
    """The month's and year-to-date sums of each child region, by code (the unique (code, month) index serves)."""
    months = (first.replace(month=1), first)
    if level >= Level.VILLAGE:
        villages = gate.restrict(VillageMonth.objects.all(), viewer).filter(
            village__in=codes, month__range=months
        )
        rows: Iterable[tuple[Any, ...]] = villages.values_list("village", "month", *PART_NAMES)
    else:
        regions = gate.restrict(RegionMonth.objects.all(), viewer).filter(code__in=codes, month__range=months)
        rows = regions.values_list("code", "month", *PART_NAMES)
    by_code: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        by_code[str(row[0])].append(row[1:])
    return {code: _sums(found, first) for code, found in by_code.items()}


# The rows of a region's months are few (one per month), so they are summed here: an aggregate per part and
# period costs Django more to compile than the database takes to run it.
_FLOW_AT = [(i, p) for i, p in enumerate(PART_NAMES) if p in FLOW_PARTS]


def _sums(rows: Iterable[tuple[Any, ...]], first: date) -> dict[str, Any]:
    """From (month, *parts) rows of January … ``first``: the month's parts and year-to-date flow parts."""
    sums: dict[str, Any] = dict.fromkeys(PART_NAMES, 0) | {f"ytd_{p}": 0 for p in FLOW_PARTS}
    for month, *values in rows:
        if month == first:
            for name, value in zip(PART_NAMES, values, strict=True):
                sums[name] += value
        for i, name in _FLOW_AT:
            sums[f"ytd_{name}"] += values[i]
    return sums


def _figures(region: Region, first: date, as_of: date, sums: dict[str, Any], live: bool = False) -> Figures:
    parts = {p: int(sums.get(p) or 0) for p in PART_NAMES}
    values = indicator_values({**parts, **{k: v for k, v in sums.items() if k.startswith("ytd_")}})
    return Figures(region.code, region.name, region.level, first, as_of, live, parts, values)


def _stored_as_of(first: date, today: date) -> date:
    return month_period(first, today).end


def region_figures(
    *, viewer: User, region_code: str, month: date | None = None, on: date | None = None
) -> Figures:
    """A region's figures for a month (any day of it; the current month by default), or as of a past day
    ``on`` (the stored month row at a month's end, computed live on any other day)."""
    return _region_figures(viewer, _region(viewer, region_code), month, on)


def _region_figures(viewer: User, region: Region, month: date | None, on: date | None) -> Figures:
    today = timezone.localdate()
    if on is not None and on < today and on != month_end(month_start(on)):
        return _as_of_day(viewer, region, on)
    first = month_start(on or month or today)
    rows = _rows(viewer, region).filter(month__range=(first.replace(month=1), first))
    sums = _sums(rows.values_list("month", *PART_NAMES), first)
    return _figures(region, first, _stored_as_of(first, today), sums)


def _as_of_day(viewer: User, region: Region, on: date) -> Figures:
    """Stocks as of the end of ``on`` and flows from the first of its month: stored or computed
    (``_day_parts``)."""
    first = month_start(on)
    parts, live = _day_parts(viewer, region, on)
    earlier = (
        _rows(viewer, region)
        .filter(month__gte=first.replace(month=1), month__lt=first)
        .aggregate(**{f"m_{p}": Sum(p) for p in FLOW_PARTS})
    )
    sums: dict[str, Any] = {
        **parts,
        **{f"ytd_{p}": parts[p] + int(earlier[f"m_{p}"] or 0) for p in FLOW_PARTS},
    }
    return _figures(region, first, on, sums, live=live)


def _day_parts(viewer: User, region: Region, on: date) -> tuple[dict[str, int], bool]:
    """A region's parts as of a past day, and whether any was computed live. A county or a region above it
    reads its stored row (dashboards.models.RegionDay); above a county without one, the stored rows of its
    counties are summed and only the counties without one are computed (a step dated in the past removes one
    county's days and its parents'); a township, a village, or a day with no county stored: computed from the
    records over the region's code range."""
    period = Period(month_start(on), on)
    if region.level > Level.COUNTY:
        return figures_compute_range(bounds=region.bounds, period=period), True
    days = gate.restrict(RegionDay.objects.all(), viewer).filter(day=on)
    own = days.filter(code=region.code).values_list(*PART_NAMES).first()
    if own is not None:
        return dict(zip(PART_NAMES, own, strict=True)), False
    stored = {}
    if region.level < Level.COUNTY:
        rows = days.filter(level=Level.COUNTY, code__range=region.bounds).values_list("code", *PART_NAMES)
        stored = {code: dict(zip(PART_NAMES, parts, strict=True)) for code, *parts in rows}
    if not stored:
        return figures_compute_range(bounds=region.bounds, period=period), True
    missing = (
        Region.objects.filter(level=Level.COUNTY, code__range=region.bounds)
        .exclude(code__in=list(stored))
        .values_list("code", flat=True)
    )
    ranges = [subtree_bounds(code, Level.COUNTY) for code in missing]
    found = [figures_compute_ranges(ranges=ranges, period=period)] if ranges else []
    return {p: sum(row[p] for row in [*stored.values(), *found]) for p in PART_NAMES}, bool(ranges)


def region_children_figures(*, viewer: User, region_code: str, month: date | None = None) -> list[Figures]:
    """The figures of each child region (the level below) for a month, in code order; none for a village."""
    return _children_figures(viewer, _region(viewer, region_code), month)


def _children_figures(viewer: User, region: Region, month: date | None) -> list[Figures]:
    if region.level >= Level.VILLAGE:
        return []
    level = Level(region.level + 1)
    today = timezone.localdate()
    first = month_start(month or today)
    children = list(
        Region.objects.filter(level=level, code__range=region.bounds, valid_to__isnull=True).order_by("code")
    )
    grouped = _children_sums(viewer, level, [c.code for c in children], first)
    as_of = _stored_as_of(first, today)
    return [_figures(child, first, as_of, grouped.get(child.code, {})) for child in children]


def region_trend(
    *, viewer: User, region_code: str, month: date | None = None, months: int = 24
) -> list[Figures]:
    """A region's figures for each of ``months`` months ending with ``month`` (the current one by default)."""
    return _trend(viewer, _region(viewer, region_code), month, months)


def _trend(viewer: User, region: Region, month: date | None, months: int) -> list[Figures]:
    today = timezone.localdate()
    firsts = months_back(month_start(month or today), months)
    rows = {
        row[0]: row[1:]
        for row in _rows(viewer, region)
        .filter(month__range=(firsts[0].replace(month=1), firsts[-1]))
        .values_list("month", *PART_NAMES)
    }
    trend: list[Figures] = []
    ytd: dict[str, int] = defaultdict(int)
    year = None
    for first in sorted({*rows, *firsts}):
        if first.year != year:
            year, ytd = first.year, defaultdict(int)
        values = rows.get(first, (0,) * len(PART_NAMES))
        for i, name in _FLOW_AT:
            ytd[name] += values[i]
        if first in firsts:
            sums = {**dict(zip(PART_NAMES, values, strict=True)), **{f"ytd_{p}": ytd[p] for p in FLOW_PARTS}}
            trend.append(_figures(region, first, _stored_as_of(first, today), sums))
    return trend


@dataclass(frozen=True)
class Overview:
    """What a region's dashboard shows: the region, its figures, its children's and its trend."""

    region: Region
    figures: Figures
    children: list[Figures]
    trend: list[Figures]


def region_overview(
    *, viewer: User, region_code: str, month: date | None = None, on: date | None = None
) -> Overview:
    """``region_figures`` for a month or as of a day, with ``region_children_figures`` and ``region_trend``
    for the month shown, the region resolved once."""
    region = _region(viewer, region_code)
    figures = _region_figures(viewer, region, month, on)
    shown = figures.month
    return Overview(
        region, figures, _children_figures(viewer, region, shown), _trend(viewer, region, shown, 24)
    )


def _in_range(region: Region) -> Callable[[str], list[Q]]:
    """The ``where`` of a program's computation: one filter, the region's code range on the given path."""

    def where(path: str) -> list[Q]:
        return [Q(**{f"{path}__range": region.bounds})]

    return where


def naive_region_figures(*, viewer: User, region_code: str, month: date | None = None) -> Figures:
    """The parts of one month computed straight from cases, households, measures, incomes, feeds and signals
    with ORM aggregates (no pre-aggregate); year-to-date flows are this month's only."""
    region = _region(viewer, region_code)
    today = timezone.localdate()
    period = month_period(month_start(month or today), today)
    start, end = period.start, period.end
    params = parameters_for(region=region, on=end)  # a county's own (the benchmark and tests use one county)
    limit = int(params.get("identification_days", 15))
    in_region = Q(household__village__code__range=region.bounds)
    cases = cases_as_of(viewer=viewer, on=end).filter(in_region).annotate(people=Coalesce(people_count(), 0))
    objects, monitored = Q(state_then__in=OBJECTS), Q(state_then__in=MONITORED)
    eliminated = Q(state_then=State.ELIMINATED)
    overdue_since = timezone.make_aware(datetime.combine(end - timedelta(days=limit), time.min))
    aggregates: dict[str, Any] = {
        "objects_hh": Count("pk", filter=objects),
        "objects_people": Sum("people", filter=objects),
        "eliminated_cum_hh": Count("pk", filter=eliminated),
        "eliminated_cum_people": Sum("people", filter=eliminated),
        "monitored_hh": Count("pk", filter=monitored),
        "monitored_people": Sum("people", filter=monitored),
        "safety_net_hh": Count("pk", filter=monitored & Q(safety_net=True)),
        "safety_net_people": Sum("people", filter=monitored & Q(safety_net=True)),
        "leads_open": Count("pk", filter=Q(state_then__in=IDENTIFICATION)),
        "leads_overdue": Count("pk", filter=Q(state_then__in=IDENTIFICATION, opened_at__lt=overdue_since)),
        "identified_hh": Count("pk", filter=Q(identified_on__range=(start, end))),
        "identified_people": Sum("people", filter=Q(identified_on__range=(start, end))),
        "eliminated_hh": Count("pk", filter=Q(eliminated_on__range=(start, end))),
        "eliminated_people": Sum("people", filter=Q(eliminated_on__range=(start, end))),
    }
    for c in Category:
        aggregates[f"objects_hh_c{c.value}"] = Count("pk", filter=objects & Q(category=c.value))
        aggregates[f"objects_people_c{c.value}"] = Sum("people", filter=objects & Q(category=c.value))
    for r in RiskType:
        aggregates[f"objects_hh_risk_{r.value}"] = Count(
            "pk", filter=objects & Q(risk_types__icontains=f'"{r.value}"')
        )
    parts = {k: int(v or 0) for k, v in cases.aggregate(**aggregates).items()}

    measures = Measure.objects.filter(in_effect_q(end), case__household__village__code__range=region.bounds)
    kinds = dict(measures.values_list("kind").annotate(n=Count("pk")).order_by())
    for k in MeasureKind:
        parts[f"measures_{k.value}"] = int(kinds.get(k.value, 0))
    parts["covered_hh"] = cases.filter(monitored, Exists(measures.filter(case=OuterRef("pk")))).count()

    decided = 0
    days = 0
    in_time = 0
    for opened, decided_at in cases.filter(decided_at__date__range=(start, end)).values_list(
        "opened_at", "decided_at"
    ):
        n = (timezone.localtime(decided_at).date() - timezone.localtime(opened).date()).days
        decided, days, in_time = decided + 1, days + n, in_time + (n <= limit)
    parts |= {"decided": decided, "decided_days": days, "decided_in_time": in_time}

    line = params.get("monitoring_line")
    latest = Subquery(
        IncomeRecord.objects.filter(household=OuterRef("household"), period_end__lte=end)
        .order_by("-period_end", "-period_start")
        .values("pk")[:1]
    )
    incomes = (
        gate.restrict(IncomeRecord.objects.all(), viewer)
        .filter(in_region, period_end__lte=end)
        .annotate(latest=latest)
        .filter(pk=F("latest"))
    )
    if line is not None:
        counted = incomes.aggregate(
            n=Count("pk"),
            below=Count("pk", filter=Q(per_capita_net_income__lt=line)),
            above=Count("pk", filter=Q(per_capita_net_income__gte=line * 3 / 2)),
        )
    else:
        counted = {"n": 0, "below": 0, "above": 0}
    parts |= {
        "income_hh": counted["n"],
        "income_below": counted["below"],
        "income_above": counted["above"],
        "income_near": counted["n"] - counted["below"] - counted["above"],
    }
    since = timezone.make_aware(datetime.combine(start, time.min))
    until = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))
    parts["feed_records"] = FeedRecord.objects.filter(
        in_region, batch__committed_at__gte=since, batch__committed_at__lt=until
    ).count()
    channels = dict(
        Signal.objects.filter(
            lead__household__village__code__range=region.bounds, at__gte=since, at__lt=until
        )
        .values_list("channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for ch in Channel:
        parts[f"signals_{ch.value}"] = int(channels.get(ch.value, 0))
    # The programs' parts: each program's own computation over the region's code range, summed.
    parts |= dict.fromkeys((f.part for f in PROGRAM_FIGURES), 0)
    for program in PROGRAMS:
        for village_parts in program.compute(_in_range(region), start, end).values():
            for name, value in village_parts.items():
                parts[name] += value
    sums: dict[str, Any] = {**parts, **{f"ytd_{p}": parts[p] for p in FLOW_PARTS}}
    return _figures(region, period.start, end, sums, live=True)
