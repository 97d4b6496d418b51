"""Writes to the loan ledger: a disbursement and its corrected terms, a repayment and the removal of one entered
by mistake, and the overdue check that raises leads.

A loan is not income and its interest subsidy is not household income either: nothing here posts program
income (docs/programs.md, "Small loans").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.loans.models import AMOUNT_LIMIT, PURPOSE_ZH, TERM_LIMIT_MONTHS, Loan, Purpose, Repayment
from bottomline.loans.schedule import interest_total, loan_state
from bottomline.monitoring.models import Channel
from bottomline.monitoring.services import SignalIn, leads_raise
from bottomline.regions.models import Region
from bottomline.registry.models import Household, Member

# Overdue more than this many days raises a lead (a risk signal) on the household. A documented constant, not a
# policy parameter: the policy app's parameter names are a closed list (a migration of its own). The value is
# an assumption: a month late is past a missed quarterly payment's grace, well before a default (90 days).
LEAD_OVERDUE_DAYS = 30

# Words of a purpose the rules refuse (domain.md §3.7: not weddings, housing, consumption, lending on).
REFUSED_PURPOSES = ("consum", "消费", "wedding", "婚", "hous", "建房", "购房", "房", "lend", "入股", "转贷")


def purpose_check(raw: str) -> str:
    """The purpose code of a production purpose (code or label in either language); ValidationError otherwise,
    saying that consumption is refused."""
    text = raw.strip()
    for value, label in Purpose.choices:
        if (
            text.lower() in (value, str(label).lower(), Purpose(value).label.lower())
            or text == PURPOSE_ZH[value]
        ):
            return value
    if any(word in text.lower() for word in REFUSED_PURPOSES):
        raise ValidationError(
            {"purpose": _("A small loan is for production only: not for consumption, housing or weddings.")}
        )
    raise ValidationError({"purpose": _("Choose a production purpose.")})


def terms_check(
    *, amount: Decimal, term_months: int, rate: Decimal, subsidy_rate: Decimal, disbursed_on: date
) -> None:
    """Refuse terms outside the policy's limits (ValidationError by field)."""
    errors: dict[str, str] = {}
    if (
        not amount.is_finite()
        or amount <= 0
        or amount > AMOUNT_LIMIT
        or amount != amount.quantize(Decimal("0.01"))
    ):
        errors["amount"] = _("Enter an amount from 0.01 to 50,000 yuan, to the fen.")
    if not 1 <= term_months <= TERM_LIMIT_MONTHS:
        errors["term_months"] = _("Enter a term from 1 to 36 months.")
    if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(24):
        errors["rate"] = _("Enter an annual rate from 0 to 24 %.")
    if not subsidy_rate.is_finite() or subsidy_rate < 0 or (rate.is_finite() and subsidy_rate > rate):
        errors["subsidy_rate"] = _("The subsidy rate is from 0 to the loan's rate.")
    if disbursed_on > timezone.localdate():
        errors["disbursed_on"] = _("The disbursement day cannot be in the future.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def loan_record(
    *,
    actor: User,
    household_id: int,
    lender: str,
    contract: str,
    amount: Decimal,
    term_months: int,
    rate: Decimal,
    subsidy_rate: Decimal,
    purpose: str,
    disbursed_on: date,
    borrower_id: int | None = None,
) -> Loan:
    """Record a disbursed loan of a household in the actor's region (one loan per contract)."""
    gate.require(actor, Loan, "add")
    household = gate.access(Household.objects.all(), actor, action="view", pk=household_id)
    if not lender.strip():
        raise ValidationError({"lender": _("Name the lending bank.")})
    contract = contract.strip()
    if not contract:
        raise ValidationError({"contract": _("Enter the bank's contract number.")})
    if Loan.objects.filter(contract=contract).exists():
        raise ValidationError({"contract": _("A loan with this contract number is recorded already.")})
    purpose = purpose_check(purpose)
    terms_check(
        amount=amount,
        term_months=term_months,
        rate=rate,
        subsidy_rate=subsidy_rate,
        disbursed_on=disbursed_on,
    )
    if borrower_id is not None and not Member.objects.filter(pk=borrower_id, household=household).exists():
        raise ValidationError({"borrower": _("The borrower must be a member of the household.")})
    with set_actor(actor):
        return Loan.objects.create(
            household=household,
            borrower_id=borrower_id,
            lender=lender.strip(),
            contract=contract,
            amount=amount,
            term_months=term_months,
            rate=rate,
            subsidy_rate=subsidy_rate,
            purpose=purpose,
            disbursed_on=disbursed_on,
            recorded_by=actor,
        )


