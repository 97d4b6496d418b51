"""The feature table for a whole registry snapshot: the same facts as ``registry.features.household_facts``
computes for one household (the conformance test holds them equal).

Computed as vectorised passes over the Arrow snapshot (Arrow compute and numpy), not in SQL: every fact is a
per-household aggregate, and with 2.7M households the hash joins and hash aggregates DuckDB needs for them
(window, self-joins, one aggregate per table, a final sort) cost 17 s of a 19 s full run at 10M members on two
cores (docs/benchmarks.md). Here each child table is mapped to its household's row once (a binary search over
the sorted household ids, on runs of equal ids when the table comes grouped as the snapshot writes it) and each
fact is a ``bincount`` or a ``reduceat`` over that map.
"""

from __future__ import annotations

from calendar import monthrange
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from bottomline.engine.snapshot import Snapshot
from bottomline.registry.choices import LABOUR_CAPABLE, StudentStatus
from bottomline.rules.periods import EPOCH, NONE_START, fen, income_facts

DEFAULT_EVENT_MONTHS = 12  # sudden_event_months when no value is in force for the county
NOT_IN_SCHOOL = (StudentStatus.NONE.value, StudentStatus.DROPPED_OUT.value)  # as registry.features

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


def _days(day: date) -> int:
    return (day - EPOCH).days


def _months_before(on: date, months: int) -> date:
    # registry.features.months_before, without importing the models (the engine runs without Django too)
    year, month = divmod(on.year * 12 + on.month - 1 - months, 12)
    return date(year, month + 1, min(on.day, monthrange(year, month + 1)[1]))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year: the 28th, as the online age makes it
        return day.replace(year=day.year - years, day=28)


def _ints(column: pa.ChunkedArray | pa.Array) -> Ints:
    return np.asarray(column.cast(pa.int64()).to_numpy(), dtype=np.int64)


def _true(mask: pa.ChunkedArray | pa.Array) -> Bools:
    """A boolean column as numpy, null as false (a SQL filter's reading)."""
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=np.bool_)


def _date_days(column: pa.ChunkedArray) -> tuple[Ints, Bools]:
    """Days since 1970 of a date column, and where it is null (days 0 there)."""
    days = column.cast(pa.date32()).cast(pa.int32())
    return _ints(pc.fill_null(days, 0)), _true(pc.is_null(days))


def _rows_of(sorted_ids: Ints, ids: Ints) -> Ints:
    """For each of ``ids``, its row in ``sorted_ids`` (unique, ascending), or -1 for a household not there."""
    if len(ids) == 0 or len(sorted_ids) == 0:
        return np.full(len(ids), -1, dtype=np.int64)
    if bool(np.all(ids[1:] >= ids[:-1])):  # grouped by household (as written): look each run up once
        starts = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
        runs = ids[starts]
        if len(runs) == len(sorted_ids) and np.array_equal(runs, sorted_ids):  # every household has rows
            found = np.arange(len(runs), dtype=np.int64)
        else:
            found = _search(sorted_ids, runs)
        return np.repeat(found, np.diff(np.append(starts, len(ids))))
    return _search(sorted_ids, ids)


def _search(sorted_ids: Ints, ids: Ints) -> Ints:
    pos = np.searchsorted(sorted_ids, ids)
    clipped = np.minimum(pos, len(sorted_ids) - 1)
    return np.where(sorted_ids[clipped] == ids, clipped, -1).astype(np.int64)


def _count(rows: Ints, where: Bools | Ints, n: int) -> Ints:
    """Per household, its rows ``where`` holds (a mask or positions)."""
    return np.bincount(rows[where], minlength=n).astype(np.int64)


def batch_features(snapshot: Snapshot, params: pa.Table, *, on: date) -> pa.Table:
    """One row per household, by household id: the rule facts and the ``param_*`` columns in force for its
    county."""
    households = snapshot.households
    ids = _ints(households.column("household_id"))
    if len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1])):
        order = np.argsort(ids, kind="stable")
        households, ids = households.take(pa.array(order)), ids[order]

    # The parameters in force for each household: its county's row of ``params``, or nulls.
    villages = households.column("village_code").cast(pa.string())
    county = pc.binary_join_element_wise(pc.utf8_slice_codeunits(villages, 0, 6), "000000", "")
    param_row = pc.index_in(county, value_set=params.column("county_code").cast(pa.string()))
    param_columns = [name for name in params.column_names if name != "county_code"]
    in_force = {name: pc.take(params.column(name), param_row) for name in param_columns}

    # Incomes on a second thread: numpy and Arrow release the GIL in their loops, and the machine has two cores.
    with ThreadPoolExecutor(max_workers=1) as pool:
        income_future = pool.submit(
            _income_facts,
            snapshot.incomes,
            ids,
            in_force.get("param_monitoring_line"),
            _monitored_since(households),
        )
        member = _member_facts(snapshot.members, ids, on)
        sudden = _sudden_events(snapshot.events, ids, in_force.get("param_sudden_event_months"), on)
        income = income_future.result()

    columns: dict[str, pa.Array | pa.ChunkedArray] = {
        "household_id": pa.array(ids, pa.int64()),
        "household_type": households.column("household_type").cast(pa.string()),
        "welfare": households.column("welfare").cast(pa.string()),
        "members": member["members"],
        "labour_members": member["labour_members"],
        **income,
        "school_age_out_of_school": member["school_age_out_of_school"],
        "uninsured_members": member["uninsured_members"],
        "housing_grade": households.column("housing_grade").cast(pa.string()),
        "safe_water": households.column("safe_water").cast(pa.bool_()),
        "sudden_events": pa.array(sudden),
        **in_force,
    }
    return pa.table(columns)


