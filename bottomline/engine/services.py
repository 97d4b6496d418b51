"""Batch screening: snapshot (database or Parquet) → features → compiled rules on DuckDB or PySpark → results,
current screenings and leads written in bulk. docs/screening.md describes the runs."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.services import input_sha256, job_record
from bottomline.dashboards.services import figures_refresh
from bottomline.engine.models import Run
from bottomline.jobs.models import Job
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.results import Line, result_describer
from bottomline.jobs.services import job_enqueue
from bottomline.policy.models import Parameter
from bottomline.regions.models import Level, Region
from bottomline.registry.models import Household, IncomeRecord, Member, MemberMove

if TYPE_CHECKING:
    import pyarrow as pa

    from bottomline.engine.snapshot import Snapshot

# The batch engine (pyarrow, DuckDB, Ibis) is imported inside the functions that run it: a web process imports
# this module (to start a run) and must not load it (issue #17).

logger = logging.getLogger(__name__)

CHUNK = 50_000  # households per chunk a run writes (and ids per IN (...) when reading rows of many)
# What follows a run for the households it found newly at risk (the run, their ids): the monitoring app raises a
# lead for each (``monitoring.services.leads_from_run``, registered in its ``ready()``; the engine does not import
# monitoring).
NEWLY_AT_RISK: list[Callable[[Run, list[int]], None]] = []


# Sources of the households changed since a time other than the registry's own rows, added at start-up by the apps
# above the engine (the department feeds' records and events: FeedsConfig.ready), so that the engine imports none.
TOUCHED_SOURCES: list[Callable[..., set[int]]] = []


def households_touched(since: datetime) -> set[int]:
    """Every household an incremental run since then screens again: the registry's changed rows and the sources'."""
    return registry_touched(since).union(*(source(since=since) for source in TOUCHED_SOURCES))


def registry_touched(since: datetime) -> set[int]:
    """Households whose own, members' or income rows were created or changed since then: by ``updated_at``
    alone (indexed), which a row's creation sets too (never before its ``created_at``). Unordered and without
    DISTINCT (the set is), so that the database reads the changed rows by that index, not another."""
    ids: set[int] = set()
    for model, column in ((Household, "pk"), (Member, "household_id"), (IncomeRecord, "household_id")):
        ids.update(model.objects.filter(updated_at__gte=since).order_by().values_list(column, flat=True))
    ids.discard(None)  # a member of no household (moved out) is nobody's
    for before, after in MemberMove.objects.filter(created_at__gte=since).values_list(
        "from_household_id", "to_household_id"
    ):
        ids |= {h for h in (before, after) if h is not None}
    return ids


def previous_run(region: Region | None) -> Run | None:
    """The latest finished run that screened at least the same households."""
    finished = Run.objects.filter(finished_at__isnull=False)
    runs = (
        finished.filter(region__isnull=True)
        if region is None
        else finished.filter(Q(region__isnull=True) | Q(region=region))
    )
    return runs.order_by("-created_at", "-id").first()


def policy_changed(since: datetime, before: date, after: date) -> bool:
    """Whether the parameters in force may differ from those of the previous run (then everyone is screened)."""
    low, high = sorted((before, after))
    return Parameter.objects.filter(
        Q(changed_at__gte=since)
        | Q(superseded_at__gte=since)
        | Q(effective_from__gt=low, effective_from__lte=high)
        | Q(effective_to__gte=low, effective_to__lt=high)
    ).exists()


@dataclass(frozen=True)
class Plan:
    """Which households a run screens: all of its scope, or only the touched ones (incremental)."""

    households: set[int] | None  # None: every household
    since: datetime | None
    previous: Run | None

    def date_moved(self, on: date) -> bool:
        """Whether an incremental run is of another date than the previous run (ages and windows moved)."""
        return self.households is not None and self.previous is not None and self.previous.on != on


def run_plan(*, on: date, region: Region | None, incremental: bool) -> Plan:
    """Decide full or incremental: an incremental run falls back to a full one when there is no previous run
    or the policy parameters changed since it."""
    previous = previous_run(region)
    if not incremental or previous is None:
        return Plan(None, None, previous)
    since = previous.started_at or previous.created_at
    if policy_changed(since, previous.on, on):
        return Plan(None, since, previous)
    return Plan(households_touched(since), since, previous)


def _event_months() -> set[int]:
    """Every look-back window for sudden events a county has had (a superset is safe)."""
    from bottomline.engine.batch import DEFAULT_EVENT_MONTHS

    values = Parameter.objects.filter(name="sudden_event_months").values_list("value", flat=True)
    return {int(v) for v in values} | {DEFAULT_EVENT_MONTHS}


def _missing(cursor: Any, chunk: Any) -> Any:
    """Those of a chunk of (sorted, NumPy) household ids that this database does not hold (a Parquet snapshot
    may): a dense chunk against the ids the database holds in its range, a sparse one by the database (only the
    missing ids come back)."""
    import numpy as np

    if not len(chunk):
        return chunk
    if _dense(cursor, "registry_household", "id", chunk):
        cursor.execute(
            "SELECT id FROM registry_household WHERE id BETWEEN %s AND %s ORDER BY id",
            [int(chunk[0]), int(chunk[-1])],
        )
        held = _ints(cursor.fetchall(), 1)
        if not len(held):
            return chunk
        at = np.minimum(np.searchsorted(held, chunk), len(held) - 1)
        return chunk[held[at] != chunk]
    cursor.execute(
        f"SELECT c.id FROM {_among(cursor)} c "  # noqa: S608  (a fixed fragment, ids as a parameter)
        "WHERE NOT EXISTS (SELECT 1 FROM registry_household h WHERE h.id = c.id)",
        [_ids_json(chunk)],
    )
    return np.asarray([row[0] for row in cursor.fetchall()], np.int64)


def _dense(cursor: Any, table: str, column: str, chunk: Any) -> bool:
    """Whether a table holds few rows beyond a chunk's own (sorted ids) in the chunk's range of ids (at most four
    times as many, counted: ids may leave gaps, between villages say): its rows are then read as a range (a scan
    of the primary key), not looked up one by one."""
    cursor.execute(
        f"SELECT count(*) FROM {table} WHERE {column} BETWEEN %s AND %s",  # noqa: S608  (our own names)
        [int(chunk[0]), int(chunk[-1])],
    )
    return int(cursor.fetchone()[0]) <= 4 * len(chunk)


def _ints(rows: list[tuple[int, ...]], width: int) -> Any:
    """Rows of integers fetched from the database as a NumPy array of ``width`` columns (without a tuple's
    conversion each, as ``np.array`` makes)."""
    import itertools

    import numpy as np

    flat = np.fromiter(itertools.chain.from_iterable(rows), np.int64, count=len(rows) * width)
    return flat.reshape(-1, width) if width > 1 else flat


def _ids_json(ids: Any) -> str:
    """A chunk of household ids (Arrow or NumPy) as a JSON array (one parameter, in either database)."""
    values = ids.to_numpy(zero_copy_only=False) if hasattr(ids, "to_numpy") else ids
    return "[" + ",".join(map(str, values.tolist())) + "]"


def _among(cursor: Any) -> str:
    """A table of one column ``id`` from a JSON array parameter, in the database's dialect."""
    if connection.vendor == "postgresql":
        return "(SELECT CAST(jsonb_array_elements_text(CAST(%s AS jsonb)) AS bigint) AS id)"
    return "(SELECT CAST(value AS INTEGER) AS id FROM json_each(%s))"


