"""Computing the parts of every indicator for a set of villages and periods, from the records themselves.

Used by ``services.figures_refresh`` (a period is a month, as of its end) and by the "as of any day" reports
(``selectors.region_figures(on=...)``: a period from the first of the month to that day). One county at a time:
its cases and their step history are read once (two queries) and each period's state of every case is found
by bisecting its steps (the target of its last step recorded before the end of the day: the rule of
monitoring.selectors.cases_as_of); measures likewise. Incomes, feed rows and signals are counted per village in
SQL with GROUP BY, one query per period.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import Case as Case_
from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from bottomline.dashboards.indicators import PART_NAMES
from bottomline.dashboards.programs import BY_PART as PROGRAM_BY_PART
from bottomline.dashboards.programs import FIGURES as PROGRAM_FIGURES
from bottomline.dashboards.programs import PROGRAMS
from bottomline.feeds.models import FeedRecord
from bottomline.monitoring.models import Case, Category, Measure, MeasureStatus, Signal, Step
from bottomline.monitoring.workflow import ELIMINATION, IDENTIFICATION, State
from bottomline.policy.selectors import parameters_for_regions
from bottomline.regions.models import Level, Region
from bottomline.registry.choices import RiskType
from bottomline.registry.models import IncomeRecord, Member

# A county's approval makes a household a monitoring object (domain.md §1.5, step 5); the announcement that
# follows publishes it. Still monitored: not yet eliminated.
MONITORED = frozenset({State.ANNOUNCEMENT, State.MONITORED, *ELIMINATION})
OBJECTS = MONITORED | {State.ELIMINATED}
CHUNK = 500  # codes per IN (...) list


@dataclass(frozen=True)
class Period:
    """Flows from ``start`` to ``end`` (both included); stocks as they stood at the end of ``end``."""

    start: date
    end: date


def month_start(day: date) -> date:
    """The first day of the day's month."""
    return day.replace(day=1)


def month_end(first: date) -> date:
    """The last day of the month that starts on ``first``."""
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def month_period(first: date, today: date) -> Period:
    """A month as stored: up to its end, or up to today for the current month."""
    return Period(first, min(month_end(first), today))


