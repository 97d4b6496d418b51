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
    "per_capita_income_after_spending": 11250.0,
    "medical_spending": 3000.0,
    "education_spending": 0.0,
    "months_above_line": 24,
    "school_age_out_of_school": 0,
    "uninsured_members": 0,
    "housing_grade": "A",
    "safe_water": True,
    "sudden_events": 0,
}
# The seeded policy: no share or amount of rigid spending in force, only income after spending against the line.
SEEDED = {**POLICY, "rigid_spending_share": None, "rigid_spending_amount": None}
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
    # Issue #13's category-3 example: 32,000 for 4 with 9,000 out of pocket is 5,750 per person after it.
    (
        {
            **STEADY,
            "per_capita_income": 8000.0,
            "net_income": 32000.0,
            "rigid_spending": 9000.0,
            "per_capita_income_after_spending": 5750.0,
        },
        SEEDED,
    ),
    # 111,507 with 25,338 of rigid spending for 4: 21,542.25 per person after it: no hit, ready to leave.
    (
        {
            **STEADY,
            "per_capita_income": 27876.75,
            "net_income": 111507.0,
            "rigid_spending": 25338.0,
            "per_capita_income_after_spending": 21542.25,
        },
        SEEDED,
    ),
    (
        {
            **STEADY,
            "per_capita_income": 6699.99,
            "previous_per_capita_income": None,
            "per_capita_income_after_spending": 6699.99,
        },
        SEEDED,
    ),
    (
        {
            **STEADY,
            "per_capita_income": 6700.0,
            "previous_per_capita_income": None,
            "per_capita_income_after_spending": 6700.0,
        },
        SEEDED,
    ),
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
    assert (screen(*HOUSEHOLDS[15]).codes, screen(*HOUSEHOLDS[15]).category) == (("rigid_spending",), 3)
    assert screen(*HOUSEHOLDS[16]).codes == ("ready_for_elimination",)
    assert screen(*HOUSEHOLDS[17]).codes == ("income_below_line", "rigid_spending")
    assert screen(*HOUSEHOLDS[18]).codes == ("ready_for_elimination",)  # on the line, to the fen


def test_events_and_drops_are_category_3_only_in_serious_difficulty(spark: Any) -> None:
    """Issue #13, item 4: a sudden event or a sharp drop makes a category-3 lead (突发严重困难户) only when basic
    living is in serious difficulty, by the sourced rule (income less compliant spending below the line,
    domain.md §1.2); above it the hit names the cause but sends nobody to a visit."""
    well_off_event = ({**STEADY, "sudden_events": 3}, SEEDED)
    well_off_drop = ({**STEADY, "per_capita_income": 7000.0, "previous_per_capita_income": 12000.0}, SEEDED)
    hardship_event = (
        {**STEADY, "sudden_events": 1, "rigid_spending": 20000.0, "per_capita_income_after_spending": 7000.0},
        {**SEEDED, "monitoring_line": 7500.0},
    )
    drop_below = ({**STEADY, "per_capita_income": 6000.0, "previous_per_capita_income": 12000.0}, SEEDED)
    households = [well_off_event, well_off_drop, hardship_event, drop_below]
    assert_catalog_agrees(households, spark)
    got = [screen(f, p) for f, p in households]
    assert [(s.codes[0], s.category) for s in got] == [
        ("sudden_event", None),
        ("income_drop", None),
        ("rigid_spending", 3),
        ("income_below_line", 1),
    ]
    assert "sudden_event" in got[2].codes and "income_drop" in got[3].codes
    assert got[2].risk_types == ("accident", "disaster", "illness")
    assert got[3].risk_types == ("income_drop",)


