"""Screening W1 as a county waits for it: the whole run of ``manage.py screen --snapshot`` (read the Parquet
snapshot, features, compiled rules, then write current screenings, results and leads to the database), beside
the engine core (read, features, rules, nothing written) timed in the same process.

At each tier (``BENCH_WHOLERUN_TIERS``, default ``S,M``; ``L`` is 100M members) of the synthetic population
(``synth_parquet``), the snapshot's households are loaded into a scratch SQLite registry (not timed: a Parquet
run keeps results for the households the database holds), then:

- the engine core: ``snapshot_read`` + ``batch_features`` + ``rules_apply`` (DuckDB);
- the first whole run, through the ``engine.screen`` job as cron starts it: every household gets its first
  current screening and every household at risk a lead and a case;
- the nightly run after it: the same snapshot again (digests compared, none rewritten, no lead raised).

Each with the peak resident memory of the process tree (``report.TreePeak``); a run's seconds are those it records
(``Run.seconds``: read, features, rules, write, leads), beside the job's wall time (which adds the dashboards'
refresh). W2: after the nightly run, 2 % of the households (at random) are marked changed and the incremental
whole run screens them. Targets (issue #16): the nightly whole run at M ≤ 3× the engine core, the write adding
≤ 1 GiB to the core's peak at any tier; at L ≤ 60 s within 12 GiB; W2 ≤ 20 % of the nightly W1. ``XS`` (33k
members) is a quick check of the script itself.
"""

from __future__ import annotations

import gc
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from bottomline.bench import report
from bottomline.bench.report import append, check, environment_line
from bottomline.bench.scratch import TIERS, exit_on_term, run_child, scratch_registry, tier_write, tiers_from

ON = date(2026, 11, 1)
RATIO = 3.0  # whole run ≤ 3× the engine core (at M)
L_SECONDS, L_GIB = 60.0, 12.0
WRITE_GIB = 1.0  # what the write may add to the core's peak, whatever the size


