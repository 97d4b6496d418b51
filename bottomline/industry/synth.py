"""Synthetic industries and benefit linkage for a synthetic county (``manage.py industry_synth``), calibrated
to Huangzhong's figures in seed 004 (docs/synthetic-data.md, "Industries and benefit linkage"): 76 leading
enterprises and cooperatives, 286 projects worth 23.65亿 yuan, 13,000 people of lifted-out households linked
by land transfer, dividends, employment and order farming. Every other figure is an assumption, marked so in
``Calibration``. The linkages' money reaches income through the one service (``services.linkages_post``)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Count

from bottomline.accounts.models import User
from bottomline.industry.models import Entity, EntityKind, Linkage, LinkageKind, Project, ProjectKind
from bottomline.industry.posting import month_end
from bottomline.industry.services import linkages_post
from bottomline.regions.models import Level, Region
from bottomline.registry.choices import HouseholdType
from bottomline.registry.models import Household, Member


@dataclass(frozen=True)
class Calibration:
    """The figures the synthetic programme follows (seed 004 for Huangzhong unless marked an assumption)."""

    entities: int = 76  # seed 004: 扶持发展扶贫龙头企业和专业合作社76家
    enterprise_share: float = 0.2  # assumption: one in five of them an enterprise, the rest cooperatives
    projects: int = 286  # seed 004: 累计申报入库项目286项
    investment_yuan: int = 2_365_000_000  # seed 004: 涉及项目资金23.65亿元
    people: int = 13_000  # seed 004: 带贫益贫群众达1.3万人
    # assumption: the kinds of linkage, their weights and yearly amounts in yuan (low, high)
    kinds: tuple[tuple[str, float, int, int], ...] = (
        (LinkageKind.LAND_RENT, 0.30, 400, 2000),
        (LinkageKind.SHARE_DIVIDEND, 0.25, 400, 1500),
        (LinkageKind.ASSET_DIVIDEND, 0.15, 300, 1000),
        (LinkageKind.EMPLOYMENT, 0.15, 6000, 20000),
        (LinkageKind.ORDER_FARMING, 0.15, 1500, 6000),
    )
    second_linkage: float = 0.15  # assumption: share of linked households with a second linkage
    ended: float = 0.08  # assumption: share of linkages already ended
    first_year: int = 2021  # assumption: linkages start from 2021 (the transition period) on


# assumption: the kinds of the 286 projects, after seed 004's list (特色种养, 光伏扶贫, 乡村旅游, 电子商务)
PROJECT_KINDS = (
    (ProjectKind.CROP, 0.30),
    (ProjectKind.LIVESTOCK, 0.30),
    (ProjectKind.PROCESSING, 0.10),
    (ProjectKind.TOURISM, 0.12),
    (ProjectKind.ECOMMERCE, 0.08),
    (ProjectKind.PV, 0.05),
    (ProjectKind.OTHER, 0.05),
)
PRODUCTS = (
    "牛羊养殖",
    "蔬菜种植",
    "马铃薯种植",
    "中藏药材种植",
    "食用菌",
    "油菜",
    "乡村旅游",
    "电商",
    "青稞",
    "奶牛养殖",
)
PROJECT_WORDS: dict[str, str] = {
    ProjectKind.CROP: "种植基地",
    ProjectKind.LIVESTOCK: "养殖基地",
    ProjectKind.PROCESSING: "加工车间",
    ProjectKind.TOURISM: "田园综合体",
    ProjectKind.ECOMMERCE: "电商服务站",
    ProjectKind.PV: "光伏电站",
    ProjectKind.OTHER: "产业项目",
}


def _weighted(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _w in table], weights=[w for _k, w in table])[0]


def _month_start(rng: random.Random, first: date, last: date) -> date:
    months = (last.year - first.year) * 12 + last.month - first.month
    at = first.year * 12 + first.month - 1 + rng.randint(0, max(months, 0))
    return date(at // 12, at % 12 + 1, 1)


def industry_synth(
    *, county: Region, seed: int, on: date, user: User, c: Calibration | None = None
) -> dict[str, int]:
    """Entities, projects and linkages for the county's villages; nothing if the county has entities already."""
    c = c or Calibration()
    low, high = county.bounds
    if Entity.objects.filter(region__code__range=(low, high)).exists():
        return {"entities": 0, "projects": 0, "linkages": 0, "households": 0}
    rng = random.Random(f"industry:{seed}:{county.code}")  # noqa: S311  (synthetic data, seeded)
    villages = list(
        Region.objects.filter(level=Level.VILLAGE, code__range=(low, high)).select_related("parent")
    )
    if not villages:
        return {"entities": 0, "projects": 0, "linkages": 0, "households": 0}
    with transaction.atomic():
        entities = _entities(rng, county, villages, c)
        projects = _projects(rng, entities, c, on)
        linkages, households = _linkages(rng, entities, projects, c, on, low, high, user)
        linkages_post(actor=user, linkages=linkages, through=on.year)
    return {
        "entities": len(entities),
        "projects": len(projects),
        "linkages": len(linkages),
        "households": households,
    }


