"""A worker killed mid-job (kill -9): the job beats while it runs, and a worker that starts fails the jobs whose
beat stopped, with a reason, and deletes their uploads (they hold ID numbers in the clear)."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.translation import gettext

from bottomline.jobs.management.commands import jobs_worker
from bottomline.jobs.models import Job, JobStatus
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.services import WORKER_STOPPED, Heartbeat, job_create, job_run, jobs_reclaim

reclaimed_while_running: list[list[int]] = []


@job_handler("test.long")
def long_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Works for an hour (by the clock) while reporting progress; another worker starts meanwhile."""
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        progress.start(1, "working")
        reclaimed_while_running.append(jobs_reclaim())
    return {}


class FakeHeartbeat:
    def __init__(self) -> None:
        self.started = self.joined = False
        self.stopped = threading.Event()

    def start(self) -> None:
        self.started = True

    def join(self, timeout: float | None = None) -> None:
        self.joined = True


def upload(folder: Path, name: str) -> Path:
    path = folder / "imports" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("户编号,证件号码\nH1,630106199001011234\n", encoding="utf-8")
    return path


@pytest.mark.django_db
def test_a_starting_worker_fails_the_jobs_a_killed_one_left_running_and_removes_their_uploads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, client: Client, personas: dict[str, Any], tree: Any
) -> None:
    queue = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # the worker's, not the tests' own
    with override_settings(MEDIA_ROOT=tmp_path, TASKS=queue):
        dead_file, live_file = upload(tmp_path, "dead.csv"), upload(tmp_path, "live.csv")
        an_hour_ago = timezone.now() - timedelta(hours=1)
        dead = Job.objects.create(
            kind="registry.import",
            region=tree.village,
            params={"path": str(dead_file), "uploaded": True},
            status=JobStatus.RUNNING,
            started_at=an_hour_ago,
            heartbeat_at=an_hour_ago,
        )
        live = Job.objects.create(
            kind="registry.import",
            params={"path": str(live_file), "uploaded": True},
            status=JobStatus.RUNNING,
            started_at=an_hour_ago,
            heartbeat_at=timezone.now(),
        )
        queued = Job.objects.create(kind="registry.import", params={})
        client.force_login(personas["village_cadre"])
        before = client.get(f"/jobs/{dead.pk}/progress/").content.decode()
        assert "hx-trigger" not in before and "alert-warning" in before  # the page stops polling at once
        ran: list[dict[str, Any]] = []
        monkeypatch.setattr(jobs_worker, "call_command", lambda name, **options: ran.append({name: options}))
        # The heartbeat thread's own connection would wait on this test's open transaction and outlive the test
        # (test_health.py runs the real thread); here only that the worker starts and stops it.
        beats: list[FakeHeartbeat] = []

        def heartbeat(*_args: Any) -> FakeHeartbeat:
            beats.append(FakeHeartbeat())
            return beats[-1]

        monkeypatch.setattr(jobs_worker, "WorkerHeartbeat", heartbeat)
        call_command("jobs_worker", "--interval", "1")

    assert [(name, o["interval"]) for r in ran for name, o in r.items()] == [("db_worker", 1.0)]  # then works
    assert [(b.started, b.stopped.is_set(), b.joined) for b in beats] == [(True, True, True)]
    dead.refresh_from_db()
    assert dead.status == JobStatus.FAILED and dead.finished_at is not None
    assert "worker" in dead.error
    assert not dead_file.exists() and live_file.exists()
    assert Job.objects.get(pk=live.pk).status == JobStatus.RUNNING
    assert Job.objects.get(pk=queued.pk).status == JobStatus.QUEUED
    fragment = client.get(f"/jobs/{dead.pk}/progress/").content.decode()
    assert "hx-trigger" not in fragment and gettext(WORKER_STOPPED) in fragment  # in the reader's language


@pytest.mark.django_db
def test_a_running_job_beats_so_another_worker_leaves_it_alone() -> None:
    reclaimed_while_running.clear()
    job = job_create(kind="test.long", params={})
    assert job_run(job_id=job.pk).status == JobStatus.SUCCEEDED
    assert reclaimed_while_running == [[]]


@pytest.mark.django_db
def test_the_heartbeat_thread_beats_only_a_running_job() -> None:
    job = job_create(kind="test.long", params={})
    beat = Heartbeat(job.pk, interval=30)
    beat.beat()
    assert Job.objects.get(pk=job.pk).heartbeat_at is None  # queued: nothing to keep alive
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        beat.beat()
        assert jobs_reclaim() == []
    with time_machine.travel(timezone.now() + timedelta(hours=3), tick=False):
        assert jobs_reclaim() == [job.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("started", [True, False])
def test_the_job_page_calls_stalled_exactly_what_the_next_worker_reclaims(started: bool) -> None:
    job = job_create(kind="test.long", params={})
    # a worker died right after taking the job: it may not even have written its start
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, started_at=timezone.now() if started else None
    )
    with time_machine.travel(timezone.now() + timedelta(hours=3), tick=False):
        shown = Job.objects.get(pk=job.pk).stalled
        assert shown is True and jobs_reclaim() == [job.pk]
