"""The project library's dashboard figures (registry.programs.ProgramFigures; docs/indicators.md), per village:
a project's money counts in the village where it is built (its site, 地点: a required field of the library,
domain.md §3.6), a beneficiary in its household's village. Stocks as of the period's end (stages from the
stage history, money disbursed by then), flows within the period; drill-through to the beneficiary households.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import OuterRef, Q, Subquery, Sum
from django.utils.translation import gettext_lazy as _

from bottomline.projects.models import (
    IN_LIBRARY,
    Asset,
    AssetIncome,
    Beneficiary,
    Budget,
    Disbursement,
    Kind,
    Project,
    Source,
    StageChange,
)
from bottomline.registry.programs import ProgramFigure, ProgramFigures, ProgramRatio, Where

SOURCE = "domain.md §3.6; seed 004 (Huangzhong)"


def _yuan(value: Decimal) -> int:
    return int(Decimal(value).quantize(Decimal(1), ROUND_HALF_UP))


def _stage_then(path: str, end: date) -> Subquery:
    """A project's stage at the end of ``end``: the target of its last change dated by then (``path``: the
    project's id as the outer query reaches it)."""
    changes = StageChange.objects.filter(project=OuterRef(path), on__lte=end).order_by("-on", "-id")
    return Subquery(changes.values("after")[:1])


def _beneficiaries(where: Where, end: date) -> list[tuple[str, str, int]]:
    """(village code, household number, id) of the households linked by ``end`` to a project in the library
    then (its stage read wherever the project is sited), once each; one query per filter."""
    found: set[tuple[str, str, int]] = set()
    for q in where("household__village__code"):
        rows = (
            Beneficiary.objects.filter(q, since__lte=end)
            .annotate(stage_then=_stage_then("project_id", end))
            .filter(stage_then__in=IN_LIBRARY)
            .values_list("household__village__code", "household__number", "household_id")
        )
        found |= set(rows)
    return sorted(found)


