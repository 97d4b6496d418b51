"""In Chromium: a township officer records points for a household at a supermarket and then its redemptions on
the pages; the balance shows after each, and a redemption beyond it is refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from bottomline.web.tests.browser import SHOTS, Tab, open_tab
from conftest import PASSWORD


@pytest.fixture(autouse=True)
def _today() -> Any:  # the real day here: the browser's cookies follow the real clock
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
def test_a_township_officer_records_points_and_redemptions(
    browser: Any, live_server: Any, shop: dict[str, Any]
) -> None:
    today = timezone.localdate().isoformat()
    market, number = shop["market"], shop["mine"].number
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = _sign_in(browser, live_server.url, "township_officer").page
    page.goto(f"{live_server.url}/points/")
    with page.expect_navigation():
        page.click(f"text={market.name}")
    with page.expect_navigation():
        page.click("#record")
    for _n in range(3):  # three clean yards: 30 points
        page.fill("[name=number]", number)
        page.select_option("[name=rule]", str(shop["clean"].pk))
        page.fill("[name=on]", today)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
    assert f"household {number} has 30 points" in page.locator("body").inner_text()
    page.goto(f"{live_server.url}/points/{market.pk}/redeem/")
    page.fill("[name=number]", number)
    page.select_option("[name=goods]", str(shop["soap"].pk))
    page.fill("[name=quantity]", "4")
    page.fill("[name=on]", today)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert f"household {number} has 10 points left" in page.locator("body").inner_text()
    page.fill("[name=number]", number)  # three more soaps would need 15 points: refused
    page.select_option("[name=goods]", str(shop["soap"].pk))
    page.fill("[name=quantity]", "3")
    page.fill("[name=on]", today)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "not enough points" in page.locator("main").inner_text()
    page.goto(f"{live_server.url}/points/{market.pk}/?number={number}")
    assert page.locator("#balances .balance").first.inner_text() == "10"
    assert "肥皂" in page.locator("#redemptions").inner_text()
    page.screenshot(path=str(SHOTS / "points-supermarket.png"), full_page=True)
