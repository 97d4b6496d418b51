"""Reads of the archive, always through the region gate."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.reads import read_note
from bottomline.audit.scope import queryset_region
from bottomline.regions.models import Region
from bottomline.registry.choices import LABOUR_CAPABLE
from bottomline.registry.models import Household, IncomeRecord, Member
from bottomline.registry.services import id_number_lookup_index, phone_lookup_index

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
    id_number_index: str = ""  # a member's exact ID number, as its blind index
    phone_index: str = ""  # the household's exact phone, as its blind index


def person_indexes(*, id_number: str = "", phone: str = "") -> dict[str, str]:
    """The blind indexes a search for an exact ID number and phone filters on (NO_MATCH for what cannot be one)."""
    found = {}
    if id_number.strip():
        found["id_number_index"] = id_number_lookup_index(id_number) or NO_MATCH
    if phone.strip():
        found["phone_index"] = phone_lookup_index(phone) or NO_MATCH
    return found


def household_list(*, viewer: User, filters: HouseholdFilter | None = None) -> QuerySet[Household]:
    """Households in the viewer's region, with member and labour counts, narrowed by ``filters``."""
    filters = filters or HouseholdFilter()
    households = gate.restrict(Household.objects.select_related("village"), viewer)
    if filters.region:
        region = Region.objects.filter(code=filters.region).first()
        households = households.filter(village__code__range=region.bounds) if region else households.none()
    if filters.household_type:
        households = households.filter(household_type=filters.household_type)
    if filters.name:
        households = households.filter(
            pk__in=Member.objects.filter(name__contains=filters.name.strip()).values("household_id")
        )
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
            ("id_number", filters.id_number_index),
            ("phone", filters.phone_index),
        )
        if given
    ]
    # Audited as one read of the listed region (a search: of the region of what it found; never the terms).
    found = queryset_region(households, "village__code") if searched else None
    read_note(what="registry.household", region=found or filters.region or viewer.region, search=searched)
    return households.annotate(
        member_count=Count("members", distinct=True),
        labour_count=Count("members", filter=Q(members__labour__in=LABOUR_CAPABLE), distinct=True),
    ).order_by("number")


def household_get(*, viewer: User, household_id: int) -> Household:
    """One household with its members and income history (404 outside the viewer's region)."""
    household = gate.access(
        Household.objects.select_related("village").prefetch_related(
            Prefetch("members", queryset=Member.objects.order_by("id")),
            Prefetch("incomes", queryset=IncomeRecord.objects.order_by("-period_start")),
            "feed_events",  # sudden events from department feeds, for the screening
        ),
        viewer,
        pk=household_id,
    )
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
