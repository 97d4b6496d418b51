"""The monitoring API, used as a client would: the whole identification and an elimination, every error
answer, masking of personal data, bulk steps as a job, and "as of" states."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client, override_settings
from django.utils import timezone

from bottomline.accounts.services import token_create
from bottomline.monitoring.models import Case, Channel
from bottomline.monitoring.services import lead_raise
from bottomline.monitoring.tests.factories import open_case, walk
from bottomline.monitoring.workflow import State
from bottomline.registry.tests.factories import household, id_number, member

pytestmark = pytest.mark.django_db

BASE = "/api/v1/monitoring"
PHONE = "13987654321"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


class Api:
    """A bearer-token client per persona that keeps every answer's body (to search them for personal data)."""

    def __init__(self, personas: dict[str, Any]) -> None:
        self.personas = personas
        self.renew()
        self.client = Client()
        self.bodies: list[str] = []

    def renew(self) -> None:
        """Tokens made now (by the test's clock): a token lives a limited number of days."""
        self.tokens = {role: token_create(user=user, name="test")[1] for role, user in self.personas.items()}

    def __call__(self, role: str, method: str, path: str, data: Any = None, status: int = 200) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[role]}", "Accept-Language": "en"}
        call = getattr(self.client, method)
        path = path if path.startswith("/api/") else BASE + path
        if data is None:
            response = call(path, headers=headers)
        else:
            response = call(path, json.dumps(data), content_type="application/json", headers=headers)
        body = response.content.decode()
        self.bodies.append(body)
        assert response.status_code == status, (method, path, response.status_code, body)
        return response.json()


@pytest.fixture
def api(personas: dict[str, Any]) -> Api:
    return Api(personas)


def days_ago(n: int) -> str:
    return (timezone.localdate() - timedelta(days=n)).isoformat()


def seeded_case(personas: dict[str, Any], village: Any, *, sequence: int = 1) -> tuple[Case, str]:
    """A case on a household with a known phone and a working member with a known ID number."""
    cadre = personas["village_cadre"]
    home = household(cadre, village, phone=PHONE)
    number = id_number(sequence=sequence)
    member(cadre, home, number)
    lead = lead_raise(
        household_id=home.pk,
        channel=Channel.CADRE,
        reference=f"visit:{home.pk}",
        at=timezone.now() - timedelta(days=12),
    )
    return Case.objects.get(lead=lead), number


def last_month_income() -> dict[str, Any]:
    """Twelve months ending last month, well above the monitoring line."""
    end = timezone.localdate().replace(day=1) - timedelta(days=1)
    year, month = divmod(end.year * 12 + end.month - 1 - 11, 12)
    start = date(year, month + 1, 1)
    return {"period_start": start.isoformat(), "period_end": end.isoformat(), "wage": "20000"}


