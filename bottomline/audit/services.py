"""Recording security events."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from bottomline.accounts.models import User
from bottomline.accounts.network import client_address
from bottomline.audit.models import Event
from bottomline.regions.models import Region


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from (X-Forwarded-For is believed only from our own proxies)."""
    if request is None:
        return None
    return client_address(request)


def event_record(
    *,
    kind: str,
    user: Any = None,
    request: HttpRequest | None = None,
    username: str = "",
    target: str = "",
    detail: dict[str, Any] | None = None,
    region: Region | None = None,
) -> Event:
    """Append one audit event in ``region`` (by default the actor's), so that auditors see their region's trail.

    An event about another account (its change, its token revoked) names that account's region, so that the
    auditors of the account's region see what was done to it.
    """
    actor = user if isinstance(user, User) and user.pk else None
    return Event.objects.create(
        kind=kind,
        actor=actor,
        username=actor.username if actor else username[:150],
        ip=client_ip(request),
        region_id=region.pk if region is not None else (actor.region_id if actor else None),
        target=target[:200],
        detail=detail or {},
    )