def _counties(region: Region | None) -> list[str] | None:
    """The counties (6 digits, the Parquet partitions) a region's households live in; None: every county."""
    if region is None:
        return None
    low, high = region.bounds
    if low[:6] == high[:6]:  # a county or a region below one
        return [low[:6]]
    codes = Region.objects.filter(code__gte=low, code__lte=high, level=Level.COUNTY).values_list(
        "code", flat=True
    )
    return sorted({code[:6] for code in codes})


def _read(
    snapshot_dir: Path | None,
    region: Region | None,
    households: set[int] | None,
    *,
    counties: list[str] | None = None,
    households_only: bool = False,
) -> Snapshot:
    """The snapshot a run screens (from Parquet: of ``counties``, or of the region's); with ``households_only``,
    only its households table from Parquet (the other tables are read by Spark's executors, county by county)."""
    import pyarrow as pa

    from bottomline.engine.batch import snapshot_in_region
    from bottomline.engine.parquet import SCHEMAS, table_read
    from bottomline.engine.parquet import snapshot_read as parquet_read
    from bottomline.engine.snapshot import Snapshot, read_snapshot

    ids = None if households is None else pa.array(sorted(households), pa.int64())
    counties = counties or _counties(region)
    if snapshot_dir is not None and households_only:
        snapshot = Snapshot(
            households=table_read(snapshot_dir, "households", counties=counties, households=ids),
            members=SCHEMAS["members"].empty_table(),
            incomes=SCHEMAS["incomes"].empty_table(),
        )
    elif snapshot_dir is not None:
        snapshot = parquet_read(snapshot_dir, counties=counties, households=ids)
    else:
        snapshot = read_snapshot(households)
    if region is not None:
        snapshot = snapshot_in_region(snapshot, *region.bounds)
    return snapshot


