"""API tokens: created in the UI, shown once, stored as a hash, revocable, scoped like the user."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from bottomline.accounts.models import ApiToken
from bottomline.audit.models import Event, EventKind
from bottomline.jobs.models import Job


@pytest.mark.django_db
def test_token_is_shown_once_stored_hashed_and_revocable(client: Client, personas: dict[str, Any]) -> None:
    client.force_login(personas["county_officer"])
    created = client.post("/account/tokens/", {"name": "reporting"})
    raw = created.context["new_token"]
    assert raw.startswith("bl_") and raw in created.content.decode()
    assert raw not in client.get("/account/tokens/").content.decode()
    assert raw not in str(list(ApiToken.objects.values()))
    api = Client()
    me = api.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.status_code == 200 and me.json()["region_code"] == "630106000000"
    token = ApiToken.objects.get()
    client.post(f"/account/tokens/{token.pk}/revoke/")
    assert api.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    kinds = list(Event.objects.filter(kind__startswith="token").values_list("kind", flat=True).order_by("id"))
    assert kinds == [EventKind.TOKEN_CREATED, EventKind.TOKEN_REVOKED]


@pytest.mark.django_db
def test_bad_or_missing_tokens_answer_401(client: Client) -> None:
    for headers in ({}, {"Authorization": "Bearer bl_nonsense"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/accounts/me", headers=headers)
        assert response.status_code == 401 and response.json() == {"detail": "Authentication required"}


@pytest.mark.django_db
def test_a_token_reaches_only_its_users_region(
    client: Client, tree: Any, personas: dict[str, Any], make_user: Any
) -> None:
    from bottomline.accounts.services import token_create

    outsider = make_user("county_officer", tree.other_county, username="outsider")
    raw = token_create(user=outsider, name="x")[1]
    job = Job.objects.create(kind="regions.load", region=tree.village)
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get(f"/api/v1/regions/{tree.village.code}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/jobs/{job.pk}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/regions/{tree.other_county_village.code}", headers=headers).status_code == 200
