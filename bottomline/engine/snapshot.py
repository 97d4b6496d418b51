"""Reading the registry as Arrow tables through ADBC (PostgreSQL in this process, SQLite in a child process),
without Django's row objects."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute
from django.db import connection

from bottomline.engine.arrow_read import QUERIES, tables_read

# The layout of every table of a snapshot, in the database's reading and in Parquet (engine.parquet).
SCHEMAS: dict[str, pa.Schema] = {
    "households": pa.schema(
        [
            ("household_id", pa.int64()),
            ("village_code", pa.string()),
            ("household_type", pa.string()),
            ("welfare", pa.string()),
            ("housing_grade", pa.string()),
            ("safe_water", pa.bool_()),
            ("monitored_since", pa.date32()),
        ]
    ),
    "members": pa.schema(
        [
            ("household_id", pa.int64()),
            ("birth_date", pa.date32()),
            ("student_status", pa.string()),
            ("labour", pa.string()),
            ("medical_insurance", pa.bool_()),
        ]
    ),
    "incomes": pa.schema(
        [
            ("household_id", pa.int64()),
            ("period_start", pa.date32()),
            ("period_end", pa.date32()),
            ("household_size", pa.int64()),
            ("per_capita_income", pa.float64()),
            ("net_income", pa.float64()),
            ("rigid_spending", pa.float64()),
            ("medical_spending", pa.float64()),
            ("education_spending", pa.float64()),
        ]
    ),
    "events": pa.schema([("household_id", pa.int64()), ("kind", pa.string()), ("occurred_on", pa.date32())]),
}


@dataclass(frozen=True)
class Snapshot:
    """The registry tables the screening reads."""

    households: pa.Table
    members: pa.Table
    incomes: pa.Table
    # A default, so that snapshots built without feeds (older Parquet exports, tests) have no events.
    events: pa.Table = field(default_factory=lambda: SCHEMAS["events"].empty_table())


def _sqlite_tables(households: list[int] | None) -> dict[str, pa.Table]:
    """The tables read by a child process (arrow_read's docstring says why never in this one)."""
    uri = f"{Path(connection.settings_dict['NAME']).absolute().as_uri()}?mode=ro"
    package_root = str(Path(__file__).resolve().parents[2])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
    }
    tables: dict[str, pa.Table] = {}
    # Files, not pipes, for the ids in and the errors out: neither side can then wait on the other.
    with tempfile.TemporaryFile() as ids, tempfile.TemporaryFile() as errors:
        ids.write(json.dumps(households).encode())
        ids.seek(0)
        child = subprocess.Popen(  # noqa: S603  (this interpreter, our own module, the database's own path)
            [sys.executable, "-m", "bottomline.engine.arrow_read", uri],
            stdin=ids,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=env,
        )
        with child:
            try:
                for name in QUERIES:
                    tables[name] = pa.ipc.open_stream(child.stdout).read_all()
            except pa.ArrowInvalid:
                pass  # the child failed before writing: its error is reported below
        errors.seek(0)
        error = errors.read().decode(errors="replace").strip()
    if child.returncode != 0 or len(tables) < len(QUERIES):
        last = error.splitlines()[-1] if error else f"exit status {child.returncode}"
        raise RuntimeError(f"reading the SQLite registry failed: {last}")
    return tables


def _postgres_tables(households: list[int] | None) -> dict[str, pa.Table]:
    import adbc_driver_postgresql.dbapi as pg_adbc

    settings = connection.settings_dict
    user = settings.get("USER") or ""
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    con = pg_adbc.connect(f"postgresql://{auth}{settings['HOST'] or 'localhost'}{port}/{settings['NAME']}")
    try:
        return tables_read(con, "postgresql", households)
    finally:
        con.close()


# The type of every snapshot column, from the layout (SQLite gives no types for an empty result, and the engine
# needs them); a name has one type in every table.
COLUMN_TYPES = {f.name: f.type for schema in SCHEMAS.values() for f in schema}


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
        if column.type != f.type and column.null_count == len(column):
            column = pa.nulls(len(column), f.type)  # SQLite types a column of nulls by guess (as int64)
        elif column.type != f.type and pa.types.is_date32(f.type) and pa.types.is_string(column.type):
            column = pa.compute.cast(pa.compute.strptime(column, "%Y-%m-%d", "s"), f.type)
        columns.append(column.cast(f.type))
    return pa.Table.from_arrays(columns, schema=schema)


def read_snapshot(households: Iterable[int] | None = None) -> Snapshot:
    """Read the tables in one go, of every household or of the given ones only (the caller's transaction must
    be committed: the reader has its own)."""
    only = None if households is None else sorted(int(h) for h in households)
    if connection.vendor == "sqlite":
        tables = _sqlite_tables(only)
    elif connection.vendor == "postgresql":
        tables = _postgres_tables(only)
    else:
        raise RuntimeError(f"no Arrow reader for {connection.vendor}")
    return Snapshot(**{name: typed(table) for name, table in tables.items()})
