"""One household online (W4: its page's data and its live screening) in as few queries as its tables allow: the
household with its village, its open case's identification day, its incomes and feed events, then its members,
and the parameters on a village's first household (issue #16 item 7: 8 queries; DESIGN.md §8: at most 3)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bottomline.accounts.backends import RegionModelBackend
from bottomline.monitoring.tests.factories import monitored_case, open_case
from bottomline.registry.features import household_screening, monitored_since
from bottomline.registry.selectors import household_get

pytestmark = pytest.mark.django_db


def _online(viewer: Any, household_id: int) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as captured:
        household = household_get(viewer=viewer, household_id=household_id)
        household_screening(household=household, on=timezone.localdate())
    return household, len(captured.captured_queries)


def test_one_household_online_reads_each_table_once(tree: Any, personas: dict[str, Any]) -> None:
    case = monitored_case(personas, tree.village, months=8, sequence=1)
    waiting = open_case(personas, tree.village, sequence=2)  # not identified yet
    viewer = RegionModelBackend().get_user(personas["county_officer"].pk)  # as a request loads it
    cache.clear()  # the village's first household: its parameters are read
    household, queries = _online(viewer, case.household_id)
    assert queries == 3  # household (village, open case, incomes, feed events), members, parameters
    assert monitored_since(household) == case.identified_on is not None
    household, queries = _online(viewer, waiting.household_id)
    assert queries == 2  # the parameters cached
    assert monitored_since(household) is None
