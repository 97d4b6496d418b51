"""The admin site: user management for system administrators only, inside their region."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from bottomline.accounts.middleware import second_factor_passed
from bottomline.accounts.models import Role


class BottomlineAdminSite(admin.AdminSite):
    """Open only to system administrators (who have passed the second factor where it is required)."""

    site_header = _("Bottomline")
    site_title = _("Bottomline")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active
            and getattr(user, "role", "") == Role.SYSADMIN
            and (not settings.REQUIRE_MFA or second_factor_passed(user))
        )


site = BottomlineAdminSite(name="admin")
