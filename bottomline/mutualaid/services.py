"""Writes to the mutual-aid funds: an association, a capital contribution, a member joining and leaving, a loan
and a repayment. Each checks the fund's rules and refuses (ValidationError by field) what would break them: a
loan only to a member, within the fund's ceiling and its cash; a repayment never beyond what is owed.

A mutual-aid loan is not income and its use fee is not income either (it is a cost to the household): nothing
here posts program income (docs/programs.md, "Village mutual-aid funds").
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.loans.services import purpose_check
from bottomline.mutualaid.ledger import CENT, cash_floor, fee_of, loan_state
from bottomline.mutualaid.models import (
    FEE_RATE_LIMIT,
    TERM_LIMIT_MONTHS,
    Association,
    Contribution,
    Loan,
    Membership,
    Repayment,
    Source,
    Status,
)
from bottomline.mutualaid.selectors import cash_book, sheets_of
from bottomline.regions.models import Level, Region
from bottomline.registry.models import Household


def _money(name: str, value: Decimal, *, positive: bool = True) -> None:
    if not value.is_finite() or value < 0 or (positive and value == 0) or value != value.quantize(CENT):
        raise ValidationError({name: _("Enter an amount of more than 0 yuan, to the fen.") if positive
                               else _("Enter an amount of 0 or more yuan, to the fen.")})  # fmt: skip


def _not_future(name: str, day: date) -> None:
    if day > timezone.localdate():
        raise ValidationError({name: _("The day cannot be in the future.")})


def _locked(association_id: int, actor: User, action: str) -> Association:
    """The association, locked for the write (its cash is checked against its records)."""
    return gate.access(Association.objects.select_for_update(), actor, action=action, pk=association_id)


@transaction.atomic
def association_create(
    *,
    actor: User,
    village_code: str,
    name: str,
    founded_on: date,
    loan_limit: Decimal = Decimal(10000),
    fee_rate: Decimal = Decimal(6),
) -> Association:
    """Register a village's association (one per village) in the actor's region."""
    gate.require(actor, Association, "add")
    village = gate.access(Region.objects.all(), actor, code=village_code)
    if village.level != Level.VILLAGE:
        raise ValidationError({"village": _("An association belongs to one village.")})
    if Association.objects.filter(village=village).exists():
        raise ValidationError({"village": _("This village has an association already.")})
    if not name.strip():
        raise ValidationError({"name": _("Name the association.")})
    _not_future("founded_on", founded_on)
    _money("loan_limit", loan_limit)
    if not fee_rate.is_finite() or not Decimal(0) <= fee_rate <= FEE_RATE_LIMIT:
        raise ValidationError({"fee_rate": _("Enter an annual rate from 0 to 24 %.")})
    with set_actor(actor):
        return Association.objects.create(
            village=village,
            name=name.strip()[:100],
            founded_on=founded_on,
            loan_limit=loan_limit,
            fee_rate=fee_rate,
            recorded_by=actor,
        )


@transaction.atomic
def association_status(*, actor: User, association_id: int, status: str) -> Association:
    """Suspend, close or reopen an association (a closed or suspended one lends nothing)."""
    association = _locked(association_id, actor, "change")
    if status not in Status.values:
        raise ValidationError({"status": _("Choose a status.")})
    association.status = status
    with set_actor(actor):
        association.save(update_fields=["status"])
    return association


@transaction.atomic
def contribution_record(
    *, actor: User, association_id: int, source: str, amount: Decimal, on: date, note: str = ""
) -> Contribution:
    """Record capital put into the fund; use fees turned into capital at most the fees retained."""
    association = _locked(association_id, actor, "change")
    gate.require(actor, Contribution, "add")
    if source not in Source.values:
        raise ValidationError({"source": _("Choose a source.")})
    _money("amount", amount)
    _not_future("on", on)
    if on < association.founded_on:
        raise ValidationError({"on": _("The day cannot be before the association was founded.")})
    if source == Source.FEES:
        sheet = sheets_of([association.pk], on)[association.pk]
        later = sum(
            Contribution.objects.filter(association=association, source=Source.FEES, on__gt=on).values_list(
                "amount", flat=True
            ),
            Decimal(0),
        )
        if amount > sheet.fees_retained - later:
            raise ValidationError(
                {"amount": _("More than the use fees received and not yet turned into capital.")}
            )
    with set_actor(actor):
        return Contribution.objects.create(
            association=association,
            source=source,
            amount=amount,
            on=on,
            note=note.strip()[:200],
            recorded_by=actor,
        )


@transaction.atomic
def member_join(
    *, actor: User, association_id: int, household_id: int, share: Decimal, joined_on: date
) -> Membership:
    """A household of the association's village joins with its share (one open membership at a time)."""
    association = _locked(association_id, actor, "change")
    gate.require(actor, Membership, "add")
    household = gate.access(Household.objects.all(), actor, pk=household_id)
    if household.village_id != association.village_id:
        raise ValidationError({"household": _("Only households of the association's village may join.")})
    _money("share", share, positive=False)
    _not_future("joined_on", joined_on)
    if joined_on < association.founded_on:
        raise ValidationError({"joined_on": _("The day cannot be before the association was founded.")})
    if Membership.objects.filter(association=association, household=household, left_on__isnull=True).exists():
        raise ValidationError({"household": _("This household is a member already.")})
    if Membership.objects.filter(
        association=association, household=household, left_on__gt=joined_on
    ).exists():
        raise ValidationError({"joined_on": _("The household was still a member on that day.")})
    with set_actor(actor):
        return Membership.objects.create(
            association=association, household=household, share=share, joined_on=joined_on, recorded_by=actor
        )


