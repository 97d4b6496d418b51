"""Synthetic supermarkets: every village served by one supermarket, the ledgers reconcile, no balance or stock
below zero on any day, a second run adds nothing."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command

from bottomline.points.models import Coverage, Entry, Goods, Redemption, StockMove, Supermarket
from bottomline.points.selectors import reconcile
from bottomline.points.synth import PointsCalibration, points_synth
from bottomline.regions.models import Level, Region
from bottomline.registry.tests.factories import household

pytestmark = pytest.mark.django_db


def _never_negative(changes: list[tuple[date, int]]) -> bool:
    by_day: dict[date, int] = defaultdict(int)
    for day, delta in changes:
        by_day[day] += delta
    running = 0
    for day in sorted(by_day):
        running += by_day[day]
        if running < 0:
            return False
    return True


def test_synth_covers_every_village_reconciles_and_runs_once(tree: Any, personas: dict[str, Any]) -> None:
    county = personas["county_officer"]
    for village in (tree.village, tree.sibling_village, tree.other_township_village):
        for _n in range(6):
            household(county, village)
    on = date(2026, 6, 30)
    made = points_synth(
        county=tree.county, seed=1, on=on, calibration=PointsCalibration(supermarkets=2, lifted_share=0.9)
    )
    villages = Region.objects.filter(code__startswith="630106", level=Level.VILLAGE).count()
    assert made["supermarkets"] == 2 and made["villages"] == villages
    assert Coverage.objects.filter(end__isnull=True).values("village").distinct().count() == villages
    assert Coverage.objects.count() == villages  # one supermarket a village
    assert made["entries"] > 20 and made["redemptions"] > 0
    assert reconcile() == []
    changes: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for hh, day, points in Entry.objects.values_list("household_id", "on", "points"):
        changes[hh].append((day, points))
    for hh, day, points in Redemption.objects.values_list("household_id", "on", "points"):
        changes[hh].append((day, -points))
    assert all(_never_negative(c) for c in changes.values())
    stock: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for gid, day, quantity in StockMove.objects.values_list("goods_id", "on", "quantity"):
        stock[gid].append((day, quantity))
    for gid, day, quantity in Redemption.objects.values_list("goods_id", "on", "quantity"):
        stock[gid].append((day, -quantity))
    assert all(_never_negative(c) for c in stock.values())
    assert Entry.objects.filter(on__gt=on).count() == 0 and Goods.objects.filter(stock__lt=0).count() == 0
    assert points_synth(county=tree.county, seed=1, on=on)["supermarkets"] == 0
    call_command("points_synth", "--county", "630106", "--seed", "1")
    assert Supermarket.objects.count() == 2
