"""PySpark for the batch engine: the feature table and the compiled rules, one small session per process,
Java found without setup.

The features on Spark are ``engine.features.batch_features`` itself, not a copy: a task per county runs it
inside an executor's Python worker (``mapInArrow``) on that county's tables of the Parquet snapshot alone
(``engine.parquet.county_read``), with the parameters in force per county broadcast as an Arrow table; the
compiled rules then run on the resulting Spark DataFrame through Ibis, as on DuckDB. The snapshot's folder
must be reachable from every executor (a shared file system, or a URI pyarrow reads such as ``hdfs://``).

No Django here, so the framework-free rules' conformance suite can use it too.
"""

from __future__ import annotations

import glob
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa

# The code the executors' Python workers import: this checkout's, ahead of any installed copy.
PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])

# Spark 4.0 runs on Java 17 or 21; the first one found is used when JAVA_HOME is not set.
JAVA_CANDIDATES = ("/usr/lib/jvm/java-17-openjdk-*", "/usr/lib/jvm/java-21-openjdk-*", "/usr/lib/jvm/*-17*")

SPARK_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.driver.memory": os.environ.get("BOTTOMLINE_SPARK_MEMORY", "512m"),
    "spark.sql.session.timeZone": "UTC",
    # Arrow both ways: NULLs stay NULL (the pandas path turns a missing double into NaN).
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.pyspark.fallback.enabled": "false",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
    "spark.executorEnv.PYTHONPATH": os.pathsep.join(
        filter(None, [PACKAGE_ROOT, os.environ.get("PYTHONPATH")])
    ),
}


def java_home() -> str:
    """JAVA_HOME as set, else the first Java 17 (or 21) installed."""
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    for pattern in JAVA_CANDIDATES:
        found = sorted(p for p in glob.glob(pattern) if os.path.exists(os.path.join(p, "bin", "java")))
        if found:
            return found[0]
    raise RuntimeError("PySpark needs Java 17 or 21: set JAVA_HOME")


@cache
def spark_session(master: str | None = None) -> Any:
    """The process's SparkSession (local mode; ``BOTTOMLINE_SPARK_MASTER`` or local[1] by default)."""
    os.environ["JAVA_HOME"] = java_home()
    # The executors' Python: this interpreter (the same virtual environment on every host of a cluster).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(
        master or os.environ.get("BOTTOMLINE_SPARK_MASTER", "local[1]")
    ).appName("bottomline")
    for key, value in SPARK_CONF.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


@cache
def spark_backend(master: str | None = None) -> Any:
    """The Ibis PySpark backend over the process's session."""
    import ibis

    return ibis.pyspark.connect(spark_session(master))


def spark_table(table: pa.Table, name: str) -> Any:
    """An Arrow table as an Ibis table on PySpark (a temporary view, replaced on each call)."""
    backend = spark_backend()
    frame = spark_session().createDataFrame(table)
    frame.createOrReplaceTempView(name)
    return backend.table(name)


def features_schema(params: pa.Table) -> pa.Schema:
    """The feature table's columns and types for these parameters: ``batch_features`` over an empty snapshot
    (the one definition names them too)."""
    from bottomline.engine.features import batch_features
    from bottomline.engine.parquet import SCHEMAS, snapshot_tables
    from bottomline.engine.snapshot import Snapshot

    empty = Snapshot(**{name: SCHEMAS[name].empty_table() for name in snapshot_tables()})
    return batch_features(empty, params.slice(0, 0), on=date(2000, 1, 1)).schema


def county_features(
    source: str,
    county: str,
    params: pa.Table,
    *,
    on: date,
    households: pa.Array | None = None,
    bounds: tuple[str, str] | None = None,
) -> pa.Table:
    """One county's feature table, computed from its tables of the snapshot alone (what an executor runs):
    optionally only the households whose village code lies in ``bounds`` and only ``households``."""
    from bottomline.engine.batch import snapshot_in_region, snapshot_restrict
    from bottomline.engine.features import batch_features
    from bottomline.engine.parquet import county_read

    snapshot = county_read(source, county)
    if bounds is not None:
        snapshot = snapshot_in_region(snapshot, *bounds)
    if households is not None:
        snapshot = snapshot_restrict(snapshot, households)
    return batch_features(snapshot, params, on=on)


def spark_features(
    source: str | Path,
    counties: Sequence[str],
    params: pa.Table,
    *,
    on: date,
    households: pa.Array | None = None,
    bounds: tuple[str, str] | None = None,
) -> Any:
    """The feature table of the snapshot at ``source`` as a Spark DataFrame: one task per county (six digits),
    each running ``county_features`` in an executor. ``params``: the parameters in force per county (as
    ``engine.params.params_by_county`` gives them), broadcast with ``households`` (only these, if given)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    session = spark_session()
    schema = features_schema(params)
    context = session.sparkContext
    shared = context.broadcast((str(source), sorted({c[:6] for c in counties}), params, households, bounds))

    def features(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        where, names, in_force, only, region = shared.value
        for batch in batches:
            for index in batch.column(0).to_pylist():
                table = county_features(where, names[index], in_force, on=on, households=only, bounds=region)
                yield from table.cast(schema).to_batches()

    n = len(shared.value[1])
    tasks = session.range(0, n, 1, max(n, 1))  # a partition, so a task, per county
    return tasks.mapInArrow(features, from_arrow_schema(schema))


def spark_screen(features: Any, rules: Sequence[Any] | None = None) -> pa.Table:
    """The compiled rules over a Spark DataFrame of features (``spark_features``): the households with any hit,
    collected to the driver as Arrow (straight from Spark, no pandas in between)."""
    from bottomline.engine.batch import hits_query
    from bottomline.rules.catalog import RULES

    backend = spark_backend()
    features.createOrReplaceTempView("features")
    query = hits_query(backend.table("features"), tuple(rules) if rules is not None else RULES)
    result: pa.Table = spark_session().sql(str(backend.compile(query))).toArrow()
    return result.cast(query.schema().to_pyarrow())
