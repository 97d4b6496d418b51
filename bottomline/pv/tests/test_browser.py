"""In Chromium: the county officer records a station's month, distributes the year's income and gives a post to a
member who can work; the village cadre sees the post on the household's page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from bottomline.pv import services
from bottomline.pv.models import Allocation, Assignment, StationMonth
from bottomline.registry.tests.factories import household, id_number, member
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
def test_the_county_records_distributes_and_assigns_and_the_cadre_sees_the_post(
    browser: Any, live_server: Any, tree: Any, personas: dict[str, Any]
) -> None:
    county = personas["county_officer"]
    today = timezone.localdate()
    month = date(today.year, today.month, 1)
    station = services.station_register(
        actor=county, name="永丰村光伏扶贫电站", village=tree.village, capacity_kw=Decimal(300),
        grid_date=date(2024, 1, 1), owner="村集体", grid_account="PV630106100201",
    )  # fmt: skip
    post = services.post_create(
        actor=county, village=tree.village, kind="cleaner", funding="pv_income", monthly_pay=Decimal(500),
        start=month,
    )  # fmt: skip
    home = household(county, tree.village)
    member(county, home, id_number(sequence=1), name="王建国")
    member(
        county,
        home,
        id_number(birth=date(1940, 1, 1), sequence=2),
        name="李秀英",
        relation="spouse",
        labour="lost",
    )
    SHOTS.mkdir(parents=True, exist_ok=True)

    officer = _sign_in(browser, live_server.url, "county_officer")
    page = officer.page
    page.goto(f"{live_server.url}/pv/stations/")
    page.click("text=永丰村光伏扶贫电站")
    page.click("text=Record a month")
    page.fill("[name=month]", f"{month:%Y-%m}")
    page.fill("[name=generation_kwh]", "15000")
    page.fill("[name=income]", "11200")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/pv/stations/{station.pk}/")
    assert "11200" in page.locator("#months").inner_text()
    page.screenshot(path=str(SHOTS / "pv-station.png"), full_page=True)

    page.goto(f"{live_server.url}/pv/distributions/?year={month.year}")
    page.click(f"text={tree.village.name}")
    page.select_option("[name=purpose]", "posts")
    page.fill("[name=amount]", "6000")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "6000" in page.locator("#allocations").inner_text()
    # More than the rest of the village's income is refused on the page.
    page.select_option("[name=purpose]", "awards")
    page.fill("[name=amount]", "5200.01")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator(".invalid-feedback, .alert-danger").count() > 0
    page.screenshot(path=str(SHOTS / "pv-distribution.png"), full_page=True)

    page.goto(f"{live_server.url}/pv/posts/{post.pk}/")
    with page.expect_navigation():
        page.click("text=Assign")
    options = page.locator("[name=member] option").all_inner_texts()
    assert any("王建国" in o for o in options) and not any("李秀英" in o for o in options)
    page.select_option("[name=member]", label=next(o for o in options if "王建国" in o))
    page.fill("[name=start]", month.isoformat())
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/pv/posts/{post.pk}/")

    cadre = _sign_in(browser, live_server.url, "village_cadre")
    cadre.page.goto(f"{live_server.url}/registry/households/{home.pk}/")
    line = cadre.page.locator("#household-programs").inner_text()
    assert "王建国" in line and "Village cleaner" in line
    cadre.page.screenshot(path=str(SHOTS / "pv-household.png"), full_page=True)

    assert StationMonth.objects.get().income == Decimal(11200)
    assert list(Allocation.objects.values_list("amount", flat=True)) == [Decimal(6000)]
    assert Assignment.objects.get().member.name == "王建国"
    assert officer.errors == [] and cadre.errors == []
