"""Synthetic relocation follow-up for a synthetic county, calibrated to the seeds (docs/synthetic-data.md,
"Relocation follow-up"): Huangzhong relocated 714 households / 2,337 people from 24 villages of 8 townships, of
them 358 registered (建档立卡) households / 1,242 people (seed 004); the largest centralised site is sized after
Sanhe town's "Happy Home" community (seed 000: 403 households). The households keep their registry village
(their origin); each gets yearly stability assessments and follow-up support. Every figure is a field of
``RelocationCalibration``."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from django.db import transaction
from django.db.models import Count

from bottomline.regions.models import Level, Region
from bottomline.registry.models import Household
from bottomline.relocation.models import Assessment, Relocation, Site, Support

T = TypeVar("T")


@dataclass(frozen=True)
class RelocationCalibration:
    """The figures the synthetic relocation follows, with where each comes from (docs/synthetic-data.md)."""

    households: int = 714  # seed 004: 搬迁安置…714户
    people: int = 2337  # seed 004: 2337名群众
    registered_households: int = 358  # seed 004: 其中建档立卡户358户
    registered_people: int = 1242  # seed 004: 1242人
    townships: int = 8  # seed 004: 8个乡镇
    villages: int = 24  # seed 004: 24个行政村
    main_site: int = 403  # seed 000: Sanhe town's "Happy Home" community, 403 households
    # the other sites' shares of the remaining households (assumption: two more centralised, one scattered)
    other_sites: tuple[tuple[str, str, float], ...] = (
        ("centralised", "集中安置点", 0.4),
        ("centralised", "移民新村", 0.35),
        ("scattered", "分散安置", 0.25),
    )
    built_year: int = 2016  # seed 004: houses built in 2016 (photographs of 2016-03 and 2016-09)
    # the years households moved (assumption: the 13th Five-Year Plan's campaign, 2016–2020)
    years: tuple[tuple[int, float], ...] = (
        (2016, 0.2),
        (2017, 0.35),
        (2018, 0.25),
        (2019, 0.12),
        (2020, 0.08),
    )
    # the latest assessment's status (assumption: most stable, a few needing attention, fewer at risk)
    statuses: tuple[tuple[str, float], ...] = (("stable", 0.9), ("attention", 0.08), ("risk", 0.02))
    supports_per_year: tuple[int, int] = (0, 2)  # assumption: support records a household gets a year
    supports: tuple[tuple[str, str, str, float], ...] = (
        ("employment", "推荐到扶贫产业园就业", "区人力资源和社会保障局", 0.35),
        ("industry", "发展庭院经济，提供种苗", "区农业农村局", 0.15),
        ("community", "社区入户走访，协助办理户籍和社保", "社区居委会", 0.25),
        ("education", "子女就近入学", "区教育局", 0.1),
        ("health", "家庭医生签约随访", "区卫生健康局", 0.1),
        ("other", "技能培训报名", "镇人民政府", 0.05),
    )


def _pick(rng: random.Random, weighted: tuple[tuple[T, float], ...]) -> T:
    return rng.choices([v for v, _w in weighted], [w for _v, w in weighted])[0]


def _choose(rng: random.Random, sizes: dict[int, int], count: int, people: int) -> list[int]:
    """``count`` households of ``sizes`` (id → members) whose members add up to ``people`` when they can:
    a random draw, then swaps that move the total towards the target."""
    ids = sorted(sizes)
    rng.shuffle(ids)
    chosen, rest = ids[:count], ids[count:]
    total = sum(sizes[h] for h in chosen)
    for _round in range(20 * len(ids) + 100):
        gap = people - total
        if gap == 0 or not rest or not chosen:
            break
        i, j = rng.randrange(len(chosen)), rng.randrange(len(rest))
        delta = sizes[rest[j]] - sizes[chosen[i]]
        if delta != 0 and abs(gap - delta) < abs(gap):
            chosen[i], rest[j] = rest[j], chosen[i]
            total += delta
    return chosen


def relocation_synth(
    *, county: Region, seed: int, on: date, calibration: RelocationCalibration | None = None
) -> dict[str, int]:
    """Write the county's sites, relocated households, assessments and support up to ``on``; nothing when it
    has a site already (running it again adds nothing). Returns counts of what was written."""
    if county.level != Level.COUNTY:
        raise ValueError("relocation_synth takes a county")
    prefix = county.code[:6]
    if Site.objects.filter(region__code__startswith=prefix).exists():
        return {"sites": 0, "relocations": 0, "assessments": 0, "supports": 0}
    c = calibration or RelocationCalibration()
    rng = random.Random(f"relocation:{seed}:{county.code}")  # noqa: S311  (synthetic data, seeded)
    # Origins: villages with households, in townships with at least three such villages (as many as asked).
    per_village = dict(
        Household.objects.filter(village__code__startswith=prefix)
        .values_list("village__code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    townships: dict[str, list[str]] = {}
    for code in sorted(per_village):
        townships.setdefault(code[:9], []).append(code)
    fit = [t for t, villages in sorted(townships.items()) if len(villages) >= 3] or sorted(townships)
    if not fit:
        return {"sites": 0, "relocations": 0, "assessments": 0, "supports": 0}
    chosen_townships = rng.sample(fit, min(c.townships, len(fit)))
    # the villages shared out among the townships as evenly as their villages allow
    quota = dict.fromkeys(chosen_townships, 0)
    for _n in range(c.villages):
        open_ = [t for t in chosen_townships if quota[t] < len(townships[t])]
        if not open_:
            break
        quota[min(open_, key=lambda t: quota[t])] += 1
    origins: list[str] = []
    for t in chosen_townships:
        origins += rng.sample(townships[t], quota[t])
    households = (
        Household.objects.filter(village__code__in=origins)
        .annotate(size=Count("members"))
        .filter(size__gt=0)
        .values_list("pk", "household_type", "size")
    )
    lifted = {pk: size for pk, kind, size in households if kind == "lifted"}
    ordinary = {pk: size for pk, kind, size in households if kind != "lifted"}
    registered = _choose(rng, lifted, c.registered_households, c.registered_people)
    others = _choose(rng, ordinary, c.households - c.registered_households, c.people - c.registered_people)
    moving = registered + others
    rng.shuffle(moving)
    # Sites: the main centralised site in the first township's first origin village (the township's seat, an
    # assumption), the others in further townships.
    regions = {r.code: r for r in Region.objects.filter(code__in=origins)}
    site_villages = [regions[next(code for code in origins if code.startswith(t))] for t in chosen_townships]
    plan = [("centralised", "幸福家园", min(c.main_site, len(moving)), site_villages[0])]
    left = len(moving) - plan[0][2]
    for n, (kind, suffix, share) in enumerate(c.other_sites, start=1):
        size = left if n == len(c.other_sites) else round(left * share / sum(s for *_k, s in c.other_sites))
        left -= size if n != len(c.other_sites) else 0
        village = site_villages[n % len(site_villages)]
        plan.append((kind, f"{village.name}{suffix}", size, village))
    sizes = {pk: size for pk, _kind, size in households}
    village_of = dict(Household.objects.filter(pk__in=moving).values_list("pk", "village__code"))
    with transaction.atomic():
        sites: list[tuple[Site, list[int]]] = []
        at = 0
        for kind, name, size, village in plan:
            members = moving[at : at + size]
            at += size
            people = sum(sizes[h] for h in members)
            site = Site.objects.create(
                name=name,
                kind=kind,
                region=village,
                address=f"{village.parent.name if village.parent else ''}{village.name}",
                built_year=c.built_year,
                planned_households=max(1, size),
                planned_people=max(1, size, people),
            )
            sites.append((site, members))
        relocations: list[Relocation] = []
        for site, members in sites:
            for household_id in members:
                relocations.append(
                    Relocation(
                        household_id=household_id,
                        origin_id=regions[village_of[household_id]].pk,
                        site=site,
                        year=_pick(rng, c.years),
                    )
                )
        created = Relocation.objects.bulk_create(relocations, batch_size=2000)
        names = {h: site.name for site, members in sites for h in members}
        Household.objects.filter(village__code__startswith=prefix, relocated=True).exclude(
            pk__in=moving
        ).update(relocated=False, resettlement_site="")
        moved = list(Household.objects.filter(pk__in=moving))
        for household in moved:
            household.relocated, household.resettlement_site = True, names[household.pk]
        Household.objects.bulk_update(moved, ["relocated", "resettlement_site"], batch_size=2000)
        assessments: list[Assessment] = []
        supports: list[Support] = []
        for relocation in created:
            for year in range(relocation.year + 1, on.year + 1):
                day = date(year, rng.randint(3, 11), rng.randint(1, 28))
                if day > on:
                    continue
                status = _pick(rng, c.statuses)
                note = (
                    ""
                    if status == "stable"
                    else ("家庭收入下降，需跟踪" if status == "attention" else "主要劳动力失业")
                )
                assessments.append(Assessment(relocation=relocation, on=day, status=status, note=note))
            for year in range(relocation.year, on.year + 1):
                for _n in range(rng.randint(*c.supports_per_year)):
                    day = date(year, rng.randint(1, 12), rng.randint(1, 28))
                    if day > on:
                        continue
                    kind, description, unit = _pick(rng, tuple(((k, d, u), w) for k, d, u, w in c.supports))
                    supports.append(
                        Support(relocation=relocation, kind=kind, on=day, description=description, unit=unit)
                    )
        Assessment.objects.bulk_create(assessments, batch_size=5000)
        Support.objects.bulk_create(supports, batch_size=5000)
    return {
        "sites": len(sites),
        "relocations": len(created),
        "assessments": len(assessments),
        "supports": len(supports),
    }