def _spark_hits(
    snapshot_dir: Path | None,
    snapshot: Snapshot,
    region: Region | None,
    params: pa.Table,
    *,
    on: date,
    restricted: bool,
) -> pa.Table:
    """The hits of the compiled rules over the features computed on Spark from a Parquet snapshot: the run's
    own (``restricted``: only the households of ``snapshot``, of which the driver read the households table), or,
    for a run from the database, the snapshot read written to a scratch Parquet folder first
    (``BOTTOMLINE_SPARK_SCRATCH``: a folder every executor reaches; the system's temporary folder by default)."""
    import os
    import tempfile

    import pyarrow.compute as pc

    from bottomline.engine.parquet import snapshot_write
    from bottomline.engine.spark import spark_features, spark_screen

    villages = snapshot.households.column("village_code").cast("string")
    counties = pc.unique(pc.utf8_slice_codeunits(villages, 0, 6)).drop_null().to_pylist()
    ids = snapshot.households.column("household_id").combine_chunks().cast("int64")
    with tempfile.TemporaryDirectory(dir=os.environ.get("BOTTOMLINE_SPARK_SCRATCH")) as scratch:
        if snapshot_dir is None:  # the database's rows, as read for this run: nothing to restrict further
            snapshot_write(snapshot, Path(scratch))
            frame = spark_features(scratch, counties, params, on=on)
        else:
            frame = spark_features(
                snapshot_dir,
                counties,
                params,
                on=on,
                households=ids if restricted else None,
                bounds=region.bounds if region is not None else None,
            )
        return spark_screen(frame)


def _county_groups(
    snapshot_dir: Path | None, region: Region | None, *, engine: str, whole: bool
) -> list[Any]:
    """The groups of counties a run reads and screens one at a time: a run over whole counties of a Parquet
    snapshot on DuckDB, a group of at most ``SCREEN_GROUP_HOUSEHOLDS`` households at a time; any other run in one
    go ([None]: a database read, Spark's tasks per county, an incremental run's few households)."""
    from bottomline.engine.parquet import county_groups

    if snapshot_dir is None or engine == "spark" or not whole:
        return [None]
    return county_groups(snapshot_dir, _counties(region), settings.SCREEN_GROUP_HOUSEHOLDS) or [None]


@dataclass(frozen=True)
class _Screened:
    """What a run screened of a group of counties: the households' ids and their hits (both sorted by household;
    hits None: no household had features), and how many are at risk."""

    ids: pa.Array
    hits: pa.Table | None
    flagged: int


