"""Synthetic loans: the totals are the calibration's, every loan keeps the rules, a second run adds nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Sum

from bottomline.loans.models import AMOUNT_LIMIT, Loan, Repayment
from bottomline.loans.schedule import interest_total, loan_state
from bottomline.loans.synth import LoansCalibration, loans_synth
from bottomline.registry.tests.factories import household

pytestmark = pytest.mark.django_db


def test_synth_is_calibrated_lawful_and_once(tree: Any, personas: dict[str, Any]) -> None:
    county = personas["county_officer"]
    for village in (tree.village, tree.sibling_village, tree.other_township_village):
        for _n in range(8):
            household(county, village)
    household(county, tree.village, household_type="ordinary")
    calibration = LoansCalibration(lent_total=Decimal(700_000), subsidy_total=Decimal("40000.55"))
    made = loans_synth(county=tree.county, seed=1, on=date(2026, 6, 30), calibration=calibration)
    assert made["loans"] >= 12
    assert Loan.objects.aggregate(s=Sum("amount"))["s"] == Decimal(700_000)
    assert Repayment.objects.aggregate(s=Sum("subsidy"))["s"] == Decimal("40000.55")
    assert not Loan.objects.filter(household__household_type="ordinary").exists()
    states = []
    for loan in Loan.objects.prefetch_related("repayments"):
        paid = list(loan.repayments.all())
        assert 0 < loan.amount <= AMOUNT_LIMIT and loan.term_months <= 36 and loan.subsidy_rate <= loan.rate
        assert sum(r.principal for r in paid) <= loan.amount
        assert sum(r.interest for r in paid) <= interest_total(loan)
        assert all(loan.disbursed_on <= r.on <= date(2026, 6, 30) and r.subsidy <= r.interest for r in paid)
        states.append(loan_state(loan, paid, date(2026, 6, 30)).status)
    assert "repaid" in states and "current" in states
    assert loans_synth(county=tree.county, seed=1, on=date(2026, 6, 30)) == {"loans": 0, "repayments": 0}
    call_command("loans_synth", "--county", "630106", "--seed", "1")  # the command: nothing more either
    assert Loan.objects.count() == made["loans"]
