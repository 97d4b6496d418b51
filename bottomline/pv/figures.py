"""The PV ledger's dashboard figures (registry.programs.ProgramFigures; docs/indicators.md): integer parts per
village and period. Stocks are as of the period's end, flows within it, each from the dates recorded (grid date,
month, day decided, term of a post, day paid), never from "now"."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from bottomline.pv.models import Allocation, Assignment, Post, PostPay, Station, StationShare
from bottomline.registry.programs import ProgramFigure, ProgramFigures, Where

SOURCE = "domain.md §3.4; issue 18"  # the national basis, Hebei 2018, 黑水 2024; seeds 000 and 004

PARTS = (
    ProgramFigure(
        "pv_stations", _("Village PV stations on the grid"), "已并网村级光伏电站数", "stations", "stock", SOURCE,
        "a village PV station connected to the grid on or before the day (counted in the village it stands in)",
    ),
    ProgramFigure(
        "pv_capacity_kw", _("Capacity of village PV stations (kW)"), "村级光伏电站装机容量（千瓦）", "kW", "stock",
        SOURCE, "a kilowatt of capacity of the stations on the grid on the day (rounded per village)",
    ),
    ProgramFigure(
        "pv_income_yuan", _("PV income of the villages (yuan)"), "村级光伏电站收益（元）", "yuan", "flow", SOURCE,
        "a yuan of station income of the months in the period, split by the villages' shares",
    ),
    ProgramFigure(
        "pv_distributed_yuan", _("PV income distributed (yuan)"), "光伏收益分配（元）", "yuan", "flow", SOURCE,
        "a yuan of a village's PV income allocated (to posts, public works, awards or the collective) on a day "
        "in the period",
    ),
    ProgramFigure(
        "pv_posts", _("Public-welfare posts"), "公益性岗位数", "posts", "stock", SOURCE,
        "a public-welfare post that exists on the day",
    ),
    ProgramFigure(
        "pv_posts_filled", _("Public-welfare posts filled"), "在岗公益性岗位", "posts", "stock", SOURCE,
        "a public-welfare post with a holder on the day",
    ),
    ProgramFigure(
        "pv_posts_hh", _("Households with a public-welfare post holder"), "有公益性岗位人员的户", "households",
        "stock", SOURCE, "a household with a member holding a public-welfare post on the day",
    ),
    ProgramFigure(
        "pv_posts_people", _("People in households with a post holder"), "有公益性岗位人员的户的人口", "people",
        "stock", SOURCE, "a member of a household with a public-welfare post holder on the day",
        households_of="pv_posts_hh",
    ),
    ProgramFigure(
        "pv_post_pay_yuan", _("Public-welfare post pay (yuan)"), "公益性岗位工资（元）", "yuan", "flow", SOURCE,
        "a yuan of post pay paid on a day in the period (the holders' wage income)",
    ),
)  # fmt: skip


def _whole(value: Decimal | float | None) -> int:
    return int(Decimal(str(value or 0)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _holding(end: date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}start__lte": end}) & (
        Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gte": end})
    )


def compute(where: Where, start: date, end: date) -> dict[str, dict[str, int]]:
    """Each village's parts for the period [start, end]: six queries per region filter, however many villages."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    income: dict[str, Decimal] = defaultdict(Decimal)
    for q in where("village__code"):
        on_grid = Station.objects.filter(q, grid_date__lte=end).values_list("village__code")
        for code, n, kw in on_grid.annotate(n=Count("pk"), kw=Sum("capacity_kw")).order_by():
            out[code]["pv_stations"] = n
            out[code]["pv_capacity_kw"] = _whole(kw)
        in_period = Q(station__months__month__range=(start, end))
        shares = (
            StationShare.objects.filter(q)
            .values_list("village__code", "station_id", "percent")
            .annotate(t=Sum("station__months__income", filter=in_period))
            .order_by()
        )
        for code, _station, percent, total in shares:
            income[code] += Decimal(str(total or 0)) * percent / 100
        allocated = (
            Allocation.objects.filter(q, decided_on__range=(start, end))
            .values_list("village__code")
            .annotate(t=Sum("amount"))
            .order_by()
        )
        for code, total in allocated:
            out[code]["pv_distributed_yuan"] = _whole(total)
        posts = (
            Post.objects.filter(q)
            .filter(_holding(end))
            .values_list("village__code")
            .annotate(
                n=Count("pk", distinct=True),
                filled=Count("pk", filter=_holding(end, "assignments__"), distinct=True),
            )
            .order_by()
        )
        for code, n, filled in posts:
            out[code]["pv_posts"] = n
            out[code]["pv_posts_filled"] = filled
    for code, total in income.items():
        out[code]["pv_income_yuan"] = _whole(total)
    for q in where("post__village__code"):
        held = (
            Assignment.objects.filter(q)
            .filter(_holding(end))
            .filter(post__in=Post.objects.filter(_holding(end)))
            .values_list("post__village__code", "household_id")
            .annotate(people=Count("household__members", distinct=True))
            .order_by()
        )
        people: dict[str, dict[int, int]] = defaultdict(dict)
        for code, household_id, n in held:
            people[code][household_id] = n  # a household with two holders is counted once
        for code, by_household in people.items():
            out[code]["pv_posts_hh"] = len(by_household)
            out[code]["pv_posts_people"] = sum(by_household.values())
    for q in where("assignment__post__village__code"):
        paid = (
            PostPay.objects.filter(q, paid_on__range=(start, end))
            .values_list("assignment__post__village__code")
            .annotate(t=Sum("amount"))
            .order_by()
        )
        for code, total in paid:
            out[code]["pv_post_pay_yuan"] = _whole(total)
    return dict(out)


def drill(where: Where, start: date, end: date, part: str) -> list[tuple[str, str, int]]:
    """The households behind ``pv_posts_hh``: (village code, household number, household id), once each."""
    if part != "pv_posts_hh":
        raise ValueError(f"no households behind {part!r}")
    found: set[tuple[str, str, int]] = set()
    for q in where("post__village__code"):
        held = (
            Assignment.objects.filter(q)
            .filter(_holding(end))
            .filter(post__in=Post.objects.filter(_holding(end)))
        )
        found.update(held.values_list("post__village__code", "household__number", "household_id"))
    return sorted(found)


FIGURES = ProgramFigures(
    figures=PARTS, compute=compute, drill=drill, title=_("Village PV stations and public-welfare posts")
)
