"""A household's facts for the rules, from its members, income records and feed events, and its screening
(the online path)."""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from bottomline.policy.selectors import parameters_cached
from bottomline.registry.choices import LABOUR_CAPABLE, StudentStatus
from bottomline.registry.models import Household, IncomeRecord, Member, age_on
from bottomline.rules.nodes import Value
from bottomline.rules.screening import Screening, screen

NOT_IN_SCHOOL = {StudentStatus.NONE, StudentStatus.DROPPED_OUT}


def months_before(on: date, months: int) -> date:
    """The same day ``months`` calendar months earlier, clamped to the month's end (as DuckDB's date - interval)."""
    year, month = divmod(on.year * 12 + on.month - 1 - months, 12)
    return date(year, month + 1, min(on.day, monthrange(year, month + 1)[1]))


# The fields of a member ``household_facts`` reads (a set screening reads only these: a member has thirty).
MEMBER_FACTS = ("id", "household_id", "labour", "birth_date", "student_status", "medical_insurance")


@dataclass
class Related:
    """A household's members (by id), income records (newest first), feed events and cases, as read for many
    households at once (``engine.online.households_refresh``) rather than prefetched on each household."""

    members: list[Member] = field(default_factory=list)
    incomes: list[IncomeRecord] = field(default_factory=list)
    feed_events: list[Any] = field(default_factory=list)  # feeds.Event (registry does not import feeds)
    cases: list[Any] = field(default_factory=list)  # monitoring.Case


def household_facts(
    household: Household,
    *,
    line: Decimal | None,
    on: date,
    event_months: int = 12,
    extra_medical: Decimal = Decimal(0),
    since: date | None = None,
    related: Related | None = None,
    income: dict[str, Value] | None = None,
) -> dict[str, Value]:
    """The feature row of one household (members, incomes and feed events prefetched: no extra queries).

    The income facts are those of ``rules.periods`` (the batch runs the same code). ``sudden_events`` counts
    the department-reported events after the day ``event_months`` months before ``on``, up to ``on``.
    ``extra_medical``: out-of-pocket spending no recorded period contains yet, counted in the newest period.
    ``since`` (the day monitoring began, for risk elimination): months above the line count from that day on.
    """
    members = related.members if related else list(household.members.all())
    incomes = related.incomes if related else list(household.incomes.all())
    events = related.feed_events if related else household.feed_events.all()
    if income is None:  # else computed with other households' (``households_screening``)
        income = _income_facts(incomes, line, extra_medical, since)
    return {
        "household_type": household.household_type,
        "welfare": household.welfare,
        "members": len(members),
        "labour_members": sum(m.labour in LABOUR_CAPABLE for m in members),
        **income,
        "school_age_out_of_school": sum(
            6 <= age_on(m.birth_date, on) <= 15 and m.student_status in NOT_IN_SCHOOL for m in members
        ),
        "uninsured_members": sum(not m.medical_insurance for m in members),
        "housing_grade": household.housing_grade,
        "safe_water": household.safe_water,
        "sudden_events": sum(months_before(on, event_months) < e.occurred_on <= on for e in events),
    }


def _income_facts(
    incomes: list[IncomeRecord],
    line: Decimal | None,
    extra_medical: Decimal = Decimal(0),
    since: date | None = None,
) -> dict[str, Value]:
    """The income facts of ``rules.periods`` over one household's periods (exact: fen from the decimals)."""
    return incomes_facts([(incomes, line, extra_medical, since)])[0]


IncomeInput = tuple[Sequence[IncomeRecord], Decimal | None, Decimal, date | None]


def incomes_facts(households: Sequence[IncomeInput]) -> list[dict[str, Value]]:
    """The income facts of many households in one pass of ``rules.periods.income_facts`` (the batch's code),
    each household given as (its periods, its line, medical spending no period contains yet, the day monitoring
    began or None)."""
    # NumPy on the first screening, not at a web process's start-up (issue #17).
    import numpy as np

    from bottomline.rules.periods import EPOCH, NONE_START, income_facts

    rows: list[int] = []
    start: list[int] = []
    end: list[int] = []
    net: list[int] = []
    rigid: list[int] = []
    medical: list[int] = []
    education: list[int] = []
    size: list[int] = []
    lines: list[float] = []
    no_line: list[bool] = []
    since: list[int] = []
    for at, (incomes, line, extra_medical, monitored) in enumerate(households):
        newest = (
            max(range(len(incomes)), key=lambda i: incomes[i].period_start)
            if incomes and extra_medical
            else -1
        )
        extra = int(extra_medical * 100)
        for i, r in enumerate(incomes):
            added = extra if i == newest else 0
            rows.append(at)
            start.append((r.period_start - EPOCH).days)
            end.append((r.period_end - EPOCH).days)
            net.append(int(r.net_income * 100))
            rigid.append(
                int((r.medical_out_of_pocket + r.education_out_of_pocket + r.other_rigid) * 100) + added
            )
            medical.append(int(r.medical_out_of_pocket * 100) + added)
            education.append(int(r.education_out_of_pocket * 100))
            size.append(r.household_size)
        lines.append(float(line or 0))
        no_line.append(line is None)
        since.append(NONE_START if monitored is None else (monitored - EPOCH).days)
    count, n = len(rows), len(households)
    facts = income_facts(
        n=n,
        rows=np.array(rows, dtype=np.int64),
        start=np.array(start, dtype=np.int64),
        end=np.array(end, dtype=np.int64),
        no_dates=np.zeros(count, dtype=np.bool_),
        net=np.array(net, dtype=np.int64),
        rigid=np.array(rigid, dtype=np.int64),
        medical=np.array(medical, dtype=np.int64),
        education=np.array(education, dtype=np.int64),
        no_income=np.zeros(count, dtype=np.bool_),
        no_rigid=np.zeros(count, dtype=np.bool_),
        size=np.array(size, dtype=np.int64),
        line=np.array(lines, dtype=np.float64),
        no_line=np.array(no_line, dtype=np.bool_),
        since=None if all(h[3] is None for h in households) else np.array(since, dtype=np.int64),
    )
    columns = [
        (name, name == "months_above_line", values.tolist(), null.tolist())
        for name, (values, null) in facts.items()
    ]
    return [
        {
            name: None if null[at] else (int(values[at]) if whole else float(values[at]))
            for name, whole, values, null in columns
        }
        for at in range(n)
    ]


