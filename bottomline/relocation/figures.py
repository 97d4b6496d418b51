"""The relocation follow-up's dashboard figures (registry.programs.ProgramFigures; docs/indicators.md), all
stocks as of the period's end: households relocated by then (their year), their people, their labour and the
labour at work that month (read from the employment app's jobs), and the households at risk by their latest
assessment on or before the end. Counted in the village where the household is registered (as every program);
drill-through to the households."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import cast

from django.utils.translation import gettext_lazy as _

from bottomline.employment.selectors import members_at_work
from bottomline.registry.choices import LABOUR_CAPABLE
from bottomline.registry.models import Member
from bottomline.registry.programs import ProgramFigure, ProgramFigures, ProgramRatio, Where
from bottomline.relocation.models import Relocation, Stability
from bottomline.relocation.selectors import statuses

SOURCE = cast(
    str, _("seed 004: 714 households, 2,337 people relocated; the follow-up guidance of 2021 (NDRC No. 524)")
)
CHUNK = 1000

FIGURES_LIST = (
    ProgramFigure(
        "relocation_hh", _("Relocated households"), "易地扶贫搬迁户数", "households", "stock", SOURCE,
        "a household relocated to a resettlement site in the period's end year or earlier",
    ),
    ProgramFigure(
        "relocation_people", _("Relocated people"), "易地扶贫搬迁人数", "people", "stock", SOURCE,
        "a member (in the registry) of a relocated household", households_of="relocation_hh",
    ),
    ProgramFigure(
        "relocation_labour", _("Relocated labour"), "搬迁劳动力人数", "people", "stock", SOURCE,
        "a member able to work of a relocated household", households_of="relocation_hh",
    ),
    ProgramFigure(
        "relocation_employed_hh", _("Relocated households with labour at work"), "有务工人员的搬迁户数",
        "households", "stock", SOURCE,
        "a relocated household with a member able to work whose job (employment records) covers the month",
    ),
    ProgramFigure(
        "relocation_employed_people", _("Relocated labour at work"), "搬迁劳动力就业人数", "people", "stock",
        SOURCE, "a member able to work of a relocated household whose job covers the month of the period's end",
        households_of="relocation_employed_hh",
    ),
    ProgramFigure(
        "relocation_risk_hh", _("Relocated households at risk"), "有风险的搬迁户数", "households", "stock",
        SOURCE, "a relocated household whose latest stability assessment by the period's end says at risk",
    ),
    ProgramFigure(
        "relocation_risk_people", _("People in relocated households at risk"), "有风险的搬迁户人数", "people",
        "stock", SOURCE, "a member of a relocated household at risk", households_of="relocation_risk_hh",
    ),
)  # fmt: skip
PARTS = tuple(f.part for f in FIGURES_LIST)
HOUSEHOLD_PARTS = ("relocation_hh", "relocation_employed_hh", "relocation_risk_hh")


def _read(where: Where, end: date) -> dict[str, dict[str, set[int]]]:
    """Per village: the households and members behind each part, as of ``end``."""
    found: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    rows: list[tuple[int, int, str, str]] = []
    for q in where("household__village__code"):
        rows += Relocation.objects.filter(q, year__lte=end.year).values_list(
            "pk", "household_id", "household__village__code", "household__number"
        )
    if not rows:
        return found
    village_of = {household: village for _pk, household, village, _n in rows}
    assessed = statuses((pk for pk, _h, _v, _n in rows), end)
    at_risk = {h for pk, h, _v, _n in rows if pk in assessed and assessed[pk].status == Stability.RISK}
    labour: dict[int, int] = {}
    members: list[tuple[int, int, str]] = []
    households = sorted(village_of)
    for start in range(0, len(households), CHUNK):
        members += Member.objects.filter(household_id__in=households[start : start + CHUNK]).values_list(
            "pk", "household_id", "labour"
        )
    for pk, household, capacity in members:
        parts = found[village_of[household]]
        parts["relocation_hh"].add(household)
        parts["relocation_people"].add(pk)
        if capacity in LABOUR_CAPABLE:
            parts["relocation_labour"].add(pk)
            labour[pk] = household
        if household in at_risk:
            parts["relocation_risk_people"].add(pk)
    for household, village in village_of.items():
        found[village]["relocation_hh"].add(household)
        if household in at_risk:
            found[village]["relocation_risk_hh"].add(household)
    for pk in members_at_work(labour, end):
        parts = found[village_of[labour[pk]]]
        parts["relocation_employed_people"].add(pk)
        parts["relocation_employed_hh"].add(labour[pk])
    return found


def compute(where: Where, start: date, end: date) -> dict[str, dict[str, int]]:
    """Each village's parts as of ``end`` (all stocks: ``start`` is not used)."""
    out: dict[str, dict[str, int]] = {}
    for village, parts in _read(where, end).items():
        row = dict.fromkeys(PARTS, 0)
        row.update({part: len(ids) for part, ids in parts.items()})
        if any(row.values()):
            out[village] = row
    return out


def drill(where: Where, start: date, end: date, part: str) -> list[tuple[str, str, int]]:
    """(village code, household number, household id) of each household a household part counts, once each."""
    if part not in HOUSEHOLD_PARTS:
        raise ValueError(f"no households behind {part!r}")
    ids: set[int] = set()
    for parts in _read(where, end).values():
        ids |= parts[part]
    found: list[tuple[str, str, int]] = []
    for q in where("household__village__code"):
        found += Relocation.objects.filter(q, household_id__in=ids).values_list(
            "household__village__code", "household__number", "household_id"
        )
    return sorted(set(found))


FIGURES = ProgramFigures(
    figures=FIGURES_LIST,
    compute=compute,
    drill=drill,
    title=_("Relocation follow-up"),
    ratios=(
        ProgramRatio(
            "relocation_employed_rate",
            _("Relocated labour at work (%)"),
            "搬迁劳动力就业率（%）",
            "stock",
            SOURCE,
            ("relocation_employed_people",),
            ("relocation_labour",),
        ),
    ),
)
