"""Pages of industries and benefit linkage: entities, projects, a household's linkages, import and export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bottomline.accounts import gate
from bottomline.industry import exports, importing, selectors, services
from bottomline.industry.forms import (
    EndForm,
    EntityFilterForm,
    EntityForm,
    LinkageChangeForm,
    LinkageForm,
    ProjectForm,
)
from bottomline.industry.models import Entity, Linkage, Project
from bottomline.jobs.exports import export_respond
from bottomline.pages import apply_service_errors
from bottomline.registry.import_pages import import_page, template_download

PAGE = 50


@login_required
def entity_list(request: HttpRequest) -> HttpResponse:
    """The business entities kept in the user's region."""
    user = gate.staff_of(request)
    gate.require(user, Entity, "view", request)
    form = EntityFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    entities = selectors.entity_list(viewer=user, kind=data.get("kind") or "", query=data.get("q") or "")
    page = Paginator(entities, PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "can_add": gate.allowed(user, Entity, "add"),
        "can_import": gate.allowed(user, Linkage, "import"),
        "can_export": gate.allowed(user, Linkage, "export"),
    }
    return render(request, "industry/entity_list.html", context)


@login_required
def entity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One entity: the villages it serves, its projects and the linkages of the user's region to it."""
    user = gate.staff_of(request)
    entity = selectors.entity_get(viewer=user, entity_id=pk, request=request)
    today = timezone.localdate()
    linkages = selectors.linkage_list(viewer=user, entity_id=entity.pk)
    context = {
        "entity": entity,
        "villages": entity.villages.order_by("code"),
        "projects": selectors.project_list(viewer=user, entity_id=entity.pk),
        "linkages": linkages[:200],
        "in_effect": linkages.filter(start__lte=today).exclude(end__lt=today).count(),
        "can_change": gate.allowed(user, Entity, "change"),
    }
    return render(request, "industry/entity_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def entity_add(request: HttpRequest) -> HttpResponse:
    """Add a business entity."""
    return _entity_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def entity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a business entity."""
    return _entity_form(request, pk)


def _entity_form(request: HttpRequest, pk: int | None) -> HttpResponse:
    user = gate.staff_of(request)
    entity = None
    if pk is None:
        gate.require(user, Entity, "add", request)
        initial = {}
    else:
        entity = gate.access(Entity.objects.all(), user, action="change", request=request, pk=pk)
        initial = {
            "name": entity.name,
            "kind": entity.kind,
            "region": entity.region.code,
            "villages": list(entity.villages.values_list("code", flat=True)),
            "credit_code": entity.credit_code,
            "founded": entity.founded,
            "closed": entity.closed,
        }
    form = EntityForm(request.POST or None, initial=initial, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.entity_save(
                actor=user,
                entity_id=pk,
                name=data["name"],
                kind=data["kind"],
                region_code=data["region"],
                village_codes=data["villages"],
                credit_code=data["credit_code"],
                founded=data["founded"],
                closed=data["closed"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Entity saved."))
            return redirect("industry:entity_detail", pk=saved.pk)
    return render(request, "industry/entity_form.html", {"form": form, "entity": entity})


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    """The industrial projects kept in the user's region."""
    user = gate.staff_of(request)
    gate.require(user, Project, "view", request)
    projects = selectors.project_list(viewer=user, kind=request.GET.get("kind", "")[:16])
    page = Paginator(projects, PAGE).get_page(request.GET.get("page"))
    return render(request, "industry/project_list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def project_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an industrial project to an entity."""
    user = gate.staff_of(request)
    gate.require(user, Project, "add", request)
    entity = gate.access(Entity.objects.all(), user, action="change", request=request, pk=pk)
    form = ProjectForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.project_save(
                actor=user,
                entity_id=entity.pk,
                name=data["name"],
                kind=data["kind"],
                start=data["start"],
                end=data["end"],
                investment=data["investment"],
                village_codes=data["villages"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Project saved."))
            return redirect("industry:entity_detail", pk=entity.pk)
    return render(request, "industry/project_form.html", {"form": form, "entity": entity})


@login_required
@require_http_methods(["GET", "POST"])
def household_linkages(request: HttpRequest, pk: int) -> HttpResponse:
    """A household's benefit linkages, and (for who keeps them) a form for a new one."""
    user = gate.staff_of(request)
    gate.require(user, Linkage, "view", request)
    household, linkages = selectors.household_linkages(viewer=user, household_id=pk)
    can_change = gate.allowed(user, Linkage, "add")
    if request.method == "POST":
        gate.require(user, Linkage, "add", request)
    form = LinkageForm(request.POST or None, user=user, household_id=household.pk) if can_change else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            services.linkage_add(
                actor=user,
                household_id=household.pk,
                entity_id=data["entity"].pk,
                project_id=data["project"].pk if data["project"] else None,
                member_id=data["member"].pk if data["member"] else None,
                kind=data["kind"],
                amount_per_year=data["amount_per_year"],
                start=data["start"],
                end=data["end"],
                note=data["note"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Linkage saved; its money is in the household's income."))
            return redirect("industry:household", pk=household.pk)
    context = {
        "household": household,
        "linkages": linkages,
        "form": form,
        "end_form": EndForm(),
        "can_change": can_change,
        "today": timezone.localdate(),
    }
    return render(request, "industry/household.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def linkage_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a linkage's yearly amount or its end (or open it again): every year of it is posted again."""
    user = gate.staff_of(request)
    linkage = selectors.linkage_get(viewer=user, linkage_id=pk, action="change")
    initial = {"amount_per_year": linkage.amount_per_year, "end": linkage.end}
    form = LinkageChangeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.linkage_change(
                actor=user,
                linkage_id=linkage.pk,
                amount_per_year=form.cleaned_data["amount_per_year"],
                end=form.cleaned_data["end"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Linkage corrected; the household was evaluated again."))
            return redirect("industry:household", pk=linkage.household_id)
    return render(request, "industry/linkage_change.html", {"form": form, "linkage": linkage})


@login_required
@require_POST
def linkage_end(request: HttpRequest, pk: int) -> HttpResponse:
    """End a linkage on a day: its later money is taken back out of the household's income."""
    user = gate.staff_of(request)
    linkage = selectors.linkage_get(viewer=user, linkage_id=pk, action="change")
    form = EndForm(request.POST)
    if form.is_valid():
        try:
            services.linkage_end(actor=user, linkage_id=linkage.pk, end=form.cleaned_data["end"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Linkage ended; the household was evaluated again."))
    else:
        messages.error(request, _("Enter the day the linkage ends."))
    return redirect("industry:household", pk=linkage.household_id)


@login_required
def linkage_export(request: HttpRequest) -> HttpResponse:
    """The linkages of the user's region as XLSX (a job when they are many)."""
    return export_respond(request, exports.LINKAGES, viewer=gate.staff_of(request))


@login_required
@require_http_methods(["GET", "POST"])
def linkage_import(request: HttpRequest) -> HttpResponse:
    """Download the linkage template; upload a file to check it, or to import it (a job with progress)."""
    return import_page(
        request,
        model=Linkage,
        kind=importing.KIND,
        template="industry/import.html",
        columns=importing.COLUMNS,
    )


@login_required
def linkage_import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The linkage import template, XLSX or CSV."""
    return template_download(
        request,
        model=Linkage,
        fmt=fmt,
        csv=importing.template_csv,
        xlsx=importing.template_xlsx,
        name="linkage",
    )
