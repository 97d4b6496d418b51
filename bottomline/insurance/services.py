"""Writes to the insurance ledger: a policy with its rules, a claim, its assessment and payout, the claims the
medical feed's spending proposes. A payout is transfer income of the household, written only through
``registry.programs.program_incomes_post``; a refused or withdrawn payout is withdrawn from the income again."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.feeds.models import FeedRecord
from bottomline.insurance.models import Claim, ClaimStatus, Origin, PayoutRule, Policy, Trigger
from bottomline.insurance.selectors import covered_in
from bottomline.regions.models import Region
from bottomline.registry.choices import IncomeKind, Program
from bottomline.registry.models import Household, IncomeRecord
from bottomline.registry.programs import ProgramEntry, program_incomes_post

AMOUNT_MAX = Decimal("9999999999.99")
MEDICAL_FEED = "medical_claims"  # the feed type whose claims add to the households' medical spending


@dataclass(frozen=True)
class RuleIn:
    """A payout rule as given: the share (per cent) of the spending above the threshold, capped (None: no cap)."""

    threshold: Decimal
    share: Decimal
    cap: Decimal | None = None


def _money_ok(value: Decimal | None, *, positive: bool = False) -> bool:
    if value is None:
        return True
    return (
        value.is_finite()
        and (value > 0 if positive else value >= 0)
        and value <= AMOUNT_MAX
        and value == value.quantize(Decimal("0.01"))
    )


def _fen_error() -> str:
    return _("Enter an amount of 0 or more yuan, to the fen.")


@transaction.atomic
def policy_record(
    *,
    actor: User,
    region_id: int,
    name: str,
    number: str,
    insurer: str,
    start: date,
    end: date,
    rules: Mapping[str, RuleIn],
    premium_total: Decimal | None = None,
    premium_per_household: Decimal | None = None,
    covers_lifted: bool = True,
    covers_monitored: bool = True,
    income_below: Decimal | None = None,
    source: str = "",
) -> Policy:
    """Record a policy a region of the actor's (their county, say) bought, with its payout rules by trigger."""
    gate.require(actor, Policy, "add")
    region = gate.access(Region.objects.all(), actor, pk=region_id)
    errors: dict[str, str] = {}
    for field, value in (("name", name), ("number", number), ("insurer", insurer)):
        if not value.strip():
            errors[field] = _("This field is required.")
    if Policy.objects.filter(number=number.strip()).exists():
        errors["number"] = _("A policy with this number is recorded already.")
    if end < start:
        errors["end"] = _("The period ends before it starts.")
    for field, amount in (
        ("premium_total", premium_total),
        ("premium_per_household", premium_per_household),
        ("income_below", income_below),
    ):
        if not _money_ok(amount):
            errors[field] = _fen_error()
    if not covers_lifted and not covers_monitored:
        errors["covers_lifted"] = _("A policy covers lifted-out households, monitored households or both.")
    if not rules:
        errors["rules"] = _("Give the payout rule of at least one trigger.")
    for trigger, rule in rules.items():
        if trigger not in Trigger.values:
            raise TypeError(f"unknown trigger: {trigger}")
        if not _money_ok(rule.threshold) or not _money_ok(rule.cap, positive=True):
            errors[f"{trigger}_threshold"] = _fen_error()
        if not rule.share.is_finite() or not Decimal(0) <= rule.share <= Decimal(100):
            errors[f"{trigger}_share"] = _("Enter a share from 0 to 100 %.")
    if errors:
        raise ValidationError(errors)
    with set_actor(actor):
        policy = Policy.objects.create(
            region=region,
            name=name.strip(),
            number=number.strip(),
            insurer=insurer.strip(),
            start=start,
            end=end,
            premium_total=premium_total,
            premium_per_household=premium_per_household,
            covers_lifted=covers_lifted,
            covers_monitored=covers_monitored,
            income_below=income_below,
            source=source.strip(),
            recorded_by=actor,
        )
        PayoutRule.objects.bulk_create(
            PayoutRule(policy=policy, trigger=t, threshold=r.threshold, share=r.share, cap=r.cap)
            for t, r in sorted(rules.items())
        )
    return policy


def payout_of(policy: Policy, trigger: str, spending: Decimal) -> Decimal | None:
    """What the policy's rule for the trigger pays on a spending (None: the policy does not cover it)."""
    rule = PayoutRule.objects.filter(policy=policy, trigger=trigger).first()
    return rule.payout(spending) if rule is not None else None


