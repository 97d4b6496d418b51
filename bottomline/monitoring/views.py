"""Case pages: the work queues, one case with the steps the viewer may take, the village public notice, and
the gated download of attachments. Thin adapters over monitoring's selectors and services."""

from __future__ import annotations

import mimetypes
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.reads import read_note
from bottomline.monitoring import selectors
from bottomline.monitoring.assistance import (
    followup_record,
    measure_add,
    measure_suggestions,
    measure_update,
    measures_open,
)
from bottomline.monitoring.casework import (
    StepConflict,
    StepIn,
    case_step,
    objection_record,
    objection_resolve,
)
from bottomline.monitoring.forms import (
    AsOfForm,
    BulkForm,
    CaseFilterForm,
    FollowUpForm,
    MeasureForm,
    MeasureUpdateForm,
    ObjectionForm,
    ResolveForm,
    RiskReportForm,
    StepForm,
)
from bottomline.monitoring.jobs import BULK_ACTIONS, bulk_step_enqueue
from bottomline.monitoring.models import Case, Category, Measure, MeasureKind, Objection, Step
from bottomline.monitoring.notices import head_name, notice_for, notice_pdf, notice_village
from bottomline.monitoring.readiness import case_followup_due, case_readiness
from bottomline.monitoring.selectors import Queue, choice_label
from bottomline.monitoring.services import lead_report
from bottomline.monitoring.workflow import (
    ASSISTABLE,
    ELIMINATION,
    IN_NOTICE,
    TRANSITIONS,
    Action,
    State,
    transition_for,
    transitions_from,
)
from bottomline.pages import apply_service_errors, pdf_response
from bottomline.regions.models import Level
from bottomline.regions.selectors import RegionChoice, region_children, region_choose, region_get, region_path
from bottomline.registry.choices import RiskType
from bottomline.registry.models import Household

PAGE_SIZE = 50
# The queue where each bulk step waits.
BULK_QUEUES = {
    Queue.TO_REVIEW: Action.REVIEW,
    Queue.TO_APPROVE: Action.APPROVE,
    Queue.TO_ANNOUNCE: Action.ANNOUNCE,
}


def _risk_labels(codes: list[str]) -> list[str]:
    return [choice_label(RiskType, code) for code in codes]


def _bulk_action(user: User, queue: str) -> Action | None:
    """The bulk step the viewer's role takes on ``queue`` (None: nothing in bulk there)."""
    action = BULK_QUEUES.get(Queue(queue)) if queue in Queue.values else None
    if action is None or action not in BULK_ACTIONS or not gate.allowed(user, Case, "act"):
        return None
    return action if any(t.action == action and t.role == user.role for t in TRANSITIONS) else None


def _case_filters(user: User, form: CaseFilterForm) -> tuple[selectors.CaseFilter, RegionChoice | None]:
    """The case list's filters from its form (a choice outside the viewer's region is an error on its field and
    filters nothing), with what a region typed by name found."""
    form.is_valid()  # the fields that are valid filter, each on its own
    data = getattr(form, "cleaned_data", {})
    region = region_choose(viewer=user, text=data["region"]) if data.get("region") else None
    return selectors.CaseFilter(
        region=region.region if region else None,
        no_region=region is not None and region.region is None,
        category=data.get("category"),
        risk_type=data.get("risk_type") or "",
        overdue=bool(data.get("overdue")),
        responsible=data.get("responsible"),
    ), region


