"""One meaning, two evaluators: every node gives the same value in Python and in DuckDB through Ibis,
including unknowns, on a table of cases and on hypothesis-generated facts."""

from __future__ import annotations

import math
from typing import Any

import ibis
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bottomline.rules.compile import compile_node, param_column
from bottomline.rules.evaluate import evaluate
from bottomline.rules.nodes import (
    All,
    AnyOf,
    Arith,
    Compare,
    Const,
    Field,
    In,
    Node,
    Not,
    Param,
    fields_of,
    params_of,
)

INCOME, SIZE, GRADE = Field("income"), Field("size"), Field("grade")
LINE = Param("line")
EXPRESSIONS: dict[str, Node] = {
    "per_capita": Arith("/", INCOME, SIZE),
    "below_line": Compare("<", Arith("/", INCOME, SIZE), LINE),
    "gap": Arith("-", LINE, Arith("/", INCOME, SIZE)),
    "dangerous": In(GRADE, ("C", "D")),
    "both": All((Compare("<", Arith("/", INCOME, SIZE), LINE), In(GRADE, ("C", "D")))),
    "either": AnyOf((Compare("<", Arith("/", INCOME, SIZE), LINE), In(GRADE, ("C", "D")))),
    "not_dangerous": Not(In(GRADE, ("C", "D"))),
    "scaled": Arith("*", Const(2), Arith("+", INCOME, Const(100))),
    "same_size": Compare("==", SIZE, Const(3)),
}
SCHEMA = pa.schema(
    [("income", pa.float64()), ("size", pa.int64()), ("grade", pa.string()), ("param_line", pa.float64())]
)

CASES: list[dict[str, Any]] = [
    {"income": 20000.0, "size": 4, "grade": "B", "line": 6700.0},
    {"income": 26800.0, "size": 4, "grade": "C", "line": 6700.0},  # exactly on the line: not below
    {"income": 30000.0, "size": 3, "grade": "D", "line": 6700.0},
    {"income": None, "size": 3, "grade": "C", "line": 6700.0},  # unknown income: unknown, but "either" holds
    {"income": 1000.0, "size": 0, "grade": None, "line": 6700.0},  # division by zero: unknown
    {"income": 0.0, "size": 1, "grade": "A", "line": None},
]


def duckdb_values(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    data = pa.Table.from_pylist(
        [
            {"income": r["income"], "size": r["size"], "grade": r["grade"], param_column("line"): r["line"]}
            for r in rows
        ],
        schema=SCHEMA,
    )
    table = ibis.memtable(data)
    query = table.select(**{name: compile_node(node, table) for name, node in EXPRESSIONS.items()})
    con = ibis.duckdb.connect()
    result: list[dict[str, Any]] = con.to_pyarrow(query).to_pylist()
    return result


def python_values(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            name: evaluate(node, {k: r[k] for k in ("income", "size", "grade")}, {"line": r["line"]})
            for name, node in EXPRESSIONS.items()
        }
        for r in rows
    ]


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return (
            a is not None and b is not None and math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-9)
        )
    return bool(a == b) and type(a) is type(b) if isinstance(a, bool) or isinstance(b, bool) else a == b


def assert_agree(rows: list[dict[str, Any]]) -> None:
    for row, py, db in zip(rows, python_values(rows), duckdb_values(rows), strict=True):
        for name in EXPRESSIONS:
            assert same(py[name], db[name]), (name, row, py[name], db[name])


def test_table_of_cases_agrees() -> None:
    assert_agree(CASES)
    values = python_values(CASES)
    assert [v["below_line"] for v in values] == [True, False, False, None, None, None]
    assert [v["either"] for v in values] == [True, True, True, True, None, None]
    assert [v["both"] for v in values] == [False, False, False, None, None, False]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "income": st.one_of(
                    st.none(),
                    st.floats(min_value=-1e6, max_value=1e7, allow_nan=False).map(lambda x: round(x, 2)),
                ),
                "size": st.integers(min_value=0, max_value=12),
                "grade": st.one_of(st.none(), st.sampled_from(["A", "B", "C", "D"])),
                "line": st.one_of(st.none(), st.sampled_from([4000.0, 6000.0, 6700.0, 7100.0])),
            }
        ),
        min_size=1,
        max_size=30,
    )
)
def test_generated_facts_agree(rows: list[dict[str, Any]]) -> None:
    assert_agree(rows)


def test_nodes_report_what_they_read() -> None:
    node = EXPRESSIONS["both"]
    assert fields_of(node) == {"income", "size", "grade"}
    assert params_of(node) == {"line"}


def test_unknown_node_types_are_refused() -> None:
    class Strange(Node):
        pass

    with pytest.raises(TypeError):
        evaluate(Strange(), {}, {})
