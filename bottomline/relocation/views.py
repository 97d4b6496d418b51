"""Relocation pages: the sites and one site's counts, the register of relocated households, one household's
relocation with its assessments and support, recording each, the import and the XLSX export. Thin: services
write, selectors read."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.jobs.services import EXPORT_INLINE_ROWS
from bottomline.pages import apply_service_errors
from bottomline.regions.selectors import region_asked
from bottomline.registry.import_pages import import_page, template_download
from bottomline.registry.models import Household
from bottomline.relocation import importing, selectors, services
from bottomline.relocation.exports import relocations_export_start, relocations_xlsx
from bottomline.relocation.forms import (
    AsOfForm,
    AssessmentForm,
    RelocationFilterForm,
    RelocationForm,
    SiteForm,
    SupportForm,
)
from bottomline.relocation.models import Assessment, Relocation, Site, Stability, Support

PAGE = 50
# The two forms of a relocation's page share field names ("on"): their inputs' ids differ, so each label finds its own.
ASSESS_ID, SUPPORT_ID = "assess_%s", "support_%s"


def _on(request: HttpRequest) -> date:
    form = AsOfForm(request.GET or None)
    return (form.cleaned_data.get("on") if form.is_valid() else None) or timezone.localdate()


def _site_choices(user: User) -> list[tuple[int, str]]:
    return [(s.pk, f"{s.name} · {s.region.name}") for s in selectors.sites_visible(user).order_by("name")]


@login_required
def site_list(request: HttpRequest) -> HttpResponse:
    """The resettlement sites of the user's region, with the households relocated to each as of a day."""
    user = gate.staff_of(request)
    gate.require(user, Site, "view", request)
    on = _on(request)
    region = region_asked(viewer=user, code=request.GET.get("region", ""))
    sites = selectors.site_list(viewer=user, on=on, region=region)
    page = Paginator(sites, PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "on": on,
        "region": region,
        "form": AsOfForm(request.GET or None),
        "can_add": gate.allowed(user, Site, "add"),
        "query": urlencode({k: v for k, v in request.GET.items() if k != "page"}),
    }
    return render(request, "relocation/site_list.html", context)


