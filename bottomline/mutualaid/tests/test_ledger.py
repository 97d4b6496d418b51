"""The fund's ledger: the balance sheet reconciles with the cash book after loans and repayments, the occupancy
rate, overdue as of a date, repayments never beyond what is owed, the fund's rules, the region gate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from bottomline.mutualaid import services
from bottomline.mutualaid.ledger import cash_on, loan_state
from bottomline.mutualaid.models import Repayment
from bottomline.mutualaid.selectors import cash_book, loan_get, sheets_of
from bottomline.mutualaid.tests.fixtures import fund, lend
from bottomline.registry.tests.factories import household

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 30)


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(TODAY, tick=False):
        yield


def _reconciles(association_id: int, on: date) -> Any:
    sheet = sheets_of([association_id], on)[association_id]
    # the two sides, and the balance sheet's cash against every cash movement of the records
    assert sheet.capital + sheet.fees_retained == sheet.outstanding + sheet.cash
    assert sheet.cash == cash_on(cash_book(association_id), on)
    assert sheet.capital == sheet.fiscal + sheet.shares + sheet.donations + sheet.fees_capital
    assert sheet.outstanding >= 0 and sheet.cash >= 0
    return sheet


def test_balance_sheet_reconciles_after_loans_and_repayments(personas: dict[str, Any], tree: Any) -> None:
    county = personas["county_officer"]
    made = fund(county, tree.village)
    association, (a, b) = made["association"], made["homes"]
    services.contribution_record(
        actor=county,
        association_id=association.pk,
        source="donation",
        amount=Decimal(10000),
        on=date(2024, 6, 1),
    )
    first = lend(county, association, a, amount=Decimal(8000))  # fee 480
    second = lend(county, association, b, amount=Decimal(6000), disbursed_on=date(2025, 9, 1), term_months=6)
    sheet = _reconciles(association.pk, date(2025, 9, 1))
    assert (sheet.fiscal, sheet.shares, sheet.donations, sheet.capital) == (
        Decimal(150000), Decimal(400), Decimal(10000), Decimal(160400)
    )  # fmt: skip
    assert (sheet.outstanding, sheet.cash) == (Decimal(14000), Decimal(146400))
    assert sheet.occupancy == round(14000 * 100 / 160400, 1)
    services.repayment_record(
        actor=county, loan_id=first.pk, on=date(2026, 3, 1), principal=Decimal(8000), fee=Decimal(480)
    )
    services.repayment_record(
        actor=county, loan_id=second.pk, on=date(2026, 2, 1), principal=Decimal(2000), fee=Decimal(100)
    )
    sheet = _reconciles(association.pk, TODAY)
    assert (sheet.fees_received, sheet.outstanding) == (Decimal(580), Decimal(4000))
    assert sheet.cash == Decimal(160400) + Decimal(580) - Decimal(4000)
    # fees turned into capital move no cash: capital up, retained fees down, cash the same
    services.contribution_record(
        actor=county, association_id=association.pk, source="fees", amount=Decimal(500), on=date(2026, 4, 1)
    )
    after = _reconciles(association.pk, TODAY)
    assert (after.capital, after.fees_retained, after.cash) == (Decimal(160900), Decimal(80), sheet.cash)
    with pytest.raises(ValidationError) as too_many_fees:
        services.contribution_record(
            actor=county,
            association_id=association.pk,
            source="fees",
            amount=Decimal(81),
            on=date(2026, 5, 1),
        )
    assert "amount" in too_many_fees.value.message_dict
    # as of a date before anything was lent: no loans, all cash
    early = _reconciles(association.pk, date(2024, 12, 31))
    assert (early.outstanding, early.occupancy) == (Decimal(0), 0.0)
    assert sheets_of([association.pk], date(2023, 12, 31))[association.pk].occupancy is None


def test_occupancy_rate(personas: dict[str, Any], tree: Any) -> None:
    county = personas["county_officer"]
    made = fund(county, tree.village, fiscal=Decimal(19600))  # capital 20,000 with the two shares
    association, (a, b) = made["association"], made["homes"]
    association.loan_limit = Decimal(10000)
    association.save()
    lend(county, association, a, amount=Decimal(10000))
    lend(county, association, b, amount=Decimal(5000))
    sheet = _reconciles(association.pk, TODAY)
    assert sheet.occupancy == 75.0 and sheet.cash == Decimal(5000)


def test_loans_only_to_members_within_ceiling_and_cash(personas: dict[str, Any], tree: Any) -> None:
    county = personas["county_officer"]
    made = fund(county, tree.village, fiscal=Decimal(7600))  # 8,000 of capital
    association, (a, b) = made["association"], made["homes"]
    outsider = household(county, tree.village)
    with pytest.raises(ValidationError) as not_member:
        lend(county, association, outsider)
    assert "household" in not_member.value.message_dict
    with pytest.raises(ValidationError) as before_joining:
        lend(county, association, a, disbursed_on=date(2024, 1, 9))
    assert "household" in before_joining.value.message_dict
    with pytest.raises(ValidationError) as ceiling:
        lend(county, association, a, amount=Decimal("10000.01"))
    assert "amount" in ceiling.value.message_dict
    with pytest.raises(ValidationError):
        lend(county, association, a, purpose="婚礼")
    lend(county, association, a, amount=Decimal(6000))
    with pytest.raises(ValidationError) as no_cash:
        lend(county, association, b, amount=Decimal(3000))
    assert "amount" in no_cash.value.message_dict
    # backdated before the first loan: still refused, as the later loan has the cash already
    with pytest.raises(ValidationError):
        lend(county, association, b, amount=Decimal(3000), disbursed_on=date(2025, 1, 1))
    with pytest.raises(ValidationError) as owing:
        lend(county, association, a, amount=Decimal(1000), disbursed_on=date(2025, 6, 1))
    assert "household" in owing.value.message_dict
    # a member owing cannot leave; one owing nothing leaves and its share is refunded
    with pytest.raises(ValidationError):
        services.member_leave(actor=county, membership_id=a.mutualaid_memberships.get().pk, left_on=TODAY)
    services.member_leave(actor=county, membership_id=b.mutualaid_memberships.get().pk, left_on=TODAY)
    sheet = _reconciles(association.pk, TODAY)
    assert (sheet.members, sheet.shares) == (1, Decimal(200))
    with pytest.raises(ValidationError):
        lend(county, association, b, amount=Decimal(100), disbursed_on=TODAY)  # not a member any more
    # a suspended association lends nothing
    services.association_status(actor=county, association_id=association.pk, status="suspended")
    with pytest.raises(ValidationError) as suspended:
        lend(county, association, a, amount=Decimal(100))
    assert "association" in suspended.value.message_dict


def test_repayment_beyond_owed_is_refused(personas: dict[str, Any], tree: Any) -> None:
    county = personas["county_officer"]
    made = fund(county, tree.village)
    loan = lend(county, made["association"], made["homes"][0])  # 5,000 for 12 months at 6 %: fee 300
    assert loan.fee_total == Decimal(300)
    for principal, fee, field in (
        (Decimal("5000.01"), Decimal(0), "principal"),
        (Decimal(0), Decimal("300.01"), "fee"),
    ):
        with pytest.raises(ValidationError) as refused:
            services.repayment_record(
                actor=county, loan_id=loan.pk, on=date(2025, 6, 1), principal=principal, fee=fee
            )
        assert field in refused.value.message_dict
    services.repayment_record(
        actor=county, loan_id=loan.pk, on=date(2025, 6, 1), principal=Decimal(3000), fee=Decimal(100)
    )
    with pytest.raises(ValidationError):
        services.repayment_record(
            actor=county, loan_id=loan.pk, on=date(2025, 7, 1), principal=Decimal("2000.01"), fee=Decimal(0)
        )
    for day, principal in (
        (date(2025, 2, 1), Decimal(1)),  # before the loan
        (date(2026, 7, 1), Decimal(1)),  # in the future
        (date(2025, 7, 1), Decimal(0)),  # nothing
        (date(2025, 7, 1), Decimal("-1")),  # negative
        (date(2025, 7, 1), Decimal("0.001")),  # below the fen
    ):
        with pytest.raises(ValidationError):
            services.repayment_record(
                actor=county, loan_id=loan.pk, on=day, principal=principal, fee=Decimal(0)
            )
    services.repayment_record(
        actor=county, loan_id=loan.pk, on=date(2026, 3, 1), principal=Decimal(2000), fee=Decimal(200)
    )
    state = loan_state(loan, Repayment.objects.filter(loan=loan), TODAY)
    assert (state.status, state.balance, state.owed) == ("repaid", Decimal(0), Decimal(0))
    with pytest.raises(ValidationError):
        services.repayment_record(
            actor=county, loan_id=loan.pk, on=TODAY, principal=Decimal("0.01"), fee=Decimal(0)
        )


def test_overdue_as_of_a_date(personas: dict[str, Any], tree: Any) -> None:
    county = personas["county_officer"]
    made = fund(county, tree.village)
    loan = lend(county, made["association"], made["homes"][0])  # due 2026-03-01
    paid = list(Repayment.objects.filter(loan=loan))
    assert loan_state(loan, paid, date(2025, 2, 28)).status == "not_yet"
    assert loan_state(loan, paid, date(2026, 3, 1)).status == "current"  # due today is not late yet
    late = loan_state(loan, paid, date(2026, 3, 31))
    assert (late.status, late.overdue_days, late.owed) == ("overdue", 30, Decimal(5300))
    services.repayment_record(
        actor=county, loan_id=loan.pk, on=date(2026, 4, 10), principal=Decimal(5000), fee=Decimal(0)
    )
    paid = list(Repayment.objects.filter(loan=loan))
    # the principal repaid, the fee not: still overdue, with no balance
    state = loan_state(loan, paid, TODAY)
    assert (state.status, state.balance, state.fee_owed, state.overdue_days) == (
        "overdue",
        Decimal(0),
        Decimal(300),
        121,
    )
    assert loan_state(loan, paid, date(2026, 4, 9)).balance == Decimal(
        5000
    )  # as of a day before the repayment


def test_gate_scopes(personas: dict[str, Any], tree: Any) -> None:
    county = personas["county_officer"]
    mine = fund(county, tree.village)
    other = fund(county, tree.other_township_village)
    loan = lend(county, mine["association"], mine["homes"][0])
    far = lend(county, other["association"], other["homes"][0])
    township = personas["township_officer"]
    # township officers keep their township's funds only
    lend(township, mine["association"], mine["homes"][1], amount=Decimal(1000))
    with pytest.raises(Http404):
        lend(township, other["association"], other["homes"][1], amount=Decimal(1000))
    with pytest.raises(Http404):
        services.association_create(
            actor=township,
            village_code=tree.other_township_village.code,
            name="x",
            founded_on=date(2024, 1, 1),
        )
    # village cadres record repayments in their village, nothing else
    cadre = personas["village_cadre"]
    services.repayment_record(
        actor=cadre, loan_id=loan.pk, on=date(2025, 6, 1), principal=Decimal(100), fee=Decimal(0)
    )
    with pytest.raises(Http404):
        services.repayment_record(
            actor=cadre, loan_id=far.pk, on=date(2025, 6, 1), principal=Decimal(100), fee=Decimal(0)
        )
    with pytest.raises(PermissionDenied):
        lend(cadre, mine["association"], mine["homes"][1], amount=Decimal(100))
    with pytest.raises(PermissionDenied):
        services.contribution_record(
            actor=cadre, association_id=mine["association"].pk, source="donation", amount=Decimal(1), on=TODAY
        )
    # higher levels and auditors read, and record nothing
    for role in ("province_officer", "auditor", "prefecture_officer"):
        assert loan_get(viewer=personas[role], loan_id=far.pk) == far
        with pytest.raises(PermissionDenied):
            services.repayment_record(
                actor=personas[role],
                loan_id=far.pk,
                on=date(2025, 6, 1),
                principal=Decimal(1),
                fee=Decimal(0),
            )
    with pytest.raises(Http404):
        loan_get(viewer=township, loan_id=far.pk)
    with pytest.raises(PermissionDenied):
        loan_get(viewer=personas["department_officer"], loan_id=loan.pk)


def test_one_association_per_village_and_households_of_its_village(
    personas: dict[str, Any], tree: Any
) -> None:
    county = personas["county_officer"]
    made = fund(county, tree.village)
    with pytest.raises(ValidationError):
        services.association_create(
            actor=county, village_code=tree.village.code, name="again", founded_on=TODAY
        )
    with pytest.raises(ValidationError):
        services.association_create(actor=county, village_code=tree.township.code, name="x", founded_on=TODAY)
    elsewhere = household(county, tree.sibling_village)
    with pytest.raises(ValidationError):
        services.member_join(
            actor=county, association_id=made["association"].pk, household_id=elsewhere.pk, share=Decimal(100),
            joined_on=TODAY,
        )  # fmt: skip
    with pytest.raises(ValidationError):
        services.member_join(
            actor=county, association_id=made["association"].pk, household_id=made["homes"][0].pk,
            share=Decimal(100), joined_on=TODAY,
        )  # fmt: skip
