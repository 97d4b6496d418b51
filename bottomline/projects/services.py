"""Writes of the project library: proposing a project with its budget, changing its stage (allowed steps only,
dated, by whom), disbursing money (never beyond the source's budget, the project's row locked), beneficiary
households and their yearly money (posted to the household's income through ``registry.programs``), assets
and their income, and a county's allocations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.projects.models import (
    BENEFIT_INCOME,
    ENDED,
    PAYING,
    TRANSITIONS,
    Allocation,
    Asset,
    AssetIncome,
    AssetKind,
    Beneficiary,
    Benefit,
    Budget,
    Disbursement,
    Kind,
    Payout,
    Project,
    Source,
    Stage,
    StageChange,
)
from bottomline.regions.models import Level, Region
from bottomline.registry.choices import Program
from bottomline.registry.models import Household
from bottomline.registry.programs import EntriesRefused, ProgramEntry, program_incomes_post

CENT = Decimal("0.01")
AMOUNT_MAX = Decimal("999999999999.99")
# The program the projects' money is posted under: ``Program.PROJECT`` once the registry has it, else "other".
PROGRAM = getattr(Program, "PROJECT", Program.OTHER)
PAYOUT_SOURCE = "projects.payout"


def _money(value: Decimal, field: str, *, positive: bool = False) -> Decimal:
    """A finite amount to the fen (more than 0 when ``positive``), else a field error."""
    amount = Decimal(value)
    low_ok = amount > 0 if positive else amount >= 0
    if not amount.is_finite() or not low_ok or amount > AMOUNT_MAX or amount != amount.quantize(CENT):
        if positive:
            raise ValidationError({field: _("Enter an amount of more than 0 yuan, to the fen.")})
        raise ValidationError({field: _("Enter an amount of 0 or more yuan, to the fen.")})
    return amount


def _not_future(day: date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: _("The day cannot be in the future.")})


def budgets_check(budgets: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """The budget by source, each amount checked; at least one source with money."""
    out: dict[str, Decimal] = {}
    for source, amount in budgets.items():
        if source not in Source.values:
            raise ValidationError({"budgets": _("Unknown fund source: %(source)s.") % {"source": source}})
        out[source] = _money(amount, f"budget_{source}")
    if not any(out.values()):
        raise ValidationError({"budgets": _("Give the budget of at least one fund source.")})
    return out


def _regions(actor: User, region_code: str, site_code: str) -> tuple[Region, Region]:
    """The region served (a county, township or village of the actor's scope that may propose there) and the
    village where the project is built, inside it."""
    scope = gate.restrict(Region.objects.all(), actor)
    region = scope.filter(code=region_code).first()
    if region is None or region.level not in (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE):
        raise ValidationError({"region": _("Choose a county, township or village of your region.")})
    site = scope.filter(code=site_code, level=Level.VILLAGE).first()
    low, high = region.bounds
    if site is None or not low <= site.code <= high:
        raise ValidationError({"site": _("Choose the village where it is built, inside the region served.")})
    return region, site


@transaction.atomic
def project_propose(
    *,
    actor: User,
    name: str,
    region_code: str,
    site_code: str,
    kind: str,
    year: int,
    budgets: Mapping[str, Decimal],
    on: date | None = None,
    unit: str = "",
    goal: str = "",
    code: str = "",
) -> Project:
    """Propose a project (申报) in the actor's region with its budget by source: its first stage change."""
    gate.require(actor, Project, "add")
    on = on or timezone.localdate()
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("This field is required.")
    if kind not in Kind.values:
        errors["kind"] = _("Choose a kind of project.")
    if not 2000 <= year <= 2100:
        errors["year"] = _("Enter a year such as 2026.")
    code = code.strip()
    if code and Project.objects.filter(code=code).exists():
        errors["code"] = _("A project with this code is in the library already.")
    if errors:
        raise ValidationError(errors)
    _not_future(on, "on")
    region, site = _regions(actor, region_code, site_code)
    amounts = budgets_check(budgets)
    with set_actor(actor):
        project = Project.objects.create(
            name=name.strip()[:100],
            region=region,
            site=site,
            kind=kind,
            year=year,
            stage=Stage.PROPOSED,
            unit=unit.strip()[:100],
            goal=goal.strip()[:300],
            code=code or None,
            proposed_by=actor,
        )
        Budget.objects.bulk_create(
            [Budget(project=project, source=s, amount=a) for s, a in sorted(amounts.items()) if a]
        )
        StageChange.objects.create(project=project, before="", after=Stage.PROPOSED, on=on, by=actor)
    return project


def _locked(actor: User, project_id: int, action: str = "change") -> Project:
    """The project in the actor's scope, its row locked until the transaction ends (404 outside it)."""
    return gate.access(Project.objects.select_for_update(), actor, action=action, pk=project_id)


@transaction.atomic
def stage_change(*, actor: User, project_id: int, to: str, on: date, note: str = "") -> StageChange:
    """Move a project one allowed step (or to rejected / withdrawn), dated ``on`` (not before its last change,
    not in the future); a rejection or withdrawal needs a reason."""
    project = _locked(actor, project_id)
    if to not in TRANSITIONS.get(project.stage, ()):
        raise ValidationError(
            {
                "to": _("A project %(stage)s cannot become %(to)s.")
                % {"stage": Stage(project.stage).label, "to": Stage(to).label if to in Stage.values else to}
            }
        )
    _not_future(on, "on")
    last = project.changes.order_by("-on", "-id").first()
    if last is not None and on < last.on:
        raise ValidationError({"on": _("The day cannot be before the project's last stage change.")})
    if to in ENDED and not note.strip():
        raise ValidationError({"note": _("Give the reason.")})
    with set_actor(actor):
        change = StageChange.objects.create(
            project=project, before=project.stage, after=to, on=on, note=note.strip()[:200], by=actor
        )
        project.stage = to
        project.save(update_fields=["stage", "updated_at"])
    return change


def disbursed_by_source(project_id: int) -> dict[str, Decimal]:
    """The money disbursed on a project so far, by source."""
    rows = (
        Disbursement.objects.filter(project_id=project_id)
        .values("source")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {row["source"]: Decimal(row["total"]).quantize(CENT) for row in rows}


@transaction.atomic
def budget_set(*, actor: User, project_id: int, source: str, amount: Decimal) -> Budget | None:
    """Set a project's budget from one source (0: none), never below what is disbursed from it already; not
    once the project is accepted or ended."""
    project = _locked(actor, project_id)
    if source not in Source.values:
        raise ValidationError({"source": _("Choose a fund source.")})
    amount = _money(amount, "amount")
    if project.stage not in (Stage.PROPOSED, Stage.REVIEWED, Stage.LISTED, Stage.IMPLEMENTING):
        raise ValidationError({"amount": _("The budget is fixed once the project is accepted or ended.")})
    if amount < disbursed_by_source(project.pk).get(source, Decimal(0)):
        raise ValidationError({"amount": _("The budget cannot be less than the money disbursed from it.")})
    with set_actor(actor):
        if not amount:
            Budget.objects.filter(project=project, source=source).delete()
            return None
        budget, _created = Budget.objects.update_or_create(
            project=project, source=source, defaults={"amount": amount}
        )
    return budget


def disbursement_check(
    *, project: Project, source: str, amount: Decimal, on: date, spent: Mapping[str, Decimal]
) -> None:
    """Refuse a disbursement outside the paying stages, from a source without budget, or beyond the source's
    budget (``spent``: what is disbursed from each source already)."""
    if project.stage not in PAYING:
        raise ValidationError(
            {"amount": _("Money is disbursed only while the project is implemented or just accepted.")}
        )
    if source not in Source.values:
        raise ValidationError({"source": _("Choose a fund source.")})
    _money(amount, "amount", positive=True)
    _not_future(on, "on")
    budget = project.budgets.filter(source=source).values_list("amount", flat=True).first() or Decimal(0)
    left = budget - spent.get(source, Decimal(0))
    if amount > left:
        raise ValidationError(
            {
                "amount": _(
                    "This is beyond the budget: %(left)s yuan of this source's %(budget)s yuan are left."
                )
                % {"left": f"{left:.2f}", "budget": f"{budget:.2f}"}
            }
        )


@transaction.atomic
def disbursement_record(
    *,
    actor: User,
    project_id: int,
    source: str,
    amount: Decimal,
    on: date,
    note: str = "",
    reference: str = "",
) -> Disbursement:
    """Record money paid out on a project: the project's row is locked first, so that two payments at once
    cannot together pass the source's budget."""
    gate.require(actor, Disbursement, "add")
    project = _locked(actor, project_id)
    disbursement_check(
        project=project, source=source, amount=amount, on=on, spent=disbursed_by_source(project.pk)
    )
    reference = reference.strip()[:40]
    if reference and Disbursement.objects.filter(project=project, reference=reference).exists():
        raise ValidationError(
            {"reference": _("A disbursement with this voucher number is recorded already.")}
        )
    with set_actor(actor):
        return Disbursement.objects.create(
            project=project,
            source=source,
            amount=Decimal(amount),
            on=on,
            note=note.strip()[:200],
            reference=reference,
            recorded_by=actor,
        )


@transaction.atomic
def beneficiary_add(
    *,
    actor: User,
    project_id: int,
    household_id: int,
    benefit: str,
    since: date,
    amount_per_year: Decimal | None = None,
) -> Beneficiary:
    """Link a household of the actor's region to a project, with how it benefits and its money a year."""
    gate.require(actor, Beneficiary, "add")
    project = _locked(actor, project_id)
    household = gate.access(Household.objects.all(), actor, action="view", pk=household_id)
    if benefit not in Benefit.values:
        raise ValidationError({"benefit": _("Choose how the household benefits.")})
    if amount_per_year is not None:
        amount_per_year = _money(amount_per_year, "amount_per_year")
    if project.stage in ENDED:
        raise ValidationError({"benefit": _("The project has ended.")})
    if Beneficiary.objects.filter(project=project, household=household, benefit=benefit).exists():
        raise ValidationError({"household": _("This household benefits this way already.")})
    with set_actor(actor):
        return Beneficiary.objects.create(
            project=project,
            household=household,
            benefit=benefit,
            amount_per_year=amount_per_year,
            since=since,
            created_by=actor,
        )


def payout_source(payout_id: int) -> str:
    """The stable source of a payout's income entry."""
    return f"{PAYOUT_SOURCE}:{payout_id}"


@transaction.atomic
def payouts_pay(*, actor: User, project_id: int, year: int, on: date, refresh: bool = True) -> list[Payout]:
    """Pay every money beneficiary of a project its yearly amount for ``year``, dated ``on``, and post each to
    the household's income (``registry.programs.program_incomes_post``); paying the year again corrects it."""
    gate.require(actor, Beneficiary, "change")
    project = _locked(actor, project_id)
    _not_future(on, "on")
    if on.year < year:
        raise ValidationError({"on": _("A year's money is paid in that year or later.")})
    paying = list(
        Beneficiary.objects.filter(project=project, amount_per_year__gt=0, since__year__lte=year).order_by(
            "pk"
        )
    )
    payouts: list[Payout] = []
    for beneficiary in paying:
        assert beneficiary.amount_per_year is not None  # noqa: S101  (filtered above)
        payout, _created = Payout.objects.update_or_create(
            beneficiary=beneficiary, year=year, defaults={"on": on, "amount": beneficiary.amount_per_year}
        )
        payouts.append(payout)
    entries = [
        ProgramEntry(
            source=payout_source(p.pk),
            household_id=p.beneficiary.household_id,
            program=PROGRAM,
            kind=BENEFIT_INCOME[p.beneficiary.benefit],
            on=p.on,
            amount=p.amount,
        )
        for p in payouts
    ]
    try:
        program_incomes_post(actor=actor, entries=entries, refresh=refresh)
    except EntriesRefused as refused:
        raise ValidationError(sorted(set(refused.refused.values()))) from None
    return payouts


@transaction.atomic
def asset_add(
    *,
    actor: User,
    project_id: int,
    name: str,
    kind: str,
    value: Decimal,
    owner: str,
    manager: str,
    since: date,
) -> Asset:
    """Record an asset a project created (once it is implemented)."""
    gate.require(actor, Asset, "add")
    project = _locked(actor, project_id)
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("This field is required.")
    if kind not in AssetKind.values:
        errors["kind"] = _("Choose a kind of asset.")
    if not owner.strip():
        errors["owner"] = _("Name the owner (for a public-welfare asset, usually the village collective).")
    if not manager.strip():
        errors["manager"] = _("Name who manages and maintains it.")
    if project.stage not in (Stage.IMPLEMENTING, Stage.ACCEPTED, Stage.EVALUATED):
        errors["name"] = _("A project creates assets once it is implemented.")
    if errors:
        raise ValidationError(errors)
    _not_future(since, "since")
    with set_actor(actor):
        return Asset.objects.create(
            project=project,
            name=name.strip()[:100],
            kind=kind,
            value=_money(value, "value"),
            owner=owner.strip()[:100],
            manager=manager.strip()[:100],
            since=since,
        )


@transaction.atomic
def asset_income_record(*, actor: User, asset_id: int, year: int, amount: Decimal, on: date) -> AssetIncome:
    """Record (or correct) an asset's income of a year, booked on ``on``."""
    asset = gate.access(Asset.objects.select_for_update(), actor, action="change", pk=asset_id)
    _not_future(on, "on")
    if on.year < year or year < asset.since.year:
        raise ValidationError(
            {"year": _("The income's year is from the asset's hand-over to the booking day.")}
        )
    with set_actor(actor):
        income, _created = AssetIncome.objects.update_or_create(
            asset=asset, year=year, defaults={"on": on, "amount": _money(amount, "amount")}
        )
    return income


@transaction.atomic
def allocation_set(
    *, actor: User, county_code: str, year: int, source: str, amount: Decimal, document: str = ""
) -> Allocation:
    """Set the funds a county received for a year from one source."""
    gate.require(actor, Allocation, "change")
    county = gate.restrict(Region.objects.filter(code=county_code, level=Level.COUNTY), actor).first()
    if county is None:
        raise ValidationError({"county": _("Choose a county of your region.")})
    if source not in Source.values:
        raise ValidationError({"source": _("Choose a fund source.")})
    with set_actor(actor):
        allocation, _created = Allocation.objects.update_or_create(
            county=county,
            year=year,
            source=source,
            defaults={"amount": _money(amount, "amount"), "document": document.strip()[:100]},
        )
    return allocation


def stages_allowed(stage: str) -> Sequence[str]:
    """The stages a project at ``stage`` may move to."""
    return TRANSITIONS.get(stage, ())