# The open case's identification day, as ``with_monitored_since`` annotates it on households.
MONITORED_SINCE = "monitored_since_on"


def with_monitored_since(households: QuerySet[Household]) -> QuerySet[Household]:
    """The households with their open case's identification day beside them (one subquery, not a read of their
    cases; registry does not import monitoring: the case model is the reverse relation's)."""
    cases = Household._meta.get_field("cases").related_model._default_manager
    day = cases.filter(household=OuterRef("pk"), closed_at__isnull=True).values("identified_on")[:1]
    return households.annotate(**{MONITORED_SINCE: Subquery(day)})


def monitored_since(household: Household, related: Related | None = None) -> date | None:
    """The day the household's open case was identified, or None when it is not monitored (the batch reads the
    same: ``engine.arrow_read``): as annotated by ``with_monitored_since``, or from ``household.cases`` (as
    prefetched, if it is, or ``related``'s cases)."""
    if related is None and MONITORED_SINCE in household.__dict__:
        found: date | None = household.__dict__[MONITORED_SINCE]
        return found
    cases = related.cases if related else household.cases.all()
    return next((c.identified_on for c in cases if c.closed_at is None), None)


def _line_months(params: dict[str, float]) -> tuple[Decimal | None, int]:
    """The monitoring line and the months a sudden event counts, from the parameters in force."""
    line, months = params.get("monitoring_line"), params.get("sudden_event_months")
    return (Decimal(str(line)) if line is not None else None), (int(months) if months is not None else 12)


def household_inputs(
    *,
    household: Household,
    on: date,
    extra_medical: Decimal = Decimal(0),
    since: date | None = None,
    params: dict[str, float] | None = None,
    related: Related | None = None,
) -> tuple[dict[str, Value], dict[str, float]]:
    """A household's facts and the parameters in force for its village on a date (members, incomes and feed
    events prefetched; parameters from the cache); ``extra_medical`` as in ``household_facts``. ``since``: the
    day from which months above the line count; by default the monitored household's identification.
    ``params``: the village's parameters on ``on`` when the caller has them (a set of households); ``related``:
    the household's rows when the caller read them for many households (``Related``)."""
    since = since or monitored_since(household, related)
    if params is None:
        loaded = household.village if Household.village.is_cached(household) else None
        params = parameters_cached(village_id=household.village_id, on=on, village=loaded)
    line, months = _line_months(params)
    facts = household_facts(
        household,
        line=line,
        on=on,
        event_months=months,
        extra_medical=extra_medical,
        since=since,
        related=related,
    )
    return facts, params


def household_screening(
    *,
    household: Household,
    on: date,
    extra_medical: Decimal = Decimal(0),
    params: dict[str, float] | None = None,
    related: Related | None = None,
) -> Screening:
    """What the rules say of a household on a date, with the numbers: the one online screening, for pages,
    saves and feeds (``extra_medical`` as in ``household_facts``; ``params`` as in ``household_inputs``)."""
    facts, params = household_inputs(
        household=household, on=on, extra_medical=extra_medical, params=params, related=related
    )
    return screen(facts, params)


def households_screening(
    *,
    households: Sequence[Household],
    related: dict[int, Related],
    on: date,
    params: Sequence[dict[str, float]],
) -> list[Screening]:
    """``household_screening`` of many households (their rows in ``related``, their parameters in ``params``,
    in the same order), the income facts of all in one pass: the same screenings, a fraction of the time."""
    inputs = []
    for household, given in zip(households, params, strict=True):
        line, months = _line_months(given)
        inputs.append((household, given, line, months, monitored_since(household, related[household.pk])))
    incomes = incomes_facts(
        [(related[h.pk].incomes, line, Decimal(0), since) for h, _p, line, _m, since in inputs]
    )
    return [
        screen(
            household_facts(
                household,
                line=line,
                on=on,
                event_months=months,
                since=since,
                related=related[household.pk],
                income=income,
            ),
            given,
        )
        for (household, given, line, months, since), income in zip(inputs, incomes, strict=True)
    ]
