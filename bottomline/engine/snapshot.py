"""Reading the registry as Arrow tables through ADBC (SQLite or PostgreSQL), without Django's row objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute
from django.db import connection

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
        SELECT household_id, period_start, period_end,
               CAST(per_capita_net_income AS DOUBLE PRECISION) AS per_capita_income,
               CAST(net_income AS DOUBLE PRECISION) AS net_income,
               CAST(medical_out_of_pocket AS DOUBLE PRECISION) + CAST(education_out_of_pocket AS DOUBLE PRECISION)
                 + CAST(other_rigid AS DOUBLE PRECISION) AS rigid_spending
        FROM registry_incomerecord
    """,
    # Sudden events from department feeds (feeds.Event): the rules count those of recent months.
    "events": """
        SELECT household_id, kind, occurred_on FROM feeds_event
    """,
}


@dataclass(frozen=True)
class Snapshot:
    """The registry tables the screening reads."""

    households: pa.Table
    members: pa.Table
    incomes: pa.Table
    # A default, so that snapshots built without feeds (older Parquet exports, tests) have no events.
    events: pa.Table = field(
        default_factory=lambda: pa.schema(
            [("household_id", pa.int64()), ("kind", pa.string()), ("occurred_on", pa.date32())]
        ).empty_table()
    )


def _adbc_connect() -> Any:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        import adbc_driver_sqlite.dbapi as sqlite_adbc

        # Read-only: a writable connection of ADBC's own SQLite, closing in the process where Django's SQLite
        # has the file open, checkpoints and deletes the WAL under Django, whose later writes then vanish.
        return sqlite_adbc.connect(f"{Path(settings['NAME']).absolute().as_uri()}?mode=ro")
    if connection.vendor == "postgresql":
        import adbc_driver_postgresql.dbapi as pg_adbc

        user = settings.get("USER") or ""
        password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
        auth = f"{user}{password}@" if user else ""
        port = f":{settings['PORT']}" if settings.get("PORT") else ""
        return pg_adbc.connect(
            f"postgresql://{auth}{settings['HOST'] or 'localhost'}{port}/{settings['NAME']}"
        )
    raise RuntimeError(f"no ADBC driver for {connection.vendor}")


# The type of every snapshot column: SQLite gives no types for an empty result, and the engine needs them.
COLUMN_TYPES = {
    "household_id": pa.int64(),
    "village_code": pa.string(),
    "household_type": pa.string(),
    "welfare": pa.string(),
    "housing_grade": pa.string(),
    "safe_water": pa.bool_(),
    "birth_date": pa.date32(),
    "student_status": pa.string(),
    "labour": pa.string(),
    "medical_insurance": pa.bool_(),
    "period_start": pa.date32(),
    "period_end": pa.date32(),
    "per_capita_income": pa.float64(),
    "net_income": pa.float64(),
    "rigid_spending": pa.float64(),
    "kind": pa.string(),
    "occurred_on": pa.date32(),
}


def typed(table: pa.Table) -> pa.Table:
    """The table with every known column in its declared type (dates given as text are parsed)."""
    schema = pa.schema([(f.name, COLUMN_TYPES.get(f.name, f.type)) for f in table.schema])
    if table.schema.equals(schema):
        return table
    if table.num_rows == 0:
        return schema.empty_table()
    columns = []
    for f in schema:
        column = table.column(f.name)
        if column.type != f.type and pa.types.is_date32(f.type) and pa.types.is_string(column.type):
            column = pa.compute.cast(pa.compute.strptime(column, "%Y-%m-%d", "s"), f.type)
        columns.append(column.cast(f.type))
    return pa.Table.from_arrays(columns, schema=schema)


def read_snapshot() -> Snapshot:
    """Read the three tables in one go (the caller's transaction must be committed: ADBC has its own)."""
    con = _adbc_connect()
    try:
        tables = {}
        with con.cursor() as cursor:
            for name, sql in QUERIES.items():
                cursor.execute(sql)
                tables[name] = typed(cursor.fetch_arrow_table())
    finally:
        con.close()
    return Snapshot(**tables)
