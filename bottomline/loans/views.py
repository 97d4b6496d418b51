"""Loan pages: the list with filters and rates, one loan with its schedule and repayments, recording a
disbursement and a repayment, the import and the XLSX export. Thin: services write, selectors read."""

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
from bottomline.jobs.exports import export_respond
from bottomline.loans import exports, importing, selectors, services
from bottomline.loans.forms import LoanFilterForm, LoanForm, LoanTermsForm, RepaymentForm
from bottomline.loans.models import Loan, Repayment
from bottomline.loans.schedule import loan_state, schedule
from bottomline.pages import apply_service_errors
from bottomline.regions.selectors import region_asked
from bottomline.registry.import_pages import import_page, template_download
from bottomline.registry.models import Household

PAGE = 50


def _filtered(request: HttpRequest, user: User) -> tuple[LoanFilterForm, selectors.LoanFilters, date]:
    form = LoanFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    on = data.get("on") or timezone.localdate()
    filters = selectors.LoanFilters(
        region=region_asked(viewer=user, code=request.GET.get("region", "")),
        lender=data.get("lender") or "",
        purpose=data.get("purpose") or "",
        status=data.get("status") or "",
        number=data.get("number") or "",
        on=on,
    )
    return form, filters, on


@login_required
def loan_list(request: HttpRequest) -> HttpResponse:
    """The loans of the user's region with their state as of a day, and the overdue and default rates."""
    user = gate.staff_of(request)
    gate.require(user, Loan, "view", request)
    form, filters, on = _filtered(request, user)
    ids = selectors.loan_ids(viewer=user, filters=filters, on=on)
    page = Paginator(ids, PAGE).get_page(request.GET.get("page"))
    region = filters.region or user.region
    query = urlencode({k: v for k, v in request.GET.items() if k != "page"})
    context = {
        "form": form,
        "page": page,
        "rows": selectors.loan_rows(list(page.object_list), on),
        "on": on,
        "region": region,
        "rates": selectors.rates_by_region(viewer=user, region=region, on=on),
        "query": query,
        "can_add": gate.allowed(user, Loan, "add"),
        "can_import": gate.allowed(user, Loan, "import"),
        "can_export": gate.allowed(user, Loan, "export"),
    }
    return render(request, "loans/loan_list.html", context)


@login_required
def loan_export(request: HttpRequest) -> HttpResponse:
    """The filtered loans as XLSX, with their state as of the day asked (audited; a job when they are many)."""
    user = gate.staff_of(request)
    _form, filters, _on = _filtered(request, user)
    return export_respond(request, exports.LOANS, viewer=user, params=exports.export_params(filters))


@login_required
def loan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One loan: its terms, schedule, repayments and state today; a repayment form for who records them."""
    user = gate.staff_of(request)
    loan = selectors.loan_get(viewer=user, loan_id=pk)
    today = timezone.localdate()
    repayments = list(loan.repayments.order_by("on", "id"))
    can_change = gate.restrict(Loan.objects.filter(pk=loan.pk), user, "change").exists()
    can_repay = gate.allowed(user, Repayment, "add") and can_change
    context = {
        "loan": loan,
        "state": loan_state(loan, repayments, today),
        "schedule": schedule(loan),
        "repayments": repayments,
        "today": today,
        "form": RepaymentForm(initial={"on": today}) if can_repay else None,
        "can_change": can_change,
        "can_remove": can_change and gate.allowed(user, Repayment, "delete"),
    }
    return render(request, "loans/loan_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def repayment_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a repayment of a loan (never more than is owed)."""
    user = gate.staff_of(request)
    gate.require(user, Repayment, "add", request)
    loan = gate.access(
        Loan.objects.select_related("household"), user, action="change", request=request, pk=pk
    )
    form = RepaymentForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.repayment_record(
                actor=user,
                loan_id=loan.pk,
                on=data["on"],
                principal=data["principal"],
                interest=data["interest"],
                subsidy=data.get("subsidy"),
                reference=data.get("reference") or "",
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Repayment recorded."))
            return redirect("loans:detail", pk=loan.pk)
    return render(request, "loans/repayment_form.html", {"form": form, "loan": loan})


@login_required
@require_http_methods(["GET", "POST"])
def loan_create(request: HttpRequest) -> HttpResponse:
    """Record a disbursed loan of a household in the user's region."""
    user = gate.staff_of(request)
    gate.require(user, Loan, "add", request)
    initial: dict[str, object] = {"disbursed_on": timezone.localdate()}
    household: Household | None = None
    if request.method == "POST":  # the household its number names: its members are the borrowers offered
        number = request.POST.get("number", "").strip()
        household = gate.restrict(Household.objects.filter(number=number), user).first() if number else None
    else:
        wanted = request.GET.get("household", "")
        if wanted.isascii() and wanted.isdigit():
            household = gate.restrict(Household.objects.filter(pk=int(wanted)), user).first()
            if household is not None:
                initial["number"] = household.number
    form = LoanForm(
        request.POST or None, initial=initial, household_id=household.pk if household is not None else None
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if household is None:
            form.add_error("number", _("No household with this number in your region."))
        else:
            try:
                loan = services.loan_record(
                    actor=user,
                    household_id=household.pk,
                    borrower_id=data["borrower"].pk if data.get("borrower") else None,
                    **_terms(data),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Loan recorded."))
                return redirect("loans:detail", pk=loan.pk)
    return render(request, "loans/loan_form.html", {"form": form})


_TERMS = ("lender", "contract", "amount", "term_months", "rate", "subsidy_rate", "purpose", "disbursed_on")


def _terms(data: dict[str, Any]) -> dict[str, Any]:
    """A loan form's terms, as the services take them."""
    return {name: data[name] for name in _TERMS}


@login_required
@require_http_methods(["GET", "POST"])
def loan_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a loan's terms or its borrower (the repayments recorded must still fit them)."""
    user = gate.staff_of(request)
    loan = gate.access(
        Loan.objects.select_related("household"), user, action="change", request=request, pk=pk
    )
    initial = {name: getattr(loan, name) for name in _TERMS} | {"borrower": loan.borrower_id}
    form = LoanTermsForm(request.POST or None, initial=initial, household_id=loan.household_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.loan_change(
                actor=user,
                loan_id=loan.pk,
                borrower_id=data["borrower"].pk if data.get("borrower") else None,
                **_terms(data),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Loan corrected."))
            return redirect("loans:detail", pk=loan.pk)
    return render(request, "loans/loan_change.html", {"form": form, "loan": loan})


@login_required
@require_POST
def repayment_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a repayment entered by mistake (back to its loan's page)."""
    user = gate.staff_of(request)
    loan = services.repayment_remove(actor=user, repayment_id=pk)
    messages.success(request, _("Repayment removed."))
    return redirect("loans:detail", pk=loan.pk)


@login_required
@require_http_methods(["GET", "POST"])
def loan_import_page(request: HttpRequest) -> HttpResponse:
    """Download the statement template; upload a bank's statement to check it, or to import it (a job)."""
    return import_page(
        request, model=Loan, kind=importing.KIND, template="loans/import.html", columns=importing.COLUMNS
    )


@login_required
def loan_import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The statement template, XLSX or CSV."""
    return template_download(
        request, model=Loan, fmt=fmt, csv=importing.template_csv, xlsx=importing.template_xlsx, name="loans"
    )
