"""Reads of the PV ledger, region-scoped through the gate: stations with their year's figures, a village's
distribution of a year, posts with their holders, and the household page's lines (the member's post)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.reads import read_note
from bottomline.pv.models import Allocation, Assignment, Post, PostPay, Purpose, Station, StationShare
from bottomline.pv.services import (
    pv_post_pay_total,
    station_year_income,
    village_year_allocated,
    village_year_income,
)
from bottomline.regions.models import Level, Region
from bottomline.registry.choices import LABOUR_CAPABLE, Program
from bottomline.registry.models import Household, Member
from bottomline.registry.programs import ProgramLine


def station_list(*, viewer: User, year: int) -> QuerySet[Station]:
    """The stations of the viewer's region, with the year's generation and income."""
    return (
        gate.restrict(Station.objects.all(), viewer)
        .select_related("village")
        .annotate(
            year_kwh=Sum("months__generation_kwh", filter=Q(months__month__year=year)),
            year_income=Sum("months__income", filter=Q(months__month__year=year)),
        )
        .order_by("village__code", "name")
    )


def station_get(*, viewer: User, station_id: int, action: str = "view") -> Station:
    """One station of the viewer's region (404 outside it), with its shares and months."""
    return gate.access(
        Station.objects.select_related("village").prefetch_related(
            Prefetch("shares", queryset=StationShare.objects.select_related("village")), "months"
        ),
        viewer,
        action=action,
        pk=station_id,
    )


def villages_for(*, viewer: User) -> QuerySet[Region]:
    """The villages of the viewer's region (for pickers)."""
    return gate.restrict(Region.objects.filter(level=Level.VILLAGE, valid_to__isnull=True), viewer).order_by(
        "code"
    )


def village_get(*, viewer: User, code: str) -> Region:
    """One village of the viewer's region (404 outside it)."""
    return gate.access(Region.objects.filter(level=Level.VILLAGE), viewer, code=code)


@dataclass(frozen=True)
class StationPart:
    """A station's part in a village's year: its income that year and the village's share of it."""

    station: Station
    percent: Decimal
    income: Decimal


@dataclass(frozen=True)
class VillageYear:
    """A village's PV income of a year and its distribution."""

    village: Region
    year: int
    income: Decimal
    allocated: Decimal
    stations: list[StationPart]
    allocations: list[Allocation]
    by_purpose: dict[str, Decimal]
    pv_post_pay: Decimal
    purposes: list[tuple[str, str, Decimal]] = field(default_factory=list)

    @property
    def remaining(self) -> Decimal:
        """What is left to distribute."""
        return self.income - self.allocated


def village_year(*, viewer: User, code: str, year: int) -> VillageYear:
    """A village's share of a year's PV income, its allocations and what PV-funded posts were paid."""
    gate.require(viewer, Allocation, "view")
    village = village_get(viewer=viewer, code=code)
    parts = []
    for share in (
        StationShare.objects.filter(village=village).select_related("station").order_by("station__name")
    ):
        parts.append(StationPart(share.station, share.percent, station_year_income(share.station_id, year)))
    allocations = list(Allocation.objects.filter(village=village, year=year).order_by("decided_on", "id"))
    by_purpose = {p: Decimal("0.00") for p in Purpose.values}
    for a in allocations:
        by_purpose[a.purpose] += a.amount
    return VillageYear(
        village=village,
        year=year,
        income=village_year_income(village.pk, year),
        allocated=village_year_allocated(village.pk, year),
        stations=parts,
        allocations=allocations,
        by_purpose=by_purpose,
        pv_post_pay=pv_post_pay_total(village.pk, year),
        purposes=[(value, str(label), by_purpose[value]) for value, label in Purpose.choices],
    )


@dataclass(frozen=True)
class VillageRow:
    """One line of the distribution list: a village's income share, allocated and left for a year."""

    village: Region
    income: Decimal
    allocated: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.income - self.allocated


def distribution_list(*, viewer: User, year: int) -> list[VillageRow]:
    """The villages of the viewer's region that share in a station, with the year's figures."""
    gate.require(viewer, Allocation, "view")
    villages = villages_for(viewer=viewer).filter(pv_shares__isnull=False).distinct()
    return [
        VillageRow(v, village_year_income(v.pk, year), village_year_allocated(v.pk, year)) for v in villages
    ]


def post_list(*, viewer: User, on: date, village: str = "", filled: bool | None = None) -> QuerySet[Post]:
    """Posts of the viewer's region, with their holder on ``on`` (prefetched as ``holders``)."""
    posts = gate.restrict(Post.objects.all(), viewer).select_related("village")
    if village:
        posts = posts.filter(village__code=village)
    holding = Q(assignments__start__lte=on) & (Q(assignments__end__isnull=True) | Q(assignments__end__gte=on))
    if filled is True:
        posts = posts.filter(holding)
    elif filled is False:
        posts = posts.exclude(holding)
    current = Assignment.objects.filter(
        Q(start__lte=on) & (Q(end__isnull=True) | Q(end__gte=on))
    ).select_related("member", "household")
    read_note(what="pv.assignment", region=viewer.region)
    return posts.prefetch_related(Prefetch("assignments", queryset=current, to_attr="holders")).order_by(
        "village__code", "kind", "id"
    )


def post_get(*, viewer: User, post_id: int, action: str = "view") -> Post:
    """One post of the viewer's region (404 outside it), with every holder and their pay."""
    post = gate.access(
        Post.objects.select_related("village").prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("member", "household").prefetch_related(
                    Prefetch("pays", queryset=PostPay.objects.order_by("-month"))
                ),
            )
        ),
        viewer,
        action=action,
        pk=post_id,
    )
    read_note(what="pv.assignment", region=post.village, rows=1)
    return post


def assignable_members(*, viewer: User, post: Post) -> QuerySet[Member]:
    """Members of the post's village who can work (the registry's labour capacity), for the picker."""
    return (
        gate.restrict(Member.objects.filter(household__village=post.village), viewer, "change")
        .filter(labour__in=LABOUR_CAPABLE)
        .select_related("household")
        .order_by("household__number", "id")
    )


def household_post_lines(viewer: User, household: Household, year: int) -> list[ProgramLine]:
    """The household page's lines: each post a member of the household holds in ``year`` (its pay is shown
    with the program money)."""
    if not gate.allowed(viewer, Assignment, "view"):
        return []
    first, last = date(year, 1, 1), date(year, 12, 31)
    held = (
        gate.restrict(Assignment.objects.filter(household=household), viewer)
        .filter(Q(start__lte=last) & (Q(end__isnull=True) | Q(end__gte=first)))
        .select_related("post", "member")
        .order_by("start")
    )
    label = dict(Program.choices)[Program.WELFARE_POST]
    lines = []
    for a in held:
        lines.append(
            ProgramLine(
                label,
                _("%(member)s: %(kind)s, from %(start)s%(until)s, %(funding)s, %(pay)s yuan a month")
                % {
                    "member": a.member.name,
                    "kind": a.post.get_kind_display(),
                    "start": a.start.isoformat(),
                    "until": _(" until %(end)s") % {"end": a.end.isoformat()} if a.end else "",
                    "funding": a.post.get_funding_display(),
                    "pay": a.post.monthly_pay,
                },
                None,  # the pay is with the program money the household page shows
                reverse("pv:post_detail", args=[a.post_id]),
            )
        )
    return lines
