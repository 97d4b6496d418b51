"""The audit events' HMAC-SM3 chain: each event's MAC covers its fields and the MAC of the event before it, so a
changed, removed or inserted row breaks the link at it, and ``chain_verify`` names the first broken one.

Appends are serialized so that two requests never chain to the same predecessor: on PostgreSQL by a
transaction-level advisory lock, on SQLite by its IMMEDIATE transactions (one writer at a time).
"""

from __future__ import annotations

import base64
import ipaddress
import json
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.db import connection

if TYPE_CHECKING:
    from bottomline.audit.models import Event

# The advisory lock that serializes appends on PostgreSQL ("blaudit" as a number: any constant would do).
CHAIN_LOCK = 0x626C6175646974
GENESIS = ""  # the "previous MAC" of the first sealed event


def _key() -> bytes:
    return base64.b64decode(settings.AUDIT_CHAIN_KEY)


def _canonical(event: Event, previous: str) -> bytes:
    """The event's fields as fixed bytes: the same before it is stored and after it is read back."""
    at = event.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    ip = str(ipaddress.ip_address(event.ip)) if event.ip else ""
    fields = [
        previous,
        at,
        event.kind,
        event.actor_id,
        event.username,
        ip,
        event.region_id,
        event.target,
        event.detail,
    ]
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def event_mac(event: Event, previous: str) -> str:
    """HMAC-SM3 of the event chained to ``previous`` (the MAC of the event before it), as hex."""
    mac = hmac.HMAC(_key(), hashes.SM3())
    mac.update(_canonical(event, previous))
    return mac.finalize().hex()


def chain_tail() -> str:
    """The MAC of the last event, with the chain locked until the caller's transaction ends (call it inside
    ``transaction.atomic``)."""
    from bottomline.audit.models import Event

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
    last = Event.objects.order_by("-id").values_list("mac", flat=True).first()
    return last or GENESIS


@dataclass(frozen=True)
class ChainReport:
    """What a verification found."""

    checked: int  # events whose link was checked
    unsealed: int  # events from before the chain began (no MAC), at its start
    broken: int | None  # the id of the first event whose link does not hold
    head: str  # the MAC of the last event checked: keep it elsewhere to notice a cut-off tail


def chain_verify(chunk: int = 5000) -> ChainReport:
    """Walk every event in order and recompute its link; stop at the first one that does not hold."""
    from bottomline.audit.models import Event

    previous, checked, unsealed, sealed = GENESIS, 0, 0, False
    for event in Event.objects.order_by("id").iterator(chunk_size=chunk):
        if not event.mac and not sealed:
            unsealed += 1  # written before the chain existed
            continue
        sealed = True
        if event.mac != event_mac(event, previous):
            return ChainReport(checked, unsealed, event.pk, previous)
        previous, checked = event.mac, checked + 1
    return ChainReport(checked, unsealed, None, previous)