@transaction.atomic
def member_leave(*, actor: User, membership_id: int, left_on: date) -> Membership:
    """A member leaves and its share is refunded: not while it owes the fund, nor beyond the fund's cash."""
    membership = gate.access(Membership.objects.select_for_update(), actor, action="change", pk=membership_id)
    association = _locked(membership.association_id, actor, "change")
    if membership.left_on is not None:
        raise ValidationError({"left_on": _("This household has left already.")})
    _not_future("left_on", left_on)
    if left_on < membership.joined_on:
        raise ValidationError({"left_on": _("The day cannot be before the household joined.")})
    loans = list(Loan.objects.filter(association=association, household_id=membership.household_id))
    paid: dict[int, list[Repayment]] = {loan.pk: [] for loan in loans}
    for repayment in Repayment.objects.filter(loan__in=loans):
        paid[repayment.loan_id].append(repayment)
    today = timezone.localdate()
    if any(loan_state(loan, paid[loan.pk], max(left_on, today)).owed > 0 for loan in loans):
        raise ValidationError({"left_on": _("The household still owes the fund: it leaves once repaid.")})
    if membership.share > cash_floor(cash_book(association.pk), left_on):
        raise ValidationError(
            {"left_on": _("The fund does not hold the cash to refund the share on that day.")}
        )
    membership.left_on = left_on
    with set_actor(actor):
        membership.save(update_fields=["left_on"])
    return membership


