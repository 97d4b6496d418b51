"""A supermarket in 永丰村 serving it and its sibling village, with rules, goods in stock and two households."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine

from bottomline.points.services import goods_create, goods_receive, rule_create, supermarket_create
from bottomline.registry.tests.factories import household

TODAY = date(2026, 6, 30)


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def shop(tree: Any, personas: dict[str, Any]) -> dict[str, Any]:
    county = personas["county_officer"]
    township = personas["township_officer"]
    market = supermarket_create(
        actor=township,
        name="永丰村爱心超市",
        village_id=tree.village.pk,
        opened_on=date(2026, 1, 1),
        villages=[tree.sibling_village.pk],
    )
    clean = rule_create(
        actor=township,
        supermarket_id=market.pk,
        category="hygiene",
        points=10,
        description="庭院整洁",
        start=date(2026, 1, 1),
    )
    fight = rule_create(
        actor=county,
        supermarket_id=None,
        category="compliance",
        points=-5,
        description="邻里纠纷",
        start=date(2026, 1, 1),
    )
    soap = goods_create(actor=township, supermarket_id=market.pk, name="肥皂", unit="块", price=5)
    goods_receive(actor=township, goods_id=soap.pk, quantity=10, on=date(2026, 1, 2))
    return {
        "market": market,
        "clean": clean,
        "fight": fight,
        "soap": soap,
        "mine": household(county, tree.village),
        "sibling": household(county, tree.sibling_village),
        "far": household(county, tree.other_township_village),
    }
