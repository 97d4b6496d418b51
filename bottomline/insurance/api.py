"""API of the anti-poverty insurance: the policies (with the households each covers as of a day), the claims,
recording, assessing, paying and withdrawing a claim. The same selectors, services and gate as the pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from bottomline.accounts import gate
from bottomline.api import ERRORS
from bottomline.audit.reads import read_note
from bottomline.insurance import selectors, services
from bottomline.insurance.models import Claim, ClaimStatus, Policy, Trigger

router = Router(tags=["insurance"])
PAGE_SIZE = 100
MAX_PAGE = 10**6  # past it an offset would fail inside the database


class RuleOut(Schema):
    """How a policy pays for one trigger."""

    trigger: Trigger
    threshold: Decimal
    share: Decimal
    cap: Decimal | None


class PolicyOut(Schema):
    """A policy, its covered-group rule and payout rules."""

    id: int
    name: str
    number: str
    region_code: str
    insurer: str
    start: date
    end: date
    premium_total: Decimal | None
    premium_per_household: Decimal | None
    covers_lifted: bool
    covers_monitored: bool
    income_below: Decimal | None
    source: str
    rules: list[RuleOut]


class CoveredOut(Schema):
    """A household a policy covers on the day asked."""

    id: int
    number: str
    village_code: str
    per_capita_income: Decimal | None


class CoveredPage(Schema):
    """One page of the households a policy covers on a day."""

    count: int
    page: int
    pages: int
    on: date
    results: list[CoveredOut]


class ClaimOut(Schema):
    """A claim and where it stands."""

    id: int
    policy_id: int
    household_id: int
    household_number: str
    trigger: Trigger
    occurred_on: date
    spending: Decimal
    claimed: Decimal
    origin: str
    reference: str
    status: ClaimStatus
    assessed_amount: Decimal | None
    assessed_on: date | None
    reason: str
    paid_amount: Decimal | None
    paid_on: date | None


class ClaimPage(Schema):
    """One page of claims."""

    count: int
    page: int
    pages: int
    results: list[ClaimOut]


class ClaimIn(Schema):
    """A claim of a covered household; ``claimed`` blank: what the policy's rule pays on the spending."""

    policy_id: int
    household_id: int
    trigger: str
    occurred_on: date
    spending: Decimal
    claimed: Decimal | None = None
    reference: str = ""


class AssessIn(Schema):
    """Approve (at ``amount``; blank: the rule's payout) or refuse (with a reason)."""

    approve: bool
    amount: Decimal | None = None
    reason: str = ""
    on: date | None = None


class PayIn(Schema):
    """The payout of an approved claim (``amount`` blank: the assessed amount)."""

    paid_on: date
    amount: Decimal | None = None


class WithdrawIn(Schema):
    """Why the claim is withdrawn."""

    reason: str


def _fen(value: Decimal | None) -> Decimal | None:
    """A sum to the fen (SQLite gives a subquery's decimal without its places)."""
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def _policy(policy: Policy) -> dict[str, Any]:
    return {
        "id": policy.pk,
        "name": policy.name,
        "number": policy.number,
        "region_code": policy.region.code,
        "insurer": policy.insurer,
        "start": policy.start,
        "end": policy.end,
        "premium_total": policy.premium_total,
        "premium_per_household": policy.premium_per_household,
        "covers_lifted": policy.covers_lifted,
        "covers_monitored": policy.covers_monitored,
        "income_below": policy.income_below,
        "source": policy.source,
        "rules": [
            {"trigger": r.trigger, "threshold": r.threshold, "share": r.share, "cap": r.cap}
            for r in policy.rules.all()
        ],
    }


def _claim(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.pk,
        "policy_id": claim.policy_id,
        "household_id": claim.household_id,
        "household_number": claim.household.number,
        "trigger": claim.trigger,
        "occurred_on": claim.occurred_on,
        "spending": claim.spending,
        "claimed": claim.claimed,
        "origin": claim.origin,
        "reference": claim.reference,
        "status": claim.status,
        "assessed_amount": claim.assessed_amount,
        "assessed_on": claim.assessed_on,
        "reason": claim.reason,
        "paid_amount": claim.paid_amount,
        "paid_on": claim.paid_on,
    }


@router.get("/policies", response={200: list[PolicyOut], **ERRORS})
def insurance_policies(request: HttpRequest) -> list[dict[str, Any]]:
    """The policies of the caller's region, below it, or bought by a region above it."""
    user = gate.staff_of(request)
    gate.require(user, Policy, "view", request)
    return [_policy(p) for p in selectors.policies_visible(user).prefetch_related("rules")]


