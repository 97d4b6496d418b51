"""Long-running work (imports, loads, screening) and how far it has got."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    """Where a job stands."""

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """One run of long work, with a progress record that pages poll and the CLI draws as a bar."""

    kind = models.CharField(_("kind"), max_length=64)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    phase = models.CharField(_("phase"), max_length=100, blank=True)
    total = models.PositiveBigIntegerField(_("total"), default=0)
    done = models.PositiveBigIntegerField(_("done"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)  # a message for the user, never a traceback
    # An unexpected error's reference: the user sees it, the log line with the traceback has it (bottomline/logs.py).
    error_reference = models.CharField(_("error reference"), max_length=16, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Written while the job runs: a running job whose beat stopped was left by a worker that died (kill -9).
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        """Share done, 0 to 100."""
        return min(100, int(100 * self.done / self.total)) if self.total else 0

    @property
    def stalled(self) -> bool:
        """Running, but its heartbeat stopped: its worker died, and the next one to start will fail it."""
        # the same fallbacks as services.jobs_reclaim: the last beat, else the start, else the creation
        beat = self.heartbeat_at or self.started_at or self.created_at
        stale = timezone.now() - timedelta(seconds=settings.JOBS_STALE_AFTER_SECONDS)
        return self.status == JobStatus.RUNNING and beat < stale

    @property
    def finished(self) -> bool:
        """Whether the job has stopped, well or badly."""
        return self.status in {JobStatus.SUCCEEDED, JobStatus.FAILED}


class Worker(models.Model):
    """A running job worker (manage.py jobs_worker), as it last said it was alive: the health endpoint reads it."""

    name = models.CharField(_("host and process"), max_length=200, unique=True)  # host:pid
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    beat_at = models.DateTimeField(_("last heartbeat"))

    class Meta:
        ordering = ["-beat_at"]
        verbose_name = _("job worker")
        verbose_name_plural = _("job workers")

    def __str__(self) -> str:
        return self.name
