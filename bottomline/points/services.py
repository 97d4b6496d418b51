"""Writes of the points supermarkets: supermarkets and the villages they serve, rules, point entries, goods,
receipts, stock-taking and redemptions.

Points never go negative, nor does stock: each write that takes points or goods away locks the household's
account row (or the good's row) and checks the balance on every day from its own day on (a back-dated
deduction must not leave a past balance negative), then takes them off with a conditional update
(``balance >= n``), so two redemptions at once cannot both spend the last points; the database's check
constraints are the last guard. Points are not income: nothing here posts program income.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.points.models import (
    POINTS_LIMIT,
    Account,
    Category,
    Coverage,
    Entry,
    Goods,
    MoveKind,
    Redemption,
    Rule,
    StockMove,
    Supermarket,
)
from bottomline.points.selectors import rules_applying, supermarket_get
from bottomline.regions.models import Level, Region
from bottomline.registry.models import Household


def _day_check(on: date, field: str = "on") -> None:
    if on > timezone.localdate():
        raise ValidationError({field: _("The day cannot be in the future.")})


def _villages(actor: User, village_ids: Iterable[int]) -> list[Region]:
    """The villages (inside the actor's region, where they may keep supermarkets) of the ids."""
    ids = sorted(set(village_ids))
    found = list(gate.restrict(Region.objects.filter(pk__in=ids, level=Level.VILLAGE), actor))
    if len(found) != len(ids) or not ids:
        raise ValidationError({"villages": _("Choose one or more villages of your region.")})
    return found


@transaction.atomic
def supermarket_create(
    *, actor: User, name: str, village_id: int, opened_on: date, villages: Iterable[int] = ()
) -> Supermarket:
    """A supermarket standing in a village of the actor's region, serving that village and ``villages``."""
    gate.require(actor, Supermarket, "add")
    village = _villages(actor, [village_id])[0]
    if not name.strip():
        raise ValidationError({"name": _("Name the supermarket.")})
    _day_check(opened_on, "opened_on")
    with set_actor(actor):
        supermarket = Supermarket.objects.create(
            name=name.strip()[:100], village=village, opened_on=opened_on
        )
    coverage_set(actor=actor, supermarket_id=supermarket.pk, villages={village.pk, *villages}, on=opened_on)
    return supermarket


@transaction.atomic
def coverage_set(*, actor: User, supermarket_id: int, villages: Iterable[int], on: date) -> list[Coverage]:
    """From ``on``, the supermarket serves exactly ``villages`` ("一托多"): the others it served stop the day
    before; a village served by another supermarket is refused (one supermarket a village at a time)."""
    supermarket = gate.access(
        Supermarket.objects.select_for_update(), actor, action="change", pk=supermarket_id
    )
    gate.require(actor, Coverage, "change")
    wanted = {v.pk: v for v in _villages(actor, villages)}
    _day_check(on)
    taken = (
        Coverage.objects.filter(village_id__in=wanted, end__isnull=True)
        .exclude(supermarket=supermarket)
        .select_related("village", "supermarket")
    )
    for other in taken:
        raise ValidationError(
            {
                "villages": _("%(village)s is served by %(supermarket)s already.")
                % {"village": other.village.name, "supermarket": other.supermarket.name}
            }
        )
    open_now = {
        c.village_id: c
        for c in Coverage.objects.select_for_update().filter(supermarket=supermarket, end__isnull=True)
    }
    with set_actor(actor):
        for village_id, held in open_now.items():
            if village_id not in wanted:
                if on <= held.start:
                    raise ValidationError({"on": _("A village stops being served after the day it started.")})
                held.end = on
                held.save(update_fields=["end"])
        for village_id in wanted:
            if village_id not in open_now:
                Coverage.objects.create(supermarket=supermarket, village_id=village_id, start=on)
    return list(Coverage.objects.filter(supermarket=supermarket, end__isnull=True))


def _points_check(points: int) -> None:
    if points == 0 or not -POINTS_LIMIT <= points <= POINTS_LIMIT:
        raise ValidationError(
            {"points": _("Enter points from -%(limit)d to %(limit)d, not 0.") % {"limit": POINTS_LIMIT}}
        )


@transaction.atomic
def rule_create(
    *,
    actor: User,
    supermarket_id: int | None,
    category: str,
    points: int,
    description: str,
    start: date,
    end: date | None = None,
) -> Rule:
    """A rule of one supermarket, or (no supermarket) a default of the actor's county for all its supermarkets
    (county officers only)."""
    gate.require(actor, Rule, "add")
    if category not in Category.values:
        raise ValidationError({"category": _("Choose a category.")})
    _points_check(points)
    if not description.strip():
        raise ValidationError({"description": _("Describe the deed.")})
    if end is not None and end < start:
        raise ValidationError({"end": _("The end cannot be before the start.")})
    supermarket: Supermarket | None = None
    if supermarket_id is None:
        if actor.region.level != Level.COUNTY:
            raise ValidationError(
                {"supermarket": _("Only a county officer sets the county's default rules.")}
            )
        region = actor.region
    else:
        supermarket = gate.access(Supermarket.objects.all(), actor, action="change", pk=supermarket_id)
        region = supermarket.village
    with set_actor(actor):
        return Rule.objects.create(
            supermarket=supermarket,
            region=region,
            category=category,
            points=points,
            description=description.strip()[:200],
            start=start,
            end=end,
        )


def _served(supermarket: Supermarket, household: Household, on: date) -> None:
    serving = Coverage.objects.filter(
        Q(end__isnull=True) | Q(end__gt=on),
        supermarket=supermarket,
        village_id=household.village_id,
        start__lte=on,
    )
    if not serving.exists():
        raise ValidationError(
            {"household": _("The supermarket does not serve this household's village on that day.")}
        )


def _household(actor: User, supermarket: Supermarket, household_id: int, on: date) -> Household:
    household = gate.access(
        Household.objects.select_related("village"), actor, action="view", pk=household_id
    )
    _served(supermarket, household, on)
    return household


def _net_by_day(household_id: int, since: date) -> tuple[int, dict[date, int]]:
    """The household's balance at the end of the day before ``since`` and the net change of each day from it."""
    before = sum(
        Entry.objects.filter(household_id=household_id, on__lt=since).values_list("points", flat=True)
    )
    before -= sum(
        Redemption.objects.filter(household_id=household_id, on__lt=since).values_list("points", flat=True)
    )
    days: dict[date, int] = defaultdict(int)
    for on, points in Entry.objects.filter(household_id=household_id, on__gte=since).values_list(
        "on", "points"
    ):
        days[on] += points
    for on, points in Redemption.objects.filter(household_id=household_id, on__gte=since).values_list(
        "on", "points"
    ):
        days[on] -= points
    return before, days


def _never_below_zero(start: int, days: Mapping[date, int], on: date, delta: int) -> bool:
    """Whether the running total from ``start`` stays at zero or more on every day when ``delta`` is added on
    ``on`` (the days are the other changes from ``on`` on)."""
    running = start
    for day in sorted({*days, on}):
        running += days.get(day, 0) + (delta if day == on else 0)
        if running < 0:
            return False
    return True


def _points_take(household_id: int, on: date, delta: int, message: str) -> None:
    """Add ``delta`` points (negative: take them) to the household's balance: locked, checked on every day from
    ``on``, then a conditional update that refuses to go below zero."""
    Account.objects.get_or_create(household_id=household_id)
    account = Account.objects.select_for_update().get(household_id=household_id)
    if delta < 0:
        before, days = _net_by_day(household_id, on)
        if not _never_below_zero(before, days, on, delta):
            raise ValidationError({"points": message})
    moved = Account.objects.filter(pk=account.pk, balance__gte=max(-delta, 0)).update(
        balance=F("balance") + delta
    )
    if not moved:
        raise ValidationError({"points": message})


@transaction.atomic
def points_record(
    *,
    actor: User,
    supermarket_id: int,
    household_id: int,
    on: date,
    rule_id: int | None = None,
    points: int | None = None,
    note: str = "",
    reference: str = "",
) -> Entry:
    """Record points a household of the actor's region earned (or lost) on a day, by a rule in force then (its
    points unless others are given, of the rule's sign); a deduction never takes the balance below zero."""
    gate.require(actor, Entry, "add")
    supermarket = supermarket_get(viewer=actor, supermarket_id=supermarket_id)
    _day_check(on)
    household = _household(actor, supermarket, household_id, on)
    rule: Rule | None = None
    if rule_id is not None:
        rule = rules_applying(supermarket, on).filter(pk=rule_id).first()
        if rule is None:
            raise ValidationError({"rule": _("This rule is not in force at this supermarket on that day.")})
        if points is None:
            points = rule.points
        elif (points > 0) != (rule.points > 0):
            raise ValidationError(
                {"points": _("The points have the rule's sign: an addition or a deduction.")}
            )
    elif not note.strip():
        raise ValidationError({"note": _("Without a rule, say in the note what the points are for.")})
    if points is None:
        raise ValidationError({"points": _("Enter the points.")})
    _points_check(points)
    reference = reference.strip()[:40]
    if reference and Entry.objects.filter(reference=reference).exists():
        raise ValidationError({"reference": _("An entry with this reference is recorded already.")})
    _points_take(household.pk, on, points, _("The deduction would take the household's balance below zero."))
    with set_actor(actor):
        return Entry.objects.create(
            household=household,
            supermarket=supermarket,
            rule=rule,
            points=points,
            on=on,
            note=note.strip()[:200],
            reference=reference,
            recorded_by=actor,
        )


def _last_count(goods: Goods) -> date | None:
    day: date | None = goods.moves.filter(kind=MoveKind.COUNT).aggregate(day=Max("on"))["day"]
    return day


def _after_count(goods: Goods, on: date) -> None:
    last = _last_count(goods)
    if last is not None and on < last:
        raise ValidationError(
            {"on": _("The goods were counted on %(day)s: nothing is dated before it.") % {"day": last}}
        )


def _stock_take(goods: Goods, on: date, delta: int) -> None:
    """Add ``delta`` to the goods' stock (negative: take), never below zero on any day from ``on``."""
    if delta < 0:
        before = sum(goods.moves.filter(on__lt=on).values_list("quantity", flat=True))
        before -= sum(goods.redemptions.filter(on__lt=on).values_list("quantity", flat=True))
        days: dict[date, int] = defaultdict(int)
        for day, quantity in goods.moves.filter(on__gte=on).values_list("on", "quantity"):
            days[day] += quantity
        for day, quantity in goods.redemptions.filter(on__gte=on).values_list("on", "quantity"):
            days[day] -= quantity
        if not _never_below_zero(before, days, on, delta):
            raise ValidationError({"quantity": _("Not enough in stock.")})
    moved = Goods.objects.filter(pk=goods.pk, stock__gte=max(-delta, 0)).update(stock=F("stock") + delta)
    if not moved:
        raise ValidationError({"quantity": _("Not enough in stock.")})


@transaction.atomic
def redemption_record(
    *, actor: User, supermarket_id: int, household_id: int, goods_id: int, quantity: int, on: date
) -> Redemption:
    """A household of the actor's region takes goods for points: refused when its balance or the stock would go
    below zero (on that day or any later one)."""
    gate.require(actor, Redemption, "add")
    supermarket = supermarket_get(viewer=actor, supermarket_id=supermarket_id)
    _day_check(on)
    household = _household(actor, supermarket, household_id, on)
    goods = Goods.objects.select_for_update().filter(supermarket=supermarket, pk=goods_id).first()
    if goods is None:
        raise ValidationError({"goods": _("Choose goods of this supermarket.")})
    if quantity < 1 or quantity > 1000:
        raise ValidationError({"quantity": _("Enter a quantity from 1 to 1,000.")})
    _after_count(goods, on)
    cost = goods.price * quantity
    _points_take(
        household.pk,
        on,
        -cost,
        _("The household has not enough points: it would need %(cost)d.") % {"cost": cost},
    )
    _stock_take(goods, on, -quantity)
    with set_actor(actor):
        return Redemption.objects.create(
            household=household,
            supermarket=supermarket,
            goods=goods,
            quantity=quantity,
            points=cost,
            on=on,
            recorded_by=actor,
        )


@transaction.atomic
def goods_create(*, actor: User, supermarket_id: int, name: str, unit: str, price: int) -> Goods:
    """A good the supermarket offers, at a price in points; its stock comes with receipts."""
    gate.require(actor, Goods, "add")
    supermarket = gate.access(Supermarket.objects.all(), actor, action="change", pk=supermarket_id)
    if not name.strip() or not unit.strip():
        raise ValidationError({"name": _("Name the goods and their unit.")})
    if price < 1 or price > 100000:
        raise ValidationError({"price": _("Enter a price from 1 to 100,000 points.")})
    if Goods.objects.filter(supermarket=supermarket, name=name.strip()).exists():
        raise ValidationError({"name": _("The supermarket has goods of this name already.")})
    with set_actor(actor):
        return Goods.objects.create(
            supermarket=supermarket, name=name.strip()[:100], unit=unit.strip()[:16], price=price
        )


@transaction.atomic
def goods_receive(*, actor: User, goods_id: int, quantity: int, on: date, note: str = "") -> StockMove:
    """Goods received into stock."""
    gate.require(actor, StockMove, "add")
    goods = gate.access(Goods.objects.select_for_update(), actor, action="change", pk=goods_id)
    if quantity < 1 or quantity > 100000:
        raise ValidationError({"quantity": _("Enter a quantity from 1 to 100,000.")})
    _day_check(on)
    _after_count(goods, on)
    _stock_take(goods, on, quantity)
    with set_actor(actor):
        return StockMove.objects.create(
            goods=goods,
            kind=MoveKind.RECEIPT,
            quantity=quantity,
            on=on,
            note=note.strip()[:200],
            recorded_by=actor,
        )


@transaction.atomic
def stock_count(*, actor: User, supermarket_id: int, counted: Mapping[int, int], on: date) -> list[StockMove]:
    """A stock-taking: for each good counted, an adjustment of counted minus book quantity (none when they
    agree); dated no earlier than the goods' last movement or redemption."""
    gate.require(actor, StockMove, "add")
    supermarket = gate.access(Supermarket.objects.all(), actor, action="change", pk=supermarket_id)
    _day_check(on)
    goods = {
        g.pk: g
        for g in Goods.objects.select_for_update().filter(supermarket=supermarket, pk__in=list(counted))
    }
    if set(goods) != set(counted):
        raise ValidationError({"counted": _("Count goods of this supermarket only.")})
    made: list[StockMove] = []
    for goods_id, quantity in sorted(counted.items()):
        good = goods[goods_id]
        if quantity < 0:
            raise ValidationError({"counted": _("A counted quantity is 0 or more.")})
        last = max(
            [
                d
                for d in (
                    good.moves.aggregate(d=Max("on"))["d"],
                    good.redemptions.aggregate(d=Max("on"))["d"],
                )
                if d
            ],
            default=None,
        )
        if last is not None and on < last:
            raise ValidationError(
                {
                    "on": _("%(goods)s moved on %(day)s: count on that day or later.")
                    % {"goods": good.name, "day": last}
                }
            )
        good.refresh_from_db(fields=["stock"])
        if quantity == good.stock:
            continue
        with set_actor(actor):
            made.append(
                StockMove.objects.create(
                    goods=good,
                    kind=MoveKind.COUNT,
                    quantity=quantity - good.stock,
                    book=good.stock,
                    counted=quantity,
                    on=on,
                    recorded_by=actor,
                )
            )
        Goods.objects.filter(pk=good.pk).update(stock=quantity)
    return made
