"""Reads of the archive, always through the region gate."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.db.models import Count, Max, Prefetch, Q, QuerySet, Subquery

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.reads import read_note
from bottomline.audit.scope import queryset_region
from bottomline.privacy.masking import mask_id_number, mask_number
from bottomline.regions.models import CODE_LENGTH, Region
from bottomline.registry.choices import LABOUR_CAPABLE, Relation
from bottomline.registry.features import with_monitored_since
from bottomline.registry.inline import inline_attach, with_inline
from bottomline.registry.models import Household, Member
from bottomline.registry.services import id_number_lookup_index, phone_lookup_index

ORDER = ("village__code", "number")  # the household list's order, and its keyset
NO_MATCH = "-"  # a blind index no number has: a search for text that cannot be a number finds nobody


@dataclass(frozen=True)
class HouseholdFilter:
    """What a household list is narrowed to; every part is optional.

    Numbers are held as their blind indexes, never in the clear: a page keeps a search in the session
    (registry.views.household_search), and nothing personal goes into a URL.
    """

    region: str = ""  # a region code: its subtree
    household_type: str = ""
    name: str = ""  # part of a member's name
    number: str = ""  # a household number (its last digits when shorter than a village code)
    id_number_index: str = ""  # a member's exact ID number, as its blind index
    phone_index: str = ""  # the household's exact phone, as its blind index
    # Baseline attributes (issue 14 item 8); None: either.
    lifted_year: int | None = None
    relocated: bool | None = None
    former_poor_village: bool | None = None
    monitored: bool | None = None  # 监测户: identified as a monitoring object (a case with a county approval)


def person_indexes(*, id_number: str = "", phone: str = "") -> dict[str, str]:
    """The blind indexes a search for an exact ID number and phone filters on (NO_MATCH for what cannot be one)."""
    found = {}
    if id_number.strip():
        found["id_number_index"] = id_number_lookup_index(id_number) or NO_MATCH
    if phone.strip():
        found["phone_index"] = phone_lookup_index(phone) or NO_MATCH
    return found


ID_LIKE = re.compile(r"^\d{17}[\dXx]$")
MOBILE = re.compile(r"^1\d{10}$")
SEARCH_KEYS = ("name", "number", "id_number_index", "phone_index")  # the HouseholdFilter fields of a search


def person_search(text: str) -> dict[str, str]:
    """What one search box's text is, as HouseholdFilter fields with ``kind`` and ``shown`` (what the page says
    was searched, a number masked): 18 characters of an ID number → its blind index; an 11-digit mobile number
    → the phone's; other digits → a household number; anything else → part of a member's name."""
    text = "".join(text.split())
    if not text:
        return {}
    if ID_LIKE.match(text):
        index = id_number_lookup_index(text)
        if index is not None or not text.isdigit():
            return {"id_number_index": index or NO_MATCH, "kind": "id_number", "shown": mask_id_number(text)}
    if text.isascii() and text.isdigit():
        if MOBILE.match(text):
            return {
                "phone_index": phone_lookup_index(text) or NO_MATCH,
                "kind": "phone",
                "shown": mask_number(text),
            }
        return {"number": text, "kind": "number", "shown": text}
    return {"name": text[:50], "kind": "name", "shown": text[:50]}


def household_list(*, viewer: User, filters: HouseholdFilter | None = None) -> QuerySet[Household]:
    """Households in the viewer's region, narrowed by ``filters``, by village code and number.

    No member counts: joining every member and grouping the whole region made each page and its count grow
    with the region (issue #16); ``with_member_counts`` adds them to the rows shown. Ordered by the village's
    code first (the same order as by number for numbers made here, a village code and a sequence): a page is
    then read from the region's first villages on, whereas by number alone PostgreSQL walked the number index
    through every household of the regions sorted before the viewer's.
    """
    filters = filters or HouseholdFilter()
    households = gate.restrict(Household.objects.select_related("village"), viewer)
    if filters.region:
        region = Region.objects.filter(code=filters.region).first()
        households = households.filter(village__code__range=region.bounds) if region else households.none()
    if filters.household_type:
        households = households.filter(household_type=filters.household_type)
    households = baseline_filter(households, filters)
    if filters.name:
        households = households.filter(
            pk__in=Member.objects.filter(name__contains=filters.name.strip()).values("household_id")
        )
    if filters.number:
        by_number = "number" if len(filters.number) >= CODE_LENGTH else "number__endswith"
        households = households.filter(**{by_number: filters.number})
    if filters.id_number_index:
        households = households.filter(
            pk__in=Member.objects.filter(id_number_index=filters.id_number_index).values("household_id")
        )
    if filters.phone_index:
        households = households.filter(phone_index=filters.phone_index)
    searched = [
        name
        for name, given in (
            ("name", filters.name),
            ("number", filters.number),
            ("id_number", filters.id_number_index),
            ("phone", filters.phone_index),
        )
        if given
    ]
    # Audited as one read of the listed region (a search: of the region of what it found; never the terms).
    found = queryset_region(households, "village__code") if searched else None
    read_note(what="registry.household", region=found or filters.region or viewer.region, search=searched)
    return households.order_by(*ORDER)


def baseline_filter(households: QuerySet[Household], filters: HouseholdFilter) -> QuerySet[Household]:
    """Narrow households by the baseline attributes of ``filters`` (those given)."""
    if filters.lifted_year is not None:
        households = households.filter(lifted_year=filters.lifted_year)
    if filters.relocated is not None:
        households = households.filter(relocated=filters.relocated)
    if filters.former_poor_village is not None:
        households = households.filter(village__former_poor_village=filters.former_poor_village)
    if filters.monitored is not None:
        # through the reverse relation of monitoring's cases: registry does not import monitoring
        identified = Household.objects.filter(cases__identified_on__isnull=False).values("pk")
        households = (
            households.filter(pk__in=identified)
            if filters.monitored
            else households.exclude(pk__in=identified)
        )
    return households


@dataclass(frozen=True)
class KeysetPage:
    """One page of households in list order, found from a neighbour's id rather than by OFFSET, so that a far
    page costs what the first does; the cursors are ids, never household numbers."""

    object_list: list[Household]
    count: int
    next_after: int | None  # the id to start the next page after (None: this is the last)
    previous_before: int | None  # the id to end the previous page before (None: this is the first)

    @property
    def has_next(self) -> bool:
        return self.next_after is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_before is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def __iter__(self) -> Iterator[Household]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def _beyond(households: QuerySet[Household], pk: int, *, later: bool) -> Q:
    """The households after (``later``) or before the one with id ``pk`` in list order."""
    # Its key is read through the same (gated) queryset: an id outside the viewer's region gives no page.
    key = households.filter(pk=pk).order_by()
    code = Subquery(key.values("village__code")[:1])
    number = Subquery(key.values("number")[:1])
    op = "gt" if later else "lt"
    return Q(**{f"village__code__{op}": code}) | Q(village__code=code, **{f"number__{op}": number})


def households_after(households: QuerySet[Household], *, after: int) -> QuerySet[Household]:
    """The households that come after the one with id ``after`` in list order (a keyset page's start)."""
    return households.filter(_beyond(households, after, later=True)).order_by(*ORDER)


def household_keyset(
    households: QuerySet[Household], *, size: int, after: int | None = None, before: int | None = None
) -> tuple[list[Household], int | None, int | None]:
    """Up to ``size`` households of ``households`` after (or before) the one with that id, in list order,
    with the cursors of the next and the previous page (None where there is none)."""
    if before is not None:
        found = list(
            households.filter(_beyond(households, before, later=False)).order_by(*(f"-{f}" for f in ORDER))[
                : size + 1
            ]
        )
        more, rows = len(found) > size, found[:size][::-1]
        return rows, rows[-1].pk if rows else None, rows[0].pk if more and rows else None
    found = list((households_after(households, after=after) if after else households)[: size + 1])
    rows = found[:size]
    return rows, rows[-1].pk if len(found) > size else None, rows[0].pk if after and rows else None


def with_member_counts(households: Sequence[Household]) -> list[Household]:
    """The households, each given ``member_count``, ``labour_count`` and ``head_name`` (户主, None when it has
    none), read in one query for them alone."""
    rows = list(households)
    counts: dict[int, tuple[int, int, str | None]] = {
        c["household_id"]: (c["member_count"], c["labour_count"], c["head_name"])
        for c in Member.objects.filter(household_id__in=[h.pk for h in rows])
        .order_by()
        .values("household_id")
        .annotate(
            member_count=Count("pk"),
            labour_count=Count("pk", filter=Q(labour__in=LABOUR_CAPABLE)),
            head_name=Max("name", filter=Q(relation=Relation.HEAD)),  # one head at most (a constraint)
        )
    }
    for home in rows:
        # a household with no members is not in the GROUP BY
        home.member_count, home.labour_count, home.head_name = counts.get(home.pk, (0, 0, None))  # type: ignore[attr-defined]
    return rows


def with_heads(households: Sequence[Household]) -> list[Household]:
    """The households, each given ``head_name`` (户主, None when it has none), read in one query for them alone."""
    rows = list(households)
    heads = dict(
        Member.objects.filter(household_id__in=[h.pk for h in rows], relation=Relation.HEAD)
        .order_by()
        .values_list("household_id", "name")
    )
    for home in rows:
        home.head_name = heads.get(home.pk)  # type: ignore[attr-defined]
    return rows


# The sets ``household_get`` reads inline with the household, and their order (the page's).
INLINE = {"incomes": ("-period_start",), "feed_events": ("-occurred_on",)}


def household_get(*, viewer: User, household_id: int) -> Household:
    """One household with its members and income history (404 outside the viewer's region)."""
    household = gate.access(
        # Beside the household: the open case's identification (months above the line count from it), its
        # incomes and its sudden events from department feeds (for the screening), in the household's query.
        with_inline(
            with_monitored_since(Household.objects.select_related("village")), list(INLINE)
        ).prefetch_related(Prefetch("members", queryset=Member.objects.order_by("id"))),
        viewer,
        pk=household_id,
    )
    inline_attach(household, INLINE)
    read_note(what="registry.household", region=household.village, rows=1)
    return household


def member_get(*, viewer: User, member_id: int) -> Member:
    """One member (404 outside the viewer's region)."""
    member = gate.access(Member.objects.select_related("household__village"), viewer, pk=member_id)
    read_note(what="registry.member", region=member.household.village if member.household else None, rows=1)
    return member


def villages_for(*, viewer: User) -> QuerySet[Region]:
    """The villages a household may be registered in by the viewer (for pickers)."""
    return gate.restrict(Region.objects.filter(level=5), viewer).order_by("code")
