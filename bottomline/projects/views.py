"""Project library pages: the library with its stage filter and indicators as of a day, one project with its
budget, disbursements, beneficiaries and assets, proposing a project, changing its stage, disbursing money,
adding beneficiaries and assets, paying a year's benefits, the import and the XLSX export. Thin: services
write, selectors read."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

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
from bottomline.accounts.models import User
from bottomline.pages import apply_service_errors
from bottomline.projects import exports, importing, selectors, services
from bottomline.projects.forms import (
    AssetForm,
    BeneficiaryForm,
    DisbursementForm,
    PayoutForm,
    ProjectFilterForm,
    ProjectForm,
    StageForm,
)
from bottomline.projects.models import (
    PAYING,
    Asset,
    Beneficiary,
    Disbursement,
    Project,
    Source,
    Stage,
)
from bottomline.regions.models import Level, Region
from bottomline.regions.selectors import region_asked
from bottomline.registry.import_pages import import_page, template_download
from bottomline.registry.models import Household

PAGE = 50


def _filtered(request: HttpRequest, user: User) -> tuple[ProjectFilterForm, selectors.ProjectFilters, date]:
    form = ProjectFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    on = data.get("on") or timezone.localdate()
    filters = selectors.ProjectFilters(
        region=region_asked(viewer=user, code=request.GET.get("region", "")),
        stage=data.get("stage") or "",
        kind=data.get("kind") or "",
        year=data.get("year"),
        text=(data.get("text") or "").strip(),
    )
    return form, filters, on


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    """The library of the user's region: projects with their money, filtered by stage, and the indicators."""
    user = gate.staff_of(request)
    gate.require(user, Project, "view", request)
    form, filters, on = _filtered(request, user)
    rows = selectors.project_list(viewer=user, filters=filters)
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    projects = list(page.object_list)
    budget, spent = selectors.money_of([p.pk for p in projects])
    region = filters.region or user.region
    figures = selectors.indicators(viewer=user, region=region, on=on, year=filters.year)
    sources = dict(Source.choices)
    context = {
        "form": form,
        "page": page,
        "rows": [(p, budget.get(p.pk), spent.get(p.pk)) for p in projects],
        "on": on,
        "region": region,
        "figures": figures,
        "by_source": [(sources[s], *v) for s, v in figures.by_source.items()],
        "stages": [(label, figures.by_stage.get(value, 0)) for value, label in selectors.stage_order()],
        "target": selectors.INDUSTRY_SHARE_TARGET,
        "query": urlencode({k: v for k, v in request.GET.items() if k != "page"}),
        "can_add": gate.allowed(user, Project, "add"),
        "can_import": gate.allowed(user, Project, "import"),
        "can_export": gate.allowed(user, Project, "export"),
    }
    return render(request, "projects/project_list.html", context)


def _can_change(user: User, project: Project) -> bool:
    return gate.restrict(Project.objects.filter(pk=project.pk), user, "change").exists()


def _detail_context(user: User, project: Project) -> dict[str, Any]:
    today = timezone.localdate()
    can_change = _can_change(user, project)
    money = selectors.project_money(project)
    budgeted = [(m.source, m.label) for m in money if m.budget > 0]
    return {
        "project": project,
        "money": money,
        "changes": list(project.changes.select_related("by").order_by("on", "id")),
        "disbursements": list(project.disbursements.order_by("on", "id")),
        "beneficiaries": list(selectors.beneficiaries_of(viewer=user, project=project)),
        "assets": list(project.assets.prefetch_related("incomes").order_by("name", "id")),
        "can_change": can_change,
        "stage_form": (
            StageForm(stages=_next_stages(project), initial={"on": today})
            if can_change and services.stages_allowed(project.stage)
            else None
        ),
        "disburse_form": (
            DisbursementForm(sources=budgeted, initial={"on": today})
            if can_change and project.stage in PAYING and gate.allowed(user, Disbursement, "add")
            else None
        ),
        "beneficiary_form": (
            BeneficiaryForm(initial={"since": today})
            if can_change and gate.allowed(user, Beneficiary, "add")
            else None
        ),
        "payout_form": (
            PayoutForm(initial={"year": today.year, "on": today})
            if can_change and gate.allowed(user, Beneficiary, "change")
            else None
        ),
        "asset_form": (
            AssetForm(initial={"since": today}) if can_change and gate.allowed(user, Asset, "add") else None
        ),
    }


