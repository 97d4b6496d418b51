"""The points supermarkets' dashboard figures (registry.programs.ProgramFigures; docs/indicators.md): the
supermarkets open and the villages they serve at the period's end, the households that earned points in the
period and those with a balance at its end, the points earned and redeemed in it; per village (a supermarket
counts in the village it stands in); drill-through to the households."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from bottomline.points.models import Coverage, Entry, Redemption, Supermarket
from bottomline.registry.programs import ProgramFigure, ProgramFigures, ProgramRatio, Where

SOURCE = (
    "domain.md §3.2; seed 004"  # 81 supermarkets covering Huangzhong's 380 villages (docs/synthetic-data.md)
)

PARTS = (
    "points_supermarkets",
    "points_villages",
    "points_hh_earning",
    "points_hh_balance",
    "points_earned",
    "points_redeemed",
)


@dataclass
class _Household:
    village: str
    number: str
    balance: int = 0  # at the period's end
    earned: int = 0  # additions in the period
    redeemed: int = 0  # points spent in the period


def _households(where: Where, start: date, end: date) -> dict[int, _Household]:
    """Every household with points by the period's end: its balance then and its period's points (two queries
    per filter of ``where``: entries and redemptions grouped by household)."""
    found: dict[int, _Household] = {}
    in_period = Q(on__gte=start)
    for q in where("household__village__code"):
        for hh, village, number, total, earned in (
            Entry.objects.filter(q, on__lte=end)
            .values_list("household_id", "household__village__code", "household__number")
            .annotate(t=Sum("points"), e=Sum("points", filter=in_period & Q(points__gt=0)))
            .order_by()
        ):
            found[hh] = _Household(village, number, total, earned or 0)
        for hh, total, spent in (
            Redemption.objects.filter(q, on__lte=end)
            .values_list("household_id")
            .annotate(t=Sum("points"), s=Sum("points", filter=in_period))
            .order_by()
        ):
            if hh in found:  # a redemption needs points earned first
                found[hh].balance -= total
                found[hh].redeemed += spent or 0
    return found


def compute(where: Where, start: date, end: date) -> dict[str, dict[str, int]]:
    """Each village's parts for the period from ``start`` to ``end``."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(PARTS, 0))
    for q in where("village__code"):
        for village, n in (
            Supermarket.objects.filter(q, opened_on__lte=end)
            .values_list("village__code")
            .annotate(n=Count("id"))
            .order_by()
        ):
            out[village]["points_supermarkets"] += n
        served = Coverage.objects.filter(q, start__lte=end).filter(Q(end__isnull=True) | Q(end__gt=end))
        for village in served.values_list("village__code", flat=True).distinct():
            out[village]["points_villages"] = 1
    for household in _households(where, start, end).values():
        parts = out[household.village]
        parts["points_hh_earning"] += household.earned > 0
        parts["points_earned"] += household.earned
        parts["points_redeemed"] += household.redeemed
        parts["points_hh_balance"] += household.balance > 0
    return {village: parts for village, parts in out.items() if any(parts.values())}


def drill(where: Where, start: date, end: date, part: str) -> list[tuple[str, str, int]]:
    """The households a household part counts (once each), as (village code, household number, id)."""
    if part not in ("points_hh_earning", "points_hh_balance"):
        raise ValueError(f"no households behind {part!r}")
    return sorted(
        (h.village, h.number, hh)
        for hh, h in _households(where, start, end).items()
        if (h.earned if part == "points_hh_earning" else h.balance) > 0
    )


FIGURES = ProgramFigures(
    figures=(
        ProgramFigure(
            "points_supermarkets",
            _("Points supermarkets"),
            "积分超市数",
            "supermarkets",
            "stock",
            SOURCE,
            "points supermarkets opened by the period's end, counted in the village they stand in",
        ),
        ProgramFigure(
            "points_villages",
            _("Villages served by a points supermarket"),
            "积分超市覆盖行政村数",
            "villages",
            "stock",
            SOURCE,
            "villages a points supermarket serves at the period's end",
        ),
        ProgramFigure(
            "points_hh_earning",
            _("Households earning points"),
            "获得积分户数",
            "households",
            "flow",
            SOURCE,
            "households with points added in the period",
        ),
        ProgramFigure(
            "points_hh_balance",
            _("Households with a point balance"),
            "有积分余额户数",
            "households",
            "stock",
            SOURCE,
            "households whose point balance is above zero at the period's end",
        ),
        ProgramFigure(
            "points_earned",
            _("Points earned"),
            "获得积分",
            "points",
            "flow",
            SOURCE,
            "points added in the period (deductions not subtracted)",
        ),
        ProgramFigure(
            "points_redeemed",
            _("Points redeemed"),
            "兑换积分",
            "points",
            "flow",
            SOURCE,
            "points spent on goods in the period",
        ),
    ),
    compute=compute,
    drill=drill,
    title=_("Points supermarkets"),
    ratios=(
        ProgramRatio(
            "points_redeemed_rate",
            _("Points redeemed (share of points earned)"),
            "积分兑换率（占获得积分比例）",
            "flow",
            SOURCE,
            ("points_redeemed",),
            ("points_earned",),
        ),
    ),
)
