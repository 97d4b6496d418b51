"""Reads of the portal: staff lists through the region gate, and the public answers, which say nothing personal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.reads import read_note
from bottomline.monitoring.models import Case
from bottomline.monitoring.workflow import State
from bottomline.portal.limits import STATUS_PER_IP, attempt_count
from bottomline.portal.models import DESCRIPTION_PURPOSE, Declaration, DeclarationStatus
from bottomline.portal.receipts import receipt_normalize
from bottomline.privacy.crypto import decrypt
from bottomline.privacy.keys import field_keys
from bottomline.regions.models import CODE_LENGTH, Level, Region
from bottomline.regions.selectors import ancestor_codes
from bottomline.registry.choices import Relation
from bottomline.registry.models import Household, Member


def declaration_list(*, viewer: User, status: str = "", village_code: str = "") -> QuerySet[Declaration]:
    """The declarations of the viewer's region, newest first, optionally of one status and of one village."""
    declarations = gate.restrict(Declaration.objects.select_related("village", "household"), viewer)
    if status:
        declarations = declarations.filter(status=status)
    if village_code:
        declarations = declarations.filter(village__code=village_code)
    read_note(what="portal.declaration", region=village_code or viewer.region)
    return declarations


def declaration_get(*, viewer: User, declaration_id: int, request: HttpRequest | None = None) -> Declaration:
    """One declaration inside the viewer's scope (404 otherwise)."""
    declaration = gate.access(
        Declaration.objects.select_related("village", "household", "decided_by"),
        viewer,
        request=request,
        pk=declaration_id,
    )
    read_note(what="portal.declaration", region=declaration.village, rows=1)
    return declaration


def declaration_description(declaration: Declaration) -> str:
    """The declarant's own words, for the staff who verify them."""
    if not declaration.description_enc:
        return ""
    return decrypt(declaration.description_enc, keys=field_keys(), purpose=DESCRIPTION_PURPOSE)


def link_candidates(*, viewer: User, declaration: Declaration) -> QuerySet[Household]:
    """The registered households of the declaration's village that the viewer may link it to."""
    return gate.restrict(Household.objects.all(), viewer, "change").filter(village_id=declaration.village_id)


@dataclass(frozen=True)
class Candidate:
    """A household found by a name, to link a declaration to: its number, head (户主) and size."""

    household: Household
    head: str
    size: int


SEARCH_LIMIT = 20


def link_search(*, viewer: User, declaration: Declaration, name: str) -> list[Candidate]:
    """The households of the declaration's village (inside the viewer's scope) with a member whose name holds
    ``name``, by household number, at most SEARCH_LIMIT of them."""
    name = " ".join(name.split())
    if not name:
        return []
    ids = list(
        link_candidates(viewer=viewer, declaration=declaration)
        .filter(members__name__contains=name)
        .values_list("pk", flat=True)
        .distinct()
        .order_by("number")[:SEARCH_LIMIT]
    )
    households = Household.objects.filter(pk__in=ids).order_by("number").annotate(size=Count("members"))
    heads = dict(
        Member.objects.filter(household_id__in=ids, relation=Relation.HEAD).values_list(
            "household_id", "name"
        )
    )
    read_note(what="portal.link_search", region=declaration.village, rows=len(ids))
    return [Candidate(h, heads.get(h.pk, ""), h.size) for h in households]


# The public picker reads the region tree directly: division names and codes are published statistics, not
# personal data, and the declarant is not signed in (the gate is for staff).
def region_options(*, parent: Region | None) -> QuerySet[Region]:
    """The current divisions directly below ``parent`` (the provinces without one)."""
    current = Region.objects.filter(valid_to__isnull=True).only("code", "name", "level", "parent_id")
    if parent is None:
        return current.filter(level=Level.PROVINCE)
    return current.filter(parent=parent)


def village_public(*, code: str) -> Region | None:
    """The current village with this 12-digit code, or None."""
    if not code.isdigit() or len(code) != CODE_LENGTH:
        return None
    return Region.objects.filter(code=code, valid_to__isnull=True, level=Level.VILLAGE).first()