def _screen(
    snapshot_dir: Path | None,
    region: Region | None,
    counties: list[str] | None,
    plan: Plan,
    *,
    on: date,
    engine: str,
    seconds: dict[str, float],
    progress: Progress,
) -> _Screened:
    """Read, features and rules for one group of counties (None: all the run reads); the seconds of each step are
    added to ``seconds``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from bottomline.engine.batch import date_sensitive, rules_apply, snapshot_restrict
    from bottomline.engine.features import batch_features
    from bottomline.engine.held import categories
    from bottomline.engine.params import params_by_county

    began = time.perf_counter()
    households, previous = plan.households, plan.previous
    date_moved = plan.date_moved(on)
    # On Spark from Parquet, the driver reads the households alone (unless ages and event windows must be looked
    # at here): the executors read the rest.
    households_only = engine == "spark" and snapshot_dir is not None and not date_moved
    snapshot = _read(
        snapshot_dir,
        region,
        None if date_moved else households,
        counties=counties,
        households_only=households_only,
    )
    whole = snapshot.households.num_rows
    if households is not None and previous is not None and date_moved:
        # Ages and event windows move with the date: those households are screened too.
        households = households | date_sensitive(snapshot, previous.on, on, _event_months())
        snapshot = snapshot_restrict(snapshot, households)
    # A Parquet snapshot may hold households this database no longer does: the write leaves them out.
    ids = pc.unique(snapshot.households.column("household_id").cast(pa.int64())).sort()
    progress.advance()
    seconds["read"] += time.perf_counter() - began
    began = time.perf_counter()
    # The counties in Arrow: a Python string per household costs 0.6 s at 10M members (0.14 s here).
    villages = snapshot.households.column("village_code").cast(pa.string())
    codes = {
        f"{code}000000" for code in pc.unique(pc.utf8_slice_codeunits(villages, 0, 6)).drop_null().to_pylist()
    }
    params = params_by_county(codes, on=on)
    if engine == "spark" and len(ids):  # features and rules on Spark, a task per county (engine.spark)
        restricted = households is not None or len(ids) < whole
        hits = _spark_hits(snapshot_dir, snapshot, region, params, on=on, restricted=restricted)
        del snapshot
        progress.advance()
        seconds["features"] += time.perf_counter() - began
    else:
        features = batch_features(snapshot, params, on=on)
        del snapshot
        progress.advance()
        seconds["features"] += time.perf_counter() - began
        began = time.perf_counter()
        hits = rules_apply(features, engine=engine) if features.num_rows else None
        del features
    progress.advance()
    seconds["rules"] += time.perf_counter() - began
    if hits is None:
        return _Screened(ids, None, 0)
    hits = hits.sort_by("household_id")
    return _Screened(ids, hits, int(categories(hits)[1].sum()))


def _kept(screened: _Screened, path: Path | None) -> Callable[[], _Screened]:
    """A group's results kept for the write: as they are (``path`` None), or on disk (Arrow files, read back
    memory-mapped), so that a run holds one group's tables in memory at a time."""
    import pyarrow as pa

    if path is None:
        return lambda: screened
    names = ("ids", "hits") if screened.hits is not None else ("ids",)
    for name, table in zip(names, (pa.table({"household_id": screened.ids}), screened.hits), strict=False):
        with (
            pa.OSFile(str(path.with_suffix(f".{name}.arrow")), "wb") as sink,
            pa.ipc.new_file(sink, table.schema) as writer,
        ):
            writer.write_table(table)
    flagged = screened.flagged

    def back() -> _Screened:
        read = {
            name: pa.ipc.open_file(pa.memory_map(str(path.with_suffix(f".{name}.arrow")))).read_all()
            for name in names
        }
        return _Screened(read["ids"].column("household_id").combine_chunks(), read.get("hits"), flagged)

    return back


