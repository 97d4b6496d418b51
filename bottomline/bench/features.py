"""W1 features: ``engine.features.batch_features`` against the DuckDB SQL it replaced, in the same run.

At tiers S (1M members) and M (10M) of the synthetic population (``synth_parquet``, scaled to the tier): the
full screening as ``engine.services.screening_run`` computes it without the database (Parquet read, features,
compiled rules on Ibis → DuckDB), once with the former features query (kept here only as the baseline) and
once with the vectorised ``batch_features``; the two feature tables must be equal, column by column and row
by row. Then the same on Spark (issue #16): the features in Spark's executors, a task per county running the
same ``batch_features`` on that county's Parquet files (``engine.spark.spark_features``), and the compiled rules
on that DataFrame (``spark_screen``), whole feature + rules timed from the snapshot folder; its feature table must
equal the DuckDB path's column by column and its flags rule by rule. ``BENCH_FEATURES_TIERS`` picks tiers
(default ``S,M``); ``BENCH_FEATURES_SPARK`` the tiers that also run on Spark (default ``S``; Spark's master and
driver memory from ``BOTTOMLINE_SPARK_MASTER``, default ``local[2]``, and ``BOTTOMLINE_SPARK_MEMORY``, ``4g``).
"""

from __future__ import annotations

import gc
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import NamedTuple

import duckdb
import pyarrow as pa

from bottomline.bench.report import append, check, environment_line
from bottomline.bench.scratch import TIERS, scratch_registry, tier_write, tiers_from, timed
from bottomline.engine.snapshot import Snapshot

ON = date(2026, 11, 1)
TARGET = "W1 at M ≤ 5 s"
W1_SECONDS = {"M": 5.0, "L": 30.0}

# The features query as it was until this benchmark's commit (window and self-joins over incomes, ages by
# strftime, a final sort): the baseline. Since issue #13 it also computes the facts added then (income after
# rigid spending, its medical and education parts, money to the fen), which on the generator's calendar-year
# periods equal rules.periods' definition.
SQL_BEFORE = """
WITH
inc AS (
    SELECT household_id,
           CAST(per_capita_income AS DOUBLE) AS pc,
           CAST(net_income AS DOUBLE) AS net,
           round(CAST(rigid_spending AS DOUBLE) * 100) / 100 AS rigid,  -- to the fen, as rules.periods
           CAST(medical_spending AS DOUBLE) AS medical,
           CAST(education_spending AS DOUBLE) AS education,
           -- (net - rigid) per person in fen, half away from zero (rules.periods; every period here a year)
           sign(round(net_income * 100) - round(rigid_spending * 100))
             * ((2 * abs(CAST(round(net_income * 100) - round(rigid_spending * 100) AS BIGINT)) + household_size)
                // (2 * household_size)) / 100.0 AS after,
           (year(CAST(period_end AS DATE)) - year(CAST(period_start AS DATE))) * 12
             + month(CAST(period_end AS DATE)) - month(CAST(period_start AS DATE)) + 1 AS months,
           row_number() OVER (PARTITION BY household_id ORDER BY CAST(period_start AS DATE) DESC) AS rn
    FROM incomes
),
lines AS (
    SELECT h.household_id, p.param_monitoring_line AS line
    FROM households h JOIN params p ON p.county_code = substr(h.village_code, 1, 6) || '000000'
),
breaks AS (  -- the newest period at or below which the run of periods above the line stops
    SELECT inc.household_id, min(inc.rn) AS first_break
    FROM inc JOIN lines USING (household_id)
    WHERE inc.pc IS NULL OR lines.line IS NULL OR inc.pc < lines.line
    GROUP BY inc.household_id
),
income_facts AS (
    SELECT inc.household_id,
           max(CASE WHEN rn = 1 THEN pc END) AS per_capita_income,
           max(CASE WHEN rn = 2 THEN pc END) AS previous_per_capita_income,
           max(CASE WHEN rn = 1 THEN net END) AS net_income,
           max(CASE WHEN rn = 1 THEN rigid END) AS rigid_spending,
           max(CASE WHEN rn = 1 THEN after END) AS per_capita_income_after_spending,
           max(CASE WHEN rn = 1 THEN medical END) AS medical_spending,
           max(CASE WHEN rn = 1 THEN education END) AS education_spending,
           coalesce(sum(CASE WHEN rn < coalesce(b.first_break, 2147483647) AND l.line IS NOT NULL THEN months END), 0)
             AS months_above_line
    FROM inc LEFT JOIN breaks b USING (household_id) LEFT JOIN lines l USING (household_id)
    GROUP BY inc.household_id
),
member_facts AS (
    SELECT household_id,
           count(*) AS members,
           count(*) FILTER (WHERE labour IN ({labour})) AS labour_members,
           count(*) FILTER (
               WHERE {age} BETWEEN 6 AND 15 AND student_status IN ('none', 'dropped_out')
           ) AS school_age_out_of_school,
           count(*) FILTER (WHERE NOT CAST(medical_insurance AS BOOLEAN)) AS uninsured_members
    FROM members
    GROUP BY household_id
),
event_facts AS (  -- events after the day sudden_event_months months before the screening date, up to it
    SELECT e.household_id, count(*) AS sudden_events
    FROM events e
    JOIN households h USING (household_id)
    LEFT JOIN params p ON p.county_code = substr(h.village_code, 1, 6) || '000000'
    WHERE CAST(e.occurred_on AS DATE) <= DATE '{on}'
      AND CAST(e.occurred_on AS DATE) > CAST(
          DATE '{on}' - to_months(CAST(coalesce(p.param_sudden_event_months, 12) AS INTEGER)) AS DATE)
    GROUP BY e.household_id
)
SELECT h.household_id,
       h.household_type,
       h.welfare,
       coalesce(m.members, 0) AS members,
       coalesce(m.labour_members, 0) AS labour_members,
       i.per_capita_income,
       i.previous_per_capita_income,
       i.net_income,
       i.rigid_spending,
       i.per_capita_income_after_spending,
       i.medical_spending,
       i.education_spending,
       CAST(coalesce(i.months_above_line, 0) AS BIGINT) AS months_above_line,
       coalesce(m.school_age_out_of_school, 0) AS school_age_out_of_school,
       coalesce(m.uninsured_members, 0) AS uninsured_members,
       h.housing_grade,
       CAST(h.safe_water AS BOOLEAN) AS safe_water,
       CAST(coalesce(ev.sudden_events, 0) AS BIGINT) AS sudden_events,
       p.* EXCLUDE (county_code)
FROM households h
LEFT JOIN member_facts m USING (household_id)
LEFT JOIN income_facts i USING (household_id)
LEFT JOIN event_facts ev USING (household_id)
LEFT JOIN params p ON p.county_code = substr(h.village_code, 1, 6) || '000000'
ORDER BY h.household_id
"""