def households_load(out: Path) -> int:
    """The snapshot's households into the scratch registry (ids as in the snapshot), in Arrow batches."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from django.db import connection, transaction
    from django.utils import timezone

    from bottomline.regions.models import Level, Region

    villages = dict(Region.objects.filter(level=Level.VILLAGE).values_list("code", "pk"))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sql = (
        "INSERT INTO registry_household (id, version, number, village_id, village_group, household_type, "
        "welfare, poverty_cause, housing_grade, safe_water, phone_enc, phone_index, phone_masked, relocated, "
        "resettlement_site, created_at, updated_at) "
        "VALUES (%s, 0, %s, %s, '', %s, %s, '', %s, %s, '', '', '', false, '', %s, %s)"
    )
    loaded = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for path in sorted((out / "households").glob("county=*/*.parquet")):
            for batch in pq.ParquetFile(path).iter_batches(batch_size=100_000):
                table = pa.Table.from_batches([batch])
                rows = zip(
                    *(
                        table.column(c).to_pylist()
                        for c in ("household_id", "village_code", "household_type", "welfare")
                    ),
                    table.column("housing_grade").to_pylist(),
                    table.column("safe_water").to_pylist(),
                    strict=True,
                )
                cursor.executemany(
                    sql,
                    [
                        (h, str(h), villages[v], t, w, g or "", bool(s) if s is not None else True, now, now)
                        for h, v, t, w, g, s in rows
                    ],
                )
                loaded += table.num_rows
    return loaded


SHARE = 0.02  # households touched by a month's feeds


def _touch(share: float) -> int:
    """Mark a share of the households changed (drawn at random), as a month of feeds and saves would."""
    import numpy as np
    from django.utils import timezone

    from bottomline.registry.models import Household

    ids = np.array(Household.objects.values_list("pk", flat=True), dtype=np.int64)
    touched = np.random.default_rng(7).choice(ids, size=max(1, int(len(ids) * share)), replace=False)
    now = timezone.now()
    for start in range(0, len(touched), 20_000):
        chunk = touched[start : start + 20_000].tolist()
        Household.objects.filter(pk__in=chunk).update(updated_at=now)
    return len(touched)


def _peak_mib(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float, float]:
    """The call's result, its seconds and the process tree's peak memory while it ran (MiB)."""
    gc.collect()
    report.peak_reset()
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    seconds = time.perf_counter() - started
    time.sleep(0.3)  # one more sample of the tree
    return result, seconds, report.peak_rss_mib()


def _core(out: Path, counties: list[str], only: list[str] | None = None) -> int:
    """Read, features and rules, nothing written, a group of counties at a time as the run reads them."""
    from django.conf import settings

    from bottomline.engine.batch import rules_apply
    from bottomline.engine.features import batch_features
    from bottomline.engine.params import params_by_county
    from bottomline.engine.parquet import county_groups, snapshot_read

    params = params_by_county(counties, on=ON)
    hits = 0
    for group in county_groups(out, only, settings.SCREEN_GROUP_HOUSEHOLDS):
        snapshot = snapshot_read(out, counties=group)
        features = batch_features(snapshot, params, on=ON)
        del snapshot
        hits += rules_apply(features).num_rows
        del features
    return hits


def _whole(out: Path, incremental: bool = False) -> dict[str, Any]:
    from bottomline.jobs.console import run_in_console

    params = {
        "incremental": incremental,
        "on": ON.isoformat(),
        "region": None,
        "engine": "duckdb",
        "snapshot": str(out),
    }
    result: dict[str, Any] = run_in_console("engine.screen", params, "screening").result
    return result


def tier_run(name: str, members: int, counties: list[str], root: Path) -> list[str]:
    """The engine core and the whole run (first and nightly) at one tier; the doc's lines."""
    from django.db import connection

    out = root / name
    counts, generate = tier_write(members=members, counties=counties, out=out, on=ON)
    started = time.perf_counter()
    loaded = households_load(out)
    load = time.perf_counter() - started
    _core(out, counties, [counties[0][:6]])  # warm-up: imports, first compilation
    hits, t_core, m_core = _peak_mib(_core, out, counties)
    first, t_first, m_first = _peak_mib(_whole, out)
    nightly, t_nightly, m_nightly = _peak_mib(_whole, out)
    touched = _touch(SHARE)
    w2, t_w2, m_w2 = _peak_mib(_whole, out, incremental=True)
    # The run as it logs itself (read, features, rules, write, leads); the job's wall time adds the dashboards'
    # refresh of the region's figures that follows every run.
    r_first, r_nightly, r_w2 = first["seconds"], nightly["seconds"], w2["seconds"]
    w2_ratio = r_w2 / r_nightly
    lines = [
        f"**Tier {name}**: {counts['members']:,} members, {counts['households']:,} households in "
        f"{len(counties)} counties (synth to Parquet {generate:.1f} s, {loaded:,} households loaded into "
        f"{connection.vendor} in {load:.1f} s; neither counted). {hits:,} households with a hit, "
        f"{first['flagged']:,} at risk.",
        "",
        "| run | run seconds (read + features + rules + write + leads) | vs. core | job wall time (+ dashboards "
        "refresh) | peak RSS of the process tree |",
        "|---|---:|---:|---:|---:|",
        f"| engine core: read Parquet + features + rules, nothing written | {t_core:.2f} | 1.0× | | "
        f"{m_core:,.0f} MiB |",
        f"| whole run, first (`engine.screen` job: every current screening new, {first['leads']:,} leads and "
        f"cases) | {r_first:.2f} | {r_first / t_core:.2f}× | {t_first:.2f} | {m_first:,.0f} MiB |",
        f"| whole run, nightly (same snapshot again: digests compared, none rewritten, {nightly['leads']:,} leads) | "
        f"{r_nightly:.2f} | {r_nightly / t_core:.2f}× | {t_nightly:.2f} | {m_nightly:,.0f} MiB |",
        f"| W2: incremental whole run, {touched:,} households touched ({SHARE:.0%}, drawn at random), "
        f"{w2['households']:,} screened | {r_w2:.2f} | {r_w2 / t_core:.2f}× | {t_w2:.2f} | {m_w2:,.0f} MiB |",
        "",
        f"W2 = {w2_ratio:.0%} of the nightly W1 (run seconds).",
        "",
    ]
    check("wholerun", f"W2 at {name} ≤ 20 % of the nightly W1", f"{w2_ratio:.0%}", w2_ratio <= 0.2)
    check(
        "wholerun",
        f"W2 at {name} screens the touched households",
        f"{w2['households']:,} of {touched:,}",
        w2["households"] == touched and w2["incremental"],
    )
    ratio = r_nightly / t_core
    added = (max(m_first, m_nightly) - m_core) / 1024
    if name == "L":
        peak = max(m_first, m_nightly) / 1024
        check(
            "wholerun", f"W1 whole run at L ≤ {L_SECONDS:.0f} s", f"{r_nightly:.1f} s", r_nightly <= L_SECONDS
        )
        check("wholerun", f"W1 whole run at L within {L_GIB:.0f} GiB", f"{peak:.1f} GiB", peak <= L_GIB)
    if name in ("M", "L"):
        check(
            "wholerun",
            f"W1 nightly whole run at {name} ≤ {RATIO:.0f}× engine core",
            f"{ratio:.2f}×",
            ratio <= RATIO,
        )
    check(
        "wholerun",
        f"W1 whole run at {name}: the write adds ≤ {WRITE_GIB:.0f} GiB to the core's peak",
        f"{added:+.2f} GiB",
        added <= WRITE_GIB,
    )
    shutil.rmtree(out)
    return lines


