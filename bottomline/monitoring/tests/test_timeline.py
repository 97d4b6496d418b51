"""Timelines that hold (issue #13): no step before the lead or the step before it, nor in the future; a notice
of full calendar days after the appraisal; every clock from the first signal; no elimination without months
of stable income while monitored, assistance and follow-ups at the policy's rhythm."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from bottomline.monitoring.casework import StepIn, case_step, objection_record
from bottomline.monitoring.models import Case, Channel
from bottomline.monitoring.readiness import case_readiness
from bottomline.monitoring.services import lead_raise
from bottomline.monitoring.tests.factories import income_above_line, monitored_case, open_case, walk
from bottomline.monitoring.workflow import State
from bottomline.registry.services import income_record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The messages below are matched in English."""
    with translation.override("en"):
        yield


def _visit(on: Any) -> StepIn:
    return StepIn(on=on, consent="paper", consent_signed_on=on)


def _appraise(on: Any) -> StepIn:
    return StepIn(on=on, minutes="村民代表会议一致同意", category=2, risk_types=("illness",))


def test_a_visit_dated_before_the_lead_is_refused(tree: Any, personas: dict[str, Any]) -> None:
    case = open_case(personas, tree.village)
    lead_day = timezone.localtime(case.opened_at).date()
    cadre = personas["village_cadre"]
    with pytest.raises(ValidationError, match="before the lead"):
        case_step(actor=cadre, case_id=case.pk, action="visit", given=_visit(lead_day - timedelta(days=1)))
    assert Case.objects.get(pk=case.pk).state == State.VISIT
    case = case_step(actor=cadre, case_id=case.pk, action="visit", given=_visit(lead_day))
    assert case.state == State.APPRAISAL


def test_an_appraisal_dated_before_the_visit_is_refused(tree: Any, personas: dict[str, Any]) -> None:
    case = open_case(personas, tree.village)
    cadre = personas["village_cadre"]
    visit_day = timezone.localdate() - timedelta(days=2)
    case = case_step(actor=cadre, case_id=case.pk, action="visit", given=_visit(visit_day))
    with pytest.raises(ValidationError, match="before the step before it"):
        case_step(
            actor=cadre, case_id=case.pk, action="appraise", given=_appraise(visit_day - timedelta(days=1))
        )
    case = case_step(actor=cadre, case_id=case.pk, action="appraise", given=_appraise(visit_day))
    assert case.state == State.NOTICE


def test_a_notice_that_ended_before_the_lead_existed_is_refused(tree: Any, personas: dict[str, Any]) -> None:
    """The defect as reported: visit today, appraisal dated a month ago, notice over, reviewed at once."""
    cadre = personas["village_cadre"]
    home_case = open_case(personas, tree.village, ago=timedelta(0))
    today = timezone.localdate()
    case = case_step(actor=cadre, case_id=home_case.pk, action="visit", given=_visit(today))
    with pytest.raises(ValidationError):
        case_step(
            actor=cadre, case_id=case.pk, action="appraise", given=_appraise(today - timedelta(days=30))
        )
    assert Case.objects.get(pk=case.pk).notice_end is None


def test_a_step_or_a_consent_in_the_future_is_refused(tree: Any, personas: dict[str, Any]) -> None:
    case = open_case(personas, tree.village)
    cadre = personas["village_cadre"]
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError, match="future"):
        case_step(actor=cadre, case_id=case.pk, action="visit", given=_visit(tomorrow))
    given = StepIn(on=timezone.localdate(), consent="paper", consent_signed_on=tomorrow)
    with pytest.raises(ValidationError, match="future"):
        case_step(actor=cadre, case_id=case.pk, action="visit", given=given)