def months_back(last: date, count: int) -> list[date]:
    """``count`` month starts ending with the month of ``last``, oldest first."""
    index = last.year * 12 + last.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def _after(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _before(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def chunks(codes: list[str]) -> Iterator[list[str]]:
    """The codes in slices of at most ``CHUNK`` (one IN (...) list each)."""
    for start in range(0, len(codes), CHUNK):
        yield codes[start : start + CHUNK]


@dataclass
class _Case:
    pk: int
    household: int
    village: str
    category: int | None
    risk_types: list[str]
    safety_net: bool
    opened: date
    decided: date | None
    identified_on: date | None
    eliminated_on: date | None
    people: int
    step_at: list[datetime]
    step_target: list[str]
    measures: list[tuple[str, date, date | None, str]]

    def state_at(self, cutoff: datetime) -> str | None:
        i = bisect_left(self.step_at, cutoff)  # steps recorded strictly before the cutoff
        return self.step_target[i - 1] if i else None


def _in_effect(measure: tuple[str, date, date | None, str], day: date) -> bool:
    """A measure in effect at the end of a day: started, not ended, and not merely planned. Its status has no
    history: a stopped measure counts until its end date when it has one, and not at all otherwise."""
    _kind, start, end, status = measure
    if status == MeasureStatus.PLANNED or start > day:
        return False
    if end is not None:
        return end >= day
    return status == MeasureStatus.ACTIVE


def in_effect_q(day: date) -> Q:
    """``_in_effect`` as a filter on measures (the rosters and the naive cross-check)."""
    return (
        Q(start__lte=day)
        & ~Q(status=MeasureStatus.PLANNED)
        & (Q(end__gte=day) | Q(end__isnull=True, status=MeasureStatus.ACTIVE))
    )


def people_count() -> Subquery:
    """The number of members of a case's household, as a subquery on cases (NULL when it has none)."""
    counted = (
        Member.objects.filter(household=OuterRef("household_id"))
        .values("household_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(counted)


class Scope:
    """Which villages: a list of codes (read in slices of ``CHUNK``) or code ranges (regions' subtrees), as
    filters on any path to a village code. Ranges take the same few queries for one village or a province."""

    def __init__(
        self,
        *,
        codes: list[str] | None = None,
        bounds: tuple[str, str] | None = None,
        ranges: list[tuple[str, str]] | None = None,
    ) -> None:
        self.codes = sorted(set(codes or []))
        self.ranges = [bounds] if bounds is not None else list(ranges or [])

    def _in_ranges(self, path: str, low_width: int = 12) -> Q:
        """Any of the ranges (the low ends cut to ``low_width`` digits: 6 to take in their counties)."""
        return reduce(
            or_,
            (Q(**{f"{path}__range": (low[:low_width].ljust(12, "0"), high)}) for low, high in self.ranges),
        )

    def filters(self, path: str) -> list[Q]:
        """One filter per query to run, on the village code reached by ``path``."""
        if self.ranges:
            return [self._in_ranges(path)]
        return [Q(**{f"{path}__in": chunk}) for chunk in chunks(self.codes)]

    def counties(self) -> list[Region]:
        """The counties the villages lie in (one query)."""
        if self.ranges:
            return list(Region.objects.filter(self._in_ranges("code", 6), level=Level.COUNTY))
        return list(Region.objects.filter(code__in=sorted({c[:6].ljust(12, "0") for c in self.codes})))


def _cases(scope: Scope) -> list[_Case]:
    """The cases of the villages with their step history, members and measures (three queries per filter)."""
    found: dict[int, _Case] = {}
    here = timezone.get_current_timezone()  # once: thousands of cases at a province
    paths = zip(
        scope.filters("household__village__code"),
        scope.filters("case__household__village__code"),
        strict=True,
    )
    for where, within in paths:
        # The members of each case's household counted beside it (a subquery per case): a separate count over
        # the cases' households cost a semi-join of every household of the range (a third of the cases' time at
        # a province of 10 counties).
        rows = (
            Case.objects.filter(where)
            .annotate(people=Coalesce(people_count(), 0))
            .values_list(
                "pk", "household_id", "household__village__code", "category", "risk_types", "safety_net",
                "opened_at", "decided_at", "identified_on", "eliminated_on", "people",
            )
        )  # fmt: skip
        for pk, household, village, category, risks, safety, opened, decided, ident, elim, people in rows:
            found[pk] = _Case(
                pk, household, village, category, list(risks or []), safety, opened.astimezone(here).date(),
                decided.astimezone(here).date() if decided else None, ident, elim, people, [], [], [],
            )  # fmt: skip
        steps = (
            Step.objects.filter(within).order_by("case_id", "at", "id").values_list("case_id", "at", "target")
        )
        for pk, at, target in steps:
            found[pk].step_at.append(at)
            found[pk].step_target.append(target)
        measures = Measure.objects.filter(within).values_list("case_id", "kind", "start", "end", "status")
        for pk, kind, start, end, status in measures:
            found[pk].measures.append((kind, start, end, status))
    return list(found.values())


def _county_limits(counties: list[Region], on: date) -> tuple[dict[str, int], dict[str, Decimal]]:
    """Each county's identification deadline and monitoring line in force on a day, by 6-digit prefix (one
    query for all of them)."""
    params = parameters_for_regions(regions=counties, on=on)
    limits: dict[str, int] = {}
    lines: dict[str, Decimal] = {}
    for county in counties:
        found = params.get(county.code, {})
        limits[county.code[:6]] = int(found.get("identification_days", 15))
        line = found.get("monitoring_line")
        if line is not None:
            lines[county.code[:6]] = line
    return limits, lines


def case_contributions(
    c: _Case, period: Period, limit: int, cutoff: datetime | None = None
) -> Iterator[tuple[str, int]]:
    """The parts a case adds to, with how much, for a period (its county's identification deadline is ``limit``
    days): the one rule that both the figures and the households behind them (``figures_drill``) follow.
    ``cutoff``: the end of the period as a time (``_after(period.end)``), when the caller has it for many cases."""
    state = c.state_at(cutoff or _after(period.end))
    if state is None:
        return
    if state in OBJECTS:
        yield "objects_hh", 1
        yield "objects_people", c.people
        if c.category in (1, 2, 3):
            yield f"objects_hh_c{c.category}", 1
            yield f"objects_people_c{c.category}", c.people
        for risk in sorted(set(c.risk_types)):
            yield f"objects_hh_risk_{risk}", 1
        if state == State.ELIMINATED:
            yield "eliminated_cum_hh", 1
            yield "eliminated_cum_people", c.people
        else:
            yield "monitored_hh", 1
            yield "monitored_people", c.people
            if c.safety_net:
                yield "safety_net_hh", 1
                yield "safety_net_people", c.people
    if state in IDENTIFICATION:
        yield "leads_open", 1
        if (period.end - c.opened).days > limit:  # red on the deadline clock (selectors.Clock)
            yield "leads_overdue", 1
    covered = False
    for m in c.measures:
        if _in_effect(m, period.end):
            yield f"measures_{m[0]}", 1
            covered = True
    if covered and state in MONITORED:
        yield "covered_hh", 1
    if c.identified_on is not None and period.start <= c.identified_on <= period.end:
        yield "identified_hh", 1
        yield "identified_people", c.people
    if c.eliminated_on is not None and period.start <= c.eliminated_on <= period.end:
        yield "eliminated_hh", 1
        yield "eliminated_people", c.people
    if c.decided is not None and period.start <= c.decided <= period.end:
        days = (c.decided - c.opened).days
        yield "decided", 1
        yield "decided_days", days
        if days <= limit:
            yield "decided_in_time", 1


def _case_parts(cases: Iterable[_Case], period: Period, limits: dict[str, int]) -> dict[str, dict[str, int]]:
    """Per village: the parts that come from cases, their history and measures."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(PART_NAMES, 0))
    cutoff = _after(period.end)
    for c in cases:
        row = out[c.village]
        for part, amount in case_contributions(c, period, limits.get(c.village[:6], 15), cutoff):
            if part in row:
                row[part] += amount
    return out


# The income buckets against the monitoring line: below it, from it to 1.5 × it, and above.
INCOME_PARTS = ("income_hh", "income_below", "income_near", "income_above")


def _latest_incomes(scope_filter: Q, period: Period) -> QuerySet[IncomeRecord]:
    """Each household's latest income record ended by the period's end."""
    newer = IncomeRecord.objects.filter(
        household_id=OuterRef("household_id"), period_end__lte=period.end
    ).filter(
        Q(period_end__gt=OuterRef("period_end"))
        | Q(period_end=OuterRef("period_end"), period_start__gt=OuterRef("period_start"))
    )
    return IncomeRecord.objects.filter(scope_filter, period_end__lte=period.end).filter(~Exists(newer))


def _line_of(
    lines: dict[str, Decimal], factor: Decimal = Decimal(1), *, everywhere: bool = False
) -> Case_ | Value:
    """The monitoring line of each record's county (times ``factor``), as one SQL expression. ``everywhere``:
    every county of the scope has its line in ``lines``; one line for all of them is then a constant, not a test
    of each record's code against each county (at 10 counties the tests were a third of the province's query)."""
    if everywhere and len(set(lines.values())) == 1:
        line = next(iter(lines.values()))
        return Value(line * factor, output_field=DecimalField(max_digits=14, decimal_places=2))
    return Case_(
        *(
            When(household__village__code__startswith=prefix, then=Value(line * factor))
            for prefix, line in sorted(lines.items())
        ),
        default=Value(None),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def _income_q(part: str) -> Q:
    """The records that count in one income part (those of a county with a line; ``_with_lines`` adds it)."""
    known = Q(line__isnull=False)
    return {
        "income_hh": known,
        "income_below": known & Q(per_capita_net_income__lt=F("line")),
        "income_above": known & Q(per_capita_net_income__gte=F("high")),
        "income_near": known
        & ~Q(per_capita_net_income__lt=F("line"))
        & ~Q(per_capita_net_income__gte=F("high")),
    }[part]


def _with_lines(
    records: QuerySet[IncomeRecord], lines: dict[str, Decimal], counties: list[Region]
) -> QuerySet[IncomeRecord]:
    """The records with their county's line and 1.5 × it (``counties``: the scope's, to know whether each has one)."""
    everywhere = set(lines) == {c.code[:6] for c in counties}
    return records.annotate(
        line=_line_of(lines, everywhere=everywhere),
        high=_line_of(lines, Decimal("1.5"), everywhere=everywhere),
    )


def _income_parts(
    scope: Scope,
    period: Period,
    lines: dict[str, Decimal],
    counties: list[Region],
    out: dict[str, dict[str, int]],
) -> None:
    """Latest income record of each household ended by the period's end, bucketed against its county's line."""
    if not lines:
        return
    for where in scope.filters("household__village__code"):
        rows = (
            _with_lines(_latest_incomes(where, period), lines, counties)
            .values_list("household__village__code")
            .annotate(**{part: Count("pk", filter=_income_q(part)) for part in INCOME_PARTS})
            .order_by()
        )
        for village, *counts in rows:
            row = out[village]
            for part, n in zip(INCOME_PARTS, counts, strict=True):
                row[part] += n


def _event_parts(scope: Scope, period: Period, out: dict[str, dict[str, int]]) -> None:
    """Feed rows applied and signals received during the period, per village (and channel)."""
    since, until = _before(period.start), _after(period.end)
    paths = zip(
        scope.filters("household__village__code"),
        scope.filters("lead__household__village__code"),
        strict=True,
    )
    for where, lead_where in paths:
        feeds = (
            FeedRecord.objects.filter(where, batch__committed_at__gte=since, batch__committed_at__lt=until)
            .values_list("household__village__code")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for village, n in feeds:
            out[village]["feed_records"] += n
        signals = (
            Signal.objects.filter(lead_where, at__gte=since, at__lt=until)
            .values_list("lead__household__village__code", "channel")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for village, channel, n in signals:
            key = f"signals_{channel}"
            if key in out[village]:
                out[village][key] += n


def _compute(scope: Scope, periods: list[Period]) -> dict[Period, dict[str, dict[str, int]]]:
    """For each period: the parts of each village that has any."""
    result: dict[Period, dict[str, dict[str, int]]] = {}
    cases = _cases(scope)
    counties = scope.counties()
    for period in periods:
        limits, lines = _county_limits(counties, period.end)
        out = _case_parts(cases, period, limits)
        _income_parts(scope, period, lines, counties, out)
        _event_parts(scope, period, out)
        for program in PROGRAMS:
            for village, parts in program.compute(scope.filters, period.start, period.end).items():
                out[village].update(parts)
        result[period] = {village: row for village, row in out.items() if any(row.values())}
    return result


def _by_county(codes: list[str]) -> Iterator[list[str]]:
    """The villages of each county, a county at a time (so that memory stays bounded by the largest county)."""
    by_county: dict[str, list[str]] = defaultdict(list)
    for code in sorted(set(codes)):
        by_county[code[:6]].append(code)
    yield from by_county.values()


def _summed(rows: Iterable[dict[str, int]]) -> dict[str, int]:
    parts = dict.fromkeys(PART_NAMES, 0)
    for row in rows:
        for p in PART_NAMES:
            parts[p] += row[p]
    return parts


def figures_compute(*, codes: list[str], periods: list[Period]) -> dict[tuple[str, date], dict[str, int]]:
    """The parts for every (village, period start) that has any, over villages of one or more counties."""
    result: dict[tuple[str, date], dict[str, int]] = {}
    for villages in _by_county(codes):
        for period, rows in _compute(Scope(codes=villages), periods).items():
            result |= {(village, period.start): row for village, row in rows.items()}
    return result


def figures_compute_counties(
    *, codes: list[str], periods: list[Period]
) -> Iterator[tuple[str, Period, dict[str, int]]]:
    """The summed parts of each county's villages (of ``codes``) for each period, zeros included: (county code,
    period, parts), a county at a time."""
    for villages in _by_county(codes):
        county = villages[0][:6].ljust(12, "0")
        for period, rows in _compute(Scope(codes=villages), periods).items():
            yield county, period, _summed(rows.values())


def figures_compute_range(*, bounds: tuple[str, str], period: Period) -> dict[str, int]:
    """The summed parts of every village in a code range (a region's subtree) for one period: a fixed number of
    queries however many villages and counties the range holds (the "as of a day" figures of a township or
    village, and of a region whose day is not stored)."""
    return figures_compute_ranges(ranges=[bounds], period=period)


def figures_compute_ranges(*, ranges: list[tuple[str, str]], period: Period) -> dict[str, int]:
    """``figures_compute_range`` over several code ranges at once (the same number of queries)."""
    return _summed(_compute(Scope(ranges=ranges), [period])[period].values())


# The parts whose units are households (a case's or an income record's), and the people parts that count the
# members of the households of a household part.
CASE_HOUSEHOLD_PARTS = (
    "objects_hh", *(f"objects_hh_c{c.value}" for c in Category), *(f"objects_hh_risk_{r.value}" for r in RiskType),
    "eliminated_cum_hh", "monitored_hh", "safety_net_hh", "leads_open", "leads_overdue", "covered_hh",
    "identified_hh", "eliminated_hh", "decided", "decided_in_time",
)  # fmt: skip
PEOPLE_PARTS = {
    "objects_people": "objects_hh",
    **{f"objects_people_c{c.value}": f"objects_hh_c{c.value}" for c in Category},
    "eliminated_cum_people": "eliminated_cum_hh",
    "monitored_people": "monitored_hh",
    "safety_net_people": "safety_net_hh",
    "identified_people": "identified_hh",
    "eliminated_people": "eliminated_hh",
}
PEOPLE_PARTS.update({f.part: f.households_of for f in PROGRAM_FIGURES if f.households_of})
# A program's household parts: those whose unit is households (its people parts list their households' members).
PROGRAM_HOUSEHOLD_PARTS = frozenset(f.part for f in PROGRAM_FIGURES if f.unit == "households")
DRILL_PARTS = frozenset({*CASE_HOUSEHOLD_PARTS, *INCOME_PARTS, *PROGRAM_HOUSEHOLD_PARTS})


def figures_drill(*, bounds: tuple[str, str], period: Period, part: str) -> list[int]:
    """The households a household part counts in a code range for a period, one id per unit counted (a
    household with two counted cases is there twice), in village and household order: what the figure
    counts, by the same rule (``case_contributions``, the income buckets)."""
    if part not in DRILL_PARTS:
        raise ValueError(f"no households behind {part!r}")
    scope = Scope(bounds=bounds)
    if part in PROGRAM_HOUSEHOLD_PARTS:
        rows = PROGRAM_BY_PART[part].drill(scope.filters, period.start, period.end, part)
        return [pk for _v, _n, pk in sorted(rows)]
    if part in INCOME_PARTS:
        counties = scope.counties()
        _limits, lines = _county_limits(counties, period.end)
        if not lines:
            return []
        found: list[tuple[str, str, int]] = []
        for where in scope.filters("household__village__code"):
            records = _with_lines(_latest_incomes(where, period), lines, counties).filter(_income_q(part))
            found += records.values_list("household__village__code", "household__number", "household_id")
        return [pk for _v, _n, pk in sorted(found)]
    cases = _cases(scope)
    limits, _lines = _county_limits(scope.counties(), period.end)
    cutoff = _after(period.end)
    counted = [
        c
        for c in cases
        if any(p == part for p, _n in case_contributions(c, period, limits.get(c.village[:6], 15), cutoff))
    ]
    return [c.household for c in sorted(counted, key=lambda c: (c.village, c.household, c.pk))]
