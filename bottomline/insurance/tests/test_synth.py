"""Synthetic insurance: a policy a year, claims of covered households only, the seed's 19,200 yuan paid, the
payouts in the income, a second run adds nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Sum

from bottomline.insurance.models import Claim, Policy
from bottomline.insurance.synth import InsuranceCalibration, insurance_synth
from bottomline.insurance.tests.conftest import home
from bottomline.registry.models import ProgramIncome

pytestmark = pytest.mark.django_db


def test_synth_policies_claims_and_once(tree: Any, personas: dict[str, Any]) -> None:
    county = personas["county_officer"]
    for village in (tree.village, tree.sibling_village, tree.other_township_village):
        for n in range(6):
            home(county, village, wage=str(4000 + 1000 * n))  # 2,000 to 4,500 a head: covered
    home(county, tree.village, wage="40000")  # not covered
    calibration = InsuranceCalibration(claim_rate=0.5)
    made = insurance_synth(
        county=tree.county, seed=1, on=date(2026, 6, 30), user=county, calibration=calibration
    )
    assert made["policies"] == 6 and Policy.objects.count() == 6  # 2021 to 2026
    assert made["claims"] >= 4 and made["paid"] >= 1
    seed = Claim.objects.get(reference="SYN-LP-2026-00001")
    assert (seed.spending, seed.paid_amount) == (Decimal(27000), Decimal("19200.00"))
    paid = Claim.objects.filter(status="paid").aggregate(s=Sum("paid_amount"))["s"]
    assert ProgramIncome.objects.filter(program="insurance_claim").aggregate(s=Sum("amount"))["s"] == paid
    assert not Claim.objects.filter(household__incomes__wage=40000).exists()
    assert insurance_synth(county=tree.county, seed=1, on=date(2026, 6, 30), user=county) == {
        "policies": 0, "claims": 0, "paid": 0,
    }  # fmt: skip
    call_command("insurance_synth", "--county", "630106", "--seed", "1", "--user", "county_officer")
    assert Claim.objects.count() == made["claims"]
