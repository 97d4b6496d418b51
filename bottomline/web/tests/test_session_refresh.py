"""The 30-minute idle timeout without a session write on every request (issue #16)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

PAGE = "/registry/households/"


def _session_writes(captured: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in captured.captured_queries
        if "django_session" in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


@pytest.mark.django_db
def test_the_session_is_saved_once_a_minute_at_most_and_lapses_after_30_idle_minutes(
    client: Client, personas: dict[str, Any]
) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(personas["county_officer"])
        assert client.get(PAGE).status_code == 200
        clock.shift(timedelta(seconds=20))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PAGE).status_code == 200
        assert _session_writes(captured) == []  # a read within the minute writes nothing
        clock.shift(timedelta(seconds=70))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PAGE).status_code == 200
        assert len(_session_writes(captured)) == 1  # later, one write moves the idle deadline on
        # Busy for 40 minutes, a request every 50 seconds: still signed in.
        for _ in range(48):
            clock.shift(timedelta(seconds=50))
            assert client.get(PAGE).status_code == 200
        # Idle for 30 minutes: signed out.
        clock.shift(timedelta(minutes=30))
        answer = client.get(PAGE)
        assert answer.status_code == 302 and "login" in answer["Location"]
