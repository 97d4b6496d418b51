"""Account pages: API tokens, one's own password, second-factor enrolment."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bottomline.accounts import gate, selectors, services
from bottomline.accounts.forms import EnrolmentForm, PasswordChangeForm
from bottomline.accounts.middleware import ENROLMENT_SESSION_KEY
from bottomline.accounts.models import TokenScope


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """List the user's API tokens and create a new one, shown once."""
    user = gate.staff_of(request)
    new_token = None
    if request.method == "POST":
        try:
            _token, new_token = services.token_create(
                user=user,
                name=request.POST.get("name", ""),
                scope=request.POST.get("scope", TokenScope.READ),
                days=int(request.POST["days"]) if request.POST.get("days") else None,
            )
        except ValueError:  # a lifetime that is not a number
            messages.error(request, _("Choose how many days the token lives."))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
    # A token from before the last password change no longer works: the page says so.
    mark = services.token_password_mark(user)
    tokens = list(selectors.token_list(viewer=user))
    for token in tokens:
        token.ended = token.password_mark != mark  # type: ignore[attr-defined]  # shown, never saved
    lifetimes = sorted({d for d in (7, settings.API_TOKEN_DAYS, settings.API_TOKEN_MAX_DAYS) if d >= 1})
    return render(
        request,
        "accounts/token_list.html",
        {
            "tokens": tokens,
            "new_token": new_token,
            "scopes": TokenScope.choices,
            "lifetimes": [d for d in lifetimes if d <= settings.API_TOKEN_MAX_DAYS],
            "default_days": settings.API_TOKEN_DAYS,
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke a token: one's own, or (a system administrator) one of the region's accounts'."""
    user = gate.staff_of(request)
    services.token_revoke(user=user, token_id=pk)
    messages.success(request, _("The token is revoked."))
    return redirect("accounts:tokens")


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password; the session stays signed in, API tokens end."""
    user = gate.staff_of(request)
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.password_change(
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password is changed. Your API tokens have ended."))
            return redirect("accounts:password")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Accept an administrator's one-time enrolment code, then open the second-factor setup for this session."""
    user = gate.staff_of(request)
    form = EnrolmentForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        if services.enrolment_redeem(user=user, code=form.cleaned_data["code"], request=request):
            request.session[ENROLMENT_SESSION_KEY] = user.pk
            return redirect("two_factor:setup")
        form.add_error(
            "code", _("That code is wrong, spent or expired. Ask your administrator for a new one.")
        )
    return render(request, "accounts/enrol.html", {"form": form})
