"""The points ledger: balances as of a day, never negative (also two redemptions at once), stock never
negative, stock-taking, the region gate's scopes, and the reconciliation check."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connections
from django.http import Http404

from bottomline.points.models import Account, Goods, Redemption
from bottomline.points.selectors import Flows, balances, flows, reconcile, stock_as_of, supermarket_rows
from bottomline.points.services import (
    coverage_set,
    goods_receive,
    points_record,
    redemption_record,
    stock_count,
    supermarket_create,
)

pytestmark = pytest.mark.django_db


def _earn(actor: Any, shop: dict[str, Any], hh: Any, on: date, times: int = 1) -> None:
    for _n in range(times):
        points_record(
            actor=actor, supermarket_id=shop["market"].pk, household_id=hh.pk, rule_id=shop["clean"].pk, on=on
        )


def _redeem(actor: Any, shop: dict[str, Any], hh: Any, quantity: int, on: date) -> Redemption:
    return redemption_record(
        actor=actor,
        supermarket_id=shop["market"].pk,
        household_id=hh.pk,
        goods_id=shop["soap"].pk,
        quantity=quantity,
        on=on,
    )


def test_balances_as_of_a_day(personas: dict[str, Any], shop: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    mine = shop["mine"]
    _earn(cadre, shop, mine, date(2026, 2, 1), times=3)  # 30
    points_record(
        actor=cadre, supermarket_id=shop["market"].pk, household_id=mine.pk, rule_id=shop["fight"].pk,
        on=date(2026, 3, 1),
    )  # fmt: skip
    _redeem(cadre, shop, mine, 2, date(2026, 4, 1))  # 10 points
    assert balances([mine.pk], date(2026, 1, 31)) == {mine.pk: 0}
    assert balances([mine.pk], date(2026, 2, 1)) == {mine.pk: 30}
    assert balances([mine.pk], date(2026, 3, 31)) == {mine.pk: 25}
    assert balances([mine.pk], date(2026, 6, 30)) == {mine.pk: 15}
    assert Account.objects.get(household=mine).balance == 15
    assert flows(mine.pk, date(2026, 1, 1), date(2026, 12, 31)) == Flows(30, 5, 10)
    assert stock_as_of([shop["soap"].pk], date(2026, 3, 31)) == {shop["soap"].pk: 10}
    assert Goods.objects.get(pk=shop["soap"].pk).stock == 8
    assert reconcile() == []
    Account.objects.filter(household=mine).update(
        balance=99
    )  # a running total that drifted: the check sees it
    assert [(m.what, m.kept, m.ledger) for m in reconcile()] == [("account", 99, 15)]
    with pytest.raises(CommandError):
        call_command("points_check")


def test_points_never_go_negative(personas: dict[str, Any], shop: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    mine = shop["mine"]
    with pytest.raises(ValidationError) as broke:
        _redeem(cadre, shop, mine, 1, date(2026, 2, 1))
    assert "points" in broke.value.message_dict
    with pytest.raises(ValidationError):  # a deduction from nothing
        points_record(
            actor=cadre, supermarket_id=shop["market"].pk, household_id=mine.pk, rule_id=shop["fight"].pk,
            on=date(2026, 2, 1),
        )  # fmt: skip
    _earn(cadre, shop, mine, date(2026, 3, 1))  # 10 points on 1 March
    _redeem(cadre, shop, mine, 2, date(2026, 3, 5))  # all spent
    # back-dated: on 2 March the household had 10 points, but spending them would leave 5 March negative
    with pytest.raises(ValidationError):
        _redeem(cadre, shop, mine, 1, date(2026, 3, 2))
    with pytest.raises(ValidationError):  # before it earned anything
        _earn(cadre, shop, mine, date(2026, 4, 1))
        _redeem(cadre, shop, mine, 1, date(2026, 2, 15))
    assert (
        min(balances([mine.pk], d)[mine.pk] for d in (date(2026, 2, 15), date(2026, 3, 5), date(2026, 6, 30)))
        >= 0
    )
    assert reconcile() == []


def test_the_conditional_update_refuses_what_a_stale_read_allowed(
    personas: dict[str, Any], shop: dict[str, Any]
) -> None:
    """Two clerks read the same balance: the second one's update finds it spent and writes nothing."""
    cadre = personas["village_cadre"]
    mine = shop["mine"]
    _earn(cadre, shop, mine, date(2026, 3, 1))  # 10 points
    account = Account.objects.get(household=mine)
    assert Account.objects.filter(pk=account.pk, balance__gte=10).update(balance=account.balance - 10) == 1
    with pytest.raises(ValidationError):  # the ledger still says 10, the running total 0: refused
        _redeem(cadre, shop, mine, 2, date(2026, 3, 5))
    assert Redemption.objects.count() == 0


@pytest.mark.django_db(
    transaction=True
)  # PostgreSQL: the row lock; SQLite: one writing transaction at a time
def test_two_redemptions_at_once_spend_the_points_once(
    personas: dict[str, Any], shop: dict[str, Any]
) -> None:
    cadre = personas["village_cadre"]
    mine = shop["mine"]
    _earn(cadre, shop, mine, date(2026, 3, 1))  # 10 points: one redemption of 2 soaps
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def clerk() -> None:
        try:
            barrier.wait()
            _redeem(cadre, shop, mine, 2, date(2026, 3, 5))
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=clerk) for _n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert Account.objects.get(household=mine).balance == 0 and Redemption.objects.count() == 1


