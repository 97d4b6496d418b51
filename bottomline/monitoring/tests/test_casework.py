"""The identification and elimination procedures through the services: order, roles, regions, needs, races,
queues, deadlines and "as of" states."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone, translation

from bottomline.monitoring.assistance import followup_record, measure_add, measure_suggestions
from bottomline.monitoring.casework import (
    StepConflict,
    StepIn,
    case_step,
    cases_bulk_step,
    objection_record,
    objection_resolve,
)
from bottomline.monitoring.models import Case, Channel, Lead, LeadStatus, MeasureKind, Step
from bottomline.monitoring.selectors import (
    Queue,
    case_queue,
    case_state_on,
    cases_as_of,
    clock_for,
    queue_counts,
)
from bottomline.monitoring.services import lead_raise
from bottomline.monitoring.tests.factories import PATH, income_above_line, open_case, step_in, walk
from bottomline.monitoring.workflow import TRANSITIONS, State, actor_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The messages below are matched in English."""
    with translation.override("en"):
        yield


def test_a_lead_opens_one_case_in_the_village_to_visit_queue(tree: Any, personas: dict[str, Any]) -> None:
    case = open_case(personas, tree.village)
    assert case.state == State.VISIT
    assert list(case.steps.values_list("action", flat=True)) == ["open"]
    assert list(case_queue(viewer=personas["village_cadre"], queue=Queue.TO_VISIT)) == [case]


def test_the_whole_identification_then_elimination(tree: Any, personas: dict[str, Any]) -> None:
    start = timezone.now()
    identified = start - timedelta(days=220)
    with time_machine.travel(identified, tick=False):
        case = walk(open_case(personas, tree.village), personas, State.MONITORED)
        assert case.category == 2 and case.risk_types == ["illness"]
        assert case.identified_on == timezone.localdate()
        actions = list(case.steps.values_list("action", flat=True))
        assert actions == ["open", "visit", "cross_check", "appraise", "review", "approve", "announce"]
        cross_check = case.steps.get(action="cross_check")
        assert "explanations" in cross_check.detail  # the rule evaluation and its explanation

        cadre = personas["village_cadre"]
        kinds = measure_suggestions(case=case)
        assert kinds[0] == MeasureKind.INDUSTRY  # a member can work: development measures first
        measure_add(
            actor=cadre,
            case_id=case.pk,
            kind=kinds[0],
            responsible_id=cadre.pk,
            start=timezone.localdate(),
            status="active",
        )
        with translation.override("en"), pytest.raises(ValidationError, match="Not ready"):
            case_step(actor=cadre, case_id=case.pk, action="propose_elimination")
    for days in range(28, 220, 28):  # a follow-up every four weeks since
        with time_machine.travel(identified + timedelta(days=days), tick=False):
            followup_record(actor=cadre, case_id=case.pk, visited_on=timezone.localdate(), note="回访")

    income_above_line(personas, case)
    follow_up = followup_record(
        actor=cadre, case_id=case.pk, visited_on=timezone.localdate(), note="收入稳定"
    )
    assert follow_up.ready and follow_up.evaluation["readiness"]["ready"], follow_up.evaluation

    case = case_step(actor=cadre, case_id=case.pk, action="propose_elimination")
    assert case.state == State.ELIM_APPRAISAL
    with time_machine.travel(start + timedelta(days=1), tick=False):
        case = case_step(actor=cadre, case_id=case.pk, action="appraise", given=StepIn(minutes="评议通过"))
    with time_machine.travel(start + timedelta(days=7), tick=False):
        followup_record(actor=cadre, case_id=case.pk, visited_on=timezone.localdate(), note="回访")
        case = case_step(actor=personas["township_officer"], case_id=case.pk, action="review")
        case = case_step(actor=personas["county_officer"], case_id=case.pk, action="approve")
    assert case.state == State.ELIMINATED and case.closed_at is not None
    assert Lead.objects.filter(case=case, status=LeadStatus.CLOSED).exists()
    # Nothing is deleted, and the household can re-enter as a new case.
    lead = lead_raise(household_id=case.household_id, channel=Channel.SELF_DECLARATION, reference="R-2")
    assert Case.objects.filter(household_id=case.household_id).count() == 2
    assert Case.objects.get(lead=lead).state == State.VISIT


def test_no_level_acts_before_the_level_below(tree: Any, personas: dict[str, Any]) -> None:
    case = open_case(personas, tree.village)
    with pytest.raises(ValidationError, match="cannot be taken now"):
        case_step(actor=personas["county_officer"], case_id=case.pk, action="approve")
    with pytest.raises(ValidationError, match="cannot be taken now"):
        case_step(actor=personas["township_officer"], case_id=case.pk, action="review")
    # The county may see the case but not take the village's step.
    with pytest.raises(PermissionDenied):
        case_step(
            actor=personas["county_officer"], case_id=case.pk, action="visit", given=step_in(PATH[0][3])
        )
    assert Case.objects.get(pk=case.pk).state == State.VISIT


