"""The batch engine on Spark: the feature table computed in Spark's executors from the Parquet snapshot, a task
per county, equals ``batch_features`` over the whole snapshot column by column, in local mode and in
``local-cluster`` mode (executors in JVMs of their own); the rules on it flag as on DuckDB.

Spark never skips: CI runs it (Java 17 is part of the environment; bottomline.engine.spark finds it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather
import pytest

from bottomline.engine.batch import rules_apply
from bottomline.engine.features import batch_features
from bottomline.engine.parquet import county_read, snapshot_read, snapshot_write
from bottomline.engine.spark import PACKAGE_ROOT, spark_features, spark_screen
from bottomline.engine.tests.test_features import EDGES_ON, edges

ON = date(2026, 11, 1)


def edges_written(out: Path) -> tuple[pa.Table, list[str]]:
    """The edge snapshot of test_features as a Parquet snapshot (one household monitored since a day); its
    parameters and counties."""
    snapshot, params = edges()
    households = snapshot.households
    since = pa.array([None, date(2027, 6, 1), None], pa.date32())  # household 10's months count from then
    snapshot = type(snapshot)(
        households=households.append_column("monitored_since", since),
        members=snapshot.members,
        incomes=snapshot.incomes,
        events=snapshot.events,
    )
    snapshot_write(snapshot, out)
    return params, ["520102", "630106", "630121"]


def assert_same_columns(spark: pa.Table, local: pa.Table) -> None:
    """Equal column by column (names, types, every value), rows in household order."""
    spark = spark.sort_by("household_id")
    assert spark.column_names == local.column_names
    for name in local.column_names:
        assert spark.column(name).type == local.column(name).type, name
        assert spark.column(name).to_pylist() == local.column(name).to_pylist(), name


def _flags(hits: pa.Table) -> dict[int, dict[str, Any]]:
    return {row["household_id"]: row for row in hits.to_pylist()}


def test_county_read_reads_only_its_county(tmp_path: Path) -> None:
    edges_written(tmp_path)
    for table in ("households", "members", "incomes", "events"):  # another county's files made unreadable
        for part in (tmp_path / table / "county=520102").glob("*.parquet"):
            part.write_bytes(b"not parquet")
    snapshot = county_read(tmp_path, "630106")
    assert snapshot.households.column("household_id").to_pylist() == [10]
    assert set(snapshot.members.column("household_id").to_pylist()) == {10}
    assert set(snapshot.incomes.column("household_id").to_pylist()) == {10}
    assert county_read(tmp_path, "110101").households.num_rows == 0  # a county the snapshot does not hold


def test_features_on_spark_equal_batch_features_at_the_edges(spark: Any, tmp_path: Path) -> None:
    params, counties = edges_written(tmp_path)
    local = batch_features(snapshot_read(tmp_path), params, on=EDGES_ON)
    frame = spark_features(tmp_path, counties, params, on=EDGES_ON)
    assert_same_columns(frame.toArrow(), local)
    # Only some households, and only a region's (a village code range): as the whole table restricted.
    only = spark_features(
        tmp_path,
        counties,
        params,
        on=EDGES_ON,
        households=pa.array([10, 30], pa.int64()),
        bounds=("630000000000", "639999999999"),
    )
    assert_same_columns(only.toArrow(), local.filter(pc.equal(local.column("household_id"), 10)))


@pytest.mark.django_db
def test_features_and_rules_on_spark_equal_duckdb_on_the_synthetic_population(
    spark: Any, tree: Any, tmp_path: Path
) -> None:
    from django.core.management import call_command

    from bottomline.engine.params import params_by_county
    from bottomline.jobs.progress import NullProgress
    from bottomline.registry.synth_parquet import synth_parquet

    call_command("policy_seed")
    counties = [tree.county.code, tree.other_county.code]
    counts = synth_parquet(
        counties=counties, out=tmp_path, seed=3, progress=NullProgress(), scale=0.02, on=ON
    )
    assert counts["households"] > 200 and counts["events"] > 0
    params = params_by_county(counties, on=ON)
    local = batch_features(snapshot_read(tmp_path), params, on=ON)
    frame = spark_features(tmp_path, counties, params, on=ON)
    assert_same_columns(frame.toArrow(), local)
    on_spark, on_duckdb = _flags(spark_screen(frame)), _flags(rules_apply(local, engine="duckdb"))
    assert on_spark == on_duckdb
    assert len(on_duckdb) > 50


def test_features_in_separate_executors(tmp_path: Path) -> None:
    """``local-cluster[2,1,1024]``: two workers whose executors are JVMs of their own, each starting its own
    Python workers; run in a child process (one SparkContext per process, and the suite's is local)."""
    params, counties = edges_written(tmp_path / "snapshot")
    pyarrow.feather.write_feather(params, tmp_path / "params.arrow")
    child = f"""
import json, os, sys, time
import pyarrow as pa, pyarrow.feather
from datetime import date
from bottomline.engine.spark import spark_features, spark_session
context = spark_session().sparkContext
for _ in range(600):  # the executors start in JVMs of their own: wait until both have registered
    if context._jsc.sc().getExecutorMemoryStatus().size() - 1 >= 2:
        break
    time.sleep(1)
params = pyarrow.feather.read_table({str(tmp_path / "params.arrow")!r})
frame = spark_features({str(tmp_path / "snapshot")!r}, {counties!r}, params, on=date.fromisoformat({EDGES_ON.isoformat()!r}))
def jvm(_):  # the JVM a task's Python worker hangs from: worker <- daemon <- JVM
    parent = open(f"/proc/{{os.getppid()}}/stat").read().rsplit(")", 1)[1].split()[1]
    return [int(parent)]
jvms = frame.sparkSession.range(0, 4, 1, 4).rdd.mapPartitions(jvm).collect()
pyarrow.feather.write_feather(frame.toArrow(), {str(tmp_path / "features.arrow")!r})
executors = context._jsc.sc().getExecutorMemoryStatus().size() - 1
print(json.dumps({{"executors": executors, "driver": context._gateway.proc.pid, "jvms": sorted(set(jvms))}}))
"""
    env = {
        **os.environ,
        "BOTTOMLINE_SPARK_MASTER": "local-cluster[2,1,1024]",
        "PYTHONPATH": os.pathsep.join(filter(None, [PACKAGE_ROOT, os.environ.get("PYTHONPATH")])),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the executors' side of the engine runs without Django
    done = subprocess.run(  # noqa: S603  (this interpreter and our own code)
        [sys.executable, "-c", child], env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, done.stderr[-4000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["executors"] == 2
    assert seen["jvms"] and seen["driver"] not in seen["jvms"]  # the tasks ran outside the driver's JVM
    local = batch_features(snapshot_read(tmp_path / "snapshot"), params, on=EDGES_ON)
    assert_same_columns(pyarrow.feather.read_table(tmp_path / "features.arrow"), local)
