"""The batch feature table equals the online one, household by household, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from bottomline.engine.features import batch_features
from bottomline.engine.params import params_by_county
from bottomline.engine.snapshot import read_snapshot
from bottomline.policy.selectors import parameters_for
from bottomline.registry.features import household_facts
from bottomline.registry.models import Household
from bottomline.registry.services import household_update, income_record
from bottomline.registry.tests.factories import household, id_number, member
from bottomline.rules.catalog import FACTS
from bottomline.rules.compile import param_column

ON = date(2026, 11, 1)


@pytest.fixture
def registry(tree: Any, personas: dict[str, Any]) -> None:
    call_command("policy_seed")
    cadre, county = personas["village_cadre"], personas["county_officer"]
    poor = household(cadre, tree.village, phone="13900000001")
    member(cadre, poor, id_number(sequence=1), labour="none", medical_insurance=False)
    member(
        cadre,
        poor,
        id_number(birth=date(2015, 3, 1), sequence=2),
        relation="son",
        student_status="dropped_out",
        labour="none",
    )
    for year, wage in ((2023, "30000"), (2024, "9000"), (2025, "8000")):
        income_record(
            actor=cadre,
            household_id=poor.pk,
            period_start=date(year, 1, 1),
            period_end=date(year, 12, 31),
            wage=Decimal(wage),
            medical_out_of_pocket=Decimal("12000"),
        )
    steady = household(county, tree.other_township_village, household_type="ordinary")
    member(county, steady, id_number(sequence=3))
    for year in (2024, 2025):
        income_record(
            actor=county,
            household_id=steady.pk,
            period_start=date(year, 1, 1),
            period_end=date(year, 6, 30),
            wage=Decimal("20000"),
        )
        income_record(
            actor=county,
            household_id=steady.pk,
            period_start=date(year, 7, 1),
            period_end=date(year, 12, 31),
            wage=Decimal("21000"),
        )
    household(county, tree.sibling_village, safe_water=False)  # nobody and no income yet
    household_update(actor=county, household_id=steady.pk, welfare="dibao")


@pytest.mark.django_db(transaction=True)
def test_batch_features_equal_online_features(registry: None, tree: Any) -> None:
    snapshot = read_snapshot()
    counties = {code[:6] + "000000" for code in snapshot.households.column("village_code").to_pylist()}
    table = batch_features(snapshot, params_by_county(counties, on=ON), on=ON).to_pylist()
    assert len(table) == 3
    for row in table:
        h = (
            Household.objects.prefetch_related("members", "incomes")
            .select_related("village")
            .get(pk=row["household_id"])
        )
        params = parameters_for(region=h.village, on=ON)
        online = household_facts(h, line=params.get("monitoring_line"), on=ON)
        assert {k: row[k] for k in FACTS} == online, h.number
        assert {k: type(row[k]) for k in FACTS if row[k] is not None} == {
            k: type(v) for k, v in online.items() if v is not None
        }
        assert row[param_column("monitoring_line")] == float(params["monitoring_line"])
    poor = next(r for r in table if r["members"] == 2)
    assert (poor["per_capita_income"], poor["previous_per_capita_income"], poor["months_above_line"]) == (
        4000.0,
        4500.0,
        0,
    )
    assert (poor["school_age_out_of_school"], poor["uninsured_members"], poor["labour_members"]) == (1, 1, 0)
    steady = next(r for r in table if r["members"] == 1)
    assert steady["months_above_line"] == 24


@pytest.mark.django_db(transaction=True)
def test_batch_run_finds_what_the_online_screening_finds(registry: None, tree: Any) -> None:
    from bottomline.engine.models import Current, Result
    from bottomline.registry.features import household_screening

    call_command("screen", "--on", ON.isoformat())
    current = {c.household_id: c for c in Current.objects.all()}
    at_risk = set()
    for h in Household.objects.prefetch_related("members", "incomes").select_related("village"):
        online = household_screening(household=h, on=ON)
        batch = current[h.pk]
        assert (tuple(batch.codes), batch.category, tuple(batch.risk_types)) == (
            online.codes,
            online.category,
            online.risk_types,
        )
        # Explanations are written for the households at risk alone (the page builds the others' when viewed).
        explained = [hit.explanation("zh") for hit in online.hits] if online.at_risk else []
        assert batch.explanations["zh"] == explained
        if online.at_risk:
            at_risk.add(h.pk)
    # The run's results are kept for the households at risk alone.
    assert set(Result.objects.values_list("household_id", flat=True)) == at_risk
    assert len(at_risk) >= 2


@pytest.mark.django_db(transaction=True)
def test_simulating_a_higher_line_shows_who_would_enter_and_changes_nothing(
    registry: None, tree: Any
) -> None:
    from bottomline.engine.simulation import simulate
    from bottomline.policy.models import Parameter

    before = list(Parameter.objects.values_list("pk", "value"))
    proposal = Parameter(
        name="monitoring_line",
        region=tree.province,
        value=Decimal("50000"),
        effective_from=date(2026, 1, 1),
        source="simulation",
    )
    outcome = simulate(proposal=proposal, on=ON)
    assert outcome["households"] == 3
    # The steady ordinary household (20,000 and 21,000 per half-year for one person: 41,658 a year, annualised)
    # enters as category 2.
    assert outcome["entering"] == [
        {"county": "630106", "county_name": "湟中区", "category": 2, "households": 1}
    ]
    assert outcome["leaving"] == []
    assert list(Parameter.objects.values_list("pk", "value")) == before


EDGES_ON = date(2028, 2, 29)


def edges() -> tuple[Any, Any]:
    """A snapshot at the edges (unsorted rows, rows of an unknown household, nulls, a 29 February screening
    day, income ties to the line, a county without parameters) and the parameters of two of its counties."""
    import pyarrow as pa

    from bottomline.engine.snapshot import Snapshot

    on = EDGES_ON
    d = date.fromisoformat
    snapshot = Snapshot(
        households=pa.table(
            {
                "household_id": pa.array([30, 10, 20], pa.int64()),
                "village_code": ["520102100201", "630106100201", "630121100201"],
                "household_type": ["ordinary", "monitored", "ordinary"],
                "welfare": ["none", "dibao", "none"],
                "housing_grade": ["A", "C", None],
                "safe_water": [True, False, None],
            }
        ),
        members=pa.table(
            {
                "household_id": pa.array([10, 10, 99, 10, 10, 10, 20], pa.int64()),
                "birth_date": pa.array(
                    [
                        d("2022-02-28"),
                        d("2022-03-01"),
                        d("2015-01-01"),
                        d("2012-02-29"),
                        d("2012-03-01"),
                        None,
                        d("1980-01-01"),
                    ],
                    pa.date32(),
                ),  # aged 6, 5, (unknown household), 16, 15, unknown, adult
                "student_status": ["none", "none", "none", "none", "dropped_out", "none", None],
                "labour": ["none", None, "skilled", "lost", "weak", "skilled", "ordinary"],
                "medical_insurance": [True, False, False, None, True, True, True],
            }
        ),
        incomes=pa.table(
            {
                "household_id": pa.array([10, 10, 99, 10, 10, 20, 30], pa.int64()),
                "period_start": pa.array(
                    [
                        d("2025-01-01"),
                        d("2027-01-01"),
                        d("2027-01-01"),
                        d("2024-01-01"),
                        d("2026-07-01"),
                        d("2027-01-01"),
                        d("2027-01-01"),
                    ],
                    pa.date32(),
                ),
                "period_end": pa.array(
                    [
                        d("2025-12-31"),
                        d("2027-12-31"),
                        d("2027-12-31"),
                        d("2024-12-31"),
                        d("2026-12-31"),
                        d("2027-12-31"),
                        d("2027-12-31"),
                    ],
                    pa.date32(),
                ),
                "household_size": pa.array([4, 4, 1, 4, 4, 2, 3], pa.int64()),
                "per_capita_income": [None, 6000.0, 1.0, 9000.0, 5000.0, 8000.0, 100.0],
                "net_income": [None, 24000.0, 1.0, 36000.0, 20000.0, 16000.0, 300.0],
                "rigid_spending": [0.0, 700.0, 1.0, 0.0, 0.0, None, 0.0],
                "medical_spending": [0.0, 700.0, 1.0, 0.0, 0.0, None, 0.0],
                "education_spending": [0.0, 0.0, 0.0, 0.0, 0.0, None, 0.0],
            }
        ),
        events=pa.table(
            {
                "household_id": pa.array([10, 10, 10, 10, 10, 20, 30, 99], pa.int64()),
                "kind": ["disaster"] * 8,
                "occurred_on": pa.array(
                    [
                        d("2027-02-28"),
                        d("2027-03-01"),
                        on,
                        d("2028-03-01"),
                        None,
                        d("2027-06-01"),
                        d("2027-06-01"),
                        d("2027-06-01"),
                    ],
                    pa.date32(),
                ),  # 12 months back from 29 February 2028 is 28 February 2027: out, in, in, out, out
            }
        ),
    )
    params = pa.table(
        {
            "county_code": ["630106000000", "630121000000"],
            "param_monitoring_line": pa.array([5000.0, None], pa.float64()),
            "param_sudden_event_months": pa.array([12.0, None], pa.float64()),
        }
    )
    return snapshot, params


def test_batch_features_at_the_edges() -> None:
    """Unsorted rows, rows of unknown households, nulls, a 29 February screening day, income ties to the line
    and a county without parameters: the values the online rules give (worked out by hand here)."""
    on = EDGES_ON
    snapshot, params = edges()
    rows = batch_features(snapshot, params, on=on).to_pylist()
    assert [r["household_id"] for r in rows] == [10, 20, 30]
    facts = [
        "members",
        "labour_members",
        "school_age_out_of_school",
        "uninsured_members",
        "per_capita_income",
        "previous_per_capita_income",
        "net_income",
        "rigid_spending",
        "months_above_line",
        "sudden_events",
        "housing_grade",
        "safe_water",
    ]
    assert [tuple(r[k] for k in facts) for r in rows] == [
        # 12 + 6 months at or above the line; the period without income stops the run. The half-year's 20,000
        # for 4 is annualised: 20,000 × 365 / 184 / 4 = 9,918.478… → 9,918.48
        (5, 2, 2, 1, 6000.0, 9918.48, 24000.0, 700.0, 18, 2, "C", False),
        (1, 1, 0, 0, 8000.0, None, 16000.0, None, 0, 1, None, None),  # no line in force: no months above it
        (0, 0, 0, 0, 100.0, None, 300.0, 0.0, 0, 1, "A", True),  # no parameters: 12 months of events
    ]
    assert [r["param_monitoring_line"] for r in rows] == [5000.0, None, None]