def _entities(rng: random.Random, county: Region, villages: list[Region], c: Calibration) -> list[Entity]:
    made: list[Entity] = []
    serves: list[list[Region]] = []
    enterprises = round(c.entities * c.enterprise_share)
    for n in range(c.entities):
        product = rng.choice(PRODUCTS)
        if n < enterprises:  # a county enterprise serving villages across the county
            served = rng.sample(villages, min(len(villages), rng.randint(3, 8)))
            entity = Entity(
                name=f"湟中区{product}龙头企业{n + 1:02d}号", kind=EntityKind.ENTERPRISE, region=county
            )
        else:  # a cooperative of a township, serving one to three of its villages
            home = rng.choice(villages)
            mates = [v for v in villages if v.parent_id == home.parent_id]
            served = rng.sample(mates, min(len(mates), rng.randint(1, 3)))
            entity = Entity(
                name=f"{home.name}{product}专业合作社{n + 1:02d}",
                kind=EntityKind.COOPERATIVE,
                region=home.parent or county,
            )
        entity.founded = date(rng.randint(2015, 2020), rng.randint(1, 12), 1)
        made.append(entity)
        serves.append(served)
    # Every village is served: a village no entity drew goes to a county enterprise (an assumption).
    drawn = {village.pk for served in serves for village in served}
    for village in villages:
        if village.pk not in drawn and enterprises:
            serves[rng.randrange(enterprises)].append(village)
    # In sets (synthetic data, not an officer's edits: the change log is not asked to keep each row).
    Entity.objects.bulk_create(made)
    Entity.villages.through.objects.bulk_create(
        [
            Entity.villages.through(entity_id=entity.pk, region_id=village.pk)
            for entity, served in zip(made, serves, strict=True)
            for village in served
        ]
    )
    return made


def _projects(rng: random.Random, entities: list[Entity], c: Calibration, on: date) -> list[Project]:
    weights = [rng.lognormvariate(0, 1) for _ in range(c.projects)]
    total = sum(weights)
    made: list[Project] = []
    for n, weight in enumerate(weights):
        entity = entities[n % len(entities)] if n < len(entities) else rng.choice(entities)
        kind = _weighted(rng, PROJECT_KINDS)
        project = Project(
            entity=entity,
            name=f"{entity.name[:20]}{PROJECT_WORDS[kind]}{n + 1:03d}",
            kind=kind,
            region=entity.region,
            investment=Decimal(round(c.investment_yuan * weight / total)),
            start=_month_start(rng, date(2016, 1, 1), min(on, date(2025, 6, 1))),
        )
        made.append(project)
    Project.objects.bulk_create(made)
    served: dict[int, list[int]] = {}
    for entity_id, village_id in Entity.villages.through.objects.filter(
        entity_id__in=[e.pk for e in entities]
    ).values_list("entity_id", "region_id"):
        served.setdefault(entity_id, []).append(village_id)
    Project.villages.through.objects.bulk_create(
        [
            Project.villages.through(project_id=project.pk, region_id=village_id)
            for project in made
            for village_id in served.get(project.entity_id, [])
        ]
    )
    return made


def _linkages(
    rng: random.Random,
    entities: list[Entity],
    projects: list[Project],
    c: Calibration,
    on: date,
    low: str,
    high: str,
    user: User,
) -> tuple[list[Linkage], int]:
    serving: dict[int, list[Entity]] = {}
    by_pk = {entity.pk: entity for entity in entities}
    for entity_id, village_id in Entity.villages.through.objects.filter(
        entity_id__in=list(by_pk)
    ).values_list("entity_id", "region_id"):
        serving.setdefault(village_id, []).append(by_pk[entity_id])
    by_entity: dict[int, list[Project]] = {}
    for project in projects:
        by_entity.setdefault(project.entity_id, []).append(project)
    households = list(
        Household.objects.filter(
            village__code__range=(low, high),
            village_id__in=list(serving),
            household_type=HouseholdType.LIFTED,
        )
        .order_by("pk")
        .values_list("pk", "village_id")
    )
    rng.shuffle(households)
    sizes: dict[int, int] = {}
    people = 0
    chosen: list[tuple[int, int]] = []
    for at in range(0, len(households), 2000):
        part = households[at : at + 2000]
        sizes.update(_member_counts([h for h, _v in part]))
        for household_id, village_id in part:
            if people >= c.people:
                break
            if sizes.get(household_id):
                chosen.append((household_id, village_id))
                people += sizes[household_id]
    kinds = tuple((k, w) for k, w, _lo, _hi in c.kinds)
    amounts = {k: (lo, hi) for k, _w, lo, hi in c.kinds}
    rows: list[Linkage] = []
    last_start = date(on.year, on.month, 1)
    for household_id, village_id in chosen:
        for _n in range(2 if rng.random() < c.second_linkage else 1):
            entity = rng.choice(serving[village_id])
            kind = _weighted(rng, kinds)
            lo, hi = amounts[kind]
            start = _month_start(
                rng, max(date(c.first_year, 1, 1), entity.founded or date(c.first_year, 1, 1)), last_start
            )
            end = None
            if rng.random() < c.ended and (on - start).days > 400:
                ended = _month_start(rng, date(start.year + 1, start.month, 1), last_start)
                end = month_end(ended.year, ended.month)
            own = by_entity.get(entity.pk, [])
            rows.append(
                Linkage(
                    household_id=household_id,
                    entity=entity,
                    project=rng.choice(own) if own and rng.random() < 0.7 else None,
                    kind=kind,
                    amount_per_year=Decimal(rng.randint(lo // 100, hi // 100) * 100),
                    start=start,
                    end=end,
                    created_by=user,
                )
            )
    made = Linkage.objects.bulk_create(rows, batch_size=1000)
    return made, len(chosen)


def _member_counts(household_ids: list[int]) -> list[tuple[int, int]]:
    return list(
        Member.objects.filter(household_id__in=household_ids)
        .values("household_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("household_id", "n")
    )
