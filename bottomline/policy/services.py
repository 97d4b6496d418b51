"""Setting policy parameters: a change is a new row; the row it replaces is kept, marked superseded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import Role, User
from bottomline.jobs.services import job_enqueue
from bottomline.policy.models import Parameter, ParameterName, Proposal, ProposalStatus
from bottomline.policy.selectors import parameters_for
from bottomline.regions.models import Level, Region

# Which level sets which parameters: provinces set lines and thresholds; a county may set a higher line.
SETTER_LEVEL = {Role.PROVINCE_OFFICER: Level.PROVINCE, Role.COUNTY_OFFICER: Level.COUNTY}
COUNTY_MAY_SET = {ParameterName.MONITORING_LINE}


def _check_setter(
    *, actor: User, name: str, region: Region, value: Decimal, effective_from: date, source: str
) -> None:
    """Who may set what, with a named source, and a county line not below its province's."""
    gate.require(actor, Parameter, "change")
    if region.pk != actor.region_id or SETTER_LEVEL.get(Role(actor.role)) != region.level:
        raise PermissionDenied(_("Parameters are set for one's own province, or a county's own line."))
    if region.level == Level.COUNTY and name not in COUNTY_MAY_SET:
        raise PermissionDenied(_("A county may set only its monitoring line."))
    if not source.strip():
        raise ValidationError({"source": _("Name the policy document this value comes from.")})
    if name == ParameterName.MONITORING_LINE and region.level == Level.COUNTY:
        province_line = parameters_for(region=region, on=effective_from, above_own=True).get(name)
        if province_line is not None and value < province_line:
            raise ValidationError(
                {
                    "value": _("A county's line may not be below its province's (%(line)s).")
                    % {"line": province_line}
                }
            )


@transaction.atomic
def parameter_set(
    *,
    actor: User,
    name: str,
    region: Region,
    value: Decimal,
    effective_from: date,
    source: str,
    effective_to: date | None = None,
) -> Parameter:
    """Set a parameter for the actor's own province (or, for the monitoring line, county) from a date."""
    _check_setter(
        actor=actor, name=name, region=region, value=value, effective_from=effective_from, source=source
    )
    Parameter.objects.filter(
        name=name, region=region, effective_from=effective_from, superseded_at__isnull=True
    ).update(superseded_at=timezone.now())
    parameter = Parameter(
        name=name,
        region=region,
        value=value,
        effective_from=effective_from,
        effective_to=effective_to,
        source=source.strip(),
        changed_by=actor,
    )
    parameter.full_clean()
    parameter.save()
    return parameter


SIMULATE = "policy.simulate"


@transaction.atomic
def proposal_create(
    *, actor: User, name: str, value: Decimal, effective_from: date, source: str, on: date | None = None
) -> Proposal:
    """Propose a value for the actor's own region; its simulation over the region's households runs as a job
    (``engine.proposals``), never in the request. Nothing changes until it is applied."""
    region = actor.region
    _check_setter(
        actor=actor, name=name, region=region, value=value, effective_from=effective_from, source=source
    )
    proposal = Proposal.objects.create(
        name=name,
        region=region,
        value=value,
        effective_from=effective_from,
        source=source.strip(),
        proposed_by=actor,
    )
    on = on or max(effective_from, timezone.localdate())
    proposal.job = job_enqueue(
        kind=SIMULATE, params={"proposal": proposal.pk, "on": on.isoformat()}, user=actor, region=region
    )
    proposal.save(update_fields=["job"])
    return proposal


@transaction.atomic
def proposal_decide(*, actor: User, proposal_id: int, apply: bool) -> Proposal:
    """Apply a proposal (it becomes the parameter in force) or discard it; a proposal is decided once."""
    proposal = gate.access(Proposal.objects.select_for_update(), actor, action="change", pk=proposal_id)
    if proposal.status != ProposalStatus.PROPOSED:
        raise ValidationError(_("This proposal has been decided already."))
    if apply and proposal.job_id is not None and not proposal.simulation:
        raise ValidationError(_("Wait for the simulation to finish before applying the proposal."))
    if apply:
        parameter_set(
            actor=actor,
            name=proposal.name,
            region=proposal.region,
            value=proposal.value,
            effective_from=proposal.effective_from,
            source=proposal.source,
        )
    proposal.status = ProposalStatus.APPLIED if apply else ProposalStatus.DISCARDED
    proposal.decided_by, proposal.decided_at = actor, timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    return proposal
