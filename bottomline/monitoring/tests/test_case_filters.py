"""Filters on the case list (issue #15 item 7): category, risk type, region (a village, by name or from the tree),
overdue and responsible cadre, each narrowing the queue shown, through the region gate; the choices a viewer is
offered are those of their own region."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from bottomline.monitoring.models import Case, Measure, MeasureKind
from bottomline.monitoring.tests.factories import open_case
from bottomline.monitoring.workflow import State

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    """A browser that asks for English (the texts checked are the English ones)."""
    return Client(headers={"Accept-Language": "en"})


@pytest.fixture
def cases(tree: Any, personas: dict[str, Any], make_user: Any) -> dict[str, Any]:
    """Four monitored cases of the county: two in 永丰村, one in 后街村, one in 大卡阳村 (another township)."""
    helper = make_user("village_cadre", tree.sibling_village, username="后街村干部")
    other = make_user("village_cadre", tree.other_township_village, username="大卡阳干部")
    made = {
        "illness": open_case(personas, tree.village, sequence=11),
        "disaster": open_case(personas, tree.village, sequence=12),
    }
    for name, village, cadre, sequence in (
        ("sibling", tree.sibling_village, helper, 13),
        ("other", tree.other_township_village, other, 14),
    ):
        made[name] = open_case({**personas, "village_cadre": cadre}, village, sequence=sequence)
    today = timezone.localdate()
    Case.objects.update(state=State.MONITORED, identified_on=today, category=1, risk_types=["illness"])
    Case.objects.filter(pk=made["disaster"].pk).update(category=3, risk_types=["disaster", "accident"])
    Case.objects.filter(pk=made["other"].pk).update(risk_types=["disaster"])
    for case, responsible in ((made["illness"], personas["village_cadre"]), (made["other"], other)):
        Measure.objects.create(
            case=case,
            kind=MeasureKind.choices[0][0],
            responsible=responsible,
            start=today,
            created_by=responsible,
        )
    made["helper"], made["other_cadre"] = helper, other
    return made


def _listed(client: Client, **query: Any) -> list[int]:
    answer = client.get("/cases/", {"queue": "monitored", **query})
    assert answer.status_code == 200
    return sorted(row["case"].pk for row in answer.context["rows"])


def _ids(cases: dict[str, Any], *names: str) -> list[int]:
    return sorted(cases[n].pk for n in names)


def test_each_filter_narrows_the_queue(
    client: Client, personas: dict[str, Any], cases: dict[str, Any]
) -> None:
    client.force_login(personas["county_officer"])
    assert _listed(client) == _ids(cases, "illness", "disaster", "sibling", "other")
    assert _listed(client, category="3") == _ids(cases, "disaster")
    assert _listed(client, risk_type="disaster") == _ids(cases, "disaster", "other")
    assert _listed(client, risk_type="accident") == _ids(cases, "disaster")
    assert _listed(client, region="永丰村") == _ids(cases, "illness", "disaster")
    assert _listed(client, region="田家寨镇") == _ids(cases, "illness", "disaster", "sibling")
    assert _listed(client, region="630106101201") == _ids(cases, "other")
    assert _listed(client, responsible=str(cases["other_cadre"].pk)) == _ids(cases, "other")
    assert _listed(client, responsible=str(personas["village_cadre"].pk)) == _ids(cases, "illness")
    assert _listed(client, category="1", region="田家寨镇") == _ids(cases, "illness", "sibling")
    # The count shown is the filtered one.
    answer = client.get("/cases/", {"queue": "monitored", "category": "3"})
    assert "1 case" in answer.content.decode()


def test_overdue_keeps_the_late_cases(
    client: Client, personas: dict[str, Any], cases: dict[str, Any]
) -> None:
    late = timezone.now() - timedelta(days=60)
    Case.objects.filter(pk=cases["sibling"].pk).update(state=State.VISIT, opened_at=late, identified_on=None)
    Case.objects.filter(pk=cases["illness"].pk).update(state=State.VISIT, identified_on=None)
    client.force_login(personas["county_officer"])
    assert _listed(client, queue="to_visit") == _ids(cases, "illness", "sibling")
    assert _listed(client, queue="to_visit", overdue="1") == _ids(cases, "sibling")


def test_the_filters_stay_inside_the_viewers_region(
    client: Client, tree: Any, personas: dict[str, Any], cases: dict[str, Any]
) -> None:
    client.force_login(personas["township_officer"])  # 田家寨镇: not 大卡阳村
    assert _listed(client) == _ids(cases, "illness", "disaster", "sibling")
    assert _listed(client, region="大卡阳村") == []
    assert _listed(client, region=tree.other_township_village.code) == []
    assert _listed(client, responsible=str(cases["other_cadre"].pk)) == _ids(
        cases, "illness", "disaster", "sibling"
    )  # not a choice of theirs: the filter is refused, and says so
    form = client.get("/cases/", {"queue": "monitored"}).context["filter_form"]
    responsible = {u.pk for u in form.fields["responsible"].queryset}
    assert responsible == {personas["village_cadre"].pk}
    page = client.get("/cases/", {"queue": "monitored"}).content.decode()
    assert "大卡阳干部" not in page and "大卡阳村" not in page
    client.force_login(personas["village_cadre"])
    assert _listed(client, region="后街村") == []
    assert _listed(client, risk_type="disaster") == _ids(cases, "disaster")


def test_the_filters_keep_the_queue_and_the_pages(
    client: Client, personas: dict[str, Any], cases: dict[str, Any]
) -> None:
    client.force_login(personas["county_officer"])
    page = client.get("/cases/", {"queue": "monitored", "category": "1"}).content.decode()
    assert 'name="category"' in page and 'name="risk_type"' in page and 'name="responsible"' in page
    assert 'name="overdue"' in page and 'name="region"' in page
    assert "queue=monitored" in page


def test_the_queue_is_counted_once_per_page(
    client: Client, personas: dict[str, Any], cases: dict[str, Any]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(personas["county_officer"])
    client.get("/cases/", {"queue": "monitored"})
    with CaptureQueriesContext(connection) as captured:
        client.get("/cases/", {"queue": "monitored"})
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    # the tabs' counts, one query for every queue; the page of the queue does not count it again
    assert len([q for q in counts if '"monitoring_case"' in q]) == 1, counts
    with CaptureQueriesContext(connection) as captured:
        answer = client.get("/cases/", {"queue": "monitored", "category": "1", "page": "1", "n": "3"})
    assert "3 cases" in answer.content.decode()
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len([q for q in counts if '"monitoring_case"' in q]) == 1, counts
