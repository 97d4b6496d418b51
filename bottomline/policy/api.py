"""API: the policy parameters in force and their history; proposals simulated, then applied or discarded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from bottomline.accounts import gate
from bottomline.api import ERRORS
from bottomline.policy import selectors, services
from bottomline.policy.models import Parameter, ParameterName, Proposal
from bottomline.regions.selectors import region_named

router = Router(tags=["policy"])


class ParameterOut(Schema):
    """One value of a parameter: where and when it applies, its source, and who set it."""

    name: ParameterName
    value: Decimal
    region_code: str | None
    effective_from: date
    effective_to: date | None
    source: str
    changed_at: Any
    superseded_at: Any

    @staticmethod
    def resolve_region_code(obj: Parameter) -> str | None:
        return obj.region.code if obj.region else None


class InForceIn(Schema):
    """Which region and date to read (default: the caller's region, today)."""

    region: str = Field("", pattern=r"^(\d{12})?$")
    on: date | None = None


class HistoryIn(Schema):
    """The history of one parameter (or all) for a region and the regions above it (default: the caller's)."""

    name: ParameterName | None = None
    region: str = Field("", pattern=r"^(\d{12})?$")


class ProposalIn(Schema):
    """A new value for one parameter of the caller's own region."""

    name: ParameterName
    value: Decimal = Field(ge=0, max_digits=12, decimal_places=4)
    effective_from: date
    source: str = Field(min_length=1, max_length=300)


class ProposalOut(Schema):
    """A proposal and its simulation over its region's households: empty (``{}``) until the job ``job_id``
    has run it (poll /api/v1/jobs/{id})."""

    id: int
    name: ParameterName
    value: Decimal
    region_code: str
    effective_from: date
    source: str
    status: str
    simulation: dict[str, Any]
    job_id: int | None

    @staticmethod
    def resolve_region_code(obj: Proposal) -> str:
        return obj.region.code


class DecisionIn(Schema):
    """Apply the proposal (true) or discard it (false)."""

    apply: bool


@router.get("/parameters", response={200: list[ParameterOut], **ERRORS})
def parameters_in_force(request: HttpRequest, query: Query[InForceIn]) -> list[Parameter]:
    """The values in force for a region of the caller's on a date: the most specific region wins."""
    user = gate.staff_of(request)
    gate.require(user, Parameter, "view", request)
    region = region_named(viewer=user, code=query.region, request=request)
    return selectors.parameters_table(region=region, on=query.on or timezone.localdate())


@router.get("/parameters/history", response={200: list[ParameterOut], **ERRORS})
def parameter_history(request: HttpRequest, query: Query[HistoryIn]) -> list[Parameter]:
    """Every value a parameter has had for a region and above it, superseded ones included."""
    user = gate.staff_of(request)
    gate.require(user, Parameter, "view", request)
    region = region_named(viewer=user, code=query.region, request=request)
    return list(selectors.parameter_history(name=query.name, region=region))


@router.post("/proposals", response={201: ProposalOut, **ERRORS})
def proposal_create(request: HttpRequest, data: ProposalIn) -> Status[Proposal]:
    """Propose a value for the caller's own region; a job simulates it (``job_id``). Nothing changes until it is
    applied, which waits for the simulation."""
    return Status(201, services.proposal_create(actor=gate.staff_of(request), **data.dict()))


@router.get("/proposals/{int:proposal_id}", response={200: ProposalOut, **ERRORS})
def proposal_detail(request: HttpRequest, proposal_id: int) -> Proposal:
    """One proposal in the caller's scope, with its simulation."""
    user = gate.staff_of(request)
    return gate.access(Proposal.objects.select_related("region"), user, request=request, pk=proposal_id)


@router.post("/proposals/{int:proposal_id}/decide", response={200: ProposalOut, **ERRORS})
def proposal_decide(request: HttpRequest, proposal_id: int, data: DecisionIn) -> Proposal:
    """Apply or discard a proposal, once."""
    return services.proposal_decide(actor=gate.staff_of(request), proposal_id=proposal_id, apply=data.apply)
