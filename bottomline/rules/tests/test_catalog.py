"""The catalog on a table of households: expected hits, categories and explanations, identical in Python and
in DuckDB; and on generated households."""

from __future__ import annotations

from typing import Any

import ibis
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from bottomline.rules.catalog import FACTS, RULES
from bottomline.rules.compile import param_column
from bottomline.rules.nodes import params_of
from bottomline.rules.screening import Screening, compile_category, compile_screening, from_batch_row, screen

PARAMS: dict[str, Any] = {
    "monitoring_line": 6700.0,
    "income_drop_ratio": 0.3,
    "rigid_spending_share": None,  # not in force by default: the category-3 test is income after spending
    "rigid_spending_amount": None,
    "stable_months": 6.0,
}
PARAM_NAMES = sorted(
    set().union(*(params_of(r.when) for r in RULES), *(params_of(n) for r in RULES for n in r.shows.values()))
)
BASE: dict[str, Any] = {
    "household_type": "lifted",
    "welfare": "none",
    "members": 4,
    "labour_members": 2,
    "per_capita_income": 12000.0,
    "previous_per_capita_income": 11500.0,
    "net_income": 48000.0,
    "rigid_spending": 2000.0,
    "per_capita_income_after_spending": 11500.0,
    "medical_spending": 0.0,
    "education_spending": 2000.0,
    "months_above_line": 12,
    "school_age_out_of_school": 0,
    "uninsured_members": 0,
    "housing_grade": "B",
    "safe_water": True,
    "sudden_events": 0,
}
CASES: list[tuple[dict[str, Any], tuple[str, ...], int | None]] = [
    ({}, ("ready_for_elimination",), None),
    ({"per_capita_income": 5230.0, "months_above_line": 0}, ("income_below_line", "income_drop"), 1),
    (
        {
            "household_type": "ordinary",
            "per_capita_income": 6000.0,
            "previous_per_capita_income": 6200.0,
            "months_above_line": 0,
        },
        ("income_below_line",),
        2,
    ),
    ({"rigid_spending": 30000.0, "per_capita_income_after_spending": 4500.0}, ("rigid_spending",), 3),
    ({"rigid_spending": 30000.0}, ("ready_for_elimination",), None),  # 11,500 per person after it: no hit
    ({"school_age_out_of_school": 1}, ("out_of_school",), 1),
    ({"housing_grade": "D", "safe_water": False}, ("dangerous_housing", "unsafe_water"), 1),
    ({"labour_members": 0, "welfare": "dibao"}, ("no_labour",), None),  # on the safety net: stays monitored
    ({"labour_members": 0}, ("no_labour", "ready_for_elimination"), None),
    # an event names a cause; without income below the line or after spending, no category (issue #13, item 4)
    ({"sudden_events": 2, "per_capita_income": None}, ("sudden_event",), None),
]


def facts(case: dict[str, Any]) -> dict[str, Any]:
    return {**BASE, **case}


def duckdb_table(rows: list[dict[str, Any]]) -> Any:
    schema = pa.schema(
        [("household_id", pa.int64())]
        + [
            (
                name,
                getattr(
                    pa, {"string": "string", "int64": "int64", "float64": "float64", "bool": "bool_"}[kind]
                )(),
            )
            for name, kind in FACTS.items()
        ]
        + [(param_column(p), pa.float64()) for p in PARAM_NAMES]
    )
    data = pa.Table.from_pylist(
        [
            {"household_id": i, **row, **{param_column(p): PARAMS[p] for p in PARAM_NAMES}}
            for i, row in enumerate(rows)
        ],
        schema=schema,
    )
    screened = compile_screening(ibis.memtable(data))
    return screened.mutate(category=compile_category(screened))


def duckdb_screenings(rows: list[dict[str, Any]]) -> list[Screening]:
    result = ibis.duckdb.connect().to_pyarrow(duckdb_table(rows)).to_pylist()
    screenings = [from_batch_row(r) for r in sorted(result, key=lambda r: r["household_id"])]
    # The compiled category column makes the same decision as the Python conclusion.
    assert [s.category for s in screenings] == [
        r["category"] for r in sorted(result, key=lambda r: r["household_id"])
    ]
    return screenings