@transaction.atomic
def loan_change(
    *,
    actor: User,
    loan_id: int,
    lender: str,
    contract: str,
    amount: Decimal,
    term_months: int,
    rate: Decimal,
    subsidy_rate: Decimal,
    purpose: str,
    disbursed_on: date,
    borrower_id: int | None = None,
) -> Loan:
    """Correct a loan's terms (a mistyped contract, amount, term, rate, purpose, day or borrower) as the bank's
    contract says; the household stays. The repayments recorded must still fit: none before the disbursement,
    never more principal than the amount nor more interest than the corrected schedule asks. Audited (auditlog)."""
    loan = gate.access(Loan.objects.select_for_update(), actor, action="change", pk=loan_id)
    if not lender.strip():
        raise ValidationError({"lender": _("Name the lending bank.")})
    contract = contract.strip()
    if not contract:
        raise ValidationError({"contract": _("Enter the bank's contract number.")})
    if Loan.objects.filter(contract=contract).exclude(pk=loan.pk).exists():
        raise ValidationError({"contract": _("A loan with this contract number is recorded already.")})
    purpose = purpose_check(purpose)
    terms_check(
        amount=amount,
        term_months=term_months,
        rate=rate,
        subsidy_rate=subsidy_rate,
        disbursed_on=disbursed_on,
    )
    if (
        borrower_id is not None
        and not Member.objects.filter(pk=borrower_id, household_id=loan.household_id).exists()
    ):
        raise ValidationError({"borrower": _("The borrower must be a member of the household.")})
    paid = list(Repayment.objects.filter(loan=loan).values_list("on", "principal", "interest"))
    if any(on < disbursed_on for on, _p, _i in paid):
        raise ValidationError({"disbursed_on": _("A repayment recorded is before this day.")})
    if sum((p for _on, p, _i in paid), Decimal(0)) > amount:
        raise ValidationError({"amount": _("The repayments recorded repay more principal than this amount.")})
    loan.lender, loan.contract, loan.amount, loan.term_months = lender.strip(), contract, amount, term_months
    loan.rate, loan.subsidy_rate, loan.purpose, loan.disbursed_on = rate, subsidy_rate, purpose, disbursed_on
    loan.borrower_id = borrower_id
    if sum((i for _on, _p, i in paid), Decimal(0)) > interest_total(loan):
        raise ValidationError({"rate": _("The repayments recorded pay more interest than these terms ask.")})
    with set_actor(actor):
        loan.save()
    return loan


def subsidy_default(loan: Loan, interest: Decimal) -> Decimal:
    """The interest subsidy on an interest payment: its share of the subsidised rate in the loan's rate."""
    if not loan.rate:
        return Decimal(0)
    return (interest * loan.subsidy_rate / loan.rate).quantize(Decimal("0.01"))


def repayment_check(*, loan: Loan, on: date, principal: Decimal, interest: Decimal, subsidy: Decimal) -> None:
    """Refuse a repayment that pays nothing, predates the loan, or takes the total repaid above what is owed
    (the principal, and the schedule's interest)."""
    errors: dict[str, str] = {}
    for name, value in (("principal", principal), ("interest", interest), ("subsidy", subsidy)):
        if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
            errors[name] = _("Enter an amount of 0 or more yuan, to the fen.")
    if errors:
        raise ValidationError(errors)
    if principal == 0 and interest == 0:
        raise ValidationError({"principal": _("A repayment pays principal, interest or both.")})
    if on < loan.disbursed_on:
        raise ValidationError({"on": _("A repayment cannot be before the loan was disbursed.")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("The repayment day cannot be in the future.")})
    if subsidy > interest:
        raise ValidationError({"subsidy": _("The subsidy cannot be more than the interest paid.")})
    paid = list(Repayment.objects.filter(loan=loan).values_list("principal", "interest"))
    if sum((p for p, _i in paid), Decimal(0)) + principal > loan.amount:
        raise ValidationError({"principal": _("This would repay more principal than the loan's amount.")})
    if sum((i for _p, i in paid), Decimal(0)) + interest > interest_total(loan):
        raise ValidationError({"interest": _("This would pay more interest than the loan's schedule asks.")})


