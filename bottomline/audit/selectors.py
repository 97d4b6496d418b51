"""Reads for the audit trail."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.db.models import QuerySet

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import Event


def event_list(*, viewer: User) -> QuerySet[Event]:
    """Security events of the viewer's region, newest first."""
    return gate.restrict(Event.objects.select_related("region"), viewer, "view")


def change_list(*, viewer: User) -> QuerySet[LogEntry]:
    """Model changes made by staff of the viewer's region, newest first."""
    return gate.restrict(LogEntry.objects.select_related("actor", "content_type"), viewer, "view").order_by(
        "-timestamp"
    )
