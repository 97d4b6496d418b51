"""The mutual-aid figures read only the loans with principal outstanding at the day's end: a settled loan counts
in no figure (its balance is zero in ``ledger.loan_state``), and reading the repayments of years of settled
lending took most of a county's figures as of a day (1.0 of 2.4 s on the demo county)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from bottomline.dashboards.compute import Period, Scope, figures_compute_range
from bottomline.mutualaid import services
from bottomline.mutualaid.figures import _states
from bottomline.mutualaid.tests.fixtures import fund, lend

pytestmark = pytest.mark.django_db


def test_settled_loans_are_not_read_and_count_in_no_figure(tree: Any, personas: dict[str, Any]) -> None:
    county = personas["county_officer"]
    mine = fund(county, tree.village)
    settled = lend(county, mine["association"], mine["homes"][0], amount=Decimal(3000))
    owing = lend(county, mine["association"], mine["homes"][1], amount=Decimal(5000))
    services.repayment_record(
        actor=county, loan_id=settled.pk, on=date(2025, 9, 1), principal=Decimal(3000), fee=Decimal(180)
    )
    services.repayment_record(
        actor=county, loan_id=owing.pk, on=date(2025, 9, 1), principal=Decimal(1000), fee=Decimal(0)
    )
    where = Scope(bounds=tree.county.bounds).filters
    before = _states(where, date(2025, 8, 31))  # both still owing then
    assert sorted(loan.pk for loan, _state in before) == sorted([settled.pk, owing.pk])
    after = _states(where, date(2025, 12, 31))
    assert [(loan.pk, state.balance) for loan, state in after] == [(owing.pk, Decimal(4000))]
    figures = figures_compute_range(
        bounds=tree.county.bounds, period=Period(date(2025, 12, 1), date(2025, 12, 31))
    )
    assert (figures["mutualaid_loans_hh"], figures["mutualaid_outstanding_yuan"]) == (1, 4000)
