"""Synthetic small loans for a synthetic county, calibrated to the seed's figures (docs/synthetic-data.md,
"Small loans"): the money lent and the interest subsidy paid over the whole history equal Huangzhong's
(seed 004: 3.88亿 yuan lent, 1,790.37万 yuan subsidy), and the repayments follow the schedule rule
(loans.schedule) with a few late and defaulting borrowers. Every figure is a field of ``LoansCalibration``."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from django.db import transaction

from bottomline.loans.models import AMOUNT_LIMIT, Loan, Repayment
from bottomline.loans.schedule import schedule
from bottomline.regions.models import Level, Region
from bottomline.registry.models import Household

CENT = Decimal("0.01")


@dataclass(frozen=True)
class LoansCalibration:
    """The figures the synthetic loans follow, with where each comes from (docs/synthetic-data.md)."""

    lent_total: Decimal = Decimal(388_000_000)  # seed 004: 累计发放扶贫贷款3.88亿元
    subsidy_total: Decimal = Decimal("17903700")  # seed 004: 累计贷款财政贴息1790.37万元
    first_day: date = date(2016, 3, 1)  # assumption: lending from the 2015 campaign's first full year
    last_first_day: date = date(2024, 12, 31)  # a household's first loan no later than this
    # amounts (yuan) and their weights: most borrow the policy's 50,000 (domain.md §3.7); the rest assumption
    amounts: tuple[tuple[int, float], ...] = (
        (50000, 0.6),
        (40000, 0.12),
        (30000, 0.15),
        (20000, 0.08),
        (10000, 0.05),
    )
    terms: tuple[tuple[int, float], ...] = ((12, 0.45), (24, 0.2), (36, 0.35))  # assumption; ≤ 3 years (§3.7)
    again: float = 0.45  # assumption: share of borrowers who borrow again after a loan ends
    early: float = 0.25  # assumption: share of loans whose principal is repaid before maturity
    late_once: float = 0.025  # assumption: one interest payment 35–80 days late, then back on schedule
    stops: float = 0.015  # assumption: the borrower stops paying at some point (overdue, often a default)
    lenders: tuple[tuple[str, float], ...] = (
        ("青海湟中农村商业银行", 0.7),  # seed 004: 与农村信用联社合作
        ("中国邮政储蓄银行湟中区支行", 0.15),
        ("中国农业银行湟中区支行", 0.15),
    )
    purposes: tuple[tuple[str, float], ...] = (
        ("livestock", 0.45),  # assumption after Huangzhong's industries (seed 004: 特色种养)
        ("planting", 0.3),
        ("tourism", 0.08),
        ("trade", 0.08),
        ("processing", 0.05),
        ("transport", 0.04),
    )


def _rate(day: date) -> Decimal:
    """The annual rate of a loan disbursed on ``day``: the one-year base rate (4.35 % to August 2019), then
    the one-year LPR (an assumption: the banks lent at the reference rate, as the policy asks)."""
    if day < date(2019, 8, 20):
        return Decimal("4.35")
    if day < date(2020, 4, 20):
        return Decimal("4.15")
    if day < date(2022, 1, 20):
        return Decimal("3.85")
    if day < date(2023, 8, 21):
        return Decimal("3.65")
    return Decimal("3.45")


T = TypeVar("T")


def _pick(rng: random.Random, weighted: tuple[tuple[T, float], ...]) -> T:
    return rng.choices([v for v, _w in weighted], [w for _v, w in weighted])[0]


@dataclass
class _Plan:
    loan: Loan
    payments: list[tuple[date, Decimal, Decimal]]  # day, principal, interest
    fate: int  # the seed of the loan's own draws (its repayment days)


def _compensated(
    rng: random.Random, loan: Loan, paid: list[tuple[date, Decimal, Decimal]], on: date
) -> tuple[list[tuple[date, Decimal, Decimal]], date]:
    """A loan whose borrower stopped paying: the county's risk-compensation fund (domain.md §3.7) repays the
    principal 6 to 18 months after maturity (an assumption), when that day has come."""
    day = loan.maturity + timedelta(days=rng.randint(180, 540))
    if day > on:
        return paid, on
    return [*paid, (day, loan.amount, Decimal(0))], day


def _payments(
    rng: random.Random, loan: Loan, on: date, c: LoansCalibration
) -> tuple[list[tuple[date, Decimal, Decimal]], date]:
    """The loan's repayments up to ``on`` and the day it ended (repaid; or ``on`` when not yet)."""
    dues = schedule(loan)
    fate = rng.random()
    stop = None
    if fate < c.stops:
        stop = loan.disbursed_on + timedelta(days=rng.randint(60, loan.term_months * 30))
    late = rng.randrange(len(dues)) if c.stops <= fate < c.stops + c.late_once else -1
    early = None
    if stop is None and rng.random() < c.early:
        early = loan.disbursed_on + timedelta(days=int(loan.term_months * 30 * rng.uniform(0.4, 0.9)))
    paid: list[tuple[date, Decimal, Decimal]] = []
    interest_due = [d for d in dues if d.kind == "interest"]
    for n, due in enumerate(interest_due):
        day = due.on + timedelta(days=rng.randint(-3, 2))
        if n == late:
            day = due.on + timedelta(days=rng.randint(35, 80))
        if early is not None and due.on > early:
            break
        if stop is not None and day >= stop:
            return _compensated(rng, loan, paid, on)
        if day > on:
            return paid, on
        paid.append((day, Decimal(0), due.amount))
    end = early if early is not None else loan.maturity + timedelta(days=rng.randint(-5, 0))
    if stop is not None and end >= stop:
        return _compensated(rng, loan, paid, on)
    if end > on:
        return paid, on
    if paid and paid[-1][0] >= end:  # the principal and the last interest in one payment
        day, _p, interest = paid.pop()
        paid.append((max(day, end), loan.amount, interest))
    else:
        paid.append((end, loan.amount, Decimal(0)))
    return paid, end


