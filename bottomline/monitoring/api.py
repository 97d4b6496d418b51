"""API: work queues, cases and their steps, objections, measures, follow-ups and bulk steps.

Everything the monitoring pages can do, through the same selectors and services: the gate scopes every call
to the caller's region, the workflow table decides which steps the caller may take, and no answer carries an
ID number or a phone.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.api import ERRORS, PDF_RESPONSE, Error, json_or_multipart, json_or_multipart_doc
from bottomline.audit.reads import read_note
from bottomline.monitoring import assistance, casework, jobs, selectors
from bottomline.monitoring.attachments import attachment_from_base64, attachment_from_upload
from bottomline.monitoring.models import (
    Case,
    Category,
    Channel,
    FollowUp,
    Lead,
    Measure,
    MeasureKind,
    MeasureStatus,
    Objection,
)
from bottomline.monitoring.notices import notice_pdf, notice_village
from bottomline.monitoring.readiness import case_followup_due, case_readiness
from bottomline.monitoring.workflow import ELIMINATION, Action, State, transitions_from
from bottomline.pages import pdf_response

router = Router(tags=["monitoring"])

PAGE_SIZE = 50
CENTS = Decimal("0.01")
STEP_ERRORS: dict[int, type[Schema]] = {**ERRORS, 409: Error}
S = TypeVar("S", bound=Schema)


# ---------------------------------------------------------------------------------------------- answers


class QueueOut(Schema):
    """A work queue of the caller and how many cases wait in it."""

    queue: selectors.Queue
    label: str
    count: int


class CaseOut(Schema):
    """A case as the lists show it (no ID number, no phone)."""

    id: int
    household_id: int
    household_number: str
    village_code: str
    village_name: str
    state: State
    state_label: str
    category: Category | None
    category_label: str
    risk_types: list[str]
    opened_at: datetime
    days_open: int
    clock: str = Field(description='"red" past the identification deadline, "amber" near it, else ""')
    notice_start: date | None
    notice_end: date | None
    version: int
    state_then: State | None = Field(None, description="with as_of: the state at the end of that day")


class CasePage(Schema):
    """One page of cases."""

    count: int
    page: int
    pages: int
    results: list[CaseOut]


class StepOut(Schema):
    """One step of a case's history."""

    id: int
    action: str
    action_label: str
    source: str
    target: str
    actor: str | None = Field(description="the username; empty for steps the system records")
    at: datetime
    on: date
    reason: str
    detail: dict[str, Any]
    has_attachment: bool


class ObjectionOut(Schema):
    """An objection raised during a public notice."""

    id: int
    case_id: int
    received_on: date
    text: str
    recorded_by: str
    resolution: str
    upheld: bool | None
    resolved_by: str | None
    resolved_at: datetime | None


class MeasureOut(Schema):
    """An assistance measure."""

    id: int
    case_id: int
    kind: MeasureKind
    kind_label: str
    responsible_id: int
    responsible: str  # the login name (kept for clients that match on it)
    responsible_name: str  # 姓名（职务）, as the pages show it
    amount: Decimal
    start: date
    end: date | None
    status: MeasureStatus
    note: str
    has_evidence: bool
    created_at: datetime
    updated_at: datetime


class FollowUpOut(Schema):
    """A follow-up visit and its re-evaluation."""

    id: int
    case_id: int
    visited_on: date
    visited_by: str
    note: str
    income_id: int | None
    ready: bool
    evaluation: dict[str, Any]
    at: datetime


class SignalOut(Schema):
    """One signal of a lead."""

    id: int
    channel: Channel
    channel_label: str
    at: datetime
    reference: str
    detail: dict[str, Any]


class CriterionOut(Schema):
    """One risk-elimination criterion and whether it holds."""

    code: str
    title: str
    holds: bool


class ReadinessOut(Schema):
    """Whether the household is ready for risk elimination."""

    ready: bool
    safety_net: bool
    criteria: list[CriterionOut]


class SuggestionOut(Schema):
    """A catalog measure, in the order to offer it."""

    kind: MeasureKind
    label: str


