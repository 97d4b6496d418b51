"""What a batch run stores of each household, built rule by rule over the Arrow hits, equals what the
``Screening`` of ``from_batch_row`` says of it (category, codes, risk types, explanations, score)."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from bottomline.engine.batch import rules_apply
from bottomline.engine.held import digest, held
from bottomline.rules.catalog import FACTS, RULES
from bottomline.rules.compile import param_column
from bottomline.rules.nodes import Param
from bottomline.rules.screening import from_batch_row

CHOICES = {
    "household_type": ["lifted", "ordinary", "monitored", None],
    "welfare": ["none", "dibao", "tekun", None],
    "housing_grade": ["A", "B", "C", "D", None],
}


def _params() -> set[str]:
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, Param):
            found.add(node.name)
        for value in getattr(node, "__dict__", {}).values():
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if hasattr(item, "__dict__"):
                    walk(item)

    for rule in RULES:
        for node in (rule.when, *rule.shows.values(), *rule.risk_when.values()):
            walk(node)
    return found


def _features(n: int, seed: int = 3) -> pa.Table:
    rng = np.random.default_rng(seed)
    columns: dict[str, pa.Array] = {"household_id": pa.array(np.arange(1, n + 1), pa.int64())}
    for name, kind in FACTS.items():
        null = rng.random(n) < 0.1
        if kind == "string":
            columns[name] = pa.array(
                [CHOICES.get(name, ["x"])[i % len(CHOICES.get(name, ["x"]))] for i in rng.integers(0, 10, n)]
            )
        elif kind == "bool":
            columns[name] = pa.array(rng.random(n) < 0.8, mask=null)
        elif kind == "int64":
            columns[name] = pa.array(rng.integers(0, 4 if name != "months_above_line" else 40, n), mask=null)
        else:
            columns[name] = pa.array(np.round(rng.random(n) * 20000, 2), mask=null)
    values = {"monitoring_line": 6700.0, "income_drop_ratio": 0.3, "stable_months": 24}
    for name in sorted(_params()):
        columns[param_column(name)] = pa.array(
            np.full(n, values.get(name, 0.5 if "share" in name else 20000.0))
        )
    return pa.table(columns)


def test_held_rows_equal_the_screening_of_each_row() -> None:
    hits = rules_apply(_features(3000))
    assert hits.num_rows > 1000
    rows = {row[0]: row[1:] for row in held(hits).rows()}
    categories = set()
    for row in hits.to_pylist():
        s = from_batch_row(row)
        category, codes, risk_types, explanations, score, at_risk, digested = rows[row["household_id"]]
        # The digest of a row (one per distinct row not at risk, one each at risk) is the digest of what it holds.
        assert digested == digest(category, codes, risk_types, explanations, score, at_risk)
        assert (category, json.loads(codes), json.loads(risk_types)) == (
            s.category,
            list(s.codes),
            list(s.risk_types),
        )
        assert (score, at_risk) == (s.score, s.at_risk)
        # Explanations are written for the households at risk alone (the others' are built when viewed).
        assert json.loads(explanations) == (s.explanations() if s.at_risk else {"en": [], "zh": []})
        assert json.loads(codes) == json.loads(json.dumps(list(s.codes))) and codes == json.dumps(
            list(s.codes)
        )
        categories.add(category)
    assert categories == {None, 1, 2, 3}  # every branch of the decision is met
