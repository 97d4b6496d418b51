"""The village public notice as a PDF through the API, behind the same gate as the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from bottomline.accounts.services import token_create
from bottomline.monitoring.tests.factories import open_case, walk
from bottomline.monitoring.workflow import State

pytestmark = pytest.mark.django_db


def get(client: Client, url: str, user: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {token_create(user=user, name='t')[1]}"} if user else {}
    return client.get(f"/api/v1{url}", headers=headers)


def test_notice_pdf_through_the_api(client: Client, tree: Any, personas: dict[str, Any]) -> None:
    walk(open_case(personas, tree.village), personas, to=State.NOTICE)
    url = f"/monitoring/notices/{tree.village.code}/pdf"
    response = get(client, url, personas["township_officer"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert get(client, url, personas["auditor"]).status_code == 403
    assert (
        get(
            client, f"/monitoring/notices/{tree.sibling_village.code}/pdf", personas["village_cadre"]
        ).status_code
        == 404
    )
    assert get(client, url).status_code == 401
