"""Reads of relocation follow-up, always through the region gate: sites, relocated households, their status
as of a date, and a site's counts (households and people, origins, registered, labour at work, statuses)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.reads import read_note
from bottomline.employment.selectors import members_at_work
from bottomline.regions.models import PREFIX_LENGTH, Level, Region
from bottomline.registry.choices import LABOUR_CAPABLE, HouseholdType
from bottomline.registry.models import Member
from bottomline.relocation.models import Assessment, Relocation, Site, Stability, Support

UNASSESSED = "unassessed"  # a relocated household with no assessment on or before the day
CHUNK = 1000


def sites_visible(viewer: User) -> QuerySet[Site]:
    """The sites the viewer may see."""
    return gate.restrict(Site.objects.select_related("region"), viewer)


def site_list(*, viewer: User, on: date, region: Region | None = None) -> QuerySet[Site]:
    """The viewer's sites (in ``region``), each with the households relocated to it by ``on`` (of those the
    viewer may see)."""
    sites = sites_visible(viewer)
    if region is not None:
        sites = sites.filter(region__code__range=region.bounds)
    moved = relocations_visible(viewer).filter(year__lte=on.year).values("pk")
    return sites.annotate(relocated=Count("relocations", filter=Q(relocations__in=moved))).order_by(
        "region__code", "name"
    )


def site_get(*, viewer: User, site_id: int, action: str = "view") -> Site:
    """One site (404 outside the viewer's region)."""
    return gate.access(Site.objects.select_related("region"), viewer, action=action, pk=site_id)


def relocations_visible(viewer: User, action: str = "view") -> QuerySet[Relocation]:
    """The relocated households the viewer may see: registered, come from or living in their region."""
    return gate.restrict(Relocation.objects.all(), viewer, action)


def _latest(
    model: type[Assessment] | type[Support], relocation_ids: Iterable[int], on: date
) -> dict[int, Any]:
    """The latest row of ``model`` on or before ``on`` of each relocation that has one: one subquery per
    relocation picks its row's id (on the relocation's index), then the rows are read by id."""
    ids = sorted(set(relocation_ids))
    found: dict[int, Any] = {}
    for start in range(0, len(ids), CHUNK):
        latest = (
            model.objects.filter(relocation=OuterRef("pk"), on__lte=on)
            .order_by("-on", "-id")
            .values("pk")[:1]
        )
        picked = (
            Relocation.objects.filter(pk__in=ids[start : start + CHUNK])
            .annotate(latest=Subquery(latest))
            .exclude(latest=None)
            .values_list("latest", flat=True)
        )
        for row in model.objects.filter(pk__in=list(picked)):
            found[row.relocation_id] = row
    return found


def statuses(relocation_ids: Iterable[int], on: date) -> dict[int, Assessment]:
    """The latest assessment on or before ``on`` of each relocation that has one."""
    return _latest(Assessment, relocation_ids, on)


def last_supports(relocation_ids: Iterable[int], on: date) -> dict[int, Support]:
    """The latest support on or before ``on`` of each relocation that has one."""
    return _latest(Support, relocation_ids, on)


@dataclass(frozen=True)
class RelocationFilters:
    """The register's filters: region (of the household, origin or site), site, status as of ``on``, number."""

    region: Region | None = None
    site_id: int | None = None
    status: str = ""
    number: str = ""


def relocation_ids(*, viewer: User, filters: RelocationFilters, on: date) -> list[int]:
    """The ids of the relocated households (relocated by ``on``) the viewer may see that match the filters, by
    site and household number (an audited read)."""
    rows = relocations_visible(viewer).filter(year__lte=on.year)
    if filters.region is not None:
        low, high = filters.region.bounds
        rows = rows.filter(
            Q(household__village__code__range=(low, high))
            | Q(origin__code__range=(low, high))
            | Q(site__region__code__range=(low, high))
        )
    if filters.site_id is not None:
        rows = rows.filter(site_id=filters.site_id)
    if filters.number:
        rows = rows.filter(household__number=filters.number)
    ids = list(rows.order_by("site__name", "household__number").values_list("pk", flat=True))
    if filters.status:
        found = statuses(ids, on)
        ids = [pk for pk in ids if (found[pk].status if pk in found else UNASSESSED) == filters.status]
    read_note(what="relocation.relocation", region=filters.region or viewer.region, rows=len(ids))
    return ids


@dataclass(frozen=True)
class Row:
    """A relocated household on the register: its status and last support as of the day, and its size."""

    relocation: Relocation
    people: int
    assessment: Assessment | None
    support: Support | None


# What a register row shows (not the household's other, encrypted, fields)
ROW_FIELDS = (
    "year",
    "household__number",
    "household__village__code",
    "household__village__name",
    "origin__code",
    "origin__name",
    "site__name",
    "site__kind",
)


def relocation_rows(ids: Sequence[int], on: date) -> list[Row]:
    """The relocations of ``ids`` (already in the viewer's scope: ``relocation_ids``), in that order."""
    out: list[Row] = []
    for start in range(0, len(ids), CHUNK):
        part = list(ids[start : start + CHUNK])
        found = (
            Relocation.objects.select_related("household", "household__village", "origin", "site")
            .only(*ROW_FIELDS)
            .in_bulk(part)
        )
        sizes = dict(
            Member.objects.filter(household__relocation__in=part)
            .values_list("household__relocation")
            .annotate(n=Count("pk"))
            .order_by()
        )
        assessed, supported = statuses(part, on), last_supports(part, on)
        out += [Row(found[pk], sizes.get(pk, 0), assessed.get(pk), supported.get(pk)) for pk in part]
    return out


def relocation_get(*, viewer: User, relocation_id: int, action: str = "view") -> Relocation:
    """One relocated household (404 outside the viewer's region)."""
    relocation = gate.access(
        Relocation.objects.select_related(
            "household", "household__village", "origin", "site", "site__region"
        ),
        viewer,
        action=action,
        pk=relocation_id,
    )
    read_note(what="relocation.relocation", region=relocation.site.region, rows=1)
    return relocation


@dataclass
class Counts:
    """Relocated households as of a day: households and people, their origins, the registered (脱贫) among
    them, their labour and the labour at work, and the households by status."""

    households: int = 0
    people: int = 0
    origin_villages: int = 0
    origin_townships: int = 0
    registered_households: int = 0
    registered_people: int = 0
    labour: int = 0
    employed: int = 0
    status: dict[str, int] = field(default_factory=dict)

    @property
    def employed_rate(self) -> float | None:
        """Labour at work / labour, in per cent."""
        return round(self.employed * 100 / self.labour, 1) if self.labour else None


def counts_of(relocations: QuerySet[Relocation], on: date) -> Counts:
    """The counts of the relocations (already in the viewer's scope) relocated by ``on``. People are the
    households' members in the registry; labour, members able to work; employed, labour whose job (employment
    app) covers the month of ``on``; statuses, each household's latest assessment on or before ``on``."""
    rows = list(
        relocations.filter(year__lte=on.year).values_list(
            "pk", "household_id", "origin__code", "household__household_type"
        )
    )
    counts = Counts(status=dict.fromkeys([*Stability.values, UNASSESSED], 0))
    if not rows:
        return counts
    township = PREFIX_LENGTH[Level.TOWNSHIP]
    counts.households = len(rows)
    counts.origin_villages = len({origin for _pk, _h, origin, _t in rows})
    counts.origin_townships = len({origin[:township] for _pk, _h, origin, _t in rows})
    registered = {h for _pk, h, _o, kind in rows if kind == HouseholdType.LIFTED}
    counts.registered_households = len(registered)
    households = sorted(h for _pk, h, _o, _t in rows)
    labour: list[int] = []
    for start in range(0, len(households), CHUNK):
        members = Member.objects.filter(household_id__in=households[start : start + CHUNK])
        for pk, household_id, capacity in members.values_list("pk", "household_id", "labour"):
            counts.people += 1
            if household_id in registered:
                counts.registered_people += 1
            if capacity in LABOUR_CAPABLE:
                labour.append(pk)
    counts.labour = len(labour)
    counts.employed = len(members_at_work(labour, on))
    found = statuses((pk for pk, _h, _o, _t in rows), on)
    tally = Counter(found[pk].status if pk in found else UNASSESSED for pk, _h, _o, _t in rows)
    counts.status.update(tally)
    return counts


def site_counts(*, viewer: User, site: Site, on: date) -> Counts:
    """A site's counts as of ``on``, of the relocated households the viewer may see."""
    return counts_of(relocations_visible(viewer).filter(site=site), on)


def supports_of(*, viewer: User, relocation: Relocation) -> list[Support]:
    """A relocated household's support records, newest first."""
    return list(gate.restrict(Support.objects.filter(relocation=relocation), viewer).order_by("-on", "-id"))


def assessments_of(*, viewer: User, relocation: Relocation) -> list[Assessment]:
    """A relocated household's assessments, newest first."""
    return list(
        gate.restrict(Assessment.objects.filter(relocation=relocation), viewer).order_by("-on", "-id")
    )
