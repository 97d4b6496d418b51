"""Synthetic mutual-aid funds: calibrated, every record keeps the fund's rules, every balance sheet reconciles, a
second run adds nothing."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from bottomline.mutualaid.ledger import cash_floor, cash_on, fee_of, loan_state
from bottomline.mutualaid.models import Association, Contribution, Loan, Membership, Repayment
from bottomline.mutualaid.selectors import cash_book, sheets_of
from bottomline.mutualaid.synth import MutualaidCalibration, mutualaid_synth
from bottomline.registry.tests.factories import household

pytestmark = pytest.mark.django_db
ON = date(2026, 6, 30)


def test_synth_is_calibrated_lawful_and_once(tree: Any, personas: dict[str, Any]) -> None:
    county = personas["county_officer"]
    for village in (tree.village, tree.sibling_village, tree.other_township_village):
        for _n in range(12):
            household(county, village)
    for _n in range(10):
        household(county, tree.village, household_type="ordinary")
    calibration = MutualaidCalibration(associations=2)
    made = mutualaid_synth(county=tree.county, seed=1, on=ON, calibration=calibration)
    assert made["associations"] == 2 and made["loans"] > 20 and made["repayments"] > 10
    lifted = Membership.objects.filter(household__household_type="lifted").count()
    assert lifted > Membership.objects.exclude(household__household_type="lifted").count()
    for association in Association.objects.all():
        fiscal = Contribution.objects.get(association=association, source="fiscal").amount
        assert abs(fiscal - calibration.fiscal_each) <= calibration.fiscal_each / 10 + 1
        sheet = sheets_of([association.pk], ON)[association.pk]
        assert sheet.capital + sheet.fees_retained == sheet.outstanding + sheet.cash
        book = cash_book(association.pk)
        assert sheet.cash == cash_on(book, ON) and cash_floor(book, association.founded_on) >= 0
        assert sheet.fees_retained >= 0 and sheet.occupancy is not None and 0 < sheet.occupancy < 100
    paid: dict[int, list[Repayment]] = defaultdict(list)
    for repayment in Repayment.objects.all():
        paid[repayment.loan_id].append(repayment)
    statuses = set()
    for loan in Loan.objects.select_related("association"):
        mine = paid[loan.pk]
        assert loan.amount <= loan.association.loan_limit
        assert sum(r.principal for r in mine) <= loan.amount
        assert sum(r.fee for r in mine) <= fee_of(loan.amount, loan.fee_rate, loan.term_months)
        assert all(loan.disbursed_on <= r.on <= ON for r in mine)
        member = Membership.objects.get(association=loan.association, household=loan.household)
        assert member.member_on(loan.disbursed_on)
        statuses.add(loan_state(loan, mine, ON).status)
    assert {"repaid", "current"} <= statuses
    assert sum(Loan.objects.values_list("amount", flat=True), Decimal(0)) > 0
    again = mutualaid_synth(county=tree.county, seed=1, on=ON)
    assert again["associations"] == 0
    call_command("mutualaid_synth", "--county", "630106", "--seed", "1")
    assert Association.objects.count() == 2