def test_identification_and_elimination_through_the_api_only(
    tree: Any, personas: dict[str, Any], api: Api
) -> None:
    case, number = seeded_case(personas, tree.village)
    cadre = personas["village_cadre"]
    path = f"/cases/{case.pk}"

    queues = {q["queue"]: q["count"] for q in api("village_cadre", "get", "/queues")}
    assert queues["to_visit"] == 1
    listed = api("village_cadre", "get", "/cases?queue=to_visit")
    assert listed["count"] == 1 and listed["results"][0]["id"] == case.pk
    item = listed["results"][0]
    assert item["state"] == "visit" and item["state_label"].startswith("To visit")
    assert item["household_number"] and item["village_code"] == tree.village.code
    detail = api("village_cadre", "get", path)
    assert {a["action"]: a["needs"] for a in detail["actions"]} == {
        "visit": ["consent"],
        "reject": ["reason"],
    }
    assert api("county_officer", "get", path)["actions"] == []  # the county waits for the village
    assert detail["signals"][0]["channel"] == "cadre"

    scan = base64.b64encode(PDF).decode()
    step = {"action": "visit", "version": 0, "on": days_ago(11), "consent": "scan"}
    case_after = api(
        "village_cadre",
        "post",
        f"{path}/steps",
        {**step, "attachment_name": "consent.pdf", "attachment_base64": scan},
    )
    assert case_after["state"] == "appraisal" and case_after["version"] == 1
    assert [s["action"] for s in case_after["steps"]] == ["open", "visit", "cross_check"]
    assert case_after["steps"][1]["has_attachment"] and case_after["steps"][1]["actor"] == "village_cadre"
    assert (Case.objects.get(pk=case.pk).steps.get(action="visit").attachment.name or "").endswith(".pdf")

    appraise = {
        "action": "appraise",
        "version": 1,
        "on": days_ago(10),
        "minutes": "村民代表会议一致同意",
        "category": 2,
        "risk_types": ["illness"],
    }
    case_after = api("village_cadre", "post", f"{path}/steps", appraise)
    assert case_after["state"] == "notice" and case_after["category"] == 2
    assert case_after["notice_end"] is not None

    objection = api(
        "village_cadre",
        "post",
        f"{path}/objections",
        {"received_on": days_ago(8), "text": "邻居认为收入被低估"},
        status=201,
    )
    refused = api("township_officer", "post", f"{path}/steps", {"action": "review"}, status=422)
    assert "objection" in refused["detail"][0]["msg"]
    resolved = api(
        "township_officer",
        "post",
        f"/objections/{objection['id']}/resolve",
        {"resolution": "核实后收入无误", "upheld": False},
    )
    assert resolved["upheld"] is False and resolved["resolved_by"] == "township_officer"

    assert api("township_officer", "post", f"{path}/steps", {"action": "review"})["state"] == "approval"
    assert api("county_officer", "post", f"{path}/steps", {"action": "approve"})["state"] == "announcement"
    monitored = api("township_officer", "post", f"{path}/steps", {"action": "announce"})
    assert (
        monitored["state"] == "monitored" and monitored["identified_on"] == timezone.localdate().isoformat()
    )
    assert monitored["readiness"]["ready"] is False
    assert monitored["measure_suggestions"][0]["kind"] == "industry"  # a member can work

    measure = api(
        "village_cadre",
        "post",
        f"{path}/measures",
        {"kind": "industry", "responsible_id": cadre.pk, "start": days_ago(1), "amount": "3000"},
        status=201,
    )
    assert measure["responsible"] == "village_cadre" and measure["status"] == "planned"
    changed = api("village_cadre", "patch", f"/measures/{measure['id']}", {"status": "active"})
    assert changed["status"] == "active" and changed["amount"] == measure["amount"]

    not_ready = api("village_cadre", "post", f"{path}/steps", {"action": "propose_elimination"}, status=422)
    assert "Not ready" in not_ready["detail"][0]["msg"]
    assert api("village_cadre", "get", path)["followup_due"] is not None
    now = timezone.now()
    for days in range(28, 211, 28):  # monthly follow-ups while monitored
        with time_machine.travel(now + timedelta(days=days), tick=False):
            api.renew()
            visit = {"visited_on": timezone.localdate().isoformat(), "note": "回访"}
            api("village_cadre", "post", f"{path}/follow-ups", visit, status=201)
    with time_machine.travel(now + timedelta(days=211), tick=False):
        follow_up = api(
            "village_cadre",
            "post",
            f"{path}/follow-ups",
            {
                "visited_on": timezone.localdate().isoformat(),
                "note": "收入稳定",
                "income": last_month_income(),
            },
            status=201,
        )
        assert follow_up["ready"] is True and follow_up["income_id"] is not None
        assert api("village_cadre", "get", path)["readiness"]["ready"] is True
        for role, given, state in [
            ("village_cadre", {"action": "propose_elimination"}, "elim_appraisal"),
            ("village_cadre", {"action": "appraise", "minutes": "评议通过"}, "elim_notice"),
        ]:
            assert api(role, "post", f"{path}/steps", given)["state"] == state
    with time_machine.travel(now + timedelta(days=217), tick=False):
        for role, given, state in [
            ("township_officer", {"action": "review"}, "elim_approval"),
            ("county_officer", {"action": "approve"}, "eliminated"),
        ]:
            assert api(role, "post", f"{path}/steps", given)["state"] == state
    final = api("province_officer", "get", path)
    assert final["closed_at"] is not None and final["eliminated_on"] is not None
    assert final["actions"] == [] and final["measures"][0]["status"] == "active"
    assert len(final["objections"]) == 1 and len(final["follow_ups"]) == 8
    api("village_cadre", "get", "/cases?state=eliminated")
    api("village_cadre", "get", f"/cases?as_of={timezone.localdate().isoformat()}")
    api("village_cadre", "get", f"{path}/as-of")
    api("village_cadre", "get", "/leads")

    # Masking: the full ID number and phone never appear in any answer (the masked forms may not either).
    for body in api.bodies:
        assert number not in body and PHONE not in body
        assert number[-8:] not in body and PHONE[-8:] not in body


