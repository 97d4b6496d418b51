"""Creating, running and recording jobs."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts.models import User
from bottomline.jobs.models import Job, JobStatus, Worker
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import HANDLERS
from bottomline.logs import error_reference
from bottomline.regions.models import Region

logger = logging.getLogger(__name__)

# What the job page says of a job whose worker died; stored untranslated, shown in the reader's language.
WORKER_STOPPED = gettext_noop("The worker running this job stopped before it finished. Start the job again.")


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
                total=self.job.total, done=self.job.done, phase=self.job.phase, heartbeat_at=timezone.now()
            )


class Heartbeat(threading.Thread):
    """Marks a running job alive every ``interval`` seconds, also through long steps that report no progress."""

    def __init__(self, job_id: int, interval: float) -> None:
        super().__init__(name=f"job-{job_id}-heartbeat", daemon=True)
        self.job_id, self.interval = job_id, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.interval):
                self.beat()
        finally:
            connection.close()  # this thread's own connection

    def beat(self) -> None:
        """Store the time now on the job, if it is still running."""
        try:
            Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())
        except DatabaseError:  # SQLite's write lock held by the job itself: the next beat will do
            logger.warning("job heartbeat delayed", extra={"job": self.job_id})


def worker_beat(*, name: str) -> None:
    """Record that the job worker ``name`` (host:pid) is alive now (the health endpoint reads it)."""
    Worker.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})


def worker_gone(*, name: str) -> None:
    """Forget a worker that stopped, and any whose heartbeat is a day old (a host that died)."""
    Worker.objects.filter(Q(name=name) | Q(beat_at__lt=timezone.now() - timedelta(days=1))).delete()


class WorkerHeartbeat(threading.Thread):
    """Marks this job worker alive every ``interval`` seconds, also while a long job runs."""

    def __init__(self, name: str, interval: float) -> None:
        super().__init__(name="worker-heartbeat", daemon=True)
        self.worker_name, self.interval = name, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while True:
                try:
                    worker_beat(name=self.worker_name)
                except DatabaseError:  # the database is away or locked: the next beat will do
                    logger.warning("worker heartbeat delayed")
                if self.stopped.wait(self.interval):
                    break
        finally:
            connection.close()  # this thread's own connection


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
        now = timezone.now()
        claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING, started_at=now, heartbeat_at=now
        )
    job = Job.objects.get(pk=job_id)
    if not claimed:
        return job
    facts = {"job": job.pk, "kind": job.kind}
    logger.info("job started", extra=facts)
    started = time.perf_counter()
    heartbeat = Heartbeat(job.pk, settings.JOBS_HEARTBEAT_SECONDS)
    heartbeat.start()
    try:
        result = HANDLERS[job.kind](job.params, JobProgress(job, also))
    except Exception:
        # The traceback (server paths, perhaps values from the data) goes to the log only; the job page shows
        # the reference that finds it there.
        job.status, job.error_reference, job.result = JobStatus.FAILED, error_reference(), {}
        logger.exception("job failed", extra=facts | {"reference": job.error_reference})
    else:
        job.status, job.result, job.done = JobStatus.SUCCEEDED, result, job.total
    finally:
        heartbeat.stopped.set()
        heartbeat.join()
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status",
            "error",
            "error_reference",
            "result",
            "done",
            "total",
            "phase",
            "finished_at",
        ]
    )
    logger.info(
        "job finished",
        extra=facts | {"status": str(job.status), "seconds": round(time.perf_counter() - started, 2)},
    )
    return job


def job_enqueue(
    *, kind: str, params: dict[str, Any], user: User | None = None, region: Region | None = None
) -> Job:
    """Record a job and hand it to the task queue (the worker runs it)."""
    from bottomline.jobs.tasks import run_job

    job = job_create(kind=kind, params=params, user=user, region=region)
    transaction.on_commit(lambda: run_job.enqueue(job.pk))
    return job


# The largest file a page takes for an import job (nginx's client_max_body_size leaves room for the framing).
UPLOAD_LIMIT = 50 * 1024 * 1024
UPLOAD_SUFFIXES = frozenset({".csv", ".xlsx"})
# Where uploads wait for their job, under MEDIA_ROOT.
IMPORTS = "imports"


def upload_enqueue(
    *, kind: str, upload: UploadedFile[bytes] | None, user: User, commit: bool, language: str
) -> Job:
    """Check an uploaded import file (.csv or .xlsx, at most UPLOAD_LIMIT), keep it under MEDIA_ROOT/imports
    with a random name and enqueue the job ``kind`` that checks it, or imports it when ``commit``.

    Raises ValidationError with one message (in the request's language) for a missing, wrong or large file.
    """
    import uuid

    suffix = Path(upload.name or "").suffix.lower() if upload is not None else ""
    if upload is None or suffix not in UPLOAD_SUFFIXES:
        raise ValidationError(_("Upload a .csv or .xlsx file."))
    if upload.size is not None and upload.size > UPLOAD_LIMIT:
        raise ValidationError(_("The file is larger than 50 MB."))
    folder = Path(settings.MEDIA_ROOT) / IMPORTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return job_enqueue(
        kind=kind,
        params={"path": str(path), "user": user.pk, "commit": commit, "language": language, "uploaded": True},
        user=user,
        region=user.region,
    )


# Above this many rows an export runs as a job (registry.export, dashboards.export), not inside the request.
EXPORT_INLINE_ROWS = 5000

# Files a job writes for its creator to download once (jobs.views.job_download), under MEDIA_ROOT.
DOWNLOADS = "downloads"


def download_store(content: bytes, suffix: str) -> str:
    """Keep a job's output for its creator under a random name; the name for the job's result (``download``)."""
    import uuid

    folder = Path(settings.MEDIA_ROOT) / DOWNLOADS
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}{suffix}"
    (folder / name).write_bytes(content)
    return name


def download_path(name: str) -> Path | None:
    """Where a stored download is, or None for a name that is not one (a path, anything odd)."""
    if not name or Path(name).name != name or name.startswith("."):
        return None
    return Path(settings.MEDIA_ROOT) / DOWNLOADS / name


def upload_remove(params: dict[str, Any]) -> None:
    """Delete a job's stored upload (it holds ID numbers in the clear); only ever a file under MEDIA_ROOT, never
    a file a command was given."""
    if not params.get("uploaded") or not params.get("path"):
        return
    path = Path(str(params["path"])).resolve()
    if path.is_relative_to(Path(settings.MEDIA_ROOT).resolve()):
        path.unlink(missing_ok=True)


def jobs_reclaim() -> list[int]:
    """Fail the running jobs whose heartbeat stopped (their worker died) and delete their uploads; the ids."""
    stale_before = timezone.now() - timedelta(seconds=settings.JOBS_STALE_AFTER_SECONDS)
    stale = Job.objects.annotate(beat=Coalesce("heartbeat_at", "started_at", "created_at")).filter(
        Q(beat__lt=stale_before), status=JobStatus.RUNNING
    )
    reclaimed: list[int] = []
    for job in stale:
        # Conditional, so that a job whose beat came back meanwhile, or that another worker took, is left alone.
        if Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, heartbeat_at=job.heartbeat_at).update(
            status=JobStatus.FAILED, error=WORKER_STOPPED, finished_at=timezone.now()
        ):
            upload_remove(job.params)
            reclaimed.append(job.pk)
            logger.warning("job reclaimed", extra={"job": job.pk, "kind": job.kind, "last_beat": job.beat})
    return reclaimed
