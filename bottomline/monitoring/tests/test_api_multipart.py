"""The monitoring API takes attachments as multipart files (issue #17 item 6), as the feed API takes its files:
a step's consent scan and a measure's evidence, on create and on change, with the same 10 MB limit and types as
the base64 JSON they came in before (which still works), kept encrypted like every attachment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from bottomline.accounts.services import token_create
from bottomline.monitoring.models import Case, Measure
from bottomline.monitoring.tests.factories import open_case, walk
from bottomline.monitoring.workflow import State

pytestmark = pytest.mark.django_db

BASE = "/api/v1/monitoring"
PDF = b"%PDF-1.4\n% consent signed by the household head, illness of the mother\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\1" * 40


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT  # type: ignore[no-any-return]


def send(user: Any, method: str, path: str, form: dict[str, Any], status: int) -> Any:
    """A multipart request with a bearer token (PATCH too: Django's client encodes it by hand)."""
    headers = {"Authorization": f"Bearer {token_create(user=user, name='t')[1]}", "Accept-Language": "en"}
    body = form if method == "post" else encode_multipart(BOUNDARY, form)
    response = getattr(Client(), method)(BASE + path, body, content_type=MULTIPART_CONTENT, headers=headers)
    assert response.status_code == status, response.content.decode()
    return response.json()


def test_a_consent_scan_as_a_multipart_file_is_kept_encrypted(
    tree: Any, personas: dict[str, Any], media: Path
) -> None:
    case = open_case(personas, tree.village)
    form = {
        "action": "visit",
        "version": "0",
        "consent": "scan",
        "attachment": SimpleUploadedFile("同意书.pdf", PDF),
    }
    after = send(personas["village_cadre"], "post", f"/cases/{case.pk}/steps", form, 200)
    assert after["state"] == "appraisal" and after["steps"][1]["has_attachment"]
    stored = Case.objects.get(pk=case.pk).steps.get(action="visit").attachment
    assert (stored.name or "").endswith(".pdf")
    on_disk = (media / str(stored.name)).read_bytes()
    assert b"%PDF" not in on_disk and b"illness" not in on_disk
    assert stored.open("rb").read() == PDF


def test_a_multipart_step_takes_lists_and_refuses_what_is_not_a_scan(
    tree: Any, personas: dict[str, Any], media: Path
) -> None:
    cadre = personas["village_cadre"]
    case = open_case(personas, tree.village)
    exe = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a scan")
    refused = send(
        cadre,
        "post",
        f"/cases/{case.pk}/steps",
        {"action": "visit", "consent": "scan", "attachment": exe},
        422,
    )
    assert "PDF, JPEG or PNG" in refused["detail"][0]["msg"] and refused["detail"][0]["loc"] == [
        "body",
        "attachment",
    ]
    empty = SimpleUploadedFile("scan.png", b"")
    send(
        cadre,
        "post",
        f"/cases/{case.pk}/steps",
        {"action": "visit", "consent": "scan", "attachment": empty},
        422,
    )
    missing = send(cadre, "post", f"/cases/{case.pk}/steps", {"version": "0"}, 422)  # no action
    assert missing["detail"][0]["loc"] == ["form", "action"]
    assert Case.objects.get(pk=case.pk).state == State.VISIT

    png = SimpleUploadedFile("scan.png", PNG)
    send(
        cadre,
        "post",
        f"/cases/{case.pk}/steps",
        {"action": "visit", "consent": "scan", "attachment": png},
        200,
    )
    appraised = send(
        cadre,
        "post",
        f"/cases/{case.pk}/steps",
        {
            "action": "appraise",
            "minutes": "一致同意",
            "category": "2",
            "risk_types": ["illness", "disability"],
        },
        200,
    )
    assert appraised["state"] == "notice" and sorted(appraised["risk_types"]) == ["disability", "illness"]


def test_a_multipart_attachment_over_10_mb_is_refused(
    tree: Any, personas: dict[str, Any], media: Path
) -> None:
    case = open_case(personas, tree.village)
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024))
    form = {"action": "visit", "consent": "scan", "attachment": big}
    refused = send(personas["village_cadre"], "post", f"/cases/{case.pk}/steps", form, 422)
    assert "10 MB" in refused["detail"][0]["msg"]
    assert Case.objects.get(pk=case.pk).state == State.VISIT


def test_a_measures_evidence_as_a_multipart_file_on_create_and_on_change(
    tree: Any, personas: dict[str, Any], media: Path
) -> None:
    cadre = personas["village_cadre"]
    case = walk(open_case(personas, tree.village), personas, State.MONITORED)
    form = {
        "kind": "industry",
        "responsible_id": str(cadre.pk),
        "start": case.identified_on.isoformat() if case.identified_on else "",
        "amount": "3000",
        "evidence": SimpleUploadedFile("receipt.pdf", PDF),
    }
    measure = send(cadre, "post", f"/cases/{case.pk}/measures", form, 201)
    assert measure["has_evidence"] and measure["amount"] == "3000.00"
    first = Measure.objects.get(pk=measure["id"]).evidence
    assert b"%PDF" not in (media / str(first.name)).read_bytes()

    changed = send(
        cadre,
        "patch",
        f"/measures/{measure['id']}",
        {"status": "active", "evidence": SimpleUploadedFile("r.png", PNG)},
        200,
    )
    assert changed["status"] == "active" and changed["amount"] == "3000.00"
    evidence = Measure.objects.get(pk=measure["id"]).evidence
    assert (evidence.name or "").endswith(".png") and evidence.open("rb").read() == PNG
    exe = SimpleUploadedFile("r.pdf", b"MZ not evidence")
    refused = send(cadre, "patch", f"/measures/{measure['id']}", {"evidence": exe}, 422)
    assert refused["detail"][0]["loc"] == ["body", "evidence"]


def test_the_schema_documents_both_bodies() -> None:
    from bottomline.api import api

    paths = api.get_openapi_schema()["paths"]
    for path, method, file in (
        ("/api/v1/monitoring/cases/{case_id}/steps", "post", "attachment"),
        ("/api/v1/monitoring/cases/{case_id}/measures", "post", "evidence"),
        ("/api/v1/monitoring/measures/{measure_id}", "patch", "evidence"),
    ):
        content = paths[path][method]["requestBody"]["content"]
        assert content["multipart/form-data"]["schema"]["properties"][file]["format"] == "binary"
        assert f"{file}_base64" in content["application/json"]["schema"]["properties"]


def test_a_multipart_body_without_its_boundary_is_the_documented_400(
    tree: Any, personas: dict[str, Any], media: Path
) -> None:
    headers = {"Authorization": f"Bearer {token_create(user=personas['village_cadre'], name='t')[1]}"}
    for method, path in (("post", "/cases/1/steps"), ("patch", "/measures/1")):
        response = getattr(Client(), method)(
            BASE + path, b"--x\r\n", content_type="multipart/form-data", headers=headers
        )
        assert response.status_code == 400 and set(response.json()) == {"detail"}