def test_a_step_outside_the_actor_region_does_not_exist(
    tree: Any, personas: dict[str, Any], make_user: Any
) -> None:
    case = open_case(personas, tree.village)
    stranger = make_user("village_cadre", tree.sibling_village, username="stranger")
    with pytest.raises(Http404):
        case_step(actor=stranger, case_id=case.pk, action="visit", given=step_in(PATH[0][3]))
    auditor = personas["auditor"]
    with pytest.raises(PermissionDenied):  # auditors read, never act
        case_step(actor=auditor, case_id=case.pk, action="visit", given=step_in(PATH[0][3]))


def test_each_step_asks_for_what_it_needs(tree: Any, personas: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    case = open_case(personas, tree.village)
    with pytest.raises(ValidationError) as caught:
        case_step(actor=cadre, case_id=case.pk, action="visit")
    assert "consent" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        case_step(actor=cadre, case_id=case.pk, action="visit", given=StepIn(consent="scan"))
    assert "attachment" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        case_step(actor=cadre, case_id=case.pk, action="reject")
    assert "reason" in caught.value.message_dict
    case = walk(case, personas, State.APPRAISAL)
    with pytest.raises(ValidationError) as caught:
        case_step(actor=cadre, case_id=case.pk, action="appraise", given=StepIn(minutes="同意"))
    assert "category" in caught.value.message_dict


def test_the_notice_must_run_its_days_and_objections_be_resolved(tree: Any, personas: dict[str, Any]) -> None:
    cadre, township = personas["village_cadre"], personas["township_officer"]
    case = walk(open_case(personas, tree.village), personas, State.APPRAISAL)
    today = timezone.localdate()
    given = StepIn(on=today, minutes="同意", category=1, risk_types=("illness",))
    case = case_step(actor=cadre, case_id=case.pk, action="appraise", given=given)
    assert case.notice_end == today + timedelta(days=5)  # five full days of notice after the appraisal
    assert list(case_queue(viewer=township, queue=Queue.IN_NOTICE)) == [case]
    with pytest.raises(ValidationError, match="notice runs until"):
        case_step(actor=township, case_id=case.pk, action="review")
    tomorrow = today + timedelta(days=1)
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
        objection = objection_record(actor=cadre, case_id=case.pk, received_on=tomorrow, text="收入情况不实")
    with time_machine.travel(timezone.now() + timedelta(days=6), tick=False):
        assert list(case_queue(viewer=township, queue=Queue.TO_REVIEW)) == [case]
        with pytest.raises(ValidationError, match="objection"):
            case_step(actor=township, case_id=case.pk, action="review")
        objection_resolve(actor=cadre, objection_id=objection.pk, resolution="经核实收入属实", upheld=False)
        case = case_step(actor=township, case_id=case.pk, action="review")
    assert case.state == State.APPROVAL


def test_send_back_and_reject_keep_the_reason(tree: Any, personas: dict[str, Any]) -> None:
    case = walk(open_case(personas, tree.village), personas, State.APPROVAL)
    county = personas["county_officer"]
    case = case_step(actor=county, case_id=case.pk, action="send_back", given=StepIn(reason="评议记录不全"))
    assert case.state == State.NOTICE
    township = personas["township_officer"]
    case = case_step(
        actor=township, case_id=case.pk, action="reject", given=StepIn(reason="收入高于监测范围")
    )
    assert case.state == State.REJECTED and case.closed_at is not None
    assert case.steps.get(action="reject").reason == "收入高于监测范围"


@pytest.mark.django_db(transaction=True)
def test_a_step_taken_twice_at_once_takes_effect_once(tree: Any, personas: dict[str, Any]) -> None:
    case = walk(open_case(personas, tree.village), personas, State.NOTICE)
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def review() -> None:
        barrier.wait()
        try:
            case_step(actor=personas["township_officer"], case_id=case.pk, action="review")
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=review) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok"] + ["refused"] * 7
    assert Step.objects.filter(case=case, action="review").count() == 1
    assert Case.objects.get(pk=case.pk).version == case.version + 1


def test_a_stale_version_is_refused(tree: Any, personas: dict[str, Any]) -> None:
    case = open_case(personas, tree.village)
    with pytest.raises(StepConflict):
        case_step(
            actor=personas["village_cadre"],
            case_id=case.pk,
            action="visit",
            given=step_in(PATH[0][3]),
            version=case.version + 1,
        )


def test_deadline_colours_and_the_overdue_queue(tree: Any, personas: dict[str, Any]) -> None:
    case = open_case(personas, tree.village, ago=timedelta(0))
    viewer = personas["county_officer"]
    clock = clock_for(viewer=viewer)
    assert (clock.warning, clock.limit) == (10, 15)
    today = timezone.localdate()
    assert clock.colour(case, today) == ""
    assert clock.colour(case, today + timedelta(days=10)) == "amber"
    assert clock.colour(case, today + timedelta(days=16)) == "red"
    with time_machine.travel(timezone.now() + timedelta(days=16), tick=False):
        assert list(case_queue(viewer=viewer, queue=Queue.OVERDUE)) == [case]
        counts = dict(queue_counts(viewer=viewer))
        assert counts[Queue.OVERDUE] == 1 and counts[Queue.TO_VISIT] == 1