class ActionOut(Schema):
    """A step the caller may take now, and what it needs."""

    action: Action
    label: str
    target: State
    needs: list[str]


class CaseDetailOut(CaseOut):
    """A case with its history, notice, plan, follow-ups, readiness and the steps open to the caller."""

    lead_id: int | None
    decided_at: datetime | None
    identified_on: date | None
    followup_due: date | None = Field(description="the day the next follow-up visit is due (monitored cases)")
    eliminated_on: date | None
    safety_net: bool
    closed_at: datetime | None
    steps: list[StepOut]
    objections: list[ObjectionOut]
    measures: list[MeasureOut]
    follow_ups: list[FollowUpOut]
    signals: list[SignalOut]
    readiness: ReadinessOut | None = Field(description="for monitored cases and those being eliminated")
    measure_suggestions: list[SuggestionOut]
    actions: list[ActionOut]


class StateOnOut(Schema):
    """The state a case had at the end of a day."""

    case_id: int
    on: date
    state: State | None = Field(description="empty: the case had not been opened yet")
    state_label: str


class LeadOut(Schema):
    """An open lead and its signals."""

    id: int
    household_id: int
    household_number: str
    village_code: str
    village_name: str
    status: str
    first_at: datetime
    last_at: datetime
    category: int | None
    risk_types: list[str]
    case_id: int | None
    signals: list[SignalOut]


class LeadPage(Schema):
    """One page of leads."""

    count: int
    page: int
    pages: int
    results: list[LeadOut]


class JobRef(Schema):
    """The queued job: poll /api/v1/jobs/{id} for its progress and result."""

    job_id: int


# ---------------------------------------------------------------------------------------------- input


class CaseFilterIn(Schema):
    """Filters of the case list."""

    queue: selectors.Queue | None = None
    as_of: date | None = Field(None, description="the cases as they stood at the end of this day")
    state: State | None = Field(None, description="with as_of: the state on that day")
    village_code: str = Field("", pattern=r"^(\d{12})?$")
    page: int = Field(1, ge=1, le=100000)


class PageIn(Schema):
    """Which page of a list."""

    page: int = Field(1, ge=1, le=100000)


class StepIn(Schema):
    """One step: the action, the version of the case the caller saw, and what the step needs."""

    action: str = Field(max_length=24, description="one of the caller's actions on the case detail")
    version: int | None = Field(None, ge=0, description="refused with 409 if the case has moved on")
    on: date | None = Field(None, description="the day it happened; today when empty")
    reason: str = Field("", max_length=2000)
    minutes: str = Field("", max_length=10000)
    consent: str = Field("", description='"scan" (attach it) or "paper" (give consent_signed_on)')
    consent_signed_on: date | None = None
    category: Category | None = None
    risk_types: list[str] = Field(default_factory=list, max_length=20)
    attachment_name: str = Field("", max_length=200)
    attachment_base64: str = Field("", description="PDF, JPEG or PNG, at most 10 MB")


class ObjectionIn(Schema):
    """An objection received during the notice."""

    received_on: date
    text: str = Field(max_length=5000)


class ResolutionIn(Schema):
    """How an objection was resolved."""

    resolution: str = Field(max_length=5000)
    upheld: bool


class MeasureIn(Schema):
    """A new measure of the assistance plan."""

    kind: MeasureKind
    responsible_id: int = Field(ge=1, le=2**31 - 1)
    start: date
    end: date | None = None
    amount: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    status: MeasureStatus = MeasureStatus.PLANNED
    note: str = Field("", max_length=5000)
    evidence_name: str = Field("", max_length=200)
    evidence_base64: str = Field("", description="PDF, JPEG or PNG, at most 10 MB")


class MeasurePatchIn(Schema):
    """The parts of a measure to change."""

    status: MeasureStatus | None = None
    end: date | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    note: str | None = Field(None, max_length=5000)
    evidence_name: str = Field("", max_length=200)
    evidence_base64: str = Field("", description="PDF, JPEG or PNG, at most 10 MB")


