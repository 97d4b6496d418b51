"""Baseline figures (issue 14 item 8): lifted-out people, their per-capita income and its growth, relocation,
former poverty villages and key counties; the household list filters by them; the dashboard page shows them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from bottomline.registry.baseline import baseline_figures
from bottomline.registry.models import Household, IncomeRecord
from bottomline.registry.selectors import HouseholdFilter, household_list
from bottomline.registry.tests.factories import household, id_number, member


def _income(h: Household, year: int, size: int, total: str) -> None:
    IncomeRecord.objects.create(
        household=h,
        period_start=date(year, 1, 1),
        period_end=date(year, 12, 31),
        household_size=size,
        wage=Decimal(total),
    )


@pytest.fixture
def archive(tree: Any, personas: dict[str, Any]) -> dict[str, Household]:
    cadre = personas["village_cadre"]
    a = household(cadre, tree.village)
    b = household(cadre, tree.village)
    c = household(cadre, tree.village, household_type="ordinary")
    Household.objects.filter(pk=a.pk).update(lifted_year=2016, relocated=True, resettlement_site="甲安置点")
    Household.objects.filter(pk=b.pk).update(lifted_year=2018)
    for n, h in enumerate((a, a, b, b, b, c), start=1):
        member(cadre, h, id_number(sequence=n), relation="head" if n in (1, 3, 6) else "son")
    _income(a, 2025, 2, "20000")
    _income(b, 2025, 3, "45000")
    _income(a, 2024, 2, "18000")
    _income(b, 2024, 3, "42000")
    _income(c, 2025, 1, "99999")  # an ordinary household: not in the lifted-out income
    tree.village.former_poor_village = True
    tree.village.save()
    tree.county.key_county = True
    tree.county.save()
    return {"a": a, "b": b, "c": c}


def test_baseline_counts_people_income_growth_and_relocation(
    tree: Any, archive: dict[str, Household]
) -> None:
    figures = baseline_figures(households=Household.objects.all(), region=tree.county, on=date(2026, 6, 1))
    assert (figures.lifted_households, figures.lifted_people) == (2, 5)
    # people weighted, not a mean of households' means: 65,000 / 5 and 60,000 / 5
    assert (figures.lifted_income, figures.lifted_income_before) == (Decimal("13000.00"), Decimal("12000.00"))
    assert figures.income_growth == Decimal("8.3")
    assert (figures.relocated_households, figures.relocated_people) == (1, 2)
    assert (figures.former_poor_villages, figures.key_counties) == (1, 1)
    assert figures.by_lifted_year == [(2016, 1), (2018, 1)]


def test_household_list_filters_by_baseline_attributes(
    tree: Any, personas: dict[str, Any], archive: dict[str, Household]
) -> None:
    county = personas["county_officer"]

    def found(**filters: Any) -> set[int]:
        return set(
            household_list(viewer=county, filters=HouseholdFilter(**filters)).values_list("pk", flat=True)
        )

    a, b, c = archive["a"].pk, archive["b"].pk, archive["c"].pk
    assert found(lifted_year=2016) == {a}
    assert found(relocated=True) == {a}
    assert found(relocated=False) == {b, c}
    assert found(former_poor_village=True) == {a, b, c}
    assert found(former_poor_village=False) == set()
    assert found(monitored=True) == set()


def test_baseline_page_and_list_filter_through_the_pages(
    client: Client, tree: Any, personas: dict[str, Any], archive: dict[str, Household]
) -> None:
    client.force_login(personas["township_officer"])
    page = client.get(f"/dashboard/{tree.county.code}/baseline/")
    assert page.status_code == 404  # above the officer's township
    page = client.get(f"/dashboard/{tree.township.code}/baseline/", {"on": "2026-06-01"})
    assert page.status_code == 200
    assert 'id="lifted-people">5<' in page.content.decode()
    listed = client.get("/registry/households/", {"relocated": "1"}).content.decode()
    assert archive["a"].number in listed and archive["b"].number not in listed


def test_per_capita_income_of_a_total_in_whole_yuan_keeps_its_fen(
    tree: Any, personas: dict[str, Any]
) -> None:
    h = household(personas["village_cadre"], tree.village)
    _income(h, 2025, 2, "53169")
    record = IncomeRecord.objects.get(household=h)
    assert record.per_capita_net_income == Decimal("26584.50")
