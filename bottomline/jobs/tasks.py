"""The task the django-tasks worker runs for every job."""

from __future__ import annotations

from django_tasks import task

from bottomline.jobs.services import job_run


@task()
def run_job(job_id: int) -> str:
    """Run one recorded job; its outcome is on the job row."""
    return str(job_run(job_id=job_id).status)
