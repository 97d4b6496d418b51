"""The nightly overdue check as a job (manage.py loans_overdue runs it; deploy/systemd has its timer)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext_noop

from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.loans.services import LEAD_OVERDUE_DAYS, loans_overdue_check
from bottomline.regions.models import Region

KIND = "loans.overdue"
KIND_NAME = gettext_noop("loans.overdue")  # the job pages show the kind in the user's language


@job_handler(KIND)
def overdue_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params: ``region`` (a 12-digit code; empty: everywhere), ``on`` (ISO date), ``days`` (the threshold)."""
    region = Region.objects.get(code=params["region"]) if params.get("region") else None
    progress.start(1)
    found = loans_overdue_check(
        actor=None,
        region=region,
        on=date.fromisoformat(params["on"]),
        days=int(params.get("days") or LEAD_OVERDUE_DAYS),
    )
    progress.advance()
    return {"overdue": found.overdue, "raised": found.raised}
