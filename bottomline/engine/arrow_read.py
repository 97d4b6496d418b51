"""The registry columns the screening reads, as Arrow tables through ADBC; run as a program, it reads a SQLite
file in a process of its own and writes the tables to standard output as Arrow IPC streams.

Why a process of its own: ADBC's SQLite driver bundles its own SQLite library. Opened on the live file in the
process where Django's SQLite also has it open, closing it drops Django's POSIX locks on the file (locks belong
to the process, not the library), so the web server takes itself for the last connection, checkpoints and
deletes the WAL under the screening, and the file is corrupted (issue #16). No Django import here.
"""

from __future__ import annotations

import sys
from typing import Any, BinaryIO

import pyarrow as pa

# Only the columns the screening reads: no names, no encrypted numbers.
QUERIES = {
    "households": """
        SELECT h.id AS household_id, r.code AS village_code, h.household_type, h.welfare, h.housing_grade,
               h.safe_water
        FROM registry_household h JOIN regions_region r ON r.id = h.village_id
    """,
    "members": """
        SELECT household_id, birth_date, student_status, labour, medical_insurance
        FROM registry_member WHERE household_id IS NOT NULL
    """,
    "incomes": """
        SELECT household_id, period_start, period_end, household_size,
               CAST(per_capita_net_income AS DOUBLE PRECISION) AS per_capita_income,
               CAST(net_income AS DOUBLE PRECISION) AS net_income,
               CAST(medical_out_of_pocket AS DOUBLE PRECISION) + CAST(education_out_of_pocket AS DOUBLE PRECISION)
                 + CAST(other_rigid AS DOUBLE PRECISION) AS rigid_spending,
               CAST(medical_out_of_pocket AS DOUBLE PRECISION) AS medical_spending,
               CAST(education_out_of_pocket AS DOUBLE PRECISION) AS education_spending
        FROM registry_incomerecord
    """,
    # Sudden events from department feeds (feeds.Event): the rules count those of recent months.
    "events": """
        SELECT household_id, kind, occurred_on FROM feeds_event
    """,
}


def tables_read(con: Any) -> dict[str, pa.Table]:
    """Every query's result from an open ADBC connection, as the driver types it."""
    tables = {}
    with con.cursor() as cursor:
        for name, sql in QUERIES.items():
            cursor.execute(sql)
            tables[name] = cursor.fetch_arrow_table()
    return tables


def sqlite_stream(uri: str, out: BinaryIO) -> None:
    """Read the SQLite file at ``uri`` (read-only) and write each table to ``out``, in QUERIES' order."""
    import adbc_driver_sqlite.dbapi as sqlite_adbc

    con = sqlite_adbc.connect(uri)
    try:
        tables = tables_read(con)
    finally:
        con.close()
    for table in tables.values():
        with pa.ipc.new_stream(out, table.schema) as writer:
            writer.write_table(table)


if __name__ == "__main__":
    sqlite_stream(sys.argv[1], sys.stdout.buffer)
