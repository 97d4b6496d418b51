"""The synthetic library: the seed's money arranged 100 % to 46 projects, central funds to industry above the
policy's 60 %, never more disbursed than budgeted, dividends in the households' income; a second run adds nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Sum

from bottomline.projects.models import Allocation, Budget, Disbursement, Project
from bottomline.projects.selectors import indicators
from bottomline.projects.synth import projects_synth
from bottomline.registry.models import ProgramIncome
from bottomline.registry.tests.factories import household

pytestmark = pytest.mark.django_db


def test_synth_is_calibrated_and_once(tree: Any, personas: dict[str, Any]) -> None:
    county = personas["county_officer"]
    for village in (tree.village, tree.sibling_village, tree.other_township_village):
        for _n in range(30):
            household(county, village)
    made = projects_synth(county=tree.county, seed=1, on=date(2026, 6, 30), user=county)
    assert made["projects"] == 46 == Project.objects.count()
    assert Allocation.objects.aggregate(s=Sum("amount"))["s"] == Decimal(277_680_000)
    assert Budget.objects.aggregate(s=Sum("amount"))["s"] == Decimal(277_680_000)
    assert Budget.objects.filter(source__in=["central", "provincial", "county"]).aggregate(s=Sum("amount"))[
        "s"
    ] == Decimal(233_780_000)
    for project in Project.objects.all():
        budget = dict(project.budgets.values_list("source", "amount"))
        for source, total in project.disbursements.values_list("source").annotate(t=Sum("amount")):
            assert total <= budget[source]
    found = indicators(viewer=county, region=tree.county, on=date(2026, 6, 30), year=2021)
    assert found.arranged_rate == Decimal("100.0") and found.spending_rate == Decimal("100.0")
    assert found.industry_share is not None and found.industry_share >= 60
    assert found.by_stage == {"evaluated": 46}
    assert Disbursement.objects.aggregate(s=Sum("amount"))["s"] == Decimal(277_680_000)
    assert ProgramIncome.objects.filter(source__startswith="projects.payout:").exists()
    assert projects_synth(county=tree.county, seed=1, on=date(2026, 6, 30), user=county)["projects"] == 0
    call_command("projects_synth", "--county", "630106", "--user", "county_officer")
    assert Project.objects.count() == 46
