"""The farmer declares on a 390×844 phone in Chromium, in Chinese and in English (issue #15 item 12): every
button, field and link is at least 44 px each way, the photo taken is downsized to a JPEG of at most 1600 px
before it is sent, and the receipt page asks to keep a screenshot of the receipt number."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from bottomline.portal.models import Declaration
from bottomline.registry.tests.factories import id_number
from bottomline.web.tests.browser import SHOTS, Tab, open_tab

PHONE = {"width": 390, "height": 844}
TARGET = 44  # px, each way (WCAG 2.5.5)

# Every visible control a finger presses that is smaller than TARGET: [what, width, height].
SMALL_TARGETS = """(target) => {
  const small = [];
  for (const element of document.querySelectorAll("a, button, input, select, textarea, label.btn")) {
    if (element.type === "hidden" || element.closest(".portal-hp")) continue;  // the honeypot: never seen
    if (element.classList.contains("visually-hidden")) continue;  // pressed through its label.btn
    const box = element.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // not shown
    if (box.width < target - 0.5 || box.height < target - 0.5) {
      const name = element.id || element.name || element.textContent.trim().slice(0, 20);
      small.push([element.tagName.toLowerCase() + " " + name, Math.round(box.width), Math.round(box.height)]);
    }
  }
  return small;
}"""

# Elements that reach past the right edge of the screen (a page must not scroll sideways).
WIDE = """() => Array.from(document.querySelectorAll("body *"))
  .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5
    || e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === "visible")
  .map((e) => e.tagName.toLowerCase() + "#" + e.id + "." + e.className + " " + e.scrollWidth + ">" + e.clientWidth)"""

# What the photo input will send once the page's script has downsized it: [type, width, height].
SENT_PHOTO = """async (selector) => {
  const file = document.querySelector(selector).files[0];
  const bitmap = await createImageBitmap(file);
  return [file.type, bitmap.width, bitmap.height, file.size];
}"""


def camera_photo(path: Path, width: int = 2400, height: int = 1800) -> Path:
    """A PNG of noise as large as a phone camera's picture (12 MB: refused unless the page downsizes it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    noise = os.urandom(width * 3)
    rows = b"".join(b"\x00" + noise[(y * 7) % width :] + noise[: (y * 7) % width] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + data)
    return path


TEXTS = {
    "zh-CN": {"photo": "困难情况的照片", "screenshot": "截图", "language": "zh-hans"},
    "en-US": {"photo": "A photo of the hardship", "screenshot": "screenshot", "language": "en"},
}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_farmer_declares_with_a_photo_on_a_phone(
    browser: Any, live_server: Any, tree: Any, tmp_path: Path, settings: Any, locale: str
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    texts = TEXTS[locale]
    tab: Tab = open_tab(browser, width=PHONE["width"], height=PHONE["height"], locale=locale)
    page = tab.page
    page.goto(f"{live_server.url}/declare/?v={tree.village.code}")  # the poster's QR link
    assert page.locator("html").get_attribute("lang") == texts["language"]
    assert texts["photo"] in page.locator("#photo-field").inner_text()
    assert page.evaluate(SMALL_TARGETS, TARGET) == []
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"], page.evaluate(WIDE)

    number = id_number(sequence=71 if locale == "zh-CN" else 72)
    page.fill("[name=name]", "李秀英")
    page.fill("[name=phone]", "13912345678")
    page.fill("[name=id_number]", number)
    page.select_option("[name=risk_type]", "housing_safety")
    page.fill("[name=description]", "房子漏雨" if locale == "zh-CN" else "The roof leaks")
    page.set_input_files("#id_photo", str(camera_photo(tmp_path / "IMG_0001.png")))
    page.wait_for_selector("#id_photo[data-compressed]", state="attached")
    page.wait_for_selector("#photo-preview:not([hidden])")
    kind, width, height, size = page.evaluate(SENT_PHOTO, "#id_photo")
    assert kind == "image/jpeg" and max(width, height) <= 1600 and size < 10 * 1024 * 1024, (
        kind,
        width,
        size,
    )
    page.check("[name=consent]")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"portal-declare-phone-{texts['language']}.png"), full_page=True)
    page.click("#declare-submit")

    page.wait_for_selector("#receipt")
    receipt = page.locator("#receipt").inner_text().strip().replace("-", "")
    keep = page.locator("#keep-screenshot").inner_text()
    assert texts["screenshot"] in keep.lower()
    assert page.evaluate(SMALL_TARGETS, TARGET) == []
    page.screenshot(path=str(SHOTS / f"portal-receipt-phone-{texts['language']}.png"), full_page=True)

    declared = Declaration.objects.get(receipt=receipt)
    assert declared.language == texts["language"]
    with declared.photo.open("rb") as handle:
        assert handle.read(3) == b"\xff\xd8\xff"  # the JPEG the page made, kept sealed
    assert tab.errors == []