def screening_run(
    *,
    on: date,
    region: Region | None = None,
    progress: Progress,
    engine: str = "duckdb",
    snapshot_dir: Path | None = None,
    incremental: bool = False,
) -> Run:
    """Screen every household (of a region, or all) as of a date, or only those touched since the previous run
    (``incremental``); keep results and current screenings, and raise a lead for each household newly at risk.
    From a Parquet snapshot the counties are screened a group at a time (``_county_groups``), and written after."""
    import tempfile

    started_at, started = timezone.now(), time.perf_counter()
    seconds: dict[str, float] = defaultdict(float)  # of each step, for the log
    plan = run_plan(on=on, region=region, incremental=incremental)
    whole_counties = plan.households is None or plan.date_moved(on)
    groups = _county_groups(snapshot_dir, region, engine=engine, whole=whole_counties)
    progress.start(3 * len(groups) + 2, gettext_noop("reading the registry"))
    with tempfile.TemporaryDirectory(prefix="screening-", dir=settings.SCREEN_SCRATCH) as scratch:
        kept, households, flagged = [], 0, 0
        for number, counties in enumerate(groups):
            screened = _screen(
                snapshot_dir, region, counties, plan, on=on, engine=engine, seconds=seconds, progress=progress
            )
            households, flagged = households + len(screened.ids), flagged + screened.flagged
            kept.append(_kept(screened, Path(scratch) / str(number) if len(groups) > 1 else None))
            del screened
        run = Run.objects.create(
            on=on,
            region=region,
            engine=engine,
            incremental=plan.households is not None,
            source=str(snapshot_dir) if snapshot_dir is not None else "",
            started_at=started_at,
            households=households,
            flagged=flagged,
        )
        with transaction.atomic():  # the results and the mark that the run finished, together or not at all
            began = time.perf_counter()
            newly: list[int] = []
            for part in kept:
                screened = part()
                written = _write(
                    run, screened.ids, screened.hits, started_at=started_at, gone=snapshot_dir is not None
                )
                newly += written.newly
                run.households -= written.gone
                run.flagged -= written.gone_at_risk
                del screened
            seconds["write"] = time.perf_counter() - began
            began = time.perf_counter()
            for handle in NEWLY_AT_RISK:
                handle(run, newly)
            seconds["leads"] = time.perf_counter() - began
            run.leads = len(newly)
            run.seconds, run.finished_at = time.perf_counter() - started, timezone.now()
            run.save(update_fields=["households", "flagged", "seconds", "leads", "finished_at"])
    progress.advance()
    progress.advance()
    logger.info(
        "screening run finished",
        extra={
            "run": run.pk,
            "region": region.code if region else "",
            "engine": engine,
            "incremental": run.incremental,
            "households": run.households,
            "flagged": run.flagged,
            "leads": run.leads,
            "groups": len(groups),
            "seconds": round(run.seconds, 2),
            **{f"{step}_seconds": round(value, 2) for step, value in seconds.items()},
        },
    )
    # Dashboards: the leads this run raised show in their villages' figures for the current month at once. The
    # figures read leads and cases, not screenings: a run that raised none changes no figure (the nightly
    # rebuild recomputes every village).
    villages = _villages_of(newly)
    if villages:
        figures_refresh(village_codes=villages, months=[timezone.localdate()])
    return run


def _villages_of(households: list[int]) -> list[str]:
    """The codes of the villages of these households."""
    codes: set[str] = set()
    for start in range(0, len(households), 5000):
        part = households[start : start + 5000]
        codes.update(Household.objects.filter(pk__in=part).values_list("village__code", flat=True))
    return sorted(codes)


# The rows a run writes, a chunk of households at a time, go through a temporary table of the run's own
# connection: the comparisons with what is stored, the upsert and the results are then statements over sets.
STAGE = "engine_run_stage"
HELD = ("category", "codes", "risk_types", "explanations", "score", "reported", "digest")


def _stage_create(cursor: Any) -> None:
    json_type = "jsonb" if connection.vendor == "postgresql" else "text"
    boolean = "boolean" if connection.vendor == "postgresql" else "bool"
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {STAGE} (household_id bigint PRIMARY KEY, category smallint, "
        f"codes {json_type} NOT NULL, risk_types {json_type} NOT NULL, explanations {json_type} NOT NULL, "
        f"score smallint NOT NULL, reported {boolean} NOT NULL, digest bigint NOT NULL, "
        f"changed {boolean} NOT NULL, newer {boolean} NOT NULL DEFAULT false)"
    )


def _stored_digests(cursor: Any, chunk: Any) -> tuple[Any, Any]:
    """The stored screenings of a chunk's households (sorted ids) that have a digest (a row written online has
    none): their ids (sorted) and digests. A dense chunk (a whole run's) is read as a range of ids, a sparse one
    (an incremental run's) by its ids."""
    params: list[Any]
    if _dense(cursor, "engine_current", "household_id", chunk):
        where, params = "household_id BETWEEN %s AND %s", [int(chunk[0]), int(chunk[-1])]
    else:
        where, params = f"household_id IN (SELECT id FROM {_among(cursor)} c)", [_ids_json(chunk)]  # noqa: S608
    cursor.execute(
        f"SELECT household_id, digest FROM engine_current WHERE {where} AND digest IS NOT NULL "  # noqa: S608
        "ORDER BY household_id",
        params,
    )
    rows = _ints(cursor.fetchall(), 2)
    return rows[:, 0], rows[:, 1]


