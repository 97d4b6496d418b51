"""A role's home lists only the queues whose next step the role takes; townships and counties oversee the
villages' overdue work apart from it (issue #15 item 13)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from bottomline.monitoring.selectors import (
    OWN_QUEUES,
    QUEUE_STEP,
    Queue,
    oversight_villages,
    work_queues,
)
from bottomline.monitoring.tests.factories import open_case, walk
from bottomline.monitoring.workflow import State, actor_role

pytestmark = pytest.mark.django_db

LATE = timedelta(days=40)  # past the 15-day identification deadline


def _home_queues(client: Client, user: Any) -> set[str]:
    client.force_login(user)
    page = client.get(reverse("web:home")).content.decode()
    return {queue.value for queue in Queue if f'?queue={queue.value}"' in page}


def test_the_county_home_shows_no_queue_it_cannot_act_on(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    for sequence in range(1, 4):
        open_case(personas, tree.village, sequence=sequence, ago=LATE)  # many households to visit
    walk(open_case(personas, tree.village, sequence=9), personas, State.APPROVAL)
    shown = _home_queues(client, personas["county_officer"])
    assert Queue.TO_APPROVE in shown
    assert Queue.TO_VISIT not in shown and Queue.OVERDUE not in shown and Queue.MONITORED not in shown
    for queue in shown:
        assert queue in OWN_QUEUES or actor_role(QUEUE_STEP[Queue(queue)]) == "county_officer", queue


@pytest.mark.parametrize("role", ["village_cadre", "township_officer", "county_officer", "province_officer"])
def test_every_home_queue_is_the_roles_step(client: Client, personas: dict[str, Any], role: str) -> None:
    shown = _home_queues(client, personas[role])
    assert shown == {q.value for q in work_queues(role=role)}
    for queue in work_queues(role=role):
        assert queue in OWN_QUEUES or actor_role(QUEUE_STEP[queue]) == role


def test_the_oversight_view_lists_villages_with_overdue_visits(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    late = open_case(personas, tree.village, sequence=1, ago=LATE)
    open_case(personas, tree.village, sequence=2, ago=timedelta(days=1))  # not overdue yet
    county = personas["county_officer"]
    rows = oversight_villages(viewer=county)
    assert [(r.village.code, r.visits, r.appraisals, r.followups) for r in rows] == [
        (tree.village.code, 1, 0, 0)
    ]

    client.force_login(county)
    page = client.get(reverse("monitoring:oversight")).content.decode()
    assert tree.village.name in page and tree.sibling_village.name not in page
    assert reverse("monitoring:oversight_village", args=[tree.village.code]) in page
    home = client.get(reverse("web:home")).content.decode()
    assert 'id="home-oversight"' in home and tree.village.name in home

    drill = client.get(reverse("monitoring:oversight_village", args=[tree.village.code])).content.decode()
    visits = drill.split('id="oversight-visits"')[1].split("</section>")[0]
    assert reverse("monitoring:case_detail", args=[late.pk]) in visits
    assert late.household.number in visits


def test_a_village_cadre_cannot_open_oversight_data(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    open_case(personas, tree.village, sequence=1, ago=LATE)
    client.force_login(personas["village_cadre"])
    assert client.get(reverse("monitoring:oversight")).status_code == 403
    for village in (tree.sibling_village, tree.village):
        url = reverse("monitoring:oversight_village", args=[village.code])
        assert client.get(url).status_code == 403
    assert 'id="home-oversight"' not in client.get(reverse("web:home")).content.decode()
    # A township sees its own villages and no other township's.
    client.force_login(personas["township_officer"])
    own = reverse("monitoring:oversight_village", args=[tree.sibling_village.code])
    assert client.get(own).status_code == 200
    other = reverse("monitoring:oversight_village", args=[tree.other_township_village.code])
    assert client.get(other).status_code == 404
