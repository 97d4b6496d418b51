"""Writes of relocation follow-up: a site, a relocated household, a stability assessment, a support record.

Nothing here is money: no program income is posted, and no employment is recorded (the employment app keeps
the jobs of relocated labour; docs/programs.md, "Relocation follow-up").
"""

from __future__ import annotations

from datetime import date

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.regions.models import Level, Region
from bottomline.registry.models import Household
from bottomline.relocation.models import (
    FIRST_YEAR,
    Assessment,
    Relocation,
    Site,
    SiteKind,
    Stability,
    Support,
    SupportKind,
)

SITE_LEVELS = (Level.TOWNSHIP, Level.VILLAGE)  # a site is in a township, or a village or community


def _year_check(year: int, field: str) -> None:
    if not FIRST_YEAR <= year <= timezone.localdate().year:
        raise ValidationError({field: _("Enter a year from 2001 to this year.")})


@transaction.atomic
def site_save(
    *,
    actor: User,
    name: str,
    kind: str,
    region_code: str,
    address: str = "",
    built_year: int,
    planned_households: int,
    planned_people: int,
    site_id: int | None = None,
) -> Site:
    """Create (or, with ``site_id``, change) a resettlement site in the actor's region."""
    if site_id is None:
        gate.require(actor, Site, "add")
        site = Site()
    else:
        site = gate.access(Site.objects.select_for_update(), actor, action="change", pk=site_id)
    region = gate.access(Region.objects.all(), actor, code=region_code)
    errors: dict[str, str] = {}
    if region.level not in SITE_LEVELS:
        errors["region_code"] = _("A site is in a township, or in a village or community.")
    if not name.strip():
        errors["name"] = _("Name the site.")
    if kind not in SiteKind.values:
        errors["kind"] = _("Choose centralised or scattered resettlement.")
    if planned_households < 1 or planned_people < planned_households:
        errors["planned_people"] = _(
            "Plan at least one household, and at least as many people as households."
        )
    if errors:
        raise ValidationError(errors)
    _year_check(built_year, "built_year")
    clash = Site.objects.filter(region=region, name=name.strip()).exclude(pk=site.pk)
    if clash.exists():
        raise ValidationError({"name": _("A site of this name is recorded in this region already.")})
    site.name, site.kind, site.region, site.address = name.strip(), kind, region, address.strip()
    site.built_year, site.planned_households, site.planned_people = (
        built_year,
        planned_households,
        planned_people,
    )
    with set_actor(actor):
        site.save()
    return site


def relocation_check(*, household: Household, origin: Region, site: Site, year: int) -> None:
    """Refuse an origin that is not a village, a year outside 2001..this year, or a year before the site was
    built (ValidationError by field)."""
    errors: dict[str, str] = {}
    if origin.level != Level.VILLAGE:
        errors["origin_code"] = _("The origin is a village.")
    if not FIRST_YEAR <= year <= timezone.localdate().year:
        errors["year"] = _("Enter a year from 2001 to this year.")
    elif year < site.built_year:
        errors["year"] = _("The household cannot move in before the site was built.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def relocation_record(
    *, actor: User, household_id: int, origin_code: str, site_id: int, year: int
) -> Relocation:
    """Record that a household of the actor's region was relocated from its origin village to a site of the
    actor's region in ``year`` (once per household)."""
    gate.require(actor, Relocation, "add")
    household = gate.access(Household.objects.all(), actor, pk=household_id)
    site = gate.access(Site.objects.all(), actor, pk=site_id)
    origin = Region.objects.filter(code=origin_code).first()
    if origin is None:
        raise ValidationError({"origin_code": _("No village with this code.")})
    relocation_check(household=household, origin=origin, site=site, year=year)
    if Relocation.objects.filter(household=household).exists():
        raise ValidationError({"household": _("This household's relocation is recorded already.")})
    with set_actor(actor):
        return Relocation.objects.create(
            household=household, origin=origin, site=site, year=year, recorded_by=actor
        )


@transaction.atomic
def assessment_record(
    *, actor: User, relocation_id: int, on: date, status: str, note: str = ""
) -> Assessment:
    """Record how stable a relocated household was found on a day (one assessment a day: the same day again
    corrects it)."""
    relocation = gate.access(Relocation.objects.all(), actor, action="assess", pk=relocation_id)
    gate.require(actor, Assessment, "add")
    errors: dict[str, str] = {}
    if status not in Stability.values:
        errors["status"] = _("Choose stable, needs attention or at risk.")
    if on > timezone.localdate():
        errors["on"] = _("The day cannot be in the future.")
    if on.year < relocation.year:
        errors["on"] = _("The household was not relocated yet on that day.")
    if status != Stability.STABLE and not note.strip():
        errors["note"] = _("Say what needs attention, or what the risk is.")
    if errors:
        raise ValidationError(errors)
    with set_actor(actor):
        assessment, _created = Assessment.objects.update_or_create(
            relocation=relocation,
            on=on,
            defaults={"status": status, "note": note.strip(), "recorded_by": actor},
        )
    return assessment


@transaction.atomic
def support_record(
    *, actor: User, relocation_id: int, kind: str, on: date, description: str, unit: str
) -> Support:
    """Record one follow-up support given to a relocated household."""
    relocation = gate.access(Relocation.objects.all(), actor, action="support", pk=relocation_id)
    gate.require(actor, Support, "add")
    errors: dict[str, str] = {}
    if kind not in SupportKind.values:
        errors["kind"] = _("Choose the kind of support.")
    if on > timezone.localdate():
        errors["on"] = _("The day cannot be in the future.")
    if on.year < relocation.year:
        errors["on"] = _("The household was not relocated yet on that day.")
    if not description.strip():
        errors["description"] = _("Describe the support.")
    if not unit.strip():
        errors["unit"] = _("Name the responsible unit.")
    if errors:
        raise ValidationError(errors)
    with set_actor(actor):
        return Support.objects.create(
            relocation=relocation,
            kind=kind,
            on=on,
            description=description.strip(),
            unit=unit.strip(),
            recorded_by=actor,
        )