def test_errors_are_403_404_409_and_422_with_field_messages(
    tree: Any, personas: dict[str, Any], api: Api, make_user: Any
) -> None:
    case = open_case(personas, tree.village)
    steps = f"/cases/{case.pk}/steps"
    paper = {"action": "visit", "consent": "paper", "consent_signed_on": days_ago(1)}

    denied = api("township_officer", "post", steps, paper, status=403)  # the village's step
    assert denied == {"detail": "Permission denied"}
    api("auditor", "post", steps, paper, status=403)  # reads, never acts
    api("department_officer", "get", f"/cases/{case.pk}", status=403)
    api("department_officer", "get", "/cases", status=403)

    stranger = make_user("village_cadre", tree.other_county_village, username="stranger")
    other = open_case({"village_cadre": stranger}, tree.other_county_village, sequence=2)
    api("county_officer", "get", f"/cases/{other.pk}", status=404)  # another county's case does not exist
    api("county_officer", "post", f"/cases/{other.pk}/steps", {"action": "approve"}, status=404)
    neighbour = make_user("village_cadre", tree.sibling_village, username="neighbour")
    token = token_create(user=neighbour, name="t")[1]
    response = Client().post(
        f"{BASE}{steps}",
        json.dumps(paper),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 404

    missing = api("village_cadre", "post", steps, {"action": "visit"}, status=422)
    assert missing["detail"][0]["loc"] == ["body", "consent"]
    no_scan = api("village_cadre", "post", steps, {"action": "visit", "consent": "scan"}, status=422)
    assert no_scan["detail"][0]["loc"] == ["body", "attachment"]
    wrong = api("village_cadre", "post", steps, {"action": "approve"}, status=422)
    assert "cannot be taken now" in wrong["detail"][0]["msg"]
    future = api("village_cadre", "post", steps, {**paper, "on": "2999-01-01"}, status=422)
    assert future["detail"][0]["loc"] == ["body", "on"]
    exe = base64.b64encode(b"MZ\x90\x00 not a scan").decode()
    bad_type = api(
        "village_cadre",
        "post",
        steps,
        {**paper, "attachment_base64": exe, "attachment_name": "x.pdf"},
        status=422,
    )
    assert "PDF, JPEG or PNG" in bad_type["detail"][0]["msg"]
    api("village_cadre", "post", steps, {**paper, "attachment_base64": "%%%"}, status=422)
    api("village_cadre", "post", steps, {"version": 0}, status=422)  # no action: ninja's own 422

    assert api("village_cadre", "post", steps, {**paper, "version": 0})["version"] == 1
    conflict = api(
        "village_cadre", "post", steps, {"action": "reject", "reason": "x", "version": 0}, status=409
    )
    assert "changed" in conflict["detail"]
    assert Case.objects.get(pk=case.pk).state == State.APPRAISAL

    api(
        "village_cadre",
        "post",
        f"/cases/{case.pk}/objections",
        {"received_on": days_ago(0), "text": "x"},
        422,
    )
    api(
        "village_cadre",
        "post",
        f"/cases/{case.pk}/measures",
        {"kind": "industry", "responsible_id": 1, "start": days_ago(0)},
        status=422,
    )  # assistance waits for the county's approval
    api("village_cadre", "post", "/bulk-steps", {"action": "visit", "case_ids": [case.pk]}, status=422)
    api("village_cadre", "get", "/cases?queue=to_visit&as_of=2026-01-01", status=422)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=None)
def test_an_attachment_over_10_mb_is_refused(tree: Any, personas: dict[str, Any], api: Api) -> None:
    case = open_case(personas, tree.village)
    big = base64.b64encode(PDF + b"0" * (10 * 1024 * 1024)).decode()
    given = {"action": "visit", "consent": "scan", "attachment_name": "big.pdf", "attachment_base64": big}
    refused = api("village_cadre", "post", f"/cases/{case.pk}/steps", given, status=422)
    assert "10 MB" in refused["detail"][0]["msg"]


