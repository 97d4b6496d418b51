"""A proposal's simulation as a job: screening a whole region twice is work for a worker, not a request."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.results import Line, result_describer
from bottomline.policy.services import SIMULATE, proposal_simulate


@result_describer(SIMULATE, "proposal")
def _proposal_line(value: Any) -> Line:
    return Line(_("Proposal"), f"#{value}", reverse("policy:proposal", args=[value]))


@job_handler(SIMULATE)
def simulate_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params: ``proposal`` (its id) and ``on`` (the date screened, ISO)."""
    progress.start(1, gettext_noop("simulating the proposal"))
    proposal = proposal_simulate(proposal_id=int(params["proposal"]), on=date.fromisoformat(params["on"]))
    progress.advance()
    outcome = proposal.simulation
    return {
        "proposal": proposal.pk,
        "households": outcome["households"],
        "entering": sum(row["households"] for row in outcome["entering"]),
        "leaving": sum(row["households"] for row in outcome["leaving"]),
    }
