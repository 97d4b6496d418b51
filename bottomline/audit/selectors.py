"""Reads for the audit trail: what touched data of the viewer's region, whoever acted."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.db.models import CharField, F, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import Event
from bottomline.privacy.masking import remask_id_numbers

# Fields never shown in the trail: with the age and sex on the pages, a birth date narrows an ID number to a few
# dozen candidates (docs/data-model.md). No longer recorded (settings), but older entries hold them.
HIDDEN_FIELDS = frozenset({"birth_date"})


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


def change_list_shown(*, viewer: User, limit: int) -> list[LogEntry]:
    """The newest model changes as the trail shows them: hidden fields left out and ID numbers in today's mask
    (the entries themselves are append-only; only these in-memory copies are cut)."""
    entries = list(change_list(viewer=viewer)[:limit])
    for entry in entries:
        entry.changes = {
            field: [remask_id_numbers(str(v)) if v is not None else v for v in values]
            if isinstance(values, list)
            else values
            for field, values in entry.changes_dict.items()
            if field not in HIDDEN_FIELDS
        }
        entry.object_repr = remask_id_numbers(entry.object_repr)
    return entries
