"""The synthetic population: deterministic, valid IDs consistent with birth date, sex and county, calibrated."""

from __future__ import annotations

from datetime import date
from statistics import mean
from typing import Any

import pytest
from django.core.management import call_command

from bottomline.jobs.progress import NullProgress
from bottomline.privacy.crypto import decrypt
from bottomline.privacy.ids import parse_resident_id
from bottomline.privacy.keys import field_keys
from bottomline.registry.models import Household, IncomeRecord, Member
from bottomline.registry.services import ID_PURPOSE, area_info, reveal
from bottomline.registry.synth import Calibration, synth_county

ON = date(2026, 11, 1)


def snapshot() -> list[tuple[Any, ...]]:
    return list(
        Member.objects.order_by("id").values_list(
            "name", "birth_date", "sex", "relation", "labour", "id_number_masked"
        )
    )


@pytest.mark.django_db
def test_same_seed_same_people_other_seed_other_people(tree: Any) -> None:
    synth_county(county=tree.county, seed=7, on=ON, lifted=40, progress=NullProgress())
    first = snapshot()
    Member.objects.all().delete()
    IncomeRecord.objects.all().delete()
    Household.objects.all().delete()
    synth_county(county=tree.county, seed=7, on=ON, lifted=40, progress=NullProgress())
    assert snapshot() == first
    Member.objects.all().delete()
    IncomeRecord.objects.all().delete()
    Household.objects.all().delete()
    synth_county(county=tree.county, seed=8, on=ON, lifted=40, progress=NullProgress())
    assert snapshot() != first


@pytest.mark.django_db
def test_people_are_valid_and_consistent(tree: Any, personas: dict[str, Any]) -> None:
    made = synth_county(county=tree.county, seed=1, on=ON, lifted=300, progress=NullProgress())
    assert made["households"] == 300 + int(300 * Calibration().ordinary_per_lifted)
    keys = field_keys()
    for m in Member.objects.all()[:2000]:
        number = decrypt(m.id_number_enc, keys=keys, purpose=ID_PURPOSE)
        parsed = parse_resident_id(number, area=area_info, today=ON)
        assert (parsed.birth_date, parsed.sex, number[:6]) == (m.birth_date, m.sex, "630106")
        assert m.id_number_masked == number[:3] + "*" * 14 + number[-1]
    lifted_sizes = [h.members.count() for h in Household.objects.filter(household_type="lifted")]
    assert abs(mean(lifted_sizes) - 28565 / 8954) < 0.25
    ordinary_sizes = [h.members.count() for h in Household.objects.filter(household_type="ordinary")]
    assert abs(mean(ordinary_sizes) - 3.96) < 0.25
    incomes = [float(r.per_capita_net_income) for r in IncomeRecord.objects.filter(period_start__year=2025)]
    assert 8000 < sorted(incomes)[len(incomes) // 2] < 30000
    assert {h.village.code[:6] for h in Household.objects.select_related("village")} == {"630106"}
    some = Member.objects.filter(household__village=tree.village).first()
    assert some is not None and len(reveal(actor=personas["village_cadre"], member_id=some.pk)) == 18


@pytest.mark.django_db
def test_command_leaves_a_populated_county_alone(tree: Any) -> None:
    call_command("synth", "--counties", "630106", "--lifted", "20", "--on", ON.isoformat())
    count = Household.objects.count()
    call_command("synth", "--counties", "630106", "--lifted", "20", "--on", ON.isoformat())
    assert Household.objects.count() == count == 50
