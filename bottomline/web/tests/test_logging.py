"""Logging: one JSON line per event, never personal data; an unexpected error shows the user a short reference,
never a traceback, and the log line with the same reference has the traceback."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from django.test import Client

from bottomline.jobs.models import Job, JobStatus
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.services import job_create, job_run
from bottomline.logs import JsonFormatter, SkipReferencedErrors, error_reference

REFERENCE = re.compile(r"E-[A-Z2-9]{8}")
SERVER_PATH = "/srv/bottomline/var/media/imports/3f2a.csv"


@job_handler("test.broken")
def broken_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    raise RuntimeError(f"cannot read {SERVER_PATH}")


def references(caplog: pytest.LogCaptureFixture, level: int = logging.ERROR) -> dict[str, logging.LogRecord]:
    return {r.reference: r for r in caplog.records if r.levelno >= level and hasattr(r, "reference")}


def test_a_log_line_is_one_json_object_with_plain_facts_and_the_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("bottomline.jobs", logging.ERROR, __file__, 1, "job failed", None, None)
        record.exc_info = __import__("sys").exc_info()
    record.job, record.kind, record.request = 7, "registry.import", object()  # an object is never written
    line = JsonFormatter().format(record)
    assert "\n" not in line
    fields = json.loads(line)
    assert (fields["event"], fields["job"], fields["kind"], fields["level"]) == (
        "job failed",
        7,
        "registry.import",
        "ERROR",
    )
    assert "request" not in fields and "Traceback" in fields["traceback"] and "boom" in fields["traceback"]
    assert REFERENCE.fullmatch(error_reference()) and error_reference() != error_reference()


@pytest.mark.django_db
def test_a_failed_job_shows_a_reference_and_logs_the_traceback_with_it(
    client: Client, personas: dict[str, Any], tree: Any, caplog: pytest.LogCaptureFixture
) -> None:
    job = job_create(kind="test.broken", params={}, region=tree.village)
    with caplog.at_level(logging.INFO):
        assert job_run(job_id=job.pk).status == JobStatus.FAILED
    job.refresh_from_db()
    assert REFERENCE.fullmatch(job.error_reference)
    record = references(caplog)[job.error_reference]
    assert record.exc_info is not None and record.job == job.pk  # type: ignore[attr-defined]
    assert "Traceback" in JsonFormatter().format(record)
    assert SERVER_PATH not in job.error
    client.force_login(personas["village_cadre"])
    for url in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/progress/"):
        page = client.get(url).content.decode()
        assert job.error_reference in page
        assert "Traceback" not in page and SERVER_PATH not in page and "RuntimeError" not in page
    started = [r for r in caplog.records if r.getMessage() == "job started"]
    assert started and started[0].kind == "test.broken"  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_a_500_page_and_a_500_api_answer_show_only_a_reference(
    personas: dict[str, Any], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bottomline.accounts import gate
    from bottomline.accounts.services import token_create

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"cannot read {SERVER_PATH}")

    monkeypatch.setattr(gate, "access", fail)
    job = Job.objects.create(kind="test.broken")
    browser = Client(raise_request_exception=False)
    browser.force_login(personas["county_officer"])
    page = browser.get(f"/jobs/{job.pk}/")
    assert page.status_code == 500
    text = page.content.decode()
    (shown,) = set(REFERENCE.findall(text))
    assert "Traceback" not in text and SERVER_PATH not in text
    assert references(caplog)[shown].exc_info is not None
    django_lines = [r for r in caplog.records if r.name == "django.request"]
    assert django_lines and not any(SkipReferencedErrors().filter(r) for r in django_lines)  # logged once
    token = token_create(user=personas["county_officer"], name="t")[1]
    api = Client(raise_request_exception=False, headers={"Authorization": f"Bearer {token}"})
    answer = api.get(f"/api/v1/jobs/{job.pk}")
    assert answer.status_code == 500
    body = answer.json()
    assert set(body) == {"detail", "reference"} and body["reference"] in references(caplog)
    assert SERVER_PATH not in answer.content.decode()


@pytest.mark.django_db
def test_a_failed_login_is_logged_without_the_username(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        client.post(
            "/account/login/",
            {"login_view-current_step": "auth", "auth-username": "wang.jianguo", "auth-password": "wrong"},
        )
    lines = [JsonFormatter().format(r) for r in caplog.records if r.getMessage() == "login failed"]
    assert lines
    assert not any("wang.jianguo" in JsonFormatter().format(r) for r in caplog.records)
