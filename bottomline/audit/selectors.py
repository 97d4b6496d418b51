"""Reads for the audit trail: what touched data of the viewer's region, whoever acted."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.db.models import CharField, F, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import Event


def event_list(*, viewer: User) -> QuerySet[Event]:
    """Security events in the viewer's region, newest first; events of no region (a failed login for a name
    nobody has) go to the auditors at the top of the tree."""
    events = gate.restrict(Event.objects.select_related("region"), viewer, "view")
    if gate.allowed(viewer, Event, "view") and viewer.region.parent_id is None:
        events |= Event.objects.select_related("region").filter(region__isnull=True)
    return events


def change_list(*, viewer: User) -> QuerySet[LogEntry]:
    """Model changes of objects in the viewer's region (by the region noted on the entry, else the actor's),
    newest first."""
    entries = LogEntry.objects.select_related("actor", "content_type").annotate(
        region_touched=Coalesce(
            KeyTextTransform("region", "additional_data"), F("actor__region__code"), output_field=CharField()
        )
    )
    return gate.restrict(entries, viewer, "view").order_by("-timestamp")
