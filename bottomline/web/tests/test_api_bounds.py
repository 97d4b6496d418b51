"""A list's offset past what the database's integers hold is refused as input (422), not a server error (500)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from bottomline.accounts.services import token_create


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/registry/households", "/api/v1/screening/runs/1/results"])
def test_a_huge_offset_is_refused_as_input(client: Client, personas: dict[str, Any], path: str) -> None:
    token = token_create(user=personas["county_officer"], name="bounds")[1]
    answer = client.get(path, {"offset": 2**63}, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 422, answer.content
    assert answer["Content-Type"].startswith("application/json")
