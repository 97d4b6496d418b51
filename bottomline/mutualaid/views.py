"""Mutual-aid pages: the associations with their balance sheets as of a day, one association (balance sheet,
capital, members, loans), recording an association, a contribution, a member joining or leaving, a loan and a
repayment; the import and the XLSX export. Thin: services write, selectors read."""

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
from bottomline.mutualaid import exports, importing, selectors, services
from bottomline.mutualaid.forms import (
    AssociationFilterForm,
    AssociationForm,
    ContributionForm,
    JoinForm,
    LeaveForm,
    LoanForm,
    RepaymentForm,
)
from bottomline.mutualaid.ledger import loan_state
from bottomline.mutualaid.models import Association, Contribution, Loan, Membership, Repayment
from bottomline.pages import apply_service_errors
from bottomline.regions.models import Level, Region
from bottomline.regions.selectors import region_asked
from bottomline.registry.import_pages import import_page, template_download
from bottomline.registry.models import Household

PAGE = 50


def _on(request: HttpRequest) -> date:
    form = AssociationFilterForm(request.GET or None)
    return (form.cleaned_data.get("on") if form.is_valid() else None) or timezone.localdate()


@login_required
def association_list(request: HttpRequest) -> HttpResponse:
    """The associations of the user's region, each with its balance sheet as of a day."""
    user = gate.staff_of(request)
    gate.require(user, Association, "view", request)
    form = AssociationFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    on = data.get("on") or timezone.localdate()
    region = region_asked(viewer=user, code=request.GET.get("region", ""))
    ids = selectors.association_ids(
        viewer=user, region=region, name=data.get("name") or "", status=data.get("status") or ""
    )
    page = Paginator(ids, PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    sheets = selectors.sheets_of(ids, on)
    total = selectors.total_of(sheets.values(), on)
    context = {
        "form": form,
        "page": page,
        "rows": [(a, sheets[a.pk]) for a in selectors.association_rows(shown)],
        "total": total,
        "count": len(ids),
        "on": on,
        "region": region,
        "query": urlencode({k: v for k, v in request.GET.items() if k != "page"}),
        "can_add": gate.allowed(user, Association, "add"),
        "can_import": gate.allowed(user, Loan, "import"),
        "can_export": gate.allowed(user, Loan, "export"),
    }
    return render(request, "mutualaid/association_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def association_create(request: HttpRequest) -> HttpResponse:
    """Register a village's association."""
    user = gate.staff_of(request)
    gate.require(user, Association, "add", request)
    taken = Association.objects.values("village_id")
    villages = [
        (code, name)
        for code, name in gate.restrict(Region.objects.filter(level=Level.VILLAGE), user)
        .exclude(pk__in=taken)
        .order_by("code")
        .values_list("code", "name")
    ]
    form = AssociationForm(
        request.POST or None,
        villages=villages,
        initial={"founded_on": timezone.localdate(), "loan_limit": 10000, "fee_rate": 6},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            association = services.association_create(
                actor=user,
                village_code=data["village"],
                name=data["name"],
                founded_on=data["founded_on"],
                loan_limit=data["loan_limit"],
                fee_rate=data["fee_rate"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Association registered."))
            return redirect("mutualaid:detail", pk=association.pk)
    return render(
        request,
        "mutualaid/form.html",
        {"form": form, "title": _("Register an association"), "back": "mutualaid:list"},
    )


@login_required
def association_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One association as of a day: its balance sheet, capital contributions, members and loans."""
    user = gate.staff_of(request)
    association = selectors.association_get(viewer=user, association_id=pk)
    on = _on(request)
    keeps = gate.restrict(Association.objects.filter(pk=association.pk), user, "change").exists()
    context = {
        "association": association,
        "on": on,
        "form": AssociationFilterForm(request.GET or None),
        "sheet": selectors.sheets_of([association.pk], on)[association.pk],
        "contributions": list(
            gate.restrict(Contribution.objects.filter(association=association, on__lte=on), user).order_by(
                "on", "id"
            )
        ),
        "members": selectors.members_of(viewer=user, association=association, on=on),
        "loans": Paginator(selectors.loans_of(viewer=user, association=association, on=on), PAGE).get_page(
            request.GET.get("page")
        ),
        "can_keep": keeps and gate.allowed(user, Loan, "add"),
    }
    return render(request, "mutualaid/association_detail.html", context)


def _kept(request: HttpRequest, user: User, pk: int) -> Association:
    return selectors.association_get(viewer=user, association_id=pk, action="change")


@login_required
@require_http_methods(["GET", "POST"])
def contribution_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record capital put into the fund."""
    user = gate.staff_of(request)
    gate.require(user, Contribution, "add", request)
    association = _kept(request, user, pk)
    form = ContributionForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.contribution_record(
                actor=user,
                association_id=association.pk,
                source=data["source"],
                amount=data["amount"],
                on=data["on"],
                note=data.get("note") or "",
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Contribution recorded."))
            return redirect("mutualaid:detail", pk=association.pk)
    context = {"form": form, "title": _("Record a capital contribution"), "association": association}
    return render(request, "mutualaid/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def member_join(request: HttpRequest, pk: int) -> HttpResponse:
    """A household of the village joins the fund with its share."""
    user = gate.staff_of(request)
    gate.require(user, Membership, "add", request)
    association = _kept(request, user, pk)
    form = JoinForm(request.POST or None, initial={"joined_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        household = gate.restrict(
            Household.objects.filter(number=data["number"].strip(), village=association.village), user
        ).first()
        if household is None:
            form.add_error("number", _("No household with this number in the association's village."))
        else:
            try:
                services.member_join(
                    actor=user,
                    association_id=association.pk,
                    household_id=household.pk,
                    share=data["share"],
                    joined_on=data["joined_on"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Member recorded."))
                return redirect("mutualaid:detail", pk=association.pk)
    context = {"form": form, "title": _("A household joins"), "association": association}
    return render(request, "mutualaid/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def member_leave(request: HttpRequest, pk: int) -> HttpResponse:
    """A member leaves the fund; its share is refunded."""
    user = gate.staff_of(request)
    membership = gate.access(
        Membership.objects.select_related("association", "household"),
        user,
        action="change",
        request=request,
        pk=pk,
    )
    form = LeaveForm(request.POST or None, initial={"left_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.member_leave(
                actor=user, membership_id=membership.pk, left_on=form.cleaned_data["left_on"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The household has left the fund."))
            return redirect("mutualaid:detail", pk=membership.association_id)
    context = {
        "form": form,
        "title": _("Household %(number)s leaves") % {"number": membership.household.number},
        "association": membership.association,
    }
    return render(request, "mutualaid/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def loan_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Lend to a member household."""
    user = gate.staff_of(request)
    gate.require(user, Loan, "add", request)
    association = _kept(request, user, pk)
    form = LoanForm(request.POST or None, initial={"disbursed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        household = gate.restrict(
            Household.objects.filter(number=data["number"].strip(), village=association.village), user
        ).first()
        if household is None:
            form.add_error("number", _("No household with this number in the association's village."))
        else:
            try:
                loan = services.loan_record(
                    actor=user,
                    association_id=association.pk,
                    household_id=household.pk,
                    number=data["loan_number"],
                    amount=data["amount"],
                    term_months=data["term_months"],
                    fee_rate=data.get("fee_rate"),
                    purpose=data["purpose"],
                    disbursed_on=data["disbursed_on"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Loan recorded."))
                return redirect("mutualaid:loan_detail", pk=loan.pk)
    context = {"form": form, "title": _("Record a mutual-aid loan"), "association": association}
    return render(request, "mutualaid/form.html", context)


@login_required
def loan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One loan: its terms, repayments and state today; a repayment form for who records them."""
    user = gate.staff_of(request)
    loan = selectors.loan_get(viewer=user, loan_id=pk)
    today = timezone.localdate()
    repayments = list(loan.repayments.order_by("on", "id"))
    context = {
        "loan": loan,
        "state": loan_state(loan, repayments, today),
        "repayments": repayments,
        "form": RepaymentForm(initial={"on": today}) if gate.allowed(user, Repayment, "add") else None,
    }
    return render(request, "mutualaid/loan_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def repayment_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a repayment of a loan (never more than is owed)."""
    user = gate.staff_of(request)
    gate.require(user, Repayment, "add", request)
    loan = gate.access(Loan.objects.select_related("household"), user, request=request, pk=pk)
    form = RepaymentForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.repayment_record(
                actor=user,
                loan_id=loan.pk,
                on=data["on"],
                principal=data["principal"],
                fee=data["fee"],
                reference=data.get("reference") or "",
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Repayment recorded."))
            return redirect("mutualaid:loan_detail", pk=loan.pk)
    return render(request, "mutualaid/repayment_form.html", {"form": form, "loan": loan})


@login_required
def loan_export(request: HttpRequest) -> HttpResponse:
    """The region's mutual-aid loans as XLSX with their state as of the day asked (audited; a job when many)."""
    user = gate.staff_of(request)
    gate.require(user, Loan, "export", request)
    on = _on(request)
    region = region_asked(viewer=user, code=request.GET.get("region", ""))
    if not exports.loans_export_inline(viewer=user, region=region):
        job = exports.loans_export_start(viewer=user, region=region, on=on, language=request.LANGUAGE_CODE)
        return redirect("jobs:detail", pk=job.pk)
    rows = selectors.loans_export(viewer=user, region=region, on=on)
    response = HttpResponse(
        exports.loans_xlsx(viewer=user, rows=rows, on=on, request=request),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="mutualaid-loans-{on:%Y%m%d}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def loan_import_page(request: HttpRequest) -> HttpResponse:
    """Download the ledger template; upload a fund's ledger to check it, or to import it (a job)."""
    return import_page(
        request, model=Loan, kind=importing.KIND, template="mutualaid/import.html", columns=importing.COLUMNS
    )


@login_required
def loan_import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The ledger template, XLSX or CSV."""
    return template_download(
        request,
        model=Loan,
        fmt=fmt,
        csv=importing.template_csv,
        xlsx=importing.template_xlsx,
        name="mutualaid",
    )