@login_required
def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One site: its plan, and its relocated households as of a day (origins, registered, labour at work,
    statuses)."""
    user = gate.staff_of(request)
    site = selectors.site_get(viewer=user, site_id=pk)
    on = _on(request)
    counts = selectors.site_counts(viewer=user, site=site, on=on)
    statuses = [(value, label, counts.status.get(value, 0)) for value, label in Stability.choices]
    context = {
        "site": site,
        "on": on,
        "counts": counts,
        "statuses": statuses,
        "unassessed": counts.status.get(selectors.UNASSESSED, 0),
        "form": AsOfForm(request.GET or None),
        "can_change": gate.restrict(Site.objects.filter(pk=site.pk), user, "change").exists(),
    }
    return render(request, "relocation/site_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def site_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Record a new site, or change one."""
    user = gate.staff_of(request)
    site = None
    if pk is None:
        gate.require(user, Site, "add", request)
        initial: dict[str, object] = {"region_code": user.region.code}
    else:
        site = selectors.site_get(viewer=user, site_id=pk, action="change")
        initial = {
            "name": site.name,
            "kind": site.kind,
            "region_code": site.region.code,
            "address": site.address,
            "built_year": site.built_year,
            "planned_households": site.planned_households,
            "planned_people": site.planned_people,
        }
    form = SiteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.site_save(actor=user, site_id=pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Site saved."))
            return redirect("relocation:site_detail", pk=saved.pk)
    return render(request, "relocation/site_form.html", {"form": form, "site": site})


def _filtered(
    request: HttpRequest, user: User
) -> tuple[RelocationFilterForm, selectors.RelocationFilters, date]:
    form = RelocationFilterForm(request.GET or None, sites=_site_choices(user))
    data = form.cleaned_data if form.is_valid() else {}
    on = data.get("on") or timezone.localdate()
    filters = selectors.RelocationFilters(
        region=region_asked(viewer=user, code=request.GET.get("region", "")),
        site_id=data.get("site"),
        status=data.get("status") or "",
        number=(data.get("number") or "").strip(),
    )
    return form, filters, on


@login_required
def relocation_list(request: HttpRequest) -> HttpResponse:
    """The register of relocated households of the user's region, with their status as of a day."""
    user = gate.staff_of(request)
    gate.require(user, Relocation, "view", request)
    form, filters, on = _filtered(request, user)
    ids = selectors.relocation_ids(viewer=user, filters=filters, on=on)
    page = Paginator(ids, PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": selectors.relocation_rows(list(page.object_list), on),
        "on": on,
        "region": filters.region,
        "query": urlencode({k: v for k, v in request.GET.items() if k != "page"}),
        "can_add": gate.allowed(user, Relocation, "add"),
        "can_import": gate.allowed(user, Relocation, "import"),
        "can_export": gate.allowed(user, Relocation, "export"),
    }
    return render(request, "relocation/relocation_list.html", context)


@login_required
def relocation_export(request: HttpRequest) -> HttpResponse:
    """The filtered register as XLSX, with each household's status as of the day asked (audited)."""
    user = gate.staff_of(request)
    gate.require(user, Relocation, "export", request)
    _form, filters, on = _filtered(request, user)
    ids = selectors.relocation_ids(viewer=user, filters=filters, on=on)
    if len(ids) > EXPORT_INLINE_ROWS:
        job = relocations_export_start(viewer=user, filters=filters, on=on, language=request.LANGUAGE_CODE)
        return redirect("jobs:detail", pk=job.pk)
    rows = selectors.relocation_rows(ids, on)
    response = HttpResponse(
        relocations_xlsx(viewer=user, rows=rows, on=on, request=request),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="relocations-{on:%Y%m%d}.xlsx"'
    return response


@login_required
def relocation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One relocated household: origin, site, year, its assessments and support; forms for who records them."""
    user = gate.staff_of(request)
    relocation = selectors.relocation_get(viewer=user, relocation_id=pk)
    today = timezone.localdate()
    scope = Relocation.objects.filter(pk=relocation.pk)
    can_assess = gate.allowed(user, Assessment, "add") and gate.restrict(scope, user, "assess").exists()
    can_support = gate.allowed(user, Support, "add") and gate.restrict(scope, user, "support").exists()
    context = {
        "relocation": relocation,
        "assessments": selectors.assessments_of(viewer=user, relocation=relocation),
        "supports": selectors.supports_of(viewer=user, relocation=relocation),
        "household_visible": gate.restrict(
            Household.objects.filter(pk=relocation.household_id), user
        ).exists(),
        "site_visible": gate.restrict(Site.objects.filter(pk=relocation.site_id), user).exists(),
        "assess_form": AssessmentForm(initial={"on": today}, auto_id=ASSESS_ID) if can_assess else None,
        "support_form": SupportForm(initial={"on": today}, auto_id=SUPPORT_ID) if can_support else None,
    }
    return render(request, "relocation/relocation_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def relocation_create(request: HttpRequest) -> HttpResponse:
    """Record a relocated household of the user's region."""
    user = gate.staff_of(request)
    gate.require(user, Relocation, "add", request)
    initial: dict[str, object] = {"year": timezone.localdate().year}
    wanted = request.GET.get("household", "")
    if wanted.isascii() and wanted.isdigit():
        found = gate.restrict(Household.objects.filter(pk=int(wanted)), user).first()
        if found is not None:
            initial["number"] = found.number
            initial["origin_code"] = found.village.code
    form = RelocationForm(request.POST or None, initial=initial, sites=_site_choices(user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        household = gate.restrict(Household.objects.filter(number=data["number"].strip()), user).first()
        if household is None:
            form.add_error("number", _("No household with this number in your region."))
        else:
            try:
                relocation = services.relocation_record(
                    actor=user,
                    household_id=household.pk,
                    origin_code=data["origin_code"],
                    site_id=data["site"],
                    year=data["year"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Relocation recorded."))
                return redirect("relocation:detail", pk=relocation.pk)
    return render(request, "relocation/relocation_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def assessment_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a stability assessment of a relocated household (the same day again corrects it)."""
    user = gate.staff_of(request)
    gate.require(user, Assessment, "add", request)
    relocation = selectors.relocation_get(viewer=user, relocation_id=pk, action="assess")
    form = AssessmentForm(request.POST or None, initial={"on": timezone.localdate()}, auto_id=ASSESS_ID)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_record(actor=user, relocation_id=relocation.pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Assessment recorded."))
            return redirect("relocation:detail", pk=relocation.pk)
    context = {"form": form, "relocation": relocation, "title": _("Assess stability")}
    return render(request, "relocation/record_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def support_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a follow-up support given to a relocated household."""
    user = gate.staff_of(request)
    gate.require(user, Support, "add", request)
    relocation = selectors.relocation_get(viewer=user, relocation_id=pk, action="support")
    form = SupportForm(request.POST or None, initial={"on": timezone.localdate()}, auto_id=SUPPORT_ID)
    if request.method == "POST" and form.is_valid():
        try:
            services.support_record(actor=user, relocation_id=relocation.pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Support recorded."))
            return redirect("relocation:detail", pk=relocation.pk)
    context = {"form": form, "relocation": relocation, "title": _("Record follow-up support")}
    return render(request, "relocation/record_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def relocation_import_page(request: HttpRequest) -> HttpResponse:
    """Download the template; upload a list of relocated households to check it, or to import it (a job)."""
    return import_page(
        request,
        model=Relocation,
        kind=importing.KIND,
        template="relocation/import.html",
        columns=importing.COLUMNS,
    )


@login_required
def relocation_import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The template, XLSX or CSV."""
    return template_download(
        request,
        model=Relocation,
        fmt=fmt,
        csv=importing.template_csv,
        xlsx=importing.template_xlsx,
        name="relocations",
    )