@transaction.atomic
def claim_record(
    *,
    actor: User,
    policy_id: int,
    household_id: int,
    trigger: str,
    occurred_on: date,
    spending: Decimal,
    claimed: Decimal | None = None,
    reference: str = "",
    origin: str = Origin.STAFF,
) -> Claim:
    """Record a claim of a household in the actor's region that the policy covers on the day it occurred;
    ``claimed`` None: what the policy's rule pays on the spending."""
    gate.require(actor, Claim, "add")
    policy = gate.access(Policy.objects.select_related("region"), actor, pk=policy_id)
    household = gate.access(Household.objects.all(), actor, action="view", pk=household_id)
    errors: dict[str, str] = {}
    if trigger not in Trigger.values:
        errors["trigger"] = _("Choose a trigger.")
    elif not PayoutRule.objects.filter(policy=policy, trigger=trigger).exists():
        errors["trigger"] = _("The policy does not pay for this trigger.")
    if not _money_ok(spending):
        errors["spending"] = _fen_error()
    if not _money_ok(claimed):
        errors["claimed"] = _fen_error()
    if occurred_on > timezone.localdate():
        errors["occurred_on"] = _("The day cannot be in the future.")
    elif not policy.start <= occurred_on <= policy.end:
        errors["occurred_on"] = _("The day is outside the policy's period.")
    elif not covered_in(policy, Household.objects.filter(pk=household.pk), occurred_on).exists():
        errors["household"] = _("The policy does not cover this household on that day.")
    reference = reference.strip()
    if reference and Claim.objects.filter(policy=policy, reference=reference).exists():
        errors["reference"] = _("A claim with this number is recorded already.")
    if errors:
        raise ValidationError(errors)
    if claimed is None:
        claimed = payout_of(policy, trigger, spending) or Decimal(0)
    with set_actor(actor):
        return Claim.objects.create(
            policy=policy,
            household=household,
            trigger=trigger,
            occurred_on=occurred_on,
            spending=spending,
            claimed=claimed,
            reference=reference,
            origin=origin,
            recorded_by=actor,
        )


def _withdraw_payout(actor: User, claim: Claim) -> None:
    program_incomes_post(actor=actor, withdraw=[claim.source])


@transaction.atomic
def claim_assess(
    *,
    actor: User,
    claim_id: int,
    approve: bool,
    amount: Decimal | None = None,
    reason: str = "",
    on: date | None = None,
) -> Claim:
    """Approve a claim at an assessed amount (None: what the policy's rule pays on its spending) or refuse it
    with a reason. Refusing a paid claim withdraws its payout from the household's income."""
    claim = gate.access(Claim.objects.select_for_update(), actor, action="change", pk=claim_id)
    on = on or timezone.localdate()
    if claim.status == ClaimStatus.WITHDRAWN:
        raise ValidationError(_("A withdrawn claim is not assessed again."))
    if approve and claim.status == ClaimStatus.PAID:
        raise ValidationError(_("The claim is paid: withdraw or refuse the payout first."))
    if on > timezone.localdate():
        raise ValidationError({"on": _("The day cannot be in the future.")})
    if approve:
        if amount is None:
            amount = payout_of(claim.policy, claim.trigger, claim.spending) or Decimal(0)
        if not _money_ok(amount, positive=True):
            raise ValidationError({"amount": _("Enter an amount above 0 yuan, to the fen.")})
        claim.status, claim.assessed_amount, claim.reason = ClaimStatus.APPROVED, amount, ""
    else:
        if not reason.strip():
            raise ValidationError({"reason": _("Give the reason for the refusal.")})
        if claim.status == ClaimStatus.PAID:
            _withdraw_payout(actor, claim)
            claim.paid_amount, claim.paid_on = None, None
        claim.status, claim.reason = ClaimStatus.REFUSED, reason.strip()
    claim.assessed_on = on
    with set_actor(actor):
        claim.save()
    return claim


@transaction.atomic
def claim_pay(*, actor: User, claim_id: int, paid_on: date, amount: Decimal | None = None) -> Claim:
    """Pay an approved claim (``amount`` None: the assessed amount): the payout is transfer income of the
    household on the day paid, counted in its income period that contains the day."""
    claim = gate.access(Claim.objects.select_for_update(), actor, action="change", pk=claim_id)
    if claim.status != ClaimStatus.APPROVED:
        raise ValidationError(_("Only an approved claim is paid."))
    amount = claim.assessed_amount if amount is None else amount
    if amount is None or not _money_ok(amount, positive=True):
        raise ValidationError({"amount": _("Enter an amount above 0 yuan, to the fen.")})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("The day cannot be in the future.")})
    if claim.assessed_on is not None and paid_on < claim.assessed_on:
        raise ValidationError({"paid_on": _("A claim is paid on or after its assessment.")})
    claim.status, claim.paid_amount, claim.paid_on = ClaimStatus.PAID, amount, paid_on
    with set_actor(actor):
        claim.save()
    program_incomes_post(
        actor=actor,
        entries=[
            ProgramEntry(
                source=claim.source,
                household_id=claim.household_id,
                program=Program.INSURANCE_CLAIM,
                kind=IncomeKind.TRANSFER,
                on=paid_on,
                amount=amount,
            )
        ],
    )
    return claim


