"""The figures follow a screening run at once, and the nightly command rebuilds a region's months."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from bottomline.dashboards.compute import month_start, months_back
from bottomline.dashboards.models import VillageMonth
from bottomline.dashboards.selectors import naive_region_figures, region_figures
from bottomline.engine.services import screening_run
from bottomline.jobs.progress import NullProgress
from bottomline.registry.services import income_record
from bottomline.registry.tests.factories import household, id_number, member

pytestmark = pytest.mark.django_db


def _poor_household(personas: dict[str, Any], village: Any, sequence: int) -> None:
    county = personas["county_officer"]  # registers in any village of the county
    home = household(county, village, household_type="lifted")
    member(county, home, id_number(sequence=sequence))
    for year in (2024, 2025):
        income_record(actor=county, household_id=home.pk, period_start=date(year, 1, 1),
                      period_end=date(year, 12, 31), wage=Decimal(4000))  # fmt: skip


@pytest.mark.django_db(transaction=True)  # the batch reads the registry through its own connection
def test_a_screening_run_refreshes_its_region_for_the_current_month(
    tree: Any, personas: dict[str, Any]
) -> None:
    _poor_household(personas, tree.village, 1)
    assert not VillageMonth.objects.exists()
    run = screening_run(on=timezone.localdate(), region=tree.county, progress=NullProgress())
    assert run.leads == 1
    row = VillageMonth.objects.get(village=tree.village.code)
    assert row.month == month_start(timezone.localdate())
    county = personas["county_officer"]
    figures = region_figures(viewer=county, region_code=tree.county.code)
    assert figures.values["signals_screening"] == 1 and figures.values["leads_open"] == 1
    assert figures.values["income_below_line"] == 1
    assert figures.parts == naive_region_figures(viewer=county, region_code=tree.county.code).parts


def test_the_nightly_command_rebuilds_the_months_of_a_region(tree: Any, personas: dict[str, Any]) -> None:
    _poor_household(personas, tree.village, 1)
    _poor_household(personas, tree.sibling_village, 2)
    out = io.StringIO()
    call_command("figures_refresh", region=tree.township.code, months=3, stdout=out)
    assert "for 3 months" in out.getvalue()
    months = set(VillageMonth.objects.values_list("month", flat=True))
    assert months <= set(months_back(timezone.localdate(), 3)) and months
    assert set(VillageMonth.objects.values_list("village", flat=True)) == {
        tree.village.code,
        tree.sibling_village.code,
    }


@pytest.mark.django_db(transaction=True)
def test_a_run_refreshes_only_the_villages_where_it_raised_leads(tree: Any, personas: dict[str, Any]) -> None:
    """The figures read leads and cases, not screenings: a run that raises no lead rewrites no figure (a nightly
    or incremental run over a province is not followed by the province's whole recomputation, issue #16)."""
    _poor_household(personas, tree.village, 1)
    screening_run(on=timezone.localdate(), region=tree.county, progress=NullProgress())
    first = VillageMonth.objects.get(village=tree.village.code).refreshed_at
    again = screening_run(on=timezone.localdate(), region=tree.county, progress=NullProgress())
    assert again.leads == 0
    assert VillageMonth.objects.get(village=tree.village.code).refreshed_at == first
    _poor_household(personas, tree.sibling_village, 2)
    third = screening_run(on=timezone.localdate(), region=tree.county, progress=NullProgress())
    assert third.leads == 1
    assert VillageMonth.objects.get(village=tree.village.code).refreshed_at == first
    assert VillageMonth.objects.filter(village=tree.sibling_village.code).exists()
    county = personas["county_officer"]
    assert region_figures(viewer=county, region_code=tree.county.code).values["leads_open"] == 2
