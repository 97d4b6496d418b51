"""Each role's daily work in Chromium (issue #15, Acceptance), in zh-Hans and in English: on a 390×844 phone the
village cadre registers a household with its members, reports a risk, takes the home visit with a photo of the
signed consent, adds a measure and records a follow-up; on a 1366×768 desktop the county approves and the
auditor filters the log. Screenshots go to docs/screenshots/ when BOTTOMLINE_SCREENSHOTS is set (browser.py)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from bottomline.monitoring.models import Case, FollowUp, Measure
from bottomline.monitoring.tests.factories import open_case, walk
from bottomline.monitoring.workflow import State
from bottomline.registry.models import Household
from bottomline.registry.tests.factories import id_number
from bottomline.web.tests.browser import SHOTS, Tab, open_tab
from conftest import PASSWORD

PHONE = (390, 844)
DESK = (1366, 768)
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}

# Every empty select of a form takes its first real choice; the test sets what matters to it.
FIRST_CHOICES = """(form) => {
  for (const select of form.querySelectorAll("select")) {
    if (!select.value && select.options.length > 1) select.selectedIndex = 1;
  }
}"""


def signed_in(browser: Any, url: str, who: str, size: tuple[int, int], language: str) -> Tab:
    tab = open_tab(browser, width=size[0], height=size[1], locale=LOCALES[language])
    tab.page.goto(f"{url}/account/login/")
    tab.page.fill("#id_auth-username", who)
    tab.page.fill("#id_auth-password", PASSWORD)
    tab.page.click("#login-submit")
    tab.page.wait_for_url(f"{url}/")
    assert tab.page.locator("html").get_attribute("lang") == language
    return tab


def shot(tab: Tab, name: str, language: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(SHOTS / f"daily-{name}-{language}.png"), full_page=True)


def camera_photo() -> bytes:
    """A phone camera's photo: 4000×3000 pixels, far more than the server needs."""
    gradient = Image.linear_gradient("L").resize((4000, 3000))
    image = Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.ROTATE_180), gradient))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def save(tab: Tab, form: str, submit: str) -> None:
    tab.page.locator(form).evaluate(FIRST_CHOICES)
    with tab.page.expect_navigation():
        tab.page.click(submit)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_roles_daily_work(
    browser: Any, live_server: Any, tree: Any, personas: dict[str, Any], language: str
) -> None:
    call_command("policy_seed", stdout=io.StringIO())
    url = live_server.url
    today = timezone.localdate().isoformat()
    cadre = signed_in(browser, url, "village_cadre", PHONE, language)
    page = cadre.page

    # Register a household, then its head and a second member.
    page.goto(f"{url}/registry/households/new/")
    page.fill("[name=village_group]", "三社")
    save(cadre, "main form", "main form button[type=submit]")
    home = Household.objects.get(village_group="三社")
    assert page.url.rstrip("/").endswith(f"/registry/households/{home.pk}")
    for sequence, (name, relation) in enumerate((("李秀英", "head"), ("王建军", "spouse")), start=1):
        page.goto(f"{url}/registry/households/{home.pk}/members/new/")
        page.fill("[name=name]", name)
        page.fill("[name=id_number]", id_number(sequence=40 + sequence))
        page.select_option("[name=relation]", relation)
        save(cadre, "main form", "main form button[type=submit]")
    assert home.members.count() == 2
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE[0]
    shot(cadre, "household-phone", language)

    # Report a risk found on a visit: a lead, and a case to visit.
    page.goto(f"{url}/registry/households/{home.pk}/report-risk/")
    page.locator("#risk-report-form [name=risk_types]").first.check()
    page.fill("#risk-report-form [name=note]", "丈夫住院，医药费负担重")
    save(cadre, "#risk-report-form", "#risk-report-submit")
    case = Case.objects.get(household=home)
    assert case.state == State.VISIT

    # The home visit, with a photo of the signed consent from the camera, compressed before it is sent.
    page.goto(f"{url}/cases/{case.pk}/")
    actions = page.locator("#actions").bounding_box()
    assert actions is not None and actions["y"] < PHONE[1]  # the next step is on the first screen
    form = page.locator("#action-visit")
    form.locator("[name=consent][value=scan]").check()
    photo = form.locator("[name=attachment]")
    assert photo.get_attribute("capture") == "environment"
    photo.set_input_files({"name": "consent.png", "mimeType": "image/png", "buffer": camera_photo()})
    page.wait_for_selector("#action-visit [name=attachment][data-compressed]", state="attached")
    shot(cadre, "visit-phone", language)
    with page.expect_navigation():
        page.click("#action-visit-submit")
    case.refresh_from_db()
    assert case.state == State.APPRAISAL
    scan = case.steps.exclude(attachment="").get()
    assert (scan.attachment.name or "").endswith(".jpg")
    with scan.attachment.open("rb") as stored, Image.open(stored) as image:
        assert max(image.size) == 1600

    # A monitored household of the cadre's: a measure and a follow-up.
    monitored = walk(open_case(personas, tree.village, sequence=60), personas, State.MONITORED)
    page.goto(f"{url}/cases/{monitored.pk}/")
    measure = page.locator("#measure-form")
    measure.locator("[name=kind]").select_option("employment")
    measure.locator("[name=amount]").fill("2000")
    measure.locator("[name=start]").fill(today)
    save(cadre, "#measure-form", "#measure-submit")
    assert Measure.objects.filter(case=monitored, kind="employment").exists()
    follow = page.locator("#followup-form")
    follow.locator("[name=visited_on]").fill(today)
    follow.locator("[name=note]").fill("务工收入稳定")
    save(cadre, "#followup-form", "#followup-submit")
    assert FollowUp.objects.filter(case=monitored).exists()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE[0]
    shot(cadre, "assistance-phone", language)

    # The county approves on a desktop.
    waiting = walk(open_case(personas, tree.village, sequence=70), personas, State.APPROVAL)
    county = signed_in(browser, url, "county_officer", DESK, language)
    county.page.goto(f"{url}/cases/{waiting.pk}/")
    with county.page.expect_navigation():
        county.page.click("#action-approve-submit")
    waiting.refresh_from_db()
    assert waiting.state == State.ANNOUNCEMENT
    shot(county, "county-approval", language)

    # The auditor filters the log: the cadre's changes to cases.
    auditor = signed_in(browser, url, "auditor", DESK, language)
    auditor.page.goto(f"{url}/audit/")
    auditor.page.fill("#f-person", "village_cadre")
    auditor.page.select_option("#f-type", "monitoring.case")
    with auditor.page.expect_navigation():
        auditor.page.click("#audit-filter-submit")
    rows = auditor.page.locator("#audit-changes tbody tr")
    assert rows.count() >= 1
    assert all("village_cadre" in text for text in rows.all_inner_texts())
    shot(auditor, "audit-filtered", language)
    assert cadre.errors == [] and county.errors == [] and auditor.errors == []
