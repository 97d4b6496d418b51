"""Synthetic relocation: the totals are the calibration's, the records keep the rules, a second run adds
nothing; the registry's relocated flag follows the ledger."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.management import call_command

from bottomline.registry.models import Household
from bottomline.registry.tests.factories import household, id_number, member
from bottomline.relocation.models import Assessment, Relocation, Site, Support
from bottomline.relocation.selectors import counts_of
from bottomline.relocation.synth import RelocationCalibration, relocation_synth

pytestmark = pytest.mark.django_db


def test_synth_is_calibrated_lawful_and_once(tree: Any, personas: dict[str, Any]) -> None:
    county = personas["county_officer"]
    n = 0
    for village in (tree.village, tree.sibling_village, tree.other_township_village):
        for k in range(6):
            home = household(county, village, household_type="lifted" if k % 2 else "ordinary")
            for _m in range(1 + k % 3):
                n += 1
                member(county, home, id_number(sequence=n))
    Household.objects.filter(pk=home.pk).update(relocated=True)  # a stale flag: cleared by the synth
    calibration = RelocationCalibration(
        households=10, people=20, registered_households=6, registered_people=12, townships=2, villages=3,
        main_site=4,
    )  # fmt: skip
    made = relocation_synth(county=tree.county, seed=1, on=date(2026, 6, 30), calibration=calibration)
    assert (made["sites"], made["relocations"]) == (4, 10)
    counts = counts_of(Relocation.objects.all(), date(2026, 6, 30))
    assert (counts.households, counts.people) == (10, 20)
    assert (counts.registered_households, counts.registered_people) == (6, 12)
    assert (counts.origin_villages, counts.origin_townships) == (3, 2)
    assert Relocation.objects.filter(site__name="幸福家园").count() == 4
    assert set(Household.objects.filter(relocated=True).values_list("pk", flat=True)) == set(
        Relocation.objects.values_list("household_id", flat=True)
    )
    for relocation in Relocation.objects.select_related("site", "household__village", "origin"):
        assert relocation.site.built_year <= relocation.year <= 2026
        assert relocation.origin == relocation.household.village
        assert relocation.household.resettlement_site == relocation.site.name
    assert all(a.on.year > a.relocation.year and a.on <= date(2026, 6, 30) for a in Assessment.objects.all())
    assert all(a.note for a in Assessment.objects.exclude(status="stable"))
    assert Support.objects.exists() and Assessment.objects.exists()
    assert relocation_synth(county=tree.county, seed=1, on=date(2026, 6, 30))["relocations"] == 0
    call_command("relocation_synth", "--county", "630106", "--seed", "1")  # the command: nothing more either
    assert Site.objects.count() == 4 and Relocation.objects.count() == 10
