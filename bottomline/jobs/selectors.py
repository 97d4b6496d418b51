"""Reads for jobs."""

from __future__ import annotations

from django.db.models import QuerySet

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.jobs.models import Job


def job_list(*, viewer: User) -> QuerySet[Job]:
    """Jobs in the viewer's region subtree and their own, newest first."""
    return gate.restrict(Job.objects.select_related("region", "created_by"), viewer, "view")
