"""Creating, running and recording jobs."""

from __future__ import annotations

import time
import traceback
from typing import Any

from django.db import transaction
from django.utils import timezone

from bottomline.accounts.models import User
from bottomline.jobs.models import Job, JobStatus
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import HANDLERS
from bottomline.regions.models import Region


class JobProgress:
    """Progress stored on the job row, at most a few times a second; an optional sink sees every step."""

    def __init__(self, job: Job, also: Progress | None = None, interval: float = 0.5) -> None:
        self.job = job
        self.also = also
        self.interval = interval
        self._last = 0.0

    def start(self, total: int, message: str = "") -> None:
        self.job.total, self.job.done, self.job.phase = total, 0, message[:100]
        self._store(force=True)
        if self.also is not None:
            self.also.start(total, message)

    def advance(self, amount: int = 1) -> None:
        self.job.done += amount
        self._store()
        if self.also is not None:
            self.also.advance(amount)

    def _store(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= self.interval:
            self._last = now
            Job.objects.filter(pk=self.job.pk).update(
                total=self.job.total, done=self.job.done, phase=self.job.phase
            )


def job_create(
    *, kind: str, params: dict[str, Any], user: User | None = None, region: Region | None = None
) -> Job:
    """Record a job before it runs, so that its progress can be watched from the start."""
    if kind not in HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    return Job.objects.create(kind=kind, params=params, created_by=user, region=region)


def job_run(*, job_id: int, also: Progress | None = None) -> Job:
    """Run a queued job to the end, storing its progress, result or error; a job runs once."""
    with transaction.atomic():
        claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING, started_at=timezone.now()
        )
    job = Job.objects.get(pk=job_id)
    if not claimed:
        return job
    try:
        result = HANDLERS[job.kind](job.params, JobProgress(job, also))
    except Exception as exc:
        job.status, job.error = JobStatus.FAILED, f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"
        job.result = {}
    else:
        job.status, job.result, job.done = JobStatus.SUCCEEDED, result, job.total
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "result", "done", "total", "phase", "finished_at"])
    return job


def job_enqueue(
    *, kind: str, params: dict[str, Any], user: User | None = None, region: Region | None = None
) -> Job:
    """Record a job and hand it to the task queue (the worker runs it)."""
    from bottomline.jobs.tasks import run_job

    job = job_create(kind=kind, params=params, user=user, region=region)
    transaction.on_commit(lambda: run_job.enqueue(job.pk))
    return job
