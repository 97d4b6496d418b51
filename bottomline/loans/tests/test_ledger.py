"""The loan ledger: limits and purpose, totals never above what is owed, overdue as of a date, the overdue lead
raised once per spell, the region gate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.http import Http404

from bottomline.loans.models import Loan
from bottomline.loans.schedule import loan_state, months_after, schedule
from bottomline.loans.selectors import LoanFilters, loan_get, loan_list, rates_by_region
from bottomline.loans.services import loan_record, loans_overdue_check, repayment_record
from bottomline.monitoring.models import Lead, Signal
from bottomline.registry.tests.factories import household

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 30)


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(date(2026, 6, 30), tick=False):
        yield


def _loan(actor: Any, hh: Any, **overrides: Any) -> Loan:
    values: dict[str, Any] = {
        "household_id": hh.pk,
        "lender": "湟中农商银行",
        "contract": f"C-{hh.pk}-{Loan.objects.count()}",
        "amount": Decimal(40000),
        "term_months": 12,
        "rate": Decimal("4.00"),
        "subsidy_rate": Decimal("4.00"),
        "purpose": "livestock",
        "disbursed_on": date(2025, 1, 10),
    }
    values.update(overrides)
    return loan_record(actor=actor, **values)


def test_schedule_interest_quarterly_principal_at_maturity() -> None:
    loan = Loan(amount=Decimal(40000), term_months=12, rate=Decimal("4.00"), disbursed_on=date(2025, 1, 31))
    dues = schedule(loan)
    assert [(d.on, d.kind, d.amount) for d in dues] == [
        (date(2025, 4, 30), "interest", Decimal("400.00")),
        (date(2025, 7, 31), "interest", Decimal("400.00")),
        (date(2025, 10, 31), "interest", Decimal("400.00")),
        (date(2026, 1, 31), "interest", Decimal("400.00")),
        (date(2026, 1, 31), "principal", Decimal(40000)),
    ]
    assert months_after(date(2024, 11, 30), 3) == date(2025, 2, 28)


def test_limits_and_purpose(personas: dict[str, Any], tree: Any) -> None:
    county = personas["county_officer"]
    hh = household(county, tree.village)
    with pytest.raises(ValidationError) as too_much:
        _loan(county, hh, amount=Decimal("50000.01"))
    assert "amount" in too_much.value.message_dict
    with pytest.raises(ValidationError) as too_long:
        _loan(county, hh, term_months=37)
    assert "term_months" in too_long.value.message_dict
    with pytest.raises(ValidationError) as consumption:
        _loan(county, hh, purpose="consumption")
    assert "仅限用于生产经营" in consumption.value.message_dict["purpose"][0]  # the default language
    with pytest.raises(ValidationError):
        _loan(county, hh, purpose="婚礼")
    assert _loan(county, hh, purpose="养殖").purpose == "livestock"


def test_repayments_never_exceed_what_is_owed(personas: dict[str, Any], tree: Any) -> None:
    county = personas["county_officer"]
    loan = _loan(county, household(county, tree.village))
    repayment_record(
        actor=county, loan_id=loan.pk, on=date(2025, 4, 10), principal=Decimal(0), interest=Decimal(400)
    )
    with pytest.raises(ValidationError) as principal:
        repayment_record(
            actor=county,
            loan_id=loan.pk,
            on=date(2025, 5, 1),
            principal=Decimal("40000.01"),
            interest=Decimal(0),
        )
    assert "principal" in principal.value.message_dict
    with pytest.raises(ValidationError) as interest:
        repayment_record(
            actor=county,
            loan_id=loan.pk,
            on=date(2025, 5, 1),
            principal=Decimal(0),
            interest=Decimal("1200.01"),
        )
    assert "interest" in interest.value.message_dict
    with pytest.raises(ValidationError):
        repayment_record(
            actor=county, loan_id=loan.pk, on=date(2024, 12, 1), principal=Decimal(1), interest=Decimal(0)
        )
    with pytest.raises(ValidationError):
        repayment_record(
            actor=county, loan_id=loan.pk, on=date(2025, 5, 1), principal=Decimal(0), interest=Decimal(0)
        )
    done = repayment_record(
        actor=county, loan_id=loan.pk, on=date(2026, 1, 10), principal=Decimal(40000), interest=Decimal(1200)
    )
    assert done.subsidy == Decimal("1200.00")  # fully subsidised: the subsidy rate is the loan's rate
    with pytest.raises(ValidationError):
        repayment_record(
            actor=county, loan_id=loan.pk, on=date(2026, 2, 1), principal=Decimal(1), interest=Decimal(0)
        )
    assert loan_state(loan, loan.repayments.all(), TODAY).status == "repaid"


def test_overdue_as_of_a_date(personas: dict[str, Any], tree: Any) -> None:
    county = personas["county_officer"]
    loan = _loan(
        county, household(county, tree.village)
    )  # interest 400 due 2025-04-10, 07-10, 10-10, 2026-01-10
    repayment_record(
        actor=county, loan_id=loan.pk, on=date(2025, 4, 10), principal=Decimal(0), interest=Decimal(400)
    )
    repayments = list(loan.repayments.all())
    assert loan_state(loan, repayments, date(2025, 1, 9)).status == "not_yet"
    assert loan_state(loan, repayments, date(2025, 7, 10)).status == "current"  # due today is not late yet
    late = loan_state(loan, repayments, date(2025, 8, 9))
    assert (late.status, late.overdue_days, late.overdue_amount, late.overdue_since) == (
        "overdue",
        30,
        Decimal(400),
        date(2025, 7, 10),
    )
    # paid late on 2025-08-20: current again from that day, as of a date before it still overdue
    repayment_record(
        actor=county, loan_id=loan.pk, on=date(2025, 8, 20), principal=Decimal(0), interest=Decimal(400)
    )
    repayments = list(loan.repayments.all())
    assert loan_state(loan, repayments, date(2025, 8, 19)).overdue_days == 40
    assert loan_state(loan, repayments, date(2025, 8, 20)).status == "current"
    # the principal at maturity (2026-01-10) is unpaid: overdue since the October interest
    state = loan_state(loan, repayments, TODAY)
    assert (
        state.overdue_since == date(2025, 10, 10) and state.overdue_days == (TODAY - date(2025, 10, 10)).days
    )
    assert state.balance == Decimal(40000) and state.defaulted


def test_overdue_lead_raised_once_per_spell(personas: dict[str, Any], tree: Any) -> None:
    county = personas["county_officer"]
    hh = household(county, tree.village)
    loan = _loan(county, hh)
    # 2025-05-15: April's interest 35 days late: a lead with its reason
    first = loans_overdue_check(actor=county, region=tree.county, on=date(2025, 5, 15))
    assert (first.overdue, first.raised) == (1, 1)
    lead = Lead.objects.get(household=hh)
    signal = Signal.objects.get(lead=lead)
    assert signal.channel == "department" and loan.contract in signal.detail["en"][0]
    assert "逾期 35 天" in signal.detail["zh"][0]
    # the next nights: still overdue, no second signal, even when the lead is closed meanwhile
    again = loans_overdue_check(actor=county, region=tree.county, on=date(2025, 5, 16))
    assert (again.overdue, again.raised) == (1, 0)
    Lead.objects.filter(pk=lead.pk).update(status="closed")
    call_command("loans_overdue", "--region", tree.county.code, "--on", "2025-05-17")
    assert Signal.objects.filter(lead__household=hh).count() == 1
    # caught up, then late again: a new spell raises a new signal
    repayment_record(
        actor=county, loan_id=loan.pk, on=date(2025, 5, 20), principal=Decimal(0), interest=Decimal(400)
    )
    assert loans_overdue_check(actor=county, region=tree.county, on=date(2025, 6, 1)).overdue == 0
    call_command("loans_overdue", "--region", tree.county.code, "--on", "2025-08-15")
    assert Signal.objects.filter(lead__household=hh).count() == 2
    assert Lead.objects.filter(household=hh, status="open").count() == 1
    # not more than the threshold: nothing
    other = _loan(county, household(county, tree.village), disbursed_on=date(2025, 3, 1))
    assert loans_overdue_check(actor=county, region=tree.county, on=date(2025, 7, 1)).raised == 0
    assert Lead.objects.filter(household=other.household).count() == 0
    call_command("loans_overdue", "--on", "2025-07-02")  # the timer's run, everywhere: the other loan now
    assert Lead.objects.filter(household=other.household).count() == 1


def test_overdue_check_needs_the_right(personas: dict[str, Any], tree: Any) -> None:
    with pytest.raises(PermissionDenied):
        loans_overdue_check(actor=personas["village_cadre"], region=tree.village, on=TODAY)


def test_gate_scopes(personas: dict[str, Any], tree: Any, make_user: Any) -> None:
    county = personas["county_officer"]
    mine = _loan(county, household(county, tree.village))
    other = _loan(county, household(county, tree.other_township_village))
    township = personas["township_officer"]
    assert loan_get(viewer=township, loan_id=mine.pk) == mine
    with pytest.raises(Http404):
        loan_get(viewer=township, loan_id=other.pk)
    seen = [loan.pk for loan, _s in loan_list(viewer=township, filters=LoanFilters(), on=TODAY)]
    assert seen == [mine.pk]
    # township officers record within their township only; cadres view; auditors view and may not record
    repayment_record(
        actor=township, loan_id=mine.pk, on=date(2025, 4, 10), principal=Decimal(0), interest=Decimal(400)
    )
    with pytest.raises(Http404):
        repayment_record(
            actor=township,
            loan_id=other.pk,
            on=date(2025, 4, 10),
            principal=Decimal(0),
            interest=Decimal(400),
        )
    with pytest.raises(Http404):
        _loan(township, other.household)
    assert loan_get(viewer=personas["village_cadre"], loan_id=mine.pk) == mine
    with pytest.raises(PermissionDenied):
        _loan(personas["village_cadre"], mine.household)
    with pytest.raises(PermissionDenied):
        repayment_record(
            actor=personas["auditor"],
            loan_id=mine.pk,
            on=date(2025, 5, 1),
            principal=Decimal(1),
            interest=Decimal(0),
        )
    assert loan_get(viewer=personas["province_officer"], loan_id=other.pk) == other
    assert loan_list(viewer=personas["department_officer"], filters=LoanFilters(), on=TODAY) == []


def test_rates_by_region(personas: dict[str, Any], tree: Any) -> None:
    county = personas["county_officer"]
    late = _loan(county, household(county, tree.village), amount=Decimal(30000))
    _loan(
        county,
        household(county, tree.other_township_village),
        amount=Decimal(10000),
        disbursed_on=date(2026, 5, 1),
    )
    rates = {r.region.code: r for r in rates_by_region(viewer=county, region=tree.county, on=TODAY)}
    top = rates[tree.county.code]
    assert (top.loans, top.balance, top.overdue_balance) == (2, Decimal(40000), Decimal(30000))
    assert top.overdue_rate == 75.0 and top.default_rate == 75.0
    assert rates[tree.other_township.code].overdue_rate == 0.0
    # as of a date before the second loan and before the first was late: nothing overdue
    early = rates_by_region(viewer=county, region=tree.county, on=date(2025, 3, 1))[0]
    assert (early.loans, early.overdue_loans) == (1, 0)
    assert late.pk
