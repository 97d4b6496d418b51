"""The audit events form an HMAC-SM3 chain: a changed, removed or forged row is found, named by the first
broken link; concurrent appends do not fork it; on PostgreSQL the tables cannot be truncated."""

from __future__ import annotations

import importlib
import threading
from types import SimpleNamespace
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from bottomline.audit.chain import chain_verify, changes_verify
from bottomline.audit.models import Event, EventKind
from bottomline.audit.services import event_record


def _events(personas: dict[str, Any], n: int = 4) -> list[Event]:
    return [
        event_record(
            kind=EventKind.EXPORT, user=personas["county_officer"], target=f"roster-{i}", detail={"n": i}
        )
        for i in range(n)
    ]


@pytest.mark.django_db
def test_an_untouched_chain_verifies(personas: dict[str, Any]) -> None:
    events = _events(personas)
    report = chain_verify()
    assert (report.checked, report.broken) == (len(Event.objects.all()), None)
    assert all(len(e.mac) == 64 for e in events)
    call_command("audit_verify", stdout=__import__("io").StringIO())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit_event SET target = 'other' WHERE id = %s",
        "UPDATE audit_event SET detail = '{\"n\": 9}' WHERE id = %s",
        "DELETE FROM audit_event WHERE id = %s",
    ],
)
def test_a_tampered_row_breaks_the_chain_at_it(personas: dict[str, Any], tamper: str) -> None:
    events = _events(personas)
    victim = events[1]
    with connection.cursor() as cursor:  # what someone with the database's password could do
        cursor.execute(tamper, [victim.pk])
    deleted = tamper.startswith("DELETE")
    first_broken = events[2] if deleted else victim  # a removed row breaks the link of the one after it
    assert chain_verify().broken == first_broken.pk
    with pytest.raises(CommandError, match=f"#{first_broken.pk}"):
        call_command("audit_verify")


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_do_not_fork_the_chain(personas: dict[str, Any]) -> None:
    user = personas["county_officer"]
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            start.wait()
            for i in range(8):
                event_record(kind=EventKind.EXPORT, user=user, target=f"w{worker}-{i}")
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = chain_verify()
    assert (report.checked, report.broken) == (32, None)


@pytest.mark.django_db
@pytest.mark.parametrize("table", ["audit_event", "auditlog_logentry", "audit_changeseal"])
def test_the_database_refuses_to_empty_the_audit_tables(personas: dict[str, Any], table: str) -> None:
    with connection.cursor() as cursor:  # inside the test's transaction: rolled back after it
        editor = SimpleNamespace(connection=connection, execute=cursor.execute)
        for name in ("0002_append_only_triggers", "0006_no_truncate"):
            importlib.import_module(f"bottomline.audit.migrations.{name}").create_triggers(
                None, editor, force=True
            )
    _events(personas, 1)
    if connection.vendor == "postgresql":  # the inserts' deferred key checks would refuse a TRUNCATE first
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # SQLite has no TRUNCATE: emptying a table is a DELETE, which the row triggers refuse.
    statement = (
        f"TRUNCATE {table} CASCADE" if connection.vendor == "postgresql" else f"DELETE FROM {table}"  # noqa: S608  (fixed table names)
    )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(statement)
    assert Event.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("tamper", ["update", "delete", "forge"])
def test_a_tampered_change_log_entry_breaks_the_changes_chain(personas: dict[str, Any], tamper: str) -> None:
    user = personas["county_officer"]
    for name in ("一", "二", "三"):
        user.first_name = name
        user.save()  # django-auditlog writes a LogEntry, sealed as it is written
    entries = list(LogEntry.objects.order_by("id"))
    assert changes_verify().broken is None
    victim = entries[-2]
    with connection.cursor() as cursor:
        if tamper == "update":
            cursor.execute("UPDATE auditlog_logentry SET object_repr = 'x' WHERE id = %s", [victim.pk])
        elif tamper == "delete":  # the seal goes first (its key holds the entry), then the entry
            cursor.execute("DELETE FROM audit_changeseal WHERE entry_id = %s", [victim.pk])
            cursor.execute("DELETE FROM auditlog_logentry WHERE id = %s", [victim.pk])
    if tamper == "forge":  # written without the signals that seal an entry
        (victim,) = LogEntry.objects.bulk_create(
            [
                LogEntry(
                    content_type=victim.content_type, object_pk=victim.object_pk, object_repr="x", action=1
                )
            ]
        )
    broken = entries[-1].pk if tamper == "delete" else victim.pk
    assert changes_verify().broken == broken
    with pytest.raises(CommandError, match=f"change-log entry #{broken}"):
        call_command("audit_verify")