def test_the_state_of_a_case_on_a_past_day(tree: Any, personas: dict[str, Any]) -> None:
    start = timezone.now()
    with time_machine.travel(start - timedelta(days=20), tick=False):
        case = open_case(personas, tree.village, ago=timedelta(0))
    with time_machine.travel(start - timedelta(days=18), tick=False):
        case = walk(case, personas, State.APPRAISAL)
    case = walk(case, personas, State.MONITORED)
    today = timezone.localdate()
    assert case_state_on(case=case, on=today - timedelta(days=25)) is None
    assert case_state_on(case=case, on=today - timedelta(days=19)) == State.VISIT
    assert case_state_on(case=case, on=today - timedelta(days=5)) == State.APPRAISAL
    assert case_state_on(case=case, on=today) == State.MONITORED
    then = cases_as_of(viewer=personas["county_officer"], on=today - timedelta(days=5)).get()
    assert then.state_then == State.APPRAISAL  # type: ignore[attr-defined]  # annotated by the selector


def test_a_bulk_step_survives_the_cases_it_cannot_move(
    tree: Any, personas: dict[str, Any], make_user: Any
) -> None:
    ready = [walk(open_case(personas, tree.village, sequence=i), personas, State.NOTICE) for i in (1, 2)]
    early = open_case(personas, tree.village, sequence=3)
    ids = [ready[0].pk, early.pk, ready[1].pk]
    result = cases_bulk_step(actor=personas["township_officer"], case_ids=ids, action="review")
    assert result["done"] == [ready[0].pk, ready[1].pk]
    assert list(result["failed"]) == [str(early.pk)]
    again = cases_bulk_step(actor=personas["township_officer"], case_ids=ids, action="review")
    assert again["done"] == []  # re-running moves nothing twice


def test_every_state_but_the_closed_ones_has_a_role() -> None:
    for state in State:
        assert (actor_role(state) is None) == (state in (State.ELIMINATED, State.REJECTED))
    assert all(t.needs == ("reason",) for t in TRANSITIONS if t.action in ("reject", "send_back"))


def test_bulk_steps_run_as_a_job_with_progress(
    tree: Any, personas: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    from bottomline.jobs.models import Job, JobStatus
    from bottomline.monitoring.jobs import bulk_step_enqueue

    cases = [walk(open_case(personas, tree.village, sequence=i), personas, State.NOTICE) for i in (1, 2)]
    township = personas["township_officer"]
    with pytest.raises(ValidationError):
        bulk_step_enqueue(actor=township, case_ids=[c.pk for c in cases], action="visit")
    with pytest.raises(PermissionDenied):
        bulk_step_enqueue(actor=personas["auditor"], case_ids=[c.pk for c in cases], action="review")
    with django_capture_on_commit_callbacks(execute=True):
        job = bulk_step_enqueue(actor=township, case_ids=[c.pk for c in cases], action="review")
    job = Job.objects.get(pk=job.pk)
    assert job.status == JobStatus.SUCCEEDED and job.done == job.total == 2
    assert sorted(job.result["done"]) == sorted(c.pk for c in cases)
    assert set(Case.objects.values_list("state", flat=True)) == {State.APPROVAL}


def test_docs_workflow_lists_every_transition() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "docs" / "workflow.md").read_text()
    _head, _sep, rest = text.partition("<!-- transitions:begin -->")
    table, _sep, _tail = rest.partition("<!-- transitions:end -->")
    rows = [
        f"| `{t.action.value}` | `{t.source.value}` → `{t.target.value}` | `{t.role.value}` | "
        f"{', '.join(t.needs) or '—'} |"
        for t in TRANSITIONS
    ]
    assert [line for line in table.strip().splitlines()[2:]] == rows, "update docs/workflow.md"


def test_a_household_without_labour_on_the_safety_net_stays_monitored(
    tree: Any, personas: dict[str, Any]
) -> None:
    from bottomline.registry.services import household_update
    from bottomline.registry.tests.factories import household, id_number, member

    cadre = personas["village_cadre"]
    home = household(cadre, tree.village)
    member(cadre, home, id_number(sequence=41), labour="none")
    household_update(actor=cadre, household_id=home.pk, welfare="dibao")
    lead = lead_raise(
        household_id=home.pk, channel=Channel.CADRE, reference="v", at=timezone.now() - timedelta(days=7)
    )
    case = walk(Case.objects.get(lead=lead), personas, State.MONITORED)
    assert case.safety_net
    assert measure_suggestions(case=case)[0] == MeasureKind.DIBAO  # nobody can work: safety net first
    income_above_line(personas, case)
    with translation.override("en"), pytest.raises(ValidationError, match="safety net"):
        case_step(actor=cadre, case_id=case.pk, action="propose_elimination")
