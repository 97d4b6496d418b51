"""The DuckDB path of ``rules_apply`` runs SQL compiled once per feature schema and rules, and finds what Ibis's
own execution of the same expression finds."""

from __future__ import annotations

from typing import Any

import ibis
import pyarrow as pa
import pytest

from bottomline.engine import batch
from bottomline.engine.batch import hits_query, rules_apply
from bottomline.engine.tests.test_held import _features
from bottomline.rules.catalog import RULES


def test_the_sql_finds_what_ibis_finds() -> None:
    features = _features(2000, seed=7)
    by_ibis = ibis.duckdb.connect().to_pyarrow(hits_query(ibis.memtable(features)))
    by_sql = rules_apply(features)
    assert by_sql.num_rows > 100
    assert by_sql.schema == by_ibis.schema
    assert by_sql.sort_by("household_id").equals(by_ibis.sort_by("household_id"))


def test_the_rules_are_compiled_once_per_schema_and_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[Any] = []

    def counted(table: Any, rules: tuple[Any, ...] = RULES) -> Any:
        compiled.append(rules)
        return hits_query(table, rules)

    monkeypatch.setattr(batch, "hits_query", counted)
    monkeypatch.setattr(batch, "_SQL", {})
    features = _features(500, seed=8)
    first = rules_apply(features)
    again = rules_apply(_features(700, seed=9))  # other rows, the same schema
    assert len(compiled) == 1 and again.num_rows > first.num_rows > 0
    fewer = rules_apply(features, rules=RULES[:2])
    assert len(compiled) == 2 and set(fewer.column_names) < set(first.column_names)
    index = features.schema.get_field_index("household_id")
    wider = features.set_column(index, "household_id", features.column("household_id").cast(pa.int32()))
    rules_apply(wider)
    assert len(compiled) == 3
