"""Insurance pages: the policies (with the households each covers as of a day), recording a policy, the claims,
recording, assessing, paying and withdrawing a claim, proposing claims from the medical feed, the import and the
XLSX export. Thin: services write, selectors read."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
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
from bottomline.audit.reads import read_note
from bottomline.insurance import importing, selectors, services
from bottomline.insurance.exports import claims_xlsx
from bottomline.insurance.forms import (
    AsOfForm,
    AssessForm,
    ClaimFilterForm,
    ClaimForm,
    PayForm,
    PolicyForm,
    WithdrawForm,
)
from bottomline.insurance.models import Claim, ClaimStatus, Policy, Trigger
from bottomline.pages import apply_service_errors
from bottomline.regions.selectors import region_asked
from bottomline.registry.import_pages import import_page, template_download
from bottomline.registry.models import Household

PAGE = 50


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    """The policies of the user's region and above it, with the households each covers today."""
    user = gate.staff_of(request)
    gate.require(user, Policy, "view", request)
    today = timezone.localdate()
    policies = list(selectors.policies_visible(user).order_by("-start", "id"))
    rows = [(p, selectors.covered_households(viewer=user, policy=p, on=today).count()) for p in policies]
    context = {"rows": rows, "today": today, "can_add": gate.allowed(user, Policy, "add")}
    return render(request, "insurance/policy_list.html", context)


