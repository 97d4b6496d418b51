"""In Chromium: the county officer approves and pays a claim of 19,200 yuan (seed 001); the payout shows on the
monitoring case's page and in the household's income."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from bottomline.insurance.models import Policy
from bottomline.insurance.services import claim_record
from bottomline.insurance.tests.conftest import home, monitor
from bottomline.registry.models import IncomeRecord
from bottomline.web.tests.browser import SHOTS, Tab, open_tab
from conftest import PASSWORD


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:  # the live server runs on the real clock (not the ledger tests' day)
    yield


def _sign_in(browser: Any, url: str, who: str) -> Tab:
    tab = open_tab(browser, locale="en-US")
    tab.page.goto(f"{url}/account/login/")
    tab.page.fill("#id_auth-username", who)
    tab.page.fill("#id_auth-password", PASSWORD)
    tab.page.locator("main form button[type=submit]").first.click()
    tab.page.wait_for_url(f"{url}/")
    return tab


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_claim_pays_out_and_shows_on_the_case_page(
    browser: Any, live_server: Any, tree: Any, personas: dict[str, Any], policy: Policy
) -> None:
    county = personas["county_officer"]
    today = timezone.localdate()
    Policy.objects.filter(pk=policy.pk).update(start=date(today.year, 1, 1), end=date(today.year, 12, 31))
    zhao = home(county, tree.village, wage="6000", year=today.year)
    case = monitor(zhao, date(today.year, 1, 1))
    claim_record(
        actor=county,
        policy_id=policy.pk,
        household_id=zhao.pk,
        trigger="medical",
        occurred_on=min(date(today.year, 1, 20), today),
        spending=Decimal(27000),
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    officer = _sign_in(browser, live_server.url, "county_officer")
    page = officer.page
    page.goto(f"{live_server.url}/insurance/claims/")
    with page.expect_navigation():
        page.click(f"text={zhao.number}")
    assert "19200.00" in page.locator("main").inner_text()
    page.select_option("#assess [name=decision]", "approve")
    page.fill("#assess [name=on]", today.isoformat())
    with page.expect_navigation():
        page.click("#assess button[type=submit]")
    assert "Approved, to pay" in page.locator("#claim-status").inner_text()
    page.fill("#pay [name=paid_on]", today.isoformat())
    with page.expect_navigation():
        page.click("#pay button[type=submit]")
    assert "Paid" in page.locator("#claim-status").inner_text()
    assert "19200.00" in page.locator("#claim-paid").inner_text()
    page.screenshot(path=str(SHOTS / "insurance-claim.png"), full_page=True)
    assert IncomeRecord.objects.get(household=zhao).transfer == Decimal("19200.00")

    page.goto(f"{live_server.url}/cases/{case.pk}/")
    programs = page.locator("#case-programs").inner_text()
    assert "Anti-poverty insurance claim" in programs and "19200.00" in programs
    page.screenshot(path=str(SHOTS / "insurance-case.png"), full_page=True)
