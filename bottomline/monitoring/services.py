"""Raising leads: one signal or many at once; signals on a household with an open lead join that lead, and a
new lead opens a case (monitoring.casework) in the village's "to visit" queue."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.engine.models import Result, Run
from bottomline.engine.services import CHUNK
from bottomline.monitoring.casework import cases_open, risk_types_check
from bottomline.monitoring.models import Case, Channel, Lead, LeadStatus, Signal, Step
from bottomline.monitoring.workflow import Action
from bottomline.registry.models import Household
from bottomline.registry.services import rows_insert, rows_update

BATCH = 5000


@dataclass(frozen=True)
class SignalIn:
    """A signal about one household, before it is merged into a lead."""

    household_id: int
    detail: dict[str, list[str]] = field(default_factory=dict)  # {"en": [...], "zh": [...]}
    category: int | None = None
    risk_types: Sequence[str] = ()


def _merge(lead: Lead, signal: SignalIn, at: datetime) -> bool:
    """Fold a signal's suggestion into its lead; whether anything changed. A signal older than the lead's
    first (a declaration linked by staff days after it was made) moves the lead's clock back to it."""
    risks = sorted(set(lead.risk_types) | set(signal.risk_types))
    category = lead.category or signal.category
    changed = risks != lead.risk_types or category != lead.category or not lead.first_at <= at <= lead.last_at
    lead.risk_types, lead.category = risks, category
    lead.first_at, lead.last_at = min(at, lead.first_at), max(at, lead.last_at)
    return changed


def _clocks_back(leads: Iterable[Lead]) -> None:
    """Start each lead's case clock at the lead's first signal (the case and its "lead received" step)."""
    for lead in leads:
        moved = Case.objects.filter(lead=lead, opened_at__gt=lead.first_at).update(opened_at=lead.first_at)
        if moved:
            Step.objects.filter(case__lead=lead, action=Action.OPEN).update(
                at=lead.first_at, on=timezone.localtime(lead.first_at).date()
            )


def leads_raise(
    *, channel: Channel, reference: str, signals: Iterable[SignalIn], at: datetime | None = None
) -> dict[str, int]:
    """Raise or join a lead per household, in bulk and in one transaction.

    Idempotent: a signal with the same channel and reference on the same lead is kept once, so re-running a
    screening or re-uploading a feed adds nothing. Returns how many leads were opened and signals added.
    """
    at = at or timezone.now()
    wanted = {s.household_id: s for s in signals}
    opened = added = 0
    with transaction.atomic():
        ids = list(wanted)
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            leads = {
                lead.household_id: lead
                for lead in Lead.objects.select_for_update().filter(
                    household_id__in=chunk, status=LeadStatus.OPEN
                )
            }
            # A new lead is written with its signal's suggestion, as plain rows (no model instances: a first
            # screening of a province opens millions); a lead opened meanwhile stays the one.
            suggested = {h: _suggestion(wanted[h], at) for h in chunk if h not in leads}
            rows_insert(
                Lead,
                ["household", "first_at", "last_at", "category", "risk_types"],
                [(h, *row) for h, row in suggested.items()],
                ignore_conflicts=True,
            )
            opened += len(suggested)
            found = {
                h: (pk, row)
                for pk, h, *row in Lead.objects.filter(
                    household_id__in=chunk, status=LeadStatus.OPEN
                ).values_list("pk", "household_id", "first_at", "last_at", "category", "risk_types")
            }
            cases_open((pk, h, row[0]) for h, (pk, row) in found.items())  # none is opened twice
            # The signal joins a lead that was there, or one opened meanwhile (not as this call wrote it).
            raced = [found[h][0] for h, row in suggested.items() if tuple(found[h][1]) != row]
            joined = [*leads.values(), *Lead.objects.filter(pk__in=raced)]
            earlier = [lead for lead in joined if at < lead.first_at]  # before _merge moves them
            changed = [lead for lead in joined if _merge(lead, wanted[lead.household_id], at)]
            # One prepared UPDATE per lead (executemany): bulk_update's CASE over thousands of leads took seconds.
            rows_update(Lead, changed, ["risk_types", "category", "first_at", "last_at"])
            _clocks_back(earlier)
            signals_of = Signal.objects.filter(
                lead_id__in=[pk for pk, _row in found.values()], channel=channel, reference=reference
            )
            before = signals_of.count()
            rows_insert(
                Signal,
                ["lead", "channel", "at", "reference", "detail"],
                [(found[h][0], channel.value, at, reference, wanted[h].detail) for h in chunk],
                ignore_conflicts=True,
            )
            added += signals_of.count() - before
    return {"opened": opened, "signals": added}


def leads_from_run(run: Run, households: list[int]) -> None:
    """A lead for each household a screening run found newly at risk, with the run's explanations (read back in
    chunks); ``engine.services.NEWLY_AT_RISK`` calls it."""
    for start in range(0, len(households), CHUNK):
        chunk = households[start : start + CHUNK]
        rows = Result.objects.filter(run=run, household_id__in=chunk).values_list(
            "household_id", "category", "risk_types", "explanations"
        )
        leads_raise(
            channel=Channel.SCREENING,
            reference=f"run:{run.pk}",
            signals=[
                SignalIn(household_id=h, detail=explanations, category=category, risk_types=tuple(risk_types))
                for h, category, risk_types, explanations in rows
            ],
            at=run.created_at,
        )


def _suggestion(signal: SignalIn, at: datetime) -> tuple[datetime, datetime, int | None, list[str]]:
    """A new lead's first and last signal, category and risk types: what its one signal suggests."""
    return at, at, signal.category, sorted(set(signal.risk_types))


def lead_raise(
    *,
    household_id: int,
    channel: Channel,
    reference: str,
    detail: dict[str, list[str]] | None = None,
    category: int | None = None,
    risk_types: Sequence[str] = (),
    at: datetime | None = None,
) -> Lead:
    """Raise or join the open lead of one household."""
    signal = SignalIn(household_id, detail or {}, category, tuple(risk_types))
    leads_raise(channel=channel, reference=reference, signals=[signal], at=at)
    return Lead.objects.get(household_id=household_id, status=LeadStatus.OPEN)


REPORT_CHANNELS = (Channel.CADRE, Channel.STAFF_ENTRY)


def lead_report(
    *, actor: User, household_id: int, channel: str, risk_types: Sequence[str], note: str
) -> Lead:
    """A risk reported by staff: a cadre's visit finding, or a hotline call or paper form typed in."""
    household = gate.access(Household.objects.all(), actor, action="change", pk=household_id)
    if channel not in REPORT_CHANNELS:
        raise ValidationError({"channel": _("Choose how the risk was found.")})
    risk_types_check(risk_types)
    if not note.strip():
        raise ValidationError({"note": _("Say what was found or reported.")})
    now = timezone.now()
    return lead_raise(
        household_id=household.pk,
        channel=Channel(channel),
        reference=f"{channel}:{actor.pk}:{now:%Y%m%d%H%M%S%f}",
        detail={"en": [note.strip()], "zh": [note.strip()]},  # the staff member's own words
        risk_types=sorted(set(risk_types)),
        at=now,
    )
