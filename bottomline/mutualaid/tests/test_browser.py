"""In Chromium: a township officer records a mutual-aid loan and a repayment on the pages, and a repayment beyond
what is owed is refused there; the balance sheet moves with them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from bottomline.mutualaid.models import Loan, Repayment
from bottomline.mutualaid.selectors import sheets_of
from bottomline.mutualaid.tests.fixtures import fund
from bottomline.web.tests.browser import SHOTS, Tab, open_tab
from conftest import PASSWORD


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
def test_a_township_officer_records_a_loan_and_a_repayment(
    browser: Any, live_server: Any, tree: Any, personas: dict[str, Any]
) -> None:
    made = fund(personas["county_officer"], tree.village)
    association, home = made["association"], made["homes"][0]
    today = timezone.localdate().isoformat()
    SHOTS.mkdir(parents=True, exist_ok=True)

    officer = _sign_in(browser, live_server.url, "township_officer")
    page = officer.page
    page.goto(f"{live_server.url}/mutualaid/")
    with page.expect_navigation():
        page.click(f"text={association.name}")
    with page.expect_navigation():
        page.click("#loan-new")
    page.fill("[name=number]", home.number)
    page.fill("[name=loan_number]", "YF-2026-001")
    page.fill("[name=amount]", "6000")
    page.fill("[name=term_months]", "12")
    page.select_option("[name=purpose]", "livestock")
    page.fill("[name=disbursed_on]", today)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    loan = Loan.objects.get(number="YF-2026-001")
    assert page.url.endswith(f"/mutualaid/loans/{loan.pk}/")
    assert "6000.00" in page.locator("#loan-balance").inner_text()

    page.fill("[name=on]", today)
    page.fill("[name=principal]", "6000.01")
    page.fill("[name=fee]", "0")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    refused = " ".join(page.locator("main form [role=alert]").all_inner_texts())
    assert "more principal than the loan's amount" in refused  # beyond what is owed
    page.fill("[name=principal]", "2000")
    page.fill("[name=fee]", "120")
    page.fill("[name=reference]", "SJ-0001")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url.endswith(f"/mutualaid/loans/{loan.pk}/")
    assert "4000.00" in page.locator("#loan-balance").inner_text()
    assert "SJ-0001" in page.locator("#repayments").inner_text()
    page.screenshot(path=str(SHOTS / "mutualaid-loan.png"), full_page=True)

    page.goto(f"{live_server.url}/mutualaid/{association.pk}/")
    assert "4000.00" in page.locator("#sheet-outstanding").inner_text()
    page.screenshot(path=str(SHOTS / "mutualaid-association.png"), full_page=True)

    assert list(Repayment.objects.values_list("principal", "fee")) == [(Decimal(2000), Decimal(120))]
    sheet = sheets_of([association.pk], timezone.localdate())[association.pk]
    assert sheet.outstanding == Decimal(4000) and sheet.cash == sheet.capital + Decimal(120) - Decimal(4000)
    assert officer.errors == []
