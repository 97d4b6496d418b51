"""Bulk steps as a job: many cases, one step each, with progress; the pages and the API queue it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.jobs.models import Job
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.results import Line, result_describer
from bottomline.jobs.services import job_enqueue
from bottomline.monitoring.casework import StepIn, cases_bulk_step
from bottomline.monitoring.models import Case
from bottomline.monitoring.workflow import Action

KIND = "monitoring.bulk_step"
KIND_NAME = gettext_noop("monitoring.bulk_step")  # the job pages show the kind in the user's language
BULK_ACTIONS = (Action.REVIEW, Action.APPROVE, Action.ANNOUNCE)  # steps that need nothing but the actor
MAX_CASES = 20000


def bulk_step_enqueue(
    *, actor: User, case_ids: Sequence[int], action: str, reason: str = "", language: str = ""
) -> Job:
    """Queue one step on many cases of the actor's region (review, approval or announcement)."""
    gate.require(actor, Case, "act")
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": _("This step cannot be taken in bulk.")})
    ids = sorted(set(int(i) for i in case_ids))
    if not ids:
        raise ValidationError({"case_ids": _("Choose at least one case.")})
    if len(ids) > MAX_CASES:
        raise ValidationError({"case_ids": _("At most %(n)d cases at once.") % {"n": MAX_CASES}})
    params = {"user": actor.pk, "case_ids": ids, "action": action, "reason": reason, "language": language}
    return job_enqueue(kind=KIND, params=params, user=actor, region=actor.region)


@result_describer(KIND, "failed")
def _case_line(value: Any) -> Line:
    return Line(_("Case"), f"#{value}", reverse("monitoring:case_detail", args=[int(value)]))


@job_handler(KIND)
def bulk_step_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params: ``user`` (id), ``case_ids``, ``action``, ``reason`` and ``language``; steps are taken today.
    Each case is its own transaction: the result lists the cases moved and why the others were not, and
    running the job again moves only the ones left."""
    user = User.objects.select_related("region").get(pk=params["user"])
    with translation.override(params.get("language") or "zh-hans"):
        return cases_bulk_step(
            actor=user,
            case_ids=[int(i) for i in params["case_ids"]],
            action=str(params["action"]),
            given=StepIn(reason=str(params.get("reason") or "")),
            progress=progress,
        )
