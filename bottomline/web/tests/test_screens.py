"""In a real browser (Debian's Chromium driven by Playwright): a county officer signs in, in Chinese and in
English; the pages load their styles, run no inline script, and log no error. Screenshots go to
docs/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest

from bottomline.web.tests.browser import SHOTS, Tab, open_tab
from conftest import PASSWORD


@pytest.fixture
def tab(browser: Any) -> Tab:
    return open_tab(browser)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_county_officer_signs_in_in_both_languages(
    tab: Tab, live_server: Any, personas: dict[str, Any]
) -> None:
    page = tab.page
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/account/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.screenshot(path=str(SHOTS / "login-zh.png"), full_page=True)
    page.fill("#id_auth-username", "county_officer")
    page.fill("#id_auth-password", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(f"{live_server.url}/")
    assert "湟中区" in page.content()
    assert "待办事项" in page.content()
    navbar = page.evaluate("getComputedStyle(document.querySelector('.navbar')).backgroundColor")
    assert navbar not in ("rgba(0, 0, 0, 0)", "transparent")  # Bootstrap's stylesheet loaded
    page.screenshot(path=str(SHOTS / "home-zh.png"), full_page=True)

    page.select_option("#language", "en")  # choosing changes nothing until the button is pressed
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.click("#language-submit")
    page.wait_for_load_state("load")
    page.wait_for_selector("html[lang=en]", state="attached")
    assert "Work queue" in page.content()
    page.screenshot(path=str(SHOTS / "home-en.png"), full_page=True)
    assert tab.errors == []
