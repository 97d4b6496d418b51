"""What the benchmarks share: the tiers, a scratch registry (Django on a throwaway SQLite file with the real
division tree of Qinghai and Guizhou and the sourced policy parameters), and running a benchmark's child on
SQLite and then on a scratch PostgreSQL database."""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any

TIERS = {"XS": 33_000, "S": 1_000_000, "M": 10_000_000, "L": 100_000_000}  # members (DESIGN.md §8)
PROVINCES = ("63", "52")
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")


def tiers_from(variable: str) -> list[str]:
    """The tiers an environment variable names (default S and M), e.g. ``BENCH_SCREENING_TIERS=S``."""
    return [t.strip() for t in os.environ.get(variable, "S,M").split(",") if t.strip()]


def scratch_registry(folder: str) -> list[str]:
    """Set Django up on a new SQLite database in ``folder``, load the tree and the parameters; return the codes
    of the counties that have villages (the ones a synthetic population can live in)."""
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bottomline.settings")
    # As production runs: with the development settings' DEBUG, Django records every statement it runs (a large
    # share of a run's write and of its leads, in the whole run at L on 2026-12-07).
    os.environ.setdefault("BOTTOMLINE_DEBUG", "0")
    import django

    django.setup()
    from django.core.management import call_command

    from bottomline.regions.models import Level, Region
    from bottomline.regions.services import regions_load

    call_command("migrate", verbosity=0)
    regions_load(provinces=list(PROVINCES))
    call_command("policy_seed", verbosity=0)
    return [
        r.code
        for r in Region.objects.filter(level=Level.COUNTY, valid_to__isnull=True).order_by("code")
        if Region.objects.filter(code__range=r.bounds, level=Level.VILLAGE).exists()
    ]


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """The call's result and its seconds (after a garbage collection, so that earlier work is not counted)."""
    gc.collect()
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def fastest(fn: Any, *args: Any) -> tuple[Any, float]:
    """``timed``, repeated while a call takes under a second (at most five calls, three seconds in all): the
    result and the fastest call's seconds. On a shared machine a single sub-second call is mostly noise (the
    features step at S took 0.42 and 0.60 s in two runs a minute apart); work this short is compared by its best."""
    result, best = timed(fn, *args)
    spent, calls = best, 1
    while best < 1.0 and calls < 5 and spent < 3.0:
        result, seconds = timed(fn, *args)
        best, spent, calls = min(best, seconds), spent + seconds, calls + 1
    return result, best


def tier_write(*, members: int, counties: list[str], out: Path, on: date) -> tuple[dict[str, int], float]:
    """A synthetic population of about ``members`` people over the counties, as a Parquet snapshot in ``out``;
    the counts written and the seconds it took."""
    from bottomline.jobs.progress import NullProgress
    from bottomline.registry.synth import Calibration
    from bottomline.registry.synth_parquet import synth_parquet

    c = Calibration()
    per_county = c.lifted_people + int(c.lifted_households * c.ordinary_per_lifted) * c.ordinary_size
    counts, seconds = timed(
        synth_parquet,
        counties=counties,
        out=out,
        seed=1,
        progress=NullProgress(),
        scale=members / (per_county * len(counties)),
        on=on,
    )
    return counts, seconds


def database_name() -> str:
    """The database this child runs on, with its version, for the figures' header."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def exit_on_term() -> None:
    """Make SIGTERM (a timeout, a stop from outside) exit as an exception does, so that a benchmark's cleanup
    still runs: its scratch folders and databases are removed and the child it waits for is stopped."""

    def leave(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, leave)


def run_child(args: list[str], on_line: Callable[[str], None] | None = None) -> tuple[int, str, str]:
    """Run ``python *args`` and return its exit code, standard output and the last of its standard error; each
    line it logs goes to ``on_line`` as it comes (a long run shows its steps). If this process leaves first (an
    exception, SIGTERM after ``exit_on_term``), the child is stopped with SIGTERM, and cleans up after itself."""
    with tempfile.TemporaryFile("w+") as out:
        child = subprocess.Popen(  # noqa: S603  (this interpreter, our own module and arguments)
            [sys.executable, *args], stdout=out, stderr=subprocess.PIPE, text=True
        )
        tail: deque[str] = deque(maxlen=200)
        try:
            for line in child.stderr or ():
                tail.append(line)
                if on_line is not None:
                    on_line(line.rstrip("\n"))
            code = child.wait()
        finally:
            if child.poll() is None:
                child.terminate()
                child.wait()
        out.seek(0)
        return code, out.read(), "".join(tail)[-3000:]


def in_child(module: str, *args: str) -> dict[str, Any]:
    """Run ``python -m module *args`` (Django binds its database at start-up, so each database gets its own
    process) and return the JSON its last line prints."""
    code, out, err = run_child(["-m", module, *args])
    if code != 0:
        raise RuntimeError(f"the benchmark {module} {' '.join(args)} failed:\n{err}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def on_both(
    module: str, *, folder: str, scratch: str, args: tuple[str, ...] = ()
) -> tuple[dict[str, Any], dict[str, Any] | None, str]:
    """The child's figures on a new SQLite file in ``folder`` and on a new PostgreSQL database ``scratch`` at
    BENCH_POSTGRES (created and dropped); without a server, None and a line saying why."""
    import psycopg

    sqlite = in_child(module, f"sqlite:///{folder}/bench.sqlite3", *args)

    def database(action: str) -> None:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {scratch}")  # a fixed scratch name, no user input
            if action == "create":
                con.execute(f"CREATE DATABASE {scratch}")

    try:
        database("create")
    except Exception as exc:  # no server: say so in the figures rather than fail the other benchmarks
        return sqlite, None, f"PostgreSQL not measured: {exc}"
    try:
        return sqlite, in_child(module, f"{SERVER}/{scratch}", *args), ""
    finally:
        database("drop")
