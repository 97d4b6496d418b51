"""In a real browser (Debian's Chromium driven by Playwright): a county officer signs in, in Chinese and in
English; the pages load their styles, run no inline script, and log no error. Screenshots go to
docs/screenshots/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Error, sync_playwright

from conftest import PASSWORD

SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without these Chromium keeps calling home, and this machine's closed network refuses it many times a second.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Tab:
    """A browser page and the errors it has logged."""

    page: Any
    errors: list[str] = field(default_factory=list)

    def log_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def log_error(self, error: Error) -> None:
        self.errors.append(str(error))


@pytest.fixture
def tab(live_server: Any) -> Iterator[Tab]:
    if not Path(CHROMIUM).exists():
        message = f"Chromium is not installed at {CHROMIUM} (scripts/setup.sh installs it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        opened = Tab(context.new_page())
        opened.page.on("console", opened.log_console)
        opened.page.on("pageerror", opened.log_error)
        yield opened
        browser.close()


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
    navbar = page.evaluate("getComputedStyle(document.querySelector('nav.navbar')).backgroundColor")
    assert navbar not in ("rgba(0, 0, 0, 0)", "transparent")  # Bootstrap's stylesheet loaded
    page.screenshot(path=str(SHOTS / "home-zh.png"), full_page=True)

    page.select_option("#language", "en")
    page.wait_for_load_state("load")
    page.wait_for_selector("html[lang=en]", state="attached")
    assert "Work queue" in page.content()
    page.screenshot(path=str(SHOTS / "home-en.png"), full_page=True)
    assert tab.errors == []
