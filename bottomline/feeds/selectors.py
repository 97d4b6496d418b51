"""Reads of feed batches (through the region gate) and of what feeds changed (for incremental screening)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from bottomline.accounts import gate
from bottomline.accounts.models import Role, User
from bottomline.audit.reads import read_note
from bottomline.feeds.models import Event, FeedBatch, FeedRecord, UnmatchedRow


def batch_list(*, viewer: User) -> QuerySet[FeedBatch]:
    """The batches of the viewer's region; a department officer sees their own department's alone."""
    batches = gate.restrict(FeedBatch.objects.select_related("region", "uploaded_by"), viewer)
    if viewer.role == Role.DEPARTMENT_OFFICER:
        batches = batches.filter(department=viewer.department)
    return batches.order_by("-committed_at", "-id")


def batch_get(*, viewer: User, batch_id: int) -> FeedBatch:
    """One batch (404 outside the viewer's region, or another department's for a department officer)."""
    batches = FeedBatch.objects.select_related("region", "uploaded_by")
    if viewer.role == Role.DEPARTMENT_OFFICER:
        batches = batches.filter(department=viewer.department)
    return gate.access(batches, viewer, pk=batch_id)


def batch_unmatched(*, batch: FeedBatch) -> QuerySet[UnmatchedRow]:
    """The rows of a batch (already reached through ``batch_get``) that matched nobody, ID numbers masked."""
    read_note(what="feeds.unmatchedrow", region=batch.region)
    return batch.unmatched_rows.order_by("row")


def batch_events(*, batch: FeedBatch) -> QuerySet[Event]:
    """The sudden events a batch reported (already reached through ``batch_get``)."""
    return batch.events.order_by("occurred_on", "id")


def households_touched_since(*, since: datetime | None) -> set[int]:
    """Household ids whose facts a committed department feed changed at or after ``since`` (None: ever).

    For the incremental batch screening: not scoped to a viewer, it returns ids only.
    """
    records = FeedRecord.objects.all()
    events = Event.objects.all()
    if since is not None:
        records = records.filter(batch__committed_at__gte=since)
        events = events.filter(batch__committed_at__gte=since)
    return set(records.values_list("household_id", flat=True)) | set(
        events.values_list("household_id", flat=True)
    )
