"""The staff console on a 390×844 phone in Chinese (issue #15 items 1, 2 and 6): the navigation folds behind a
menu button, a village cadre is shown only what a cadre uses, lists read as cards without sideways scrolling, a
case opens on its next step, the sign-in is a plain form, the account menu leads to the password and the second
factor, and the header's colours contrast at least 4.5:1."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import call_command

from bottomline.monitoring.tests.factories import open_case, walk
from bottomline.monitoring.workflow import State
from bottomline.registry.tests.factories import household, id_number, member
from bottomline.web.tests.browser import SHOTS, Tab, open_tab
from conftest import PASSWORD

PHONE = {"width": 390, "height": 844}


def sign_in(tab: Tab, url: str, username: str) -> None:
    tab.page.goto(f"{url}/account/login/")
    tab.page.fill("#id_auth-username", username)
    tab.page.fill("#id_auth-password", PASSWORD)
    tab.page.click("#login-submit")
    tab.page.wait_for_url(f"{url}/")


def _channel(value: str) -> float:
    c = int(value) / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(css: str) -> float:
    red, green, blue = re.findall(r"\d+", css)[:3]
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast(foreground: str, background: str) -> float:
    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# The computed colour of an element and the first opaque background behind it.
COLOURS = """(selector) => {
  const element = document.querySelector(selector);
  let node = element, background = "rgba(0, 0, 0, 0)";
  while (node && node.nodeType === 1) {
    const colour = getComputedStyle(node).backgroundColor;
    if (colour !== "transparent" && !colour.startsWith("rgba(0, 0, 0, 0)")) { background = colour; break; }
    node = node.parentElement;
  }
  return [getComputedStyle(element).color, background, getComputedStyle(element).opacity];
}"""


@pytest.fixture
def phone(browser: Any) -> Tab:
    tab = open_tab(browser, width=PHONE["width"], height=PHONE["height"], locale="zh-CN")
    return tab


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sign_in_is_a_plain_form(phone: Tab, live_server: Any, personas: dict[str, Any]) -> None:
    page = phone.page
    page.goto(f"{live_server.url}/account/login/")
    text = page.locator("main").inner_text()
    for wizard in ("取消", "上一步", "下一步"):
        assert wizard not in text, wizard
    assert page.locator("main button[type=submit]").count() == 1
    assert page.locator("#login-submit").inner_text().strip() == "登录"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "login-phone-zh.png"), full_page=True)
    assert phone.errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_cadre_on_a_phone(phone: Tab, live_server: Any, personas: dict[str, Any], tree: Any) -> None:
    call_command("policy_seed", stdout=io.StringIO())
    cadre = personas["village_cadre"]
    for sequence in range(1, 4):
        home = household(cadre, tree.village)
        member(cadre, home, id_number(sequence=100 + sequence))
    case = walk(open_case(personas, tree.village), personas, State.MONITORED)
    page = phone.page
    sign_in(phone, live_server.url, "village_cadre")

    # The navigation folds behind the menu button: the header is one line.
    header = page.locator("#bl-header").bounding_box()
    assert header is not None and header["height"] < 120, header
    assert not page.locator("#bl-nav").is_visible()
    page.click("#bl-nav-toggle")
    page.wait_for_selector("#bl-nav.show")
    nav = page.locator("#bl-nav").inner_text()
    assert "监测户" in nav
    for label in ("政策参数", "规则筛查", "后台任务", "API 令牌"):
        assert label not in nav, label
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "phone-nav-zh.png"))
    page.click("#bl-nav-toggle")

    # The account menu: password change and the second factor, and no API tokens for a cadre.
    page.click("#account-menu")
    menu = page.locator(".dropdown-menu.show")
    assert "API 令牌" not in menu.inner_text()
    menu.get_by_role("link", name="修改密码").click()
    page.wait_for_url(f"{live_server.url}/account/password/")
    assert page.locator("main form").count() >= 1
    page.click("#account-menu")
    page.locator(".dropdown-menu.show").get_by_role("link", name="双因素身份验证").click()
    page.wait_for_url(f"{live_server.url}/account/two_factor/")

    # Lists are cards, no page scrolls sideways.
    for path, shot in (
        ("/registry/households/", "phone-households-zh.png"),
        ("/cases/?queue=monitored", "phone-cases-zh.png"),
    ):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"], path
        table = page.locator("main table").first
        assert "bl-cards" in (table.get_attribute("class") or ""), path
        assert page.locator("main table thead").first.is_hidden(), path
        cell = page.locator("main table tbody td[data-label]").first
        assert cell.get_attribute("data-label"), path
        width = cell.bounding_box()
        assert width is not None and width["width"] > 200, (
            path,
            width,
        )  # a card row, not a one-character column
        page.screenshot(path=str(SHOTS / shot), full_page=True)

    # A case opens on its next step.
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    actions = page.locator("#actions").bounding_box()
    assert actions is not None and actions["y"] < PHONE["height"], actions
    assert page.locator("#actions form, #no-actions").first.is_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    photo = page.locator("input[type=file]").first
    assert photo.get_attribute("capture") == "environment"
    assert "image/*" in (photo.get_attribute("accept") or "")
    page.screenshot(path=str(SHOTS / "phone-case-zh.png"))
    assert phone.errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_header_and_navigation_contrast(browser: Any, live_server: Any, personas: dict[str, Any]) -> None:
    tab = open_tab(browser, width=1280, height=800)
    sign_in(tab, live_server.url, "county_officer")
    page = tab.page
    for selector in (
        "#bl-header .navbar-brand",
        "#bl-header .bl-brand-sub",
        "#account-menu",
        "#language-submit",
        "#bl-nav .nav-link:not(.active)",
        "#bl-nav .nav-link.active",
    ):
        foreground, background, opacity = page.evaluate(COLOURS, selector)
        assert float(opacity) == 1, selector
        assert contrast(foreground, background) >= 4.5, (selector, foreground, background)
    assert tab.errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_language_changes_only_on_the_button(phone: Tab, live_server: Any, personas: dict[str, Any]) -> None:
    page = phone.page
    page.goto(f"{live_server.url}/account/login/")
    page.focus("#language")
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(300)
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.select_option("#language", "en")
    page.click("#language-submit")
    page.wait_for_selector("html[lang=en]", state="attached")
    assert page.locator("#login-submit").inner_text().strip() == "Sign in"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_photo_is_compressed_before_upload(phone: Tab, live_server: Any, personas: dict[str, Any]) -> None:
    """site.js redraws a large camera photo at most 1600 px on its long side before the form sends it."""
    page = phone.page
    page.goto(f"{live_server.url}/account/login/")
    size = page.evaluate(
        """async () => {
          const canvas = document.createElement("canvas");
          canvas.width = 4000; canvas.height = 3000;
          const context = canvas.getContext("2d");
          for (let i = 0; i < 4000; i += 7) { context.fillStyle = `hsl(${i % 360},80%,50%)`; context.fillRect(i, 0, 7, 3000); }
          const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
          const input = document.createElement("input");
          input.type = "file"; input.dataset.compress = "1600";
          document.querySelector("main").append(input);
          const transfer = new DataTransfer();
          transfer.items.add(new File([blob], "photo.png", { type: "image/png" }));
          input.files = transfer.files;
          input.dispatchEvent(new Event("change", { bubbles: true }));
          for (let i = 0; i < 100 && !input.dataset.compressed; i++) await new Promise((r) => setTimeout(r, 50));
          const file = input.files[0];
          const bitmap = await createImageBitmap(file);
          return [blob.size, file.size, file.type, file.name, bitmap.width, bitmap.height];
        }"""
    )
    original, compressed, kind, name, width, height = size
    assert kind == "image/jpeg" and name == "photo.jpg"
    assert (width, height) == (1600, 1200)
    assert compressed < original
