"""Second factor enrolment is issued out of band: with the second factor required, a password alone does not
reach the setup wizard (which shows the TOTP secret); a one-time code from an administrator does."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from bottomline.audit.models import Event
from conftest import PASSWORD

ENROL = "/account/enrol/"
SETUP = "/account/two_factor/setup/"


@pytest.fixture
def mfa(settings: Any) -> None:
    settings.REQUIRE_MFA = True


def sign_in(username: str) -> Client:
    client = Client()
    response = client.post(
        "/account/login/",
        {"login_view-current_step": "auth", "auth-username": username, "auth-password": PASSWORD},
    )
    assert response.status_code == 302, response.status_code
    return client


def issued_code(admin: Client, user: Any) -> str:
    page = admin.post(f"/admin/accounts/user/{user.pk}/enrolment/")
    assert page.status_code == 200
    match = re.search(r'id="enrolment-code">([A-Z0-9-]+)<', page.content.decode())
    assert match, page.content.decode()[:3000]
    return match.group(1)


@pytest.mark.django_db
def test_a_password_alone_does_not_reach_the_secret(personas: dict[str, Any], mfa: None) -> None:
    client = sign_in("county_officer")
    for path in ("/", SETUP, "/account/two_factor/qrcode/", "/account/two_factor/", "/registry/households/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == ENROL, path
    assert client.get(ENROL).status_code == 200
    assert "django_two_factor-qr_secret_key" not in client.session


@pytest.mark.django_db
def test_an_administrators_code_opens_the_setup_once(
    client: Client, personas: dict[str, Any], mfa: None
) -> None:
    officer = personas["county_officer"]
    admin = Client()
    admin.force_login(personas["sysadmin"])
    # The admin site itself wants the second factor: here the administrator has passed it.
    admin_session = admin.session
    admin_session["otp_device_id"] = _device_of(personas["sysadmin"]).persistent_id
    admin_session.save()
    code = issued_code(admin, officer)
    event = Event.objects.get(kind="enrolment_issued")
    assert (
        event.region == officer.region
        and event.target == f"user:{officer.pk}"
        and code not in str(event.detail)
    )

    holder = sign_in("county_officer")
    wrong = holder.post(ENROL, {"code": "AAAA-BBBB-CCCC"})
    assert wrong.status_code == 200 and holder.get(SETUP)["Location"] == ENROL
    right = holder.post(ENROL, {"code": code.lower()})
    assert right.status_code == 302 and right["Location"] == SETUP
    assert holder.get(SETUP).status_code == 200
    assert Event.objects.filter(kind="enrolment_used", target=f"user:{officer.pk}").count() == 1

    again = sign_in("county_officer")  # the code is spent: another session needs another code
    assert again.post(ENROL, {"code": code}).status_code == 200
    assert again.get(SETUP)["Location"] == ENROL


@pytest.mark.django_db
def test_a_code_expires_and_five_wrong_tries_spend_it(personas: dict[str, Any], mfa: None) -> None:
    from bottomline.accounts.services import enrolment_issue

    officer = personas["county_officer"]
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        code = enrolment_issue(actor=personas["sysadmin"], account_id=officer.pk)
        clock.shift(timedelta(hours=72, seconds=1))
        late = sign_in("county_officer")
        assert late.post(ENROL, {"code": code}).status_code == 200
        assert late.get(SETUP)["Location"] == ENROL

        code = enrolment_issue(actor=personas["sysadmin"], account_id=officer.pk)
        guesser = sign_in("county_officer")
        for _ in range(5):
            guesser.post(ENROL, {"code": "AAAA-BBBB-CCCC"})
        assert guesser.post(ENROL, {"code": code}).status_code == 200
        assert guesser.get(SETUP)["Location"] == ENROL


@pytest.mark.django_db
def test_a_new_code_replaces_the_old_one_and_nobody_issues_their_own(
    tree: Any, personas: dict[str, Any], make_user: Any, mfa: None
) -> None:
    from bottomline.accounts.services import enrolment_issue

    officer = personas["county_officer"]
    first = enrolment_issue(actor=personas["sysadmin"], account_id=officer.pk)
    second = enrolment_issue(actor=personas["sysadmin"], account_id=officer.pk)
    holder = sign_in("county_officer")
    assert holder.post(ENROL, {"code": first}).status_code == 200
    assert holder.post(ENROL, {"code": second}).status_code == 302
    with pytest.raises(PermissionDenied):
        enrolment_issue(actor=personas["sysadmin"], account_id=personas["sysadmin"].pk)
    outsider = make_user("sysadmin", tree.other_county, username="other-admin")
    from django.http import Http404

    with pytest.raises(Http404):
        enrolment_issue(actor=outsider, account_id=officer.pk)


def _device_of(user: Any) -> Any:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="default", confirmed=True)


@pytest.mark.django_db
def test_the_first_administrator_is_enrolled_from_the_servers_command_line(
    personas: dict[str, Any], mfa: None
) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("enrolment_code", "sysadmin", stdout=out, stderr=StringIO())
    code = out.getvalue().strip()
    admin = sign_in("sysadmin")
    assert admin.get("/admin/")["Location"] == ENROL
    assert admin.post(ENROL, {"code": code})["Location"] == SETUP
    issued = Event.objects.get(kind="enrolment_issued")
    assert issued.actor is None and issued.username == "manage.py enrolment_code"
    assert issued.region == personas["sysadmin"].region
    with pytest.raises(CommandError):
        call_command("enrolment_code", "nobody", stdout=StringIO(), stderr=StringIO())
