"""Policy pages: what is in force, proposals with their simulation, apply or discard."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bottomline.accounts import gate
from bottomline.pages import apply_service_errors
from bottomline.policy import selectors, services
from bottomline.policy.forms import ProposalForm
from bottomline.policy.models import Parameter, Proposal


@login_required
@require_http_methods(["GET", "POST"])
def policy_home(request: HttpRequest) -> HttpResponse:
    """Parameters in force for the user's region; officers who set them propose and simulate changes."""
    user = gate.staff_of(request)
    gate.require(user, Parameter, "view", request)
    may_propose = gate.allowed(user, Parameter, "change")
    form = ProposalForm(request.POST or None) if may_propose else None
    if request.method == "POST":
        gate.require(user, Parameter, "change", request)
        if form is not None and form.is_valid():
            try:
                proposal = services.proposal_create(actor=user, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                return redirect("policy:proposal", pk=proposal.pk)
    context = {
        "parameters": selectors.parameters_table(region=user.region, on=timezone.localdate()),
        "proposals": gate.restrict(Proposal.objects.select_related("region"), user)[:50],
        "form": form,
    }
    return render(request, "policy/home.html", context)


@login_required
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A proposal and what it would change."""
    user = gate.staff_of(request)
    proposal = gate.access(
        Proposal.objects.select_related("region", "proposed_by", "job"), user, request=request, pk=pk
    )
    context = {"proposal": proposal, "may_decide": gate.allowed(user, Proposal, "change")}
    return render(request, "policy/proposal.html", context)


@login_required
@require_POST
def proposal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply or discard a proposal (audited as a change of the proposal and, when applied, a new parameter)."""
    user = gate.staff_of(request)
    try:
        services.proposal_decide(actor=user, proposal_id=pk, apply=request.POST.get("decision") == "apply")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The proposal is decided."))
    return redirect("policy:proposal", pk=pk)
