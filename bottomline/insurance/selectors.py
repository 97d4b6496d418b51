"""Reads of the insurance ledger, always through the region gate: the policies, the households a policy covers
on a day (computed from the registry by the policy's rule), the claims."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.reads import read_note
from bottomline.insurance.models import Claim, Policy
from bottomline.monitoring.models import Case, Step
from bottomline.monitoring.workflow import State
from bottomline.regions.models import Region
from bottomline.registry.choices import HouseholdType
from bottomline.registry.models import Household, IncomeRecord


def _day_after(on: date) -> datetime:
    return timezone.make_aware(datetime.combine(on + timedelta(days=1), time.min))


# The states of a case whose household is a monitoring object (监测对象) not yet marked risk eliminated (as
# employment.services.MONITORED).
MONITORED = (State.MONITORED, State.ELIM_APPRAISAL, State.ELIM_NOTICE, State.ELIM_APPROVAL)


def monitored_on(on: date) -> QuerySet[Case]:
    """The cases whose household was a monitoring object at the end of ``on``: the case's state then (its last
    step by then) is a monitored one."""
    then = Step.objects.filter(case=OuterRef("pk"), at__lt=_day_after(on)).order_by("-at", "-id")
    return Case.objects.annotate(state_then=Subquery(then.values("target")[:1])).filter(
        state_then__in=MONITORED
    )


def covered_in(policy: Policy, households: QuerySet[Household], on: date) -> QuerySet[Household]:
    """The households of ``households`` the policy covers on ``on``: inside the policy's region, of the groups
    its rule takes in (lifted-out households, monitored households), with the per-capita net income of their
    newest income period begun by then below the policy's limit (a household with no income recorded is not
    known to be below it). None outside the policy's period."""
    if not policy.start <= on <= policy.end:
        return households.none()
    group = Q(pk__in=[])
    if policy.covers_lifted:
        group |= Q(household_type=HouseholdType.LIFTED)
    if policy.covers_monitored:
        group |= Q(pk__in=monitored_on(on).values("household_id"))
    found = households.filter(group, village__code__range=policy.region.bounds)
    if policy.income_below is not None:
        newest = IncomeRecord.objects.filter(household=OuterRef("pk"), period_start__lte=on).order_by(
            "-period_start", "-period_end"
        )
        found = found.annotate(
            income_then=Subquery(
                newest.values("per_capita_net_income")[:1],
                output_field=DecimalField(max_digits=14, decimal_places=2),
            )
        ).filter(income_then__lt=policy.income_below)
    return found


def covered_households(*, viewer: User, policy: Policy, on: date) -> QuerySet[Household]:
    """The households the policy covers on ``on`` that the viewer may see, by number."""
    return covered_in(policy, gate.restrict(Household.objects.all(), viewer), on).order_by("number")


def policies_visible(viewer: User) -> QuerySet[Policy]:
    """The policies the viewer may see: of their region, below it, or bought by a region above it."""
    return gate.restrict(Policy.objects.select_related("region"), viewer, "view")


def policy_get(*, viewer: User, policy_id: int) -> Policy:
    """One policy the viewer may see (404 otherwise)."""
    return gate.access(Policy.objects.select_related("region"), viewer, pk=policy_id)


def policies_covering(*, viewer: User, household: Household, on: date) -> list[Policy]:
    """The policies the viewer may see that cover the household on ``on``."""
    candidates = policies_visible(viewer).filter(start__lte=on, end__gte=on)
    found = Household.objects.filter(pk=household.pk)
    return [p for p in candidates if covered_in(p, found, on).exists()]


@dataclass(frozen=True)
class ClaimFilters:
    """The claim list's filters."""

    region: Region | None = None
    policy_id: int | None = None
    status: str = ""
    trigger: str = ""
    number: str = ""


def claims_visible(viewer: User) -> QuerySet[Claim]:
    """The claims the viewer may see."""
    return gate.restrict(Claim.objects.all(), viewer, "view")


def claim_list(*, viewer: User, filters: ClaimFilters) -> QuerySet[Claim]:
    """The claims the viewer may see that match the filters, newest first (audited as a read)."""
    rows = claims_visible(viewer).select_related("household", "household__village", "policy")
    if filters.region is not None:
        rows = rows.filter(household__village__code__range=filters.region.bounds)
    if filters.policy_id is not None:
        rows = rows.filter(policy_id=filters.policy_id)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.trigger:
        rows = rows.filter(trigger=filters.trigger)
    if filters.number:
        rows = rows.filter(Q(household__number=filters.number) | Q(reference=filters.number))
    read_note(what="insurance.claim", region=filters.region or viewer.region, rows=rows.count())
    return rows.order_by("-occurred_on", "-id")


def claim_get(*, viewer: User, claim_id: int, action: str = "view") -> Claim:
    """One claim the viewer may see (or act on: ``action``); 404 outside their region."""
    claim = gate.access(
        Claim.objects.select_related("household", "household__village", "policy", "policy__region"),
        viewer,
        action=action,
        pk=claim_id,
    )
    read_note(what="insurance.claim", region=claim.household.village, rows=1)
    return claim
