"""Reads of the points supermarkets, through the region gate: the supermarkets a user sees (where they stand,
or serving a village of the user's region), the rules in force, balances and stock as of a day, and the check
that reconciles the running totals with the ledgers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet, Sum
from django.http import Http404, HttpRequest

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.reads import outside_note, read_note
from bottomline.points.models import Account, Coverage, Entry, Goods, Redemption, Rule, StockMove, Supermarket
from bottomline.regions.models import Region
from bottomline.registry.models import Household

CHUNK = 1000


def serving(on: date) -> Q:
    """The coverages in force on ``on``."""
    return Q(start__lte=on) & (Q(end__isnull=True) | Q(end__gt=on))


def supermarkets_visible(viewer: User, action: str = "view") -> QuerySet[Supermarket]:
    """The supermarkets standing in the viewer's region, and (to view) those serving a village of it."""
    mine = gate.restrict(Supermarket.objects.all(), viewer, action)
    if action != "view" or not gate.allowed(viewer, Supermarket, "view"):
        return mine
    served = gate.restrict(Coverage.objects.filter(end__isnull=True), viewer).values("supermarket")
    return Supermarket.objects.filter(Q(pk__in=mine.values("pk")) | Q(pk__in=served))


def supermarket_get(*, viewer: User, supermarket_id: int) -> Supermarket:
    """One supermarket the viewer sees (404 otherwise; 403 for a role that sees none)."""
    gate.require(viewer, Supermarket, "view")
    found = supermarkets_visible(viewer).select_related("village").filter(pk=supermarket_id).first()
    if found is None:
        outside_note(model=Supermarket, lookup={"pk": supermarket_id})  # audited as the gate's 404s are
        raise Http404
    return found


def may_keep(viewer: User, supermarket: Supermarket) -> bool:
    """Whether the viewer keeps the supermarket (its villages, rules, goods, stock)."""
    return gate.restrict(Supermarket.objects.filter(pk=supermarket.pk), viewer, "change").exists()


def county_of(village: Region) -> str:
    """The 12-digit code of the county a village is in."""
    return village.code[:6].ljust(12, "0")


def rules_applying(supermarket: Supermarket, on: date | None = None) -> QuerySet[Rule]:
    """The supermarket's own rules and its county's defaults (in force on ``on``, if given)."""
    rules = Rule.objects.filter(
        Q(supermarket=supermarket) | Q(supermarket__isnull=True, region__code=county_of(supermarket.village))
    )
    if on is not None:
        rules = rules.filter(Q(end__isnull=True) | Q(end__gte=on), start__lte=on)
    return rules.select_related("supermarket")


def households_served(viewer: User, supermarket: Supermarket, on: date) -> QuerySet[Household]:
    """The households of the villages the supermarket serves on ``on``, inside the viewer's region."""
    villages = Coverage.objects.filter(serving(on), supermarket=supermarket).values("village")
    read_note(what="points.account", region=supermarket.village)  # their balances are shown with them
    return gate.restrict(Household.objects.filter(village__in=villages), viewer).select_related("village")


def balances(household_ids: Iterable[int], on: date) -> dict[int, int]:
    """Each household's balance at the end of ``on``: its entries minus its redemptions dated by then."""
    ids = sorted(set(household_ids))
    out: dict[int, int] = defaultdict(int)
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        for hh, total in (
            Entry.objects.filter(household_id__in=part, on__lte=on)
            .values_list("household_id")
            .annotate(t=Sum("points"))
            .order_by()
        ):
            out[hh] += total
        for hh, total in (
            Redemption.objects.filter(household_id__in=part, on__lte=on)
            .values_list("household_id")
            .annotate(t=Sum("points"))
            .order_by()
        ):
            out[hh] -= total
    return {hh: out.get(hh, 0) for hh in ids}


@dataclass(frozen=True)
class Flows:
    """A household's points in a span: earned (additions), deducted, spent on goods."""

    earned: int
    deducted: int
    spent: int


def flows(household_id: int, start: date, end: date) -> Flows:
    """The household's points earned, deducted and spent from ``start`` to ``end``."""
    entries = Entry.objects.filter(household_id=household_id, on__range=(start, end))
    earned = entries.filter(points__gt=0).aggregate(t=Sum("points"))["t"] or 0
    deducted = -(entries.filter(points__lt=0).aggregate(t=Sum("points"))["t"] or 0)
    spent = (
        Redemption.objects.filter(household_id=household_id, on__range=(start, end)).aggregate(
            t=Sum("points")
        )["t"]
        or 0
    )
    return Flows(earned, deducted, spent)


def household_points(
    *, viewer: User, household_id: int, on: date, request: HttpRequest | None = None
) -> tuple[Household, int, Flows]:
    """A household of the viewer's region, its balance on ``on`` and its points of that year to ``on``; the read
    is audited (a household's points are personal data)."""
    household = gate.access(
        Household.objects.select_related("village"), viewer, request=request, pk=household_id
    )
    read_note(what="points.entry", region=household.village, rows=1)
    return household, balances([household.pk], on)[household.pk], flows(household.pk, date(on.year, 1, 1), on)


