"""A household's facts for the rules, from its members, income records and feed events, and its screening
(the online path)."""

from __future__ import annotations

from calendar import monthrange
from datetime import date
from decimal import Decimal

from bottomline.policy.selectors import parameters_cached
from bottomline.registry.choices import LABOUR_CAPABLE, StudentStatus
from bottomline.registry.models import Household, IncomeRecord, age_on
from bottomline.rules.nodes import Value
from bottomline.rules.screening import Screening, screen

NOT_IN_SCHOOL = {StudentStatus.NONE, StudentStatus.DROPPED_OUT}


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
    extra_medical: Decimal = Decimal(0),
    since: date | None = None,
) -> dict[str, Value]:
    """The feature row of one household (members, incomes and feed events prefetched: no extra queries).

    The income facts are those of ``rules.periods`` (the batch runs the same code). ``sudden_events`` counts
    the department-reported events after the day ``event_months`` months before ``on``, up to ``on``.
    ``extra_medical``: out-of-pocket spending no recorded period contains yet, counted in the newest period.
    ``since`` (the day monitoring began, for risk elimination): months above the line count from that day on.
    """
    members = list(household.members.all())
    incomes = list(household.incomes.all())
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
        "sudden_events": sum(
            months_before(on, event_months) < e.occurred_on <= on for e in household.feed_events.all()
        ),
    }


def _income_facts(
    incomes: list[IncomeRecord],
    line: Decimal | None,
    extra_medical: Decimal = Decimal(0),
    since: date | None = None,
) -> dict[str, Value]:
    """The income facts of ``rules.periods`` over one household's periods (exact: fen from the decimals)."""
    # NumPy on the first screening, not at a web process's start-up (issue #17).
    import numpy as np

    from bottomline.rules.periods import EPOCH, income_facts

    days = [((r.period_start - EPOCH).days, (r.period_end - EPOCH).days) for r in incomes]
    count = len(incomes)
    extra = np.zeros(count, dtype=np.int64)
    if count and extra_medical:
        extra[max(range(count), key=lambda i: incomes[i].period_start)] = int(extra_medical * 100)
    facts = income_facts(
        n=1,
        rows=np.zeros(count, dtype=np.int64),
        start=np.array([s for s, _ in days], dtype=np.int64),
        end=np.array([e for _, e in days], dtype=np.int64),
        no_dates=np.zeros(count, dtype=np.bool_),
        net=np.array([int(r.net_income * 100) for r in incomes], dtype=np.int64),
        rigid=np.array(
            [
                int((r.medical_out_of_pocket + r.education_out_of_pocket + r.other_rigid) * 100)
                for r in incomes
            ],
            dtype=np.int64,
        )
        + extra,
        medical=np.array([int(r.medical_out_of_pocket * 100) for r in incomes], dtype=np.int64) + extra,
        education=np.array([int(r.education_out_of_pocket * 100) for r in incomes], dtype=np.int64),
        no_income=np.zeros(count, dtype=np.bool_),
        no_rigid=np.zeros(count, dtype=np.bool_),
        size=np.array([r.household_size for r in incomes], dtype=np.int64),
        line=np.array([float(line or 0)], dtype=np.float64),
        no_line=np.array([line is None]),
        since=None if since is None else np.array([(since - EPOCH).days], dtype=np.int64),
    )
    return {
        name: None if bool(null[0]) else (int(values[0]) if name == "months_above_line" else float(values[0]))
        for name, (values, null) in facts.items()
    }


def monitored_since(household: Household) -> date | None:
    """The day the household's open case was identified, or None when it is not monitored (the batch reads the
    same: ``engine.arrow_read``). Reads ``household.cases`` as prefetched, if it is."""
    return next((c.identified_on for c in household.cases.all() if c.closed_at is None), None)


def household_inputs(
    *,
    household: Household,
    on: date,
    extra_medical: Decimal = Decimal(0),
    since: date | None = None,
    params: dict[str, float] | None = None,
) -> tuple[dict[str, Value], dict[str, float]]:
    """A household's facts and the parameters in force for its village on a date (members, incomes and feed
    events prefetched; parameters from the cache); ``extra_medical`` as in ``household_facts``. ``since``: the
    day from which months above the line count; by default the monitored household's identification.
    ``params``: the village's parameters on ``on`` when the caller has them (a set of households)."""
    since = since or monitored_since(household)
    if params is None:
        params = parameters_cached(village_id=household.village_id, on=on)
    line, months = params.get("monitoring_line"), params.get("sudden_event_months")
    facts = household_facts(
        household,
        line=Decimal(str(line)) if line is not None else None,
        on=on,
        event_months=int(months) if months is not None else 12,
        extra_medical=extra_medical,
        since=since,
    )
    return facts, params


def household_screening(
    *,
    household: Household,
    on: date,
    extra_medical: Decimal = Decimal(0),
    params: dict[str, float] | None = None,
) -> Screening:
    """What the rules say of a household on a date, with the numbers: the one online screening, for pages,
    saves and feeds (``extra_medical`` as in ``household_facts``; ``params`` as in ``household_inputs``)."""
    facts, params = household_inputs(household=household, on=on, extra_medical=extra_medical, params=params)
    return screen(facts, params)