class IncomeIn(Schema):
    """Income and rigid spending of one assessment period (yuan)."""

    period_start: date
    period_end: date
    wage: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    production: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    property_income: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    transfer: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    medical_out_of_pocket: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    education_out_of_pocket: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    other_rigid: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)


class FollowUpIn(Schema):
    """A follow-up visit, with the income found if any."""

    visited_on: date
    note: str = Field("", max_length=5000)
    income: IncomeIn | None = None


class BulkStepIn(Schema):
    """One step on many cases (review, approve or announce)."""

    action: str = Field(max_length=24)
    case_ids: list[int] = Field(max_length=jobs.MAX_CASES)
    reason: str = Field("", max_length=2000)


# ---------------------------------------------------------------------------------------------- shaping


def _case_item(case: Case, clock: selectors.Clock, today: date) -> dict[str, Any]:
    """A case as the list shows it; the household's personal data stays out."""
    home = case.household
    then = getattr(case, "state_then", None)
    return {
        "id": case.pk,
        "household_id": home.pk,
        "household_number": home.number,
        "village_code": home.village.code,
        "village_name": home.village.name,
        "state": case.state,
        "state_label": selectors.choice_label(State, case.state),
        "category": case.category,
        "category_label": selectors.choice_label(Category, case.category) if case.category else "",
        "risk_types": list(case.risk_types),
        "opened_at": case.opened_at,
        "days_open": clock.age(case, today),
        "clock": clock.colour(case, today),
        "notice_start": case.notice_start,
        "notice_end": case.notice_end,
        "version": case.version,
        "state_then": then,
    }


def _name(user: User | None) -> str | None:
    return user.username if user is not None else None


def _objection(o: Objection) -> dict[str, Any]:
    return {
        "id": o.pk,
        "case_id": o.case_id,
        "received_on": o.received_on,
        "text": o.text,
        "recorded_by": o.recorded_by.username,
        "resolution": o.resolution,
        "upheld": o.upheld,
        "resolved_by": _name(o.resolved_by),
        "resolved_at": o.resolved_at,
    }


def _measure(m: Measure) -> dict[str, Any]:
    return {
        "id": m.pk,
        "case_id": m.case_id,
        "kind": m.kind,
        "kind_label": selectors.choice_label(MeasureKind, m.kind),
        "responsible_id": m.responsible_id,
        "responsible": m.responsible.username,
        "responsible_name": m.responsible.cadre_label(),
        "amount": Decimal(m.amount).quantize(CENTS),  # the same form before and after a reload
        "start": m.start,
        "end": m.end,
        "status": m.status,
        "note": m.note,
        "has_evidence": bool(m.evidence),
        "created_at": m.created_at,
        "updated_at": m.updated_at,
    }


def _followup(f: FollowUp) -> dict[str, Any]:
    return {
        "id": f.pk,
        "case_id": f.case_id,
        "visited_on": f.visited_on,
        "visited_by": f.visited_by.username,
        "note": f.note,
        "income_id": f.income_id,
        "ready": f.ready,
        "evaluation": f.evaluation,
        "at": f.at,
    }


def _signals(lead: Lead | None) -> list[dict[str, Any]]:
    if lead is None:
        return []
    return [
        {
            "id": s.pk,
            "channel": s.channel,
            "channel_label": selectors.choice_label(Channel, s.channel),
            "at": s.at,
            "reference": s.reference,
            "detail": s.detail,
        }
        for s in lead.signals.all()
    ]