@login_required
def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One policy: its terms and rules, the households it covers as of a day (paged), its claims."""
    user = gate.staff_of(request)
    policy = selectors.policy_get(viewer=user, policy_id=pk)
    form = AsOfForm(request.GET or None)
    on = (form.cleaned_data.get("on") if form.is_valid() else None) or timezone.localdate()
    covered = selectors.covered_households(viewer=user, policy=policy, on=on).select_related("village")
    page = Paginator(covered, PAGE).get_page(request.GET.get("page"))
    read_note(what="registry.household", region=user.region, rows=len(page.object_list))
    claims = selectors.claims_visible(user).filter(policy=policy)
    can_change = gate.restrict(Policy.objects.filter(pk=policy.pk), user, "change").exists()
    context = {
        "policy": policy,
        "rules": list(policy.rules.all()),
        "form": form,
        "on": on,
        "page": page,
        "query": urlencode({k: v for k, v in request.GET.items() if k != "page"}),
        "claims_count": claims.count(),
        "paid_count": claims.filter(status=ClaimStatus.PAID).count(),
        "can_propose": can_change and gate.allowed(user, Claim, "add"),
        "can_claim": gate.allowed(user, Claim, "add"),
    }
    return render(request, "insurance/policy_detail.html", context)


def _rules(data: dict[str, object]) -> dict[str, services.RuleIn]:
    rules: dict[str, services.RuleIn] = {}
    for trigger in Trigger.values:
        threshold, share = data.get(f"{trigger}_threshold"), data.get(f"{trigger}_share")
        if threshold is None and share is None:
            continue
        cap = data.get(f"{trigger}_cap")
        rules[trigger] = services.RuleIn(
            threshold=threshold if threshold is not None else 0,  # type: ignore[arg-type]
            share=share if share is not None else 0,  # type: ignore[arg-type]
            cap=cap,  # type: ignore[arg-type]
        )
    return rules


@login_required
@require_http_methods(["GET", "POST"])
def policy_create(request: HttpRequest) -> HttpResponse:
    """Record a policy bought by the user's region."""
    user = gate.staff_of(request)
    gate.require(user, Policy, "add", request)
    form = PolicyForm(
        request.POST or None,
        initial={"covers_lifted": True, "covers_monitored": True, "income_below": 5000},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            policy = services.policy_record(
                actor=user,
                region_id=user.region.pk,
                name=data["name"],
                number=data["number"],
                insurer=data["insurer"],
                start=data["start"],
                end=data["end"],
                rules=_rules(data),
                premium_total=data.get("premium_total"),
                premium_per_household=data.get("premium_per_household"),
                covers_lifted=data.get("covers_lifted") or False,
                covers_monitored=data.get("covers_monitored") or False,
                income_below=data.get("income_below"),
                source=data.get("source") or "",
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Policy recorded."))
            return redirect("insurance:policy_detail", pk=policy.pk)
    return render(request, "insurance/policy_form.html", {"form": form})


@login_required
@require_POST
def policy_propose(request: HttpRequest, pk: int) -> HttpResponse:
    """Propose the medical claims the medical feed's spending calls for (idempotent)."""
    user = gate.staff_of(request)
    gate.require(user, Claim, "add", request)
    policy = gate.access(
        Policy.objects.select_related("region"), user, action="change", request=request, pk=pk
    )
    found = services.claims_from_medical(actor=user, policy=policy)
    messages.success(
        request,
        _("%(new)d claims proposed, %(updated)d updated, %(same)d unchanged.")
        % {"new": found.proposed, "updated": found.updated, "same": found.unchanged},
    )
    return redirect("insurance:policy_detail", pk=policy.pk)


def _claim_filters(request: HttpRequest, user: User) -> tuple[ClaimFilterForm, selectors.ClaimFilters]:
    form = ClaimFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    wanted = request.GET.get("policy", "")
    filters = selectors.ClaimFilters(
        region=region_asked(viewer=user, code=request.GET.get("region", "")),
        policy_id=int(wanted) if wanted.isascii() and wanted.isdigit() else None,
        status=data.get("status") or "",
        trigger=data.get("trigger") or "",
        number=(data.get("number") or "").strip(),
    )
    return form, filters


@login_required
def claim_list(request: HttpRequest) -> HttpResponse:
    """The claims of the user's region, filtered and paged."""
    user = gate.staff_of(request)
    gate.require(user, Claim, "view", request)
    form, filters = _claim_filters(request, user)
    page = Paginator(selectors.claim_list(viewer=user, filters=filters), PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "page": page,
        "query": urlencode({k: v for k, v in request.GET.items() if k != "page"}),
        "can_add": gate.allowed(user, Claim, "add"),
        "can_import": gate.allowed(user, Claim, "import"),
        "can_export": gate.allowed(user, Claim, "export"),
    }
    return render(request, "insurance/claim_list.html", context)


@login_required
def claim_export(request: HttpRequest) -> HttpResponse:
    """The filtered claims as XLSX (audited)."""
    user = gate.staff_of(request)
    gate.require(user, Claim, "export", request)
    _form, filters = _claim_filters(request, user)
    rows = list(selectors.claim_list(viewer=user, filters=filters))
    response = HttpResponse(
        claims_xlsx(viewer=user, rows=rows, request=request),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="insurance-claims-{timezone.localdate():%Y%m%d}.xlsx"'
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def claim_create(request: HttpRequest) -> HttpResponse:
    """Record a claim of a covered household in the user's region."""
    user = gate.staff_of(request)
    gate.require(user, Claim, "add", request)
    policies = list(selectors.policies_visible(user).order_by("-start", "id"))
    form = ClaimForm(request.POST or None, initial={"occurred_on": timezone.localdate()})
    form.fields["policy"] = forms.TypedChoiceField(
        label=_("Policy"), choices=[(p.pk, str(p)) for p in policies], coerce=int
    )
    form.fields["policy"].widget.attrs["class"] = "form-select"
    wanted = request.GET.get("policy", "")
    if wanted.isascii() and wanted.isdigit():
        form.fields["policy"].initial = int(wanted)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        household = gate.restrict(Household.objects.filter(number=data["number"].strip()), user).first()
        if household is None:
            form.add_error("number", _("No household with this number in your region."))
        else:
            try:
                claim = services.claim_record(
                    actor=user,
                    policy_id=data["policy"],
                    household_id=household.pk,
                    trigger=data["trigger"],
                    occurred_on=data["occurred_on"],
                    spending=data["spending"],
                    claimed=data.get("claimed"),
                    reference=data.get("reference") or "",
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Claim recorded."))
                return redirect("insurance:claim_detail", pk=claim.pk)
    return render(request, "insurance/claim_form.html", {"form": form})


def _claim_context(user: User, claim: Claim, **bound: object) -> dict[str, object]:
    today = timezone.localdate()
    can_change = gate.restrict(Claim.objects.filter(pk=claim.pk), user, "change").exists()
    open_ = claim.status in (ClaimStatus.RECORDED, ClaimStatus.APPROVED, ClaimStatus.PAID)
    return {
        "claim": claim,
        "rule": claim.policy.rules.filter(trigger=claim.trigger).first(),
        "assess_form": bound.get("assess")
        or (
            AssessForm(initial={"on": today, "decision": "approve"}, auto_id="id_assess_%s")
            if can_change and claim.status in (ClaimStatus.RECORDED, ClaimStatus.APPROVED, ClaimStatus.PAID)
            else None
        ),
        "pay_form": bound.get("pay")
        or (
            PayForm(initial={"paid_on": today}, auto_id="id_pay_%s")
            if can_change and claim.status == ClaimStatus.APPROVED
            else None
        ),
        "withdraw_form": bound.get("withdraw")
        or (WithdrawForm(auto_id="id_withdraw_%s") if can_change and open_ else None),
    }


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One claim: household, policy and rule, assessment and payout; the forms for who keeps claims."""
    user = gate.staff_of(request)
    claim = selectors.claim_get(viewer=user, claim_id=pk)
    return render(request, "insurance/claim_detail.html", _claim_context(user, claim))


def _claim_action(request: HttpRequest, pk: int) -> tuple[User, Claim]:
    user = gate.staff_of(request)
    gate.require(user, Claim, "change", request)
    return user, selectors.claim_get(viewer=user, claim_id=pk, action="change")


@login_required
@require_POST
def claim_assess(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or refuse a claim (refusing a paid claim withdraws its payout from the income)."""
    user, claim = _claim_action(request, pk)
    form = AssessForm(request.POST, auto_id="id_assess_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.claim_assess(
                actor=user,
                claim_id=claim.pk,
                approve=data["decision"] == "approve",
                amount=data.get("amount"),
                reason=data.get("reason") or "",
                on=data["on"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Claim assessed."))
            return redirect("insurance:claim_detail", pk=claim.pk)
    return render(request, "insurance/claim_detail.html", _claim_context(user, claim, assess=form))


@login_required
@require_POST
def claim_pay(request: HttpRequest, pk: int) -> HttpResponse:
    """Pay an approved claim: the payout becomes the household's transfer income."""
    user, claim = _claim_action(request, pk)
    form = PayForm(request.POST, auto_id="id_pay_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.claim_pay(
                actor=user, claim_id=claim.pk, paid_on=data["paid_on"], amount=data.get("amount")
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Payout recorded: it is counted in the household's transfer income."))
            return redirect("insurance:claim_detail", pk=claim.pk)
    return render(request, "insurance/claim_detail.html", _claim_context(user, claim, pay=form))


@login_required
@require_POST
def claim_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a claim: a payout leaves the household's income again."""
    user, claim = _claim_action(request, pk)
    form = WithdrawForm(request.POST, auto_id="id_withdraw_%s")
    if form.is_valid():
        try:
            services.claim_withdraw(actor=user, claim_id=claim.pk, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Claim withdrawn."))
            return redirect("insurance:claim_detail", pk=claim.pk)
    return render(request, "insurance/claim_detail.html", _claim_context(user, claim, withdraw=form))


@login_required
@require_http_methods(["GET", "POST"])
def claim_import_page(request: HttpRequest) -> HttpResponse:
    """Download the claims template; upload an insurer's list of claims to check it, or to import it (a job)."""
    return import_page(
        request, model=Claim, kind=importing.KIND, template="insurance/import.html", columns=importing.COLUMNS
    )


@login_required
def claim_import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The claims template, XLSX or CSV."""
    return template_download(
        request,
        model=Claim,
        fmt=fmt,
        csv=importing.template_csv,
        xlsx=importing.template_xlsx,
        name="insurance-claims",
    )
