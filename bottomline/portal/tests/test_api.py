"""The portal through the API: staff work on declarations (masked), the poster PDF, and the public calls."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from bottomline.accounts.services import token_create
from bottomline.monitoring.models import Channel, Signal
from bottomline.portal.models import Declaration, DeclarationStatus
from bottomline.portal.tests.factories import declaration
from bottomline.registry.tests.factories import household, id_number

pytestmark = pytest.mark.django_db

PHONE = "13900000931"


def call(
    client: Client, method: str, url: str, token: str | None = None, data: Any = None, **extra: Any
) -> Any:
    headers = {"Accept-Language": "en"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    send = getattr(client, method)
    if method == "post":
        return send(
            f"/api/v1{url}", json.dumps(data or {}), content_type="application/json", headers=headers, **extra
        )
    return send(f"/api/v1{url}", headers=headers, **extra)


@pytest.fixture
def tokens(personas: dict[str, Any]) -> dict[str, str]:
    return {role: token_create(user=user, name="t")[1] for role, user in personas.items()}


@pytest.fixture
def waiting(tree: Any) -> Declaration:
    return declaration(tree.village, sequence=931, description="住院花了很多钱")


def assert_masked(response: Any, number: str) -> None:
    text = response.content.decode()
    assert number not in text and PHONE not in text and "李四" not in text


def test_list_and_detail_show_only_masked_values(
    client: Client, tree: Any, tokens: dict[str, str], waiting: Declaration
) -> None:
    number = id_number(sequence=931)
    listed = call(client, "get", "/portal/declarations?status=unmatched", tokens["township_officer"])
    assert listed.status_code == 200, listed.content
    assert [d["receipt"] for d in listed.json()["results"]] == [waiting.receipt]
    assert listed.json()["results"][0]["phone_masked"] == waiting.phone_masked
    assert_masked(listed, number)
    other = call(
        client,
        "get",
        f"/portal/declarations?village_code={tree.sibling_village.code}",
        tokens["county_officer"],
    )
    assert other.json()["count"] == 0
    detail = call(client, "get", f"/portal/declarations/{waiting.pk}", tokens["village_cadre"])
    assert detail.status_code == 200
    body = detail.json()
    assert body["description"] == "住院花了很多钱" and body["can_change"] is True
    assert body["name_masked"] == "李*" and body["id_number_masked"] == waiting.id_number_masked
    assert_masked(detail, number)
    assert (
        call(client, "get", f"/portal/declarations/{waiting.pk}", tokens["auditor"]).json()["can_change"]
        is False
    )


def test_link_through_the_api_raises_the_lead(
    client: Client, tree: Any, personas: dict[str, Any], tokens: dict[str, str], waiting: Declaration
) -> None:
    home = household(personas["village_cadre"], tree.village)
    elsewhere = household(personas["township_officer"], tree.sibling_village)
    url = f"/portal/declarations/{waiting.pk}/link"
    refused = call(client, "post", url, tokens["village_cadre"], {"household_id": elsewhere.pk})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "household"]
    linked = call(client, "post", url, tokens["village_cadre"], {"household_id": home.pk})
    assert linked.status_code == 200, linked.content
    assert linked.json()["status"] == DeclarationStatus.LINKED and linked.json()["household_id"] == home.pk
    assert_masked(linked, id_number(sequence=931))
    waiting.refresh_from_db()
    assert (
        Signal.objects.get(channel=Channel.SELF_DECLARATION, reference=waiting.receipt).lead == waiting.lead
    )
    again = call(client, "post", url, tokens["village_cadre"], {"household_id": home.pk})
    assert again.status_code == 422


def test_dismiss_through_the_api_needs_a_reason(
    client: Client, tokens: dict[str, str], waiting: Declaration
) -> None:
    url = f"/portal/declarations/{waiting.pk}/dismiss"
    assert call(client, "post", url, tokens["village_cadre"], {"reason": "  "}).status_code == 422
    dismissed = call(client, "post", url, tokens["village_cadre"], {"reason": "重复申报"})
    assert dismissed.status_code == 200
    assert dismissed.json()["status"] == "dismissed" and dismissed.json()["dismiss_reason"] == "重复申报"


def test_gate_403_for_readers_and_404_outside_the_region(
    client: Client, tree: Any, personas: dict[str, Any], tokens: dict[str, str], waiting: Declaration
) -> None:
    home = household(personas["village_cadre"], tree.village)
    url = f"/portal/declarations/{waiting.pk}/link"
    assert call(client, "post", url, tokens["auditor"], {"household_id": home.pk}).status_code == 403
    abroad = declaration(tree.sibling_village, sequence=932)
    assert (
        call(client, "get", f"/portal/declarations/{abroad.pk}", tokens["village_cadre"]).status_code == 404
    )
    dismiss = f"/portal/declarations/{abroad.pk}/dismiss"
    assert call(client, "post", dismiss, tokens["village_cadre"], {"reason": "x"}).status_code == 404
    assert call(client, "get", "/portal/declarations").status_code == 401
    assert (
        call(client, "get", f"/portal/posters/{tree.village.code}/pdf", tokens["auditor"]).status_code == 403
    )
    assert (
        call(
            client, "get", f"/portal/posters/{tree.sibling_village.code}/pdf", tokens["village_cadre"]
        ).status_code
        == 404
    )


def test_poster_pdf_through_the_api(client: Client, tree: Any, tokens: dict[str, str]) -> None:
    response = call(client, "get", f"/portal/posters/{tree.village.code}/pdf", tokens["village_cadre"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def public_body(village: Any, sequence: int, **overrides: Any) -> dict[str, Any]:
    values = {
        "name": "王建国",
        "phone": f"139{sequence:08d}",
        "id_number": id_number(sequence=sequence),
        "village_code": village.code,
        "risk_type": "illness",
        "description": "住院",
        "consent": True,
    }
    values.update(overrides)
    return values


def test_public_declaration_and_status_without_a_token(client: Client, tree: Any) -> None:
    sent = call(client, "post", "/portal/public/declarations", data=public_body(tree.village, 941))
    assert sent.status_code == 201, sent.content
    receipt = sent.json()["receipt"]
    assert set(sent.json()) == {"receipt"}
    assert Declaration.objects.get(receipt=receipt).status == DeclarationStatus.UNMATCHED
    status = call(client, "post", "/portal/public/status", data={"receipt": receipt.lower()})
    assert status.status_code == 200
    assert status.json() == {"stage": "received", "label": "Received: the village will contact you"}
    unknown = call(client, "post", "/portal/public/status", data={"receipt": "AAAAAAAAAAAA"})
    assert unknown.status_code == 404
    wrong = call(
        client, "post", "/portal/public/declarations", data=public_body(tree.village, 942, consent=False)
    )
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["body", "consent"]


def test_public_honeypot_looks_accepted_and_stores_nothing(client: Client, tree: Any) -> None:
    sent = call(
        client, "post", "/portal/public/declarations", data=public_body(tree.village, 943, website="x")
    )
    assert sent.status_code == 201 and len(sent.json()["receipt"]) == 12
    assert not Declaration.objects.exists()


def test_public_rate_limit_answers_429_with_a_message(client: Client, tree: Any) -> None:
    answers = [
        call(
            client,
            "post",
            "/portal/public/declarations",
            data=public_body(tree.village, 950 + i),
            REMOTE_ADDR="10.9.9.9",
        ).status_code
        for i in range(6)
    ]
    assert answers == [201] * 5 + [429]
    limited = call(
        client,
        "post",
        "/portal/public/declarations",
        data=public_body(tree.village, 960),
        REMOTE_ADDR="10.9.9.9",
    )
    assert limited.status_code == 429 and "Too many declarations" in limited.json()["detail"]
    assert Declaration.objects.count() == 5
    looked = [
        call(
            client, "post", "/portal/public/status", data={"receipt": "X"}, REMOTE_ADDR="10.8.8.8"
        ).status_code
        for _ in range(31)
    ]
    assert looked[-1] == 429 and set(looked[:-1]) == {404}
