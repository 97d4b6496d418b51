"""Staff must have passed their second factor when BOTTOMLINE_REQUIRE_MFA is on; auditlog sees the client."""

from __future__ import annotations

from collections.abc import Callable

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from bottomline.accounts.network import client_address, peer_trusted

# Paths a signed-in user who has not passed the second factor may still reach.
OPEN_PREFIXES = ("/account/login/", "/account/logout/", "/i18n/", "/static/", "/api/")
# The wizard that shows the TOTP secret: only after an enrolment code was accepted in this session.
SETUP_PREFIXES = ("/account/two_factor/setup/", "/account/two_factor/qrcode/")
# The session holds the id of the user whose enrolment code it accepted.
ENROLMENT_SESSION_KEY = "bottomline.enrolment"


def second_factor_passed(user: object) -> bool:
    """Whether django_otp's middleware marked this session's user as verified by a device."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


class RequireSecondFactorMiddleware:
    """Send a signed-in user without a verified second factor to enrol: first an administrator's one-time code,
    then the setup wizard. A password alone never reaches the wizard, which shows the TOTP secret."""

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
            if request.session.get(ENROLMENT_SESSION_KEY) == user.pk:
                if not request.path.startswith(SETUP_PREFIXES):
                    return redirect(reverse("two_factor:setup"))
            elif request.path != reverse("accounts:enrol"):
                return redirect(reverse("accounts:enrol"))
        return self.get_response(request)


class AuditlogClientMiddleware(AuditlogMiddleware):  # type: ignore[misc]  # auditlog has no type hints
    """django-auditlog's middleware, with the client's address resolved like everywhere else.

    auditlog itself takes the first X-Forwarded-For entry from anyone, which lets a client write any address
    into the record of its changes.
    """

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        if settings.AUDITLOG_DISABLE_REMOTE_ADDR:
            return None
        return client_address(request)

    @staticmethod
    def _get_remote_port(request: HttpRequest) -> int | None:
        # The port a trusted proxy reports; anyone else's header is as untrusted as their address.
        if not peer_trusted(request):
            return None
        try:
            return int(request.headers.get("X-Forwarded-Port", ""))
        except ValueError:
            return None
