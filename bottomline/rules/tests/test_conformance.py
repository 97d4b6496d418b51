"""One meaning, three evaluators: every node gives the same value in Python, in DuckDB and in PySpark (local
mode) through Ibis, including unknowns, on a table of cases and on hypothesis-generated facts; and the whole
catalog gives the same flags, categories, risk types and explanations (both languages) for whole households.

PySpark never skips: CI runs it (Java 17 is part of the environment; bottomline.engine.spark finds it)."""

from __future__ import annotations

import math
from typing import Any

import ibis
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bottomline.engine.spark import spark_table
from bottomline.rules.catalog import FACTS, RULES
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
from bottomline.rules.screening import Screening, compile_screening, from_batch_row, screen

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


def _node_table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {"income": r["income"], "size": r["size"], "grade": r["grade"], param_column("line"): r["line"]}
            for r in rows
        ],
        schema=SCHEMA,
    )


def _node_query(table: Any) -> Any:
    return table.select(**{name: compile_node(node, table) for name, node in EXPRESSIONS.items()})


def duckdb_values(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    query = _node_query(ibis.memtable(_node_table(rows)))
    result: list[dict[str, Any]] = ibis.duckdb.connect().to_pyarrow(query).to_pylist()
    return result


def spark_values(spark: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    query = _node_query(spark_table(_node_table(rows), "nodes"))
    result: list[dict[str, Any]] = spark.to_pyarrow(query).to_pylist()
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


def assert_agree(rows: list[dict[str, Any]], spark: Any) -> None:
    evaluators = zip(rows, python_values(rows), duckdb_values(rows), spark_values(spark, rows), strict=True)
    for row, py, db, sp in evaluators:
        for name in EXPRESSIONS:
            assert same(py[name], db[name]), ("duckdb", name, row, py[name], db[name])
            assert same(py[name], sp[name]), ("spark", name, row, py[name], sp[name])


def test_table_of_cases_agrees(spark: Any) -> None:
    assert_agree(CASES, spark)
    values = python_values(CASES)
    assert [v["below_line"] for v in values] == [True, False, False, None, None, None]
    assert [v["either"] for v in values] == [True, True, True, True, None, None]
    assert [v["both"] for v in values] == [False, False, False, None, None, False]


@settings(max_examples=25, deadline=None)
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
def test_generated_facts_agree(spark: Any, rows: list[dict[str, Any]]) -> None:
    assert_agree(rows, spark)


def test_nodes_report_what_they_read() -> None:
    node = EXPRESSIONS["both"]
    assert fields_of(node) == {"income", "size", "grade"}
    assert params_of(node) == {"line"}


def test_unknown_node_types_are_refused() -> None:
    class Strange(Node):
        pass

    with pytest.raises(TypeError):
        evaluate(Strange(), {}, {})


# The whole catalog over whole households: the Python screening against the compiled one on both backends.
PARAMS = sorted(
    set().union(*(params_of(r.when).union(*(params_of(n) for n in r.shows.values())) for r in RULES))
)
ARROW = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}
HOUSEHOLD_SCHEMA = pa.schema(
    [("household_id", pa.int64())]
    + [(name, ARROW[kind]) for name, kind in FACTS.items()]
    + [(param_column(p), pa.float64()) for p in PARAMS]
)
POLICY = {
    "monitoring_line": 6700.0,
    "income_drop_ratio": 0.3,
    "rigid_spending_share": 0.5,
    "rigid_spending_amount": 20000.0,
    "stable_months": 6.0,
}
STEADY: dict[str, Any] = {
    "household_type": "lifted",
    "welfare": "none",
    "members": 4,
    "labour_members": 2,
    "per_capita_income": 12000.0,
    "previous_per_capita_income": 11000.0,
    "net_income": 48000.0,
    "rigid_spending": 3000.0,
    "months_above_line": 24,
    "school_age_out_of_school": 0,
    "uninsured_members": 0,
    "housing_grade": "A",
    "safe_water": True,
    "sudden_events": 0,
}
HOUSEHOLDS: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (STEADY, POLICY),  # ready for elimination, nothing else
    ({**STEADY, "per_capita_income": 5000.0, "net_income": 20000.0}, POLICY),  # below the line, sharp drop
    (
        {**STEADY, "household_type": "ordinary", "per_capita_income": 6699.99},
        POLICY,
    ),  # just below: category 2
    ({**STEADY, "per_capita_income": 6700.0, "previous_per_capita_income": None}, POLICY),  # on the line
    ({**STEADY, "rigid_spending": 30000.0}, POLICY),  # rigid spending by amount: category 3
    ({**STEADY, "rigid_spending": 25000.0, "net_income": 40000.0}, {**POLICY, "rigid_spending_amount": None}),
    ({**STEADY, "school_age_out_of_school": 2, "uninsured_members": 1}, POLICY),
    ({**STEADY, "housing_grade": "D", "safe_water": False}, POLICY),
    ({**STEADY, "sudden_events": 3}, POLICY),
    ({**STEADY, "labour_members": 0, "welfare": "dibao"}, POLICY),  # no labour on the safety net: stays
    ({**STEADY, "labour_members": 0}, POLICY),  # no labour, no safety net: may leave
    (
        {
            **STEADY,
            "per_capita_income": None,
            "previous_per_capita_income": None,
            "net_income": None,
            "rigid_spending": None,
            "months_above_line": 0,
            "members": 0,
            "labour_members": 0,
        },
        POLICY,
    ),  # nobody and no income yet
    ({**STEADY, "per_capita_income": 3000.0}, {**POLICY, "monitoring_line": None}),  # no line in force
    ({**STEADY, "months_above_line": 5}, POLICY),  # not yet stable
    ({**STEADY, "per_capita_income": 1234567.891, "previous_per_capita_income": 9999999.5}, POLICY),
]


