"""A household's facts for the rules, from its members, income records and feed events, and its screening
(the online path)."""

from __future__ import annotations

from calendar import monthrange
from datetime import date
from decimal import Decimal

from bottomline.policy.selectors import parameters_cached
from bottomline.registry.choices import LABOUR_CAPABLE, StudentStatus
from bottomline.registry.models import Household, IncomeRecord
from bottomline.rules.nodes import Value
from bottomline.rules.screening import Screening, screen

NOT_IN_SCHOOL = {StudentStatus.NONE, StudentStatus.DROPPED_OUT}


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _months(record: IncomeRecord, since: date | None = None) -> int:
    start, end = record.period_start, record.period_end
    if since is not None and start < since:  # only the whole months from ``since`` on
        start = since if since.day == 1 else months_before(since.replace(day=1), -1)
    return max(0, (end.year - start.year) * 12 + end.month - start.month + 1)


def months_before(on: date, months: int) -> date:
    """The same day ``months`` calendar months earlier, clamped to the month's end (as DuckDB's date - interval)."""
    year, month = divmod(on.year * 12 + on.month - 1 - months, 12)
    return date(year, month + 1, min(on.day, monthrange(year, month + 1)[1]))


def household_facts(
    household: Household,
    *,
    line: Decimal | None,
    on: date,
    event_months: int = 12,
    since: date | None = None,
) -> dict[str, Value]:
    """The feature row of one household (members, incomes and feed events prefetched: no extra queries).

    ``months_above_line`` counts the months of consecutive recorded periods, newest first, whose per-capita
    income is at or above today's line; with ``since`` (the day monitoring began, for risk elimination) only
    the whole months from that day on. ``sudden_events`` counts the department-reported events after the day
    ``event_months`` months before ``on``, up to ``on``.
    """
    members = list(household.members.all())
    incomes = sorted(household.incomes.all(), key=lambda r: r.period_start, reverse=True)
    latest = incomes[0] if incomes else None
    previous = incomes[1] if len(incomes) > 1 else None
    months_above = 0
    if line is not None:
        for record in incomes:
            if since is not None and record.period_end < since:
                break
            if record.per_capita_net_income is None or record.per_capita_net_income < line:
                break
            months_above += _months(record, since)
    return {
        "household_type": household.household_type,
        "welfare": household.welfare,
        "members": len(members),
        "labour_members": sum(m.labour in LABOUR_CAPABLE for m in members),
        "per_capita_income": float(latest.per_capita_net_income) if latest else None,
        "previous_per_capita_income": float(previous.per_capita_net_income) if previous else None,
        "net_income": float(latest.net_income) if latest else None,
        "rigid_spending": float(
            latest.medical_out_of_pocket + latest.education_out_of_pocket + latest.other_rigid
        )
        if latest
        else None,
        "months_above_line": months_above,
        "school_age_out_of_school": sum(
            6 <= _age(m.birth_date, on) <= 15 and m.student_status in NOT_IN_SCHOOL for m in members
        ),
        "uninsured_members": sum(not m.medical_insurance for m in members),
        "housing_grade": household.housing_grade,
        "safe_water": household.safe_water,
        "sudden_events": sum(
            months_before(on, event_months) < e.occurred_on <= on for e in household.feed_events.all()
        ),
    }


def household_inputs(
    *, household: Household, on: date, since: date | None = None
) -> tuple[dict[str, Value], dict[str, float]]:
    """A household's facts and the parameters in force for its village on a date (members, incomes and feed
    events prefetched; parameters from the cache); ``since``: count months above the line from that day."""
    params = parameters_cached(village_id=household.village_id, on=on)
    line, months = params.get("monitoring_line"), params.get("sudden_event_months")
    facts = household_facts(
        household,
        line=Decimal(str(line)) if line is not None else None,
        on=on,
        event_months=int(months) if months is not None else 12,
        since=since,
    )
    return facts, params


def household_screening(*, household: Household, on: date) -> Screening:
    """What the rules say of a household on a date, with the numbers: the one online screening, for pages,
    saves and feeds."""
    facts, params = household_inputs(household=household, on=on)
    return screen(facts, params)