def _stage_fill(cursor: Any, ids: Any, held: Any, *, gone: bool = False) -> tuple[bool, Any]:
    """Stage the chunk's households whose screening differs from the stored one (by digest: ``changed``), and
    those at risk (their results are kept every run): ``held`` holds the chunk's households with a hit (None:
    none), the others hold nothing. Whether any row was staged, and the households left out: gone from the
    database (looked up when ``gone``, among those without a stored digest)."""
    import numpy as np

    from bottomline.engine.held import NOTHING_DIGEST, NOTHING_JSON

    chunk = ids.to_numpy()
    digests = np.full(len(chunk), NOTHING_DIGEST, np.int64)
    hit = np.zeros(len(chunk), bool)
    hit_at = np.zeros(0, np.int64) if held is None else np.searchsorted(chunk, held.ids)
    if held is not None:
        digests[hit_at], hit[hit_at] = held.digest, True
    stored_ids, stored = _stored_digests(cursor, chunk)
    same, known = np.zeros(len(chunk), bool), np.zeros(len(chunk), bool)
    if len(stored_ids):
        at = np.minimum(np.searchsorted(stored_ids, chunk), len(stored_ids) - 1)
        known = stored_ids[at] == chunk
        same = known & (stored[at] == digests)
    left_out = _missing(cursor, chunk[~known]) if gone else chunk[:0]
    is_gone = np.isin(chunk, left_out)
    same |= is_gone  # nothing is staged for them
    staged = False
    if held is not None:
        # Changed rows whole (explanations built for those at risk); unchanged rows at risk by their digest alone,
        # their results copied from what is stored (``_chunk_write``).
        for changed in (True, False):
            wanted = np.flatnonzero(
                ~same[hit_at] if changed else same[hit_at] & ~is_gone[hit_at] & held.at_risk
            )
            if len(wanted):
                rows = held.rows(wanted) if changed else _unchanged(held, wanted)
                _stage_rows(cursor, rows, changed=changed)
                staged = True
    # Households with no hit now whose stored screening held something (or who have none).
    nothing = chunk[~hit & ~same]
    if len(nothing):
        codes, risk_types, explanations = NOTHING_JSON
        cursor.execute(
            f"INSERT INTO {STAGE} (household_id, category, codes, risk_types, explanations, score, reported, "  # noqa: S608
            f"digest, changed) SELECT c.id, NULL, %s, %s, %s, 0, false, %s, true FROM {_among(cursor)} c",
            [codes, risk_types, explanations, NOTHING_DIGEST, _ids_json(nothing)],
        )
        staged = True
    return staged, left_out


def _unchanged(held: Any, positions: Any) -> Iterator[tuple[Any, ...]]:
    """Staged rows of households whose stored screening is the same (by digest): the household, its category,
    whether it is at risk and the digest; the lists as placeholders (``_chunk_write`` reads the stored ones)."""
    codes, risk_types, explanations = NOTHING_STAGED
    for i in positions.tolist():
        yield (
            int(held.ids[i]),
            held.category[i],
            codes,
            risk_types,
            explanations,
            held.score[i],
            True,
            int(held.digest[i]),
        )


def _stage_rows(cursor: Any, rows: Iterator[tuple[Any, ...]], *, changed: bool) -> None:
    """Rows of ``engine.held`` into the stage, marked ``changed`` or not (COPY on PostgreSQL)."""
    into = (
        f"{STAGE} (household_id, category, codes, risk_types, explanations, score, reported, digest, changed)"
    )
    tagged = ((*row, changed) for row in rows)
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {into} FROM STDIN") as copy:
            for row in tagged:
                copy.write_row(row)
    else:
        cursor.executemany(f"INSERT INTO {into} VALUES ({', '.join(['%s'] * 9)})", tagged)  # noqa: S608


# What an unchanged row stages in place of its lists (valid JSON in either database; never written).
NOTHING_STAGED = ("[]", "[]", "{}")

SQLITE_CACHE_KIB = 262_144  # SQLite's page cache while a run writes (its default, 2 MiB, is for pages)


@contextmanager
def _sqlite_cache(cursor: Any) -> Iterator[None]:
    """A larger page cache for the run's writes on SQLite (the stored screenings' pages are read and written
    chunk after chunk), given back after."""
    if connection.vendor != "sqlite":
        yield
        return
    cursor.execute("PRAGMA cache_size")
    before = int(cursor.fetchone()[0])
    cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        cursor.execute(f"PRAGMA cache_size = {before}")


@dataclass
class _Written:
    """What a run's write did: the households newly at risk (a lead each); the households of the snapshot that
    the database no longer holds (left out), and how many of them were at risk."""

    newly: list[int] = field(default_factory=list)
    gone: int = 0
    gone_at_risk: int = 0


