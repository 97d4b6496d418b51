"""The batch computation without the database: restrict a snapshot, run the compiled rules on DuckDB or
PySpark, and find the households whose date-dependent facts move between two screening dates.

Importable without Django (Spark's executors import it): Django's models only inside functions."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date, timedelta
from functools import reduce
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.compute as pc

from bottomline.engine.snapshot import Snapshot
from bottomline.rules.catalog import RULES, Rule
from bottomline.rules.screening import compile_screening, flag_column

ENGINES = ("duckdb", "spark")
DEFAULT_EVENT_MONTHS = 12  # sudden_event_months when no value is in force (as in engine.features)


def snapshot_restrict(snapshot: Snapshot, households: pa.Array | Iterable[int]) -> Snapshot:
    """The snapshot's rows of some households only."""
    ids = households if isinstance(households, pa.Array) else pa.array(sorted(households), pa.int64())
    return Snapshot(
        **{
            f.name: (table := getattr(snapshot, f.name)).filter(
                pc.is_in(table.column("household_id").cast(pa.int64()), value_set=ids)
            )
            for f in dataclasses.fields(Snapshot)
        }
    )


def snapshot_in_region(snapshot: Snapshot, low: str, high: str) -> Snapshot:
    """The snapshot's households whose village code lies in [low, high], with their rows."""
    codes = snapshot.households.column("village_code")
    keep = snapshot.households.filter(pc.and_(pc.greater_equal(codes, low), pc.less_equal(codes, high)))
    return snapshot_restrict(snapshot, keep.column("household_id").combine_chunks().cast(pa.int64()))


def rules_apply(features: pa.Table, *, engine: str = "duckdb", rules: tuple[Rule, ...] = RULES) -> pa.Table:
    """The compiled rules over a feature table: one row per household with any hit (flags and values)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: choose from {', '.join(ENGINES)}")
    if engine == "spark":
        from bottomline.engine.spark import spark_backend, spark_table

        result: pa.Table = spark_backend().to_pyarrow(hits_query(spark_table(features, "features"), rules))
        return result
    import duckdb

    with duckdb.connect() as con:
        con.register("features", features)
        return con.sql(hits_sql(features.schema, rules)).to_arrow_table()


_SQL: dict[tuple[pa.Schema, str], str] = {}


def hits_sql(schema: pa.Schema, rules: tuple[Rule, ...] = RULES) -> str:
    """``hits_query`` as DuckDB's SQL over a table named ``features`` of this schema, compiled once per schema and
    rules: Ibis's expression and compilation cost about 50 ms a call, as much as the rules themselves over a small
    incremental run's households."""
    key = (schema, repr(rules))  # rules hold dicts (not hashable); their repr spells every node
    if key not in _SQL:
        if len(_SQL) >= 16:  # a handful of schemas in a process: bounded all the same
            _SQL.clear()
        _SQL[key] = ibis.to_sql(hits_query(ibis.table(schema, name="features"), rules), dialect="duckdb")
    return _SQL[key]


def hits_query(table: Any, rules: tuple[Rule, ...] = RULES) -> Any:
    """The compiled rules over an Ibis feature table, on any backend: the households with any hit."""
    screened = compile_screening(table, rules)
    any_hit = reduce(lambda a, b: a | b, [screened[flag_column(r)] for r in rules])
    return screened.filter(any_hit)


def date_sensitive(
    snapshot: Snapshot, before: date, after: date, event_months: Iterable[int] = (DEFAULT_EVENT_MONTHS,)
) -> set[int]:
    """Households whose facts may differ between two screening dates although no row changed: a member turns
    6 or 16 (enters or leaves school age), or a sudden event enters or leaves the look-back window of
    ``event_months`` (the values of ``sudden_event_months`` in force). Windows are widened by two days (leap
    days): a few households too many are screened again, none too few."""
    from bottomline.registry.features import months_before  # Django's models: not on import (Spark executors)

    low, high = sorted((before, after))
    if low == high:
        return set()
    slack = timedelta(days=2)
    found: set[int] = set()

    def between(table: pa.Table, column: str, start: date, end: date) -> None:
        values = table.column(column).cast(pa.date32())
        hit = pc.and_(pc.greater_equal(values, start - slack), pc.less_equal(values, end + slack))
        found.update(table.column("household_id").filter(hit).to_pylist())

    for age in (6, 16):  # school age is 6 to 15: the 6th and the 16th birthday
        between(snapshot.members, "birth_date", _years_before(low, age), _years_before(high, age))
    events = getattr(snapshot, "events", None)
    if events is not None and events.num_rows:
        between(events, "occurred_on", low, high)  # entering the window
        for months in set(event_months):
            between(events, "occurred_on", months_before(low, months), months_before(high, months))  # leaving
    return {int(h) for h in found}


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)
