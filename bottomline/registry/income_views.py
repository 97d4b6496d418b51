"""Income collection pages: a household's incomes, a village's collection for a year, the income import."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bottomline.accounts import gate
from bottomline.pages import apply_service_errors
from bottomline.registry import income_import, incomes
from bottomline.registry.import_pages import import_page, template_download
from bottomline.registry.income_forms import CollectionForm, IncomeAmountsForm, IncomeForm
from bottomline.registry.models import Household
from bottomline.registry.programs import program_totals
from bottomline.registry.selectors import with_member_counts
from bottomline.registry.views import _number

COLLECTION_PAGE = 50


def _year(request: HttpRequest) -> int:
    text = request.GET.get("year", "")
    year = int(text) if text.isascii() and text.isdigit() else 0
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@login_required
@require_http_methods(["GET", "POST"])
def household_incomes(request: HttpRequest, pk: int) -> HttpResponse:
    """A household's income records, and (for who keeps the archive) a form for a period's income."""
    user = gate.staff_of(request)
    household, records = incomes.household_incomes(viewer=user, household_id=pk)
    can_change = gate.allowed(user, Household, "change")
    year = _year(request)
    first, last = incomes.year_bounds(year)
    # A year not yet collected starts from its program money (a recorded one already counts it).
    collected = any(r.period_start <= last and r.period_end >= first for r in records)
    programs = (
        program_totals(household_id=household.pk, start=first, end=last)
        if can_change and not collected
        else {}
    )
    form = IncomeForm(request.POST or None, year=year, programs=programs) if can_change else None
    if request.method == "POST":
        gate.require(user, Household, "change", request)
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            incomes.income_save(
                actor=user,
                household_id=household.pk,
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
                amounts=form.amounts(),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Income saved; the household was evaluated again."))
            return redirect("registry:household_incomes", pk=household.pk)
    context = {"household": household, "records": records, "form": form, "can_change": can_change}
    return render(request, "registry/income_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def income_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct the amounts of a recorded period (the change log keeps the earlier ones)."""
    user = gate.staff_of(request)
    gate.require(user, Household, "change", request)
    record = incomes.income_get(viewer=user, record_id=pk)
    initial = {name: getattr(record, name) for name in incomes.AMOUNTS}
    if record.production_gross is None:  # entered as a net figure: shown as gross income without spending
        initial["production_gross"], initial["production_expense"] = max(record.production, 0), None
    form = IncomeAmountsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            incomes.income_update(actor=user, record_id=record.pk, **form.amounts())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Income saved; the household was evaluated again."))
            return redirect("registry:household_incomes", pk=record.household_id)
    return render(request, "registry/income_form.html", {"form": form, "record": record})


@login_required
def income_collection(request: HttpRequest) -> HttpResponse:
    """A village's households for a year's income collection: done and to do, with the year's progress."""
    user = gate.staff_of(request)
    gate.require(user, Household, "change", request)
    form = CollectionForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    villages = incomes.collection_villages(viewer=user)
    year = _year(request)
    code = data.get("village") or ""
    if not code:
        first = villages.values_list("code", flat=True).first()
        code = first or ""
    page = (
        incomes.collection(
            viewer=user,
            village_code=code,
            year=year,
            status=data.get("status") or "",
            after=_number(request.GET.get("after")),
            size=COLLECTION_PAGE,
        )
        if code
        else None
    )
    if page is not None:
        with_member_counts(page.rows)
    query = urlencode({"village": code, "year": year, "status": data.get("status") or ""})
    context = {
        "page": page,
        "villages": villages,
        "village_code": code,
        "year": year,
        "status": data.get("status") or "",
        "query": query,
        "can_import": gate.allowed(user, Household, "import"),
    }
    return render(request, "registry/income_collection.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def income_import_page(request: HttpRequest) -> HttpResponse:
    """Download the income template; upload a file to check it, or to import it (a job with progress)."""
    return import_page(
        request,
        model=Household,
        kind=income_import.KIND,
        template="registry/income_import.html",
        columns=income_import.COLUMNS,
    )


@login_required
def income_import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The income import template, XLSX or CSV."""
    return template_download(
        request,
        model=Household,
        fmt=fmt,
        csv=income_import.template_csv,
        xlsx=income_import.template_xlsx,
        name="income",
    )