def _next_stages(project: Project) -> list[tuple[str, str]]:
    return [(s, str(Stage(s).label)) for s in services.stages_allowed(project.stage)]


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One project: stage history, budget and disbursements by source, beneficiaries, assets; the keeper's
    forms."""
    user = gate.staff_of(request)
    project = selectors.project_get(viewer=user, project_id=pk)
    return render(request, "projects/project_detail.html", _detail_context(user, project))


def _region_choices(user: User) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    scope = gate.restrict(Region.objects.filter(level__gte=Level.COUNTY), user).order_by("code")
    regions = [(r.code, f"{r.name} ({r.get_level_display()})") for r in scope.exclude(level=Level.VILLAGE)]
    villages = [(r.code, r.name) for r in scope.filter(level=Level.VILLAGE)]
    return regions + villages, villages


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest) -> HttpResponse:
    """Propose a project (申报) with its budget by fund source."""
    user = gate.staff_of(request)
    gate.require(user, Project, "add", request)
    regions, villages = _region_choices(user)
    today = timezone.localdate()
    form = ProjectForm(
        request.POST or None,
        regions=regions,
        villages=villages,
        initial={"year": today.year, "on": today, "region": user.region.code},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = services.project_propose(
                actor=user,
                name=data["name"],
                region_code=data["region"],
                site_code=data["site"],
                kind=data["kind"],
                year=data["year"],
                budgets=form.budgets(),
                on=data["on"],
                unit=data.get("unit") or "",
                goal=data.get("goal") or "",
                code=data.get("code") or "",
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Project proposed."))
            return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/project_form.html", {"form": form})


def _changeable(request: HttpRequest, user: User, pk: int) -> Project:
    return gate.access(
        Project.objects.select_related("region", "site"), user, action="change", request=request, pk=pk
    )


def _again(request: HttpRequest, user: User, project: Project, **forms: Any) -> HttpResponse:
    """The project page again, with a form that failed in place of its empty one."""
    context = _detail_context(user, project) | forms
    return render(request, "projects/project_detail.html", context)


@login_required
@require_POST
def stage_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the project to its next stage (or reject, withdraw)."""
    user = gate.staff_of(request)
    project = _changeable(request, user, pk)
    form = StageForm(request.POST, stages=_next_stages(project))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.stage_change(
                actor=user, project_id=project.pk, to=data["to"], on=data["on"], note=data.get("note") or ""
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Stage changed."))
            return redirect("projects:detail", pk=project.pk)
    return _again(request, user, project, stage_form=form)


@login_required
@require_POST
def disburse(request: HttpRequest, pk: int) -> HttpResponse:
    """Record money paid out on the project (never beyond the source's budget)."""
    user = gate.staff_of(request)
    gate.require(user, Disbursement, "add", request)
    project = _changeable(request, user, pk)
    form = DisbursementForm(request.POST, sources=[(s, str(label)) for s, label in Source.choices])
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.disbursement_record(
                actor=user,
                project_id=project.pk,
                source=data["source"],
                amount=data["amount"],
                on=data["on"],
                reference=data.get("reference") or "",
                note=data.get("note") or "",
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Disbursement recorded."))
            return redirect("projects:detail", pk=project.pk)
    return _again(request, user, project, disburse_form=form)


@login_required
@require_POST
def beneficiary_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a beneficiary household (by its number, in the user's region)."""
    user = gate.staff_of(request)
    gate.require(user, Beneficiary, "add", request)
    project = _changeable(request, user, pk)
    form = BeneficiaryForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        household = gate.restrict(Household.objects.filter(number=data["number"].strip()), user).first()
        if household is None:
            form.add_error("number", _("No household with this number in your region."))
        else:
            try:
                services.beneficiary_add(
                    actor=user,
                    project_id=project.pk,
                    household_id=household.pk,
                    benefit=data["benefit"],
                    since=data["since"],
                    amount_per_year=data.get("amount_per_year"),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Beneficiary added."))
                return redirect("projects:detail", pk=project.pk)
    return _again(request, user, project, beneficiary_form=form)


@login_required
@require_POST
def payout(request: HttpRequest, pk: int) -> HttpResponse:
    """Pay the money beneficiaries their yearly amount (posted to their income)."""
    user = gate.staff_of(request)
    gate.require(user, Beneficiary, "change", request)
    project = _changeable(request, user, pk)
    form = PayoutForm(request.POST)
    if form.is_valid():
        try:
            paid = services.payouts_pay(
                actor=user, project_id=project.pk, year=form.cleaned_data["year"], on=form.cleaned_data["on"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("%(n)d households paid; counted in their income.") % {"n": len(paid)})
            return redirect("projects:detail", pk=project.pk)
    return _again(request, user, project, payout_form=form)


@login_required
@require_POST
def asset_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an asset the project created."""
    user = gate.staff_of(request)
    gate.require(user, Asset, "add", request)
    project = _changeable(request, user, pk)
    form = AssetForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.asset_add(actor=user, project_id=project.pk, **data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Asset recorded."))
            return redirect("projects:detail", pk=project.pk)
    return _again(request, user, project, asset_form=form)


@login_required
def project_export(request: HttpRequest) -> HttpResponse:
    """The filtered projects as XLSX with their money as of the day asked (audited); a job when large."""
    user = gate.staff_of(request)
    gate.require(user, Project, "export", request)
    _form, filters, on = _filtered(request, user)
    rows = selectors.project_list(viewer=user, filters=filters)
    if not exports.export_inline(rows):
        job = exports.export_start(viewer=user, params=request.GET.dict(), language=request.LANGUAGE_CODE)
        messages.info(request, _("The export is being written; download it from the job's page."))
        return redirect("jobs:detail", pk=job.pk)
    response = HttpResponse(
        exports.projects_xlsx(viewer=user, projects=rows, on=on, request=request),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="projects-{on:%Y%m%d}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest) -> HttpResponse:
    """Download the template; upload a file of projects and disbursements to check it, or to import it."""
    return import_page(
        request,
        model=Project,
        kind=importing.KIND,
        template="projects/import.html",
        columns=importing.COLUMNS,
    )


@login_required
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The template, XLSX or CSV."""
    return template_download(
        request,
        model=Project,
        fmt=fmt,
        csv=importing.template_csv,
        xlsx=importing.template_xlsx,
        name="projects",
    )
