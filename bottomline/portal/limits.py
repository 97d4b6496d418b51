"""Rate limits of the public forms, counted in the database so that they hold across server processes.

Policy (why these numbers): a household declares once, maybe twice after a typo in the receipt; a family
sharing one phone or a village office sharing one address may send a few. Five stored declarations per address
per hour and three per phone per day leave room for that and stop a script. Forms refused for a wrong field
do not count (a person fixing a typo is not an attack, and they store nothing). Thirty receipt look-ups per
address per hour are plenty for people, and far too few to guess a 12-character receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from bottomline.portal.models import Attempt, AttemptKind
from bottomline.privacy.crypto import blind_index
from bottomline.privacy.keys import field_keys


@dataclass(frozen=True)
class Limit:
    """At most ``count`` attempts of one kind and key within ``window``."""

    kind: AttemptKind
    count: int
    window: timedelta
    purpose: str  # the blind-index purpose of the key: an address and a phone never share an index
    message: StrOrPromise


DECLARE_PER_IP = Limit(
    AttemptKind.DECLARE_IP,
    5,
    timedelta(hours=1),
    "portal.ip",
    _("Too many declarations from this network in the last hour. Please try again later."),
)
DECLARE_PER_PHONE = Limit(
    AttemptKind.DECLARE_PHONE,
    3,
    timedelta(days=1),
    "portal.phone",
    _("Too many declarations with this phone number today. Please try again tomorrow."),
)
STATUS_PER_IP = Limit(
    AttemptKind.STATUS_IP,
    30,
    timedelta(hours=1),
    "portal.ip",
    _("Too many look-ups from this network in the last hour. Please try again later."),
)
# Rows older than the longest window count for nothing.
KEEP = max(limit.window for limit in (DECLARE_PER_IP, DECLARE_PER_PHONE, STATUS_PER_IP))


class RateLimited(Exception):
    """Too many attempts: the caller answers 429 with ``message`` and stores nothing."""

    def __init__(self, message: StrOrPromise) -> None:
        super().__init__(str(message))
        self.message = message


def attempt_count(*, limit: Limit, value: str | None) -> None:
    """Count one attempt against ``limit`` and raise RateLimited past it; no value (no address) is not limited.

    The attempt is written and committed before counting, in its own transaction, so that two processes
    racing each see the other's row (a race can refuse one too many, never let one too many through), and a
    refused attempt keeps counting: a script that keeps trying stays refused.
    """
    if not value:
        return
    now = timezone.now()
    key = blind_index(value, keys=field_keys(), purpose=limit.purpose)
    with transaction.atomic():
        Attempt.objects.filter(at__lt=now - KEEP).delete()
        Attempt.objects.create(kind=limit.kind, key=key, at=now)
    recent = Attempt.objects.filter(kind=limit.kind, key=key, at__gt=now - limit.window).count()
    if recent > limit.count:
        raise RateLimited(limit.message)
