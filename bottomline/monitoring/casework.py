"""Taking the steps of a case: identification, objections during the notice, risk elimination, bulk steps.

Every step goes through ``case_step``: the gate finds the case in the actor's region, the workflow table says
whether the action may be taken from the case's state and by which role, the step's needs are checked, and a
conditional update on the case's version makes a step taken twice at once take effect once.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.services import change_record, input_sha256, job_record
from bottomline.engine.online import current_refresh
from bottomline.jobs.progress import NullProgress, Progress
from bottomline.monitoring.models import Case, Category, Lead, LeadStatus, Objection, Step
from bottomline.monitoring.readiness import case_readiness, household_readiness
from bottomline.monitoring.workflow import CLOSED, IN_NOTICE, Action, State, Transition, transition_for
from bottomline.policy.selectors import parameters_cached
from bottomline.registry.choices import RiskType
from bottomline.registry.services import rows_insert

# What runs once a step is committed, with the case's id and the step's day: the dashboards' figures register their
# refresh here (dashboards.apps), as they lie above this app and it may not import them.
AFTER_STEP: list[Callable[..., None]] = []

CONSENT_KINDS = ("scan", "paper")  # a scanned signed form, or a paper signature recorded with its date


class StepConflict(ValidationError):
    """The case moved on while the step was being taken (someone else took it first)."""


@dataclass(frozen=True)
class StepIn:
    """What a person gives with a step; each transition reads the parts it needs."""

    on: date | None = None  # the day it happened; today when empty
    reason: str = ""
    minutes: str = ""
    consent: str = ""  # "scan" or "paper"
    consent_signed_on: date | None = None
    category: int | None = None
    risk_types: Sequence[str] = ()
    attachment: File[Any] | None = None


def notice_days(case: Case, on: date) -> int:
    """The notice period in force for the case's village (parameter ``notice_days``, at least 5 by default)."""
    return int(parameters_cached(village_id=case.household.village_id, on=on).get("notice_days", 5))


def risk_types_check(risks: Collection[str]) -> None:
    """Raise unless ``risks`` names one or more risk types, all from the list."""
    if not risks or set(risks) - set(RiskType.values):
        raise ValidationError({"risk_types": _("Choose one or more risk types from the list.")})


def _check_category(case: Case, given: StepIn) -> tuple[int, list[str]]:
    category = given.category or case.category
    risks = list(given.risk_types) or list(case.risk_types)
    if category not in Category.values:
        raise ValidationError({"category": _("Choose the category of monitoring object.")})
    risk_types_check(risks)
    return int(category), sorted(set(risks))


def _check_needs(t: Transition, case: Case, given: StepIn, on: date) -> dict[str, Any]:
    """Raise a ValidationError naming the first unmet need; the step's recorded detail otherwise."""
    detail: dict[str, Any] = {}
    for need in t.needs:
        if need == "reason" and not given.reason.strip():
            raise ValidationError({"reason": _("Give a reason.")})
        if need == "consent":
            if given.consent not in CONSENT_KINDS:
                raise ValidationError(
                    {"consent": _("Record the household's signed consent: a scan, or a paper signature.")}
                )
            if given.consent == "scan" and not given.attachment:
                raise ValidationError({"attachment": _("Attach the scan of the signed consent form.")})
            if given.consent == "paper" and not given.consent_signed_on:
                raise ValidationError({"consent_signed_on": _("Give the date the consent was signed.")})
            if given.consent_signed_on and given.consent_signed_on > on:
                raise ValidationError(
                    {
                        "consent_signed_on": _(
                            "The consent cannot be signed after the visit, nor in the future."
                        )
                    }
                )
            detail["consent"] = {
                "kind": given.consent,
                "signed_on": (given.consent_signed_on or on).isoformat(),
            }
        if need == "minutes":
            if not given.minutes.strip():
                raise ValidationError({"minutes": _("Record the minutes of the village appraisal.")})
            detail["minutes"] = given.minutes.strip()
        if need == "category":
            detail["category"], detail["risk_types"] = _check_category(case, given)
        if need == "notice_over":
            if case.notice_end is None or on <= case.notice_end:
                raise ValidationError(
                    _("The public notice runs until %(end)s; review it after that day.")
                    % {"end": case.notice_end}
                )
            if case.objections.filter(resolved_at__isnull=True).exists():
                raise ValidationError(_("Resolve every objection raised during the notice first."))
        if need == "ready":
            readiness = case_readiness(case=case, on=on)
            if not readiness.ready:
                raise ValidationError(
                    _("Not ready for risk elimination: %(missing)s.")
                    % {"missing": "; ".join(readiness.missing(get_language() or "en"))}
                )
            detail["readiness"] = readiness.as_detail()
    return detail


