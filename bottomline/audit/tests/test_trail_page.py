"""The auditor's log: filters, paging, export, readable changes in the viewer's language, a bounded number of
queries per page, and no cache rebuilds in a person's name."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from bottomline.audit.models import Event, EventKind

ZH = {"Accept-Language": "zh-hans"}


def _change_roles(actor: Any, users: list[Any]) -> None:
    """``actor`` moves each user to the township (a choice field and a foreign key change)."""
    with set_actor(actor):
        for user in users:
            user.role = "township_officer"
            user.region = user.region.parent
            user.save()


@pytest.fixture
def cadres(tree: Any, make_user: Any) -> list[Any]:
    return [make_user("village_cadre", tree.village, username=f"cadre{i:02d}") for i in range(30)]


@pytest.mark.django_db
def test_a_page_of_changes_costs_the_same_queries_whatever_its_length(
    client: Client, personas: dict[str, Any], cadres: list[Any], django_assert_max_num_queries: Any
) -> None:
    _change_roles(personas["sysadmin"], cadres)
    client.force_login(personas["auditor"])
    client.get("/audit/")  # warm the content-type cache
    with django_assert_max_num_queries(20):
        page = client.get("/audit/", headers=ZH)
    assert page.status_code == 200
    assert len(page.context["changes"]) >= 30


@pytest.mark.django_db
def test_changes_are_shown_with_chinese_names_and_readable_values(
    client: Client, personas: dict[str, Any], cadres: list[Any]
) -> None:
    _change_roles(personas["sysadmin"], cadres[:1])
    client.force_login(personas["auditor"])
    text = client.get("/audit/", headers=ZH).content.decode()
    # the values are marked as data (translate="no"), the words around them are the interface's
    assert '角色：<span translate="no">村干部</span> → <span translate="no">乡镇干部</span>' in text
    assert "用户" in text  # the model's verbose name, not "user"
    assert "{&#x27;" not in text and "{'" not in text  # no raw Python dicts
    english = client.get("/audit/", headers={"Accept-Language": "en"}).content.decode()
    assert 'role: <span translate="no">Village cadre (村干部)</span> → <span translate="no">Township officer (乡镇)' in english


@pytest.mark.django_db
def test_changes_filter_by_person_action_object_type_region_and_date(
    client: Client, tree: Any, personas: dict[str, Any], cadres: list[Any], make_user: Any
) -> None:
    other_admin = make_user("sysadmin", tree.county, username="other_admin")
    _change_roles(personas["sysadmin"], cadres[:3])
    _change_roles(other_admin, cadres[3:5])
    client.force_login(personas["auditor"])

    def shown(**query: str) -> list[Any]:
        page = client.get("/audit/", query)
        assert page.status_code == 200
        return list(page.context["changes"])

    by_other = shown(person="other_admin")
    assert by_other and {c.actor for c in by_other} == {"other_admin"}
    assert len(by_other) == 2
    updates = shown(action=str(LogEntry.Action.UPDATE))
    assert updates and all(c.action_code == LogEntry.Action.UPDATE for c in updates)
    created = shown(action=str(LogEntry.Action.CREATE))
    assert created and all(c.action_code == LogEntry.Action.CREATE for c in created)
    user_type = ContentType.objects.get(app_label="accounts", model="user")
    assert shown(object_type=f"{user_type.app_label}.{user_type.model}")
    assert not shown(object_type="registry.household")
    assert shown(region=tree.township.code)
    assert not shown(region=tree.other_township.code)
    assert shown(since=date.today().isoformat(), until=date.today().isoformat())
    assert not shown(until="2000-01-01")
    assert client.get("/audit/", {"since": "not a date"}).status_code == 200  # a bad value is ignored


@pytest.mark.django_db
def test_changes_are_paged_by_key(client: Client, personas: dict[str, Any], cadres: list[Any]) -> None:
    _change_roles(personas["sysadmin"], cadres)  # 30 creations and 30 updates, with the personas' own
    client.force_login(personas["auditor"])
    first = client.get("/audit/")
    rows = list(first.context["changes"])
    assert len(rows) == 50
    cursor = first.context["next_before"]
    assert cursor == rows[-1].id
    second = list(client.get("/audit/", {"before": str(cursor)}).context["changes"])
    assert second and all(c.id < cursor for c in second)
    assert not {c.id for c in rows} & {c.id for c in second}


@pytest.mark.django_db
def test_export_writes_the_filtered_changes_and_is_audited(
    client: Client, personas: dict[str, Any], cadres: list[Any]
) -> None:
    _change_roles(personas["sysadmin"], cadres[:4])
    client.force_login(personas["auditor"])
    response = client.get("/audit/export/", {"action": str(LogEntry.Action.UPDATE)}, headers=ZH)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    lines = list(csv.reader(io.StringIO(body)))
    assert len(lines) == 1 + 4
    assert any("角色：村干部 → 乡镇干部" in cell for cell in lines[1])
    assert Event.objects.filter(kind=EventKind.EXPORT, username="auditor", target="audit.changes").exists()


@pytest.mark.django_db
def test_the_export_is_refused_to_others(client: Client, personas: dict[str, Any]) -> None:
    client.force_login(personas["county_officer"])
    assert client.get("/audit/export/").status_code == 403


@pytest.mark.django_db
def test_a_figures_rebuild_is_not_logged_as_a_persons_change(personas: dict[str, Any], tree: Any) -> None:
    from django.utils import timezone

    from bottomline.dashboards.models import VillageMonth
    from bottomline.dashboards.services import figures_refresh

    month = date.today().replace(day=1)
    VillageMonth.objects.create(village=tree.village.code, month=month, refreshed_at=timezone.now())
    with set_actor(personas["county_officer"]):  # a screening run by the officer refreshes the figures
        figures_refresh(village_codes=[tree.village.code], months=[month])
    dashboards = ContentType.objects.filter(app_label="dashboards")
    assert not VillageMonth.objects.filter(village=tree.village.code).exists()  # the old row was replaced
    assert not LogEntry.objects.filter(content_type__in=dashboards, actor=personas["county_officer"]).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["before=²", "action=²", "before=99999999999999999999999", "action=١"])
def test_a_number_that_does_not_parse_leaves_its_filter_out(
    client: Client, personas: dict[str, Any], query: str
) -> None:
    # superscript digits pass str.isdigit() but int() refuses them; a number past 64 bits overflows the database
    client.force_login(personas["auditor"])
    assert client.get(f"/audit/?{query}").status_code == 200
    assert client.get(f"/audit/export/?{query}").status_code == 200
