"""Attachments (consent scans, minutes, evidence) are encrypted at rest with the field keys, read back only
through the gated view, rotated with the keys, and deleted when nothing refers to them (item 2 of issue #12)."""

from __future__ import annotations

import base64
import io
import os
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from bottomline.monitoring.assistance import measure_add, measure_update
from bottomline.monitoring.models import Measure
from bottomline.monitoring.tests.factories import open_case, walk
from bottomline.monitoring.workflow import State
from bottomline.privacy.keys import field_keys

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% evidence: a receipt of the subsidy, 3000 yuan\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\1" * 40


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT  # type: ignore[no-any-return]


@pytest.fixture
def with_evidence(tree: Any, personas: dict[str, Any], media: Path) -> Measure:
    cadre = personas["village_cadre"]
    case = walk(open_case(personas, tree.village), personas, State.MONITORED)
    return measure_add(
        actor=cadre,
        case_id=case.pk,
        kind="industry",
        responsible_id=cadre.pk,
        start=date(2026, 1, 5),
        evidence=ContentFile(PDF, name="receipt.pdf"),
    )


def file_url(measure: Measure) -> str:
    return reverse("monitoring:case_file", args=[measure.case_id, "measure", measure.pk])


def test_an_attachment_is_encrypted_on_disk_and_read_back_through_the_gate(
    with_evidence: Measure, media: Path, client: Client, personas: dict[str, Any]
) -> None:
    on_disk = (media / str(with_evidence.evidence.name)).read_bytes()
    assert b"%PDF" not in on_disk and b"3000 yuan" not in on_disk
    client.force_login(personas["village_cadre"])
    answer = client.get(file_url(with_evidence))
    assert answer.status_code == 200 and answer.getvalue() == PDF
    # never a public address: the storage has none to give
    with pytest.raises(ValueError, match="gated"):
        _ = with_evidence.evidence.url


def test_a_replaced_attachment_is_deleted_once_the_change_commits(
    with_evidence: Measure,
    media: Path,
    personas: dict[str, Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    old = media / str(with_evidence.evidence.name)
    with django_capture_on_commit_callbacks(execute=True):
        updated = measure_update(
            actor=personas["village_cadre"],
            measure_id=with_evidence.pk,
            evidence=ContentFile(PNG, name="photo.png"),
        )
    assert not old.exists()
    assert (media / str(updated.evidence.name)).exists()


def test_the_sweep_deletes_orphans_and_keeps_what_is_referred_to_or_still_arriving(
    with_evidence: Measure, media: Path
) -> None:
    kept = media / str(with_evidence.evidence.name)
    orphan = media / "casework" / "2025" / "11" / "left-by-a-failed-step.pdf"
    arriving = media / "measures" / "2026" / "01" / "being-saved.pdf"
    for path in (orphan, arriving):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"stray")
    day_ago = time.time() - 25 * 3600
    for path in (kept, orphan):
        os.utime(path, (day_ago, day_ago))

    call_command("attachments_prune", verbosity=0)

    assert kept.exists() and arriving.exists()
    assert not orphan.exists()


def test_rotation_re_encrypts_attachments_and_the_old_key_can_go(
    with_evidence: Measure, settings: Any, client: Client, personas: dict[str, Any]
) -> None:
    new = "new2:" + base64.b64encode(b"n" * 16).decode()
    try:
        settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS + "," + new
        settings.FIELD_ENCRYPTION_ACTIVE_KEY = "new2"
        field_keys.cache_clear()
        call_command("rotate_field_keys", stdout=io.StringIO())
        settings.FIELD_ENCRYPTION_KEYS = new
        field_keys.cache_clear()
        client.force_login(personas["village_cadre"])
        answer = client.get(file_url(with_evidence))
        assert answer.status_code == 200 and answer.getvalue() == PDF
    finally:
        field_keys.cache_clear()


def test_rotation_seals_a_file_kept_before_encryption_at_rest(
    with_evidence: Measure, media: Path, client: Client, personas: dict[str, Any]
) -> None:
    legacy = media / "measures" / "2025" / "03" / "old-evidence.pdf"
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(PDF)
    Measure.objects.filter(pk=with_evidence.pk).update(evidence="measures/2025/03/old-evidence.pdf")

    call_command("rotate_field_keys", stdout=io.StringIO())

    assert legacy.read_bytes().startswith(b"bl-sm4:dev1:") and b"%PDF" not in legacy.read_bytes()
    client.force_login(personas["village_cadre"])
    answer = client.get(file_url(with_evidence))
    assert answer.status_code == 200 and answer.getvalue() == PDF
