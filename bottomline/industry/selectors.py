"""Reads of industries and benefit linkage, through the region gate; reads of households' linkages are audited."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.reads import outside_note, read_note
from bottomline.industry.models import Entity, Linkage, Project
from bottomline.industry.posting import year_parts
from bottomline.regions.models import Level, Region
from bottomline.registry.choices import Program
from bottomline.registry.models import Household
from bottomline.registry.programs import ProgramLine


def entities_visible(viewer: User) -> QuerySet[Entity]:
    """The entities the viewer sees: those kept in their region and those serving one of its villages (a
    county enterprise serving a village is the village cadre's to see); both parts through the gate."""
    if not gate.allowed(viewer, Entity, "view"):
        return Entity.objects.none()
    kept = gate.restrict(Entity.objects.all(), viewer)
    villages = gate.restrict(Region.objects.filter(level=Level.VILLAGE), viewer)
    served = Entity.objects.filter(villages__in=villages)
    return Entity.objects.filter(Q(pk__in=kept.values("pk")) | Q(pk__in=served.values("pk")))


def entity_list(*, viewer: User, kind: str = "", query: str = "") -> QuerySet[Entity]:
    """The entities the viewer sees (``entities_visible``), with their counts of projects and villages."""
    entities = entities_visible(viewer).select_related("region")
    if kind:
        entities = entities.filter(kind=kind)
    if query:
        entities = entities.filter(Q(name__icontains=query) | Q(credit_code=query))
    return entities.annotate(
        project_count=Count("projects", distinct=True), village_count=Count("villages", distinct=True)
    ).order_by("name", "pk")


def entity_get(*, viewer: User, entity_id: int, request: HttpRequest | None = None) -> Entity:
    """One entity the viewer sees (403 for a role that sees none, 404 for one they do not see)."""
    gate.require(viewer, Entity, "view", request)
    found = entities_visible(viewer).select_related("region").filter(pk=entity_id).first()
    if found is None:
        outside_note(model=Entity, lookup={"pk": entity_id})  # audited once the request has answered 404
        raise Http404
    return found


def project_list(*, viewer: User, entity_id: int | None = None, kind: str = "") -> QuerySet[Project]:
    """The projects of the entities the viewer sees."""
    if not gate.allowed(viewer, Project, "view"):
        return Project.objects.none()
    projects = Project.objects.filter(entity__in=entities_visible(viewer)).select_related("entity", "region")
    if entity_id is not None:
        projects = projects.filter(entity_id=entity_id)
    if kind:
        projects = projects.filter(kind=kind)
    return projects


def linkage_list(
    *, viewer: User, entity_id: int | None = None, village_code: str = "", on: date | None = None
) -> QuerySet[Linkage]:
    """The linkages of the viewer's region's households (of an entity, of a village, in effect on a day)."""
    linkages = gate.restrict(
        Linkage.objects.select_related("household__village", "entity", "project", "member"), viewer
    )
    if entity_id is not None:
        linkages = linkages.filter(entity_id=entity_id)
    if village_code:
        linkages = linkages.filter(household__village__code=village_code)
    if on is not None:
        linkages = linkages.filter(Q(end__isnull=True) | Q(end__gte=on), start__lte=on)
    read_note(what="industry.linkage")
    return linkages.order_by("household__number", "start", "pk")


def household_linkages(*, viewer: User, household_id: int) -> tuple[Household, list[Linkage]]:
    """A household of the viewer's region (404 outside it) and its linkages, newest first (an audited read)."""
    household = gate.access(Household.objects.select_related("village"), viewer, pk=household_id)
    linkages = list(
        gate.restrict(Linkage.objects.filter(household=household), viewer)
        .select_related("entity", "project", "member")
        .order_by("-start", "-pk")
    )
    read_note(what="industry.linkage", region=household.village.code, rows=len(linkages))
    return household, linkages


def linkage_get(*, viewer: User, linkage_id: int, action: str = "view") -> Linkage:
    """One linkage of the viewer's region (404 outside it)."""
    return gate.access(
        Linkage.objects.select_related("household__village", "entity", "project"),
        viewer,
        action=action,
        pk=linkage_id,
    )


def household_lines(viewer: User, household: Household, year: int) -> list[ProgramLine]:
    """The household page's lines: each linkage in effect in the year, with its part of the year's amount."""
    linkages = gate.restrict(Linkage.objects.filter(household=household), viewer).select_related("entity")
    lines: list[ProgramLine] = []
    label = dict(Program.choices)[Program.BENEFIT_LINKAGE]
    for linkage in linkages.filter(Q(end__isnull=True) | Q(end__year__gte=year), start__year__lte=year):
        parts = year_parts(
            amount_per_year=linkage.amount_per_year, start=linkage.start, end=linkage.end, through=year
        )
        amount = next((p.amount for p in parts if p.year == year), None)
        what = _("%(entity)s, %(kind)s, %(start)s to %(end)s") % {
            "entity": linkage.entity.name,
            "kind": linkage.get_kind_display(),
            "start": linkage.start.isoformat(),
            "end": linkage.end.isoformat() if linkage.end else _("open"),
        }
        lines.append(ProgramLine(label, what, amount, reverse("industry:household", args=[household.pk])))
    return lines
