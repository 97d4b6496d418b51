"""The feed API takes a file as the upload page does (issue #17): a multipart file, the page's limits (a file
far beyond DATA_UPLOAD_MAX_MEMORY_SIZE, up to the form's 50 MB), its checks and messages, answered as JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bottomline.accounts.services import token_create
from bottomline.feeds.tests.conftest import HEAD_ID, Home, filled
from bottomline.jobs.models import Job


def _post(user: Any, data: dict[str, Any]) -> Any:
    token = token_create(user=user, name="feeds")[1]
    return Client().post("/api/v1/feeds/uploads", data, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.django_db
def test_a_multipart_file_is_checked_as_a_job(
    home: Home,
    personas: dict[str, Any],
    tmp_path: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    housing = filled(
        tmp_path, "housing", [{"id_number": HEAD_ID, "grade": "C", "appraised_on": "2026-05-20"}]
    )
    with housing.open("rb") as handle, django_capture_on_commit_callbacks(execute=True):
        answer = _post(personas["county_officer"], {"feed_type": "housing", "file": handle})
    assert answer.status_code == 202, answer.content
    job = Job.objects.get(pk=answer.json()["job_id"])
    assert (job.kind, job.result["applied"], job.result["committed"]) == ("feeds.load", 1, False)


@pytest.mark.django_db
def test_a_file_larger_than_the_body_limit_passes_as_on_the_page(
    home: Home, personas: dict[str, Any], tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024  # what a JSON body may hold; a file part is not counted
    content = b"id_number\n" + b"x" * (256 * 1024)
    upload = SimpleUploadedFile("big.csv", content, content_type="text/csv")
    answer = _post(personas["county_officer"], {"feed_type": "housing", "file": upload})
    assert answer.status_code == 202, answer.content[:300]


@pytest.mark.django_db
def test_the_page_limits_and_messages_answer_as_json(
    home: Home, personas: dict[str, Any], tmp_path: Path, settings: Any, monkeypatch: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr("bottomline.feeds.forms.UPLOAD_LIMIT", 1024)
    officer = personas["county_officer"]
    too_big = _post(officer, {"feed_type": "housing", "file": SimpleUploadedFile("a.csv", b"x" * 2048)})
    assert too_big.status_code == 422
    assert too_big["Content-Type"].startswith("application/json")
    assert [e["loc"] for e in too_big.json()["detail"]] == [["body", "file"]]
    assert "50 MB" in too_big.json()["detail"][0]["msg"]
    wrong = _post(officer, {"feed_type": "housing", "file": SimpleUploadedFile("a.pdf", b"%PDF")})
    assert wrong.status_code == 422 and ".csv" in wrong.json()["detail"][0]["msg"]
    missing = _post(officer, {"feed_type": "housing"})
    assert missing.status_code == 422 and missing["Content-Type"].startswith("application/json")
    assert not (tmp_path / "media" / "feeds").exists() or not list((tmp_path / "media" / "feeds").iterdir())
