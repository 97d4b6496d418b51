"""The whole journey in Chromium: a farmer declares on a phone → the cadre visits and appraises → public notice →
township review → county approval → announcement → assistance → a follow-up raises income → risk elimination
approved → the farmer's receipt says so. A screenshot of each stage goes to docs/screenshots/journey-*.png."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from bottomline.monitoring.assistance import followup_record
from bottomline.monitoring.models import Case
from bottomline.monitoring.workflow import State
from bottomline.registry.tests.factories import household, id_number, member
from bottomline.web.tests.browser import SHOTS, Tab, open_tab
from conftest import PASSWORD

PHONE = (390, 844)
DESK = (1280, 900)


class Journey:
    """One browser tab per person, each signed in once; screenshots numbered in the order taken."""

    def __init__(self, browser: Any, url: str) -> None:
        self.browser, self.url, self.shots = browser, url, 0
        self.tabs: dict[str, Tab] = {}
        SHOTS.mkdir(parents=True, exist_ok=True)

    def tab(self, who: str, viewport: tuple[int, int] = DESK) -> Tab:
        if who not in self.tabs:
            tab = open_tab(self.browser, width=viewport[0], height=viewport[1])
            if who != "farmer":
                tab.page.goto(f"{self.url}/account/login/")
                tab.page.fill("#id_auth-username", who)
                tab.page.fill("#id_auth-password", PASSWORD)
                tab.page.locator("main form button[type=submit]").first.click()
                tab.page.wait_for_url(f"{self.url}/")
            self.tabs[who] = tab
        return self.tabs[who]

    def shot(self, tab: Tab, name: str) -> None:
        self.shots += 1
        tab.page.screenshot(path=str(SHOTS / f"journey-{self.shots:02d}-{name}.png"), full_page=True)

    def step(self, who: str, case: Case, action: str, fields: dict[str, str], shot: str) -> None:
        """Open the case page as ``who``, fill the action's form and take the step."""
        tab = self.tab(who)
        tab.page.goto(f"{self.url}/cases/{case.pk}/")
        form = tab.page.locator(f"#action-{action}")
        for name, value in fields.items():
            field = form.locator(f"[name={name}]")
            kind = field.first.get_attribute("type")
            if kind in ("radio", "checkbox"):
                form.locator(f"[name={name}][value={value}]").check()
            elif field.first.evaluate("e => e.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)
        with tab.page.expect_navigation():
            tab.page.click(f"#action-{action}-submit")
        self.shot(tab, shot)

    def days_pass(self) -> None:
        """Time has moved on: the staff's sessions (30 minutes) have expired, they sign in again."""
        for who in [who for who in self.tabs if who != "farmer"]:
            self.tabs.pop(who).page.close()

    def errors(self) -> list[str]:
        return [e for tab in self.tabs.values() for e in tab.errors]


def _iso(day: date) -> str:
    return day.isoformat()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_declaration_walks_to_risk_elimination(
    browser: Any, live_server: Any, tree: Any, personas: dict[str, Any]
) -> None:
    from django.core.management import call_command

    call_command("policy_seed", verbosity=0)
    cadre = personas["village_cadre"]
    number = id_number(sequence=7)
    home = household(cadre, tree.village, village_group="三社")
    member(cadre, home, number, name="李秀英")
    journey = Journey(browser, live_server.url)
    now = timezone.now()
    start = now - timedelta(days=220)  # identified seven months ago, so that risk elimination may come now

    # 1. The farmer declares on a phone, from the village's QR link.
    with time_machine.travel(start):
        farmer = journey.tab("farmer", PHONE)
        farmer.page.goto(f"{live_server.url}/declare/?v={tree.village.code}")
        farmer.page.fill("[name=name]", "李秀英")
        farmer.page.fill("[name=phone]", "13912345678")
        farmer.page.fill("[name=id_number]", number)
        farmer.page.select_option("[name=risk_type]", "illness")
        farmer.page.fill("[name=description]", "丈夫住院，医药费负担重")
        farmer.page.check("[name=consent]")
        journey.shot(farmer, "declare")
        farmer.page.click("#declare-submit")
        receipt = farmer.page.locator("#receipt").inner_text().strip()
        journey.shot(farmer, "receipt")
        case = Case.objects.get(household=home)
        assert case.state == State.VISIT

        # 2. The cadre finds it in "to visit", visits the next day with the signed consent, and appraises.
        queue = journey.tab("village_cadre")
        queue.page.goto(f"{live_server.url}/cases/?queue=to_visit")
        queue.page.wait_for_selector(f"#case-row-{case.pk}")
        journey.shot(queue, "cadre-queue")
    with time_machine.travel(start + timedelta(days=1)):
        journey.days_pass()
        day = timezone.localdate()
        consent = {"consent": "paper", "consent_signed_on": _iso(day), "on": _iso(day)}
        journey.step("village_cadre", case, "visit", consent, "visit")
        appraisal = {"minutes": "村民代表会议评议，一致同意", "category": "2", "on": _iso(day)}
        journey.step("village_cadre", case, "appraise", appraisal, "appraisal")
        notice = journey.tab("village_cadre")
        notice.page.goto(f"{live_server.url}/notices/{tree.village.code}/")
        assert "李秀英" in notice.page.content() and number not in notice.page.content()
        journey.shot(notice, "public-notice")

    # 3. The notice has run its five full days: township review, county approval, announcement.
    with time_machine.travel(start + timedelta(days=7)):
        journey.days_pass()
        journey.step("township_officer", case, "review", {}, "township-review")
        journey.step("county_officer", case, "approve", {}, "county-approval")
        journey.step("township_officer", case, "announce", {}, "announcement")
        case.refresh_from_db()
        assert case.state == State.MONITORED and case.category == 2

        # 4. Assistance: a development measure.
        plan = journey.tab("village_cadre")
        plan.page.goto(f"{live_server.url}/cases/{case.pk}/")
        form = plan.page.locator("#measure-form")
        form.locator("[name=kind]").select_option("employment")
        form.locator("[name=amount]").fill("2000")
        form.locator("[name=start]").fill(_iso(timezone.localdate()))
        form.locator("[name=status]").select_option("active")
        with plan.page.expect_navigation():
            plan.page.click("#measure-submit")
        journey.shot(plan, "assistance")
    # Monthly follow-ups while monitored (recorded through the service: the pages are shown below).
    for days in range(7 + 28, 220, 28):
        with time_machine.travel(start + timedelta(days=days), tick=False):
            followup_record(actor=cadre, case_id=case.pk, visited_on=timezone.localdate(), note="回访")

    # Today, seven months on: the sessions have expired; a follow-up records a year's income above the line.
    journey.days_pass()
    today = timezone.localdate()
    plan = journey.tab("village_cadre")
    plan.page.goto(f"{live_server.url}/cases/{case.pk}/")
    last_month_end = today.replace(day=1) - timedelta(days=1)
    year_start = date(last_month_end.year - 1, last_month_end.month, 1) + timedelta(days=31)
    follow = plan.page.locator("#followup-form")
    follow.locator("[name=visited_on]").fill(_iso(today))
    follow.locator("[name=note]").fill("务工收入稳定")
    follow.locator("[name=period_start]").fill(_iso(year_start.replace(day=1)))
    follow.locator("[name=period_end]").fill(_iso(last_month_end))
    follow.locator("[name=wage]").fill("36000")
    with plan.page.expect_navigation():
        plan.page.click("#followup-submit")
    plan.page.wait_for_selector("#readiness")
    journey.shot(plan, "follow-up")

    # 5. Risk elimination: the cadre proposes it and the village appraises; after the notice, township, county.
    journey.step("village_cadre", case, "propose_elimination", {}, "propose-elimination")
    journey.step(
        "village_cadre",
        case,
        "appraise",
        {"minutes": "评议同意风险消除", "on": _iso(today)},
        "elim-appraisal",
    )
    with time_machine.travel(now + timedelta(days=6)):
        journey.days_pass()
        journey.step("township_officer", case, "review", {}, "elim-review")
        journey.step("county_officer", case, "approve", {}, "risk-eliminated")
        case.refresh_from_db()
        assert case.state == State.ELIMINATED and case.eliminated_on == timezone.localdate()

    # 6. The farmer checks the receipt: the stage, and nothing personal.
    farmer.page.goto(f"{live_server.url}/declare/status/")
    farmer.page.fill("[name=receipt]", receipt)
    farmer.page.click("#status-submit")
    answer = farmer.page.locator("#status-answer").inner_text()
    assert "李秀英" not in answer and number not in answer and tree.village.name not in answer
    journey.shot(farmer, "receipt-status")
    assert answer.strip()
    assert journey.errors() == []
