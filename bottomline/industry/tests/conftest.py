"""Shared set-up of the industry tests: a household below the line in 永丰村 and an entity serving it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from bottomline.industry.models import Entity, EntityKind
from bottomline.industry.services import entity_save
from bottomline.registry.incomes import income_save
from bottomline.registry.models import Household
from bottomline.registry.tests.factories import household, id_number, member

YEAR = 2025


@pytest.fixture
def today() -> Iterator[None]:
    """Mid-December 2025: the year posted through is 2025, and the 2025 income record is the latest."""
    with time_machine.travel(date(YEAR, 12, 15), tick=False):
        yield


@pytest.fixture
def home(tree: Any, personas: dict[str, Any], today: None) -> Household:
    """Two people with 3,000 yuan of wages in 2025: below the monitoring line."""
    call_command("policy_seed")
    cadre = personas["village_cadre"]
    found = household(cadre, tree.village)
    member(cadre, found, id_number(sequence=1))
    member(cadre, found, id_number(birth=date(1988, 1, 1), sequence=2), name="李秀英", relation="spouse")
    income_save(
        actor=cadre,
        household_id=found.pk,
        period_start=date(YEAR, 1, 1),
        period_end=date(YEAR, 12, 31),
        amounts={"wage": Decimal(3000)},
    )
    return found


@pytest.fixture
def entity(tree: Any, personas: dict[str, Any]) -> Entity:
    """A cooperative kept by the township, serving 永丰村."""
    return entity_save(
        actor=personas["township_officer"],
        name="田家寨镇牛羊养殖专业合作社",
        kind=EntityKind.COOPERATIVE,
        region_code=tree.township.code,
        village_codes=[tree.village.code],
        founded=date(2020, 3, 1),
    )