@transaction.atomic
def claim_withdraw(*, actor: User, claim_id: int, reason: str) -> Claim:
    """Withdraw a claim (recorded in error, paid back): a payout leaves the household's income again."""
    claim = gate.access(Claim.objects.select_for_update(), actor, action="change", pk=claim_id)
    if claim.status == ClaimStatus.WITHDRAWN:
        return claim
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the withdrawal.")})
    if claim.status == ClaimStatus.PAID:
        _withdraw_payout(actor, claim)
    claim.status, claim.reason, claim.paid_amount, claim.paid_on = (
        ClaimStatus.WITHDRAWN,
        reason.strip(),
        None,
        None,
    )
    with set_actor(actor):
        claim.save()
    return claim


# -- Claims proposed from the medical-insurance feed ------------------------------------------------------------


def medical_spending(policy: Policy, household_ids: list[int]) -> dict[int, Decimal]:
    """Each household's compliant out-of-pocket medical spending in the policy's period: the medical feed adds
    every claim's amount to the income period that contains its settlement day, so the spending is the sum of
    the households' periods that overlap the policy's."""
    found: dict[int, Decimal] = {}
    for start in range(0, len(household_ids), 500):
        part = household_ids[start : start + 500]
        rows = (
            IncomeRecord.objects.filter(
                household_id__in=part, period_start__lte=policy.end, period_end__gte=policy.start
            )
            .values("household_id")
            .annotate(total=Sum("medical_out_of_pocket"))
            .order_by()
        )
        for row in rows:
            found[row["household_id"]] = Decimal(row["total"]).quantize(Decimal("0.01"))
    return found


@dataclass(frozen=True)
class Proposed:
    """What one run of ``claims_from_medical`` found and did."""

    candidates: int  # covered households the medical feed reported claims of
    proposed: int  # new claims
    updated: int  # claims not yet assessed whose spending grew since
    unchanged: int


@transaction.atomic
def claims_from_medical(*, actor: User | None, policy: Policy, on: date | None = None) -> Proposed:
    """Propose a medical claim for each household the policy covers on ``on`` (default: today, or the policy's
    last day) that the medical feed reported claims of and whose compliant out-of-pocket medical spending in the
    policy's period is above the medical rule's threshold. Idempotent: one proposal per household and policy; a
    proposal not yet assessed follows the spending (more claims came in), an assessed one stays as it is.
    ``actor`` None: the nightly run (the command, the job), which sees the policy's whole region."""
    rule = PayoutRule.objects.filter(policy=policy, trigger=Trigger.MEDICAL).first()
    if rule is None:
        return Proposed(0, 0, 0, 0)
    on = min(on or timezone.localdate(), policy.end)
    households = Household.objects.all()
    if actor is not None:
        gate.require(actor, Claim, "add")
        households = gate.restrict(households, actor)
    reported = FeedRecord.objects.filter(feed_type=MEDICAL_FEED).values("household_id")
    covered = list(covered_in(policy, households.filter(pk__in=reported), on).values_list("pk", flat=True))
    spending = medical_spending(policy, sorted(covered))
    above = {h: s for h, s in spending.items() if s > rule.threshold}
    kept = {
        c.household_id: c
        for c in Claim.objects.select_for_update().filter(
            policy=policy, trigger=Trigger.MEDICAL, origin=Origin.MEDICAL_FEED, household_id__in=sorted(above)
        )
    }
    new: list[Claim] = []
    changed: list[Claim] = []
    for household_id, amount in sorted(above.items()):
        claim = kept.get(household_id)
        if claim is None:
            new.append(
                Claim(
                    policy=policy,
                    household_id=household_id,
                    trigger=Trigger.MEDICAL,
                    occurred_on=on,
                    spending=amount,
                    claimed=rule.payout(amount),
                    origin=Origin.MEDICAL_FEED,
                    recorded_by=actor,
                )
            )
        elif claim.status == ClaimStatus.RECORDED and claim.spending != amount:
            claim.spending, claim.claimed, claim.occurred_on = amount, rule.payout(amount), on
            claim.updated_at = timezone.now()
            changed.append(claim)
    Claim.objects.bulk_create(new)
    Claim.objects.bulk_update(changed, ["spending", "claimed", "occurred_on", "updated_at"])
    return Proposed(len(covered), len(new), len(changed), len(above) - len(new) - len(changed))
