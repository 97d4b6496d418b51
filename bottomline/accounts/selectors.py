"""Reads for accounts."""

from __future__ import annotations

from django.db.models import QuerySet

from bottomline.accounts import gate
from bottomline.accounts.models import ApiToken, User


def token_list(*, viewer: User) -> QuerySet[ApiToken]:
    """The viewer's own API tokens, newest first."""
    return gate.restrict(ApiToken.objects.all(), viewer, "view")
