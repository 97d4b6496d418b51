"""Department feeds: each committed upload (a batch), the rows it applied (for idempotent re-upload), the rows
it could not match (the department's unmatched report) and the sudden events it reported."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bottomline.accounts.models import Department


class EventKind(models.TextChoices):
    """Sudden events that the rules count (``sudden_events``)."""

    DISASTER = "disaster", _("Natural disaster (自然灾害)")
    ACCIDENT = "accident", _("Accident (意外事故)")
    DEATH = "death", _("Death of a main labourer (主要劳动力死亡)")
    SEVERE_ILLNESS = "severe_illness", _("Serious illness of a main labourer (主要劳动力患大病)")


class FeedBatch(models.Model):
    """One committed upload of a feed file by a department, for the uploader's region."""

    feed_type = models.CharField(_("feed type"), max_length=32)
    department = models.CharField(_("department"), max_length=32, choices=Department.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    committed_at = models.DateTimeField(_("committed"), auto_now_add=True)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    applied = models.PositiveIntegerField(_("applied"), default=0)
    unchanged = models.PositiveIntegerField(_("already applied"), default=0)
    unmatched = models.PositiveIntegerField(_("unmatched"), default=0)
    leads = models.PositiveIntegerField(_("leads raised"), default=0)
    # Set once every chunk is written and the changed households are screened again: a load stopped half-way
    # (its chunks so far committed) is finished by the next load of its type in its region (feeds.services).
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-committed_at", "-id"]
        verbose_name = _("feed batch")
        verbose_name_plural = _("feed batches")
        indexes = [models.Index(fields=["committed_at"], name="feedbatch_committed")]

    def __str__(self) -> str:
        return f"{self.feed_type} {self.pk}"


class FeedRecord(models.Model):
    """A feed row that was applied, by its key: the same row uploaded again adds nothing."""

    batch = models.ForeignKey(FeedBatch, on_delete=models.PROTECT, related_name="records")
    feed_type = models.CharField(max_length=32)
    key = models.CharField(max_length=64)  # SHA-256 of the type and the row's key values
    row = models.PositiveIntegerField()
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("registry.Member", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["batch_id", "row"]
        verbose_name = _("applied feed row")
        verbose_name_plural = _("applied feed rows")
        constraints = [models.UniqueConstraint(fields=["feed_type", "key"], name="feedrecord_once")]

    def __str__(self) -> str:
        return f"{self.feed_type} row {self.row}"


class UnmatchedRow(models.Model):
    """A row of a batch that names nobody registered in the uploader's region (ID number masked)."""

    batch = models.ForeignKey(FeedBatch, on_delete=models.PROTECT, related_name="unmatched_rows")
    key = models.CharField(max_length=64)
    row = models.PositiveIntegerField()
    id_number_masked = models.CharField(max_length=20)
    name = models.CharField(max_length=50, blank=True)
    reason = models.CharField(max_length=16)  # not_found, no_period

    class Meta:
        ordering = ["batch_id", "row"]
        verbose_name = _("unmatched feed row")
        verbose_name_plural = _("unmatched feed rows")
        indexes = [models.Index(fields=["key"], name="unmatched_key")]

    def __str__(self) -> str:
        return f"{self.batch_id} row {self.row}"


class Event(models.Model):
    """A sudden event a department reported on a household: the snapshot's ``events`` table."""

    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="feed_events",
        verbose_name=_("household"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    occurred_on = models.DateField(_("date"))
    batch = models.ForeignKey(FeedBatch, on_delete=models.PROTECT, related_name="events")

    class Meta:
        ordering = ["household_id", "-occurred_on"]
        verbose_name = _("sudden event")
        verbose_name_plural = _("sudden events")
        constraints = [
            models.UniqueConstraint(fields=["household", "kind", "occurred_on"], name="event_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.occurred_on}"
