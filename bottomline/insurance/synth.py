"""Synthetic anti-poverty insurance for a synthetic county, calibrated to seed 001 (Weining) and domain.md §3.5
(docs/synthetic-data.md, "Anti-poverty insurance"): a policy a year bought by the county for its lifted-out and
monitored households with a per-capita net income below 5,000 yuan, and this year's claims of covered
households, most of them assessed and paid. Payouts reach the income only through
``registry.programs.program_incomes_post``, like every payment. Every figure is a field of
``InsuranceCalibration``."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from django.db import transaction

from bottomline.accounts.models import User
from bottomline.insurance.models import Claim, ClaimStatus, PayoutRule, Policy
from bottomline.insurance.selectors import covered_in
from bottomline.regions.models import Level, Region
from bottomline.registry.choices import IncomeKind, Program
from bottomline.registry.models import Household
from bottomline.registry.programs import ProgramEntry, program_incomes_post

T = TypeVar("T")
YUAN = Decimal(1)


@dataclass(frozen=True)
class InsuranceCalibration:
    """The figures the synthetic insurance follows, with where each comes from (docs/synthetic-data.md)."""

    first_year: int = 2021  # seed 001 (late 2021): Weining bought it "since last year"; 2021 an assumption
    income_below: Decimal = Decimal(5000)  # seed 001: per-capita annual income below 5,000 yuan
    insurer: str = "中国太平洋财产保险股份有限公司"  # domain.md §3.5: CPIC began 防贫保 (魏县, 2017)
    premium_per_person: Decimal = Decimal(50)  # domain.md §3.5: 50 yuan per person per year (魏县)
    # The rules (threshold, share %, cap): an assumption; medical 80 % above 3,000 pays seed 001's 19,200
    # yuan on a year's 27,000 yuan out of pocket. The cap after 赣州's (domain.md §3.5: raised to 30万).
    medical: tuple[int, int, int] = (3000, 80, 300000)
    education: tuple[int, int, int] = (2000, 50, 10000)
    disaster: tuple[int, int, int] = (0, 50, 30000)
    accident: tuple[int, int, int] = (0, 60, 50000)
    claim_rate: float = 0.03  # assumption: 3 % of the covered households claim in a year
    triggers: tuple[tuple[str, float], ...] = (
        ("medical", 0.7),  # assumption: illness is the main cause (domain.md §3.5: medical, school, disaster)
        ("education", 0.1),
        ("disaster", 0.15),
        ("accident", 0.05),
    )
    # Spending (or loss) in yuan drawn uniformly per trigger: an assumption that gives an average payout of
    # about 10,000 yuan, CPIC's 6.2亿 yuan to 60,000 households (domain.md §3.5).
    spending: tuple[tuple[str, int, int], ...] = (
        ("medical", 8000, 26000),
        ("education", 4000, 20000),
        ("disaster", 5000, 40000),
        ("accident", 5000, 30000),
    )
    refused: float = 0.08  # assumption: refused on assessment (not the policy's liability, papers missing)
    pending: float = 0.07  # assumption: still to assess
    seed_spending: Decimal = Decimal(27000)  # seed 001: one claim paid 19,200 yuan under the medical rule


def _pick(rng: random.Random, weighted: tuple[tuple[T, float], ...]) -> T:
    return rng.choices([v for v, _w in weighted], [w for _v, w in weighted])[0]


def insurance_synth(
    *, county: Region, seed: int, on: date, user: User, calibration: InsuranceCalibration | None = None
) -> dict[str, int]:
    """Write the county's policies (one a year from ``first_year`` to ``on``'s) and this year's claims; nothing
    when the county has a policy already (running it again adds nothing). Returns counts of what was written."""
    if county.level != Level.COUNTY:
        raise ValueError("insurance_synth takes a county")
    if Policy.objects.filter(region=county).exists():
        return {"policies": 0, "claims": 0, "paid": 0}
    c = calibration or InsuranceCalibration()
    rng = random.Random(f"insurance:{seed}:{county.code}")  # noqa: S311  (synthetic data, seeded)
    households = Household.objects.filter(village__code__startswith=county.code[:6])
    with transaction.atomic():
        policies = []
        for year in range(c.first_year, on.year + 1):
            policy = Policy.objects.create(
                region=county,
                name=f"{county.name}防返贫保险 {year}",
                number=f"SYN{county.code[:6]}-FPB-{year}",
                insurer=c.insurer,
                start=date(year, 1, 1),
                end=date(year, 12, 31),
                premium_per_household=(c.premium_per_person * 3).quantize(YUAN),  # assumption: 3 a household
                covers_lifted=True,
                covers_monitored=True,
                income_below=c.income_below,
                source="seed 001 (Weining); domain.md §3.5",
                recorded_by=user,
            )
            PayoutRule.objects.bulk_create(
                PayoutRule(
                    policy=policy, trigger=t, threshold=Decimal(r[0]), share=Decimal(r[1]), cap=Decimal(r[2])
                )
                for t, r in (
                    ("medical", c.medical),
                    ("education", c.education),
                    ("disaster", c.disaster),
                    ("accident", c.accident),
                )
            )
            policies.append(policy)
        current = policies[-1]
        covered = list(covered_in(current, households, on).order_by("pk").values_list("pk", flat=True))
        total = sum(p.premium_per_household or 0 for p in [current]) * len(covered)
        current.premium_total = Decimal(total)
        current.save(update_fields=["premium_total"])
        rules = {r.trigger: r for r in current.rules.all()}
        ranges = {t: (lo, hi) for t, lo, hi in c.spending}
        chosen = [pk for pk in covered if rng.random() < c.claim_rate]
        span = max((on - current.start).days - 10, 0)
        claims: list[Claim] = []
        for n, household_id in enumerate(chosen):
            trigger = "medical" if n == 0 else _pick(rng, c.triggers)
            low, high = ranges[trigger]
            spending = c.seed_spending if n == 0 else Decimal(rng.randint(low, high))
            occurred = current.start + timedelta(days=rng.randint(0, span))
            payout = rules[trigger].payout(spending)
            fate = 0.5 if n == 0 else rng.random()  # the seed's claim is paid
            claim = Claim(
                policy=current,
                household_id=household_id,
                trigger=trigger,
                occurred_on=occurred,
                spending=spending,
                claimed=payout,
                reference=f"SYN-LP-{on.year}-{n + 1:05d}",
                recorded_by=user,
            )
            assessed = occurred + timedelta(days=rng.randint(7, 30))
            paid = assessed + timedelta(days=rng.randint(3, 20))
            if fate < c.pending or assessed > on or payout <= 0:
                claim.status = ClaimStatus.REFUSED if payout <= 0 and assessed <= on else ClaimStatus.RECORDED
                if claim.status == ClaimStatus.REFUSED:
                    claim.assessed_on, claim.reason = assessed, "未达起付线"
            elif fate < c.pending + c.refused:
                claim.status, claim.assessed_on = ClaimStatus.REFUSED, assessed
                claim.reason = rng.choice(("不属于保险责任", "材料不全，逾期未补", "已获其他救助足额保障"))
            else:
                claim.status, claim.assessed_on, claim.assessed_amount = (
                    ClaimStatus.APPROVED,
                    assessed,
                    payout,
                )
                if paid <= on:
                    claim.status, claim.paid_on, claim.paid_amount = ClaimStatus.PAID, paid, payout
            claims.append(claim)
        made = Claim.objects.bulk_create(claims)
        entries = [
            ProgramEntry(
                source=claim.source,
                household_id=claim.household_id,
                program=Program.INSURANCE_CLAIM,
                kind=IncomeKind.TRANSFER,
                on=claim.paid_on,
                amount=claim.paid_amount.quantize(Decimal("0.01"), ROUND_HALF_UP),
            )
            for claim in made
            if claim.status == ClaimStatus.PAID
            and claim.paid_on is not None
            and claim.paid_amount is not None
        ]
        program_incomes_post(actor=user, entries=entries)
    return {"policies": len(policies), "claims": len(made), "paid": len(entries)}