def test_stock_never_negative_and_stock_taking(personas: dict[str, Any], shop: dict[str, Any]) -> None:
    township = personas["township_officer"]
    mine = shop["mine"]
    for _n in range(12):
        _earn(township, shop, mine, date(2026, 2, 1))  # 120 points
    with pytest.raises(ValidationError) as short:
        _redeem(township, shop, mine, 11, date(2026, 3, 1))
    assert "quantity" in short.value.message_dict
    _redeem(township, shop, mine, 4, date(2026, 3, 1))  # 6 left in the book
    moves = stock_count(
        actor=township, supermarket_id=shop["market"].pk, counted={shop["soap"].pk: 5}, on=date(2026, 3, 31)
    )
    assert [(m.book, m.counted, m.quantity) for m in moves] == [(6, 5, -1)]
    assert Goods.objects.get(pk=shop["soap"].pk).stock == 5
    assert stock_as_of([shop["soap"].pk], date(2026, 3, 30)) == {shop["soap"].pk: 6}
    assert stock_as_of([shop["soap"].pk], date(2026, 3, 31)) == {shop["soap"].pk: 5}
    assert (
        stock_count(
            actor=township,
            supermarket_id=shop["market"].pk,
            counted={shop["soap"].pk: 5},
            on=date(2026, 4, 1),
        )
        == []
    )
    with pytest.raises(ValidationError):  # nothing dated before the count
        _redeem(township, shop, mine, 1, date(2026, 3, 20))
    with pytest.raises(ValidationError):
        goods_receive(actor=township, goods_id=shop["soap"].pk, quantity=3, on=date(2026, 3, 20))
    with pytest.raises(ValidationError):
        stock_count(
            actor=township,
            supermarket_id=shop["market"].pk,
            counted={shop["soap"].pk: -1},
            on=date(2026, 4, 2),
        )
    assert reconcile() == []


def test_gate_scopes(personas: dict[str, Any], shop: dict[str, Any], tree: Any) -> None:
    cadre, township = personas["village_cadre"], personas["township_officer"]
    # the cadre of 永丰村 records for their village only, not for the sibling village the supermarket serves too
    _earn(cadre, shop, shop["mine"], date(2026, 2, 1))
    with pytest.raises(Http404):
        _earn(cadre, shop, shop["sibling"], date(2026, 2, 1))
    _earn(township, shop, shop["sibling"], date(2026, 2, 1))
    with pytest.raises(ValidationError):  # a household of a village the supermarket does not serve
        _earn(personas["county_officer"], shop, shop["far"], date(2026, 2, 1))
    with pytest.raises(PermissionDenied):  # cadres keep no goods
        goods_receive(actor=cadre, goods_id=shop["soap"].pk, quantity=1, on=date(2026, 2, 1))
    with pytest.raises(PermissionDenied):
        _earn(personas["auditor"], shop, shop["mine"], date(2026, 2, 1))
    # another township's officer does not see the supermarket at all
    other = supermarket_create(
        actor=personas["county_officer"], name="他乡超市", village_id=tree.other_township_village.pk,
        opened_on=date(2026, 1, 1),
    )  # fmt: skip
    with pytest.raises(Http404):
        points_record(
            actor=township,
            supermarket_id=other.pk,
            household_id=shop["far"].pk,
            points=5,
            note="x",
            on=date(2026, 2, 1),
        )
    with pytest.raises(ValidationError):  # a village is served by one supermarket at a time
        coverage_set(
            actor=personas["county_officer"],
            supermarket_id=other.pk,
            villages=[tree.other_township_village.pk, tree.village.pk],
            on=date(2026, 2, 1),
        )
    rows = supermarket_rows(viewer=township, region=tree.township, on=date(2026, 6, 30))
    assert [(r.supermarket.name, len(r.villages), r.earned) for r in rows] == [("永丰村爱心超市", 2, 20)]
    assert [
        r.supermarket.name for r in supermarket_rows(viewer=cadre, region=tree.village, on=date(2026, 6, 30))
    ] == ["永丰村爱心超市"]
    auditor_rows = supermarket_rows(
        viewer=personas["auditor"], region=personas["auditor"].region, on=date(2026, 6, 30)
    )
    assert len(auditor_rows) >= 1


def test_a_village_moves_to_another_supermarket(
    personas: dict[str, Any], shop: dict[str, Any], tree: Any
) -> None:
    township = personas["township_officer"]
    coverage_set(
        actor=township, supermarket_id=shop["market"].pk, villages=[tree.village.pk], on=date(2026, 5, 1)
    )
    second = supermarket_create(
        actor=township, name="第二超市", village_id=tree.sibling_village.pk, opened_on=date(2026, 5, 1)
    )
    _earn(township, shop, shop["sibling"], date(2026, 4, 30))  # served by the first then
    with pytest.raises(ValidationError):
        _earn(township, shop, shop["sibling"], date(2026, 5, 1))
    points_record(
        actor=township,
        supermarket_id=second.pk,
        household_id=shop["sibling"].pk,
        points=3,
        note="扫雪",
        on=date(2026, 5, 2),
    )
    assert balances([shop["sibling"].pk], date(2026, 6, 30)) == {shop["sibling"].pk: 13}
