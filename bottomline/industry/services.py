"""Writes of industries and benefit linkage: entities, projects, linkages, and the posting of each linkage's
money to the household's income (``registry.programs.program_incomes_post``; the rule is in ``posting``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.industry.models import LINKAGE_INCOME, Entity, Linkage, LinkageKind, Project
from bottomline.industry.posting import SOURCE, linkage_of, source_of, year_parts
from bottomline.industry.selectors import entities_visible
from bottomline.regions.models import Level, Region
from bottomline.registry.choices import Program
from bottomline.registry.models import Household, Member, ProgramIncome
from bottomline.registry.programs import EntriesRefused, ProgramEntry, program_incomes_post

AMOUNT_MAX = Decimal("1000000")  # a household's yearly linkage above a million yuan is a typing error


def _region(actor: User, code: str, *, field: str, village: bool = False) -> Region:
    """A region of the actor's scope by code (a village when ``village``), else a field error."""
    regions = gate.restrict(Region.objects.all(), actor)
    found = regions.filter(code=code).first()
    if found is None or (village and found.level != Level.VILLAGE):
        message = _("Not a village of your region.") if village else _("Not a region of your region.")
        raise ValidationError({field: message})
    return found


def _villages(actor: User, codes: Iterable[str]) -> list[Region]:
    wanted = sorted(set(codes))
    found = list(gate.restrict(Region.objects.filter(code__in=wanted, level=Level.VILLAGE), actor))
    if len(found) != len(wanted):
        raise ValidationError({"villages": _("Not a village of your region.")})
    return found


@transaction.atomic
def entity_save(
    *,
    actor: User,
    name: str,
    kind: str,
    region_code: str,
    village_codes: Sequence[str] = (),
    credit_code: str = "",
    founded: date | None = None,
    closed: date | None = None,
    entity_id: int | None = None,
) -> Entity:
    """Add a business entity (``entity_id`` None) or change one, with the villages it serves."""
    if entity_id is None:
        gate.require(actor, Entity, "add")
        entity = Entity(created_by=actor)
    else:
        entity = gate.access(Entity.objects.all(), actor, action="change", pk=entity_id)
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("This field is required.")
    if closed and founded and closed < founded:
        errors["closed"] = _("It closes before it was registered.")
    if errors:
        raise ValidationError(errors)
    region = _region(actor, region_code, field="region")
    if region.level < Level.COUNTY:
        raise ValidationError({"region": _("A county, township or village keeps an entity.")})
    villages = _villages(actor, village_codes)
    clash = Entity.objects.filter(region=region, name=name.strip()).exclude(pk=entity.pk).exists()
    if clash:
        raise ValidationError({"name": _("An entity of this name is kept in this region already.")})
    entity.name, entity.kind, entity.region = name.strip(), kind, region
    entity.credit_code, entity.founded, entity.closed = credit_code.strip(), founded, closed
    with set_actor(actor):
        entity.full_clean(exclude=["villages", "created_by"])
        entity.save()
        entity.villages.set(villages)
    return entity


@transaction.atomic
def project_save(
    *,
    actor: User,
    entity_id: int,
    name: str,
    kind: str,
    start: date,
    end: date | None = None,
    investment: Decimal = Decimal(0),
    village_codes: Sequence[str] = (),
    project_id: int | None = None,
) -> Project:
    """Add an industrial project of an entity (``project_id`` None) or change one; it is kept where its
    entity is."""
    entity = gate.access(Entity.objects.all(), actor, action="change", pk=entity_id)
    if project_id is None:
        gate.require(actor, Project, "add")
        project = Project()
    else:
        project = gate.access(Project.objects.all(), actor, action="change", pk=project_id)
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("This field is required.")
    if end and end < start:
        errors["end"] = _("It ends before it starts.")
    if investment < 0:
        errors["investment"] = _("Enter an amount of at least 0 yuan.")
    if errors:
        raise ValidationError(errors)
    villages = _villages(actor, village_codes)
    project.entity, project.name, project.kind, project.region = entity, name.strip(), kind, entity.region
    project.start, project.end, project.investment = start, end, investment
    with set_actor(actor):
        project.full_clean(exclude=["villages"])
        project.save()
        project.villages.set(villages)
    return project


def linkable_entities(actor: User) -> QuerySet[Entity]:
    """The entities a keeper may link households to: those kept in their region and those serving one of its
    villages (a county enterprise serving a township's village)."""
    return entities_visible(actor)


def _check(
    *,
    actor: User,
    household_id: int,
    entity_id: int,
    project_id: int | None,
    member_id: int | None,
    kind: str,
    amount_per_year: Decimal,
    start: date,
    end: date | None,
) -> tuple[Household, Entity, Project | None, Member | None]:
    household = gate.access(Household.objects.all(), actor, action="change", pk=household_id)
    errors: dict[str, str] = {}
    entity = linkable_entities(actor).filter(pk=entity_id).first()
    if entity is None:
        errors["entity"] = _("No such entity kept or serving in your region.")
    project = None
    if project_id is not None:
        project = Project.objects.filter(pk=project_id, entity_id=entity_id).first()
        if project is None:
            errors["project"] = _("Not a project of this entity.")
    member = None
    if member_id is not None:
        member = Member.objects.filter(pk=member_id, household_id=household.pk).first()
        if member is None:
            errors["member"] = _("Not a member of this household.")
    if kind not in LinkageKind.values:
        errors["kind"] = _("Choose a kind of linkage.")
    amount = Decimal(amount_per_year)
    if (
        not amount.is_finite()
        or amount < 0
        or amount > AMOUNT_MAX
        or amount != amount.quantize(Decimal("0.01"))
    ):
        errors["amount_per_year"] = _("Enter an amount from 0 to 1,000,000 yuan a year, to the fen.")
    if end is not None and end < start:
        errors["end"] = _("It ends before it starts.")
    if errors:
        raise ValidationError(errors)
    assert entity is not None  # noqa: S101  (errors raised above otherwise)
    return household, entity, project, member


