"""The self-declaration loop (issue #15 items 10, 11, 12): posters linked from where staff work, a township's
posters in one PDF, the declarant's phone revealed to call back, linking by name or registering the household
from the declaration, and a photo of the hardship kept sealed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from bottomline.portal.tests.test_portal import pdf_text
from conftest import _region

pytestmark = pytest.mark.django_db


def page_count(pdf: bytes) -> int:
    """The PDF's pages: its /Type /Page objects (not /Pages), in the clear or inside an object stream."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf_text(pdf)))


def test_posters_are_linked_from_the_village_the_township_and_the_declarations(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    client.force_login(personas["village_cadre"])
    village_page = client.get(f"/regions/{tree.village.code}/").content.decode()
    assert f'href="/declare/poster/{tree.village.code}.pdf"' in village_page
    listing = client.get("/portal/declarations/").content.decode()
    assert f'href="/declare/poster/{tree.village.code}.pdf"' in listing

    client.force_login(personas["township_officer"])
    township_page = client.get(f"/regions/{tree.township.code}/").content.decode()
    assert f'href="/declare/poster/{tree.township.code}.pdf"' in township_page
    assert (
        f'href="/declare/poster/{tree.township.code}.pdf"'
        in client.get("/portal/declarations/").content.decode()
    )

    client.force_login(personas["county_officer"])
    listing = client.get("/portal/declarations/").content.decode()
    for township in (tree.township, tree.other_township):
        assert f'href="/declare/poster/{township.code}.pdf"' in listing
    assert "/declare/poster/" not in client.get(f"/regions/{tree.county.code}/").content.decode()

    # Roles that do not print posters see no link.
    client.force_login(personas["prefecture_officer"])
    assert "/declare/poster/" not in client.get(f"/regions/{tree.village.code}/").content.decode()
    assert "/declare/poster/" not in client.get("/portal/declarations/").content.decode()


def test_a_township_prints_one_pdf_with_a_page_per_village(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    third = _region("630106100203", "三合村", 5, tree.township)
    client.force_login(personas["township_officer"])
    response = client.get(f"/declare/poster/{tree.township.code}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert page_count(response.content) == 3  # 永丰村, 后街村, 三合村
    assert f"poster-{tree.township.code}.pdf" in response["Content-Disposition"]
    single = client.get(f"/declare/poster/{third.code}.pdf")
    assert page_count(single.content) == 1
    # Another township, a village cadre asking for its township, a county: none of theirs.
    assert client.get(f"/declare/poster/{tree.other_township.code}.pdf").status_code == 404
    client.force_login(personas["village_cadre"])
    assert client.get(f"/declare/poster/{tree.township.code}.pdf").status_code == 404
    client.force_login(personas["county_officer"])
    assert client.get(f"/declare/poster/{tree.county.code}.pdf").status_code == 404
    assert page_count(client.get(f"/declare/poster/{tree.other_township.code}.pdf").content) == 1