def flows_of(household_ids: Iterable[int], start: date, end: date) -> dict[int, Flows]:
    """Each household's points earned, deducted and spent from ``start`` to ``end`` (three queries a chunk)."""
    ids = sorted(set(household_ids))
    earned: dict[int, int] = defaultdict(int)
    deducted: dict[int, int] = defaultdict(int)
    spent: dict[int, int] = defaultdict(int)
    for at in range(0, len(ids), CHUNK):
        part = ids[at : at + CHUNK]
        entries = Entry.objects.filter(household_id__in=part, on__range=(start, end))
        for hh, total in (
            entries.filter(points__gt=0).values_list("household_id").annotate(t=Sum("points")).order_by()
        ):
            earned[hh] = total
        for hh, total in (
            entries.filter(points__lt=0).values_list("household_id").annotate(t=Sum("points")).order_by()
        ):
            deducted[hh] = -total
        for hh, total in (
            Redemption.objects.filter(household_id__in=part, on__range=(start, end))
            .values_list("household_id")
            .annotate(t=Sum("points"))
            .order_by()
        ):
            spent[hh] = total
    return {hh: Flows(earned[hh], deducted[hh], spent[hh]) for hh in ids}


def stock_as_of(goods_ids: Iterable[int], on: date) -> dict[int, int]:
    """Each good's stock at the end of ``on``: its movements minus its redemptions dated by then."""
    ids = sorted(set(goods_ids))
    out: dict[int, int] = defaultdict(int)
    for gid, total in (
        StockMove.objects.filter(goods_id__in=ids, on__lte=on)
        .values_list("goods_id")
        .annotate(t=Sum("quantity"))
        .order_by()
    ):
        out[gid] += total
    for gid, total in (
        Redemption.objects.filter(goods_id__in=ids, on__lte=on)
        .values_list("goods_id")
        .annotate(t=Sum("quantity"))
        .order_by()
    ):
        out[gid] -= total
    return {gid: out.get(gid, 0) for gid in ids}


@dataclass(frozen=True)
class Mismatch:
    """A running total that differs from its ledger's sum."""

    what: str  # "account" or "goods"
    pk: int
    kept: int
    ledger: int


def reconcile() -> list[Mismatch]:
    """The accounts and goods whose running totals differ from their ledgers (empty: all agree)."""
    far = date.max
    found: list[Mismatch] = []
    accounts = dict(Account.objects.values_list("household_id", "balance"))
    with_entries = set(Entry.objects.values_list("household_id", flat=True).distinct())
    ledger = balances(set(accounts) | with_entries, far)
    for hh, total in ledger.items():
        if accounts.get(hh, 0) != total:
            found.append(Mismatch("account", hh, accounts.get(hh, 0), total))
    stocks = dict(Goods.objects.values_list("pk", "stock"))
    for gid, total in stock_as_of(stocks, far).items():
        if stocks[gid] != total:
            found.append(Mismatch("goods", gid, stocks[gid], total))
    return found


@dataclass(frozen=True)
class SupermarketRow:
    """A supermarket on the list: its villages served and its households' points as of a day."""

    supermarket: Supermarket
    villages: list[str]
    earned: int
    redeemed: int


def supermarket_rows(*, viewer: User, region: Region, on: date) -> list[SupermarketRow]:
    """The supermarkets the viewer sees inside ``region``, with the villages each serves on ``on`` and the
    points earned and redeemed there by then."""
    rows = list(
        supermarkets_visible(viewer)
        .filter(village__code__range=region.bounds)
        .select_related("village")
        .order_by("village__code", "name", "id")
    )
    ids = [s.pk for s in rows]
    villages: dict[int, list[str]] = defaultdict(list)
    for sid, name in (
        Coverage.objects.filter(serving(on), supermarket_id__in=ids)
        .order_by("village__code")
        .values_list("supermarket_id", "village__name")
    ):
        villages[sid].append(name)
    earned = dict(
        Entry.objects.filter(supermarket_id__in=ids, on__lte=on, points__gt=0)
        .values_list("supermarket_id")
        .annotate(t=Sum("points"))
        .order_by()
    )
    redeemed = dict(
        Redemption.objects.filter(supermarket_id__in=ids, on__lte=on)
        .values_list("supermarket_id")
        .annotate(t=Sum("points"))
        .order_by()
    )
    read_note(what="points.supermarket", region=region, rows=len(rows))
    return [SupermarketRow(s, villages[s.pk], earned.get(s.pk, 0), redeemed.get(s.pk, 0)) for s in rows]


def entries_of(viewer: User, supermarket: Supermarket) -> QuerySet[Entry]:
    """The supermarket's point entries of households the viewer sees, newest first."""
    return (
        gate.restrict(Entry.objects.filter(supermarket=supermarket), viewer)
        .select_related("household", "rule")
        .order_by("-on", "-id")
    )


def redemptions_of(viewer: User, supermarket: Supermarket) -> QuerySet[Redemption]:
    """The supermarket's redemptions by households the viewer sees, newest first."""
    return (
        gate.restrict(Redemption.objects.filter(supermarket=supermarket), viewer)
        .select_related("household", "goods")
        .order_by("-on", "-id")
    )
