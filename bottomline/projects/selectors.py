"""Reads of the project library, always through the region gate: the list with its filters, one project with
its money, and the library's indicators as of a day (arranged, spent, central funds to industry, stages,
assets and their income). docs/indicators.md defines them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.reads import read_note
from bottomline.projects.models import (
    IN_LIBRARY,
    Allocation,
    Asset,
    AssetIncome,
    Beneficiary,
    Budget,
    Disbursement,
    Kind,
    Project,
    Source,
    Stage,
    StageChange,
)
from bottomline.regions.models import Region

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# Policy: at least 60 % of the central bridging funds on industry (domain.md §3.6, after the 2023 No.1 doc).
INDUSTRY_SHARE_TARGET = Decimal(60)


@dataclass(frozen=True)
class ProjectFilters:
    """The list's filters: region subtree (by site), stage, kind, year, name or code."""

    region: Region | None = None
    stage: str = ""
    kind: str = ""
    year: int | None = None
    text: str = ""


def projects_visible(viewer: User) -> QuerySet[Project]:
    """The projects the viewer may see."""
    return gate.restrict(Project.objects.all(), viewer, "view")


def project_list(*, viewer: User, filters: ProjectFilters) -> QuerySet[Project]:
    """The projects the viewer may see that match the filters, newest year first."""
    rows = projects_visible(viewer)
    if filters.region is not None:
        rows = rows.filter(site__code__range=filters.region.bounds)
    if filters.stage:
        rows = rows.filter(stage=filters.stage)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.year:
        rows = rows.filter(year=filters.year)
    if filters.text:
        rows = rows.filter(Q(name__icontains=filters.text) | Q(code=filters.text))
    return rows.select_related("region", "site").order_by("-year", "name", "id")