def _write(run: Run, ids: Any, hits: Any, *, started_at: datetime, gone: bool = False) -> _Written:
    """Results of the run, current screenings and leads, written in sets and only where they changed, a bounded
    chunk of households at a time: what each household of the chunk holds is digested (explanations built for
    the households at risk alone) and compared with the stored digests; the households whose screening changed,
    and those at risk, are staged; one UPDATE rewrites (and stamps with this run) the stored rows that differ,
    one INSERT adds the households never screened, one INSERT keeps results for the households at risk. A row
    that did not change keeps the run that wrote it (``engine.why`` tells the latest run that saw it). A save
    screened online after this run read the registry is newer than what the run saw: its row stays as it is.
    ``gone``: whether some households may be gone from the database (a Parquet snapshot's): those without a
    stored digest are looked up (a digest is proof that the household is there) and left out."""
    import numpy as np

    from bottomline.engine.held import held

    ops = connection.ops
    stamp = [ops.adapt_datetimefield_value(run.created_at), ops.adapt_datefield_value(run.on), run.pk]
    # The hits come sorted by household, as the ids: a chunk's hits are one slice of them.
    found = None if hits is None else hits.column("household_id").to_numpy()
    written = _Written()
    with connection.cursor() as cursor, _sqlite_cache(cursor):
        _stage_create(cursor)
        for start in range(0, len(ids), CHUNK):
            chunk = ids.slice(start, CHUNK)
            part = None
            if found is not None:
                low = int(np.searchsorted(found, chunk[0].as_py(), "left"))
                high = int(np.searchsorted(found, chunk[len(chunk) - 1].as_py(), "right"))
                part = held(hits.slice(low, high - low)) if high > low else None
            cursor.execute(f"DELETE FROM {STAGE}")  # noqa: S608  (a fixed name)
            staged, left_out = _stage_fill(cursor, chunk, part, gone=gone)
            if staged:
                raised, lost = _chunk_write(cursor, run, stamp, started_at)
                written.newly += raised
                if lost and part is not None:
                    _results_insert(cursor, run, part, lost)
            if len(left_out):
                written.gone += len(left_out)
                if part is not None:
                    written.gone_at_risk += int(part.at_risk[np.isin(part.ids, left_out)].sum())
        cursor.execute(f"DROP TABLE {STAGE}")
    return written


def _chunk_write(
    cursor: Any, run: Run, stamp: list[Any], started_at: datetime
) -> tuple[list[int], list[int]]:
    """The set statements for one staged chunk; the households newly at risk (a lead each), and those at risk
    whose result could not be copied from their stored row (changed since it was read)."""
    cursor.execute(
        f"UPDATE {STAGE} SET newer = true WHERE household_id IN (SELECT c.household_id FROM engine_current c "  # noqa: S608
        f"JOIN {STAGE} s ON s.household_id = c.household_id WHERE c.run_id IS NULL AND c.evaluated_at >= %s)",
        [connection.ops.adapt_datetimefield_value(started_at)],
    )
    # At risk now, and not already reported at risk before this run.
    cursor.execute(
        f"SELECT s.household_id FROM {STAGE} s WHERE s.category IS NOT NULL AND NOT s.newer AND NOT EXISTS "  # noqa: S608
        "(SELECT 1 FROM engine_current c WHERE c.household_id = s.household_id AND c.category IS NOT NULL "
        "AND c.reported)"
    )
    newly = [int(row[0]) for row in cursor.fetchall()]
    held = ", ".join(f"{column} = s.{column}" for column in HELD)
    on = connection.ops.quote_name("on")
    # Driven by the (small) set of staged rows that changed: a join would read every stored row on SQLite.
    cursor.execute(
        f"UPDATE engine_current AS c SET {held}, evaluated_at = %s, {on} = %s, run_id = %s FROM {STAGE} s "  # noqa: S608
        f"WHERE c.household_id = s.household_id AND c.household_id IN "
        f"(SELECT household_id FROM {STAGE} WHERE changed AND NOT newer)",
        stamp,
    )
    cursor.execute(
        f"INSERT INTO engine_current (household_id, evaluated_at, {on}, run_id, {', '.join(HELD)}) "  # noqa: S608
        f"SELECT s.household_id, %s, %s, %s, {', '.join('s.' + column for column in HELD)} FROM {STAGE} s "
        "WHERE s.changed AND NOT EXISTS (SELECT 1 FROM engine_current c WHERE c.household_id = s.household_id)",
        stamp,
    )
    # Results for the households at risk: the changed rows from the stage, the others copied from the stored rows
    # (the same, by digest). A row saved online since its digest was read is no longer the same: its result is
    # then missing, and ``_write`` builds it.
    into = "INSERT INTO engine_result (run_id, household_id, category, codes, risk_types, explanations) "
    cursor.execute(
        f"{into}SELECT %s, household_id, category, codes, risk_types, explanations FROM {STAGE} "  # noqa: S608
        "WHERE category IS NOT NULL AND changed",
        [run.pk],
    )
    cursor.execute(
        f"{into}SELECT %s, c.household_id, c.category, c.codes, c.risk_types, c.explanations FROM {STAGE} s "  # noqa: S608
        "JOIN engine_current c ON c.household_id = s.household_id AND c.digest = s.digest "
        "WHERE s.category IS NOT NULL AND NOT s.changed",
        [run.pk],
    )
    copied = cursor.rowcount
    cursor.execute(f"SELECT count(*) FROM {STAGE} WHERE category IS NOT NULL AND NOT changed")  # noqa: S608
    if copied == cursor.fetchone()[0]:
        return newly, []
    cursor.execute(
        f"SELECT s.household_id FROM {STAGE} s WHERE s.category IS NOT NULL AND NOT s.changed AND NOT EXISTS "  # noqa: S608
        "(SELECT 1 FROM engine_result r WHERE r.run_id = %s AND r.household_id = s.household_id)",
        [run.pk],
    )
    return newly, [int(row[0]) for row in cursor.fetchall()]