@login_required
def case_queues(request: HttpRequest) -> HttpResponse:
    """The viewer's work queues with counts, one queue's cases (or every case as of a past day)."""
    user = gate.staff_of(request)
    gate.require(user, Case, "view", request)
    today = timezone.localdate()
    counts = selectors.queue_counts(viewer=user, on=today)
    names = [q.value for q, _n in counts]
    requested = request.GET.get("queue", "")
    current = requested if requested in names else names[0]
    as_of_form = AsOfForm(request.GET or None)
    as_of: date | None = as_of_form.cleaned_data.get("as_of") if as_of_form.is_valid() else None
    filter_form = CaseFilterForm(request.GET or None, responsible=selectors.responsible_choices(viewer=user))
    filters, region_choice = _case_filters(user, filter_form)
    if as_of is not None:
        cases = selectors.cases_as_of(viewer=user, on=as_of)
    else:
        cases = selectors.case_queue(viewer=user, queue=current, on=today)
    filtered = filters != selectors.CaseFilter()
    cases = selectors.case_filter(cases, viewer=user, filters=filters, on=today)
    paginator = Paginator(cases.annotate(head_name=head_name()), PAGE_SIZE)
    if as_of is None and not filtered:
        # the queue's tab has counted it already: the page does not count the queue a second time
        paginator.count = dict(counts)[Queue(current)]  # a cached_property: set, not counted
    elif request.GET.get("page") and (carried := request.GET.get("n", "")).isascii() and carried.isdigit():
        paginator.count = int(carried)  # counted on the first page, carried by the page links
    page = paginator.get_page(request.GET.get("page"))
    read_note(what="monitoring.case", region=user.region)
    clock = selectors.clock_for(viewer=user, on=today)
    rows = [
        {
            "case": case,
            "state": choice_label(State, getattr(case, "state_then", None) or case.state),
            "category": choice_label(Category, case.category) if case.category else "",
            "risks": _risk_labels(case.risk_types),
            "days": clock.age(case, today),
            "colour": clock.colour(case, today),
            "notice_ended": case.state in IN_NOTICE
            and case.notice_end is not None
            and case.notice_end < today,
        }
        for case in page
    ]
    bulk_action = None if as_of else _bulk_action(user, current)
    village = user.region if user.region.level == Level.VILLAGE and gate.allowed(user, Case, "act") else None
    context = {
        "tabs": [(q, n, q.value == current) for q, n in counts],
        "current": current,
        "as_of": as_of,
        "as_of_form": as_of_form,
        "page": page,
        "rows": rows,
        "bulk_action": bulk_action,
        "bulk_label": Action(bulk_action).label if bulk_action else "",
        "notice_village": village,
        "query": urlencode(
            [
                ("queue", current),
                *((k, v) for k, v in request.GET.items() if k not in ("queue", "page", "n") and v),
            ]
        ),
        "filter_form": filter_form,
        "filtered": filtered,
        "region_choice": region_choice,
        "picker_children": region_children(viewer=user),
        "picker_keep": f"{urlencode({'queue': current})}&",
    }
    return render(request, "monitoring/case_list.html", context)


def _overseer(request: HttpRequest) -> User:
    """The signed-in staff member if they oversee villages (403, audited, otherwise)."""
    user = gate.staff_of(request)
    gate.require(user, Case, "view", request)
    if user.role not in selectors.OVERSEERS:
        gate.deny(user, "monitoring.oversight", request)
    return user


@login_required
def oversight(request: HttpRequest) -> HttpResponse:
    """The villages of the viewer's region with overdue visits, appraisals and follow-ups (督办), apart from
    the viewer's own work queues."""
    user = _overseer(request)
    return render(
        request, "monitoring/oversight.html", {"villages": selectors.oversight_villages(viewer=user)}
    )


@login_required
def oversight_village(request: HttpRequest, code: str) -> HttpResponse:
    """One village's overdue cases, by kind (404 outside the viewer's region)."""
    user = _overseer(request)
    village = region_get(viewer=user, code=code)
    if village.level != Level.VILLAGE:
        raise Http404
    today = timezone.localdate()
    clock = selectors.clock_for(viewer=user, on=today)
    titles = {
        "visits": _("Overdue home visits"),
        "appraisals": _("Overdue village appraisals"),
        "followups": _("Overdue follow-ups"),
    }
    sections = [
        {
            "name": name,
            "title": titles[name],
            "rows": [
                {"case": case, "state": choice_label(State, case.state), "days": clock.age(case, today)}
                for case in cases.annotate(head_name=head_name())[:PAGE_SIZE]
            ],
        }
        for name, cases in selectors.oversight_cases(viewer=user, village=village, on=today).items()
    ]
    path = region_path(viewer=user, region=village)
    return render(
        request, "monitoring/oversight_village.html", {"village": village, "path": path, "sections": sections}
    )


