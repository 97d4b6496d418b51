"""Synthetic village mutual-aid funds for a synthetic county, calibrated to the seeds (docs/synthetic-data.md,
"Village mutual-aid funds"): Huangzhong's 156 associations (seed 004), each with the fiscal capital and the
members' shares and lending of Qinghai's 2009 pilots (seed 003: 17.95 million yuan of anti-poverty funds in 121
villages; 6,642 poor households paid in 1.0971 million yuan; 6.9351 million yuan lent). Every figure is a field
of ``MutualaidCalibration``; the records keep the services' rules (members only, one loan owing at a time, the
fund's cash, never more repaid than owed). Deterministic for a seed; a county with associations is left alone."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from django.db import transaction

from bottomline.accounts.models import User
from bottomline.loans.schedule import months_after
from bottomline.mutualaid.ledger import CashMove, cash_floor, fee_of
from bottomline.mutualaid.models import Association, Contribution, Loan, Membership, Repayment, Source
from bottomline.regions.models import Level, Region
from bottomline.registry.models import Household

CENT = Decimal("0.01")
T = TypeVar("T")


@dataclass(frozen=True)
class MutualaidCalibration:
    """The figures the synthetic funds follow, with where each comes from (docs/synthetic-data.md)."""

    associations: int = 156  # seed 004: 在156个贫困村组建成立村级互助资金协会
    fiscal_each: Decimal = (
        Decimal("17950000") / 121
    )  # seed 003: 1,795万元 in 121 pilot villages (≈148,347 yuan)
    share_mean: Decimal = (
        Decimal("1097100") / 6642
    )  # seed 003: 6,642 poor households paid 109.71万元 (≈165 yuan)
    lent_each_year: Decimal = (
        Decimal("6935100") / 121
    )  # seed 003: 693.51万元 lent in 121 villages in the year
    first_founded: date = date(2009, 3, 1)  # seed 003: Qinghai's pilots of 2009
    last_founded: date = date(2016, 12, 31)  # assumption: the rest of the 156 founded by the 2016 campaign
    # assumption: most lifted-out households join (their base share may be paid from the fiscal funds, §3.3),
    # and some of the others: seed 003's members were 6,642 poor households of the 16,200 families covered
    join_lifted: float = 0.7
    join_other: float = 0.2
    shares: tuple[tuple[int, float], ...] = ((100, 0.35), (200, 0.65))  # assumption: averages 165 yuan
    donation_rate: float = 0.2  # assumption: one fund in five received a donation of 5,000–20,000 yuan
    amounts: tuple[tuple[int, float], ...] = (
        (3000, 0.25),
        (5000, 0.45),
        (8000, 0.15),
        (10000, 0.15),
    )  # assumption
    terms: tuple[tuple[int, float], ...] = (
        (12, 0.7),
        (6, 0.15),
        (24, 0.15),
    )  # assumption: short loans (§3.3)
    fee_rate: Decimal = Decimal(6)  # assumption: 6 % a year (domain.md §3.3: fee rates unconfirmed)
    loan_limit: Decimal = Decimal(10000)  # assumption (domain.md §3.3: ceilings unconfirmed)
    late: float = 0.08  # assumption: repaid 10–120 days after maturity
    stops: float = 0.03  # assumption: the borrower stops paying (overdue ever after)
    fees_to_capital: Decimal = Decimal(
        "0.5"
    )  # assumption: half of a year's fees turned into capital at its end
    purposes: tuple[tuple[str, float], ...] = (
        ("livestock", 0.5),
        ("planting", 0.35),
        ("trade", 0.1),
        ("processing", 0.05),
    )


def _pick(rng: random.Random, weighted: tuple[tuple[T, float], ...]) -> T:
    return rng.choices([v for v, _w in weighted], [w for _v, w in weighted])[0]


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max((end - start).days, 0)))


def mutualaid_synth(
    *,
    county: Region,
    seed: int,
    on: date,
    user: User | None = None,
    calibration: MutualaidCalibration | None = None,
) -> dict[str, int]:
    """Write the county's associations, capital, members, loans and repayments up to ``on``; nothing when it has
    an association already. Returns counts of what was written."""
    if county.level != Level.COUNTY:
        raise ValueError("mutualaid_synth takes a county")
    if Association.objects.filter(village__code__range=county.bounds).exists():
        return {"associations": 0, "members": 0, "loans": 0, "repayments": 0}
    c = calibration or MutualaidCalibration()
    rng = random.Random(f"mutualaid:{seed}:{county.code}")  # noqa: S311  (synthetic data, seeded)
    villages = list(
        Region.objects.filter(code__range=county.bounds, level=Level.VILLAGE, valid_to__isnull=True).order_by(
            "code"
        )
    )
    flagged = [v for v in villages if v.former_poor_village]
    pool = flagged if len(flagged) >= min(c.associations, len(villages)) else villages
    chosen = sorted(rng.sample(pool, min(c.associations, len(pool))), key=lambda v: v.code)
    households: dict[int, list[tuple[int, bool]]] = {}
    for pk, village_id, kind in (
        Household.objects.filter(village__in=chosen)
        .order_by("pk")
        .values_list("pk", "village_id", "household_type")
    ):
        households.setdefault(village_id, []).append((pk, kind == "lifted"))
    associations: list[Association] = []
    contributions: list[Contribution] = []
    members: list[Membership] = []
    loans: list[Loan] = []
    repayments: list[tuple[int, Repayment]] = []  # (index of the loan, repayment)
    for village in chosen:
        founded = _day(rng, c.first_founded, min(c.last_founded, on - timedelta(days=400)))
        association = Association(
            village=village, name=f"{village.name}互助资金协会", founded_on=founded, loan_limit=c.loan_limit,
            fee_rate=c.fee_rate, recorded_by=user,
        )  # fmt: skip
        associations.append(association)
        moves: list[CashMove] = []
        fiscal = (c.fiscal_each * Decimal(rng.uniform(0.9, 1.1))).quantize(Decimal(1))
        given = founded + timedelta(days=rng.randint(0, 20))
        contributions.append(
            Contribution(association=association, source=Source.FISCAL, amount=fiscal, on=given)
        )
        moves.append(CashMove(given, fiscal))
        if rng.random() < c.donation_rate:
            gift_day = _day(rng, founded, on - timedelta(days=1))
            gift = Decimal(rng.randrange(5000, 20001, 1000))
            contributions.append(
                Contribution(
                    association=association, source=Source.DONATION, amount=gift, on=gift_day, note="社会捐赠"
                )
            )
            moves.append(CashMove(gift_day, gift))
        joined: dict[int, date] = {}
        for household_id, poor in households.get(village.pk, []):
            if rng.random() < (c.join_lifted if poor else c.join_other):
                day = founded + timedelta(days=rng.randint(0, 60))
                share = Decimal(_pick(rng, c.shares))
                members.append(
                    Membership(association=association, household_id=household_id, share=share, joined_on=day)
                )
                moves.append(CashMove(day, share))
                joined[household_id] = day
        free_from = dict(joined)  # the day each member owes nothing any more (None: never again)
        stopped: set[int] = set()
        fees_by_year: dict[int, Decimal] = {}
        for year in range(founded.year, on.year + 1):
            start = max(date(year, 1, 1), founded + timedelta(days=30))
            end = min(date(year, 12, 31), on - timedelta(days=1))
            if start > end or not joined:
                continue
            target = c.lent_each_year * Decimal(rng.uniform(0.7, 1.3)) * Decimal((end - start).days + 1) / 365
            days = sorted(_day(rng, start, end) for _n in range(int(target / 5000) + 1))
            for day in days:
                ready = [
                    h
                    for h, free in free_from.items()
                    if h not in stopped and free + timedelta(days=30) <= day
                ]
                if not ready:
                    continue
                household_id = rng.choice(sorted(ready))
                amount = Decimal(_pick(rng, c.amounts))
                if amount > cash_floor(moves, day):
                    continue
                term = _pick(rng, c.terms)
                loan = Loan(
                    association=association, household_id=household_id, amount=amount, term_months=term,
                    fee_rate=c.fee_rate, purpose=_pick(rng, c.purposes), disbursed_on=day,
                    number=f"HZ{village.code[6:]}-{len(loans) + 1:06d}",
                )  # fmt: skip
                loans.append(loan)
                moves.append(CashMove(day, -amount))
                maturity = months_after(day, term)
                fee = fee_of(amount, c.fee_rate, term)
                fate = rng.random()
                if fate < c.stops:
                    stopped.add(household_id)
                    paid_day = maturity - timedelta(days=rng.randint(0, 20))
                    part = (amount * Decimal(rng.choice(("0", "0.3", "0.5")))).quantize(CENT)
                    if part and paid_day <= on:
                        repayments.append(
                            (len(loans) - 1, Repayment(on=paid_day, principal=part, fee=Decimal(0)))
                        )
                        moves.append(CashMove(paid_day, part))
                    continue
                paid_day = maturity + timedelta(
                    days=rng.randint(10, 120) if fate < c.stops + c.late else -rng.randint(0, 10)
                )
                free_from[household_id] = paid_day
                if paid_day > on:
                    continue
                repayments.append((len(loans) - 1, Repayment(on=paid_day, principal=amount, fee=fee)))
                moves.append(CashMove(paid_day, amount + fee))
                fees_by_year[paid_day.year] = fees_by_year.get(paid_day.year, Decimal(0)) + fee
        for year, fees in sorted(fees_by_year.items()):
            end_of_year = date(year, 12, 31)
            turned = (fees * c.fees_to_capital).quantize(CENT, ROUND_HALF_UP)
            if end_of_year < on and turned > 0:
                contributions.append(
                    Contribution(association=association, source=Source.FEES, amount=turned, on=end_of_year)
                )
    with transaction.atomic():
        Association.objects.bulk_create(associations, batch_size=1000)
        for contribution in contributions:
            contribution.association_id = contribution.association.pk
        for membership in members:
            membership.association_id = membership.association.pk
        for loan in loans:
            loan.association_id = loan.association.pk
        Contribution.objects.bulk_create(contributions, batch_size=2000)
        Membership.objects.bulk_create(members, batch_size=2000)
        created = Loan.objects.bulk_create(loans, batch_size=2000)
        for n, (at, repayment) in enumerate(repayments):
            repayment.loan = created[at]
            repayment.reference = f"SYN-{n + 1:07d}"
        Repayment.objects.bulk_create([r for _at, r in repayments], batch_size=5000)
    return {
        "associations": len(associations),
        "members": len(members),
        "loans": len(loans),
        "repayments": len(repayments),
    }
