"""`manage.py demo_cases` leaves work in every queue of the demo village, and only once."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

from django.core.management import call_command

from bottomline.monitoring.models import Case, Measure
from bottomline.monitoring.tests.factories import open_case


def test_demo_cases_fill_the_queues_once(tree: Any, personas: dict[str, Any]) -> None:
    call_command("demo_users", stdout=io.StringIO())
    for sequence in range(15):
        open_case(personas, tree.village, sequence=sequence + 1)
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
    out = io.StringIO()
    call_command("demo_cases", stdout=out)
    assert "already" in out.getvalue()
    assert Counter(Case.objects.values_list("state", flat=True)) == states