def date_check(case: Case, on: date) -> None:
    """Raise unless ``on`` is a possible day for the case's next step: not in the future, not before its first
    lead, not before the step before it."""
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date cannot be in the future.")})
    lead_day = timezone.localtime(case.opened_at).date()
    if on < lead_day:
        raise ValidationError(
            {"on": _("The date cannot be before the lead (%(day)s).") % {"day": lead_day.isoformat()}}
        )
    last = case.steps.aggregate(last=Max("on"))["last"]
    if last is not None and on < last:
        raise ValidationError(
            {"on": _("The date cannot be before the step before it (%(day)s).") % {"day": last.isoformat()}}
        )


def _changes(t: Transition, case: Case, detail: dict[str, Any], on: date) -> dict[str, Any]:
    """The case fields a step sets besides its state."""
    now = timezone.now()
    changes: dict[str, Any] = {}
    if "category" in detail:
        changes |= {"category": detail["category"], "risk_types": detail["risk_types"]}
    if t.target in IN_NOTICE and t.action == Action.APPRAISE:
        # Full calendar days after the appraisal's day (domain.md §1.5: 公示 ≥ 5 days), reviewed the day after.
        start = on + timedelta(days=1)
        changes |= {"notice_start": start, "notice_end": start + timedelta(days=notice_days(case, on) - 1)}
    if t.action == Action.APPROVE and t.target == State.ANNOUNCEMENT:
        changes |= {"decided_at": now, "identified_on": on}
    if t.target == State.REJECTED:
        changes |= {"decided_at": now}
    if t.target == State.ELIMINATED:
        changes |= {"eliminated_on": on}
    if t.target in CLOSED:
        changes |= {"closed_at": now}
    if t.target == State.MONITORED:  # label a household that will stay monitored on the safety net
        changes |= {"safety_net": household_readiness(household=case.household, on=on).safety_net}
    return changes


@transaction.atomic
def case_step(
    *, actor: User, case_id: int, action: str, given: StepIn | None = None, version: int | None = None
) -> Case:
    """Take one step of a case (``version``: the one the actor saw; a changed case is refused)."""
    given = given or StepIn()
    case = gate.access(Case.objects.select_related("household"), actor, action="act", pk=case_id)
    t = transition_for(case.state, action)
    if t is None:
        raise ValidationError(
            _("This step cannot be taken now: the case is at “%(state)s”.")
            % {"state": State(case.state).label}
        )
    if actor.role != t.role:
        gate.deny(actor, f"monitoring.case:{action}@{case.state}")
    if version is not None and version != case.version:
        raise StepConflict(_("The case has changed since you opened it; look at it again."))
    on = given.on or timezone.localdate()
    date_check(case, on)
    detail = _check_needs(t, case, given, on)
    changes = _changes(t, case, detail, on)
    before = {field: getattr(case, field) for field in ("state", *changes)}
    taken = Case.objects.filter(pk=case.pk, version=case.version).update(
        state=t.target, version=F("version") + 1, **changes
    )
    if not taken:
        raise StepConflict(_("Someone else has just taken a step on this case; look at it again."))
    Step.objects.create(
        case=case,
        action=t.action,
        source=t.source,
        target=t.target,
        actor=actor,
        at=timezone.now(),
        on=on,
        reason=given.reason.strip(),
        detail=detail,
        attachment=given.attachment or "",
    )
    if t.action == Action.VISIT:
        _cross_check(case, on)
    if t.target in CLOSED and case.lead_id is not None:
        Lead.objects.filter(pk=case.lead_id).update(status=LeadStatus.CLOSED)
    # The village's figures are recomputed once the step is committed, so they stay fresh (AFTER_STEP).
    for after in AFTER_STEP:
        transaction.on_commit(partial(after, case_id=case.pk, on=on))
    case.refresh_from_db()
    change_record(instance=case, actor=actor, before=before)  # the UPDATE above sends auditlog no signal
    return case


