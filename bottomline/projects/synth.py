"""A synthetic project library for a synthetic county, calibrated to the seed (docs/synthetic-data.md, "Project
library"): Huangzhong's 2021 bridging funds of 2.3378亿 yuan and east-west cooperation funds of 4,390万 yuan
(together 2.7768亿) arranged to 46 projects, 100 % (seed 004). Every figure is a field of
``ProjectsCalibration``; the assumptions say so."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from django.db import transaction

from bottomline.accounts.models import User
from bottomline.projects.models import (
    Allocation,
    Asset,
    AssetIncome,
    Beneficiary,
    Budget,
    Disbursement,
    Kind,
    Payout,
    Project,
    Source,
    Stage,
    StageChange,
)
from bottomline.projects.services import PROGRAM, payout_source
from bottomline.regions.models import Level, Region
from bottomline.registry.models import Household
from bottomline.registry.programs import ProgramEntry, program_incomes_post

CENT = Decimal("0.01")
KIND_ZH = {
    "industry": "产业发展",
    "infrastructure": "基础设施",
    "employment": "就业帮扶",
    "education": "教育",
    "health": "健康",
    "housing": "住房改善",
    "other": "其他",
}


@dataclass(frozen=True)
class ProjectsCalibration:
    """The figures the synthetic library follows, with where each comes from (docs/synthetic-data.md)."""

    year: int = 2021  # seed 004: "2021年以来 … 实施乡村振兴项目46项" (the 2022 plan is named apart)
    bridging: Decimal = Decimal(233_780_000)  # seed 004: 用好衔接资金2.3378亿元
    east_west: Decimal = Decimal(43_900_000)  # seed 004: 东西部协作资金4390万元
    projects: int = 46  # seed 004: 实施乡村振兴项目46项
    industry_projects: int = 21  # assumption after seed 004: 产业融合发展重点示范项目21项
    # The bridging funds' split by level: an assumption (the seed gives the total only).
    central_share: Decimal = Decimal("0.70")
    provincial_share: Decimal = Decimal("0.20")
    # Share of the central funds arranged to industry projects: an assumption above the policy's 60 %
    # (domain.md §3.6).
    central_industry_share: Decimal = Decimal("0.65")
    beneficiaries: tuple[int, int] = (20, 60)  # assumption: households sharing an industry project's dividend
    dividend: tuple[int, int] = (300, 1000)  # assumption: yuan a year per household
    asset_return: Decimal = Decimal("0.06")  # assumption: an operating asset's yearly income / its value


def _split(rng: random.Random, total: Decimal, n: int) -> list[Decimal]:
    """``total`` in ``n`` random parts to the yuan (each at least a tenth of the mean); they add up exactly."""
    if n == 0:
        return []
    weights = [rng.uniform(0.5, 1.5) for _ in range(n)]
    scale = float(total) / sum(weights)
    parts = [Decimal(w * scale).quantize(Decimal(1), ROUND_DOWN) for w in weights]
    parts[-1] += total - sum(parts, Decimal(0))
    return parts


def projects_synth(
    *, county: Region, seed: int, on: date, user: User, calibration: ProjectsCalibration | None = None
) -> dict[str, int]:
    """Write the county's library of the calibration's year up to ``on``: allocations, projects with their
    stages, budgets (all the funds arranged), disbursements, dividend beneficiaries paid each year through the
    income core, and assets with their income. Nothing when the county has projects already."""
    if county.level != Level.COUNTY:
        raise ValueError("projects_synth takes a county")
    if Project.objects.filter(site__code__startswith=county.code[:6]).exists():
        return {"projects": 0, "disbursements": 0, "beneficiaries": 0, "assets": 0}
    c = calibration or ProjectsCalibration()
    rng = random.Random(f"projects:{seed}:{county.code}")  # noqa: S311  (synthetic data, seeded)
    villages = list(
        Region.objects.filter(code__startswith=county.code[:6], level=Level.VILLAGE, households__isnull=False)
        .distinct()
        .order_by("code")
    )
    if not villages:
        return {"projects": 0, "disbursements": 0, "beneficiaries": 0, "assets": 0}
    central = (c.bridging * c.central_share).quantize(Decimal(1))
    provincial = (c.bridging * c.provincial_share).quantize(Decimal(1))
    funds: dict[str, Decimal] = {
        Source.CENTRAL: central,
        Source.PROVINCIAL: provincial,
        Source.COUNTY: c.bridging - central - provincial,
        Source.EAST_WEST: c.east_west,
    }
    others = [Kind.INFRASTRUCTURE, Kind.EMPLOYMENT, Kind.EDUCATION, Kind.HEALTH, Kind.HOUSING, Kind.OTHER]
    kinds = [Kind.INDUSTRY] * c.industry_projects + [
        rng.choices(others, [6, 2, 1, 1, 2, 1])[0] for _ in range(c.projects - c.industry_projects)
    ]
    industry = [i for i, k in enumerate(kinds) if k == Kind.INDUSTRY]
    rest = [i for i, k in enumerate(kinds) if k != Kind.INDUSTRY]
    budgets: list[dict[str, Decimal]] = [{} for _ in kinds]
    central_industry = (central * c.central_industry_share).quantize(Decimal(1))
    for i, amount in zip(industry, _split(rng, central_industry, len(industry)), strict=True):
        budgets[i][Source.CENTRAL] = amount
    for i, amount in zip(rest, _split(rng, central - central_industry, len(rest)), strict=True):
        budgets[i][Source.CENTRAL] = amount
    for source in (str(Source.PROVINCIAL), str(Source.COUNTY), str(Source.EAST_WEST)):
        chosen = sorted(rng.sample(range(len(kinds)), k=len(kinds) // 2))
        for i, amount in zip(chosen, _split(rng, funds[source], len(chosen)), strict=True):
            budgets[i][source] = amount
    lifted = {
        v.pk: list(
            Household.objects.filter(village=v, household_type="lifted")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for v in villages
    }
    year = c.year
    steps = [
        (Stage.REVIEWED, date(year, 2, 20)),
        (Stage.LISTED, date(year, 3, 25)),
        (Stage.IMPLEMENTING, date(year, 4, 20)),
    ]
    made = {"projects": 0, "disbursements": 0, "beneficiaries": 0, "assets": 0}
    entries: list[tuple[Beneficiary, int, date]] = []
    with transaction.atomic():
        for source, amount in funds.items():
            Allocation.objects.create(
                county=county,
                year=year,
                source=source,
                amount=amount,
                document=f"{year}年衔接资金分配（合成）",
            )
        for n, (kind, budget) in enumerate(zip(kinds, budgets, strict=True), start=1):
            site = rng.choice(villages)
            township = Region.objects.get(pk=site.parent_id) if site.parent_id else county
            region = rng.choice([county, township, site])
            proposed = date(year, 1, 1) + timedelta(days=rng.randint(5, 40))
            project = Project.objects.create(
                name=f"{site.name}{KIND_ZH[kind]}项目{n:02d}",
                region=region,
                site=site,
                kind=kind,
                year=year,
                code=f"SYN{county.code[:6]}-{year}-{n:03d}",
                unit="湟中区农业农村和科技局",
            )
            Budget.objects.bulk_create(
                [Budget(project=project, source=s, amount=a) for s, a in budget.items()]
            )
            changes = [StageChange(project=project, before="", after=Stage.PROPOSED, on=proposed)]
            before: str = Stage.PROPOSED
            accepted = date(year, 11, 1) + timedelta(
                days=rng.randint(0, 200)
            )  # assumption: built in a season
            evaluated = accepted + timedelta(days=rng.randint(60, 240))
            for stage, day in [*steps, (Stage.ACCEPTED, accepted), (Stage.EVALUATED, evaluated)]:
                if day > on:
                    break
                changes.append(StageChange(project=project, before=before, after=stage, on=day))
                before = stage
            StageChange.objects.bulk_create(changes)
            project.stage = before
            project.save(update_fields=["stage"])
            made["projects"] += 1
            # The money: each source in two to four tranches from the start to the acceptance (all of it spent).
            paid: list[Disbursement] = []
            start, end = date(year, 4, 20), min(accepted, on)
            if start <= on:
                for source, amount in budget.items():
                    tranches = rng.randint(2, 4) if end >= accepted else 1
                    parts = _split(
                        rng, amount if end >= accepted else (amount * Decimal("0.4")).quantize(CENT), tranches
                    )
                    days = sorted(
                        start + timedelta(days=rng.randint(0, max((end - start).days, 0))) for _ in parts
                    )
                    for t, (part, day) in enumerate(zip(parts, days, strict=True), start=1):
                        paid.append(
                            Disbursement(
                                project=project,
                                source=source,
                                amount=part,
                                on=day,
                                reference=f"SYN-{n:03d}-{source}-{t}",
                            )
                        )
            Disbursement.objects.bulk_create(paid)
            made["disbursements"] += len(paid)
            if accepted > on:
                continue
            value = sum(budget.values(), Decimal(0))
            asset_kind = {"industry": "operating", "housing": "household"}.get(kind, "public")
            asset = Asset.objects.create(
                project=project,
                name=f"{project.name}形成资产",
                kind=asset_kind,
                value=value,
                owner=f"{site.name}股份经济合作社" if asset_kind != "household" else "受益农户",
                manager=f"{site.name}村民委员会",
                since=accepted,
            )
            made["assets"] += 1
            if kind != Kind.INDUSTRY:
                continue
            for y in range(accepted.year, on.year):
                AssetIncome.objects.create(
                    asset=asset,
                    year=y,
                    on=date(y + 1, 1, 15),
                    amount=(value * c.asset_return * Decimal(str(round(rng.uniform(0.8, 1.2), 2)))).quantize(
                        CENT
                    ),
                )
            households = lifted.get(site.pk, [])
            chosen_hh = rng.sample(households, k=min(len(households), rng.randint(*c.beneficiaries)))
            for household_id in chosen_hh:
                b = Beneficiary.objects.create(
                    project=project,
                    household_id=household_id,
                    benefit="dividend",
                    amount_per_year=Decimal(rng.randint(*c.dividend)),
                    since=accepted,
                )
                made["beneficiaries"] += 1
                for y in range(accepted.year, on.year + 1):
                    day = date(y, 12, 20)
                    if day <= on:
                        entries.append((b, y, day))
        payouts = Payout.objects.bulk_create(
            [Payout(beneficiary=b, year=y, on=day, amount=b.amount_per_year or 0) for b, y, day in entries]
        )
        program_incomes_post(
            actor=user,
            entries=[
                ProgramEntry(
                    source=payout_source(p.pk),
                    household_id=b.household_id,
                    program=PROGRAM,
                    kind="property",
                    on=p.on,
                    amount=p.amount,
                )
                for p, (b, _y, _d) in zip(payouts, entries, strict=True)
            ],
        )
    return made
