"""The medical feed's claim proposals as a job (manage.py insurance_claims runs it, nightly after the feeds)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.insurance.models import Policy
from bottomline.insurance.services import claims_from_medical
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.results import Line, result_describer

KIND = "insurance.claims"
KIND_NAME = gettext_noop("insurance.claims")  # the job pages show the kind in the user's language


@result_describer(KIND, "proposed")
def _proposed_line(value: Any) -> Line:
    return Line(_("Claims proposed"), str(value))


@result_describer(KIND, "updated")
def _updated_line(value: Any) -> Line:
    return Line(_("Proposals updated"), str(value))


def proposals_run(
    *, on: date, policy_ids: list[int] | None = None, progress: Progress | None = None
) -> dict[str, int]:
    """Propose the medical claims of every policy in force on ``on`` (or of those given)."""
    policies = Policy.objects.select_related("region").filter(start__lte=on, end__gte=on)
    if policy_ids is not None:
        policies = Policy.objects.select_related("region").filter(pk__in=policy_ids)
    found = list(policies.order_by("pk"))
    totals = {"policies": len(found), "proposed": 0, "updated": 0}
    if progress is not None:
        progress.start(len(found))
    for policy in found:
        done = claims_from_medical(actor=None, policy=policy, on=on)
        totals["proposed"] += done.proposed
        totals["updated"] += done.updated
        if progress is not None:
            progress.advance()
    return totals


@job_handler(KIND)
def claims_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params: ``on`` (ISO date), ``policies`` (ids; empty: every policy in force on the day)."""
    return proposals_run(
        on=date.fromisoformat(params["on"]), policy_ids=params.get("policies") or None, progress=progress
    )
