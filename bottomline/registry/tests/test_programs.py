"""Program money reaching household income (registry.programs, docs/programs.md): counted in the record of its
period at once, corrected and withdrawn without counting twice, waiting for the collection when no record covers
its day, inside the region gate."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bottomline.engine.models import Current
from bottomline.registry.choices import IncomeKind, Program
from bottomline.registry.incomes import IncomeRow, income_save, incomes_save
from bottomline.registry.models import Household, IncomeRecord, ProgramIncome
from bottomline.registry.programs import (
    EntriesRefused,
    ProgramEntry,
    household_programs,
    program_incomes_post,
    program_totals,
)
from bottomline.registry.tests.factories import household, id_number, member

FIRST, LAST = date(2025, 1, 1), date(2025, 12, 31)


@pytest.fixture
def home(tree: Any, personas: dict[str, Any]) -> Household:
    call_command("policy_seed")  # the monitoring line, for the screening
    cadre = personas["village_cadre"]
    found = household(cadre, tree.village)
    member(cadre, found, id_number(sequence=1))
    member(cadre, found, id_number(birth=date(1988, 1, 1), sequence=2), name="李秀英", relation="spouse")
    return found


def _pay(home: Household, month: int, amount: str, source: str = "") -> ProgramEntry:
    return ProgramEntry(
        source=source or f"test.pay:{month}",
        household_id=home.pk,
        program=Program.WELFARE_POST,
        kind=IncomeKind.WAGE,
        on=date(2025, month, 28),
        amount=Decimal(amount),
    )


def _record(home: Household) -> IncomeRecord:
    return IncomeRecord.objects.get(household=home, period_start=FIRST)


@pytest.mark.django_db
def test_post_wages_lift_a_household_above_the_line_and_withdrawing_them_flags_it_again(
    home: Household, personas: dict[str, Any]
) -> None:
    cadre = personas["village_cadre"]
    income_save(
        actor=cadre,
        household_id=home.pk,
        period_start=FIRST,
        period_end=LAST,
        amounts={"wage": Decimal(3000)},
    )
    assert "income_below_line" in Current.objects.get(household=home).codes
    program_incomes_post(actor=cadre, entries=[_pay(home, m, "1000") for m in range(1, 13)])
    assert _record(home).wage == Decimal("15000.00")
    assert "income_below_line" not in Current.objects.get(household=home).codes
    assert set(ProgramIncome.objects.values_list("record", flat=True)) == {_record(home).pk}
    # A correction replaces the old amount; posting the same again changes nothing.
    program_incomes_post(actor=cadre, entries=[_pay(home, 1, "400")])
    program_incomes_post(actor=cadre, entries=[_pay(home, 1, "400")])
    assert _record(home).wage == Decimal("14400.00")
    program_incomes_post(actor=cadre, withdraw=[f"test.pay:{m}" for m in range(1, 13)])
    assert _record(home).wage == Decimal("3000.00")
    assert not ProgramIncome.objects.exists()
    assert "income_below_line" in Current.objects.get(household=home).codes


@pytest.mark.django_db
def test_money_paid_before_the_collection_waits_and_is_not_counted_twice(
    home: Household, personas: dict[str, Any]
) -> None:
    cadre = personas["village_cadre"]
    program_incomes_post(
        actor=cadre,
        entries=[
            _pay(home, 3, "1200"),
            ProgramEntry(
                "test.rent:2025", home.pk, Program.BENEFIT_LINKAGE, IncomeKind.PROPERTY, LAST, Decimal(800)
            ),
            ProgramEntry(
                "test.farm:2025", home.pk, Program.BENEFIT_LINKAGE, IncomeKind.PRODUCTION, LAST, Decimal(50)
            ),
        ],
    )
    assert not IncomeRecord.objects.exists()
    assert ProgramIncome.objects.filter(record__isnull=True).count() == 3
    prefill = program_totals(household_id=home.pk, start=FIRST, end=LAST)
    assert prefill == {
        "wage": Decimal(1200),
        "property_income": Decimal(800),
        "production_gross": Decimal(50),
    }
    # The collection saves the totals, program money in them: nothing is added on top.
    incomes_save(
        actor=cadre,
        rows=[IncomeRow(home.pk, FIRST, LAST, {**prefill, "wage": Decimal(9000)})],
    )
    assert (_record(home).wage, _record(home).property_income) == (Decimal(9000), Decimal(800))
    assert ProgramIncome.objects.filter(record=_record(home)).count() == 3
    # Money paid after it is added; net production follows its gross.
    program_incomes_post(
        actor=cadre,
        entries=[
            ProgramEntry(
                "test.farm:2025", home.pk, Program.BENEFIT_LINKAGE, IncomeKind.PRODUCTION, LAST, Decimal(80)
            )
        ],
    )
    record = _record(home)
    assert (record.production_gross, record.production) == (Decimal("80.00"), Decimal("80.00"))
    assert record.wage == Decimal(9000)
    # Money of a year without a record waits for that year's collection.
    program_incomes_post(
        actor=cadre, entries=[replace(_pay(home, 1, "500", "test.pay:2026"), on=date(2026, 1, 31))]
    )
    assert ProgramIncome.objects.get(source="test.pay:2026").record is None
    assert _record(home).wage == Decimal(9000)


@pytest.mark.django_db
def test_payments_keep_to_the_region_and_bad_amounts_write_nothing(
    home: Household, tree: Any, personas: dict[str, Any]
) -> None:
    officer = personas["county_officer"]
    outsider = household(officer, tree.sibling_village)
    member(officer, outsider, id_number(sequence=9))
    cadre = personas["village_cadre"]
    with pytest.raises(EntriesRefused) as refused:
        program_incomes_post(
            actor=cadre,
            entries=[
                _pay(home, 1, "100"),
                _pay(outsider, 2, "100"),
                _pay(home, 3, "-5"),
                _pay(home, 4, "1.005"),
            ],
        )
    assert set(refused.value.refused) == {"test.pay:2", "test.pay:3", "test.pay:4"}
    assert not ProgramIncome.objects.exists()
    with pytest.raises(PermissionDenied):
        program_incomes_post(actor=personas["auditor"], entries=[_pay(home, 1, "100")])
    program_incomes_post(actor=cadre, entries=[_pay(home, 5, "100")])
    lines = household_programs(viewer=personas["township_officer"], household=home, year=2025)
    assert [(str(line.program), line.amount) for line in lines] == [
        (str(Program.WELFARE_POST.label), Decimal(100))
    ]
    assert household_programs(viewer=personas["auditor"], household=home, year=2024) == []


@pytest.mark.django_db
def test_the_household_page_lists_its_programs_and_the_collection_starts_from_their_money(
    home: Household, personas: dict[str, Any], client: Client
) -> None:
    cadre = personas["village_cadre"]
    year = timezone.localdate().year
    paid = ProgramEntry(
        "test.pay:now", home.pk, Program.WELFARE_POST, IncomeKind.WAGE, date(year, 1, 31), Decimal(700)
    )
    program_incomes_post(actor=cadre, entries=[paid])
    client.force_login(cadre)
    page = client.get(reverse("registry:household_detail", args=[home.pk]), headers={"accept-language": "en"})
    html = page.content.decode()
    programs = html[html.index('id="household-programs"') :]
    assert str(Program.WELFARE_POST.label) in programs and "700.00" in programs
    form = client.get(
        reverse("registry:household_incomes", args=[home.pk]) + f"?year={year}"
    ).content.decode()
    assert 'name="wage" value="700.00"' in form
    income_save(
        actor=cadre,
        household_id=home.pk,
        period_start=date(year, 1, 1),
        period_end=date(year, 12, 31),
        amounts={"wage": Decimal(5000)},
    )
    form = client.get(
        reverse("registry:household_incomes", args=[home.pk]) + f"?year={year}"
    ).content.decode()
    assert 'name="wage" value="700.00"' not in form