def loans_synth(
    *, county: Region, seed: int, on: date, calibration: LoansCalibration | None = None
) -> dict[str, int]:
    """Write the county's small loans and repayments up to ``on``; nothing when it has any loan already
    (running it again adds nothing). Returns counts of what was written."""
    if county.level != Level.COUNTY:
        raise ValueError("loans_synth takes a county")
    if Loan.objects.filter(household__village__code__startswith=county.code[:6]).exists():
        return {"loans": 0, "repayments": 0}
    c = calibration or LoansCalibration()
    rng = random.Random(f"loans:{seed}:{county.code}")  # noqa: S311  (synthetic data, seeded)
    households = list(
        Household.objects.filter(village__code__startswith=county.code[:6], household_type="lifted")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rng.shuffle(households)
    # Every household's chain of loans first; then whole chains are left out, at random, until the money lent
    # is within the seed's total, and the loans below the limit are raised (in random order) to reach it.
    chains: list[list[_Plan]] = []
    span = (c.last_first_day - c.first_day).days
    for household_id in households:
        day = c.first_day + timedelta(days=rng.randint(0, span))
        chain: list[_Plan] = []
        while day <= on - timedelta(days=30):
            loan = Loan(
                household_id=household_id,
                lender=_pick(rng, c.lenders),
                amount=Decimal(_pick(rng, c.amounts)),
                term_months=_pick(rng, c.terms),
                rate=_rate(day),
                subsidy_rate=_rate(day),
                purpose=_pick(rng, c.purposes),
                disbursed_on=day,
            )
            fate = rng.getrandbits(32)  # the loan's own draws: the same days whatever its amount becomes
            payments, ended = _payments(random.Random(fate), loan, on, c)  # noqa: S311  (synthetic data)
            chain.append(_Plan(loan, payments, fate))
            if ended >= on or rng.random() >= c.again:
                break
            day = ended + timedelta(days=rng.randint(30, 180))
        chains.append(chain)
    lent = sum((p.loan.amount for chain in chains for p in chain), Decimal(0))
    order = list(range(len(chains)))
    rng.shuffle(order)
    for at in order:
        if lent <= c.lent_total:
            break
        lent -= sum((p.loan.amount for p in chains[at]), Decimal(0))
        chains[at] = []
    plans = sorted(
        (p for chain in chains for p in chain), key=lambda p: (p.loan.disbursed_on, p.loan.household_id)
    )
    raise_order = list(range(len(plans)))
    rng.shuffle(raise_order)
    for at in raise_order:
        if lent >= c.lent_total:
            break
        plan = plans[at]
        more = min(AMOUNT_LIMIT - plan.loan.amount, c.lent_total - lent)
        if more > 0:
            plan.loan.amount += more
            lent += more
            plan.payments, _end = _payments(random.Random(plan.fate), plan.loan, on, c)  # noqa: S311
    for n, plan in enumerate(plans, start=1):
        plan.loan.contract = f"SYN{county.code[:6]}-{n:06d}"
    # The subsidy: the share of the interest that makes the whole history's subsidy the seed's (the rest of
    # the interest the households paid themselves; an assumption: the subsidy covers part of the rate).
    interest = sum((i for plan in plans for _d, _p, i in plan.payments), Decimal(0))
    share = min(c.subsidy_total / interest, Decimal(1)) if interest else Decimal(0)
    rows: list[tuple[int, date, Decimal, Decimal, Decimal]] = []
    subsidised = Decimal(0)
    for n, plan in enumerate(plans):
        plan.loan.subsidy_rate = (plan.loan.rate * share).quantize(CENT, ROUND_HALF_UP)
        for day, principal, paid_interest in plan.payments:
            subsidy = (paid_interest * share).quantize(CENT, ROUND_HALF_UP)
            subsidised += subsidy
            rows.append((n, day, principal, paid_interest, subsidy))
    # rounding: the last subsidised payment takes the few fen of difference
    for at in range(len(rows) - 1, -1, -1):
        n, day, principal, paid_interest, subsidy = rows[at]
        fixed = subsidy + c.subsidy_total - subsidised
        if paid_interest and 0 <= fixed <= paid_interest:
            rows[at] = (n, day, principal, paid_interest, fixed)
            break
    with transaction.atomic():
        created = Loan.objects.bulk_create([plan.loan for plan in plans], batch_size=2000)
        Repayment.objects.bulk_create(
            [
                Repayment(
                    loan=created[n],
                    on=day,
                    principal=principal,
                    interest=paid_interest,
                    subsidy=subsidy,
                    reference=f"SYN-{n + 1:06d}-{k}",
                )
                for k, (n, day, principal, paid_interest, subsidy) in enumerate(rows)
            ],
            batch_size=5000,
        )
    return {"loans": len(created), "repayments": len(rows)}