def test_bulk_approval_runs_as_a_job(
    tree: Any, personas: dict[str, Any], api: Api, django_capture_on_commit_callbacks: Any
) -> None:
    cases = [walk(open_case(personas, tree.village, sequence=i), personas, State.APPROVAL) for i in (1, 2)]
    notice = walk(open_case(personas, tree.village, sequence=3), personas, State.NOTICE)
    wanted = [c.pk for c in cases]
    # The first two have passed the review already: approve them, and try the third (not yet reviewed).
    with django_capture_on_commit_callbacks(execute=True):
        job = api(
            "county_officer",
            "post",
            "/bulk-steps",
            {"action": "approve", "case_ids": [*wanted, notice.pk]},
            202,
        )
    done = api("county_officer", "get", f"/api/v1/jobs/{job['job_id']}")
    assert done["status"] == "succeeded" and done["percent"] == 100
    assert set(Case.objects.filter(pk__in=wanted).values_list("state", flat=True)) == {State.ANNOUNCEMENT}
    assert Case.objects.get(pk=notice.pk).state == State.NOTICE
    queue = api("township_officer", "get", "/cases?queue=to_announce")
    assert sorted(c["id"] for c in queue["results"]) == wanted


def test_as_of_a_past_day(tree: Any, personas: dict[str, Any], api: Api) -> None:
    start = timezone.localdate() - timedelta(days=30)
    with time_machine.travel(timezone.make_aware(datetime(start.year, start.month, start.day, 10))):
        case = open_case(personas, tree.village, ago=timedelta(0))
    visit_day = start + timedelta(days=2)
    with time_machine.travel(
        timezone.make_aware(datetime(visit_day.year, visit_day.month, visit_day.day, 10))
    ):
        paper = {"action": "visit", "consent": "paper", "consent_signed_on": visit_day.isoformat()}
        api("village_cadre", "post", f"/cases/{case.pk}/steps", paper)

    def on(day: date) -> Any:
        return api("township_officer", "get", f"/cases/{case.pk}/as-of?on={day.isoformat()}")["state"]

    assert on(start - timedelta(days=1)) is None
    assert on(start) == on(start + timedelta(days=1)) == "visit"
    assert on(visit_day) == "appraisal"
    then = api("township_officer", "get", f"/cases?as_of={(start + timedelta(days=1)).isoformat()}")
    assert [(c["id"], c["state_then"], c["state"]) for c in then["results"]] == [
        (case.pk, "visit", "appraisal")
    ]
    before = api("township_officer", "get", f"/cases?as_of={(start - timedelta(days=1)).isoformat()}")
    assert before["count"] == 0
    filtered = api("township_officer", "get", f"/cases?as_of={visit_day.isoformat()}&state=visit")
    assert filtered["count"] == 0


def test_the_clock_colours_and_the_leads(tree: Any, personas: dict[str, Any], api: Api) -> None:
    long_ago = timezone.now() - timedelta(days=20)
    with time_machine.travel(long_ago):
        late = open_case(personas, tree.village)
    fresh = open_case(personas, tree.village, sequence=2, ago=timedelta(0))
    listed = {c["id"]: c for c in api("village_cadre", "get", "/cases")["results"]}
    assert listed[late.pk]["clock"] == "red" and listed[late.pk]["days_open"] >= 20
    assert listed[fresh.pk]["clock"] == "" and listed[fresh.pk]["days_open"] == 0
    overdue = api("village_cadre", "get", "/cases?queue=overdue")
    assert [c["id"] for c in overdue["results"]] == [late.pk]
    leads = api("township_officer", "get", "/leads")
    assert leads["count"] == 2 and {lead["case_id"] for lead in leads["results"]} == {late.pk, fresh.pk}
    assert leads["results"][0]["signals"][0]["channel"] == "cadre"
    assert api("prefecture_officer", "get", f"/cases?village_code={tree.sibling_village.code}")["count"] == 0


def test_the_list_costs_the_same_queries_for_many_cases(
    tree: Any, personas: dict[str, Any], api: Api, django_assert_max_num_queries: Any
) -> None:
    for i in range(1, 4):
        open_case(personas, tree.village, sequence=i)
    api("village_cadre", "get", "/cases")  # warm the parameter cache
    with django_assert_max_num_queries(8):
        assert api("village_cadre", "get", "/cases")["count"] == 3
    for i in range(4, 10):
        open_case(personas, tree.village, sequence=i)
    with django_assert_max_num_queries(8):
        assert api("village_cadre", "get", "/cases")["count"] == 9
