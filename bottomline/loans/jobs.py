"""The nightly overdue check as a job (manage.py loans_overdue runs it; deploy/systemd has its timer)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.results import Line, result_describer
from bottomline.loans.services import LEAD_OVERDUE_DAYS, loans_overdue_check
from bottomline.regions.models import Region

KIND = "loans.overdue"
KIND_NAME = gettext_noop("loans.overdue")  # the job pages show the kind in the user's language


@result_describer(KIND, "overdue")
def _overdue_line(value: Any) -> Line:
    return Line(_("Loans overdue more than the threshold"), str(value))


@result_describer(KIND, "raised")
def _raised_line(value: Any) -> Line:
    return Line(_("Leads raised"), str(value))


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