def test_housing_water_and_income_drop_are_named_types_on_every_engine(spark: Any) -> None:
    """Issue #13: 住房安全问题, 饮水安全问题 and 收入大幅缩减, not 其他, in Python, DuckDB and PySpark."""
    households = [
        ({**STEADY, "housing_grade": "C"}, SEEDED),
        ({**STEADY, "housing_grade": "D"}, SEEDED),
        ({**STEADY, "safe_water": False}, SEEDED),
        ({**STEADY, "per_capita_income": 6000.0, "previous_per_capita_income": 12000.0}, SEEDED),
    ]
    assert_catalog_agrees(households, spark)
    assert [screen(f, p).risk_types for f, p in households] == [
        ("housing_safety",),
        ("housing_safety",),
        ("water_safety",),
        ("income_drop",),
    ]


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
    "per_capita_income_after_spending": MONEY,
    "medical_spending": MONEY,
    "education_spending": MONEY,
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
        "rigid_spending_share": st.one_of(st.none(), st.sampled_from([0.3, 0.5])),
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


# Boundary households in the registry (issue #13), on the database the suite runs on (SQLite or PostgreSQL):
# the online screening, DuckDB and PySpark must all give the answer docs/rules.md defines, worked out by hand
# here (an oracle independent of the code): money is exact to the fen, a per-capita figure is rounded half away
# from zero to the fen before it is compared with the line, a period that is not a year is annualised (× 365 /
# its days), months above the line are whole months of continuous covered time, and the category-3 test is
# income minus compliant out-of-pocket spending below the line.
BOUNDARY_ON = "2026-11-01"
# name: (members, periods as (start, end, wage, medical out-of-pocket), household type)
BOUNDARY: dict[str, tuple[int, list[tuple[str, str, str, str]], str]] = {
    # 20,099.99 / 3 = 6,699.996…: 6,700.00 to the fen, on the line: not below it
    "a_fen_above": (3, [("2025-01-01", "2025-12-31", "20099.99", "0")], "ordinary"),
    # 20,099.98 / 3 = 6,699.993…: 6,699.99, below
    "a_fen_below": (3, [("2025-01-01", "2025-12-31", "20099.98", "0")], "ordinary"),
    # 13,399.99 / 2 = 6,699.995 exactly: half a fen rounds away from zero, to 6,700.00
    "half_a_fen": (2, [("2025-01-01", "2025-12-31", "13399.99", "0")], "ordinary"),
    # 125 days (30 June to 1 November): 4 whole months, not 6 calendar months touched; not yet stable
    "short_run": (1, [("2026-06-30", "2026-11-01", "6000", "0")], "lifted"),
    # two quarters fifteen months apart: 3 months of continuous time, not 6
    "gapped": (
        1,
        [("2024-04-01", "2024-06-30", "5000", "0"), ("2025-07-01", "2025-09-30", "5000", "0")],
        "lifted",
    ),
    # a whole year and the half-year after it, continuous: 18 months, stable
    "stable": (
        1,
        [("2025-01-01", "2025-12-31", "9000", "0"), ("2026-01-01", "2026-06-30", "5000", "0")],
        "lifted",
    ),
    # a quarter of 5,000 per person is 20,277.78 a year, not "below 6,700"
    "quarter": (1, [("2026-07-01", "2026-09-30", "5000", "0")], "ordinary"),
    # 32,000 for 4 with 9,000 out of pocket: 8,000 per person, but 5,750 after the spending: category 3
    "spending": (4, [("2025-01-01", "2025-12-31", "32000", "9000")], "ordinary"),
    # 111,507 with 25,338 out of pocket for 4: 21,542.25 per person after it, far above the line
    "well_off": (4, [("2025-01-01", "2025-12-31", "111507", "25338")], "ordinary"),
    # income halved, from 60,000 to 30,000 for 1, but far above the line: a drop, not a lead
    "drop_above": (
        1,
        [("2024-01-01", "2024-12-31", "60000", "0"), ("2025-01-01", "2025-12-31", "30000", "0")],
        "ordinary",
    ),
}
# name: (below the line, ready for elimination, rigid spending rule, suggested category, months above the line)
BOUNDARY_EXPECTED: dict[str, tuple[bool, bool, bool, int | None, int]] = {
    "a_fen_above": (False, True, False, None, 12),
    "a_fen_below": (True, False, False, 2, 0),
    "half_a_fen": (False, True, False, None, 12),
    "short_run": (False, False, False, None, 4),
    "gapped": (False, False, False, None, 3),
    "stable": (False, True, False, None, 18),
    "quarter": (False, False, False, None, 3),
    "spending": (False, False, True, 3, 12),
    "well_off": (False, True, False, None, 12),
    "drop_above": (False, True, False, None, 24),
}