@transaction.atomic
def linkage_add(
    *,
    actor: User,
    household_id: int,
    entity_id: int,
    kind: str,
    amount_per_year: Decimal,
    start: date,
    end: date | None = None,
    project_id: int | None = None,
    member_id: int | None = None,
    note: str = "",
    refresh: bool = True,
) -> Linkage:
    """Link a household to an entity: its money for each year in effect is posted to the household's income
    at once (and the household screened again)."""
    gate.require(actor, Linkage, "add")
    household, entity, project, member = _check(
        actor=actor,
        household_id=household_id,
        entity_id=entity_id,
        project_id=project_id,
        member_id=member_id,
        kind=kind,
        amount_per_year=amount_per_year,
        start=start,
        end=end,
    )
    with set_actor(actor):
        linkage = Linkage.objects.create(
            household=household,
            entity=entity,
            project=project,
            member=member,
            kind=kind,
            amount_per_year=amount_per_year,
            start=start,
            end=end,
            note=note.strip()[:200],
            created_by=actor,
        )
    linkages_post(actor=actor, linkages=[linkage], refresh=refresh)
    return linkage


@transaction.atomic
def linkage_end(*, actor: User, linkage_id: int, end: date) -> Linkage:
    """End a linkage on a day: the years after it are withdrawn and its last year re-posted, smaller (and the
    household screened again)."""
    linkage = gate.access(Linkage.objects.select_for_update(), actor, action="change", pk=linkage_id)
    if end < linkage.start:
        raise ValidationError({"end": _("It ends before it starts.")})
    with set_actor(actor):
        linkage.end = end
        linkage.save(update_fields=["end", "updated_at"])
    linkages_post(actor=actor, linkages=[linkage])
    return linkage


@transaction.atomic
def linkage_change(*, actor: User, linkage_id: int, amount_per_year: Decimal, end: date | None) -> Linkage:
    """Correct a linkage's yearly amount or end: every year of it is posted again."""
    linkage = gate.access(Linkage.objects.select_for_update(), actor, action="change", pk=linkage_id)
    _check(
        actor=actor,
        household_id=linkage.household_id,
        entity_id=linkage.entity_id,
        project_id=linkage.project_id,
        member_id=linkage.member_id,
        kind=linkage.kind,
        amount_per_year=amount_per_year,
        start=linkage.start,
        end=end,
    )
    with set_actor(actor):
        linkage.amount_per_year, linkage.end = amount_per_year, end
        linkage.save(update_fields=["amount_per_year", "end", "updated_at"])
    linkages_post(actor=actor, linkages=[linkage])
    return linkage


def linkages_post(
    *, actor: User, linkages: Sequence[Linkage], through: int | None = None, refresh: bool = True
) -> set[int]:
    """Post every year of the linkages up to ``through`` (this year) and withdraw their entries of years no
    longer in effect, in one set; the households are screened again once. Raises ValidationError with the
    refusals of the income core."""
    year = through or timezone.localdate().year
    ids = {linkage.pk for linkage in linkages}
    entries: list[ProgramEntry] = []
    for linkage in linkages:
        for part in year_parts(
            amount_per_year=linkage.amount_per_year, start=linkage.start, end=linkage.end, through=year
        ):
            entries.append(
                ProgramEntry(
                    source=source_of(linkage.pk, part.year),
                    household_id=linkage.household_id,
                    member_id=linkage.member_id,
                    program=Program.BENEFIT_LINKAGE,
                    kind=LINKAGE_INCOME[linkage.kind],
                    on=part.on,
                    amount=part.amount,
                )
            )
    posted = {entry.source for entry in entries}
    held = ProgramIncome.objects.filter(
        program=Program.BENEFIT_LINKAGE,
        household_id__in={linkage.household_id for linkage in linkages},
        source__startswith=f"{SOURCE}:",
    ).values_list("source", flat=True)
    withdraw = [s for s in held if linkage_of(s) in ids and s not in posted]
    try:
        return program_incomes_post(actor=actor, entries=entries, withdraw=withdraw, refresh=refresh)
    except EntriesRefused as refused:
        raise ValidationError(sorted(set(refused.refused.values()))) from None


def linkages_repost(*, actor: User, through: int | None = None, chunk: int = 500) -> int:
    """Post again every linkage of the actor's region in effect in ``through`` (this year) or later: what the
    new year's run does (``manage.py industry_post``), so that open linkages reach the new year's income."""
    year = through or timezone.localdate().year
    scope = gate.restrict(Linkage.objects.all(), actor, "change").filter(
        Q(end__isnull=True) | Q(end__year__gte=year - 1)
    )
    ids = list(scope.order_by("pk").values_list("pk", flat=True))
    for at in range(0, len(ids), chunk):
        with transaction.atomic():
            linkages_post(
                actor=actor, linkages=list(Linkage.objects.filter(pk__in=ids[at : at + chunk])), through=year
            )
    return len(ids)
