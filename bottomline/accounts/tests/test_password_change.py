"""Staff change their own password; a password that contains the username is refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from bottomline.accounts.models import User
from bottomline.accounts.services import token_create
from bottomline.audit.models import Event
from conftest import PASSWORD

NEW = "Lakeside-walk-2027"


@pytest.mark.parametrize("password", ["wangfang-2026A", "My-WANGFANG-9x", "xWangFangx#1"])
def test_a_password_with_the_username_in_it_is_refused(password: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_password(password, User(username="wangfang"))
    assert "password_contains_username" in [e.code for e in refused.value.error_list]


def test_a_password_without_the_username_passes() -> None:
    validate_password("Lakeside-walk-2027", User(username="wangfang"))


def change(client: Client, old: str, new: str, again: str | None = None) -> Any:
    return client.post(
        "/account/password/",
        {"old_password": old, "new_password1": new, "new_password2": again if again is not None else new},
    )


@pytest.mark.django_db
def test_staff_change_their_own_password(client: Client, personas: dict[str, Any]) -> None:
    officer = personas["township_officer"]
    raw = token_create(user=officer, name="t", scope="read", days=30)[1]
    client.force_login(officer)
    assert client.get("/account/password/").status_code == 200
    for old, new, again in (
        ("Wrong-pass-1", NEW, NEW),  # not the current password
        (PASSWORD, NEW, NEW + "x"),  # the two do not match
        (PASSWORD, "Township_Officer-2027", None),  # contains the username
        (PASSWORD, "short", None),
    ):
        refused = change(client, old, new, again)
        assert refused.status_code == 200 and refused.context["form"].errors, (old, new)
        officer.refresh_from_db()
        assert officer.check_password(PASSWORD)
    done = change(client, PASSWORD, NEW)
    assert done.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(NEW)
    assert client.get("/account/password/").status_code == 200  # still signed in
    assert Client().get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    assert (
        "ended by a password change"
        in client.get("/account/tokens/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    event = Event.objects.get(kind="password_changed")
    assert event.actor == officer and event.region == officer.region and event.target == f"user:{officer.pk}"
    assert NEW not in str(event.detail)


@pytest.mark.django_db
def test_signing_in_needs_the_new_password_afterwards(client: Client, personas: dict[str, Any]) -> None:
    client.force_login(personas["auditor"])
    change(client, PASSWORD, NEW)
    fresh = Client()
    form = {"login_view-current_step": "auth", "auth-username": "auditor"}
    assert fresh.post("/account/login/", {**form, "auth-password": PASSWORD}).status_code == 200
    assert fresh.post("/account/login/", {**form, "auth-password": NEW}).status_code == 302
