"""For the apps' tests: ask an export page as if it were large, run the job it queued, download its file."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from bottomline.jobs import services
from bottomline.jobs.models import Job, JobStatus


def export_by_job(client: Client, url: str, monkeypatch: Any, **get: Any) -> tuple[Job, bytes]:
    """Ask ``url`` with every export over the inline limit: it must redirect to a queued job's page; the job is
    run here (the test's transaction never commits, so the queue never sees it) and its file downloaded."""
    monkeypatch.setattr(services, "EXPORT_INLINE_ROWS", 0)
    answer = client.get(url, get)
    assert answer.status_code == 302, answer.status_code
    job = Job.objects.order_by("-pk").first()
    assert job is not None and answer["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.status == JobStatus.QUEUED
    job = services.job_run(job_id=job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error_reference
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 200
    return job, b"".join(download.streaming_content)  # type: ignore[attr-defined]
