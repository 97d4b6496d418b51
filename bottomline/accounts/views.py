"""Account pages: API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bottomline.accounts import gate, selectors, services


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """List the user's API tokens and create a new one, shown once."""
    user = gate.staff_of(request)
    new_token = None
    if request.method == "POST":
        try:
            _token, new_token = services.token_create(user=user, name=request.POST.get("name", ""))
        except ValueError:
            messages.error(request, _("Give the token a name."))
    return render(
        request,
        "accounts/token_list.html",
        {"tokens": selectors.token_list(viewer=user), "new_token": new_token},
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the user's tokens."""
    user = gate.staff_of(request)
    services.token_revoke(user=user, token_id=pk)
    messages.success(request, _("The token is revoked."))
    return redirect("accounts:tokens")