def _case_detail(viewer: User, case_id: int) -> dict[str, Any]:
    """Everything the case page shows, for the API."""
    case = selectors.case_detail(viewer=viewer, case_id=case_id)
    today = timezone.localdate()
    lang = get_language() or "zh-hans"
    readiness = None
    suggestions: list[MeasureKind] = []
    if case.state == State.MONITORED or case.state in ELIMINATION:
        judged = case_readiness(case=case, on=today)
        key = "zh" if lang.startswith("zh") else "en"
        readiness = {
            "ready": judged.ready,
            "safety_net": judged.safety_net,
            "criteria": [{"code": c, "title": t[key], "holds": h} for c, t, h in judged.criteria],
        }
    if assistance.measures_open(case):
        suggestions = assistance.measure_suggestions(case=case)
    may_act = gate.allowed(viewer, Case, "act")
    return {
        **_case_item(case, selectors.clock_for(viewer=viewer, on=today), today),
        "lead_id": case.lead_id,
        "decided_at": case.decided_at,
        "identified_on": case.identified_on,
        "followup_due": case_followup_due(case=case, on=today),
        "eliminated_on": case.eliminated_on,
        "safety_net": case.safety_net,
        "closed_at": case.closed_at,
        "steps": [
            {
                "id": s.pk,
                "action": s.action,
                "action_label": selectors.choice_label(Action, s.action),
                "source": s.source,
                "target": s.target,
                "actor": _name(s.actor),
                "at": s.at,
                "on": s.on,
                "reason": s.reason,
                "detail": s.detail,
                "has_attachment": bool(s.attachment),
            }
            for s in case.steps.all()
        ],
        "objections": [_objection(o) for o in case.objections.select_related("recorded_by", "resolved_by")],
        "measures": [_measure(m) for m in case.measures.all()],
        "follow_ups": [_followup(f) for f in case.follow_ups.select_related("visited_by")],
        "signals": _signals(case.lead),
        "readiness": readiness,
        "measure_suggestions": [{"kind": k, "label": str(k.label)} for k in suggestions],
        "actions": [
            {"action": t.action, "label": str(t.action.label), "target": t.target, "needs": list(t.needs)}
            for t in (transitions_from(case.state, viewer.role) if may_act else [])
        ],
    }


