"""Debian's Chromium driven by Playwright, for the browser tests (the `browser` fixture is in conftest.py)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Error, sync_playwright

# Screenshots go to a scratch folder, so a test run leaves the work tree clean; to refresh docs/screenshots run
# the browser tests with BOTTOMLINE_SCREENSHOTS=docs/screenshots.
SHOTS = Path(
    os.environ.get("BOTTOMLINE_SCREENSHOTS") or Path(tempfile.gettempdir()) / "bottomline-screenshots"
)
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
        self.errors.append(f"{error}\n{error.stack or ''}")  # the script's stack says where


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium; a missing one skips the test, or fails it under CI=true."""
    if not Path(CHROMIUM).exists():
        message = f"Chromium is not installed at {CHROMIUM} (scripts/setup.sh installs it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_tab(browser: Any, *, width: int = 1280, height: int = 800, locale: str = "zh-CN") -> Tab:
    """A new page in its own context (its own sign-in), logging console errors."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    tab = Tab(context.new_page())
    tab.page.on("console", tab.log_console)
    tab.page.on("pageerror", tab.log_error)
    return tab
