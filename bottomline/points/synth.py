"""Synthetic points supermarkets for a synthetic county, calibrated to seed 004 (docs/synthetic-data.md,
"Points supermarkets"): 81 supermarkets serving every village of the county "一托多" (Huangzhong: 380 villages;
率先在全省建设"励志爱心超市"81家，以"一托多"模式覆盖全区380个行政村), the county's default rules, goods restocked
each quarter, households earning points by the rules, a few deductions, redemptions, and a yearly stock-taking
with small losses. Balances and stock never go below zero on any day. Every figure is a field of
``PointsCalibration``."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from bottomline.points.models import (
    Account,
    Coverage,
    Entry,
    Goods,
    MoveKind,
    Redemption,
    Rule,
    StockMove,
    Supermarket,
)
from bottomline.regions.models import Level, Region
from bottomline.registry.models import Household


@dataclass(frozen=True)
class PointsCalibration:
    """The figures the synthetic supermarkets follow, with where each comes from (docs/synthetic-data.md)."""

    supermarkets: int = 81  # seed 004: 率先在全省建设"励志爱心超市"81家
    opened_from: date = date(2018, 6, 1)  # assumption: "率先在全省" — opened in 2018–2019
    opened_to: date = date(2019, 12, 31)
    first_quarter: date = date(2024, 1, 1)  # assumption: the platform holds the records from 2024 on
    lifted_share: float = 0.6  # assumption: share of lifted-out households taking part
    ordinary_share: float = 0.15  # assumption: share of ordinary households taking part
    deduction: float = (
        0.05  # assumption: share of a household's entries that are deductions (关岩村 has them)
    )
    spend_share: float = 0.7  # assumption: households spend about this share of their balance each quarter
    kinds_per_visit: int = 2  # assumption: a household takes up to two kinds of goods a visit (a quarter)
    loss: float = 0.1  # assumption: share of goods short by 1–2 at the yearly stock-taking
    # County defaults (domain.md §3.2: hygiene, law-abiding and customs, work, volunteering, schooling, deductions)
    rules: tuple[tuple[str, int, str, float], ...] = (
        ("hygiene", 10, "庭院及房前屋后环境整洁", 0.35),
        ("hygiene", 5, "参加村庄环境卫生整治", 0.15),
        ("compliance", 5, "移风易俗：婚丧事简办", 0.05),
        ("compliance", 5, "遵守村规民约", 0.1),
        ("work", 10, "参加务工或发展产业", 0.15),
        ("volunteering", 10, "参加志愿服务", 0.1),
        ("schooling", 20, "子女按时入学、无辍学", 0.1),
    )
    deductions: tuple[tuple[str, int, str], ...] = (
        ("compliance", -10, "大操大办、高价彩礼"),
        ("hygiene", -5, "乱堆乱放、垃圾乱倒"),
    )
    # goods and their price in points (峨边: 1 point = 1 yuan; an assumption here)
    goods: tuple[tuple[str, str, int], ...] = (
        ("洗衣粉", "袋", 15),
        ("肥皂", "块", 5),
        ("毛巾", "条", 10),
        ("牙膏", "支", 10),
        ("洗洁精", "瓶", 12),
        ("卫生纸", "提", 20),
        ("食用油", "桶", 60),
        ("大米", "袋", 50),
    )


def _quarters(first: date, on: date) -> list[date]:
    out: list[date] = []
    day = first
    while day <= on:
        out.append(day)
        day = date(day.year + (day.month + 3 > 12), (day.month + 2) % 12 + 1, 1)
    return out


def _groups(villages: list[Region], n: int) -> list[list[Region]]:
    """``villages`` (in code order) split in ``n`` runs of near-equal length."""
    size, extra = divmod(len(villages), n)
    out, at = [], 0
    for k in range(n):
        take = size + (1 if k < extra else 0)
        out.append(villages[at : at + take])
        at += take
    return [g for g in out if g]


def points_synth(
    *, county: Region, seed: int, on: date, calibration: PointsCalibration | None = None
) -> dict[str, int]:
    """Write the county's supermarkets, rules, goods and ledgers up to ``on``; nothing when it has a
    supermarket already (running it again adds nothing). Returns counts of what was written."""
    if county.level != Level.COUNTY:
        raise ValueError("points_synth takes a county")
    prefix = county.code[:6]
    none = {"supermarkets": 0, "villages": 0, "entries": 0, "redemptions": 0}
    if Supermarket.objects.filter(village__code__startswith=prefix).exists():
        return none
    c = calibration or PointsCalibration()
    rng = random.Random(f"points:{seed}:{county.code}")  # noqa: S311  (synthetic data, seeded)
    villages = list(Region.objects.filter(code__startswith=prefix, level=Level.VILLAGE).order_by("code"))
    if not villages:
        return none
    by_township: dict[str, list[Region]] = defaultdict(list)
    for village in villages:
        by_township[village.code[:9]].append(village)
    # the supermarkets shared among the townships by their villages (at least one each), largest remainders
    wanted = min(c.supermarkets, len(villages))
    townships = sorted(by_township)
    quota = {t: max(1, int(wanted * len(by_township[t]) / len(villages))) for t in townships}
    order = sorted(townships, key=lambda t: -(wanted * len(by_township[t]) / len(villages) % 1))
    k = 0
    while sum(quota.values()) < wanted and order:
        t = order[k % len(order)]
        if quota[t] < len(by_township[t]):
            quota[t] += 1
        k += 1
    span = (c.opened_to - c.opened_from).days
    plans: list[tuple[Supermarket, list[Region]]] = []
    for t in townships:
        for group in _groups(by_township[t], quota[t]):
            home = group[rng.randrange(len(group))]
            opened = c.opened_from + timedelta(days=rng.randint(0, span))
            plans.append(
                (Supermarket(name=f"{home.name}励志爱心超市", village=home, opened_on=opened), group)
            )
    quarters = _quarters(c.first_quarter, on)
    with transaction.atomic():
        created = Supermarket.objects.bulk_create([s for s, _g in plans])
        Coverage.objects.bulk_create(
            [
                Coverage(supermarket=s, village=v, start=s.opened_on)
                for s, group in zip(created, [g for _s, g in plans], strict=True)
                for v in group
            ]
        )
        start = min(s.opened_on for s in created)
        rules = Rule.objects.bulk_create(
            [
                Rule(region=county, category=cat, points=pts, description=text, start=start)
                for cat, pts, text, _w in c.rules
            ]
            + [
                Rule(region=county, category=cat, points=pts, description=text, start=start)
                for cat, pts, text in c.deductions
            ]
        )
        earning = rules[: len(c.rules)]
        weights = [w for *_r, w in c.rules]
        losing = rules[len(c.rules) :]
        goods = Goods.objects.bulk_create(
            [
                Goods(supermarket=s, name=name, unit=unit, price=price)
                for s in created
                for name, unit, price in c.goods
            ]
        )
        goods_of: dict[int, list[Goods]] = defaultdict(list)
        for g in goods:
            goods_of[g.supermarket_id].append(g)
        market_of = {v.pk: s for s, group in zip(created, [g for _s, g in plans], strict=True) for v in group}
        households = list(
            Household.objects.filter(village__code__startswith=prefix)
            .order_by("pk")
            .values_list("pk", "village_id", "household_type")
        )
        entries: list[Entry] = []
        redemptions: list[Redemption] = []
        demand: dict[tuple[int, date], int] = defaultdict(int)  # (goods, quarter) -> quantity redeemed
        balances: dict[int, int] = {}
        for pk, village_id, kind in households:
            share = c.lifted_share if kind == "lifted" else c.ordinary_share
            if village_id not in market_of or rng.random() >= share:
                continue
            market = market_of[village_id]
            balance = 0
            for quarter in quarters:
                days = sorted(
                    quarter + timedelta(days=rng.randint(0, 58))
                    for _n in range(rng.choice((0, 1, 1, 2, 2, 3)))
                )
                for day in days:
                    if day > on:
                        continue
                    if rng.random() < c.deduction:
                        rule = rng.choice(losing)
                        if balance + rule.points < 0:
                            continue
                    else:
                        rule = rng.choices(earning, weights)[0]
                    balance += rule.points
                    entries.append(
                        Entry(household_id=pk, supermarket=market, rule=rule, points=rule.points, on=day)
                    )
                day = quarter + timedelta(days=rng.randint(64, 85))  # the third month, after the receipt
                budget = int(balance * c.spend_share)
                if day > on or budget <= 0:
                    continue
                for good in rng.sample(goods_of[market.pk], c.kinds_per_visit):
                    quantity = min(budget // good.price, rng.randint(1, 3))
                    if quantity <= 0:
                        continue
                    cost = quantity * good.price
                    budget -= cost
                    balance -= cost
                    demand[(good.pk, quarter)] += quantity
                    redemptions.append(
                        Redemption(
                            household_id=pk,
                            supermarket=market,
                            goods=good,
                            quantity=quantity,
                            points=cost,
                            on=day,
                        )
                    )
            balances[pk] = balance
        moves: list[StockMove] = []
        for good in goods:
            stock = 0
            for quarter in quarters:
                received = quarter + timedelta(days=59)  # the first days of the third month
                need = demand.get((good.pk, quarter), 0)
                if received <= on:
                    quantity = need + rng.randint(2, 10)
                    moves.append(StockMove(goods=good, kind=MoveKind.RECEIPT, quantity=quantity, on=received))
                    stock += quantity - need
                year_end = date(quarter.year, 12, 31)
                if quarter.month == 10 and year_end <= on and stock > 0:
                    short = rng.randint(1, 2) if rng.random() < c.loss else 0
                    short = min(short, stock)
                    if short:
                        moves.append(
                            StockMove(
                                goods=good,
                                kind=MoveKind.COUNT,
                                quantity=-short,
                                book=stock,
                                counted=stock - short,
                                on=year_end,
                            )
                        )
                        stock -= short
            good.stock = stock
        Goods.objects.bulk_update(goods, ["stock"], batch_size=2000)
        StockMove.objects.bulk_create(moves, batch_size=5000)
        Entry.objects.bulk_create(entries, batch_size=5000)
        Redemption.objects.bulk_create(redemptions, batch_size=5000)
        Account.objects.bulk_create(
            [Account(household_id=pk, balance=b) for pk, b in balances.items()], batch_size=5000
        )
    return {
        "supermarkets": len(created),
        "villages": len(market_of),
        "entries": len(entries),
        "redemptions": len(redemptions),
    }