def _household_table(households: list[tuple[dict[str, Any], dict[str, Any]]]) -> pa.Table:
    rows = [
        {"household_id": i, **facts, **{param_column(p): params.get(p) for p in PARAMS}}
        for i, (facts, params) in enumerate(households)
    ]
    return pa.Table.from_pylist(rows, schema=HOUSEHOLD_SCHEMA)


def _summary(s: Screening) -> tuple[Any, ...]:
    return (
        s.codes,
        s.category,
        s.risk_types,
        s.score,
        [h.explanation("en") for h in s.hits],
        [h.explanation("zh") for h in s.hits],
    )


def assert_catalog_agrees(households: list[tuple[dict[str, Any], dict[str, Any]]], spark: Any) -> None:
    expected = [_summary(screen(facts, params)) for facts, params in households]
    data = _household_table(households)
    for name, backend, table in (
        ("duckdb", ibis.duckdb.connect(), ibis.memtable(data)),
        ("spark", spark, spark_table(data, "households")),
    ):
        rows = sorted(
            backend.to_pyarrow(compile_screening(table)).to_pylist(), key=lambda r: r["household_id"]
        )
        got = [_summary(from_batch_row(row)) for row in rows]
        for i, (want, have) in enumerate(zip(expected, got, strict=True)):
            assert want == have, (name, households[i], want, have)


def test_catalog_agrees_on_the_table_of_households(spark: Any) -> None:
    assert_catalog_agrees(HOUSEHOLDS, spark)
    codes = [screen(f, p).codes for f, p in HOUSEHOLDS]
    assert codes[0] == ("ready_for_elimination",)
    assert "income_below_line" in codes[1] and "income_drop" in codes[1]
    assert codes[3] == ("ready_for_elimination",)  # exactly on the line is not below it; no previous: no drop
    assert screen(*HOUSEHOLDS[9]).codes == ("no_labour",)
    assert "ready_for_elimination" in screen(*HOUSEHOLDS[10]).codes


MONEY = st.one_of(
    st.none(), st.floats(min_value=0, max_value=1e6, allow_nan=False).map(lambda x: round(x, 2))
)
COUNT = st.integers(min_value=0, max_value=6)
FACT_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "household_type": st.sampled_from(["lifted", "ordinary"]),
    "welfare": st.sampled_from(["none", "dibao", "tekun"]),
    "members": COUNT,
    "labour_members": COUNT,
    "per_capita_income": MONEY,
    "previous_per_capita_income": MONEY,
    "net_income": MONEY,
    "rigid_spending": MONEY,
    "months_above_line": st.integers(min_value=0, max_value=48),
    "school_age_out_of_school": COUNT,
    "uninsured_members": COUNT,
    "housing_grade": st.sampled_from(["A", "B", "C", "D"]),
    "safe_water": st.booleans(),
    "sudden_events": COUNT,
}
PARAM_VALUES = st.fixed_dictionaries(
    {
        "monitoring_line": st.one_of(st.none(), st.sampled_from([6000.0, 6700.0, 7100.0])),
        "income_drop_ratio": st.sampled_from([0.3, 0.5]),
        "rigid_spending_share": st.sampled_from([0.3, 0.5]),
        "rigid_spending_amount": st.one_of(st.none(), st.sampled_from([10000.0, 20000.0])),
        "stable_months": st.sampled_from([6.0, 12.0]),
    }
)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.fixed_dictionaries(FACT_VALUES), PARAM_VALUES), min_size=1, max_size=25))
def test_catalog_agrees_on_generated_households(
    spark: Any, households: list[tuple[dict[str, Any], dict[str, Any]]]
) -> None:
    assert_catalog_agrees(households, spark)