@login_required
@require_POST
def case_bulk(request: HttpRequest) -> HttpResponse:
    """Queue one step on the chosen cases (or on all of the queue whose notice ended) and show the job."""
    user = gate.staff_of(request)
    gate.require(user, Case, "act", request)
    form = BulkForm(request.POST)
    back = reverse("monitoring:case_list")
    if not form.is_valid():
        messages.error(request, _("Choose the cases and the step to take."))
        return redirect(back)
    data = form.cleaned_data
    back += f"?queue={data['queue']}"
    ids: list[int] = list(data["case_ids"])
    if data["scope"] == "notice_ended":
        if data["queue"] not in Queue.values:
            messages.error(request, _("Choose the cases and the step to take."))
            return redirect(back)
        ids = selectors.notice_ended_ids(viewer=user, queue=data["queue"])
    try:
        job = bulk_step_enqueue(
            actor=user,
            case_ids=ids,
            action=data["action"],
            reason=data["reason"],
            language=request.LANGUAGE_CODE,
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(back)
    messages.success(request, _("%(n)d cases queued; the job shows how far it has got.") % {"n": len(ids)})
    return redirect("jobs:detail", pk=job.pk)


def _step_forms(user: User, case: Case, bound: dict[str, forms.Form]) -> list[dict[str, Any]]:
    """The forms of the steps the viewer's role may take on the case now, forward steps first."""
    if not gate.allowed(user, Case, "act"):
        return []
    category = case.category or (case.lead.category if case.lead else None)
    risks = case.risk_types or (case.lead.risk_types if case.lead else [])
    result = []
    for t in transitions_from(case.state, user.role):
        form = bound.get(f"step:{t.action}") or StepForm.for_transition(
            t,
            initial={"version": case.version, "category": category, "risk_types": risks},
            auto_id=f"id_{t.action}_%s",
        )
        result.append(
            {
                "transition": t,
                "form": form,
                "label": Action(t.action).label,
                "danger": t.action in (Action.REJECT, Action.SEND_BACK),
            }
        )
    return result


def _steps(case: Case) -> list[dict[str, Any]]:
    rows = []
    for step in case.steps.all():
        detail = step.detail or {}
        rows.append(
            {
                "step": step,
                "action": choice_label(Action, step.action),
                "source": choice_label(State, step.source) if step.source else "",
                "target": choice_label(State, step.target),
                "category": choice_label(Category, detail["category"]) if detail.get("category") else "",
                "risks": _risk_labels(detail.get("risk_types") or []),
                "consent": detail.get("consent"),
                "minutes": detail.get("minutes", ""),
                "explanations": detail.get("explanations") or [],
                "readiness": (detail.get("readiness") or {}).get("criteria") or [],
            }
        )
    return rows


def _explanations(value: Any, language: str) -> list[str]:
    """Rule explanations kept as {"en": [...], "zh": [...]} (or a plain list), in the page's language."""
    if isinstance(value, dict):
        value = value.get("zh" if language.startswith("zh") else "en") or []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _detail_context(
    request: HttpRequest, user: User, case: Case, bound: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    bound = bound or {}
    today = timezone.localdate()
    lang = request.LANGUAGE_CODE or "en"
    can_act = gate.allowed(user, Case, "act")
    assistable = case.state in ASSISTABLE
    measures_allowed = measures_open(case)  # a sudden hardship is helped while it is identified
    steps = _steps(case)
    for row in steps:
        row["explanations"] = _explanations(row["explanations"], lang)
    signals = [
        {"signal": s, "channel": s.get_channel_display(), "detail": _explanations(s.detail, lang)}
        for s in (case.lead.signals.all() if case.lead else [])
    ]
    readiness = None
    if case.state == State.MONITORED or case.state in ELIMINATION or case.state == State.ELIMINATED:
        readiness = case_readiness(case=case, on=today)
    measures = []
    for m in case.measures.all():
        measures.append(
            {
                "measure": m,
                "form": bound.get(f"measure:{m.pk}")
                or MeasureUpdateForm(
                    initial={"status": m.status, "end": m.end, "amount": m.amount, "note": m.note},
                    auto_id=f"id_measure{m.pk}_%s",
                ),
            }
        )
    measure_form = None
    if can_act and measures_allowed:
        kinds = measure_suggestions(case=case)
        measure_form = bound.get("measure") or MeasureForm(
            kinds=kinds,
            responsible=list(selectors.measure_responsible_choices(case=case)),
            initial={"start": today, "responsible": user.pk, "status": "planned"},
            auto_id="id_measure_%s",
        )
    objections = [
        {
            "objection": o,
            "form": bound.get(f"resolve:{o.pk}") or ResolveForm(auto_id=f"id_resolve{o.pk}_%s"),
        }
        for o in case.objections.all()
    ]
    clock = selectors.clock_for(viewer=user, on=today)
    due = case_followup_due(case=case, on=today)
    return {
        "case": case,
        "household": case.household,
        "head": case.household.members.filter(relation="head").values_list("name", flat=True).first(),
        "state": choice_label(State, case.state),
        "category": choice_label(Category, case.category) if case.category else "",
        "risks": _risk_labels(case.risk_types),
        "days": clock.age(case, today),
        "colour": clock.colour(case, today),
        "in_notice": case.state in IN_NOTICE,
        "signals": signals,
        "steps": steps,
        "readiness": readiness,
        "criteria": [
            {"code": code, "title": title.get("zh" if lang.startswith("zh") else "en"), "holds": holds}
            for code, title, holds in (readiness.criteria if readiness else ())
        ],
        "objections": objections,
        "objection_form": (bound.get("objection") or ObjectionForm(initial={"received_on": today}))
        if can_act and case.state in IN_NOTICE
        else None,
        "measures": measures,
        "measure_form": measure_form,
        "followups": list(case.follow_ups.all()),
        "followup_due": due,
        "followup_overdue": due is not None and due < today,
        "followup_form": (
            bound.get("followup") or FollowUpForm(initial={"visited_on": today}, auto_id="id_followup_%s")
        )
        if can_act and assistable
        else None,
        "actions": _step_forms(user, case, bound),
        "can_act": can_act,
        "notice_code": case.household.village.code if can_act else "",
    }


def _render_detail(
    request: HttpRequest, user: User, pk: int, bound: dict[str, forms.Form] | None = None
) -> HttpResponse:
    case = selectors.case_detail(viewer=user, case_id=pk)
    return render(request, "monitoring/case_detail.html", _detail_context(request, user, case, bound))


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One case: household, lead, timeline, deadline, notice, objections, readiness, plan, follow-ups."""
    return _render_detail(request, gate.staff_of(request), pk)


def _acting(request: HttpRequest, pk: int) -> tuple[User, Case]:
    """The signed-in staff member and a case of their region they may act on (403 / 404 otherwise)."""
    user = gate.staff_of(request)
    case = gate.access(
        Case.objects.select_related("household__village"), user, action="act", request=request, pk=pk
    )
    return user, case


def _done(request: HttpRequest, pk: int, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("monitoring:case_detail", pk=pk)


@login_required
@require_POST
def case_step_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Take one step; the form carries the version the viewer saw, so a step taken twice counts once."""
    if action not in Action.values:
        raise Http404
    user, case = _acting(request, pk)
    t = transition_for(case.state, action)
    if t is not None and t.role != user.role:
        gate.deny(user, f"monitoring.case:{action}@{case.state}", request)
    if t is None:
        messages.error(
            request,
            _("This step cannot be taken now: the case is at “%(state)s”.")
            % {"state": choice_label(State, case.state)},
        )
        return redirect("monitoring:case_detail", pk=pk)
    form = StepForm.for_transition(t, request.POST, request.FILES, auto_id=f"id_{action}_%s")
    if form.is_valid():
        data = form.cleaned_data
        given = StepIn(
            on=data.get("on"),
            reason=data.get("reason") or "",
            minutes=data.get("minutes") or "",
            consent=data.get("consent") or "",
            consent_signed_on=data.get("consent_signed_on"),
            category=data.get("category"),
            risk_types=data.get("risk_types") or (),
            attachment=data.get("attachment"),
        )
        try:
            case_step(actor=user, case_id=pk, action=action, given=given, version=data["version"])
        except StepConflict as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("monitoring:case_detail", pk=pk)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _done(request, pk, _("Step recorded: %(action)s.") % {"action": Action(action).label})
    messages.error(request, _("The step was not recorded; see the form below."))
    return _render_detail(request, user, pk, {f"step:{action}": form})


@login_required
@require_POST
def objection_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an objection received during the notice."""
    user, case = _acting(request, pk)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            objection_record(actor=user, case_id=pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _done(request, pk, _("Objection recorded."))
    messages.error(request, "; ".join(_form_messages(form)))
    if case.state not in IN_NOTICE:
        return redirect("monitoring:case_detail", pk=pk)  # the form is not shown outside the notice
    return _render_detail(request, user, pk, {"objection": form})


@login_required
@require_POST
def objection_resolve_view(request: HttpRequest, objection_id: int) -> HttpResponse:
    """Resolve an objection raised during a case's notice."""
    user = gate.staff_of(request)
    objection = gate.access(Objection.objects.all(), user, action="change", request=request, pk=objection_id)
    pk = objection.case_id
    form = ResolveForm(request.POST, auto_id=f"id_resolve{objection_id}_%s")
    if form.is_valid():
        try:
            objection_resolve(actor=user, objection_id=objection_id, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _done(request, pk, _("Objection resolved."))
    messages.error(request, "; ".join(_form_messages(form)))
    return _render_detail(request, user, pk, {f"resolve:{objection_id}": form})


def _form_messages(form: forms.Form) -> list[str]:
    return [str(m) for errors in form.errors.values() for m in errors] or [_("Check the form.")]


@login_required
@require_POST
def measure_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a measure to the assistance plan."""
    user, case = _acting(request, pk)
    form = MeasureForm(
        request.POST,
        request.FILES,
        kinds=list(MeasureKind),
        responsible=list(selectors.measure_responsible_choices(case=case)),
        auto_id="id_measure_%s",
    )
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            measure_add(actor=user, case_id=pk, responsible_id=data.pop("responsible"), **data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _done(request, pk, _("Measure added to the assistance plan."))
    messages.error(request, "; ".join(_form_messages(form)))
    if not measures_open(case):
        return redirect("monitoring:case_detail", pk=pk)  # no plan to show the form in
    return _render_detail(request, user, pk, {"measure": form})


@login_required
@require_POST
def measure_update_view(request: HttpRequest, measure_id: int) -> HttpResponse:
    """Update a measure's status, end, amount, note or evidence."""
    user = gate.staff_of(request)
    measure = gate.access(Measure.objects.all(), user, action="change", request=request, pk=measure_id)
    pk = measure.case_id
    form = MeasureUpdateForm(request.POST, request.FILES, auto_id=f"id_measure{measure_id}_%s")
    if form.is_valid():
        try:
            measure_update(actor=user, measure_id=measure_id, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _done(request, pk, _("Measure updated."))
    messages.error(request, "; ".join(_form_messages(form)))
    return _render_detail(request, user, pk, {f"measure:{measure_id}": form})


@login_required
@require_POST
def followup_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a follow-up visit, with the income of a period if given; the household is re-evaluated."""
    user, case = _acting(request, pk)
    form = FollowUpForm(request.POST, auto_id="id_followup_%s")
    if form.is_valid():
        try:
            followup = followup_record(
                actor=user,
                case_id=pk,
                visited_on=form.cleaned_data["visited_on"],
                note=form.cleaned_data["note"],
                income=form.income(),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            message = (
                _("Follow-up recorded: the household meets the risk-elimination criteria.")
                if followup.ready
                else _("Follow-up recorded.")
            )
            return _done(request, pk, message)
    messages.error(request, "; ".join(_form_messages(form)))
    if case.state not in ASSISTABLE:
        return redirect("monitoring:case_detail", pk=pk)
    return _render_detail(request, user, pk, {"followup": form})


@login_required
def case_file(request: HttpRequest, pk: int, what: str, file_id: int) -> FileResponse:
    """A step's attachment or a measure's evidence, for those who may see the case (never a public URL)."""
    user = gate.staff_of(request)
    case = gate.access(Case.objects.all(), user, request=request, pk=pk)
    field: FieldFile
    if what == "step":
        field = gate.access(Step.objects.all(), user, request=request, pk=file_id, case=case).attachment
    elif what == "measure":
        field = gate.access(Measure.objects.all(), user, request=request, pk=file_id, case=case).evidence
    else:
        raise Http404
    if not field:
        raise Http404
    name = Path(field.name or "file").name
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    read_note(what=f"monitoring.{what}.file", region=case.household.village, rows=1)
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)


@login_required
def notice_preview(request: HttpRequest, code: str) -> HttpResponse:
    """The village's public notice as a page, with a link to its PDF."""
    user = gate.staff_of(request)
    village = notice_village(viewer=user, code=code)
    return render(request, "monitoring/notice.html", {"notice": notice_for(viewer=user, village=village)})


@login_required
def notice_pdf_view(request: HttpRequest, code: str) -> HttpResponse:
    """The village's public notice as an A4 PDF to print and post."""
    user = gate.staff_of(request)
    village = notice_village(viewer=user, code=code)
    return pdf_response(notice_pdf(viewer=user, village=village), f"notice-{village.code}.pdf")


@login_required
@require_http_methods(["GET", "POST"])
def household_report_risk(request: HttpRequest, pk: int) -> HttpResponse:
    """Report a risk found on a visit, or one reported by telephone or on paper: it raises a lead."""
    user = gate.staff_of(request)
    household = gate.access(Household.objects.all(), user, action="change", request=request, pk=pk)
    form = RiskReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lead_report(actor=user, household_id=household.pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The risk is reported: the household is in the village's queue."))
            return redirect("registry:household_detail", pk=household.pk)
    return render(request, "monitoring/risk_report.html", {"form": form, "household": household})
