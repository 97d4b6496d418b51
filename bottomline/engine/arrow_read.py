"""The registry columns the screening reads, as Arrow tables through ADBC; run as a program, it reads a SQLite
file in a process of its own and writes the tables to standard output as Arrow IPC streams.

Why a process of its own: ADBC's SQLite driver bundles its own SQLite library. Opened on the live file in the
process where Django's SQLite also has it open, closing it drops Django's POSIX locks on the file (locks belong
to the process, not the library), so the web server takes itself for the last connection, checkpoints and
deletes the WAL under the screening, and the file is corrupted (issue #16). No Django import here.
"""

from __future__ import annotations

import json
import sys
from typing import Any, BinaryIO

import pyarrow as pa

# Only the columns the screening reads: no names, no encrypted numbers. ``monitored_since``: the day the
# household's open case was identified (a household has at most one open case), from which months above the line
# count for risk elimination (docs/workflow.md). ``{only}`` narrows a query to some
# households (an incremental run reads only the touched ones), or is empty.
QUERIES = {
    "households": """
        SELECT h.id AS household_id, r.code AS village_code, h.household_type, h.welfare, h.housing_grade,
               h.safe_water, c.identified_on AS monitored_since
        FROM registry_household h JOIN regions_region r ON r.id = h.village_id
        LEFT JOIN monitoring_case c ON c.household_id = h.id AND c.closed_at IS NULL
        WHERE 1 = 1 {only}
    """,
    "members": """
        SELECT household_id, birth_date, student_status, labour, medical_insurance
        FROM registry_member WHERE household_id IS NOT NULL {only}
    """,
    "incomes": """
        SELECT household_id, period_start, period_end, household_size,
               CAST(per_capita_net_income AS DOUBLE PRECISION) AS per_capita_income,
               CAST(net_income AS DOUBLE PRECISION) AS net_income,
               CAST(medical_out_of_pocket AS DOUBLE PRECISION) + CAST(education_out_of_pocket AS DOUBLE PRECISION)
                 + CAST(other_rigid AS DOUBLE PRECISION) AS rigid_spending,
               CAST(medical_out_of_pocket AS DOUBLE PRECISION) AS medical_spending,
               CAST(education_out_of_pocket AS DOUBLE PRECISION) AS education_spending
        FROM registry_incomerecord WHERE 1 = 1 {only}
    """,
    # Sudden events from department feeds (feeds.Event): the rules count those of recent months.
    "events": """
        SELECT household_id, kind, occurred_on FROM feeds_event WHERE 1 = 1 {only}
    """,
}
# The condition "among these households", one parameter holding a JSON array of ids, in each driver's dialect.
AMONG = {
    "sqlite": "AND {column} IN (SELECT value FROM json_each(?))",
    "postgresql": "AND {column} IN (SELECT jsonb_array_elements_text($1::jsonb)::bigint)",
}


def tables_read(con: Any, dialect: str, households: list[int] | None = None) -> dict[str, pa.Table]:
    """Every query's result from an open ADBC connection, as the driver types it; of some households only when
    they are given."""
    tables = {}
    with con.cursor() as cursor:
        for name, sql in QUERIES.items():
            if households is None:
                cursor.execute(sql.format(only=""))
            else:
                column = "h.id" if name == "households" else "household_id"
                only = AMONG[dialect].format(column=column)
                cursor.execute(sql.format(only=only), parameters=(json.dumps(households),))
            tables[name] = cursor.fetch_arrow_table()
    return tables


def sqlite_stream(uri: str, out: BinaryIO, households: list[int] | None = None) -> None:
    """Read the SQLite file at ``uri`` (read-only) and write each table to ``out``, in QUERIES' order."""
    import adbc_driver_sqlite.dbapi as sqlite_adbc

    con = sqlite_adbc.connect(uri)
    try:
        tables = tables_read(con, "sqlite", households)
    finally:
        con.close()
    for table in tables.values():
        with pa.ipc.new_stream(out, table.schema) as writer:
            writer.write_table(table)


if __name__ == "__main__":
    # The households to read, if only some: a JSON array on standard input ("null" for all).
    sqlite_stream(sys.argv[1], sys.stdout.buffer, json.load(sys.stdin))