def money_of(ids: list[int]) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """The budget and the money disbursed of each project (two queries)."""
    budget = dict(
        Budget.objects.filter(project_id__in=ids)
        .values_list("project_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    spent = dict(
        Disbursement.objects.filter(project_id__in=ids)
        .values_list("project_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return (
        {k: Decimal(v).quantize(CENT) for k, v in budget.items()},
        {k: Decimal(v).quantize(CENT) for k, v in spent.items()},
    )


def project_get(*, viewer: User, project_id: int) -> Project:
    """One project the viewer may see (404 outside their region)."""
    project = gate.access(Project.objects.select_related("region", "site"), viewer, pk=project_id)
    read_note(what="projects.project", region=project.site, rows=1)
    return project


@dataclass(frozen=True)
class SourceMoney:
    """A project's money from one source: budget, disbursed, left."""

    source: str
    label: str
    budget: Decimal
    disbursed: Decimal

    @property
    def left(self) -> Decimal:
        return self.budget - self.disbursed


def project_money(project: Project) -> list[SourceMoney]:
    """The project's budget and disbursements by source (the sources with either)."""
    budgets = dict(project.budgets.values_list("source", "amount"))
    spent: dict[str, Decimal] = defaultdict(Decimal)
    for source, amount in project.disbursements.values_list("source", "amount"):
        spent[source] += amount
    labels = dict(Source.choices)
    return [
        SourceMoney(s, str(labels[s]), budgets.get(s, ZERO), spent.get(s, ZERO).quantize(CENT))
        for s in Source.values
        if s in budgets or s in spent
    ]


def beneficiaries_of(*, viewer: User, project: Project) -> QuerySet[Beneficiary]:
    """The project's beneficiary households the viewer may see (their own region's only)."""
    rows = gate.restrict(Beneficiary.objects.filter(project=project), viewer, "view")
    return rows.select_related("household", "household__village").order_by("household__number", "benefit")


def stage_on(changes: list[tuple[int, date, str]], on: date) -> dict[int, str]:
    """Each project's stage at the end of ``on`` from its changes (project id, day, stage after), in order."""
    stages: dict[int, str] = {}
    for project_id, day, after in changes:
        if day <= on:
            stages[project_id] = after
    return stages


def _rate(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if not denominator:
        return None
    return (numerator * 100 / denominator).quantize(Decimal("0.1"))


@dataclass
class Indicators:
    """The library's indicators over a region's projects of a year (None: every year) as of a day."""

    region: Region
    year: int | None
    on: date
    by_stage: dict[str, int] = field(default_factory=dict)
    allocated: Decimal = Decimal(0)
    budgeted: Decimal = Decimal(0)  # projects in the library on the day
    disbursed: Decimal = Decimal(0)  # by the day, on those projects
    central: Decimal = Decimal(0)
    central_industry: Decimal = Decimal(0)
    assets: int = 0
    assets_value: Decimal = Decimal(0)
    asset_income: Decimal = Decimal(0)  # booked in the day's year up to the day
    beneficiary_households: int = 0
    by_source: dict[str, tuple[Decimal, Decimal, Decimal]] = field(
        default_factory=dict
    )  # allocated, budget, spent

    @property
    def arranged_rate(self) -> Decimal | None:
        """安排率: budgets of the projects in the library / funds allocated, in per cent."""
        return _rate(self.budgeted, self.allocated)

    @property
    def spending_rate(self) -> Decimal | None:
        """支出进度: money disbursed / budgets of the projects in the library, in per cent."""
        return _rate(self.disbursed, self.budgeted)

    @property
    def industry_share(self) -> Decimal | None:
        """Central bridging funds to industry projects / all central bridging funds arranged, in per cent."""
        return _rate(self.central_industry, self.central)

    @property
    def industry_share_met(self) -> bool | None:
        share = self.industry_share
        return None if share is None else share >= INDUSTRY_SHARE_TARGET


def indicators(*, viewer: User, region: Region, on: date, year: int | None = None) -> Indicators:
    """The indicators of the projects sited in ``region`` (of ``year``, or all years) as of the end of ``on``:
    stages from the stage history, the money disbursed by then, assets handed over by then. Allocations are a
    county's: those of the counties in the region (a region below a county has none: no arranged rate)."""
    out = Indicators(region=region, year=year, on=on)
    projects = projects_visible(viewer).filter(site__code__range=region.bounds)
    if year is not None:
        projects = projects.filter(year=year)
    kinds = dict(projects.values_list("pk", "kind"))
    ids = sorted(kinds)
    changes = list(
        StageChange.objects.filter(project_id__in=ids)
        .order_by("on", "id")
        .values_list("project_id", "on", "after")
    )
    stages = stage_on(changes, on)
    for stage in stages.values():
        out.by_stage[stage] = out.by_stage.get(stage, 0) + 1
    listed = [pk for pk, stage in stages.items() if stage in IN_LIBRARY]
    allocated: dict[str, Decimal] = defaultdict(Decimal)
    allocations = gate.restrict(Allocation.objects.filter(county__code__range=region.bounds), viewer)
    if year is not None:
        allocations = allocations.filter(year=year)
    for source, amount in allocations.values_list("source", "amount"):
        allocated[source] += amount
    budget: dict[str, Decimal] = defaultdict(Decimal)
    for project_id, source, amount in Budget.objects.filter(project_id__in=listed).values_list(
        "project_id", "source", "amount"
    ):
        budget[source] += amount
        if source == Source.CENTRAL:
            out.central += amount
            if kinds[project_id] == Kind.INDUSTRY:
                out.central_industry += amount
    spent: dict[str, Decimal] = defaultdict(Decimal)
    for source, amount in Disbursement.objects.filter(project_id__in=listed, on__lte=on).values_list(
        "source", "amount"
    ):
        spent[source] += amount
    for source in Source.values:
        if allocated[source] or budget[source] or spent[source]:
            out.by_source[source] = (allocated[source], budget[source], spent[source])
    out.allocated = sum(allocated.values(), Decimal(0))
    out.budgeted = sum(budget.values(), Decimal(0))
    out.disbursed = sum(spent.values(), Decimal(0))
    assets = Asset.objects.filter(project_id__in=ids, since__lte=on)
    out.assets = assets.count()
    out.assets_value = Decimal(assets.aggregate(v=Sum("value"))["v"] or 0).quantize(CENT)
    income = AssetIncome.objects.filter(asset__in=assets, on__year=on.year, on__lte=on).aggregate(
        v=Sum("amount")
    )
    out.asset_income = Decimal(income["v"] or 0).quantize(CENT)
    out.beneficiary_households = (
        Beneficiary.objects.filter(project_id__in=listed, since__lte=on)
        .values("household_id")
        .distinct()
        .count()
    )
    read_note(what="projects.project", region=region, rows=len(ids))
    return out


def stage_order() -> list[tuple[str, str]]:
    """The stages in life-cycle order, with their labels."""
    return [(s.value, str(s.label)) for s in Stage]
