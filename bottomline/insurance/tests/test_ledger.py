"""The insurance ledger: the covered list follows the rule as the registry changes, claims proposed from the
medical feed (idempotent), a payout flows to transfer income and the screening sees it, a refusal or withdrawal
takes it off again, the region gate, the figures as of a day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404

from bottomline.engine.models import Current
from bottomline.feeds.tests.conftest import filled, load
from bottomline.insurance import figures
from bottomline.insurance.models import Claim, ClaimStatus, Origin, PayoutRule, Policy
from bottomline.insurance.selectors import covered_households, policies_covering, policy_get
from bottomline.insurance.services import (
    claim_assess,
    claim_pay,
    claim_record,
    claim_withdraw,
    claims_from_medical,
)
from bottomline.insurance.tests.conftest import FIRST, LAST, home, monitor
from bottomline.registry.models import IncomeRecord, ProgramIncome
from bottomline.registry.services import income_record
from bottomline.registry.tests.factories import id_number

pytestmark = pytest.mark.django_db


def _covered(user: Any, policy: Policy, on: date = date(2026, 6, 30)) -> set[int]:
    return set(covered_households(viewer=user, policy=policy, on=on).values_list("pk", flat=True))


def test_the_payout_rule_reproduces_the_seed_claim_of_19200_yuan() -> None:
    # Seed 001: Zhao Lan's household (uremia dialysis all year, then a lung operation) was paid 19,200 yuan.
    # Under a rule of 80 % above 3,000 yuan, that is a year's compliant out-of-pocket spending of 27,000 yuan.
    rule = PayoutRule(threshold=Decimal(3000), share=Decimal(80), cap=Decimal(100000))
    assert rule.payout(Decimal(27000)) == Decimal("19200.00")
    assert rule.payout(Decimal(2000)) == Decimal(0)
    assert rule.payout(Decimal(500000)) == Decimal(100000)  # capped


def test_the_covered_list_follows_the_rule(policy: Policy, personas: dict[str, Any], tree: Any) -> None:
    county, cadre = personas["county_officer"], personas["village_cadre"]
    poor = home(cadre, tree.village, wage="6000")  # lifted, 3,000 per head
    rich = home(cadre, tree.village, wage="30000")  # lifted, 15,000 per head
    ordinary = home(cadre, tree.village, wage="4000", household_type="ordinary")  # 2,000 a head
    elsewhere = home(personas["county_officer"], tree.other_township_village, wage="2000")
    assert _covered(county, policy) == {poor.pk, elsewhere.pk}
    assert _covered(cadre, policy) == {
        poor.pk
    }  # the cadre sees the county's policy, their village's households
    # The poor household's income rises above 5,000 a head: it drops out; the ordinary one becomes monitored.
    income_record(actor=cadre, household_id=poor.pk, period_start=FIRST, period_end=LAST, wage=Decimal(12000))
    monitor(ordinary, date(2026, 5, 10))
    assert _covered(county, policy) == {ordinary.pk, elsewhere.pk}
    assert _covered(county, policy, date(2026, 5, 9)) == {elsewhere.pk}  # as of a day before it was monitored
    assert _covered(county, policy, date(2025, 12, 31)) == set()  # before the policy's period
    assert rich.pk not in _covered(county, policy)
    assert [p.pk for p in policies_covering(viewer=cadre, household=ordinary, on=date(2026, 6, 30))] == [
        policy.pk
    ]


def test_gate_scopes(policy: Policy, personas: dict[str, Any], tree: Any, make_user: Any) -> None:
    other = make_user("county_officer", tree.other_county, username="other-county")
    with pytest.raises(Http404):
        policy_get(viewer=other, policy_id=policy.pk)
    assert policy_get(viewer=personas["village_cadre"], policy_id=policy.pk) == policy  # read below
    township, cadre = personas["township_officer"], personas["village_cadre"]
    mine = home(cadre, tree.village, wage="2000")
    far = home(personas["county_officer"], tree.other_township_village, wage="2000")
    claim = claim_record(
        actor=township,
        policy_id=policy.pk,
        household_id=mine.pk,
        trigger="disaster",
        occurred_on=date(2026, 6, 1),
        spending=Decimal(8000),
    )
    assert claim.claimed == Decimal("4000.00")
    with pytest.raises(Http404):  # township officers record claims in their township only
        claim_record(
            actor=township,
            policy_id=policy.pk,
            household_id=far.pk,
            trigger="disaster",
            occurred_on=date(2026, 6, 1),
            spending=Decimal(8000),
        )
    with pytest.raises(PermissionDenied):  # village cadres read
        claim_record(
            actor=cadre,
            policy_id=policy.pk,
            household_id=mine.pk,
            trigger="disaster",
            occurred_on=date(2026, 6, 1),
            spending=Decimal(1),
        )
    with pytest.raises(PermissionDenied):  # only county officers assess and pay
        claim_assess(actor=township, claim_id=claim.pk, approve=True)
    with pytest.raises(Http404):
        claim_assess(actor=other, claim_id=claim.pk, approve=True)
    with pytest.raises(ValidationError) as uncovered:
        claim_record(
            actor=township,
            policy_id=policy.pk,
            household_id=home(cadre, tree.village, wage="20000").pk,
            trigger="disaster",
            occurred_on=date(2026, 6, 1),
            spending=Decimal(1),
        )
    assert "household" in uncovered.value.message_dict
    with pytest.raises(ValidationError) as not_paid_for:
        claim_record(
            actor=township,
            policy_id=policy.pk,
            household_id=mine.pk,
            trigger="education",
            occurred_on=date(2026, 6, 1),
            spending=Decimal(1),
        )
    assert "trigger" in not_paid_for.value.message_dict


def test_claims_from_the_medical_feed_are_proposed_once(
    policy: Policy, personas: dict[str, Any], tree: Any, tmp_path: Path
) -> None:
    county, cadre = personas["county_officer"], personas["village_cadre"]
    sick_id, well_id, rich_id = id_number(sequence=11), id_number(sequence=12), id_number(sequence=13)
    sick = home(cadre, tree.village, wage="6000", ids=(sick_id,))
    well = home(cadre, tree.village, wage="6000", ids=(well_id,))
    rich = home(cadre, tree.village, wage="40000", ids=(rich_id,))

    def claim(number: str, who: str, amount: str, day: str = "2026-03-15") -> dict[str, str]:
        return {"id_number": who, "claim_number": number, "settled_on": day, "out_of_pocket": amount}

    rows = [
        claim("YB1", sick_id, "19000"),
        claim("YB2", sick_id, "4000", "2026-05-01"),
        claim("YB3", well_id, "2500"),  # below the threshold
        claim("YB4", rich_id, "50000"),  # not covered
    ]
    report = load(filled(tmp_path, "medical_claims", rows), "medical_claims", county)
    assert report.applied == 4
    first = claims_from_medical(actor=county, policy=policy)
    assert (first.proposed, first.updated) == (1, 0)
    proposed = Claim.objects.get()
    assert (proposed.household_id, proposed.origin, proposed.status) == (
        sick.pk,
        Origin.MEDICAL_FEED,
        "recorded",
    )
    assert (proposed.spending, proposed.claimed) == (Decimal("23000.00"), Decimal("16000.00"))
    again = claims_from_medical(actor=None, policy=policy)
    assert (again.proposed, again.updated, again.unchanged) == (0, 0, 1)
    # More spending comes in: the proposal not yet assessed follows it (27,000 yuan pays the seed's 19,200).
    load(filled(tmp_path, "medical_claims", [claim("YB5", sick_id, "4000", "2026-06-01")], name="more.csv"),
         "medical_claims", county)  # fmt: skip
    assert claims_from_medical(actor=county, policy=policy).updated == 1
    proposed.refresh_from_db()
    assert (proposed.spending, proposed.claimed) == (Decimal("27000.00"), Decimal("19200.00"))
    assert Claim.objects.count() == 1
    assert well.pk not in Claim.objects.values_list("household_id", flat=True)
    assert rich.pk not in Claim.objects.values_list("household_id", flat=True)


def test_a_payout_is_transfer_income_and_a_refusal_withdraws_it(
    policy: Policy, personas: dict[str, Any], tree: Any
) -> None:
    county, cadre = personas["county_officer"], personas["village_cadre"]
    zhao = home(cadre, tree.village, wage="6000")  # 3,000 a head: below the monitoring line
    assert "income_below_line" in Current.objects.get(household=zhao).codes
    claim = claim_record(
        actor=county,
        policy_id=policy.pk,
        household_id=zhao.pk,
        trigger="medical",
        occurred_on=date(2026, 4, 1),
        spending=Decimal(27000),
    )
    assert claim.claimed == Decimal("19200.00")
    with pytest.raises(ValidationError):
        claim_pay(actor=county, claim_id=claim.pk, paid_on=date(2026, 5, 1))  # not approved yet
    claim_assess(actor=county, claim_id=claim.pk, approve=True, on=date(2026, 4, 20))
    paid = claim_pay(actor=county, claim_id=claim.pk, paid_on=date(2026, 5, 1))
    assert (paid.status, paid.paid_amount) == (ClaimStatus.PAID, Decimal("19200.00"))
    record = IncomeRecord.objects.get(household=zhao)
    assert record.transfer == Decimal("19200.00")
    assert ProgramIncome.objects.get(source=f"insurance.claim:{claim.pk}").program == "insurance_claim"
    assert "income_below_line" not in Current.objects.get(household=zhao).codes  # the screening sees it
    assert zhao.pk not in _covered(county, policy)  # 12,600 a head now: above the policy's 5,000
    # Refused on review (the claim was not due): the payout leaves the income again.
    claim_assess(actor=county, claim_id=claim.pk, approve=False, reason="重复理赔")
    assert IncomeRecord.objects.get(household=zhao).transfer == Decimal(0)
    assert not ProgramIncome.objects.exists()
    assert "income_below_line" in Current.objects.get(household=zhao).codes


def test_a_withdrawn_payout_leaves_the_income(policy: Policy, personas: dict[str, Any], tree: Any) -> None:
    county, cadre = personas["county_officer"], personas["village_cadre"]
    found = home(cadre, tree.village, wage="6000")
    claim = claim_record(
        actor=county,
        policy_id=policy.pk,
        household_id=found.pk,
        trigger="disaster",
        occurred_on=date(2026, 3, 1),
        spending=Decimal(10000),
    )
    claim_assess(actor=county, claim_id=claim.pk, approve=True, amount=Decimal(4500), on=date(2026, 3, 5))
    claim_pay(actor=county, claim_id=claim.pk, paid_on=date(2026, 3, 10))
    assert IncomeRecord.objects.get(household=found).transfer == Decimal("4500.00")
    with pytest.raises(ValidationError):
        claim_withdraw(actor=county, claim_id=claim.pk, reason=" ")
    claim_withdraw(actor=county, claim_id=claim.pk, reason="保险公司追回")
    assert IncomeRecord.objects.get(household=found).transfer == Decimal(0)
    assert Claim.objects.get().status == ClaimStatus.WITHDRAWN


def test_figures_as_of_a_day(policy: Policy, personas: dict[str, Any], tree: Any) -> None:
    county, cadre = personas["county_officer"], personas["village_cadre"]
    a = home(cadre, tree.village, wage="6000", size=3)
    b = home(cadre, tree.village, wage="3000", size=1)
    home(cadre, tree.village, wage="90000")  # not covered

    def where(path: str) -> list[Q]:
        return [Q(**{f"{path}__range": tree.county.bounds})]

    april = figures.compute(where, date(2026, 4, 1), date(2026, 4, 30))[tree.village.code]
    assert (april["insurance_covered_hh"], april["insurance_covered_people"]) == (2, 4)
    assert april["insurance_paid_yuan"] == 0
    assert figures.compute(where, date(2025, 12, 1), date(2025, 12, 31)) == {}  # before the policy's period
    claim = claim_record(
        actor=county,
        policy_id=policy.pk,
        household_id=a.pk,
        trigger="medical",
        occurred_on=date(2026, 4, 1),
        spending=Decimal(27000),
    )
    claim_assess(actor=county, claim_id=claim.pk, approve=True, on=date(2026, 4, 20))
    claim_pay(actor=county, claim_id=claim.pk, paid_on=date(2026, 5, 1))

    may = figures.compute(where, date(2026, 5, 1), date(2026, 5, 31))[tree.village.code]
    # The payout lifted household a above 5,000 a head: only b is covered at May's end (the income is the
    # period's record as it stands: the registry keeps no history of its amounts).
    assert (may["insurance_covered_hh"], may["insurance_covered_people"]) == (1, 1)
    assert (may["insurance_claims_paid"], may["insurance_paid_hh"], may["insurance_paid_people"]) == (1, 1, 3)
    assert may["insurance_paid_yuan"] == 19200
    paid = figures.drill(where, date(2026, 5, 1), date(2026, 5, 31), "insurance_paid_hh")
    assert [pk for _v, _n, pk in paid] == [a.pk]
    covered = figures.drill(where, date(2026, 5, 1), date(2026, 5, 31), "insurance_covered_hh")
    assert [pk for _v, _n, pk in covered] == [b.pk]
    assert (
        figures.compute(where, date(2026, 6, 1), date(2026, 6, 30))[tree.village.code]["insurance_paid_yuan"]
        == 0
    )