def main() -> None:
    """Each tier in a process of its own (a new scratch registry each), then one section in the doc."""
    import json

    def step(line: str) -> None:  # each run's steps, as the run logs them
        if "screening run finished" in line:
            print(line, flush=True)

    lines: list[str] = []
    for name in tiers_from("BENCH_WHOLERUN_TIERS"):
        code, out, err = run_child(["-m", "bottomline.bench.wholerun", name], on_line=step)
        if code != 0:
            raise RuntimeError(f"the whole run at {name} failed:\n{err}")
        figures = json.loads(out.strip().splitlines()[-1])
        lines += figures["lines"]
        for target, figure, met in figures["checks"]:
            check("wholerun", target, figure, met)
    append(
        "Screening W1, the whole run beside the engine core, and W2 (`make bench` → wholerun)",
        [
            environment_line("scratch SQLite registry; Parquet snapshot; DuckDB"),
            "",
            *lines,
            f"Targets: the whole run ≤ {RATIO:.0f}× the engine core at M; the write adds ≤ {WRITE_GIB:.0f} GiB "
            f"to the core's peak at any tier; at L ≤ {L_SECONDS:.0f} s within {L_GIB:.0f} GiB; W2 (the whole "
            f"incremental run) ≤ 20 % of the nightly W1. "
            "Reproduce: `BENCH_WHOLERUN_TIERS=S,M python -m bottomline.bench wholerun`.",
        ],
    )


def child(name: str) -> None:
    """One tier on a new scratch registry; prints its lines and checks as JSON on the last line."""
    import json

    from bottomline.bench import report as shared

    with tempfile.TemporaryDirectory() as tmp:
        counties = scratch_registry(tmp)
        lines = tier_run(name, TIERS[name], counties, Path(tmp))
    checks = [(c.target, c.figure, c.met) for c in shared.CHECKS]
    print(json.dumps({"lines": lines, "checks": checks}))


if __name__ == "__main__":
    import sys

    exit_on_term()
    child(sys.argv[1])
