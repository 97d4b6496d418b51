"""The audit trail's HMAC-SM3 chains: each event's MAC covers its fields and the MAC of the event before it, so a
changed, removed or inserted row breaks the link at it, and ``chain_verify`` names the first broken one. The
change log (django-auditlog's LogEntry, a table we do not own) is chained the same way through a seal per
entry (``ChangeSeal``), checked by ``changes_verify``.

Appends are serialized so that two requests never chain to the same predecessor: on PostgreSQL by a
transaction-level advisory lock, on SQLite by its IMMEDIATE transactions (one writer at a time).
"""

from __future__ import annotations

import base64
import ipaddress
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.db import connection, transaction

if TYPE_CHECKING:
    from auditlog.models import LogEntry

    from bottomline.audit.models import Event

# The advisory lock that serializes appends on PostgreSQL ("blaudit" as a number: any constant would do).
CHAIN_LOCK = 0x626C6175646974
GENESIS = ""  # the "previous MAC" of the first sealed event


def _key() -> bytes:
    return base64.b64decode(settings.AUDIT_CHAIN_KEY)


def _instant(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _address(ip: str | None) -> str:
    return str(ipaddress.ip_address(ip)) if ip else ""


def _mac(fields: list[Any]) -> str:
    """HMAC-SM3 of the fields as fixed bytes (the same before they are stored and after they are read back)."""
    mac = hmac.HMAC(_key(), hashes.SM3())
    mac.update(json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode())
    return mac.finalize().hex()


def event_mac(event: Event, previous: str) -> str:
    """HMAC-SM3 of the event chained to ``previous`` (the MAC of the event before it), as hex."""
    return _mac(
        [
            previous,
            _instant(event.at),
            event.kind,
            event.actor_id,
            event.username,
            _address(event.ip),
            event.region_id,
            event.target,
            event.detail,
        ]
    )


def entry_mac(entry: LogEntry, previous: str) -> str:
    """HMAC-SM3 of a change-log entry chained to ``previous`` (the MAC of the seal before it), as hex."""
    return _mac(
        [
            previous,
            entry.pk,
            _instant(entry.timestamp),
            entry.content_type_id,
            str(entry.object_pk),  # a CharField: the key as given before it is stored
            entry.object_repr,
            entry.action,
            entry.changes,
            entry.changes_text,
            entry.actor_id,
            _address(entry.remote_addr),
            entry.additional_data,
        ]
    )


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])


def chain_tail() -> str:
    """The MAC of the last event, with the chains locked until the caller's transaction ends (call it inside
    ``transaction.atomic``)."""
    from bottomline.audit.models import Event

    _lock()
    last = Event.objects.order_by("-id").values_list("mac", flat=True).first()
    return last or GENESIS


def entry_seal(entry: LogEntry) -> None:
    """Seal a change-log entry just written: its link in the changes' chain."""
    from bottomline.audit.models import ChangeSeal

    with transaction.atomic(savepoint=False):  # as for an event
        _lock()
        previous = ChangeSeal.objects.order_by("-id").values_list("mac", flat=True).first() or GENESIS
        ChangeSeal.objects.create(entry=entry, mac=entry_mac(entry, previous))


@dataclass(frozen=True)
class ChainReport:
    """What a verification found."""

    checked: int  # rows whose link was checked
    unsealed: int  # rows from before the chain began (no MAC), at its start
    broken: int | None  # the id of the first row (event, or change-log entry) whose link does not hold
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


def changes_verify(chunk: int = 5000) -> ChainReport:
    """Walk the change log's seals in order and recompute each link; an entry written after sealing began
    without a seal (forged, or its seal removed) is a broken link too."""
    from auditlog.models import LogEntry

    from bottomline.audit.models import ChangeSeal

    previous, checked = GENESIS, 0
    first = ChangeSeal.objects.order_by("id").values_list("entry_id", flat=True).first()
    unsealed = LogEntry.objects.filter(id__lt=first).count() if first else LogEntry.objects.count()
    if first is None:
        return ChainReport(0, unsealed, None, GENESIS)
    missing = (
        LogEntry.objects.filter(id__gte=first)
        .exclude(id__in=ChangeSeal.objects.values("entry_id"))
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    for seal in ChangeSeal.objects.select_related("entry").order_by("id").iterator(chunk_size=chunk):
        if seal.mac != entry_mac(seal.entry, previous):
            broken = seal.entry_id if missing is None else min(seal.entry_id, missing)
            return ChainReport(checked, unsealed, broken, previous)
        previous, checked = seal.mac, checked + 1
    return ChainReport(checked, unsealed, missing, previous)