def assert_same(py: Screening, db: Screening) -> None:
    assert py.codes == db.codes and py.category == db.category and py.risk_types == db.risk_types
    for language in ("en", "zh"):
        assert [h.explanation(language) for h in py.hits] == [h.explanation(language) for h in db.hits]


def test_cases_hit_what_they_should_in_both_evaluators() -> None:
    rows = [facts(case) for case, _codes, _cat in CASES]
    for (case, codes, category), row, db in zip(CASES, rows, duckdb_screenings(rows), strict=True):
        py = screen(row, PARAMS)
        assert (py.codes, py.category) == (codes, category), case
        assert_same(py, db)


def test_risk_types_follow_the_cause() -> None:
    """Issue #13: medical bills are illness, school fees schooling, not both for either."""
    spent = {"rigid_spending": 30000.0, "per_capita_income_after_spending": 4500.0}
    medical = facts({**spent, "medical_spending": 30000.0, "education_spending": 0.0})
    fees = facts({**spent, "medical_spending": 0.0, "education_spending": 30000.0})
    both = facts({**spent, "medical_spending": 20000.0, "education_spending": 10000.0})
    rows = [medical, fees, both]
    for row, db, want in zip(
        rows, duckdb_screenings(rows), [("illness",), ("schooling",), ("illness", "schooling")], strict=True
    ):
        assert screen(row, PARAMS).risk_types == want
        assert_same(screen(row, PARAMS), db)


def test_housing_water_and_income_drop_are_named_risk_types_not_other() -> None:
    """Issue #13: 住房安全问题, 饮水安全问题 and 收入大幅缩减 are types of their own, not 其他."""
    rows = [
        facts({"housing_grade": "C"}),
        facts({"housing_grade": "D"}),
        facts({"safe_water": False}),
        facts({"per_capita_income": 6000.0, "previous_per_capita_income": 12000.0}),
    ]
    wants = [("housing_safety",), ("housing_safety",), ("water_safety",), ("income_drop",)]
    for row, db, want in zip(rows, duckdb_screenings(rows), wants, strict=True):
        assert screen(row, PARAMS).risk_types == want
        assert_same(screen(row, PARAMS), db)
    assert "other" not in {t for r in RULES for t in r.risk_types}


def test_explanations_carry_the_numbers_in_both_languages() -> None:
    result = screen(facts({"per_capita_income": 5230.0}), PARAMS)
    hit = result.hits[0]
    assert hit.explanation("en") == "per-capita net income 5,230 < line 6,700"
    assert hit.explanation("zh-hans") == "人均纯收入 5,230 元 < 监测范围 6,700 元"


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "household_type": st.sampled_from(["lifted", "ordinary"]),
                "welfare": st.sampled_from(["none", "dibao", "tekun"]),
                "members": st.integers(1, 8),
                "labour_members": st.integers(0, 4),
                "per_capita_income": st.one_of(st.none(), st.floats(0, 40000).map(lambda x: round(x, 2))),
                "previous_per_capita_income": st.one_of(
                    st.none(), st.floats(0, 40000).map(lambda x: round(x, 2))
                ),
                "net_income": st.floats(0, 200000).map(lambda x: round(x, 2)),
                "rigid_spending": st.floats(0, 60000).map(lambda x: round(x, 2)),
                "medical_spending": st.one_of(st.none(), st.sampled_from([0.0, 500.0])),
                "education_spending": st.one_of(st.none(), st.sampled_from([0.0, 800.0])),
                "per_capita_income_after_spending": st.one_of(
                    st.none(), st.floats(-20000, 40000).map(lambda x: round(x, 2))
                ),
                "months_above_line": st.integers(0, 36),
                "school_age_out_of_school": st.integers(0, 2),
                "uninsured_members": st.integers(0, 2),
                "housing_grade": st.sampled_from(["A", "B", "C", "D"]),
                "safe_water": st.booleans(),
                "sudden_events": st.integers(0, 2),
            }
        ),
        min_size=1,
        max_size=20,
    )
)
def test_generated_households_agree(rows: list[dict[str, Any]]) -> None:
    for row, db in zip(rows, duckdb_screenings(rows), strict=True):
        assert_same(screen(row, PARAMS), db)
