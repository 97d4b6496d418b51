"""Jobs: progress recorded as the work goes, one run per job, failures kept, the page polls until done."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from bottomline.jobs.models import Job, JobStatus
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.services import job_create, job_enqueue, job_run

seen: list[tuple[int, int]] = []


@job_handler("test.count")
def count_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    progress.start(params["n"], "counting")
    for _ in range(params["n"]):
        progress.advance()
        job = Job.objects.get(kind="test.count", status=JobStatus.RUNNING)
        seen.append((job.done, job.total))
    if params.get("fail"):
        raise RuntimeError("the feed file is truncated")
    return {"counted": params["n"]}


@pytest.fixture(autouse=True)
def _clean() -> Any:
    seen.clear()
    yield


@pytest.mark.django_db
def test_job_stores_progress_while_running_and_result_at_the_end() -> None:
    job = job_create(kind="test.count", params={"n": 3})
    job_run_result = job_run(job_id=job.pk, also=None)
    assert job_run_result.status == JobStatus.SUCCEEDED
    assert job_run_result.result == {"counted": 3}
    job.refresh_from_db()
    assert (job.done, job.total, job.percent, job.phase) == (3, 3, 100, "counting")
    assert seen[0][1] == 3  # the total was stored before the first step
    assert job.started_at is not None and job.finished_at is not None


@pytest.mark.django_db
def test_failed_job_logs_the_error_by_reference_and_a_job_runs_once(caplog: pytest.LogCaptureFixture) -> None:
    job = job_create(kind="test.count", params={"n": 2, "fail": True})
    assert job_run(job_id=job.pk).status == JobStatus.FAILED
    job.refresh_from_db()
    assert job.error_reference and "the feed file is truncated" not in job.error  # the job page shows neither
    (logged,) = [r for r in caplog.records if getattr(r, "reference", "") == job.error_reference]
    assert logged.exc_info is not None and "the feed file is truncated" in str(logged.exc_info[1])
    seen.clear()
    assert job_run(job_id=job.pk).status == JobStatus.FAILED  # not run again
    assert seen == []


@pytest.mark.django_db(transaction=True)
def test_enqueued_job_runs_through_the_task_backend() -> None:
    # Tests use django-tasks' immediate backend; the demo and production use the database backend + worker.
    job = job_enqueue(kind="test.count", params={"n": 2})
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result == {"counted": 2}


def test_unknown_job_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown job kind"):
        job_create(kind="no.such.kind", params={})


@pytest.mark.django_db
def test_progress_fragment_polls_until_finished(client: Client, personas: dict[str, Any], tree: Any) -> None:
    job = Job.objects.create(
        kind="test.count", region=tree.village, total=10, done=4, status=JobStatus.RUNNING
    )
    client.force_login(personas["village_cadre"])
    running = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in running and 'value="4"' in running
    Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, done=10)
    finished = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert "hx-trigger" not in finished and 'value="10"' in finished


@pytest.mark.django_db
def test_job_list_shows_only_jobs_in_scope(client: Client, personas: dict[str, Any], tree: Any) -> None:
    mine = Job.objects.create(kind="test.count", region=tree.village)
    sibling = Job.objects.create(kind="test.count", region=tree.sibling_village)
    own_started = Job.objects.create(kind="test.count", created_by=personas["village_cadre"])
    client.force_login(personas["village_cadre"])
    listed = set(client.get("/jobs/").context["jobs"].values_list("pk", flat=True))
    assert listed == {mine.pk, own_started.pk}
    client.force_login(personas["township_officer"])
    listed = set(client.get("/jobs/").context["jobs"].values_list("pk", flat=True))
    assert listed == {mine.pk, sibling.pk}
