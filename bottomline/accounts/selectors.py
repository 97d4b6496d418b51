"""Reads for accounts."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from bottomline.accounts import gate
from bottomline.accounts.models import ApiToken, User


def token_list(*, viewer: User) -> QuerySet[ApiToken]:
    """The viewer's own API tokens, newest first."""
    return gate.restrict(ApiToken.objects.all(), viewer, "view")


def token_revocable(*, viewer: User) -> QuerySet[ApiToken]:
    """The tokens the viewer may revoke: their own, and a system administrator's region's accounts' tokens."""
    own = gate.restrict(ApiToken.objects.all(), viewer, "change")
    managed = gate.restrict(User.objects.all(), viewer, "change")
    return ApiToken.objects.filter(Q(pk__in=own.values("pk")) | Q(user__in=managed))