def region_chain(*, region: Region) -> list[Region]:
    """The region and its ancestors, top first, in one query."""
    return list(Region.objects.filter(code__in=ancestor_codes(region)).order_by("level"))


@dataclass(frozen=True)
class PosterSet:
    """What a poster PDF holds: the region asked for, its villages (a page each) and the regions above them."""

    region: Region
    villages: list[Region]
    above: list[Region]  # top first: the village's township and up, or the township and up

    @property
    def filename(self) -> str:
        return f"poster-{self.region.code}.pdf"


def poster_set(*, viewer: User, code: str, request: HttpRequest | None = None) -> PosterSet:
    """The posters the viewer may print for a village (one) or a township (each current village of it), inside
    the viewer's region (404 outside, and for any other level); staff of the village and above."""
    gate.require(viewer, Declaration, "poster", request)
    region = gate.access(
        Region.objects.all(), viewer, code=code, level__in=(Level.TOWNSHIP, Level.VILLAGE), request=request
    )
    chain = region_chain(region=region)
    if region.level == Level.VILLAGE:
        return PosterSet(region, [region], chain[:-1])
    villages = gate.restrict(Region.objects.all(), viewer).filter(
        parent=region, level=Level.VILLAGE, valid_to__isnull=True
    )
    return PosterSet(region, list(villages.order_by("code")), chain)


@dataclass(frozen=True)
class Stage:
    """Where a declaration stands, in plain words for the declarant."""

    code: str
    label: StrOrPromise


STAGES = {
    "received": _("Received: the village will contact you"),
    "visit": _("Being verified at your home"),
    "notice": _("In public notice in your village"),
    "review": _("Under review by the township and county"),
    "monitored": _("Identified as a monitored household: assistance is under way"),
    "rejected": _("Not identified as a monitored household"),
    "eliminated": _("Risk eliminated"),
}


def _stage_of_case(case: Case, today: date) -> str:
    if case.state in (State.VISIT, State.APPRAISAL):
        return "visit"
    if case.state == State.NOTICE:
        return "notice" if case.notice_end is None or case.notice_end >= today else "review"
    if case.state in (State.APPROVAL, State.ANNOUNCEMENT):
        return "review"
    if case.state == State.REJECTED:
        return "rejected"
    if case.state == State.ELIMINATED:
        return "eliminated"
    return "monitored"  # monitored, and every step towards eliminating the risk


def receipt_stage(*, receipt: str, client_ip: str | None) -> Stage | None:
    """The stage of the declaration with this receipt, or None (the same answer for every unknown receipt).

    Counted against the look-up limit (RateLimited past it), found or not.
    """
    attempt_count(limit=STATUS_PER_IP, value=client_ip)
    declaration = (
        Declaration.objects.filter(receipt=receipt_normalize(receipt))
        .only("status", "lead_id", "created_at")
        .first()
    )
    if declaration is None:
        return None
    code = "received"
    if declaration.status == DeclarationStatus.DISMISSED:
        code = "rejected"
    elif declaration.lead_id is not None:
        # Only a case that this declaration's own lead opened after it was made: anyone who knows a name, ID
        # number and village can file a declaration, and a case the household already had is not theirs to learn.
        case = Case.objects.filter(lead_id=declaration.lead_id, opened_at__gte=declaration.created_at).first()
        if case is not None:
            code = _stage_of_case(case, timezone.localdate())
    return Stage(code, STAGES[code])


def poster_regions(*, viewer: User) -> list[Region]:
    """The regions whose posters the declarations page offers the viewer: their own village or township, or a
    county officer's townships (nothing for a role that does not print posters)."""
    if not gate.allowed(viewer, Declaration, "poster"):
        return []
    region = viewer.region
    if region.level in (Level.VILLAGE, Level.TOWNSHIP):
        return [region]
    if region.level == Level.COUNTY:
        townships = gate.restrict(Region.objects.all(), viewer).filter(
            parent=region, level=Level.TOWNSHIP, valid_to__isnull=True
        )
        return list(townships.order_by("code"))
    return []
