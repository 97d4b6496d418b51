"""The health endpoint: 200 with every check passing, 503 naming the one that fails."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from bottomline.engine.models import Run
from bottomline.jobs.models import Worker
from bottomline.jobs.services import WorkerHeartbeat, worker_beat, worker_gone

pytestmark = pytest.mark.django_db


def _get(client: Client) -> tuple[int, dict[str, Any]]:
    response = client.get("/health/")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, response.json()


def test_all_well_is_200() -> None:
    worker_beat(name="host-a:1")
    Run.objects.create(on=date.today(), finished_at=timezone.now() - timedelta(hours=3))
    status, body = _get(Client())
    assert status == 200, body
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "cache": True,
        "worker": True,
        "screening": True,
    }


def test_no_worker_alive_and_a_late_screening_are_503(settings: Any) -> None:
    Worker.objects.all().delete()  # a heartbeat left by an earlier test on this process's database
    Worker.objects.create(
        name="host-a:1", beat_at=timezone.now() - timedelta(seconds=settings.HEALTH_WORKER_SECONDS + 5)
    )
    Run.objects.create(
        on=date.today(), finished_at=timezone.now() - timedelta(hours=settings.HEALTH_SCREENING_HOURS + 1)
    )
    Run.objects.create(on=date.today(), started_at=timezone.now())  # still running (or died): not counted
    status, body = _get(Client())
    assert status == 503
    assert body["status"] == "failing"
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["worker"]["alive"] == 0
    assert body["checks"]["screening"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_no_screening_ever_is_503_unless_the_check_is_off(settings: Any) -> None:
    worker_beat(name="host-a:1")
    assert _get(Client())[0] == 503
    settings.HEALTH_SCREENING_HOURS = 0
    assert _get(Client())[0] == 200


def test_a_failing_cache_is_503(monkeypatch: pytest.MonkeyPatch) -> None:
    worker_beat(name="host-a:1")
    Run.objects.create(on=date.today(), finished_at=timezone.now())

    def broken(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "set", broken)
    status, body = _get(Client())
    assert status == 503
    assert body["checks"]["cache"] == {"ok": False, "error": "ConnectionError"}


@pytest.mark.django_db(transaction=True)  # the thread writes through its own connection
def test_the_worker_heartbeat_thread_beats_and_a_stopped_worker_is_forgotten() -> None:
    heartbeat = WorkerHeartbeat("host-b:7", interval=0.05)
    heartbeat.start()
    try:
        first = None
        for _ in range(100):
            row = Worker.objects.filter(name="host-b:7").first()
            if row is not None and first is None:
                first = row.beat_at
            elif row is not None and row.beat_at > first:  # type: ignore[operator]
                break
            heartbeat.stopped.wait(0.05)
        else:
            pytest.fail("the heartbeat did not beat twice")
    finally:
        heartbeat.stopped.set()
        heartbeat.join(timeout=5)
    Worker.objects.create(name="dead-host:9", beat_at=timezone.now() - timedelta(days=2))
    worker_beat(name="host-c:3")
    worker_gone(name="host-b:7")
    assert list(Worker.objects.values_list("name", flat=True)) == ["host-c:3"]
