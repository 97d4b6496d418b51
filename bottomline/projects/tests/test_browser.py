"""In Chromium: a county officer enters a project on the pages, moves it to implementation and records a
disbursement; money beyond the budget is refused on the page."""

from __future__ import annotations

from typing import Any

import pytest

from bottomline.projects.models import Disbursement, Project
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
def test_the_county_enters_a_project_and_its_disbursement(
    browser: Any, live_server: Any, tree: Any, personas: dict[str, Any]
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = _sign_in(browser, live_server.url, "county_officer").page
    page.goto(f"{live_server.url}/projects/")
    with page.expect_navigation():
        page.click("#project-new")
    page.fill("[name=name]", "永丰村牛羊育肥基地")
    page.fill("[name=code]", "HZ-B-001")
    page.select_option("[name=region]", tree.township.code)
    page.select_option("[name=site]", tree.village.code)
    page.select_option("[name=kind]", "industry")
    page.fill("[name=budget_central]", "500000")
    page.fill("[name=budget_east_west]", "100000")
    with page.expect_navigation():
        page.click("#project-form button[type=submit]")
    project = Project.objects.get(code="HZ-B-001")
    assert page.url == f"{live_server.url}/projects/{project.pk}/"
    for stage in ("reviewed", "listed", "implementing"):
        page.select_option("#stage-form [name=to]", stage)
        with page.expect_navigation():
            page.click("#stage-form button[type=submit]")
    assert page.locator("#project-stage").inner_text() == "Being implemented"
    page.select_option("#disburse-form [name=source]", "central")
    page.fill("#disburse-form [name=amount]", "300000")
    page.fill("#disburse-form [name=reference]", "V-2026-01")
    with page.expect_navigation():
        page.click("#disburse-form button[type=submit]")
    assert "300000.00" in page.locator("#disbursements").inner_text()
    assert "200000.00" in page.locator("#money").inner_text()  # left of the central budget
    # More than the rest of the budget is refused, and nothing is written.
    page.select_option("#disburse-form [name=source]", "central")
    page.fill("#disburse-form [name=amount]", "200000.01")
    with page.expect_navigation():
        page.click("#disburse-form button[type=submit]")
    assert "beyond the budget" in page.locator("#disburse-form").inner_text()
    assert Disbursement.objects.count() == 1
    page.screenshot(path=str(SHOTS / "projects-detail.png"), full_page=True)
