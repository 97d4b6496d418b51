"""Job pages: the list, one job, and the progress fragment that htmx polls."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from bottomline.accounts import gate
from bottomline.jobs import selectors
from bottomline.jobs.models import Job, JobStatus
from bottomline.jobs.results import result_lines, result_problems
from bottomline.jobs.services import download_path


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    """Recent jobs the user may see."""
    user = gate.staff_of(request)
    gate.require(user, Job, "view", request)
    return render(request, "jobs/job_list.html", {"jobs": selectors.job_list(viewer=user)[:100]})


def _shown(job: Job) -> dict[str, Any]:
    """A job and its result as labelled lines and a list of problems (never the raw result)."""
    finished = job.status == JobStatus.SUCCEEDED
    return {
        "job": job,
        "lines": result_lines(job) if finished else [],
        "problems": result_problems(job) if finished else [],
    }


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One job with its live progress."""
    job = gate.access(Job.objects.all(), gate.staff_of(request), request=request, pk=pk)
    return render(request, "jobs/job_detail.html", _shown(job))


@login_required
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment; it keeps polling itself until the job has finished."""
    job = gate.access(Job.objects.all(), gate.staff_of(request), request=request, pk=pk)
    return render(request, "jobs/_progress.html", _shown(job))


@login_required
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    """The file a job wrote (a large export), for the user who started it, once: it is deleted as it is sent."""
    user = gate.staff_of(request)
    job = gate.access(Job.objects.all(), user, request=request, pk=pk)
    path = download_path(str(job.result.get("download") or ""))
    if job.created_by_id != user.pk or job.status != JobStatus.SUCCEEDED or path is None:
        raise Http404
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    path.unlink()  # the open handle still reads it; nobody else can
    filename = str(job.result.get("file_name") or path.name)
    return FileResponse(handle, as_attachment=True, filename=filename)
