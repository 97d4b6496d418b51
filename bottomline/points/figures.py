"""The points supermarkets' dashboard figures (registry.programs.ProgramFigures; docs/indicators.md): the
supermarkets open and the villages they serve at the period's end, the households that earned points in the
period and those with a balance at its end, the points earned and redeemed in it; per village (a supermarket
counts in the village it stands in); drill-through to the households."""

from __future__ import annotations

from collections import defaultdict
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


def _balances(where: Where, end: date) -> dict[int, tuple[str, str, int]]:
    """The households with a positive balance at the end of ``end``: (village code, number, balance) by id."""
    totals: dict[int, int] = defaultdict(int)
    about: dict[int, tuple[str, str]] = {}
    for q in where("household__village__code"):
        for hh, village, number, total in (
            Entry.objects.filter(q, on__lte=end)
            .values_list("household_id", "household__village__code", "household__number")
            .annotate(t=Sum("points"))
            .order_by()
        ):
            totals[hh] += total
            about[hh] = (village, number)
        for hh, total in (
            Redemption.objects.filter(q, on__lte=end)
            .values_list("household_id")
            .annotate(t=Sum("points"))
            .order_by()
        ):
            totals[hh] -= total
    return {hh: (*about[hh], t) for hh, t in totals.items() if t > 0 and hh in about}


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
    for q in where("household__village__code"):
        earning = Entry.objects.filter(q, on__range=(start, end), points__gt=0)
        for village, households, total in (
            earning.values_list("household__village__code")
            .annotate(h=Count("household_id", distinct=True), t=Sum("points"))
            .order_by()
        ):
            out[village]["points_hh_earning"] += households
            out[village]["points_earned"] += total
        for village, total in (
            Redemption.objects.filter(q, on__range=(start, end))
            .values_list("household__village__code")
            .annotate(t=Sum("points"))
            .order_by()
        ):
            out[village]["points_redeemed"] += total
    for village, _number, _balance in _balances(where, end).values():
        out[village]["points_hh_balance"] += 1
    return {village: parts for village, parts in out.items() if any(parts.values())}


def drill(where: Where, start: date, end: date, part: str) -> list[tuple[str, str, int]]:
    """The households a household part counts (once each), as (village code, household number, id)."""
    if part == "points_hh_balance":
        return sorted((v, n, hh) for hh, (v, n, _b) in _balances(where, end).items())
    if part != "points_hh_earning":
        raise ValueError(f"no households behind {part!r}")
    found: set[tuple[str, str, int]] = set()
    for q in where("household__village__code"):
        found.update(
            Entry.objects.filter(q, on__range=(start, end), points__gt=0).values_list(
                "household__village__code", "household__number", "household_id"
            )
        )
    return sorted(found)


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
