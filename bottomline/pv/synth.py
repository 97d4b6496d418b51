"""Synthetic PV stations, their months, the villages' yearly distributions and public-welfare posts for a
synthetic county, calibrated to the seeds (docs/synthetic-data.md, "Village PV stations and posts").
Deterministic for a seed; a county that has stations already is left alone.

The ledger rows are written in bulk (as the registry's synth writes households); the post pay reaches household
income only through ``registry.programs.program_incomes_post``, like every payment."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.db.models import Count

from bottomline.accounts.models import User
from bottomline.pv.models import (
    Allocation,
    Assignment,
    Funding,
    Post,
    PostKind,
    PostPay,
    Purpose,
    Source,
    Station,
    StationMonth,
    StationShare,
)
from bottomline.regions.models import Level, Region
from bottomline.registry.choices import LABOUR_CAPABLE, IncomeKind, Program
from bottomline.registry.models import Household, Member
from bottomline.registry.programs import ProgramEntry, program_incomes_post

CENT = Decimal("0.01")


@dataclass(frozen=True)
class PvCalibration:
    """The figures the synthetic ledger follows; docs/synthetic-data.md gives each one's source."""

    county_kw: float = 34100.0  # seed 004: 34.1 MW of village stations in Huangzhong
    pv_villages: int = 156  # seed 004: for 156 former poor villages
    # seed 000: Qinghai's 1,622 village stations (733,600 kW) made 376 million kWh and 281 million yuan in the
    # first half of a year: 512.5 kWh per kW in half a year, 0.747 yuan per kWh.
    kwh_per_kw_half_year: float = 376e6 / 733600
    yuan_per_kwh: float = 281e6 / 376e6
    grid_year: int = 2018  # assumption: on the grid in December 2018, so that by the end of 2021 each village
    grid_month: int = 12  # has earned about 510,000 yuan (seed 004: "每村分红收益51万元", read as cumulative)
    posts_county: int = 4490  # seed 004: 4,490 public-welfare posts in Huangzhong ...
    lifted_county: int = 8954  # ... whose 8,954 lifted-out households scale them to a synthetic county
    pv_funded: float = 0.3  # assumption: shares of the posts by funding source
    bridging_funded: float = 0.2
    pay: tuple[tuple[str, int], ...] = (
        ("pv_income", 500),
        ("bridging", 600),
        ("employment", 800),
    )  # assumption
    posts_since: date = date(2021, 1, 1)  # assumption: the posts of the synthetic day exist since 2021
    # assumption: the shares of a village's year's income (domain.md §3.4 names the uses, not the shares)
    shares: tuple[tuple[str, float], ...] = (
        ("posts", 0.40),
        ("public_works", 0.25),
        ("awards", 0.10),
        ("collective", 0.25),
    )


# assumption: the share of a year's generation in each month (Qinghai: sunnier spring and summer); each half
# year is one half, so that seed 000's half-year figures give the whole year's twice.
SEASON = (0.072, 0.076, 0.090, 0.092, 0.092, 0.078, 0.085, 0.088, 0.083, 0.085, 0.080, 0.079)
KINDS = (
    (PostKind.CLEANER, 0.35),
    (PostKind.FOREST, 0.2),
    (PostKind.ROAD, 0.15),
    (PostKind.WATER, 0.1),
    (PostKind.PATROL, 0.08),
    (PostKind.CARE, 0.07),
    (PostKind.PV_MAINTENANCE, 0.05),
)


def _months(first: date, last: date) -> list[date]:
    out, day = [], first.replace(day=1)
    while day <= last:
        out.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return out


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2))).quantize(CENT)


