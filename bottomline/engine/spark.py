"""PySpark in local mode for the compiled rules: one small session per process, Java found without setup.

No Django here, so the framework-free rules' conformance suite can use it too.
"""

from __future__ import annotations

import glob
import os
from functools import cache
from typing import Any

import pyarrow as pa

# Spark 4.0 runs on Java 17 or 21; the first one found is used when JAVA_HOME is not set.
JAVA_CANDIDATES = ("/usr/lib/jvm/java-17-openjdk-*", "/usr/lib/jvm/java-21-openjdk-*", "/usr/lib/jvm/*-17*")

SPARK_CONF = {
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.driver.memory": os.environ.get("BOTTOMLINE_SPARK_MEMORY", "512m"),
    "spark.sql.session.timeZone": "UTC",
    # Arrow both ways: NULLs stay NULL (the pandas path turns a missing double into NaN).
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.pyspark.fallback.enabled": "false",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
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
