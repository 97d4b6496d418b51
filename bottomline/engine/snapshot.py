"""Reading the registry as Arrow tables through ADBC (SQLite or PostgreSQL), without Django's row objects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa
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
}


@dataclass(frozen=True)
class Snapshot:
    """The registry tables the screening reads."""

    households: pa.Table
    members: pa.Table
    incomes: pa.Table


def _adbc_connect() -> Any:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        import adbc_driver_sqlite.dbapi as sqlite_adbc

        return sqlite_adbc.connect(str(settings["NAME"]))
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


def read_snapshot() -> Snapshot:
    """Read the three tables in one go (the caller's transaction must be committed: ADBC has its own)."""
    con = _adbc_connect()
    try:
        tables = {}
        with con.cursor() as cursor:
            for name, sql in QUERIES.items():
                cursor.execute(sql)
                tables[name] = cursor.fetch_arrow_table()
    finally:
        con.close()
    return Snapshot(**tables)