@transaction.atomic
def pv_synth(
    *, county: Region, seed: int, on: date, user: User, calibration: PvCalibration | None = None
) -> dict[str, int]:
    """Stations, months to the day, the distributions of every finished year, posts with holders and this
    year's pay for a county's villages; ``user`` (a county officer) is the one who recorded them."""
    c = calibration or PvCalibration()
    if Station.objects.filter(village__code__range=county.bounds).exists():
        return {"stations": 0}
    rng = random.Random(f"pv:{seed}:{county.code}")  # noqa: S311  (synthetic data: reproducible, not secret)
    villages = list(
        Region.objects.filter(code__range=county.bounds, level=Level.VILLAGE, valid_to__isnull=True).order_by(
            "code"
        )
    )
    if not villages:
        raise ValueError(f"{county} has no villages loaded")
    lifted = Household.objects.filter(village__code__range=county.bounds, household_type="lifted").count()
    flagged = [v for v in villages if v.former_poor_village]
    pool = flagged if len(flagged) >= min(c.pv_villages, len(villages)) else villages
    pv_villages = sorted(rng.sample(pool, min(c.pv_villages, len(pool))), key=lambda v: v.code)
    kw_each = c.county_kw / c.pv_villages  # a village's station keeps Huangzhong's size however many villages

    # Stations and their months.
    stations = [
        Station(
            name=f"{v.name}光伏扶贫电站",
            village=v,
            capacity_kw=_money(kw_each * rng.uniform(0.9, 1.1)),
            grid_date=date(c.grid_year, c.grid_month, rng.randint(1, 20)),
            owner="村集体",
            grid_account=f"PV{v.code}",
            created_by=user,
        )
        for v in pv_villages
    ]
    Station.objects.bulk_create(stations)
    StationShare.objects.bulk_create(
        [StationShare(station=s, village=s.village, percent=Decimal(100)) for s in stations]
    )
    months: list[StationMonth] = []
    income: dict[tuple[int, int], Decimal] = defaultdict(Decimal)  # (village id, year) -> income
    last_month = date(on.year, on.month, 1)
    for s in stations:
        for month in _months(s.grid_date, last_month):
            if month == last_month:
                continue  # the statement of the running month comes after it
            days = 1.0
            if (month.year, month.month) == (s.grid_date.year, s.grid_date.month):
                days = (31 - s.grid_date.day + 1) / 31  # on the grid part of its first month
            kwh = float(s.capacity_kw) * c.kwh_per_kw_half_year * 2 * SEASON[month.month - 1]
            kwh *= days * rng.uniform(0.92, 1.08)
            yuan = _money(kwh * c.yuan_per_kwh)
            months.append(
                StationMonth(
                    station=s,
                    month=month,
                    generation_kwh=_money(kwh),
                    income=yuan,
                    source=Source.IMPORTED,
                    recorded_by=user,
                )
            )
            income[(s.village_id, month.year)] += yuan
    StationMonth.objects.bulk_create(months, batch_size=2000)

    # Each finished year's income distributed in the March after it (never more than the year's income).
    allocations = []
    for (village_id, year), total in sorted(income.items()):
        if year >= on.year or date(year + 1, 3, 15) > on:
            continue
        left = total
        for n, (purpose, share) in enumerate(c.shares):
            amount = (
                left if n == len(c.shares) - 1 else (total * Decimal(str(share))).quantize(CENT, ROUND_DOWN)
            )
            left -= amount
            allocations.append(
                Allocation(
                    village_id=village_id,
                    year=year,
                    purpose=purpose,
                    amount=amount,
                    decided_on=date(year + 1, 3, 15),
                    note="村民代表大会决议",
                    recorded_by=user,
                )
            )
    Allocation.objects.bulk_create(allocations, batch_size=2000)
    # This year's posts allocation is decided in advance, from last year's income (so this year's pay fits it).
    for s in stations:
        last = income.get((s.village_id, on.year - 1))
        if last:
            Allocation.objects.create(
                village_id=s.village_id,
                year=on.year,
                purpose=Purpose.POSTS,
                amount=min(
                    (last * Decimal("0.4")).quantize(CENT, ROUND_DOWN),
                    income.get((s.village_id, on.year), Decimal(0)),
                ),
                decided_on=date(on.year, 1, 10) if on >= date(on.year, 1, 10) else on,
                note="公益性岗位工资预算",
                recorded_by=user,
            )

    # Posts: 4,490 in Huangzhong, scaled by lifted-out households; PV-funded ones in the PV villages, within
    # 40 % of the village's income a year; the others in every village by its lifted-out households.
    total_posts = round(c.posts_county * lifted / c.lifted_county) if lifted else 0
    pay = {funding: Decimal(amount) for funding, amount in c.pay}
    cap = {  # PV-funded posts a village's last year's income pays for with 40 % of it
        s.village_id: int(
            income.get((s.village_id, on.year - 1), Decimal(0))
            * Decimal("0.4")
            / (pay[Funding.PV_INCOME] * 12)
        )
        for s in stations
    }
    pv_posts = min(round(total_posts * c.pv_funded), sum(cap.values()))
    by_village = dict(
        Household.objects.filter(village__code__range=county.bounds, household_type="lifted")
        .values_list("village_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    capable = list(
        Member.objects.filter(
            household__village__code__range=county.bounds,
            household__household_type="lifted",
            labour__in=LABOUR_CAPABLE,
        )
        .values_list("pk", "household_id", "household__village_id")
        .order_by("pk")
    )
    rng.shuffle(capable)
    people: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for member_id, household_id, village_id in capable:
        people[village_id].append((member_id, household_id))
    kinds, weights = zip(*KINDS, strict=True)
    plans: list[tuple[int, str]] = []
    pv_left = pv_posts
    for s in stations:
        n = min(cap[s.village_id], pv_left)
        plans += [(s.village_id, Funding.PV_INCOME)] * n
        pv_left -= n
    others = total_posts - len(plans)
    weighted = [v for v in villages if by_village.get(v.pk)]
    plans += (
        [
            (
                rng.choices(weighted, [by_village[v.pk] for v in weighted])[0].pk,
                rng.choices(
                    [Funding.BRIDGING, Funding.EMPLOYMENT],
                    [c.bridging_funded, 1 - c.pv_funded - c.bridging_funded],
                )[0],
            )
            for _ in range(max(others, 0))
        ]
        if weighted
        else []
    )
    posts: list[Post] = []
    holders: list[tuple[Post, int, int]] = []
    for village_id, funding in plans:
        post = Post(
            village_id=village_id,
            kind=rng.choices(kinds, weights)[0],
            funding=funding,
            monthly_pay=pay[funding],
            start=c.posts_since,
            created_by=user,
        )
        posts.append(post)
        if people[village_id]:
            member_id, household_id = people[village_id].pop()
            holders.append((post, member_id, household_id))
    Post.objects.bulk_create(posts, batch_size=2000)
    assignments = [
        Assignment(
            post=post, member_id=member_id, household_id=household_id, start=c.posts_since, recorded_by=user
        )
        for post, member_id, household_id in holders
    ]
    Assignment.objects.bulk_create(assignments, batch_size=2000)

    # This year's pay, each month's on the 5th of the next (after the work), to the day.
    pays = [
        PostPay(
            assignment=a,
            month=month,
            amount=a.post.monthly_pay,
            paid_on=date(month.year + month.month // 12, month.month % 12 + 1, 5),
            recorded_by=user,
        )
        for a in assignments
        for month in _months(date(on.year, 1, 1), on)
        if date(month.year + month.month // 12, month.month % 12 + 1, 5) <= on
    ]
    PostPay.objects.bulk_create(pays, batch_size=2000)
    program_incomes_post(
        actor=user,
        entries=[
            ProgramEntry(
                source=p.source,
                household_id=p.assignment.household_id,
                member_id=p.assignment.member_id,
                program=Program.WELFARE_POST,
                kind=IncomeKind.WAGE,
                on=p.paid_on,
                amount=p.amount,
            )
            for p in pays
        ],
    )
    return {
        "stations": len(stations),
        "months": len(months),
        "allocations": len(allocations),
        "posts": len(posts),
        "holders": len(assignments),
        "pays": len(pays),
    }