def compute(where: Where, start: date, end: date) -> dict[str, dict[str, int]]:
    """Each village's parts: the projects in the library at ``end`` and their money, the assets handed over by
    then; the money disbursed and the assets' income booked from ``start`` to ``end``. Six queries per filter
    of ``where``, however many projects."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(PARTS, 0))
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    listed: dict[int, tuple[str, str]] = {}  # the projects in the library then: id → (site village, kind)
    for q in where("site__code"):
        projects = Project.objects.filter(q).annotate(stage_then=_stage_then("pk", end))
        rows = projects.filter(stage_then__in=IN_LIBRARY).values_list("pk", "site__code", "kind")
        listed.update({pk: (site, kind) for pk, site, kind in rows})
    for village, _kind in listed.values():
        out[village]["projects_listed"] += 1
    for q in where("project__site__code"):
        for project_id, source, amount in Budget.objects.filter(q).values_list(
            "project_id", "source", "amount"
        ):
            if project_id not in listed:
                continue
            village, kind = listed[project_id]
            sums[village]["projects_budget_yuan"] += amount
            if source == Source.CENTRAL:
                sums[village]["projects_central_yuan"] += amount
                if kind == Kind.INDUSTRY:
                    sums[village]["projects_central_industry_yuan"] += amount
        paid = (
            Disbursement.objects.filter(q, on__lte=end)
            .values_list("project_id", "project__site__code")
            .annotate(total=Sum("amount"), period=Sum("amount", filter=Q(on__gte=start)))
            .order_by()
        )
        for project_id, village, total, period in paid:
            if project_id in listed:
                sums[village]["projects_disbursed_yuan"] += total
            sums[village]["projects_paid_yuan"] += period or 0
        for village, total in (
            Asset.objects.filter(q, since__lte=end)
            .values_list("project__site__code")
            .annotate(total=Sum("value"))
            .order_by()
        ):
            sums[village]["projects_assets_yuan"] += total
    for q in where("asset__project__site__code"):
        for village, total in (
            AssetIncome.objects.filter(q, on__range=(start, end))
            .values_list("asset__project__site__code")
            .annotate(total=Sum("amount"))
            .order_by()
        ):
            sums[village]["projects_asset_income_yuan"] += total
    for village, parts in sums.items():
        for name, total in parts.items():
            out[village][name] = _yuan(total)
    for village, _number, _household in _beneficiaries(where, end):
        out[village]["projects_beneficiary_hh"] += 1
    return {village: parts for village, parts in out.items() if any(parts.values())}


def drill(where: Where, start: date, end: date, part: str) -> list[tuple[str, str, int]]:
    """The households behind ``projects_beneficiary_hh`` (once each)."""
    if part != "projects_beneficiary_hh":
        raise ValueError(f"no households behind {part!r}")
    return _beneficiaries(where, end)


FIGURES = ProgramFigures(
    figures=(
        ProgramFigure(
            "projects_listed",
            _("Projects in the library"),
            "入库项目数",
            "projects",
            "stock",
            SOURCE,
            "a project listed, implemented, accepted or evaluated at the period's end, in its site village",
        ),
        ProgramFigure(
            "projects_budget_yuan",
            _("Budgets of the projects in the library (yuan)"),
            "入库项目安排资金（元）",
            "yuan",
            "stock",
            SOURCE,
            "the budgets (all fund sources) of the projects in the library at the period's end, in yuan",
        ),
        ProgramFigure(
            "projects_disbursed_yuan",
            _("Money disbursed on the projects in the library (yuan)"),
            "入库项目已支出资金（元）",
            "yuan",
            "stock",
            SOURCE,
            "money disbursed by the period's end on the projects in the library then, in yuan",
        ),
        ProgramFigure(
            "projects_central_yuan",
            _("Central bridging funds arranged (yuan)"),
            "中央衔接资金安排（元）",
            "yuan",
            "stock",
            SOURCE,
            "central bridging funds in the budgets of the projects in the library at the period's end, in yuan",
        ),
        ProgramFigure(
            "projects_central_industry_yuan",
            _("Central bridging funds arranged to industry projects (yuan)"),
            "中央衔接资金用于产业项目（元）",
            "yuan",
            "stock",
            SOURCE,
            "central bridging funds in the budgets of the industry projects in the library at the period's end",
        ),
        ProgramFigure(
            "projects_paid_yuan",
            _("Project money disbursed in the period (yuan)"),
            "本期项目资金支出（元）",
            "yuan",
            "flow",
            SOURCE,
            "money disbursed on any project on a day of the period, in yuan",
        ),
        ProgramFigure(
            "projects_beneficiary_hh",
            _("Households benefiting from library projects"),
            "项目联农带农受益户数",
            "households",
            "stock",
            SOURCE,
            "a household linked, on or before the period's end, to a project in the library then; counted once",
        ),
        ProgramFigure(
            "projects_assets_yuan",
            _("Value of project assets (yuan)"),
            "扶贫项目资产价值（元）",
            "yuan",
            "stock",
            SOURCE,
            "the value of the assets projects handed over by the period's end, in their site village, in yuan",
        ),
        ProgramFigure(
            "projects_asset_income_yuan",
            _("Income of project assets (yuan)"),
            "扶贫项目资产收益（元）",
            "yuan",
            "flow",
            SOURCE,
            "the project assets' yearly income booked on a day of the period, in yuan",
        ),
    ),
    compute=compute,
    drill=drill,
    title=_("Project library and bridging funds"),
    ratios=(
        ProgramRatio(
            "projects_spending_rate",
            _("Spending progress of the library's projects (%)"),
            "项目资金支出进度（%）",
            "stock",
            SOURCE,
            ("projects_disbursed_yuan",),
            ("projects_budget_yuan",),
        ),
        ProgramRatio(
            "projects_central_industry_share",
            _("Share of central bridging funds to industry projects (%)"),
            "中央衔接资金用于产业发展比例（%）",
            "stock",
            SOURCE,
            ("projects_central_industry_yuan",),
            ("projects_central_yuan",),
        ),
    ),
)
PARTS = tuple(f.part for f in FIGURES.figures)