def terms_check(*, association: Association, amount: Decimal, term_months: int, fee_rate: Decimal) -> None:
    """Refuse terms outside the fund's ceiling and the app's limits."""
    errors: dict[str, str] = {}
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        errors["amount"] = _("Enter an amount of more than 0 yuan, to the fen.")
    elif amount > association.loan_limit:
        errors["amount"] = _("More than the fund's loan ceiling of %(limit)s yuan.") % {
            "limit": association.loan_limit
        }
    if not 1 <= term_months <= TERM_LIMIT_MONTHS:
        errors["term_months"] = _("Enter a term from 1 to 36 months.")
    if not fee_rate.is_finite() or not Decimal(0) <= fee_rate <= FEE_RATE_LIMIT:
        errors["fee_rate"] = _("Enter an annual rate from 0 to 24 %.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def loan_record(
    *,
    actor: User,
    association_id: int,
    household_id: int,
    number: str,
    amount: Decimal,
    term_months: int,
    purpose: str,
    disbursed_on: date,
    fee_rate: Decimal | None = None,
) -> Loan:
    """Lend to a member household: an active fund, a member on the day, one loan owing at a time, within the
    ceiling, and never more than the fund's cash (on that day and on every later day of its records)."""
    association = _locked(association_id, actor, "change")
    gate.require(actor, Loan, "add")
    household = gate.access(Household.objects.all(), actor, pk=household_id)
    if association.status != Status.ACTIVE:
        raise ValidationError({"association": _("The association is not active: it lends nothing.")})
    number = number.strip()
    if not number or len(number) > 40:
        raise ValidationError({"number": _("Enter the loan's number (at most 40 characters).")})
    if Loan.objects.filter(number=number).exists():
        raise ValidationError({"number": _("A loan with this number is recorded already.")})
    purpose = purpose_check(purpose)
    rate = association.fee_rate if fee_rate is None else fee_rate
    terms_check(association=association, amount=amount, term_months=term_months, fee_rate=rate)
    _not_future("disbursed_on", disbursed_on)
    member = Membership.objects.filter(association=association, household=household)
    if not any(m.member_on(disbursed_on) for m in member):
        raise ValidationError({"household": _("The household is not a member of the fund on that day.")})
    previous = list(
        Loan.objects.filter(association=association, household=household, disbursed_on__lte=disbursed_on)
    )
    paid: dict[int, list[Repayment]] = {loan.pk: [] for loan in previous}
    for repayment in Repayment.objects.filter(loan__in=previous):
        paid[repayment.loan_id].append(repayment)
    if any(loan_state(loan, paid[loan.pk], disbursed_on).owed > 0 for loan in previous):
        raise ValidationError({"household": _("The household still owes on an earlier loan.")})
    if amount > cash_floor(cash_book(association.pk), disbursed_on):
        raise ValidationError({"amount": _("More than the fund's cash on that day.")})
    with set_actor(actor):
        return Loan.objects.create(
            association=association,
            household=household,
            number=number,
            amount=amount,
            term_months=term_months,
            fee_rate=rate,
            purpose=purpose,
            disbursed_on=disbursed_on,
            recorded_by=actor,
        )


def repayment_check(
    *, loan: Loan, on: date, principal: Decimal, fee: Decimal, paid: list[tuple[Decimal, Decimal]]
) -> None:
    """Refuse a repayment that pays nothing, predates the loan, is in the future, or takes the principal or the
    use fee repaid above what the loan owes (``paid``: the repayments recorded already)."""
    _money("principal", principal, positive=False)
    _money("fee", fee, positive=False)
    if principal == 0 and fee == 0:
        raise ValidationError({"principal": _("A repayment pays principal, use fee or both.")})
    if on < loan.disbursed_on:
        raise ValidationError({"on": _("A repayment cannot be before the loan was disbursed.")})
    _not_future("on", on)
    if sum((p for p, _f in paid), Decimal(0)) + principal > loan.amount:
        raise ValidationError({"principal": _("This would repay more principal than the loan's amount.")})
    if sum((f for _p, f in paid), Decimal(0)) + fee > fee_of(loan.amount, loan.fee_rate, loan.term_months):
        raise ValidationError({"fee": _("This would pay more use fee than the loan's term asks.")})


@transaction.atomic
def repayment_record(
    *, actor: User, loan_id: int, on: date, principal: Decimal, fee: Decimal, reference: str = ""
) -> Repayment:
    """Record a repayment of a loan the actor may see (village cadres: in their village); never more than owed."""
    gate.require(actor, Repayment, "add")
    loan = gate.access(Loan.objects.select_for_update(), actor, pk=loan_id)
    paid = list(Repayment.objects.filter(loan=loan).values_list("principal", "fee"))
    repayment_check(loan=loan, on=on, principal=principal, fee=fee, paid=paid)
    reference = reference.strip()
    if len(reference) > 40:
        raise ValidationError({"reference": _("At most 40 characters.")})
    if reference and Repayment.objects.filter(loan=loan, reference=reference).exists():
        raise ValidationError({"reference": _("A repayment with this receipt number is recorded already.")})
    with set_actor(actor):
        return Repayment.objects.create(
            loan=loan, on=on, principal=principal, fee=fee, reference=reference, recorded_by=actor
        )