def _cross_check(case: Case, on: date) -> None:
    """Record the data cross-check (信息比对): what the rules say of the household now, with the numbers."""
    current = current_refresh(case.household, on=on)
    Step.objects.create(
        case=case,
        action=Action.CROSS_CHECK,
        source=case.state,
        target=State.APPRAISAL,
        actor=None,
        at=timezone.now(),
        on=on,
        detail={
            "category": current.category,
            "codes": current.codes,
            "risk_types": current.risk_types,
            "explanations": current.explanations,
        },
    )


def cases_open(leads: Iterable[tuple[int, int, datetime]]) -> int:
    """Open a case for each lead (id, household, first signal) that has none, when its household has no open
    case (called by leads_raise). Plain rows, no model instances: a province's first screening opens millions."""
    leads = list(leads)
    busy = set(
        Case.objects.filter(household_id__in=[h for _l, h, _at in leads], closed_at__isnull=True).values_list(
            "household_id", flat=True
        )
    )
    fresh = [(lead, h, first) for lead, h, first in leads if h not in busy]
    # A case opened meanwhile stays the one.
    rows_insert(
        Case,
        ["household", "lead", "opened_at"],
        [(h, lead, first) for lead, h, first in fresh],
        ignore_conflicts=True,
    )
    opened = Case.objects.filter(lead_id__in=[lead for lead, _h, _at in fresh], steps__isnull=True)
    rows_insert(
        Step,
        ["case", "action", "target", "at", "on"],
        [  # on: the day in China, not in UTC
            (case, Action.OPEN.value, State.VISIT.value, at, timezone.localtime(at).date())
            for case, at in opened.values_list("pk", "opened_at")
        ],
    )
    return len(fresh)


@transaction.atomic
def objection_record(*, actor: User, case_id: int, received_on: date, text: str) -> Objection:
    """Record an objection received during the case's public notice."""
    case = gate.access(Case.objects.all(), actor, action="act", pk=case_id)
    if case.state not in IN_NOTICE:
        raise ValidationError(_("Objections are recorded while the case is in public notice."))
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("The date cannot be in the future.")})
    if case.notice_start is not None and received_on < case.notice_start:
        raise ValidationError(
            {
                "received_on": _("The public notice started on %(day)s: an objection is received after that.")
                % {"day": case.notice_start.isoformat()}
            }
        )
    if not text.strip():
        raise ValidationError({"text": _("Write down the objection.")})
    return Objection.objects.create(case=case, received_on=received_on, text=text.strip(), recorded_by=actor)


@transaction.atomic
def objection_resolve(*, actor: User, objection_id: int, resolution: str, upheld: bool) -> Objection:
    """Resolve an objection: how it was checked, and whether it was upheld (sending the case back is a step of
    its own)."""
    objection = gate.access(Objection.objects.select_related("case"), actor, action="change", pk=objection_id)
    if objection.resolved_at is not None:
        raise ValidationError(_("This objection has been resolved already."))
    if not resolution.strip():
        raise ValidationError({"resolution": _("Say how the objection was resolved.")})
    objection.resolution, objection.upheld = resolution.strip(), upheld
    objection.resolved_by, objection.resolved_at = actor, timezone.now()
    objection.save(update_fields=["resolution", "upheld", "resolved_by", "resolved_at"])
    return objection


def cases_bulk_step(
    *,
    actor: User,
    case_ids: Sequence[int],
    action: str,
    given: StepIn | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Take the same step on many cases, each in its own transaction: a failure stops nothing, and running it
    again skips the cases already moved on (they are reported as failed with the reason)."""
    progress = progress or NullProgress()
    progress.start(len(case_ids))
    done: list[int] = []
    failed: dict[str, str] = {}
    for case_id in case_ids:
        try:
            case_step(actor=actor, case_id=case_id, action=action, given=given)
            done.append(case_id)
        except (ValidationError, PermissionDenied) as exc:
            failed[str(case_id)] = (
                "; ".join(exc.messages) if isinstance(exc, ValidationError) else _("Not allowed.")
            )
        except Exception as exc:  # one broken case must not stop the others: reported, not lost
            failed[str(case_id)] = str(exc) or type(exc).__name__
        progress.advance()
    job_record(
        job="monitoring.bulk_step",
        user=actor,
        sha256=input_sha256(f"{action}:{','.join(map(str, case_ids))}".encode()),  # the cases it was given
        updated=len(done),
        refused=len(failed),
        detail={"action": action},
    )
    return {"done": done, "failed": failed}