def features_before(snapshot: Snapshot, params: pa.Table, *, on: date) -> pa.Table:
    """The former ``batch_features``: one DuckDB query over the Arrow snapshot."""
    from bottomline.registry.choices import LABOUR_CAPABLE

    age = (
        f"(year(DATE '{on.isoformat()}') - year(CAST(birth_date AS DATE))"
        f" - CASE WHEN strftime(DATE '{on.isoformat()}', '%m%d') < strftime(CAST(birth_date AS DATE), '%m%d')"
        " THEN 1 ELSE 0 END)"
    )
    labour = ", ".join(f"'{value}'" for value in LABOUR_CAPABLE)
    con = duckdb.connect()
    try:
        for name in ("households", "members", "incomes", "events"):
            con.register(name, getattr(snapshot, name))
        con.register("params", params)
        result: pa.Table = con.sql(
            SQL_BEFORE.format(age=age, labour=labour, on=on.isoformat())
        ).to_arrow_table()
        return result
    finally:
        con.close()


def _flags(hits: pa.Table) -> dict[int, tuple[str, ...]]:
    """Household → the codes of the rules that hold."""
    from bottomline.rules.catalog import RULES
    from bottomline.rules.screening import flag_column

    ids = hits.column("household_id").to_pylist()
    columns = {r.code: hits.column(flag_column(r)).to_pylist() for r in RULES}
    return {h: tuple(code for code, flags in columns.items() if flags[i]) for i, h in enumerate(ids)}


def spark_run(
    name: str, out: Path, counties: list[str], params: pa.Table, duck: tuple[pa.Table, pa.Table]
) -> list[str]:
    """Features and rules on Spark from the snapshot folder, cold (JVM start included) and warm; checked
    against the DuckDB path's feature table and flags."""
    from bottomline.engine.spark import spark_features, spark_screen, spark_session

    features, hits = duck
    _, t_start = timed(spark_session)

    def whole() -> pa.Table:
        return spark_screen(spark_features(out, counties, params, on=ON))

    cold, t_cold = timed(whole)
    warm, t_warm = timed(whole)
    table = spark_features(out, counties, params, on=ON).toArrow().sort_by("household_id")
    same_features = table.column_names == features.column_names and all(
        table.column(n).type == features.column(n).type and table.column(n).equals(features.column(n))
        for n in features.column_names
    )
    same_flags = _flags(cold) == _flags(hits) == _flags(warm)
    del table, cold, warm
    verdict = "equal" if same_features else "differ"
    flags = "same" if same_flags else "differ"
    master = os.environ.get("BOTTOMLINE_SPARK_MASTER", "local[1]")
    return [
        f"On Spark ({master}, {os.environ.get('BOTTOMLINE_SPARK_MEMORY', '512m')} driver), features and rules "
        f"from the snapshot folder, a task per county: {t_cold:.2f} s the first time (after {t_start:.1f} s "
        f"starting the JVM), {t_warm:.2f} s warm; feature table {verdict} to the DuckDB path's column by column "
        f"({check('features', f'W1 at {name}: Spark features equal DuckDB path', verdict, same_features)}), "
        f"flags {flags} rule by rule ({check('features', f'W1 at {name}: Spark flags as DuckDB', flags, same_flags)}).",
        "",
    ]


