"""`manage.py demo_cases` leaves work in every queue of the demo village, and only once."""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta
from typing import Any

from django.core.management import call_command
from django.utils import timezone

from bottomline.monitoring.models import Case, FollowUp, Measure
from bottomline.monitoring.selectors import Queue, case_queue, clock_for
from bottomline.monitoring.tests.factories import open_case


def test_demo_cases_fill_the_queues_once(tree: Any, personas: dict[str, Any]) -> None:
    call_command("demo_users", stdout=io.StringIO())
    for sequence in range(15):
        open_case(personas, tree.village, sequence=sequence + 1, ago=timedelta(0))  # as the screening does
    call_command("demo_cases", stdout=io.StringIO())
    states = Counter(Case.objects.values_list("state", flat=True))
    assert states == {
        "monitored": 3,
        "announcement": 2,
        "approval": 2,
        "notice": 4,
        "appraisal": 2,
        "visit": 2,
    }
    assert Measure.objects.count() == 3
    # Coherent timelines: the lead first, each step on or after the one before it, nothing in the future.
    today = timezone.localdate()
    for case in Case.objects.prefetch_related("steps"):
        days = [step.on for step in sorted(case.steps.all(), key=lambda s: (s.at, s.id))]
        assert days == sorted(days) and days[0] == timezone.localtime(case.opened_at).date(), case
        assert days[-1] <= today
        if case.notice_start is not None:
            appraised = max(s.on for s in case.steps.all() if s.action == "appraise")
            assert case.notice_start > appraised
    # The queues show every kind of work: amber and red clocks, notices over and running, follow-ups due.
    county, township = personas["county_officer"], personas["township_officer"]
    clock = clock_for(viewer=county)
    colours = Counter(clock.colour(case, today) for case in Case.objects.all())
    assert colours["amber"] >= 2 and colours["red"] >= 1, colours
    assert case_queue(viewer=county, queue=Queue.OVERDUE).exists()
    assert case_queue(viewer=township, queue=Queue.TO_REVIEW).count() == 2
    assert case_queue(viewer=township, queue=Queue.IN_NOTICE).count() == 2
    assert case_queue(viewer=township, queue=Queue.FOLLOWUPS_OVERDUE).count() == 1
    assert FollowUp.objects.exists()
    # Identified within the fifteen days.
    for case in Case.objects.filter(identified_on__isnull=False):
        assert case.identified_on is not None
        assert (case.identified_on - timezone.localtime(case.opened_at).date()).days <= clock.limit
    out = io.StringIO()
    call_command("demo_cases", stdout=out)
    assert "already" in out.getvalue()
    assert Counter(Case.objects.values_list("state", flat=True)) == states


def test_a_village_with_few_new_cases_still_shows_amber_red_and_overdue(
    tree: Any, personas: dict[str, Any]
) -> None:
    """The demo village may have only a handful of new cases (the screening of `make demo` leaves five): the
    first walked show an amber and a red clock and an overdue follow-up, not only cases long identified."""
    call_command("demo_users", stdout=io.StringIO())
    for sequence in range(5):
        open_case(personas, tree.village, sequence=sequence + 1, ago=timedelta(0))
    call_command("demo_cases", stdout=io.StringIO())
    today = timezone.localdate()
    clock = clock_for(viewer=personas["county_officer"])
    colours = Counter(clock.colour(case, today) for case in Case.objects.all())
    assert colours["amber"] >= 1 and colours["red"] >= 1, colours
    township = personas["township_officer"]
    assert case_queue(viewer=township, queue=Queue.FOLLOWUPS_OVERDUE).count() == 1
    assert case_queue(viewer=township, queue=Queue.IN_NOTICE).count() >= 1
