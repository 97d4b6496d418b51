"""The case pages through the test client: the whole identification and an elimination as people click them,
objections, measures, follow-ups with income, bulk steps as a job, attachments, 403/404 and query budgets."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bottomline.jobs.models import Job
from bottomline.monitoring.assistance import followup_record
from bottomline.monitoring.models import Case, FollowUp, Measure, MeasureStatus, Objection, Step
from bottomline.monitoring.tests.factories import open_case, walk
from bottomline.monitoring.workflow import State

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a signed consent form\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def as_user(client: Client, user: Any) -> Client:
    """Sign in as ``user``, reading the pages in English."""
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def detail(pk: int) -> str:
    return reverse("monitoring:case_detail", args=[pk])


def step(pk: int, action: str) -> str:
    return reverse("monitoring:case_step", args=[pk, action])


def post_step(client: Client, case: Case, action: str, **data: Any) -> Any:
    case.refresh_from_db()
    return client.post(step(case.pk, action), {"version": case.version, **data})


def test_the_whole_identification_through_the_pages(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    cadre, township, county = (personas[r] for r in ("village_cadre", "township_officer", "county_officer"))
    case = open_case(personas, tree.village, ago=timedelta(days=12))
    today = timezone.localdate()

    page = as_user(client, cadre).get(reverse("monitoring:case_list"))
    assert page.status_code == 200
    assert case.household.number in page.text and "王建国" in page.text
    assert 'id="queue-to_visit"' in page.text
    page = client.get(detail(case.pk))
    assert 'id="action-visit"' in page.text and 'id="action-reject"' in page.text
    assert "13912345678" not in page.text

    # A scan that is not what its name says is refused, with a clear message, and nothing moves.
    fake = SimpleUploadedFile("consent.pdf", b"MZ\x90\0 not a pdf", content_type="application/pdf")
    answer = post_step(client, case, "visit", consent="scan", attachment=fake)
    assert answer.status_code == 200
    assert "not the PDF, JPEG or PNG" in answer.text
    too_big = SimpleUploadedFile("consent.png", PNG + b"\0" * (10 * 1024 * 1024), content_type="image/png")
    answer = post_step(client, case, "visit", consent="scan", attachment=too_big)
    assert "larger than 10 MB" in answer.text
    answer = post_step(client, case, "visit", consent="paper")  # a paper signature needs its date
    assert answer.status_code == 200 and "Give the date the consent was signed" in answer.text
    assert Case.objects.get(pk=case.pk).state == State.VISIT

    scan = SimpleUploadedFile("consent.pdf", PDF, content_type="application/pdf")
    answer = post_step(client, case, "visit", consent="scan", attachment=scan, on=today - timedelta(days=11))
    assert answer.status_code == 302, answer.content
    case.refresh_from_db()
    assert case.state == State.APPRAISAL
    visit = case.steps.get(action="visit")
    assert visit.detail["consent"]["kind"] == "scan" and visit.attachment
    page = client.get(detail(case.pk))
    assert "Data cross-check" in page.text  # recorded by the system with the visit, with what the rules say
    assert "The screening rules flag nothing" in page.text
    file_url = reverse("monitoring:case_file", args=[case.pk, "step", visit.pk])
    assert file_url in page.text
    download = client.get(file_url)
    assert download.status_code == 200 and download.getvalue() == PDF

    # An appraisal dated before the visit is refused, with the reason.
    answer = post_step(
        client,
        case,
        "appraise",
        minutes="村民代表会议一致同意",
        category="2",
        risk_types=["illness"],
        on=today - timedelta(days=12),
    )
    assert answer.status_code == 200 and "before the step before it" in answer.text
    # The appraisal, dated ten days ago so that the five-day notice is over; category pre-filled from the lead.
    answer = post_step(
        client,
        case,
        "appraise",
        minutes="村民代表会议一致同意",
        category="2",
        risk_types=["illness"],
        on=today - timedelta(days=10),
    )
    assert answer.status_code == 302
    case.refresh_from_db()
    assert case.state == State.NOTICE and case.notice_end == today - timedelta(days=5)

    as_user(client, township)
    queue = client.get(reverse("monitoring:case_list") + "?queue=to_review")
    assert f'id="case-select-{case.pk}"' in queue.text and "data-notice-ended" in queue.text
    assert post_step(client, case, "review").status_code == 302
    as_user(client, county)
    page = client.get(detail(case.pk))
    assert 'id="action-approve"' in page.text
    assert post_step(client, case, "approve", category="2", risk_types=["illness"]).status_code == 302
    as_user(client, township)
    assert post_step(client, case, "announce").status_code == 302
    case.refresh_from_db()
    assert case.state == State.MONITORED and case.identified_on == today
    page = client.get(detail(case.pk))
    assert [s.action for s in case.steps.all()] == [
        "open",
        "visit",
        "cross_check",
        "appraise",
        "review",
        "approve",
        "announce",
    ]
    assert "村民代表会议一致同意" in page.text


def test_an_elimination_with_measures_and_a_follow_up_with_income(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    cadre, township, county = (personas[r] for r in ("village_cadre", "township_officer", "county_officer"))
    identified = timezone.now() - timedelta(days=220)
    with time_machine.travel(identified, tick=False):
        case = walk(open_case(personas, tree.village), personas, State.MONITORED)
        today = timezone.localdate()
        as_user(client, cadre)
        page = client.get(detail(case.pk))
        assert 'id="measure-form"' in page.text and 'id="followup-form"' in page.text
        assert 'id="criterion-' in page.text and "✗" in page.text  # not ready: no income recorded yet
        # The measure list offers development measures first (a member can work).
        kinds = page.text.split('id="id_measure_kind"')[1].split("</select>")[0]
        assert kinds.index('value="industry"') < kinds.index('value="dibao"')

        answer = client.post(
            reverse("monitoring:measure_add", args=[case.pk]),
            {
                "kind": "industry",
                "responsible": cadre.pk,
                "amount": "3000",
                "start": today.isoformat(),
                "status": "planned",
                "note": "养殖补贴",
                "evidence": SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
            },
        )
        assert answer.status_code == 302
        measure = Measure.objects.get(case=case)
        assert measure.evidence and measure.responsible == cadre
        answer = client.post(
            reverse("monitoring:measure_update", args=[measure.pk]),
            {"status": "active", "amount": "3500", "note": "已发放"},
        )
        assert answer.status_code == 302
        measure.refresh_from_db()
        assert measure.status == MeasureStatus.ACTIVE and str(measure.amount) == "3500.00"
        bad = client.post(
            reverse("monitoring:measure_update", args=[measure.pk]),
            {"status": "active", "evidence": SimpleUploadedFile("book.xlsx", b"PK\3\4", content_type="x")},
        )
        assert bad.status_code == 200 and "Attach a PDF, JPEG or PNG file" in bad.text
        evidence = client.get(reverse("monitoring:case_file", args=[case.pk, "measure", measure.pk]))
        assert evidence.status_code == 200

        # Proposing elimination before the income is there is refused with the missing criteria.
        refused = post_step(client, case, "propose_elimination")
        assert refused.status_code == 200 and "Not ready" in refused.text
    for days in range(28, 220, 28):  # a follow-up every four weeks while monitored
        with time_machine.travel(identified + timedelta(days=days), tick=False):
            followup_record(actor=cadre, case_id=case.pk, visited_on=timezone.localdate(), note="回访")
    today = timezone.localdate()
    as_user(client, cadre)  # the session of seven months ago has expired

    end = today.replace(day=1) - timedelta(days=1)
    start = (end - timedelta(days=360)).replace(day=1)
    answer = client.post(
        reverse("monitoring:followup_add", args=[case.pk]),
        {
            "visited_on": today.isoformat(),
            "note": "收入稳定",
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "wage": "20000",
        },
    )
    assert answer.status_code == 302
    followup = FollowUp.objects.get(case=case, income__isnull=False)
    assert followup.ready
    half = client.post(
        reverse("monitoring:followup_add", args=[case.pk]),
        {"visited_on": today.isoformat(), "wage": "100"},
    )
    assert half.status_code == 200 and "Give the income period" in half.text

    assert post_step(client, case, "propose_elimination").status_code == 302
    answer = post_step(client, case, "appraise", minutes="评议通过", on=today)
    assert answer.status_code == 302
    with time_machine.travel(timezone.now() + timedelta(days=6), tick=False):
        as_user(client, township)
        assert post_step(client, case, "review").status_code == 302
        as_user(client, county)
        assert post_step(client, case, "approve").status_code == 302
        case.refresh_from_db()
        assert case.state == State.ELIMINATED and case.eliminated_on == timezone.localdate()
        page = client.get(detail(case.pk))
        assert 'id="no-actions"' in page.text and "✓" in page.text


def test_objections_during_the_notice(client: Client, tree: Any, personas: dict[str, Any]) -> None:
    cadre, township = personas["village_cadre"], personas["township_officer"]
    case = walk(open_case(personas, tree.village), personas, State.NOTICE)
    as_user(client, cadre)
    page = client.get(detail(case.pk))
    assert 'id="objection-form"' in page.text
    empty = client.post(reverse("monitoring:objection_add", args=[case.pk]), {"received_on": "", "text": ""})
    assert empty.status_code == 200 and Objection.objects.count() == 0
    answer = client.post(
        reverse("monitoring:objection_add", args=[case.pk]),
        {"received_on": timezone.localdate().isoformat(), "text": "该户有车辆"},
    )
    assert answer.status_code == 302
    objection = Objection.objects.get(case=case)

    as_user(client, township)
    blocked = post_step(client, case, "review")
    assert blocked.status_code == 200 and "Resolve every objection" in blocked.text
    resolve = reverse("monitoring:objection_resolve", args=[objection.pk])
    assert client.post(resolve, {"resolution": "", "upheld": "no"}).status_code == 200
    answer = client.post(resolve, {"resolution": "经核实车辆为营运用途", "upheld": "no"})
    assert answer.status_code == 302
    objection.refresh_from_db()
    assert objection.resolved_at is not None and objection.upheld is False
    assert post_step(client, case, "review").status_code == 302
    assert Case.objects.get(pk=case.pk).state == State.APPROVAL


def test_send_back_and_reject_need_a_reason(client: Client, tree: Any, personas: dict[str, Any]) -> None:
    case = walk(open_case(personas, tree.village), personas, State.APPRAISAL)
    as_user(client, personas["village_cadre"])
    answer = post_step(client, case, "send_back", reason="")
    assert answer.status_code == 200 and "This field is required" in answer.text
    assert post_step(client, case, "send_back", reason="同意书签字不清").status_code == 302
    case.refresh_from_db()
    assert case.state == State.VISIT
    page = client.get(detail(case.pk))
    assert "同意书签字不清" in page.text
    # A form opened before the case moved on is refused: the version it carries is old.
    stale = client.post(step(case.pk, "reject"), {"version": case.version - 1, "reason": "重复"})
    assert stale.status_code == 302 and Case.objects.get(pk=case.pk).state == State.VISIT


def test_the_bulk_form_queues_a_job(
    client: Client, tree: Any, personas: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    cases = [walk(open_case(personas, tree.village, sequence=i), personas, State.NOTICE) for i in (1, 2, 3)]
    as_user(client, personas["township_officer"])
    queue = client.get(reverse("monitoring:case_list") + "?queue=to_review")
    assert 'id="bulk-form"' in queue.text and 'id="select-notice-ended"' in queue.text
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("monitoring:case_bulk"),
            {
                "action": "review",
                "queue": "to_review",
                "scope": "selected",
                "case_ids": [cases[0].pk, cases[1].pk],
            },
        )
    job = Job.objects.get(kind="monitoring.bulk_step")
    assert answer.status_code == 302 and answer["Location"] == reverse("jobs:detail", args=[job.pk])
    assert client.get(answer["Location"]).status_code == 200
    states = dict(Case.objects.values_list("pk", "state"))
    assert [states[c.pk] for c in cases] == [State.APPROVAL, State.APPROVAL, State.NOTICE]

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("monitoring:case_bulk"),
            {"action": "review", "queue": "to_review", "scope": "notice_ended"},
        )
    assert answer.status_code == 302
    assert Case.objects.get(pk=cases[2].pk).state == State.APPROVAL
    # Nothing chosen: a message, back on the queue, no job.
    answer = client.post(
        reverse("monitoring:case_bulk"), {"action": "review", "queue": "to_review", "scope": "selected"}
    )
    assert answer.status_code == 302 and "queue=to_review" in answer["Location"]
    assert Job.objects.count() == 2
    # The village cadre's queues offer no bulk step; the township's to-visit queue neither.
    as_user(client, personas["village_cadre"])
    assert 'id="bulk-form"' in client.get(reverse("monitoring:case_list")).text
    assert 'id="bulk-submit"' not in client.get(reverse("monitoring:case_list")).text


def test_roles_and_regions(client: Client, tree: Any, personas: dict[str, Any], make_user: Any) -> None:
    case = open_case(personas, tree.village)
    far = make_user("village_cadre", tree.other_county_village, username="far")
    as_user(client, personas["township_officer"])
    assert post_step(client, case, "visit", consent="paper").status_code == 403  # the village's step
    as_user(client, personas["auditor"])
    page = client.get(detail(case.pk))
    assert page.status_code == 200 and 'id="no-actions"' in page.text
    assert post_step(client, case, "visit", consent="paper").status_code == 403
    as_user(client, far)
    assert client.get(detail(case.pk)).status_code == 404
    assert post_step(client, case, "visit", consent="paper").status_code == 404
    assert client.get(reverse("monitoring:case_list")).status_code == 200
    as_user(client, personas["sysadmin"])
    assert client.get(reverse("monitoring:case_list")).status_code == 403
    assert client.get(detail(case.pk)).status_code == 403
    home = client.get("/")
    assert "Cases" not in [str(entry.label) for entry in home.context["nav"]]
    # A step file is served only inside the region.
    as_user(client, personas["village_cadre"])
    walk(case, personas, State.APPRAISAL)
    visit = Step.objects.get(case=case, action="visit")
    assert client.get(reverse("monitoring:case_file", args=[case.pk, "step", visit.pk])).status_code == 404
    as_user(client, far)
    assert client.get(reverse("monitoring:case_file", args=[case.pk, "step", visit.pk])).status_code == 404


def test_home_queues_and_the_as_of_view(client: Client, tree: Any, personas: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    with time_machine.travel(timezone.now() - timedelta(days=12), tick=False):
        old = open_case(personas, tree.village, sequence=1, ago=timedelta(0))
    fresh = open_case(personas, tree.village, sequence=2, ago=timedelta(0))
    walk(fresh, personas, State.APPRAISAL)
    as_user(client, cadre)
    home = client.get("/")
    rows = {label: count for label, count, _url in home.context["queue"]}
    assert rows["To visit (待入户核实)"] == 1 and rows["To appraise (待民主评议)"] == 1
    assert "Cases" in [str(entry.label) for entry in home.context["nav"]]
    page = client.get(reverse("monitoring:case_list") + "?queue=to_visit")
    assert "text-bg-warning" in page.text  # twelve days: near the fifteen-day deadline
    assert 'id="notice-link"' in page.text  # the cadre's village notice

    then = (timezone.localdate() - timedelta(days=5)).isoformat()
    page = client.get(reverse("monitoring:case_list") + f"?as_of={then}")
    assert f'id="case-row-{old.pk}"' in page.text and f'id="case-row-{fresh.pk}"' not in page.text
    today = timezone.localdate().isoformat()
    page = client.get(reverse("monitoring:case_list") + f"?as_of={today}")
    row = page.text.split(f'id="case-row-{fresh.pk}"')[1].split("</tr>")[0]
    assert "To appraise" in row


def _queue_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_queue_list_does_not_grow_queries_with_rows(
    client: Client, tree: Any, personas: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    as_user(client, personas["township_officer"])
    url = reverse("monitoring:case_list") + "?queue=to_visit"
    open_case(personas, tree.village, sequence=1)
    few = _queue_queries(client, url)
    for i in range(2, 14):
        open_case(personas, tree.village, sequence=i)
    with django_assert_max_num_queries(few):
        client.get(url)
    with django_assert_max_num_queries(few + 2):  # the "as of" view adds its subquery, not a query per row
        client.get(reverse("monitoring:case_list") + f"?as_of={timezone.localdate().isoformat()}")
