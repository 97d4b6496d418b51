"""Registry snapshots as Parquet: one sub-directory per table, hive-partitioned by county.

``<dir>/<table>/county=630106/part-0.parquet`` with exactly the columns of ``SCHEMAS`` (plus the ``county``
partition column when read). Written by ``manage.py snapshot_export`` and by the synthetic generator
(``synth_parquet``, which writes county by county through ``county_write``); read by ``snapshot_read``.
No Django here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bottomline.engine.snapshot import Snapshot

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
TABLES = tuple(SCHEMAS)
PART = "part-0.parquet"


def snapshot_tables() -> tuple[str, ...]:
    """The tables the ``Snapshot`` dataclass carries (``events`` once feeds add it)."""
    return tuple(f.name for f in dataclasses.fields(Snapshot))


def conform(name: str, table: pa.Table) -> pa.Table:
    """A table with exactly the layout's columns, in order and with their types (extra columns dropped)."""
    schema = SCHEMAS[name]
    return table.select(schema.names).cast(schema)


def county_write(out: Path, county: str, tables: Mapping[str, pa.Table]) -> dict[str, int]:
    """Write one county's rows of each table (the generator's way: county by county); rows written."""
    counts: dict[str, int] = {}
    for name, table in tables.items():
        folder = out / name / f"county={county}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(conform(name, table), folder / PART, compression="zstd")
        counts[name] = table.num_rows
    return counts


def snapshot_write(snapshot: Snapshot, out: Path) -> dict[str, int]:
    """Write a whole snapshot in the layout; every table is split by its household's county."""
    households = snapshot.households
    county_of = pa.table(
        {
            "household_id": households.column("household_id").cast(pa.int64()),
            "county": pc.utf8_slice_codeunits(households.column("village_code").cast(pa.string()), 0, 6),
        }
    )
    tables = {name: getattr(snapshot, name) for name in snapshot_tables()}
    for name in TABLES:
        tables.setdefault(name, SCHEMAS[name].empty_table())
    counts = dict.fromkeys(TABLES, 0)
    for name in TABLES:  # a county gone since the last export must not linger
        for stale in (out / name).glob(f"county=*/{PART}"):
            stale.unlink()
    for name, table in tables.items():
        table = conform(name, table)
        joined = table.join(county_of, "household_id", join_type="inner") if name != "households" else None
        with_county = joined if joined is not None else table.append_column("county", county_of["county"])
        for county in sorted(set(with_county.column("county").to_pylist())):
            part = with_county.filter(pc.equal(with_county.column("county"), county)).drop_columns(["county"])
            counts[name] += county_write(out, county, {name: part.sort_by("household_id")})[name]
        # A county without rows in this table still reads back as an empty table.
        (out / name).mkdir(parents=True, exist_ok=True)
    return counts


def table_read(
    path: Path,
    name: str,
    *,
    counties: Iterable[str] | None = None,
    households: pa.Array | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pa.Table:
    """One table of a Parquet snapshot (optionally only some counties, 6 digits, or some households).

    Read by DuckDB: all files at once on every core."""
    folder = path / name
    if not folder.is_dir() or not any(folder.glob(f"county=*/{PART}")):
        return SCHEMAS[name].empty_table()
    own = con is None
    con = con or duckdb.connect()
    try:
        where: list[str] = []
        args: list[object] = [str(folder / "county=*" / PART)]
        if counties is not None:
            where.append("county IN (SELECT unnest(CAST(? AS VARCHAR[])))")
            args.append(sorted(set(counties)))
        columns = ", ".join(SCHEMAS[name].names)
        sql = (
            f"SELECT {columns} FROM read_parquet(?, hive_partitioning = true, hive_types = {{'county': VARCHAR}})"  # noqa: S608  (names from SCHEMAS)
            + (" WHERE " + " AND ".join(where) if where else "")
        )
        result: pa.Table = con.sql(sql, params=args).to_arrow_table().cast(SCHEMAS[name])
    finally:
        if own:
            con.close()
    if households is not None:  # faster than a semi-join in DuckDB: the files are read whole anyway
        result = result.filter(pc.is_in(result.column("household_id"), value_set=households.cast(pa.int64())))
    return result


def snapshot_read(
    path: Path, *, counties: Iterable[str] | None = None, households: pa.Array | None = None
) -> Snapshot:
    """A Parquet snapshot as the Arrow tables the screening reads."""
    counties = None if counties is None else list(counties)
    con = duckdb.connect()
    try:
        tables = {
            name: table_read(path, name, counties=counties, households=households, con=con)
            for name in snapshot_tables()
        }
    finally:
        con.close()
    return Snapshot(**tables)


def county_read(path: str | Path, county: str) -> Snapshot:
    """One county's tables of a Parquet snapshot (six digits), reading that county's folders and no other:
    what a Spark executor screening one county reads (engine.spark). ``path`` may be a local folder or a URI
    pyarrow's file systems know (``hdfs://``, ``s3://``): a cluster's executors must all reach it."""
    from pyarrow import fs

    filesystem, root = (
        fs.FileSystem.from_uri(str(path)) if "://" in str(path) else (fs.LocalFileSystem(), str(path))
    )
    tables: dict[str, pa.Table] = {}
    for name in snapshot_tables():
        folder = f"{root}/{name}/county={county}"
        if filesystem.get_file_info(folder).type == fs.FileType.Directory:
            tables[name] = conform(name, pq.read_table(folder, filesystem=filesystem, partitioning=None))
        else:  # no rows of this table in the county
            tables[name] = SCHEMAS[name].empty_table()
    return Snapshot(**tables)
