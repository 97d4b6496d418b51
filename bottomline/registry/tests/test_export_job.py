"""A large roster export runs as a job, never inside the request (issue #17): above the inline limit the page
answers at once with the job, the worker writes the file, its creator downloads it once (then it is deleted)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from bottomline.audit.models import Event, EventKind
from bottomline.jobs.models import Job, JobStatus
from bottomline.registry.tests.factories import household, id_number, member


@pytest.mark.django_db
def test_a_large_export_is_a_job_its_creator_downloads_once(
    client: Client,
    tree: Any,
    personas: dict[str, Any],
    settings: Any,
    tmp_path: Path,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr("bottomline.registry.views.EXPORT_INLINE_ROWS", 1)
    cadre = personas["village_cadre"]
    numbers = [id_number(sequence=s) for s in (41, 42)]
    for number in numbers:
        member(cadre, household(cadre, tree.village), number)
    officer = personas["county_officer"]
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.get("/registry/households/export/", {"format": "csv"})
    job = Job.objects.get(kind="registry.export")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == JobStatus.QUEUED and not Event.objects.filter(kind=EventKind.EXPORT).exists()
    for callback in queued:
        callback()  # the worker
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error_reference
    assert job.result["households"] == 2 and Event.objects.get(kind=EventKind.EXPORT).actor == officer
    page = client.get(f"/jobs/{job.pk}/")
    assert f"/jobs/{job.pk}/download/".encode() in page.content
    other = Client()
    other.force_login(personas["province_officer"])
    assert other.get(f"/jobs/{job.pk}/download/").status_code == 404  # only its creator
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    text = b"".join(download.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 3 and not any(n in text for n in numbers)  # masked, as inline
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404  # once: the file is gone
    assert list((tmp_path / "media" / "downloads").iterdir()) == []


@pytest.mark.django_db
def test_a_small_export_is_answered_inline(client: Client, tree: Any, personas: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    member(cadre, household(cadre, tree.village), id_number(sequence=43))
    client.force_login(personas["county_officer"])
    response = client.get("/registry/households/export/", {"format": "csv"})
    assert response.status_code == 200 and not Job.objects.filter(kind="registry.export").exists()
