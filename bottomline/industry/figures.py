"""The dashboards' figures of industries and benefit linkage (registry.programs.ProgramFigures), as of the
period's end: entities serving each village, households and people with a linkage in effect, and the yearly
amounts of the linkages in effect. docs/indicators.md has their definitions."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from bottomline.industry.models import Entity, Linkage
from bottomline.registry.models import Member
from bottomline.registry.programs import ProgramFigure, ProgramFigures, Where

SOURCE = "seed 004 (Huangzhong); issue 18 item 2"  # the kinds and 13,000 people linked: docs/programs.md


def _in_effect(end: date) -> Q:
    return Q(start__lte=end) & (Q(end__isnull=True) | Q(end__gte=end))


def compute(where: Where, start: date, end: date) -> dict[str, dict[str, int]]:
    """Each village's parts as of ``end`` (stocks)."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for q in where("villages__code"):
        entities = (
            Entity.objects.filter(q)
            .filter(Q(founded__isnull=True) | Q(founded__lte=end), Q(closed__isnull=True) | Q(closed__gt=end))
            .values("villages__code")
            .annotate(n=Count("pk", distinct=True))
            .order_by()
        )
        for code, n in entities.values_list("villages__code", "n"):
            out[code]["industry_entities"] = n
    for q in where("household__village__code"):
        linkages = Linkage.objects.filter(q, _in_effect(end))
        rows = (
            linkages.values("household__village__code")
            .annotate(households=Count("household", distinct=True), yuan=Sum("amount_per_year"))
            .order_by()
        )
        for code, households, yuan in rows.values_list("household__village__code", "households", "yuan"):
            parts = out[code]
            parts["industry_linkage_hh"] = households
            parts["industry_linkage_yuan"] = int(yuan or 0)
        people = (
            Member.objects.filter(household_id__in=linkages.values("household_id"))
            .values("household__village__code")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for code, n in people.values_list("household__village__code", "n"):
            out[code]["industry_linkage_people"] = n
    return dict(out)


def drill(where: Where, start: date, end: date, part: str) -> list[tuple[str, str, int]]:
    """The households behind ``industry_linkage_hh``: one row per household with a linkage in effect."""
    found: list[tuple[str, str, int]] = []
    for q in where("household__village__code"):
        found += list(
            Linkage.objects.filter(q, _in_effect(end))
            .values_list("household__village__code", "household__number", "household_id")
            .distinct()
        )
    return sorted(set(found))


FIGURES = ProgramFigures(
    figures=(
        ProgramFigure(
            part="industry_entities",
            en=_("Business entities serving the village"),
            zh="带动村的经营主体数",
            unit="entities",
            kind="stock",
            source=SOURCE,
            counts="a business entity registered and not closed at the period's end, once in each village it serves",
        ),
        ProgramFigure(
            part="industry_linkage_hh",
            en=_("Households with benefit linkage"),
            zh="利益联结户数",
            unit="households",
            kind="stock",
            source=SOURCE,
            counts="a household with at least one benefit linkage in effect on the period's last day",
        ),
        ProgramFigure(
            part="industry_linkage_people",
            en=_("People in households with benefit linkage"),
            zh="利益联结人数",
            unit="people",
            kind="stock",
            source=SOURCE,
            counts="a registered member of a household with a benefit linkage in effect on the period's last day",
            households_of="industry_linkage_hh",
        ),
        ProgramFigure(
            part="industry_linkage_yuan",
            en=_("Yearly amount of benefit linkages"),
            zh="利益联结年度金额（元）",
            unit="yuan",
            kind="stock",
            source=SOURCE,
            counts="one yuan a year of the linkages in effect on the period's last day (whole yuan)",
        ),
    ),
    compute=compute,
    drill=drill,
    title=_("Industries and benefit linkage"),
)
