"""A NUL character in any input (query string, form post, JSON body) is refused with 422 before it reaches the
database: PostgreSQL cannot store or compare it and answered 500. API answers are JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from bottomline.accounts.services import token_create
from bottomline.registry.tests.factories import household, id_number

pytestmark = pytest.mark.django_db

NUL = "\x00"


def _declaration(tree: Any, **overrides: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "李四",
        "phone": "13900000001",
        "id_number": id_number(sequence=77),
        "village": tree.village.code,
        "risk_type": "illness",
        "consent": "on",
    }
    values.update(overrides)
    return values


def _refused_page(response: Any) -> None:
    assert response.status_code == 422, response.status_code
    assert response["Content-Type"].startswith("text/html")


def _refused_api(response: Any) -> None:
    assert response.status_code == 422, response.status_code
    assert response["Content-Type"].startswith("application/json")
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail[0]["type"] == "nul_character"


def test_public_pages_refuse_nul(client: Client, tree: Any) -> None:
    _refused_page(client.post("/declare/", _declaration(tree, name=f"李{NUL}四")))
    _refused_page(client.post("/declare/", _declaration(tree, fixed=f"{tree.village.code}{NUL}")))
    _refused_page(client.get("/declare/", {"v": f"6301{NUL}"}))
    _refused_page(client.post("/declare/status/", {"receipt": f"AB{NUL}CD"}))
    assert client.get("/declare/", {"v": tree.village.code}).status_code == 200  # the clean form still opens


def test_staff_pages_refuse_nul(client: Client, tree: Any, personas: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    home = household(cadre, tree.village)
    client.force_login(cadre)
    _refused_page(client.get("/registry/households/", {"name": f"王{NUL}"}))
    member = {"name": f"王{NUL}", "id_number": id_number(sequence=5), "relation": "son"}
    _refused_page(client.post(f"/registry/households/{home.pk}/members/new/", member))
    assert client.get("/registry/households/", {"household_type": "lifted"}).status_code == 200


def test_the_api_refuses_nul_as_json(client: Client, tree: Any, personas: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    home = household(cadre, tree.village)
    _token, raw = token_create(user=cadre, name="t")
    auth = {"Authorization": f"Bearer {raw}"}
    _refused_api(client.get("/api/v1/registry/households", {"name": f"王{NUL}"}, headers=auth))
    _refused_api(client.get("/api/v1/registry/households", {"id_number": NUL}, headers=auth))
    member = {"name": f"王{NUL}", "id_number": id_number(sequence=6), "relation": "son", "labour": "ordinary"}
    member["education"] = "primary"
    body = json.dumps(member)  # the NUL travels as the escape \u0000
    assert "\\u0000" in body
    posted = client.post(
        f"/api/v1/registry/households/{home.pk}/members", body, content_type="application/json", headers=auth
    )
    _refused_api(posted)
    public = {
        "name": f"李{NUL}",
        "phone": "13900000002",
        "id_number": id_number(sequence=78),
        "village_code": tree.village.code,
        "risk_type": "illness",
        "consent": True,
    }
    _refused_api(
        client.post("/api/v1/portal/public/declarations", json.dumps(public), content_type="application/json")
    )
    # A key is input too.
    _refused_api(
        client.post("/api/v1/portal/public/status", json.dumps({NUL: "x"}), content_type="application/json")
    )
    assert (
        client.get("/api/v1/registry/households", {"household_type": "lifted"}, headers=auth).status_code
        == 200
    )
