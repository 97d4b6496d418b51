"""Assistance: the measures of a case's plan, what to suggest first, and follow-up visits that re-evaluate."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.engine.online import current_store, household_refetch
from bottomline.monitoring.attachments import attachment_discard_on_commit
from bottomline.monitoring.models import (
    DEVELOPMENT,
    SAFETY_NET,
    Case,
    Category,
    FollowUp,
    Measure,
    MeasureKind,
    MeasureStatus,
)
from bottomline.monitoring.readiness import case_readiness
from bottomline.monitoring.selectors import measure_responsible_choices
from bottomline.monitoring.workflow import ASSISTABLE, IDENTIFICATION
from bottomline.registry.choices import LABOUR_CAPABLE
from bottomline.registry.features import household_inputs
from bottomline.registry.services import income_record
from bottomline.rules.screening import screen

# Measures that answer a risk type, suggested after the development or safety-net ones.
BY_RISK: Mapping[str, tuple[MeasureKind, ...]] = {
    "illness": (MeasureKind.HEALTH, MeasureKind.INSURANCE),
    "disability": (MeasureKind.DISABILITY, MeasureKind.HEALTH),
    "schooling": (MeasureKind.EDUCATION,),
    "disaster": (MeasureKind.HOUSING, MeasureKind.INSURANCE),
    "accident": (MeasureKind.INSURANCE, MeasureKind.HEALTH),
    "failed_industry": (MeasureKind.INDUSTRY, MeasureKind.INSURANCE),
    "unstable_employment": (MeasureKind.EMPLOYMENT, MeasureKind.PUBLIC_WELFARE_POST),
    "lack_of_labour": SAFETY_NET,
    "housing_safety": (MeasureKind.HOUSING,),
    "income_drop": (MeasureKind.EMPLOYMENT, MeasureKind.INDUSTRY),
}


def measure_suggestions(*, case: Case) -> list[MeasureKind]:
    """The catalog in the order to offer it: development measures first where a member can work, safety-net
    measures first where none can; then those that answer the case's risk types; then the rest."""
    capable = case.household.members.filter(labour__in=LABOUR_CAPABLE).exists()
    first = DEVELOPMENT if capable else SAFETY_NET
    answering = [kind for risk in case.risk_types for kind in BY_RISK.get(risk, ())]
    ordered = dict.fromkeys([*first, *answering, *MeasureKind])
    return list(ordered)


def help_first(case: Case) -> bool:
    """Whether the case is a sudden severe hardship still being identified: 先帮后评, help first and identify
    after (2024 central document No. 1), so its measures need not wait for the county's approval."""
    category = case.category or (case.lead.category if case.lead_id and case.lead else None)
    return case.state in IDENTIFICATION and category == Category.SUDDEN


def measures_open(case: Case) -> bool:
    """Whether measures may be added to or changed on the case: once the county has approved it, or at once
    for a sudden severe hardship (help first)."""
    return case.state in ASSISTABLE or help_first(case)


def _assistable(actor: User, case_id: int, action: str = "add", *, measures: bool = False) -> Case:
    case = gate.access(Case.objects.select_related("household", "lead"), actor, action="view", pk=case_id)
    gate.require(actor, Measure, action)
    if case.state not in ASSISTABLE and not (measures and help_first(case)):
        raise ValidationError(_("Assistance is planned once the county has approved the case."))
    return case


def _responsible(case: Case, user_id: int) -> User:
    """A staff member of the household's village, township or county (帮扶责任人): one of those offered."""
    user = measure_responsible_choices(case=case).filter(pk=user_id).first()
    if user is None:
        raise ValidationError({"responsible": _("Choose a cadre who works where the household lives.")})
    return user


@transaction.atomic
def measure_add(
    *,
    actor: User,
    case_id: int,
    kind: str,
    responsible_id: int,
    start: date,
    end: date | None = None,
    amount: Decimal = Decimal(0),
    status: str = MeasureStatus.PLANNED,
    note: str = "",
    evidence: File[Any] | None = None,
) -> Measure:
    """Add a measure to a case's assistance plan."""
    case = _assistable(actor, case_id, measures=True)
    measure = Measure(
        case=case,
        kind=kind,
        responsible=_responsible(case, responsible_id),
        amount=amount,
        start=start,
        end=end,
        status=status,
        note=note.strip(),
        evidence=evidence or "",
        created_by=actor,
    )
    measure.full_clean()
    measure.save()
    return measure


@transaction.atomic
def measure_update(
    *,
    actor: User,
    measure_id: int,
    status: str | None = None,
    end: date | None = None,
    amount: Decimal | None = None,
    note: str | None = None,
    evidence: File[Any] | None = None,
) -> Measure:
    """Change a measure's status, end, amount, note or evidence."""
    measure = gate.access(Measure.objects.select_related("case"), actor, action="change", pk=measure_id)
    _assistable(actor, measure.case_id, "change", measures=True)
    for name, value in (("status", status), ("end", end), ("amount", amount), ("note", note)):
        if value is not None:
            setattr(measure, name, value)
    if evidence is not None:
        if measure.evidence:
            attachment_discard_on_commit(measure.evidence)  # nothing else refers to the old file
        measure.evidence = evidence
    measure.full_clean()
    measure.save()
    return measure


@transaction.atomic
def followup_record(
    *,
    actor: User,
    case_id: int,
    visited_on: date,
    note: str = "",
    income: Mapping[str, Any] | None = None,
) -> FollowUp:
    """Record a follow-up visit; ``income`` (period_start, period_end and amounts) is saved to the archive,
    and the household is re-evaluated online: its screening and whether it is ready for risk elimination."""
    case = _assistable(actor, case_id)
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("The date cannot be in the future.")})
    since = case.identified_on or timezone.localtime(case.opened_at).date()
    if visited_on < since:
        raise ValidationError(
            {
                "visited_on": _("The date cannot be before the case began (%(day)s).")
                % {"day": since.isoformat()}
            }
        )
    record = None
    if income:
        record = income_record(actor=actor, household_id=case.household_id, **income)
    household_refetch(case.household)  # one read of the household for the screening and the readiness
    facts, params = household_inputs(household=case.household, on=visited_on)
    current = current_store(case.household_id, screen(facts, params), on=visited_on)
    follow_up = FollowUp.objects.create(
        case=case, visited_on=visited_on, visited_by=actor, note=note.strip(), income=record
    )
    readiness = case_readiness(case=case, on=visited_on, refetch=False)  # this visit counts for the rhythm
    if case.safety_net != readiness.safety_net:
        case.safety_net = readiness.safety_net
        case.save(update_fields=["safety_net"])
    follow_up.ready = readiness.ready
    follow_up.evaluation = {"readiness": readiness.as_detail(), "screening": current.explanations}
    follow_up.save(update_fields=["ready", "evaluation"])
    return follow_up
