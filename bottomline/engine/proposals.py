"""A policy proposal's simulation as a job: screening a whole region twice is work for a worker, not a request.
Here in the engine, which reads the policy app (the policy app enqueues the job by its name and never imports the
engine)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.results import Line, result_describer
from bottomline.policy.models import Parameter, Proposal
from bottomline.policy.services import SIMULATE


def proposal_simulate(*, proposal_id: int, on: date) -> Proposal:
    """Screen the proposal's region with the values in force and with the proposal in force; keep the outcome."""
    from bottomline.engine.simulation import simulate  # Ibis and Arrow in the worker, not at a web start-up

    proposal = Proposal.objects.select_related("region").get(pk=proposal_id)
    candidate = Parameter(
        name=proposal.name,
        region=proposal.region,
        value=proposal.value,
        effective_from=proposal.effective_from,
        source=proposal.source,
    )
    proposal.simulation = simulate(proposal=candidate, on=on)
    proposal.save(update_fields=["simulation"])
    return proposal


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
