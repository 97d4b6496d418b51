"""Household and member pages: thin adapters over the registry's selectors and services."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.engine.why import why_of_household, why_of_screening
from bottomline.jobs.services import EXPORT_INLINE_ROWS, upload_enqueue
from bottomline.pages import apply_service_errors
from bottomline.regions.selectors import RegionChoice, region_children, region_choose
from bottomline.registry import exports, importing, selectors, services
from bottomline.registry.choices import RiskType
from bottomline.registry.features import household_screening
from bottomline.registry.forms import (
    HeadChangeForm,
    HouseholdFilterForm,
    HouseholdForm,
    IdCorrectionForm,
    MemberEditForm,
    MemberForm,
    MemberMoveForm,
    PersonSearchForm,
)
from bottomline.registry.models import Household, Member, MemberMove
from bottomline.registry.programs import household_programs

# The session's person searches, by token: the name and the numbers' blind indexes, never a number.
SEARCHES = "registry.person_searches"
SEARCHES_KEPT = 20


@dataclass(frozen=True)
class Filters:
    """A household list's filters as the page shows them: the form, what they narrow to, the region typed and
    what it found, and the person searched (its kind and how the page shows it)."""

    form: HouseholdFilterForm
    filters: selectors.HouseholdFilter
    region: RegionChoice | None
    searched: dict[str, str]


def _filters(request: HttpRequest, user: User) -> Filters:
    form = HouseholdFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    person: dict[str, str] = {}
    if data.get("person"):
        # A token this session did not make (another browser, an expired session) finds nobody, not everybody.
        person = request.session.get(SEARCHES, {}).get(data["person"]) or {
            "id_number_index": selectors.NO_MATCH
        }
    region = region_choose(viewer=user, text=data["region"]) if data.get("region") else None
    code = (region.region.code if region.region else selectors.NO_MATCH) if region else ""
    filters = selectors.HouseholdFilter(
        region=code,
        household_type=data.get("household_type") or "",
        lifted_year=data.get("lifted_year"),
        relocated=data.get("relocated"),
        former_poor_village=data.get("former_poor_village"),
        monitored=data.get("monitored"),
        **{k: v for k, v in person.items() if k in selectors.SEARCH_KEYS},
    )
    searched: dict[str, str] = {k: person[k] for k in ("kind", "shown") if k in person}
    return Filters(form, filters, region, searched)


PAGE_SIZE, PAGE_SIZE_MAX = 50, 200


def _number(text: str | None) -> int | None:
    """A positive whole number from the query string, None for anything else."""
    return int(text) if text and text.isascii() and text.isdigit() and 0 < int(text) < 2**63 else None


@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    """Households of the user's region, filtered; htmx asks for the table alone."""
    user = gate.staff_of(request)
    gate.require(user, Household, "view", request)
    chosen = _filters(request, user)
    form = chosen.form
    households = selectors.household_list(viewer=user, filters=chosen.filters)
    rows, next_after, previous_before = selectors.household_keyset(
        households,
        size=min(_number(request.GET.get("size")) or PAGE_SIZE, PAGE_SIZE_MAX),
        after=_number(request.GET.get("after")),
        before=_number(request.GET.get("before")),
    )
    # The first page counts (no member join: one count of the region's households); the pages after it carry
    # that count in their links ("n", a number of households, nothing personal) instead of counting again.
    carried = _number(request.GET.get("n")) if request.GET.get("after") or request.GET.get("before") else None
    page = selectors.KeysetPage(
        object_list=selectors.with_member_counts(rows),
        count=carried if carried is not None else households.count(),
        next_after=next_after,
        previous_before=previous_before,
    )
    cursors = ("after", "before", "page", "n")
    template = "registry/_household_table.html" if request.htmx else "registry/household_list.html"  # type: ignore[attr-defined]
    context = {
        "form": form,
        "search": PersonSearchForm(),
        "searching": bool(form.is_bound and form.is_valid() and form.cleaned_data.get("person")),
        "searched": chosen.searched,
        "region_choice": chosen.region,
        "picker_children": region_children(viewer=user),
        "picker_keep": "",
        "page": page,
        "query": urlencode([(k, v) for k, v in request.GET.items() if k not in cursors]),
        "can_add": gate.allowed(user, Household, "add"),
    }
    return render(request, template, context)


