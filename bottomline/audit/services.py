"""Recording security events."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from bottomline.accounts.models import User
from bottomline.accounts.network import client_address
from bottomline.audit.models import Event


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
) -> Event:
    """Append one audit event; the actor's region is stored so that auditors see their region's trail."""
    actor = user if isinstance(user, User) and user.pk else None
    return Event.objects.create(
        kind=kind,
        actor=actor,
        username=actor.username if actor else username[:150],
        ip=client_ip(request),
        region_id=actor.region_id if actor else None,
        target=target[:200],
        detail=detail or {},
    )
