"""The work queues' counts at scale (issue #16): one query, scoped by the viewer's region, whatever the queues."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bottomline.monitoring.models import Case, Measure, MeasureKind
from bottomline.monitoring.selectors import ROLE_QUEUES, Queue, case_queue, queue_counts
from bottomline.monitoring.tests.factories import open_case, walk
from bottomline.monitoring.workflow import State
from bottomline.registry.models import Household

pytestmark = pytest.mark.django_db

VIEWERS = ("village_cadre", "township_officer", "county_officer", "province_officer")


@pytest.fixture
def cases(tree: Any, personas: dict[str, Any]) -> list[Case]:
    found = [open_case(personas, tree.village, sequence=s) for s in range(1, 6)]
    for case, state in zip(
        found, (State.APPRAISAL, State.NOTICE, State.APPROVAL, State.MONITORED), strict=False
    ):
        walk(case, personas, state)
    # A case of another county, in every state a queue reads: never counted for this county's staff.
    elsewhere = Household.objects.create(
        number="X1", village=tree.other_county_village, household_type="lifted", housing_grade="B"
    )
    Case.objects.create(household=elsewhere, state=State.VISIT, opened_at=timezone.now() - timedelta(days=30))
    # Two measures of one case in the cadre's care: the cadre's "my assisted households" counts the case once.
    for _ in range(2):
        Measure.objects.create(
            case=found[3],
            kind=MeasureKind.choices[0][0],
            responsible=personas["village_cadre"],
            start=timezone.localdate(),
            created_by=personas["village_cadre"],
        )
    return found


@pytest.mark.parametrize("later", [0, 16])
def test_queue_counts_are_the_queues_sizes(personas: dict[str, Any], cases: list[Case], later: int) -> None:
    with time_machine.travel(timezone.now() + timedelta(days=later), tick=False):
        for role in VIEWERS:
            viewer = personas[role]
            counts = queue_counts(viewer=viewer)
            assert counts == [(q, case_queue(viewer=viewer, queue=q).count()) for q, _n in counts], role
            assert any(n for _q, n in counts), role
        assert dict(queue_counts(viewer=personas["village_cadre"]))[Queue.MY_ASSISTED] == 1


def test_queue_counts_read_the_cases_once_within_the_region(
    personas: dict[str, Any], cases: list[Case]
) -> None:
    for role in VIEWERS:
        viewer = personas[role]
        with CaptureQueriesContext(connection) as captured:
            queue_counts(viewer=viewer)
        reads = [q["sql"] for q in captured.captured_queries if "monitoring_case" in q["sql"]]
        assert len(reads) == 1, (role, len(ROLE_QUEUES.get(viewer.role, ())), reads)
        assert "BETWEEN" in reads[0].upper(), reads[0]  # the region's subtree, not every case of a state


def test_cases_are_indexed_for_a_region_s_counts() -> None:
    # The region's households are found by village; their cases, by household and state, from one index.
    assert any(list(index.fields[:2]) == ["household", "state"] for index in Case._meta.indexes)
