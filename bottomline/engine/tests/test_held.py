"""What a batch run stores of each household, built rule by rule over the Arrow hits, equals what the
``Screening`` of ``from_batch_row`` says of it (category, codes, risk types, explanations, score)."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from bottomline.engine.batch import rules_apply
from bottomline.engine.held import digest, held, templates
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
        if not at_risk:  # the digest of what it holds
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


def test_digests_differ_where_what_is_held_differs_and_are_the_same_for_the_same_row() -> None:
    hits = rules_apply(_features(3000))
    rows = list(held(hits).rows())
    by_digest: dict[int, set[tuple[object, ...]]] = {}
    for row in rows:
        by_digest.setdefault(row[-1], set()).add(row[1:-1])
    # No two different rows (category, codes, risk types, explanations, score) share a digest: none is missed.
    assert all(len(found) == 1 for found in by_digest.values())
    assert len(by_digest) > 100  # the rows at risk have one each
    # The same row has the same digest whatever slice it comes in (a run's chunks).
    whole = {row[0]: row[-1] for row in rows}
    sliced = {
        row[0]: row[-1] for part in (hits.slice(0, 1234), hits.slice(1234)) for row in held(part).rows()
    }
    assert sliced == whole


def test_a_row_at_risk_is_digested_from_the_values_it_shows_and_the_wording() -> None:
    from dataclasses import replace

    from bottomline.rules.screening import flag_column, value_column

    hits = rules_apply(_features(3000))
    rows = held(hits)
    below = next(r for r in RULES if r.code == "income_below_line")
    flagged = hits.column(flag_column(below)).to_pylist()
    at = next(i for i in range(hits.num_rows) if flagged[i] and rows.at_risk[i])
    quiet = next(i for i in range(hits.num_rows) if not flagged[i] and rows.at_risk[i])

    def with_income(i: int, value: float) -> pa.Table:
        name = value_column(below, "income")
        column = hits.column(name).to_pylist()
        column[i] = value
        return hits.set_column(hits.schema.get_field_index(name), name, pa.array(column, pa.float64()))

    # A value the explanation shows changes the digest (and the text); one of a rule that does not hold does not.
    changed = held(with_income(at, 1.0))
    assert changed.digest[at] != rows.digest[at]
    assert changed.explanations(np.array([at])) != rows.explanations(np.array([at]))
    assert held(with_income(quiet, 1.0)).digest[quiet] == rows.digest[quiet]
    # Rewording a rule changes the digest of the rows at risk, not of the others.
    reworded = tuple(
        replace(r, explain={**r.explain, "en": r.explain["en"] + "!"}) if r is below else r for r in RULES
    )
    assert templates(reworded) != templates(RULES)
    again = held(hits, reworded)
    assert again.digest[at] != rows.digest[at]
    assert all(again.digest[~rows.at_risk] == rows.digest[~rows.at_risk])