class Pass(NamedTuple):
    """One way of screening a tier: its feature table, the seconds of each step, the households flagged."""

    table: pa.Table
    read: float
    features: float
    rules: float
    flagged: int

    @property
    def seconds(self) -> float:
        """W1: read, features and rules."""
        return self.read + self.features + self.rules


def tier_run(name: str, members: int, counties: list[str], root: Path, spark: bool) -> list[str]:
    """Before and after for one tier; the table rows for the doc."""
    import shutil

    from bottomline.engine.batch import rules_apply
    from bottomline.engine.features import batch_features
    from bottomline.engine.params import params_by_county
    from bottomline.engine.parquet import snapshot_read

    out = root / name
    counts, generate = tier_write(members=members, counties=counties, out=out, on=ON)
    params = params_by_county(counties, on=ON)
    rules_apply(batch_features(snapshot_read(out, counties=[counties[0][:6]]), params, on=ON))  # warm-up
    runs = {}
    for label, features in (
        ("before: DuckDB SQL", features_before),
        ("after: `batch_features`", batch_features),
    ):
        snapshot, t_read = timed(snapshot_read, out)
        table, t_features = timed(features, snapshot, params, on=ON)
        hits, t_rules = timed(rules_apply, table)
        runs[label] = Pass(table, t_read, t_features, t_rules, hits.num_rows)
        del snapshot
    b, a = runs.values()
    before, after = b.table, a.table
    same = before.equals(after)
    rows = [
        f"**Tier {name}**: {counts['members']:,} members, {counts['households']:,} households, "
        f"{counts['incomes']:,} income periods, {counts['events']:,} events in {len(counties)} counties "
        f"(synth to Parquet {generate:.1f} s, not counted).",
        "",
        "| W1 full screening | read Parquet | features | rules (Ibis → DuckDB) | total | flagged |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {label} | {p.read:.2f} | {p.features:.2f} | {p.rules:.2f} | {p.seconds:.2f} | {p.flagged:,} |"
            for label, p in runs.items()
        ),
        "",
        f"Features {b.features / a.features:.1f}× faster; feature tables "
        f"{'equal (every column, every row, same order)' if same else '**differ**'} "
        f"({check('features', f'W1 at {name}: features equal the SQL version', 'equal' if same else 'differ', same)})"
        + (
            f"; W1 at {name} (read, features, rules) {a.seconds:.2f} s: "
            f"{check('features', f'W1 at {name} ≤ {W1_SECONDS[name]:.0f} s', f'{a.seconds:.2f} s', a.seconds <= W1_SECONDS[name])}."
            if name in W1_SECONDS
            else "."
        ),
        "",
    ]
    if spark:
        rows += spark_run(name, out, counties, params, (after, hits))
    del before, after, runs, hits
    shutil.rmtree(out)
    gc.collect()
    return rows


def main() -> None:
    tiers = tiers_from("BENCH_FEATURES_TIERS")
    on_spark = {t.strip() for t in os.environ.get("BENCH_FEATURES_SPARK", "S").split(",") if t.strip()}
    os.environ.setdefault("BOTTOMLINE_SPARK_MASTER", "local[2]")
    os.environ.setdefault("BOTTOMLINE_SPARK_MEMORY", "4g")
    with tempfile.TemporaryDirectory() as tmp:
        counties = scratch_registry(tmp)
        lines: list[str] = []
        for name in tiers:
            lines += tier_run(name, TIERS[name], counties, Path(tmp), spark=name in on_spark)
        append(
            "Screening W1, features before and after (`make bench` → features)",
            [
                environment_line("Parquet snapshot; DuckDB and Ibis in memory; PySpark"),
                "",
                *lines,
                f"Target: {TARGET} (read, features and rules; writing results to the database not included).",
            ],
        )
