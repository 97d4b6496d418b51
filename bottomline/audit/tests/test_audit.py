"""The audit trail: append-only, recorded for logins, changes and denials, visible to auditors in scope."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.db import DatabaseError, connection, transaction
from django.test import Client

from bottomline.audit.models import AppendOnlyError, Event, EventKind
from bottomline.audit.services import event_record


@pytest.mark.django_db
def test_events_cannot_be_changed_or_deleted_by_the_application(personas: dict[str, Any]) -> None:
    event = event_record(kind=EventKind.EXPORT, user=personas["county_officer"], target="roster")
    event.target = "something else"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).update(target="x")
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).delete()
    assert Event.objects.get(pk=event.pk).target == "roster"


@pytest.mark.django_db
@pytest.mark.parametrize("table", ["audit_event", "auditlog_logentry"])
def test_database_refuses_updates_and_deletes_of_audit_rows(table: str, personas: dict[str, Any]) -> None:
    migration = importlib.import_module("bottomline.audit.migrations.0002_append_only_triggers")
    with connection.cursor() as cursor:  # inside the test's transaction: rolled back after it
        editor = SimpleNamespace(connection=connection, execute=cursor.execute)
        migration.create_triggers(None, editor, force=True)
    event_record(kind=EventKind.EXPORT, user=personas["county_officer"])
    personas["county_officer"].first_name = "改"
    personas["county_officer"].save()  # django-auditlog writes a LogEntry
    assert Event.objects.exists() and LogEntry.objects.exists()
    for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):  # noqa: S608  (fixed table names)
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(statement)


@pytest.mark.django_db
def test_login_failure_and_denial_are_recorded_without_the_password(
    client: Client, personas: dict[str, Any]
) -> None:
    from conftest import PASSWORD

    client.post(
        "/account/login/",
        {
            "login_view-current_step": "auth",
            "auth-username": "county_officer",
            "auth-password": "Wrong-pass-1",
        },
    )
    client.post(
        "/account/login/",
        {"login_view-current_step": "auth", "auth-username": "county_officer", "auth-password": PASSWORD},
    )
    assert client.get("/audit/").status_code == 403
    kinds = list(Event.objects.order_by("id").values_list("kind", "username"))
    assert kinds == [
        (EventKind.LOGIN_FAILED, "county_officer"),
        (EventKind.LOGIN, "county_officer"),
        (EventKind.PERMISSION_DENIED, "county_officer"),
    ]
    assert all(e.ip == "127.0.0.1" for e in Event.objects.all())
    dumped = str(list(Event.objects.values())) + str(list(LogEntry.objects.values()))
    assert "Wrong-pass-1" not in dumped and PASSWORD not in dumped


@pytest.mark.django_db
def test_auditor_sees_the_trail_of_their_region_only(
    client: Client, tree: Any, personas: dict[str, Any], make_user: Any
) -> None:
    outsider = make_user("county_officer", tree.other_county, username="outsider")
    event_record(kind=EventKind.EXPORT, user=personas["village_cadre"], target="inside-export")
    event_record(kind=EventKind.EXPORT, user=outsider, target="outside-export")
    client.force_login(personas["auditor"])
    page = client.get("/audit/")
    assert page.status_code == 200
    targets = {e.target for e in page.context["events"]}
    assert "inside-export" in targets and "outside-export" not in targets


@pytest.mark.django_db
def test_model_changes_through_a_request_record_actor_and_address(
    client: Client, personas: dict[str, Any]
) -> None:
    user = personas["county_officer"]
    client.force_login(user)
    client.post("/account/tokens/", {"name": "reporting"})
    token_entry = LogEntry.objects.filter(content_type__model="apitoken").get()
    assert token_entry.actor == user and token_entry.remote_addr == "127.0.0.1"
    assert "token_hash" not in token_entry.changes_dict
