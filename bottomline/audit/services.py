"""Recording security events."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from auditlog.context import auditlog_value
from auditlog.models import LogEntry
from django.db import models, transaction
from django.http import HttpRequest

from bottomline.accounts.models import User
from bottomline.accounts.network import client_address
from bottomline.audit import chain, reads, scope
from bottomline.audit.models import Event, EventKind
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
    region: Region | str | None = None,
    about: models.Model | None = None,
) -> Event:
    """Append one audit event, in the region of the data it touched (``region``: a region or its code;
    ``about``: the object touched, whose region it is).

    Without ``region`` the event is in the actor's region, or in the region of the account a username names
    (a failed login): auditors see their region's trail by it, whoever acted.
    """
    actor = user if isinstance(user, User) and user.pk else None
    name = actor.username if actor else username[:150]
    if about is not None:
        meta = about._meta
        region = scope.object_region_code(meta.app_label, meta.model_name or "", about.pk) or region
    region_id: int | None = None
    if isinstance(region, str):
        region_id = Region.objects.filter(code=region).values_list("pk", flat=True).first()
    elif isinstance(region, Region):
        region_id = region.pk
    if region_id is None and actor is not None:
        region_id = actor.region_id
    elif region_id is None and name:
        region_id = User.objects.filter(username=name).values_list("region_id", flat=True).first()
    reads.event_noted()
    event = Event(
        kind=kind,
        actor=actor,
        username=name,
        ip=client_ip(request),
        region_id=region_id,
        target=target[:200],
        detail=detail or {},
    )
    # The chain stays locked until the event is committed; inside a caller's transaction no savepoint is
    # needed (an event that cannot be written fails the caller's work too).
    with transaction.atomic(savepoint=False):
        event.mac = chain.event_mac(event, chain.chain_tail())
        event.save()
    return event


def request_actor_set(*, user: User) -> None:
    """Name ``user`` as the actor of the rest of the request's model changes.

    django-auditlog's middleware reads the session's user before the API's bearer token is checked, so the
    API names the token's user here once it knows it.
    """
    try:
        context = auditlog_value.get()
    except LookupError:  # outside a request (a job, a command): their services name the actor themselves
        return
    context["actor"] = user


def change_record(*, instance: models.Model, actor: User | None, before: dict[str, Any]) -> LogEntry | None:
    """Add a change-log entry for fields changed by a conditional UPDATE (which sends no signal to auditlog).

    ``before`` holds the fields' values as read before the update; ``instance`` has been refreshed since.
    """
    changes = {
        field: [str(old), str(getattr(instance, field))]
        for field, old in before.items()
        if old != getattr(instance, field)
    }
    if not changes:
        return None
    entry: LogEntry | None = LogEntry.objects.log_create(
        instance, action=LogEntry.Action.UPDATE, changes=changes, actor=actor
    )
    return entry


def input_sha256(source: Path | bytes) -> str:
    """The SHA-256 of a bulk write's input: a file (read in chunks), or the bytes that name what it acted on."""
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    with source.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def job_record(
    *,
    job: str,
    user: User | None,
    region: Region | str | None = None,
    sha256: str = "",
    created: int = 0,
    updated: int = 0,
    unchanged: int = 0,
    refused: int = 0,
    detail: dict[str, Any] | None = None,
) -> Event:
    """Record a bulk write (an import, a feed load, a bulk step, a screening run): who, the region, the hash
    of its input, and how many rows it created, updated, left unchanged and refused."""
    counts = {"created": created, "updated": updated, "unchanged": unchanged, "refused": refused}
    return event_record(
        kind=EventKind.JOB,
        user=user,
        username="" if user else "manage.py",  # a command run without naming a user
        target=job,
        region=region,
        detail={"sha256": sha256, **counts, **(detail or {})},
    )
