"""Registry snapshots as Parquet: one sub-directory per table, hive-partitioned by county.

``<dir>/<table>/county=630106/part-0.parquet`` with exactly the columns of ``SCHEMAS`` (plus the ``county``
partition column when read). Written by ``manage.py snapshot_export`` and by the synthetic generator
(``synth_parquet``, which writes county by county through ``county_write``); read by ``snapshot_read``.
No Django here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bottomline.engine.snapshot import SCHEMAS as SCHEMAS  # the layout, declared once with the snapshot
from bottomline.engine.snapshot import Snapshot

TABLES = tuple(SCHEMAS)
PART = "part-0.parquet"
# Which county holds each household: ``<dir>/index/households.parquet`` (household_id, county), sorted by id and
# written with the snapshot, so that a run over some households opens only the counties that hold them.
INDEX = Path("index") / "households.parquet"


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
    index_write(out)
    return counts


def index_write(out: Path) -> None:
    """Write the household → county index of a snapshot from its households' files (after the last county)."""
    index = out / INDEX
    index.parent.mkdir(parents=True, exist_ok=True)
    index.unlink(missing_ok=True)
    table = table_read_counties(out)
    pq.write_table(table, index, compression="zstd", row_group_size=1 << 20)


def table_read_counties(out: Path) -> pa.Table:
    """(household_id, county) of every household of a snapshot, by household id."""
    schema = pa.schema([("household_id", pa.int64()), ("county", pa.string())])
    folder = out / "households"
    if not any(folder.glob(f"county=*/{PART}")):
        return schema.empty_table()
    with duckdb.connect() as con:
        sql = (
            "SELECT household_id, county FROM read_parquet(?, hive_partitioning = true, "
            "hive_types = {'county': VARCHAR}) ORDER BY household_id"
        )
        table: pa.Table = con.sql(sql, params=[str(folder / "county=*" / PART)]).to_arrow_table()
    return table.cast(schema)


def counties_of(
    path: Path, households: pa.Array, con: duckdb.DuckDBPyConnection | None = None
) -> list[str] | None:
    """The counties (6 digits) that hold any of the households, by the snapshot's index; None without one.

    A semi-join in DuckDB as it reads the index (2.7× faster than reading the index whole into Arrow and
    filtering it, at 10M members)."""
    index = path / INDEX
    if not index.is_file():
        return None
    own = con is None
    con = con or duckdb.connect()
    try:
        with _wanted(con, households):
            sql = (
                "SELECT DISTINCT county FROM read_parquet(?) "
                "WHERE household_id IN (SELECT household_id FROM wanted_households) ORDER BY county"
            )
            return [county for (county,) in con.sql(sql, params=[str(index)]).fetchall()]
    finally:
        if own:
            con.close()


@contextmanager
def _wanted(con: duckdb.DuckDBPyConnection, households: pa.Array | None) -> Iterator[None]:
    """The households (if any) registered on the connection as the table ``wanted_households`` while in the
    block."""
    if households is None:
        yield
        return
    con.register("wanted_households", pa.table({"household_id": households.cast(pa.int64())}))
    try:
        yield
    finally:
        con.unregister("wanted_households")


def county_groups(path: Path, counties: Iterable[str] | None, budget: int) -> list[list[str]]:
    """The snapshot's counties (or those given that it holds), in order, grouped so that a group holds at most
    ``budget`` households (a county larger than that is a group alone): what a run reads at a time. The counts
    come from the households files' footers, not their rows."""
    folder = path / "households"
    found = sorted(p.parent.name.removeprefix("county=") for p in folder.glob(f"county=*/{PART}"))
    if counties is not None:
        wanted = set(counties)
        found = [c for c in found if c in wanted]
    groups: list[list[str]] = []
    size = 0
    for county in found:
        rows = pq.read_metadata(folder / f"county={county}" / PART).num_rows
        if not groups or (size and size + rows > budget):
            groups.append([])
            size = 0
        groups[-1].append(county)
        size += rows
    return groups


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
        # The counties' own files only (a filter on the partition column would still open every file).
        files = (
            [str(folder / "county=*" / PART)]
            if counties is None
            else [str(f) for c in sorted(set(counties)) if (f := folder / f"county={c}" / PART).is_file()]
        )
        if not files:
            return SCHEMAS[name].empty_table()
        columns = ", ".join(SCHEMAS[name].names)
        sql = f"SELECT {columns} FROM read_parquet(?, hive_partitioning = true, hive_types = {{'county': VARCHAR}})"  # noqa: S608  (names from SCHEMAS)
        if households is not None:
            # Some households: a semi-join in DuckDB as it reads, so that only their rows become Arrow (2.5× faster
            # than reading the files whole and filtering, at 2 % of 10M members, and as much less memory).
            sql += " WHERE household_id IN (SELECT household_id FROM wanted_households)"
        with _wanted(con, households):
            result: pa.Table = con.sql(sql, params=[files]).to_arrow_table().cast(SCHEMAS[name])
    finally:
        if own:
            con.close()
    return result


def snapshot_read(
    path: Path, *, counties: Iterable[str] | None = None, households: pa.Array | None = None
) -> Snapshot:
    """A Parquet snapshot as the Arrow tables the screening reads (of some counties, or of some households: only
    the counties that hold them are opened when the snapshot has its index)."""
    counties = None if counties is None else list(counties)
    con = duckdb.connect()
    try:
        if households is not None:
            holding = counties_of(path, households, con)
            if holding is not None:
                counties = holding if counties is None else sorted(set(holding) & set(counties))
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
