"""API: job progress."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from bottomline.accounts import gate
from bottomline.api import ERRORS
from bottomline.jobs.models import Job

router = Router(tags=["jobs"])


class JobOut(Schema):
    """A job and how far it has got."""

    id: int
    kind: str
    status: str
    phase: str
    total: int
    done: int
    percent: int
    created_at: datetime
    finished_at: datetime | None


@router.get("/{int:job_id}", response={200: JobOut, **ERRORS})
def job_detail(request: HttpRequest, job_id: int) -> Job:
    """One job in the caller's scope."""
    return gate.access(Job.objects.all(), gate.staff_of(request), request=request, pk=job_id)
