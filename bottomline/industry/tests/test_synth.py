"""The synthetic programme: calibrated counts, money through the one service, and a second run adds nothing."""

from __future__ import annotations

from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Sum

from bottomline.industry.models import Entity, Linkage, Project
from bottomline.industry.synth import Calibration, industry_synth
from bottomline.registry.models import Member, ProgramIncome
from bottomline.registry.tests.factories import household, id_number, member


@pytest.mark.django_db
def test_synth_follows_the_calibration_and_runs_once(tree: Any, personas: dict[str, Any]) -> None:
    officer = personas["county_officer"]
    for n in range(12):
        home = household(officer, tree.village if n % 2 else tree.sibling_village)
        member(officer, home, id_number(sequence=n + 1))
    made = industry_synth(
        county=tree.county,
        seed=1,
        on=date(2025, 12, 15),
        user=officer,
        c=Calibration(people=6, entities=10, projects=20),
    )
    assert (made["entities"], made["projects"], Entity.objects.count(), Project.objects.count()) == (
        10,
        20,
        10,
        20,
    )
    assert (
        made["households"] == 6
        and Member.objects.filter(household__in=Linkage.objects.values("household")).count() == 6
    )
    assert Project.objects.aggregate(total=Sum("investment"))["total"] == pytest.approx(2_365_000_000, abs=20)
    assert ProgramIncome.objects.filter(source__startswith="industry.linkage:").exists()
    out = StringIO()
    call_command("industry_synth", "--county", "630106", "--user", officer.username, stdout=out)
    assert "already" in out.getvalue() and Entity.objects.count() == 10
