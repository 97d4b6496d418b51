"""An accessibility check on every page (issue #15, Acceptance): the pages of the other-language walk
(test_other_language.page_urls), each opened in Chromium by the first role that may see it, must have

- an accessible name for every form control (a label, aria-label, aria-labelledby or title);
- text contrast of at least 4.5:1 for visible text of normal size (under 24 px, or 18.66 px bold), computed in
  the page from the computed colours of the text and of the backgrounds behind it (text over an image or a
  gradient, and text of disabled controls, are not checked);
- one h1, and no heading more than one level below the one before it.
"""

from __future__ import annotations

from pathlib import Path
from pprint import pformat
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Error

from bottomline.accounts.tests.test_permission_matrix import world_make
from bottomline.web.tests.browser import open_tab
from bottomline.web.tests.test_other_language import page_urls

# Parts of a page that htmx fetches and puts in place (a job's progress, the region picker): no page of their own.
FRAGMENTS = {"jobs:progress", "portal:picker", "regions:picker"}

CHECK = """() => {
  const problems = [];
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.name ? "[name=" + el.name + "]" : "") + (el.className && typeof el.className === "string" ?
    "." + el.className.trim().split(/\\s+/).slice(0, 2).join(".") : "");

  // Every form control has an accessible name.
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (["hidden", "submit", "button", "reset", "image"].includes(el.type)) continue;
    if (getComputedStyle(el).display === "none") continue;  // kept out of the accessibility tree on purpose
    const named = (l) => l.textContent.trim() || Array.from(l.querySelectorAll("img[alt]")).some((i) => i.alt.trim());
    const labelled = (el.labels && Array.from(el.labels).some(named)) ||
      (el.getAttribute("aria-label") || "").trim() || (el.getAttribute("title") || "").trim() ||
      (el.getAttribute("aria-labelledby") || "").split(/\\s+/).some((id) => {
        const named = id && document.getElementById(id);
        return named && named.textContent.trim();
      });
    if (!labelled) problems.push("no label: " + describe(el));
  }

  // One h1, no skipped levels.
  const headings = Array.from(document.querySelectorAll("h1, h2, h3, h4, h5, h6"));
  const ones = headings.filter((h) => h.tagName === "H1").length;
  if (ones !== 1) problems.push(ones + " h1 headings");
  let previous = 0;
  for (const h of headings) {
    const level = Number(h.tagName[1]);
    if (previous && level > previous + 1) problems.push("h" + previous + " then h" + level + ": " + h.textContent.trim().slice(0, 30));
    previous = level;
  }

  // Contrast of visible text.
  const parse = (css) => {
    const m = css.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const parts = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  };
  const over = (top, below) => [0, 1, 2].map((i) => top[i] * top[3] + below[i] * (1 - top[3])).concat([1]);
  const background = (el) => {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.backgroundImage !== "none") return null;
      const colour = parse(style.backgroundColor);
      if (colour && colour[3] > 0) { layers.push(colour); if (colour[3] >= 1) break; }
    }
    let result = [255, 255, 255, 1];
    for (const layer of layers.reverse()) result = over(layer, result);
    return result;
  };
  const channel = (v) => { const c = v / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const luminance = (c) => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || seen.has(el) || !node.textContent.trim()) continue;
    seen.add(el);
    if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
    if (el.closest("[disabled], .disabled, [aria-disabled=true], script, style, noscript, template")) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width < 2 || rect.height < 2 || el.closest(".visually-hidden")) continue;
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize);
    if (size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700)) continue;
    const back = background(el);
    const fore = parse(style.color);
    if (!back || !fore) continue;
    const text = over(fore, back);
    const [light, dark] = [luminance(text), luminance(back)].sort((a, b) => b - a);
    const ratio = (light + 0.05) / (dark + 0.05);
    if (ratio < 4.5) problems.push("contrast " + ratio.toFixed(2) + ": " + describe(el) + " \\"" + node.textContent.trim().slice(0, 20) + "\\"");
  }
  return problems;
}"""


@pytest.mark.browser
def test_the_check_finds_what_it_looks_for(browser: Any) -> None:
    tab = open_tab(browser)
    tab.page.set_content(
        "<body style='background:#fff'><h1>Title</h1><h3>Skipped</h3><p style='color:#999'>faint text</p>"
        "<p style='color:#595959'>dark enough</p><label for='a'>Name</label><input id='a'><input id='b'>"
        "<div style='background:rgba(0,0,0,.5)'><span style='color:#777'>on grey</span></div></body>"
    )
    problems = tab.page.evaluate(CHECK)
    assert "no label: input#b" in problems and not any("input#a" in p for p in problems)
    assert "h1 then h3: Skipped" in problems
    assert any(p.startswith("contrast 2.85") and "faint" in p for p in problems), problems
    assert any("on grey" in p for p in problems) and not any("dark enough" in p for p in problems)


@pytest.fixture
def world(tree: Any, personas: dict[str, Any], settings: Any, tmp_path: Path) -> dict[str, Any]:
    """The permission matrix's world, committed: the live server's thread reads it."""
    settings.MEDIA_ROOT = tmp_path  # attachments made here stay out of var/media
    settings.HEALTH_SCREENING_HOURS = 0  # as the matrix's: /health/ does not check the last screening's age
    return world_make(tree, personas)


@pytest.mark.onedb
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_is_accessible(browser: Any, live_server: Any, world: dict[str, Any]) -> None:
    personas = world["personas"]
    tabs: dict[str, Any] = {}
    found: dict[str, list[str]] = {}
    opened = 0
    for key, url, roles in page_urls(world):
        if not roles or key in FRAGMENTS:
            continue
        role = roles[0]
        if role not in tabs:
            client = Client()
            client.force_login(personas[role])
            tab = open_tab(browser, width=1366, height=768)
            tab.page.context.add_cookies(
                [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
            )
            tabs[role] = tab
        page = tabs[role].page
        try:
            response = page.goto(f"{live_server.url}{url}")
        except Error:  # a download (an export), not a page
            continue
        if (
            response is None
            or response.status != 200
            or "text/html" not in response.headers.get("content-type", "")
        ):
            continue
        opened += 1
        problems = page.evaluate(CHECK)
        if problems:
            found[f"{key} ({role})"] = sorted(set(problems))
    assert opened > 50
    assert not found, pformat(found, width=116)