def _results_insert(cursor: Any, run: Run, held: Any, households: list[int]) -> None:
    """Results of some households of a chunk, from what the run found of them (``held``), explanations built."""
    import numpy as np

    positions = np.searchsorted(held.ids, np.asarray(sorted(households), np.int64))
    cursor.executemany(
        "INSERT INTO engine_result (run_id, household_id, category, codes, risk_types, explanations) "
        "VALUES (%s, %s, %s, %s, %s, %s)",
        [
            (run.pk, h, category, codes, risks, said)
            for h, category, codes, risks, said, *_rest in held.rows(positions)
        ],
    )


@result_describer("engine.screen", "run")
def _run_line(value: Any) -> Line:
    from django.urls import reverse
    from django.utils.translation import gettext as _

    return Line(_("Screening run"), f"#{value}", reverse("engine:run", args=[value]))


@job_handler("engine.screen")
def screen_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params: ``on`` (ISO date), ``region`` (a code, or null for all), ``engine`` (duckdb or spark),
    ``snapshot`` (a Parquet directory, or null for the database), ``incremental`` (bool)."""
    region = Region.objects.get(code=params["region"]) if params.get("region") else None
    run = screening_run(
        on=date.fromisoformat(params["on"]),
        region=region,
        progress=progress,
        engine=params.get("engine") or "duckdb",
        snapshot_dir=Path(params["snapshot"]) if params.get("snapshot") else None,
        incremental=bool(params.get("incremental")),
    )
    job_record(
        job="engine.screen",
        user=User.objects.filter(pk=params["user"]).first() if params.get("user") else None,
        region=region,
        sha256=input_sha256(params["snapshot"].encode()) if params.get("snapshot") else "",
        created=run.leads,  # leads raised
        updated=run.households,  # households whose current screening was replaced
        detail={"run": run.pk, "households": run.households, "flagged": run.flagged},
    )
    return {
        "run": run.pk,
        "engine": run.engine,
        "incremental": run.incremental,
        "households": run.households,
        "flagged": run.flagged,
        "leads": run.leads,
        "seconds": round(run.seconds, 2),
    }


def screening_start(*, actor: User, on: date, engine: str = "duckdb", incremental: bool = False) -> Job:
    """Queue a screening of the actor's own region as of a date (a job with progress), from a page or the API."""
    gate.require(actor, Run, "add")
    params = {
        "on": on.isoformat(),
        "region": actor.region.code,
        "engine": engine,
        "incremental": incremental,
        "user": actor.pk,  # for the audit trail
    }
    return job_enqueue(kind="engine.screen", params=params, user=actor, region=actor.region)
