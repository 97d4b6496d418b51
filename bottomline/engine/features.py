"""The feature table for a whole registry snapshot, in DuckDB: the same facts as
``registry.features.household_facts`` computes for one household (the conformance test holds them equal)."""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa

from bottomline.engine.snapshot import Snapshot
from bottomline.registry.choices import LABOUR_CAPABLE

FEATURES_SQL = """
WITH
inc AS (
    SELECT household_id,
           CAST(per_capita_income AS DOUBLE) AS pc,
           CAST(net_income AS DOUBLE) AS net,
           CAST(rigid_spending AS DOUBLE) AS rigid,
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


def batch_features(snapshot: Snapshot, params: pa.Table, *, on: date) -> pa.Table:
    """One row per household: the rule facts and the ``param_*`` columns in force for its county."""
    age = (
        f"(year(DATE '{on.isoformat()}') - year(CAST(birth_date AS DATE))"
        f" - CASE WHEN strftime(DATE '{on.isoformat()}', '%m%d') < strftime(CAST(birth_date AS DATE), '%m%d')"
        " THEN 1 ELSE 0 END)"
    )
    labour = ", ".join(f"'{value}'" for value in LABOUR_CAPABLE)
    con = duckdb.connect()
    try:
        con.register("households", snapshot.households)
        con.register("members", snapshot.members)
        con.register("incomes", snapshot.incomes)
        con.register("events", snapshot.events)
        con.register("params", params)
        return con.sql(FEATURES_SQL.format(age=age, labour=labour, on=on.isoformat())).to_arrow_table()
    finally:
        con.close()
