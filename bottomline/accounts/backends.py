"""The session's user, loaded with their region: every page asks the region gate for the user's region subtree,
which otherwise cost a query of its own on each request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from bottomline.accounts.models import User


class RegionModelBackend(ModelBackend):
    """Django's model backend, whose ``get_user`` selects the user's region in the same query."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.select_related("region").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