@transaction.atomic
def repayment_record(
    *,
    actor: User,
    loan_id: int,
    on: date,
    principal: Decimal,
    interest: Decimal,
    subsidy: Decimal | None = None,
    reference: str = "",
) -> Repayment:
    """Record a repayment of a loan in the actor's region; never more than is owed."""
    loan = gate.access(Loan.objects.select_for_update(), actor, action="change", pk=loan_id)
    gate.require(actor, Repayment, "add")
    subsidy = subsidy_default(loan, interest) if subsidy is None else subsidy
    repayment_check(loan=loan, on=on, principal=principal, interest=interest, subsidy=subsidy)
    reference = reference.strip()
    if reference and Repayment.objects.filter(loan=loan, reference=reference).exists():
        raise ValidationError({"reference": _("A repayment with this bank reference is recorded already.")})
    with set_actor(actor):
        return Repayment.objects.create(
            loan=loan,
            on=on,
            principal=principal,
            interest=interest,
            subsidy=subsidy,
            reference=reference,
            recorded_by=actor,
        )


@transaction.atomic
def repayment_remove(*, actor: User, repayment_id: int) -> Loan:
    """Remove a repayment entered by mistake (a wrong loan, a double entry): the loan's balance and state follow.
    Audited (auditlog keeps the removed row); the loan, whose state it changes."""
    repayment = gate.access(Repayment.objects.all(), actor, action="delete", pk=repayment_id)
    loan = gate.access(Loan.objects.select_for_update(), actor, action="change", pk=repayment.loan_id)
    with set_actor(actor):
        repayment.delete()
    return loan


@dataclass(frozen=True)
class OverdueCheck:
    """What one overdue check found and did."""

    overdue: int  # loans overdue more than the threshold on the day
    raised: int  # of them, loans whose overdue spell raised a lead now (the others had theirs already)


def loans_overdue_check(
    *, actor: User | None, region: Region | None, on: date | None = None, days: int = LEAD_OVERDUE_DAYS
) -> OverdueCheck:
    """Raise a lead (department channel) on each household in ``region`` with a loan overdue more than ``days``
    on ``on``: once per overdue spell (the loan remembers the due day its lead was for), so a nightly run adds
    nothing until the loan falls behind again after catching up. ``actor`` None: the nightly run (the
    command, the job), which sees the whole region; ``region`` None: every loan (the nightly timer's run)."""
    scope = Loan.objects.all()
    if actor is not None:
        gate.require(actor, Loan, "check")
        scope = gate.restrict(scope, actor, "view")
    on = on or timezone.localdate()
    if region is not None:
        scope = scope.filter(household__village__code__range=region.bounds)
    loans = list(scope.filter(disbursed_on__lte=on).select_related("household").order_by("pk"))
    repayments: dict[int, list[Repayment]] = defaultdict(list)
    for repayment in Repayment.objects.filter(loan__in=[loan.pk for loan in loans], on__lte=on):
        repayments[repayment.loan_id].append(repayment)
    late: list[tuple[Loan, date, int]] = []
    for loan in loans:
        state = loan_state(loan, repayments[loan.pk], on)
        if state.overdue_since is not None and state.overdue_days > days:
            late.append((loan, state.overdue_since, state.overdue_days))
    fresh = [(loan, since, n) for loan, since, n in late if loan.lead_due != since]
    details: dict[int, dict[str, list[str]]] = defaultdict(lambda: {"en": [], "zh": []})
    for loan, since, n in fresh:
        detail = details[loan.household_id]
        detail["en"].append(
            f"Small loan {loan.contract} overdue {n} days (payment due {since:%Y-%m-%d} unpaid)."
        )
        detail["zh"].append(f"小额信贷 {loan.contract} 逾期 {n} 天（{since:%Y-%m-%d} 应还款未还）。")
    at = min(timezone.now(), timezone.make_aware(datetime.combine(on, time(23))))  # never in the future
    with transaction.atomic():
        # One signal per household and check day; the loan keeps the spell it was raised for (``lead_due``),
        # so the next nights' checks leave it out even when its lead has been closed since.
        leads_raise(
            channel=Channel.DEPARTMENT,
            reference=f"loans-overdue:{on:%Y%m%d}",
            signals=[SignalIn(household_id=h, detail=d) for h, d in sorted(details.items())],
            at=at,
        )
        for loan, since, _n in fresh:
            loan.lead_due = since
        Loan.objects.bulk_update([loan for loan, _s, _n in fresh], ["lead_due"])
    return OverdueCheck(overdue=len(late), raised=len(fresh))
