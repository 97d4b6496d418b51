"""Staff must have passed their second factor when BOTTOMLINE_REQUIRE_MFA is on."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

# Paths a signed-in user who has not passed the second factor may still reach.
OPEN_PREFIXES = ("/account/login/", "/account/logout/", "/account/two_factor/", "/i18n/", "/static/", "/api/")


def second_factor_passed(user: object) -> bool:
    """Whether django_otp's middleware marked this session's user as verified by a device."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


class RequireSecondFactorMiddleware:
    """Send a signed-in user without a verified second factor to set it up (or to sign in again)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.REQUIRE_MFA
            and user.is_authenticated
            and not second_factor_passed(user)
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            return redirect(reverse("two_factor:setup"))
        return self.get_response(request)