def _pages(count: int) -> int:
    return max(1, -(-count // PAGE_SIZE))


# ---------------------------------------------------------------------------------------------- reads


@router.get("/queues", response={200: list[QueueOut], **ERRORS})
def queue_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The caller's work queues with the number of cases waiting in each."""
    user = gate.staff_of(request)
    gate.require(user, Case, "view", request)
    return [{"queue": q, "label": str(q.label), "count": n} for q, n in selectors.queue_counts(viewer=user)]


@router.get("/cases", response={200: CasePage, **ERRORS})
def case_list(request: HttpRequest, filters: Query[CaseFilterIn]) -> dict[str, Any]:
    """The cases of the caller's region, oldest lead first: one queue, or as they stood on a past day."""
    user = gate.staff_of(request)
    gate.require(user, Case, "view", request)
    today = timezone.localdate()
    if filters.as_of is not None:
        if filters.queue is not None:
            raise ValidationError({"queue": _("Choose a queue or a past day, not both.")})
        if filters.as_of > today:
            raise ValidationError({"as_of": _("The date cannot be in the future.")})
        cases = selectors.cases_as_of(viewer=user, on=filters.as_of)
        if filters.state is not None:
            cases = cases.filter(state_then=filters.state)  # type: ignore[misc]  # annotated by cases_as_of
    else:
        if filters.queue is not None:
            cases = selectors.case_queue(viewer=user, queue=filters.queue, on=today)
        else:
            cases = selectors.case_list(viewer=user)
        if filters.state is not None:
            cases = cases.filter(state=filters.state)
    if filters.village_code:
        cases = cases.filter(household__village__code=filters.village_code)
    read_note(what="monitoring.case", region=filters.village_code or user.region)
    count = cases.count()
    start = (filters.page - 1) * PAGE_SIZE
    clock = selectors.clock_for(viewer=user, on=today)
    return {
        "count": count,
        "page": filters.page,
        "pages": _pages(count),
        "results": [_case_item(c, clock, today) for c in cases[start : start + PAGE_SIZE]],
    }


@router.get("/cases/{int:case_id}", response={200: CaseDetailOut, **ERRORS})
def case_detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """One case: history, objections, measures, follow-ups, signals, readiness and the caller's next steps."""
    return _case_detail(gate.staff_of(request), case_id)


@router.get("/cases/{int:case_id}/as-of", response={200: StateOnOut, **ERRORS})
def case_as_of(request: HttpRequest, case_id: int, on: date | None = None) -> dict[str, Any]:
    """The state a case had at the end of a day (today when ``on`` is empty)."""
    user = gate.staff_of(request)
    case = gate.access(Case.objects.all(), user, request=request, pk=case_id)
    day = on or timezone.localdate()
    state = selectors.case_state_on(case=case, on=day)
    return {
        "case_id": case.pk,
        "on": day,
        "state": state,
        "state_label": selectors.choice_label(State, state) if state else "",
    }


@router.get("/leads", response={200: LeadPage, **ERRORS})
def monitoring_lead_list(request: HttpRequest, filters: Query[PageIn]) -> dict[str, Any]:
    """The open leads of the caller's region, oldest first, with their signals."""
    page = filters.page
    user = gate.staff_of(request)
    gate.require(user, Lead, "view", request)
    leads = selectors.lead_list(viewer=user).select_related("household__village", "case")
    read_note(what="monitoring.lead", region=user.region)
    count = leads.count()
    start = (page - 1) * PAGE_SIZE
    results = []
    for lead in leads.prefetch_related("signals")[start : start + PAGE_SIZE]:
        home = lead.household
        case = getattr(lead, "case", None)
        results.append(
            {
                "id": lead.pk,
                "household_id": home.pk,
                "household_number": home.number,
                "village_code": home.village.code,
                "village_name": home.village.name,
                "status": lead.status,
                "first_at": lead.first_at,
                "last_at": lead.last_at,
                "category": lead.category,
                "risk_types": list(lead.risk_types),
                "case_id": case.pk if case is not None else None,
                "signals": _signals(lead),
            }
        )
    return {"count": count, "page": page, "pages": _pages(count), "results": results}


# ---------------------------------------------------------------------------------------------- writes


def _attachment(request: HttpRequest, schema: type[S], field: str) -> tuple[S, ContentFile[bytes] | None]:
    """The operation's input (JSON, or a multipart form) and its checked attachment: the multipart file
    ``field``, or the JSON's ``<field>_base64`` named ``<field>_name``; None when neither was sent."""
    data, files = json_or_multipart(request, schema)
    upload = files.get(field)
    if upload is not None:
        return data, attachment_from_upload(upload, field=field)
    encoded = getattr(data, f"{field}_base64")
    if encoded:
        return data, attachment_from_base64(
            name=getattr(data, f"{field}_name"), content_base64=encoded, field=field
        )
    return data, None


@router.post(
    "/cases/{int:case_id}/steps",
    response={200: CaseDetailOut, **STEP_ERRORS},
    openapi_extra=json_or_multipart_doc(StepIn, "attachment", "attachment_base64"),
)
def case_step(request: HttpRequest, case_id: int) -> Any:
    """Take one step of a case: 409 if the case has moved on since ``version``, 422 with what is missing.

    JSON (a consent scan base64 in ``attachment_base64``), or a multipart form with the scan as the file
    ``attachment`` (PDF, JPEG or PNG, at most 10 MB either way)."""
    user = gate.staff_of(request)
    data, attachment = _attachment(request, StepIn, "attachment")
    given = casework.StepIn(
        on=data.on,
        reason=data.reason,
        minutes=data.minutes,
        consent=data.consent,
        consent_signed_on=data.consent_signed_on,
        category=int(data.category) if data.category is not None else None,
        risk_types=tuple(data.risk_types),
        attachment=attachment,
    )
    try:
        casework.case_step(actor=user, case_id=case_id, action=data.action, given=given, version=data.version)
    except casework.StepConflict as exc:
        return Status(409, {"detail": " ".join(exc.messages)})
    return _case_detail(user, case_id)


@router.post("/cases/{int:case_id}/objections", response={201: ObjectionOut, **ERRORS})
def objection_create(request: HttpRequest, case_id: int, data: ObjectionIn) -> Status[dict[str, Any]]:
    """Record an objection received while the case is in public notice."""
    objection = casework.objection_record(
        actor=gate.staff_of(request), case_id=case_id, received_on=data.received_on, text=data.text
    )
    return Status(201, _objection(objection))


@router.post("/objections/{int:objection_id}/resolve", response={200: ObjectionOut, **ERRORS})
def objection_resolve(request: HttpRequest, objection_id: int, data: ResolutionIn) -> dict[str, Any]:
    """Resolve an objection: how it was checked and whether it was upheld."""
    objection = casework.objection_resolve(
        actor=gate.staff_of(request),
        objection_id=objection_id,
        resolution=data.resolution,
        upheld=data.upheld,
    )
    return _objection(objection)


@router.post(
    "/cases/{int:case_id}/measures",
    response={201: MeasureOut, **ERRORS},
    openapi_extra=json_or_multipart_doc(MeasureIn, "evidence", "evidence_base64"),
)
def measure_create(request: HttpRequest, case_id: int) -> Status[dict[str, Any]]:
    """Add a measure to the assistance plan of an identified case: JSON (evidence base64 in ``evidence_base64``),
    or a multipart form with the evidence as the file ``evidence``."""
    data, evidence = _attachment(request, MeasureIn, "evidence")
    measure = assistance.measure_add(
        actor=gate.staff_of(request),
        case_id=case_id,
        kind=data.kind,
        responsible_id=data.responsible_id,
        start=data.start,
        end=data.end,
        amount=data.amount,
        status=data.status,
        note=data.note,
        evidence=evidence,
    )
    return Status(201, _measure(measure))


@router.patch(
    "/measures/{int:measure_id}",
    response={200: MeasureOut, **ERRORS},
    openapi_extra=json_or_multipart_doc(MeasurePatchIn, "evidence", "evidence_base64"),
)
def measure_update(request: HttpRequest, measure_id: int) -> dict[str, Any]:
    """Change a measure's status, end, amount, note or evidence (what is left out stays): JSON, or a multipart
    form with the evidence as the file ``evidence``."""
    data, evidence = _attachment(request, MeasurePatchIn, "evidence")
    measure = assistance.measure_update(
        actor=gate.staff_of(request),
        measure_id=measure_id,
        status=data.status,
        end=data.end,
        amount=data.amount,
        note=data.note,
        evidence=evidence,
    )
    return _measure(measure)


@router.post("/cases/{int:case_id}/follow-ups", response={201: FollowUpOut, **ERRORS})
def followup_create(request: HttpRequest, case_id: int, data: FollowUpIn) -> Status[dict[str, Any]]:
    """Record a follow-up visit (with the income found, saved to the archive); the household is re-evaluated."""
    follow_up = assistance.followup_record(
        actor=gate.staff_of(request),
        case_id=case_id,
        visited_on=data.visited_on,
        note=data.note,
        income=data.income.dict() if data.income is not None else None,
    )
    return Status(201, _followup(follow_up))


@router.post("/bulk-steps", response={202: JobRef, **ERRORS})
def bulk_step(request: HttpRequest, data: BulkStepIn) -> Status[JobRef]:
    """Queue one step (review, approve or announce) on many cases; poll /api/v1/jobs/{id} for the result."""
    job = jobs.bulk_step_enqueue(
        actor=gate.staff_of(request),
        case_ids=data.case_ids,
        action=data.action,
        reason=data.reason,
        language=get_language() or "zh-hans",
    )
    return Status(202, JobRef(job_id=job.pk))


@router.get("/notices/{code}/pdf", response=ERRORS, openapi_extra=PDF_RESPONSE)
def monitoring_notice_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """A village's public notice (公示) as an A4 PDF to print and post (village, township and county staff)."""
    user = gate.staff_of(request)
    village = notice_village(viewer=user, code=code)
    return pdf_response(notice_pdf(viewer=user, village=village), f"notice-{village.code}.pdf")
