"""Sign-in security: password rules, lockout, idle timeout, the second factor, and the headers every page gets."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD


def login(client: Client, username: str, password: str) -> Any:
    return client.post(
        "/account/login/",
        {"login_view-current_step": "auth", "auth-username": username, "auth-password": password},
    )


@pytest.mark.parametrize("password", ["Huangzhong-2026", "qinghai#7Lake", "贵州Guizhou99"])
def test_good_passwords_pass(password: str) -> None:
    validate_password(password)


@pytest.mark.parametrize(
    "password", ["Ab1!", "alllowercaseletters", "lowercase1234", "12345678901", "P@ssw0rd"]
)
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.django_db
def test_five_failures_lock_the_account_for_thirty_minutes(client: Client, personas: dict[str, Any]) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            login(client, "county_officer", "Wrong-pass-1")
        locked = login(client, "county_officer", PASSWORD)
        assert locked.status_code == 429 and "_auth_user_id" not in client.session
        clock.shift(timedelta(minutes=29))
        assert login(client, "county_officer", PASSWORD).status_code == 429  # and the cool-off starts again
        clock.shift(timedelta(minutes=31))
        assert login(client, "county_officer", PASSWORD).status_code == 302
        assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_idle_sessions_end_after_thirty_minutes(client: Client, personas: dict[str, Any]) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        login(client, "county_officer", PASSWORD)
        for _ in range(3):  # active every 20 minutes: still signed in after an hour
            clock.shift(timedelta(minutes=20))
            assert client.get("/").status_code == 200
        clock.shift(timedelta(minutes=31))
        response = client.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/account/login/")


@pytest.mark.django_db
def test_second_factor_is_required_when_switched_on(
    client: Client, personas: dict[str, Any], settings: Any
) -> None:
    settings.REQUIRE_MFA = True
    login(client, "county_officer", PASSWORD)
    for page in ("/", "/registry/households/", "/jobs/"):
        response = client.get(page)
        # Enrolment first: the setup wizard opens only with an administrator's one-time code (test_enrolment).
        assert response.status_code == 302 and response["Location"] == "/account/enrol/", page

    device = TOTPDevice.objects.create(user=personas["auditor"], name="default", confirmed=True)
    other = Client()
    step_one = login(other, "auditor", PASSWORD)
    assert step_one.status_code == 200 and "token-otp_token" in step_one.content.decode()
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    done = other.post(
        "/account/login/", {"login_view-current_step": "token", "token-otp_token": f"{code:06d}"}
    )
    assert done.status_code == 302
    assert other.get("/").status_code == 200


@pytest.mark.django_db
def test_without_the_setting_a_password_is_enough(
    client: Client, personas: dict[str, Any], settings: Any
) -> None:
    settings.REQUIRE_MFA = False
    login(client, "county_officer", PASSWORD)
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_pages_and_api_forbid_caching_inline_scripts_and_framing(
    client: Client, personas: dict[str, Any]
) -> None:
    from bottomline.accounts.services import token_create

    client.force_login(personas["county_officer"])
    page = client.get("/")
    policy = page["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "default-src 'self'" in policy
    assert "no-store" in page["Cache-Control"]
    assert page["X-Frame-Options"] == "DENY"
    token = token_create(user=personas["county_officer"], name="t")[1]
    api = client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {token}"})
    assert "no-store" in api["Cache-Control"]
    login_page = Client().get("/account/login/")
    assert login_page.cookies.get("sessionid") is None or login_page.cookies["sessionid"]["httponly"]
    assert "sessionid" not in login_page.content.decode()
