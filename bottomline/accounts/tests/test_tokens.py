"""API tokens: created in the UI, shown once, stored as a hash, revocable, scoped like the user."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

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


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


@pytest.mark.django_db
def test_a_token_expires_after_the_days_it_was_given(client: Client, personas: dict[str, Any]) -> None:
    from bottomline.accounts.services import token_create

    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        raw = token_create(user=personas["county_officer"], name="weekly", scope="read", days=7)[1]
        assert ApiToken.objects.get().expires_at == start + timedelta(days=7)
        clock.shift(timedelta(days=7) - timedelta(seconds=1))
        assert client.get("/api/v1/accounts/me", headers=bearer(raw)).status_code == 200
        clock.shift(timedelta(seconds=2))
        assert client.get("/api/v1/accounts/me", headers=bearer(raw)).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("days", [0, -1, 91, 10_000])
def test_a_token_lives_at_most_the_longest_lifetime(personas: dict[str, Any], days: int) -> None:
    from bottomline.accounts.services import token_create

    with pytest.raises(ValidationError):
        token_create(user=personas["county_officer"], name="forever", scope="read", days=days)
    with pytest.raises(ValidationError):
        token_create(user=personas["county_officer"], name="all", scope="admin", days=30)
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_a_read_token_reads_and_a_write_token_writes(client: Client, personas: dict[str, Any]) -> None:
    from bottomline.accounts.services import token_create

    officer = personas["county_officer"]
    reader = token_create(user=officer, name="r", scope="read", days=30)[1]
    writer = token_create(user=officer, name="w", scope="write", days=30)[1]
    assert client.get("/api/v1/accounts/me", headers=bearer(reader)).status_code == 200
    refused = client.post(
        "/api/v1/policy/proposals", {}, content_type="application/json", headers=bearer(reader)
    )
    assert refused.status_code == 403
    assert Event.objects.filter(kind=EventKind.PERMISSION_DENIED, actor=officer).exists()
    tried = client.post(
        "/api/v1/policy/proposals", {}, content_type="application/json", headers=bearer(writer)
    )
    assert tried.status_code == 422  # past the scope, on to the input check
    assert client.get("/api/v1/accounts/me", headers=bearer(writer)).status_code == 200


@pytest.mark.django_db
def test_a_password_change_ends_the_users_tokens(client: Client, personas: dict[str, Any]) -> None:
    from bottomline.accounts.services import token_create

    officer = personas["county_officer"]
    raw = token_create(user=officer, name="r", scope="read", days=30)[1]
    other = token_create(user=personas["auditor"], name="r", scope="read", days=30)[1]
    officer.last_login = timezone.now()
    officer.save()  # a save that does not change the password changes nothing
    assert client.get("/api/v1/accounts/me", headers=bearer(raw)).status_code == 200
    officer.set_password("Another-pass-2027")
    officer.save()
    assert client.get("/api/v1/accounts/me", headers=bearer(raw)).status_code == 401
    assert client.get("/api/v1/accounts/me", headers=bearer(other)).status_code == 200
    # A token made after the change works again.
    fresh = token_create(user=officer, name="r", scope="read", days=30)[1]
    assert client.get("/api/v1/accounts/me", headers=bearer(fresh)).status_code == 200


@pytest.mark.django_db
def test_the_administrator_of_the_region_revokes_a_staff_members_token(
    client: Client, tree: Any, personas: dict[str, Any], make_user: Any
) -> None:
    from bottomline.accounts.services import token_create

    cadre = personas["village_cadre"]
    token, raw = token_create(user=cadre, name="r", scope="read", days=30)
    outsider = make_user("sysadmin", tree.other_county, username="other-admin")
    client.force_login(outsider)
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    colleague = personas["township_officer"]
    client.force_login(colleague)
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert client.get("/api/v1/accounts/me", headers=bearer(raw)).status_code == 200
    client.force_login(personas["sysadmin"])
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    assert client.get("/api/v1/accounts/me", headers=bearer(raw)).status_code == 401
    revoked = Event.objects.get(kind=EventKind.TOKEN_REVOKED)
    assert revoked.actor == personas["sysadmin"] and revoked.region == tree.village  # the owner's region
    # The auditor of the village's county sees it.
    client.force_login(personas["auditor"])
    assert f"apitoken:{token.pk}" in client.get("/audit/").content.decode()


@pytest.mark.django_db
def test_the_tokens_page_creates_a_scoped_expiring_token(client: Client, personas: dict[str, Any]) -> None:
    client.force_login(personas["county_officer"])
    created = client.post("/account/tokens/", {"name": "sync", "scope": "write", "days": "30"})
    token = ApiToken.objects.get()
    assert token.scope == "write" and token.expires_at is not None
    assert abs(token.expires_at - token.created_at - timedelta(days=30)) < timedelta(minutes=1)
    assert created.context["new_token"]
    refused = client.post("/account/tokens/", {"name": "sync", "scope": "write", "days": "365"})
    assert refused.context["new_token"] is None and ApiToken.objects.count() == 1


@pytest.mark.django_db
def test_the_administrator_revokes_all_tokens_of_an_account_from_the_admin(
    client: Client, tree: Any, personas: dict[str, Any], make_user: Any
) -> None:
    from bottomline.accounts.services import token_create

    cadre = personas["village_cadre"]
    raws = [token_create(user=cadre, name=f"t{n}", scope="read", days=30)[1] for n in range(2)]
    outsider = make_user("county_officer", tree.other_county, username="outsider")
    theirs = token_create(user=outsider, name="x", scope="read", days=30)[1]
    client.force_login(personas["sysadmin"])
    page = client.get(f"/admin/accounts/user/{cadre.pk}/change/")
    assert page.status_code == 200 and "t0" in page.content.decode()
    done = client.post(
        "/admin/accounts/user/",
        {"action": "revoke_tokens", "_selected_action": [cadre.pk, outsider.pk]},
    )
    assert done.status_code == 302
    assert [client.get("/api/v1/accounts/me", headers=bearer(raw)).status_code for raw in raws] == [401, 401]
    assert client.get("/api/v1/accounts/me", headers=bearer(theirs)).status_code == 200  # not in the region
    assert Event.objects.filter(kind=EventKind.TOKEN_REVOKED, region=tree.village).count() == 2
