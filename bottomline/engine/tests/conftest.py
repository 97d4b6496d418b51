"""One local SparkSession for the whole test session (per xdist worker): started once, small, no UI."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from bottomline.engine.spark import spark_backend, spark_session

    yield spark_backend()
    spark_session().stop()
    spark_session.cache_clear()
    spark_backend.cache_clear()