def _monitored_since(households: pa.Table) -> pa.ChunkedArray:
    """The households' ``monitored_since`` column; all null for a snapshot made without it (built by hand)."""
    if "monitored_since" in households.column_names:
        return households.column("monitored_since")
    return pa.chunked_array([pa.nulls(households.num_rows, pa.date32())])


def _member_facts(members: pa.Table, ids: Ints, on: date) -> dict[str, pa.Array]:
    """Per household: its members, those able to work, those of school age out of school, the uninsured."""
    n = len(ids)
    rows = _rows_of(ids, _ints(members.column("household_id")))
    if not bool(np.all(rows >= 0)):  # members of households not in the snapshot: left out
        members = members.filter(pa.array(rows >= 0))
        rows = rows[rows >= 0]
    birth, no_birth = _date_days(members.column("birth_date"))
    # Aged 6 to 15 on the day: born after the day 16 years before and on or before the day 6 years before.
    school_age = np.flatnonzero(
        ~no_birth & (birth > _days(_years_before(on, 16))) & (birth <= _days(_years_before(on, 6)))
    )
    status = pc.take(members.column("student_status").cast(pa.string()), pa.array(school_age))
    out_of_school = school_age[_true(pc.is_in(status, value_set=pa.array(NOT_IN_SCHOOL)))]
    labour = _true(
        pc.is_in(members.column("labour").cast(pa.string()), value_set=pa.array(list(LABOUR_CAPABLE)))
    )
    uninsured = _true(pc.invert(members.column("medical_insurance").cast(pa.bool_())))
    return {
        "members": pa.array(np.bincount(rows, minlength=n).astype(np.int64)),
        "labour_members": pa.array(_count(rows, labour, n)),
        "school_age_out_of_school": pa.array(_count(rows, out_of_school, n)),
        "uninsured_members": pa.array(_count(rows, uninsured, n)),
    }


def _income_facts(
    incomes: pa.Table, ids: Ints, line: pa.ChunkedArray | pa.Array | None, monitored_since: pa.ChunkedArray
) -> dict[str, pa.Array]:
    """The income facts of ``rules.periods`` (the one definition the online path runs too) over every
    household's periods; months above the line of a monitored household count from its identification."""
    n = len(ids)
    rows = _rows_of(ids, _ints(incomes.column("household_id")))
    keep = rows >= 0
    if not bool(np.all(keep)):  # periods of households not in the snapshot: left out
        incomes, rows = incomes.filter(pa.array(keep)), rows[keep]
    start, no_start = _date_days(incomes.column("period_start"))
    end, no_end = _date_days(incomes.column("period_end"))
    net_column = incomes.column("net_income").cast(pa.float64())
    rigid_column = incomes.column("rigid_spending").cast(pa.float64())
    size = _ints(pc.fill_null(incomes.column("household_size").cast(pa.int64()), 1))
    since, not_monitored = _date_days(monitored_since)  # not monitored: every month counts
    if line is None:
        line_values, no_line = np.zeros(n), np.ones(n, dtype=np.bool_)
    else:
        line_values = np.asarray(pc.fill_null(line.cast(pa.float64()), 0.0).to_numpy(), dtype=np.float64)
        no_line = _true(pc.is_null(line))
    facts = income_facts(
        n=n,
        rows=rows,
        start=start,
        end=end,
        no_dates=no_start | no_end,
        net=fen(np.asarray(pc.fill_null(net_column, 0.0).to_numpy(), dtype=np.float64)),
        rigid=fen(np.asarray(pc.fill_null(rigid_column, 0.0).to_numpy(), dtype=np.float64)),
        medical=_fen_column(incomes, "medical_spending"),
        education=_fen_column(incomes, "education_spending"),
        no_income=_true(pc.is_null(net_column)),
        no_rigid=_true(pc.is_null(rigid_column)),
        size=size,
        line=line_values,
        no_line=no_line,
        since=np.where(not_monitored, NONE_START, since),
    )
    return {
        name: pa.array(values, type=pa.int64() if name == "months_above_line" else pa.float64(), mask=null)
        for name, (values, null) in facts.items()
    }


def _fen_column(table: pa.Table, name: str) -> Ints:
    return fen(
        np.asarray(pc.fill_null(table.column(name).cast(pa.float64()), 0.0).to_numpy(), dtype=np.float64)
    )


def _sudden_events(
    events: pa.Table, ids: Ints, event_months: pa.ChunkedArray | pa.Array | None, on: date
) -> Ints:
    """Per household, its events after the day ``sudden_event_months`` months before ``on``, up to ``on``."""
    n = len(ids)
    rows = _rows_of(ids, _ints(events.column("household_id")))
    occurred, no_date = _date_days(events.column("occurred_on"))
    if event_months is None:
        per_household = np.full(n, DEFAULT_EVENT_MONTHS, dtype=np.int64)
    else:
        filled = pc.fill_null(event_months.cast(pa.float64()), float(DEFAULT_EVENT_MONTHS))
        months = np.asarray(filled.to_numpy(), dtype=np.float64)
        per_household = np.rint(months).astype(np.int64)  # halves to even, as SQL's CAST to INTEGER
    known = (rows >= 0) & ~no_date
    after = np.zeros(len(rows), dtype=np.int64)
    window = per_household[rows[known]]
    for months in np.unique(window).tolist():  # the values in force: a handful
        after[np.flatnonzero(known)[window == months]] = _days(_months_before(on, months))
    counted = known & (occurred <= _days(on)) & (occurred > after)
    return _count(rows, counted, n)