@router.get("/policies/{int:policy_id}/covered", response={200: CoveredPage, **ERRORS})
def insurance_covered(
    request: HttpRequest, policy_id: int, on: date | None = None, page: int = 1
) -> dict[str, Any]:
    """The households of the caller's region the policy covers on ``on`` (default today), by its rule."""
    user = gate.staff_of(request)
    policy = selectors.policy_get(viewer=user, policy_id=policy_id)
    on = on or timezone.localdate()
    page = min(max(page, 1), MAX_PAGE)
    covered = selectors.covered_households(viewer=user, policy=policy, on=on)
    count = covered.count()
    start = (page - 1) * PAGE_SIZE
    rows = list(
        covered.values(
            "pk", "number", "village__code", *(("income_then",) if policy.income_below is not None else ())
        )[start : start + PAGE_SIZE]
    )
    read_note(what="registry.household", region=user.region, rows=len(rows))
    return {
        "count": count,
        "page": page,
        "pages": max(1, -(-count // PAGE_SIZE)),
        "on": on,
        "results": [
            {
                "id": r["pk"],
                "number": r["number"],
                "village_code": r["village__code"],
                "per_capita_income": _fen(r.get("income_then")),
            }
            for r in rows
        ],
    }


class ClaimListIn(Schema):
    """The claims list's filters (an id past the database's integers finds nothing rather than failing)."""

    policy: int | None = Field(None, ge=1, le=2**63 - 1)
    status: str = ""
    trigger: str = ""
    number: str = ""
    page: int = 1


@router.get("/claims", response={200: ClaimPage, **ERRORS})
def insurance_claims(
    request: HttpRequest,
    filters: Query[ClaimListIn],
) -> dict[str, Any]:
    """The claims of the caller's region, filtered."""
    user = gate.staff_of(request)
    gate.require(user, Claim, "view", request)
    page = min(max(filters.page, 1), MAX_PAGE)
    rows = selectors.claim_list(
        viewer=user,
        filters=selectors.ClaimFilters(
            policy_id=filters.policy, status=filters.status, trigger=filters.trigger, number=filters.number
        ),
    )
    count = rows.count()
    start = (page - 1) * PAGE_SIZE
    return {
        "count": count,
        "page": page,
        "pages": max(1, -(-count // PAGE_SIZE)),
        "results": [_claim(c) for c in rows[start : start + PAGE_SIZE]],
    }


@router.get("/claims/{int:claim_id}", response={200: ClaimOut, **ERRORS})
def insurance_claim(request: HttpRequest, claim_id: int) -> dict[str, Any]:
    """One claim."""
    return _claim(selectors.claim_get(viewer=gate.staff_of(request), claim_id=claim_id))


@router.post("/claims", response={201: ClaimOut, **ERRORS})
def insurance_claim_create(request: HttpRequest, data: ClaimIn) -> Status[dict[str, Any]]:
    """Record a claim of a household the policy covers on the day it occurred."""
    claim = services.claim_record(actor=gate.staff_of(request), **data.dict())
    return Status(201, _claim(claim))


@router.post("/claims/{int:claim_id}/assess", response={200: ClaimOut, **ERRORS})
def insurance_claim_assess(request: HttpRequest, claim_id: int, data: AssessIn) -> dict[str, Any]:
    """Approve or refuse a claim (refusing a paid claim withdraws its payout from the income)."""
    return _claim(services.claim_assess(actor=gate.staff_of(request), claim_id=claim_id, **data.dict()))


@router.post("/claims/{int:claim_id}/pay", response={200: ClaimOut, **ERRORS})
def insurance_claim_pay(request: HttpRequest, claim_id: int, data: PayIn) -> dict[str, Any]:
    """Pay an approved claim: the payout becomes the household's transfer income."""
    return _claim(services.claim_pay(actor=gate.staff_of(request), claim_id=claim_id, **data.dict()))


@router.post("/claims/{int:claim_id}/withdraw", response={200: ClaimOut, **ERRORS})
def insurance_claim_withdraw(request: HttpRequest, claim_id: int, data: WithdrawIn) -> dict[str, Any]:
    """Withdraw a claim: a payout leaves the household's income again."""
    return _claim(
        services.claim_withdraw(actor=gate.staff_of(request), claim_id=claim_id, reason=data.reason)
    )
