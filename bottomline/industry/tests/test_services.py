"""Benefit linkage reaches household income and screening; the gate scopes every write."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from bottomline.engine.models import Current
from bottomline.industry.models import Entity, LinkageKind
from bottomline.industry.selectors import household_lines, household_linkages
from bottomline.industry.services import entity_save, linkage_add, linkage_change, linkage_end, project_save
from bottomline.registry.choices import IncomeKind, Program
from bottomline.registry.models import Household, IncomeRecord, ProgramIncome
from bottomline.registry.programs import household_programs
from bottomline.registry.tests.factories import household, id_number, member


def _flagged(home: Household) -> bool:
    return "income_below_line" in Current.objects.get(household=home).codes


@pytest.mark.django_db
def test_a_linkage_lifts_the_household_and_ending_it_flags_it_again(
    home: Household, entity: Entity, personas: dict[str, Any]
) -> None:
    officer = personas["township_officer"]
    assert _flagged(home)
    linkage = linkage_add(
        actor=officer,
        household_id=home.pk,
        entity_id=entity.pk,
        kind=LinkageKind.SHARE_DIVIDEND,
        amount_per_year=Decimal(20000),
        start=date(2024, 7, 1),
    )
    entries = dict(ProgramIncome.objects.values_list("source", "amount"))
    assert entries == {
        f"industry.linkage:{linkage.pk}:2024": Decimal("10000.00"),
        f"industry.linkage:{linkage.pk}:2025": Decimal("20000.00"),
    }
    assert set(ProgramIncome.objects.values_list("program", "kind")) == {
        (Program.BENEFIT_LINKAGE, IncomeKind.PROPERTY)
    }
    record = IncomeRecord.objects.get(household=home)
    assert record.property_income == Decimal("20000.00")
    assert not _flagged(home)  # 11,500 yuan a head: lifted above the line

    linkage_end(actor=officer, linkage_id=linkage.pk, end=date(2024, 12, 31))
    record.refresh_from_db()
    assert record.property_income == Decimal(0)
    assert list(ProgramIncome.objects.values_list("source", flat=True)) == [
        f"industry.linkage:{linkage.pk}:2024"
    ]
    assert _flagged(home)  # the household is flagged again


@pytest.mark.django_db
def test_ending_within_the_year_posts_the_months_in_effect(
    home: Household, entity: Entity, personas: dict[str, Any]
) -> None:
    officer = personas["county_officer"]
    linkage = linkage_add(
        actor=officer,
        household_id=home.pk,
        entity_id=entity.pk,
        kind=LinkageKind.EMPLOYMENT,
        amount_per_year=Decimal(24000),
        start=date(2025, 1, 1),
    )
    linkage_end(actor=officer, linkage_id=linkage.pk, end=date(2025, 3, 31))
    entry = ProgramIncome.objects.get()
    assert (entry.amount, entry.on, entry.kind) == (Decimal("6000.00"), date(2025, 3, 31), IncomeKind.WAGE)
    assert IncomeRecord.objects.get(household=home).wage == Decimal("9000.00")
    linkage_change(actor=officer, linkage_id=linkage.pk, amount_per_year=Decimal(12000), end=None)
    assert IncomeRecord.objects.get(household=home).wage == Decimal("15000.00")


@pytest.mark.django_db
def test_order_farming_is_production_income(
    home: Household, entity: Entity, personas: dict[str, Any]
) -> None:
    linkage_add(
        actor=personas["township_officer"],
        household_id=home.pk,
        entity_id=entity.pk,
        kind=LinkageKind.ORDER_FARMING,
        amount_per_year=Decimal(3000),
        start=date(2025, 1, 1),
    )
    record = IncomeRecord.objects.get(household=home)
    assert record.production == Decimal("3000.00")


@pytest.mark.django_db
def test_keepers_work_within_their_region_and_cadres_only_view(
    home: Household, entity: Entity, personas: dict[str, Any], tree: Any
) -> None:
    cadre, officer = personas["village_cadre"], personas["township_officer"]
    given: dict[str, Any] = {
        "entity_id": entity.pk,
        "kind": LinkageKind.LAND_RENT,
        "amount_per_year": Decimal(800),
        "start": date(2025, 1, 1),
    }
    with pytest.raises(PermissionDenied):
        linkage_add(actor=cadre, household_id=home.pk, **given)
    away = household(personas["county_officer"], tree.other_township_village)
    member(personas["county_officer"], away, id_number(sequence=7))
    with pytest.raises(Http404):  # another township's household does not exist for the township officer
        linkage_add(actor=officer, household_id=away.pk, **given)
    with pytest.raises(ValidationError) as refused:
        entity_save(actor=officer, name="x", kind="cooperative", region_code=tree.other_township.code)
    assert "region" in refused.value.message_dict
    linkage = linkage_add(actor=officer, household_id=home.pk, **given)
    _found, linkages = household_linkages(viewer=cadre, household_id=home.pk)
    assert linkages == [linkage]
    lines = household_lines(cadre, home, 2025)
    assert [line.amount for line in lines] == [Decimal("800.00")]
    assert household_lines(personas["department_officer"], home, 2025) == []
    shown = household_programs(viewer=cadre, household=home, year=2025)  # what the household page lists
    assert (str(shown[0].what), shown[0].amount) == ("本年发放", Decimal(800))
    assert entity.name in str(shown[1].what) and shown[1].url.endswith(f"/industry/households/{home.pk}/")
    with pytest.raises(Http404):
        household_linkages(viewer=cadre, household_id=away.pk)


@pytest.mark.django_db
def test_wrong_input_is_refused_by_field(
    home: Household, entity: Entity, personas: dict[str, Any], tree: Any
) -> None:
    officer = personas["county_officer"]
    other = entity_save(actor=officer, name="湟中区电商公司", kind="enterprise", region_code=tree.county.code)
    project = project_save(
        actor=officer, entity_id=other.pk, name="电商", kind="ecommerce", start=date(2024, 1, 1)
    )
    with pytest.raises(ValidationError) as refused:
        linkage_add(
            actor=officer,
            household_id=home.pk,
            entity_id=entity.pk,
            project_id=project.pk,
            kind="gift",
            amount_per_year=Decimal("-1"),
            start=date(2025, 5, 1),
            end=date(2025, 1, 1),
        )
    assert set(refused.value.message_dict) == {"project", "kind", "amount_per_year", "end"}
    assert not ProgramIncome.objects.exists()


@pytest.mark.django_db
def test_the_new_years_run_carries_open_linkages_into_the_new_year(
    home: Household, entity: Entity, personas: dict[str, Any]
) -> None:
    import time_machine
    from django.core.management import call_command

    officer = personas["county_officer"]
    kept = linkage_add(
        actor=officer,
        household_id=home.pk,
        entity_id=entity.pk,
        kind=LinkageKind.LAND_RENT,
        amount_per_year=Decimal(900),
        start=date(2025, 1, 1),
    )
    ended = linkage_add(
        actor=officer,
        household_id=home.pk,
        entity_id=entity.pk,
        kind=LinkageKind.ASSET_DIVIDEND,
        amount_per_year=Decimal(300),
        start=date(2025, 1, 1),
        end=date(2025, 6, 30),
    )
    with time_machine.travel(date(2026, 1, 5), tick=False):
        call_command("industry_post", "--user", officer.username)
    sources = set(ProgramIncome.objects.values_list("source", "amount"))
    assert sources == {
        (f"industry.linkage:{kept.pk}:2025", Decimal("900.00")),
        (f"industry.linkage:{kept.pk}:2026", Decimal("900.00")),
        (f"industry.linkage:{ended.pk}:2025", Decimal("150.00")),
    }
    waiting = ProgramIncome.objects.get(source=f"industry.linkage:{kept.pk}:2026")
    assert waiting.record_id is None  # no 2026 record yet: the collection form starts from it


def test_the_timers_run_posts_as_the_configured_officer_and_refuses_without_one(
    home: Household, entity: Entity, personas: dict[str, Any], settings: Any
) -> None:
    import time_machine
    from django.core.management import call_command
    from django.core.management.base import CommandError

    officer = personas["county_officer"]
    kept = linkage_add(
        actor=officer,
        household_id=home.pk,
        entity_id=entity.pk,
        kind=LinkageKind.LAND_RENT,
        amount_per_year=Decimal(900),
        start=date(2025, 1, 1),
    )
    settings.INDUSTRY_POST_USER = ""
    with pytest.raises(CommandError):
        call_command("industry_post")
    settings.INDUSTRY_POST_USER = officer.username
    with time_machine.travel(date(2026, 1, 1), tick=False):
        call_command("industry_post")  # what deploy/systemd/bottomline-industry-post.service runs
    assert ProgramIncome.objects.filter(source=f"industry.linkage:{kept.pk}:2026").exists()