@login_required
@require_POST
def household_search(request: HttpRequest) -> HttpResponse:
    """One search box (a name, a household number, an ID number or a phone): posted, kept in the session under
    a random token, and the list opened with the token, so that nothing personal is in a URL, the browser
    history or an access log."""
    user = gate.staff_of(request)
    gate.require(user, Household, "view", request)
    form = PersonSearchForm(request.POST)
    values = form.cleaned_data if form.is_valid() else {}
    person = selectors.person_search(values.get("q", ""))
    query = {k: v for k in ("region", "household_type") if (v := request.POST.get(k, ""))}
    if person:
        token = secrets.token_urlsafe(12)
        searches = dict(list(request.session.get(SEARCHES, {}).items())[-(SEARCHES_KEPT - 1) :])
        searches[token] = person
        request.session[SEARCHES] = searches
        query["person"] = token
    return redirect(f"{reverse('registry:household_list')}?{urlencode(query)}")


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One household: attributes, members and income history, numbers masked."""
    user = gate.staff_of(request)
    household = selectors.household_get(viewer=user, household_id=pk)
    year = timezone.localdate().year  # the programs' year
    # As of the last evaluation (a batch run or the last save); screened now if it never was.
    why = why_of_household(
        viewer=user, household=household, language=request.LANGUAGE_CODE
    ) or why_of_screening(
        household_screening(household=household, on=timezone.localdate()), request.LANGUAGE_CODE
    )
    context = {
        "household": household,
        "screening": why,
        "rule_report": why.rows,
        "risk_labels": [RiskType(code).label for code in why.risk_types],
        "can_change": gate.allowed(user, Household, "change"),
        "can_reveal": gate.allowed(user, Member, "reveal"),
        # its cases through monitoring's reverse relation (registry does not import monitoring)
        "cases": household.cases.order_by("-opened_at"),
        # Who joined and left, with the members' masked names (a member who left is out of the list above).
        "moves": MemberMove.objects.filter(Q(from_household=household) | Q(to_household=household))
        .select_related("member", "from_household", "to_household")
        .order_by("-moved_on", "-id"),
        # Every program it takes part in, with this year's money (registry.programs).
        "year": year,
        "programs": household_programs(viewer=user, household=household, year=year),
    }
    return render(request, "registry/household_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest) -> HttpResponse:
    """Register a household in one of the user's villages."""
    user = gate.staff_of(request)
    gate.require(user, Household, "add", request)
    form = HouseholdForm(
        request.POST or None,
        initial={"submit_token": uuid.uuid4()},  # the same form sent twice registers one household
        villages=selectors.villages_for(viewer=user),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version")
        try:
            household = services.household_register(actor=user, **data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Household %(number)s registered.") % {"number": household.number})
            return redirect("registry:household_detail", pk=household.pk)
    return render(request, "registry/household_form.html", {"form": form, "household": None})


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a household's attributes (its phone is re-entered, never shown in the clear)."""
    user = gate.staff_of(request)
    household = gate.access(Household.objects.all(), user, action="change", request=request, pk=pk)
    initial = {
        f: getattr(household, f) for f in HouseholdForm.base_fields if f not in {"phone", "submit_token"}
    }
    form = HouseholdForm(request.POST or None, initial=initial, villages=selectors.villages_for(viewer=user))
    form.fields["phone"].help_text = _("Leave empty to keep %(masked)s.") % {
        "masked": household.phone_masked or "—"
    }
    context: dict[str, Any] = {"household": household}
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("submit_token")
        phone = data.pop("phone") or None
        try:
            services.household_update(actor=user, household_id=household.pk, phone=phone, **data)
        except services.EditConflict as exc:
            return _conflict(request, "registry/household_form.html", HouseholdForm, exc, context)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Household %(number)s saved.") % {"number": household.number})
            return redirect("registry:household_detail", pk=household.pk)
    return render(request, "registry/household_form.html", {**context, "form": form})


def _conflict(
    request: HttpRequest,
    template: str,
    form_class: type[Any],
    exc: services.EditConflict,
    context: dict[str, Any],
    **form_kwargs: Any,
) -> HttpResponse:
    """The form again, as the user filled it in, with the other changes shown and the current version: saving
    it once more overwrites them on purpose."""
    data = request.POST.copy()
    data["version"] = str(exc.version)
    if "villages" not in form_kwargs and form_class is HouseholdForm:
        form_kwargs["villages"] = selectors.villages_for(viewer=gate.staff_of(request))
    form = form_class(data, **form_kwargs)
    form.is_valid()
    form.add_error(None, exc.messages[0])
    return render(request, template, {**context, "form": form, "conflict": exc.changes}, status=409)


@login_required
@require_http_methods(["GET", "POST"])
def member_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a member to a household; the ID number is checked and the person registered once nationwide."""
    user = gate.staff_of(request)
    household = gate.access(Household.objects.all(), user, action="change", request=request, pk=pk)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version")
        joined, joined_on = data.pop("joined"), data.pop("joined_on")
        try:
            registered = (
                services.member_join(
                    actor=user, household_id=household.pk, joined=joined, joined_on=joined_on, **data
                )
                if joined
                else services.member_register(actor=user, household_id=household.pk, **data)
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            for warning in registered.warnings:
                messages.warning(request, warning)
            messages.success(request, _("%(name)s added.") % {"name": registered.member.name})
            return redirect("registry:household_detail", pk=household.pk)
    return render(request, "registry/member_form.html", {"form": form, "household": household})


def _member_page(request: HttpRequest, pk: int) -> tuple[Any, Member]:
    user = gate.staff_of(request)
    person = gate.access(
        Member.objects.select_related("household"), user, action="change", request=request, pk=pk
    )
    return user, person


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a member's attributes (not the ID number, not the household)."""
    user, person = _member_page(request, pk)
    initial = {f: getattr(person, f) for f in MemberEditForm.base_fields}
    form = MemberEditForm(request.POST or None, initial=initial)
    context: dict[str, Any] = {"member": person, "household": person.household}
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(actor=user, member_id=person.pk, **form.cleaned_data)
        except services.EditConflict as exc:
            return _conflict(request, "registry/member_edit.html", MemberEditForm, exc, context)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": form.cleaned_data["name"]})
            return _back(person)
    return render(request, "registry/member_edit.html", {**context, "form": form})


def _back(person: Member) -> HttpResponse:
    if person.household_id is None:
        return redirect("registry:household_list")
    return redirect("registry:household_detail", pk=person.household_id)


@login_required
@require_http_methods(["GET", "POST"])
def member_correct_id(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a member's ID number, with the reason (kept in the change log)."""
    user, person = _member_page(request, pk)
    form = IdCorrectionForm(request.POST or None, initial={"version": person.version})
    context: dict[str, Any] = {"member": person, "household": person.household}
    if request.method == "POST" and form.is_valid():
        try:
            corrected = services.member_id_correct(actor=user, member_id=person.pk, **form.cleaned_data)
        except services.EditConflict as exc:
            return _conflict(request, "registry/member_correct_id.html", IdCorrectionForm, exc, context)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            for warning in corrected.warnings:
                messages.warning(request, warning)
            messages.success(request, _("The ID number of %(name)s is corrected.") % {"name": person.name})
            return _back(person)
    return render(request, "registry/member_correct_id.html", {**context, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def member_move_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A member leaves the household: to another household of the region, or out of the archive."""
    user, person = _member_page(request, pk)
    others = Member.objects.filter(household=person.household).exclude(pk=person.pk)
    form = MemberMoveForm(request.POST or None, initial={"version": person.version}, others=others)
    context: dict[str, Any] = {"member": person, "household": person.household}
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        number, new_head = data.pop("to_household").strip(), data.pop("new_head")
        target = None
        if number:
            target = gate.restrict(Household.objects.all(), user, "change").filter(number=number).first()
            if target is None:
                form.add_error("to_household", _("No household with this number in your region."))
        if form.is_valid():
            try:
                services.member_move(
                    actor=user,
                    member_id=person.pk,
                    to_household_id=target.pk if target else None,
                    new_head_id=new_head.pk if new_head else None,
                    **data,
                )
            except services.EditConflict as exc:
                return _conflict(
                    request, "registry/member_move.html", MemberMoveForm, exc, context, others=others
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("The move of %(name)s is recorded.") % {"name": person.name})
                return _back(person)
    return render(request, "registry/member_move.html", {**context, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def household_head(request: HttpRequest, pk: int) -> HttpResponse:
    """Another member becomes the head of the household (户主)."""
    user = gate.staff_of(request)
    household = gate.access(Household.objects.all(), user, action="change", request=request, pk=pk)
    members = household.members.exclude(relation="head")
    form = HeadChangeForm(request.POST or None, initial={"version": household.version}, members=members)
    context: dict[str, Any] = {"household": household}
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.household_head_change(
                actor=user, household_id=household.pk, new_head_id=data.pop("new_head").pk, **data
            )
        except services.EditConflict as exc:
            return _conflict(
                request, "registry/head_change.html", HeadChangeForm, exc, context, members=members
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, _("The head of household %(number)s is changed.") % {"number": household.number}
            )
            return redirect("registry:household_detail", pk=household.pk)
    return render(request, "registry/head_change.html", {**context, "form": form})


@login_required
@require_POST
def member_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The full ID number of one member, for this response only (audited, limited per hour)."""
    return _reveal(request, member_id=pk)


@login_required
@require_POST
def household_reveal_phone(request: HttpRequest, pk: int) -> HttpResponse:
    """The full phone number of one household (audited, limited per hour)."""
    return _reveal(request, household_id=pk)


def _reveal(request: HttpRequest, **target: int) -> HttpResponse:
    user = gate.staff_of(request)
    try:
        value = services.reveal(actor=user, request=request, **target)
    except PermissionDenied as exc:
        if gate.allowed(user, Member, "reveal"):  # the hourly limit, not the role
            return render(request, "registry/_revealed.html", {"error": str(exc)}, status=429)
        raise
    return render(request, "registry/_revealed.html", {"value": value})


@login_required
def household_export(request: HttpRequest) -> HttpResponse:
    """The filtered roster as CSV or XLSX, masked (audited)."""
    user = gate.staff_of(request)
    filters = _filters(request, user).filters
    fmt = request.GET.get("format", "xlsx")
    if fmt not in exports.WRITERS:
        return HttpResponse(_("Unknown format."), status=400, content_type="text/plain; charset=utf-8")
    households = selectors.household_list(viewer=user, filters=filters)
    if households.count() > EXPORT_INLINE_ROWS:  # too long for a request: a job writes it
        gate.require(user, Household, "export", request)
        job = exports.roster_export_start(
            viewer=user, filters=filters, fmt=fmt, language=get_language() or "zh-hans"
        )
        return redirect("jobs:detail", pk=job.pk)
    content = exports.roster_export(viewer=user, households=households, fmt=fmt, request=request)
    types = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    response = HttpResponse(content, content_type=types[fmt])
    response["Content-Disposition"] = f'attachment; filename="roster-{timezone.localdate():%Y%m%d}.{fmt}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def registry_import_page(request: HttpRequest) -> HttpResponse:
    """Download the template; upload a file to check it, or to import it (as a job with progress)."""
    user = gate.staff_of(request)
    gate.require(user, Household, "import", request)
    if request.method == "POST":
        try:
            job = upload_enqueue(
                kind="registry.import",
                upload=request.FILES.get("file"),
                user=user,
                commit=request.POST.get("commit") == "1",
                language=request.LANGUAGE_CODE,
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            return redirect("jobs:detail", pk=job.pk)
    return render(request, "registry/import.html", {"columns": importing.COLUMNS})


@login_required
def registry_import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The import template, XLSX or CSV."""
    gate.require(gate.staff_of(request), Household, "import", request)
    if fmt == "csv":
        response = HttpResponse(importing.template_csv(), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            importing.template_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="registry-template.{fmt}"'
    return response