def test_the_notice_runs_full_calendar_days_after_the_appraisal(tree: Any, personas: dict[str, Any]) -> None:
    cadre, township = personas["village_cadre"], personas["township_officer"]
    case = open_case(personas, tree.village, ago=timedelta(0))
    today = timezone.localdate()
    case = case_step(actor=cadre, case_id=case.pk, action="visit", given=_visit(today))
    case = case_step(actor=cadre, case_id=case.pk, action="appraise", given=_appraise(today))
    # Five full days after the appraisal day: from tomorrow to the fifth day after today.
    assert (case.notice_start, case.notice_end) == (today + timedelta(days=1), today + timedelta(days=5))
    with (
        time_machine.travel(timezone.now() + timedelta(days=5), tick=False),
        pytest.raises(ValidationError, match="notice runs until"),
    ):
        case_step(actor=township, case_id=case.pk, action="review")
    with time_machine.travel(timezone.now() + timedelta(days=6), tick=False):
        assert case_step(actor=township, case_id=case.pk, action="review").state == State.APPROVAL


def test_objections_are_dated_inside_the_notice(tree: Any, personas: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    case = walk(open_case(personas, tree.village), personas, State.NOTICE)
    assert case.notice_start is not None
    with pytest.raises(ValidationError, match="notice"):
        objection_record(
            actor=cadre, case_id=case.pk, received_on=case.notice_start - timedelta(days=1), text="不实"
        )
    with pytest.raises(ValidationError, match="future"):
        objection_record(
            actor=cadre, case_id=case.pk, received_on=timezone.localdate() + timedelta(days=1), text="不实"
        )
    assert objection_record(actor=cadre, case_id=case.pk, received_on=case.notice_start, text="不实").pk


def test_a_declaration_linked_20_days_late_starts_its_clock_when_declared(
    tree: Any, personas: dict[str, Any]
) -> None:
    from bottomline.monitoring.selectors import Queue, case_queue, clock_for
    from bottomline.portal.services import declaration_link
    from bottomline.portal.tests.factories import declaration
    from bottomline.registry.tests.factories import household

    declared_at = timezone.now() - timedelta(days=20)
    with time_machine.travel(declared_at, tick=False):
        declared = declaration(tree.village)
    home = household(personas["village_cadre"], tree.village)
    linked = declaration_link(
        actor=personas["village_cadre"], declaration_id=declared.pk, household_id=home.pk
    )
    assert linked.lead is not None and linked.lead.first_at == declared.created_at
    case = Case.objects.get(lead=linked.lead)
    assert case.opened_at == declared.created_at
    assert case.steps.get(action="open").on == timezone.localtime(declared.created_at).date()
    county = personas["county_officer"]
    assert clock_for(viewer=county).colour(case, timezone.localdate()) == "red"
    assert list(case_queue(viewer=county, queue=Queue.OVERDUE)) == [case]


def test_an_earlier_signal_moves_the_clock_back(tree: Any, personas: dict[str, Any]) -> None:
    from bottomline.registry.tests.factories import household

    home = household(personas["village_cadre"], tree.village)
    now = timezone.now()
    lead = lead_raise(household_id=home.pk, channel=Channel.CADRE, reference="visit:1", at=now)
    earlier = now - timedelta(days=3)
    lead = lead_raise(household_id=home.pk, channel=Channel.SELF_DECLARATION, reference="R-1", at=earlier)
    assert lead.first_at == earlier and lead.last_at == now
    case = Case.objects.get(lead=lead)
    assert case.opened_at == earlier
    assert case.steps.get(action="open").on == timezone.localtime(earlier).date()


def test_walk_dates_follow_the_lead(tree: Any, personas: dict[str, Any]) -> None:
    """The test factory itself keeps a coherent timeline: each step on or after the one before it."""
    case = walk(open_case(personas, tree.village), personas, State.MONITORED)
    days = list(case.steps.order_by("at", "id").values_list("on", flat=True))
    assert days == sorted(days) and days[0] == timezone.localtime(case.opened_at).date()


def test_a_household_identified_today_is_not_eliminated_today(tree: Any, personas: dict[str, Any]) -> None:
    """Twelve months of income above the line recorded before identification count for nothing: elimination
    needs six months above the line while monitored, assistance on record and follow-ups at the rhythm."""
    cadre = personas["village_cadre"]
    case = walk(open_case(personas, tree.village), personas, State.MONITORED)
    income_above_line(personas, case, months=12)
    with pytest.raises(ValidationError, match="Not ready") as caught:
        case_step(actor=cadre, case_id=case.pk, action="propose_elimination")
    message = " ".join(caught.value.messages)
    for criterion in ("while monitored", "Assistance on record", "Follow-ups"):
        assert criterion in message, message
    judged = case_readiness(case=case, on=timezone.localdate())
    failing = {code for code, _title, holds in judged.criteria if not holds}
    assert failing == {"income_stable", "assistance_on_record", "follow_ups_on_rhythm"}, failing


@pytest.mark.django_db(transaction=True)
def test_screenings_count_months_while_monitored_on_every_engine(tree: Any, personas: dict[str, Any]) -> None:
    """The household's screening, online and batch (DuckDB and PySpark), agrees with its case: twelve months
    above the line recorded before identification do not make a household identified today ready for
    elimination; once months while monitored pass, they do."""
    from bottomline.engine.batch import rules_apply
    from bottomline.engine.features import batch_features
    from bottomline.engine.params import params_by_county
    from bottomline.engine.snapshot import read_snapshot
    from bottomline.registry.features import household_screening
    from bottomline.registry.models import Household
    from bottomline.rules.screening import from_batch_row

    def ready(household_id: int, on: Any) -> list[bool]:
        household = Household.objects.prefetch_related("members", "incomes", "feed_events").get(
            pk=household_id
        )
        online = "ready_for_elimination" in household_screening(household=household, on=on).codes
        snapshot = read_snapshot()
        counties = {c[:6] + "000000" for c in snapshot.households.column("village_code").to_pylist()}
        features = batch_features(snapshot, params_by_county(counties, on=on), on=on)
        batch = []
        for engine in ("duckdb", "spark"):
            rows = {r["household_id"]: r for r in rules_apply(features, engine=engine).to_pylist()}
            batch.append(
                household_id in rows and "ready_for_elimination" in from_batch_row(rows[household_id]).codes
            )
        return [online, *batch]

    case = walk(open_case(personas, tree.village), personas, State.MONITORED)
    income_above_line(personas, case, months=12)
    today = timezone.localdate()
    assert ready(case.household_id, today) == [False, False, False]
    later = today + timedelta(days=300)
    with time_machine.travel(later):
        income_record(
            actor=personas["village_cadre"],
            household_id=case.household_id,
            period_start=today,
            period_end=today + timedelta(days=270),
            wage=Decimal(20000),
        )
    assert ready(case.household_id, later) == [True, True, True]


def test_elimination_after_months_of_monitoring_assistance_and_follow_ups(
    tree: Any, personas: dict[str, Any]
) -> None:
    cadre = personas["village_cadre"]
    case = monitored_case(personas, tree.village, months=7)
    income_above_line(personas, case, months=12)
    judged = case_readiness(case=case, on=timezone.localdate())
    assert judged.ready, judged.as_detail()
    assert case_step(actor=cadre, case_id=case.pk, action="propose_elimination").state == State.ELIM_APPRAISAL


def test_a_missed_follow_up_blocks_elimination(tree: Any, personas: dict[str, Any]) -> None:
    case = monitored_case(personas, tree.village, months=7, skip=3)
    income_above_line(personas, case, months=12)
    judged = case_readiness(case=case, on=timezone.localdate())
    assert {code for code, _t, holds in judged.criteria if not holds} == {"follow_ups_on_rhythm"}


def test_an_overdue_follow_up_shows_in_the_cadre_and_township_queues(
    client: Client, tree: Any, personas: dict[str, Any], make_user: Any
) -> None:
    from bottomline.monitoring.assistance import followup_record, measure_add
    from bottomline.monitoring.readiness import followup_due
    from bottomline.monitoring.selectors import Queue, case_queue, queue_counts

    cadre, township = personas["village_cadre"], personas["township_officer"]
    other = make_user("village_cadre", tree.village, username="other_cadre")
    case = walk(open_case(personas, tree.village), personas, State.MONITORED)
    today = timezone.localdate()
    measure_add(actor=cadre, case_id=case.pk, kind="industry", responsible_id=cadre.pk, start=today)
    due = followup_due(case, every=1)
    assert due is not None and due == today.replace(
        month=today.month % 12 + 1, year=today.year + today.month // 12
    )
    assert not case_queue(viewer=cadre, queue=Queue.MY_FOLLOWUPS_OVERDUE).exists()
    with time_machine.travel(timezone.now() + timedelta(days=40), tick=False):
        assert list(case_queue(viewer=cadre, queue=Queue.MY_FOLLOWUPS_OVERDUE)) == [case]
        assert list(case_queue(viewer=township, queue=Queue.FOLLOWUPS_OVERDUE)) == [case]
        assert not case_queue(viewer=other, queue=Queue.MY_FOLLOWUPS_OVERDUE).exists()  # not their household
        assert dict(queue_counts(viewer=township))[Queue.FOLLOWUPS_OVERDUE] == 1
        client.force_login(township)
        page = client.get(reverse("monitoring:case_detail", args=[case.pk])).text
        shown = page.split('id="followup-due"')[1].split("</p>")[0]
        assert due.isoformat() in shown and "text-bg-danger" in shown  # the due date, marked overdue
        queue = client.get(reverse("monitoring:case_list") + "?queue=followups_overdue").text
        assert f'id="case-row-{case.pk}"' in queue
        followup_record(actor=cadre, case_id=case.pk, visited_on=timezone.localdate(), note="回访")
        assert not case_queue(viewer=township, queue=Queue.FOLLOWUPS_OVERDUE).exists()


def test_help_first_for_a_sudden_hardship_while_identification_runs(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    """先帮后评 (2024 central document No. 1): a sudden severe hardship gets measures before the county
    approves; any other case waits for the approval."""
    from bottomline.monitoring.assistance import measure_add
    from bottomline.registry.tests.factories import household, id_number, member

    cadre = personas["village_cadre"]
    today = timezone.localdate()
    home = household(cadre, tree.village, household_type="ordinary")
    member(cadre, home, id_number(sequence=61))
    lead = lead_raise(
        household_id=home.pk,
        channel=Channel.DEPARTMENT,
        reference="feed:9",
        category=3,
        risk_types=["disaster"],
    )
    sudden = Case.objects.get(lead=lead)
    assert sudden.state == State.VISIT
    measure = measure_add(
        actor=cadre, case_id=sudden.pk, kind="housing", responsible_id=cadre.pk, start=today, status="active"
    )
    assert measure.case_id == sudden.pk
    client.force_login(cadre)
    page = client.get(reverse("monitoring:case_detail", args=[sudden.pk])).text
    assert 'id="measure-form"' in page and 'id="followup-form"' not in page
    ordinary = open_case(personas, tree.village, sequence=62)  # a marginal household: help after approval
    with translation.override("en"), pytest.raises(ValidationError, match="county has approved"):
        measure_add(actor=cadre, case_id=ordinary.pk, kind="industry", responsible_id=cadre.pk, start=today)


def test_the_queue_and_the_case_page_agree_on_an_overdue_follow_up_at_a_month_end(
    tree: Any, personas: dict[str, Any]
) -> None:
    from datetime import date

    from bottomline.monitoring.readiness import case_followup_due
    from bottomline.monitoring.selectors import Queue, case_queue

    township = personas["township_officer"]
    with time_machine.travel(date(2026, 2, 28), tick=False):  # identified on the last day of February
        case = walk(open_case(personas, tree.village), personas, State.MONITORED)
    assert case.identified_on == date(2026, 2, 28)
    for today, overdue in ((date(2026, 3, 28), False), (date(2026, 3, 29), True), (date(2026, 3, 31), True)):
        due = case_followup_due(case=case, on=today)
        assert due == date(2026, 3, 28)
        assert (due < today) == overdue  # the case page
        queued = (
            case_queue(viewer=township, queue=Queue.FOLLOWUPS_OVERDUE, on=today).filter(pk=case.pk).exists()
        )
        assert queued == overdue, today


def test_the_overdue_threshold_is_the_due_date_read_backwards() -> None:
    from datetime import date

    from bottomline.monitoring.rhythm import months_after, overdue_if_last_before

    days = [date(2027, 1, 1) + timedelta(days=n) for n in range(0, 800, 1)]
    for every in (1, 2, 3, 6):
        for today in days[400::7]:
            threshold = overdue_if_last_before(today, every)
            for last in days[:420]:
                assert (months_after(last, every) < today) == (last < threshold), (last, today, every)
