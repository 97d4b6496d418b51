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

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone

from bottomline.dashboards.indicators import PART_NAMES
from bottomline.feeds.models import FeedRecord
from bottomline.monitoring.models import Case, Measure, MeasureStatus, Signal, Step
from bottomline.monitoring.workflow import ELIMINATION, IDENTIFICATION, State
from bottomline.policy.selectors import parameters_for
from bottomline.regions.models import Region
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


def _cases(codes: list[str]) -> list[_Case]:
    """The cases of the villages with their step history, members and measures (four queries per chunk)."""
    found: dict[int, _Case] = {}
    local = timezone.localtime
    for chunk in chunks(codes):
        rows = Case.objects.filter(household__village__code__in=chunk).values_list(
            "pk", "household_id", "household__village__code", "category", "risk_types", "safety_net",
            "opened_at", "decided_at", "identified_on", "eliminated_on",
        )  # fmt: skip
        households: dict[int, list[int]] = defaultdict(list)
        for pk, household, village, category, risks, safety, opened, decided, ident, elim in rows:
            found[pk] = _Case(
                village, category, list(risks or []), safety, local(opened).date(),
                local(decided).date() if decided else None, ident, elim, 0, [], [], [],
            )  # fmt: skip
            households[household].append(pk)
        people = (
            Member.objects.filter(household_id__in=Case.objects.filter(household__village__code__in=chunk)
                                  .values("household_id"))
            .values_list("household_id")
            .annotate(n=Count("pk"))
            .order_by()
        )  # fmt: skip
        for household, n in people:
            for pk in households.get(household, ()):
                found[pk].people = n
        steps = (
            Step.objects.filter(case__household__village__code__in=chunk)
            .order_by("case_id", "at", "id")
            .values_list("case_id", "at", "target")
        )
        for pk, at, target in steps:
            found[pk].step_at.append(at)
            found[pk].step_target.append(target)
        measures = Measure.objects.filter(case__household__village__code__in=chunk).values_list(
            "case_id", "kind", "start", "end", "status"
        )
        for pk, kind, start, end, status in measures:
            found[pk].measures.append((kind, start, end, status))
    return list(found.values())


def _county_parameters(region: Region | None, period: Period) -> tuple[int, Decimal | None]:
    """The identification deadline and the monitoring line in force for a county at the period's end."""
    if region is None:
        return 15, None
    params = parameters_for(region=region, on=period.end)
    line = params.get("monitoring_line")
    return int(params.get("identification_days", 15)), line


def _case_parts(cases: Iterable[_Case], period: Period, limit: int) -> dict[str, dict[str, int]]:
    """Per village: the parts that come from cases (of one county, whose identification deadline is ``limit``
    days), their history and measures."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(PART_NAMES, 0))
    cutoff = _after(period.end)
    for c in cases:
        state = c.state_at(cutoff)
        if state is None:
            continue
        row = out[c.village]
        if state in OBJECTS:
            row["objects_hh"] += 1
            row["objects_people"] += c.people
            if c.category in (1, 2, 3):
                row[f"objects_hh_c{c.category}"] += 1
                row[f"objects_people_c{c.category}"] += c.people
            for risk in set(c.risk_types):
                key = f"objects_hh_risk_{risk}"
                if key in row:
                    row[key] += 1
            if state == State.ELIMINATED:
                row["eliminated_cum_hh"] += 1
                row["eliminated_cum_people"] += c.people
            else:
                row["monitored_hh"] += 1
                row["monitored_people"] += c.people
                if c.safety_net:
                    row["safety_net_hh"] += 1
                    row["safety_net_people"] += c.people
        if state in IDENTIFICATION:
            row["leads_open"] += 1
            if (period.end - c.opened).days > limit:  # red on the deadline clock (selectors.Clock)
                row["leads_overdue"] += 1
        covered = False
        for m in c.measures:
            if _in_effect(m, period.end):
                row[f"measures_{m[0]}"] += 1
                covered = True
        if covered and state in MONITORED:
            row["covered_hh"] += 1
        if c.identified_on is not None and period.start <= c.identified_on <= period.end:
            row["identified_hh"] += 1
            row["identified_people"] += c.people
        if c.eliminated_on is not None and period.start <= c.eliminated_on <= period.end:
            row["eliminated_hh"] += 1
            row["eliminated_people"] += c.people
        if c.decided is not None and period.start <= c.decided <= period.end:
            days = (c.decided - c.opened).days
            row["decided"] += 1
            row["decided_days"] += days
            row["decided_in_time"] += days <= limit
    return out


def _income_parts(codes: list[str], period: Period, line: Decimal, out: dict[str, dict[str, int]]) -> None:
    """Latest income record of each household ended by the period's end, bucketed against the line."""
    newer = IncomeRecord.objects.filter(
        household_id=OuterRef("household_id"), period_end__lte=period.end
    ).filter(
        Q(period_end__gt=OuterRef("period_end"))
        | Q(period_end=OuterRef("period_end"), period_start__gt=OuterRef("period_start"))
    )
    high = line * Decimal("1.5")
    for chunk in chunks(codes):
        rows = (
            IncomeRecord.objects.filter(household__village__code__in=chunk, period_end__lte=period.end)
            .filter(~Exists(newer))
            .values_list("household__village__code")
            .annotate(
                n=Count("pk"),
                below=Count("pk", filter=Q(per_capita_net_income__lt=line)),
                above=Count("pk", filter=Q(per_capita_net_income__gte=high)),
            )
            .order_by()
        )
        for village, n, below, above in rows:
            row = out[village]
            row["income_hh"] += n
            row["income_below"] += below
            row["income_above"] += above
            row["income_near"] += n - below - above


def _event_parts(codes: list[str], period: Period, out: dict[str, dict[str, int]]) -> None:
    """Feed rows applied and signals received during the period, per village (and channel)."""
    since, until = _before(period.start), _after(period.end)
    for chunk in chunks(codes):
        feeds = (
            FeedRecord.objects.filter(
                household__village__code__in=chunk,
                batch__committed_at__gte=since,
                batch__committed_at__lt=until,
            )
            .values_list("household__village__code")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for village, n in feeds:
            out[village]["feed_records"] += n
        signals = (
            Signal.objects.filter(lead__household__village__code__in=chunk, at__gte=since, at__lt=until)
            .values_list("lead__household__village__code", "channel")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for village, channel, n in signals:
            key = f"signals_{channel}"
            if key in out[village]:
                out[village][key] += n


def figures_compute(*, codes: list[str], periods: list[Period]) -> dict[tuple[str, date], dict[str, int]]:
    """The parts for every (village, period start) that has any, over villages of one or more counties."""
    result: dict[tuple[str, date], dict[str, int]] = {}
    by_county: dict[str, list[str]] = defaultdict(list)
    for code in sorted(set(codes)):
        by_county[code[:6]].append(code)
    for county, villages in by_county.items():
        cases = _cases(villages)
        region = Region.objects.filter(code=county.ljust(12, "0")).first()
        for period in periods:
            limit, line = _county_parameters(region, period)
            out = _case_parts(cases, period, limit)
            if line is not None:
                _income_parts(villages, period, line, out)
            _event_parts(villages, period, out)
            for village, row in out.items():
                if any(row.values()):
                    result[(village, period.start)] = row
    return result
