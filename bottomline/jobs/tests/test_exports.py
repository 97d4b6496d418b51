"""jobs.exports: an export answers with its file while small, queues a job above the limit (the shared one, or
the export's own lower one), the job writes the same file in its creator's language, and only who may export
starts one."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.test import RequestFactory
from django.utils.translation import get_language

from bottomline.accounts.models import User
from bottomline.jobs import services
from bottomline.jobs.exports import EXPORTS, export_register, export_respond, export_start
from bottomline.jobs.models import Job, JobStatus
from bottomline.jobs.registry import HANDLERS
from bottomline.registry.models import Household

pytestmark = pytest.mark.django_db


def _write(viewer: User, params: dict[str, Any], request: HttpRequest | None) -> bytes:
    return f"{viewer.username};{params['rows']};{get_language()}".encode()


TEST = export_register(
    "jobs.test_export",
    model=Household,
    write=_write,
    rows=lambda viewer, params: int(params["rows"]),
    name=lambda params: f"test-{params['rows']}",
    suffix=".csv",
    inline_rows=10,
)


def _request(user: User) -> HttpRequest:
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_a_small_export_is_the_file_itself(personas: dict[str, Any]) -> None:
    officer = personas["county_officer"]
    answer = export_respond(_request(officer), TEST, viewer=officer, params={"rows": 10})
    assert answer.status_code == 200 and answer.content.startswith(b"county")
    assert answer["Content-Disposition"] == 'attachment; filename="test-10.csv"'
    assert not Job.objects.exists()


def test_above_its_own_limit_or_the_shared_one_it_is_a_job(
    personas: dict[str, Any], monkeypatch: Any
) -> None:
    officer = personas["county_officer"]
    answer = export_respond(_request(officer), TEST, viewer=officer, params={"rows": 11})
    job = Job.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/jobs/{job.pk}/"
    assert job.kind == "jobs.test_export" and job.params["rows"] == 11 and job.created_by == officer
    monkeypatch.setattr(services, "EXPORT_INLINE_ROWS", 5)
    assert export_respond(_request(officer), TEST, viewer=officer, params={"rows": 6}).status_code == 302
    assert "jobs.test_export" in HANDLERS and EXPORTS["jobs.test_export"] is TEST


def test_the_job_writes_the_file_as_its_creator_in_their_language(personas: dict[str, Any]) -> None:
    officer = personas["county_officer"]
    job = export_start(TEST, viewer=officer, params={"rows": 20}, language="en")
    done = services.job_run(job_id=job.pk)
    assert done.status == JobStatus.SUCCEEDED
    assert done.result["file_name"] == "test-20.csv" and done.result["rows"] == 20
    path = services.download_path(done.result["download"])
    assert path is not None and path.read_bytes().decode().endswith(";20;en")
    path.unlink()


def test_only_who_may_export_starts_one_and_params_keep_their_names(personas: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        export_start(TEST, viewer=personas["sysadmin"], params={"rows": 20}, language="en")
    with pytest.raises(ValueError):
        export_start(TEST, viewer=personas["county_officer"], params={"user": 1}, language="en")
    assert not Job.objects.exists()
