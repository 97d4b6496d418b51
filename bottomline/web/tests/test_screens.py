"""In a real browser (Debian's Chromium driven by Playwright): a county officer signs in, in Chinese and in
English; the pages load their styles, run no inline script, and log no error. Screenshots go to
docs/screenshots/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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


@pytest.fixture
def page(live_server: Any) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        message = f"Chromium is not installed at {CHROMIUM} (scripts/setup.sh installs it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        tab = context.new_page()
        tab.errors = []  # type: ignore[attr-defined]
        tab.on("console", lambda m: m.type == "error" and tab.errors.append(m.text))  # type: ignore[attr-defined]
        tab.on("pageerror", lambda e: tab.errors.append(str(e)))  # type: ignore[attr-defined]
        yield tab
        browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_county_officer_signs_in_in_both_languages(
    page: Any, live_server: Any, personas: dict[str, Any]
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/account/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.screenshot(path=str(SHOTS / "login-zh.png"), full_page=True)
    page.fill("#id_auth-username", "county_officer")
    page.fill("#id_auth-password", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(f"{live_server.url}/")
    assert "湟中区" in page.content()
    assert "工作队列" in page.content() or "待办" in page.content()
    navbar = page.evaluate("getComputedStyle(document.querySelector('nav.navbar')).backgroundColor")
    assert navbar not in ("rgba(0, 0, 0, 0)", "transparent")  # Bootstrap's stylesheet loaded
    page.screenshot(path=str(SHOTS / "home-zh.png"), full_page=True)

    page.select_option("#language", "en")
    page.wait_for_load_state("load")
    page.wait_for_selector("html[lang=en]", state="attached")
    assert "Work queue" in page.content()
    page.screenshot(path=str(SHOTS / "home-en.png"), full_page=True)
    assert page.errors == []  # type: ignore[attr-defined]