# Risk types follow the cause: medical bills are illness, not illness and schooling.
BOUNDARY_RISKS: dict[str, tuple[str, ...]] = {"spending": ("illness",)}


@pytest.fixture
def boundary(tree: Any, personas: dict[str, Any]) -> dict[int, str]:
    from datetime import date
    from decimal import Decimal

    from django.core.management import call_command

    from bottomline.registry.services import income_record
    from bottomline.registry.tests.factories import household, id_number, member

    call_command("policy_seed")
    cadre = personas["village_cadre"]
    made: dict[int, str] = {}
    sequence = 0
    for name, (size, periods, kind) in BOUNDARY.items():
        h = household(cadre, tree.village, household_type=kind)
        for _ in range(size):
            sequence += 1
            member(cadre, h, id_number(sequence=sequence), relation="head" if _ == 0 else "son")
        for start, end, wage, medical in periods:
            income_record(
                actor=cadre,
                household_id=h.pk,
                period_start=date.fromisoformat(start),
                period_end=date.fromisoformat(end),
                wage=Decimal(wage),
                medical_out_of_pocket=Decimal(medical),
            )
        made[h.pk] = name
    return made


def _verdict(s: Screening, months: int) -> tuple[bool, bool, bool, int | None, int]:
    return (
        "income_below_line" in s.codes,
        "ready_for_elimination" in s.codes,
        "rigid_spending" in s.codes,
        s.category,
        months,
    )


@pytest.mark.django_db(transaction=True)
def test_boundary_households_on_every_engine(boundary: dict[int, str], spark: Any) -> None:
    from datetime import date

    from bottomline.engine.batch import rules_apply
    from bottomline.engine.features import batch_features
    from bottomline.engine.params import params_by_county
    from bottomline.engine.snapshot import read_snapshot
    from bottomline.registry.features import household_inputs
    from bottomline.registry.models import Household

    on = date.fromisoformat(BOUNDARY_ON)
    snapshot = read_snapshot()
    counties = {code[:6] + "000000" for code in snapshot.households.column("village_code").to_pylist()}
    features = batch_features(snapshot, params_by_county(counties, on=on), on=on)
    months = {r["household_id"]: r["months_above_line"] for r in features.to_pylist()}
    households = Household.objects.prefetch_related("members", "incomes", "feed_events")
    for h in households:
        facts, params = household_inputs(household=h, on=on)
        online = _verdict(screen(facts, params), int(facts["months_above_line"] or 0))
        assert online == BOUNDARY_EXPECTED[boundary[h.pk]], ("online", boundary[h.pk], facts)
        if boundary[h.pk] in BOUNDARY_RISKS:
            assert screen(facts, params).risk_types == BOUNDARY_RISKS[boundary[h.pk]]
    for engine in ("duckdb", "spark"):
        rows = {r["household_id"]: r for r in rules_apply(features, engine=engine).to_pylist()}
        for pk, name in boundary.items():
            got = from_batch_row(rows[pk]) if pk in rows else Screening((), None, ())
            assert _verdict(got, months[pk]) == BOUNDARY_EXPECTED[name], (engine, name)
            assert got.risk_types == BOUNDARY_RISKS.get(name, got.risk_types), (engine, name)
