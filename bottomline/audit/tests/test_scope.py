"""An auditor sees the events and changes that touched data of their region, whoever the actor was."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from auditlog.context import set_actor
from django.test import Client

from bottomline.audit.models import EventKind
from bottomline.dashboards.exports import roster_export


def _trail(client: Client, auditor: Any) -> tuple[set[tuple[str, str]], set[str]]:
    client.force_login(auditor)
    page = client.get("/audit/")
    assert page.status_code == 200
    events = {(e.kind, e.username) for e in page.context["events"]}
    changes = {f"{c.model}:{c.object_pk}" for c in page.context["changes"]}
    return events, changes


@pytest.mark.django_db
def test_the_county_auditor_sees_what_touched_the_county_and_nothing_else(
    client: Client, tree: Any, personas: dict[str, Any], make_user: Any
) -> None:
    province_officer = personas["province_officer"]
    admin = make_user("sysadmin", tree.province, username="province_admin")
    other_auditor = make_user("auditor", tree.other_county, username="other_auditor")
    # A failed login on an account of the county, and one for a name nobody has.
    client.post(
        "/account/login/",
        {"login_view-current_step": "auth", "auth-username": "village_cadre", "auth-password": "Wrong-1"},
    )
    client.post(
        "/account/login/",
        {"login_view-current_step": "auth", "auth-username": "nobody-such", "auth-password": "Wrong-1"},
    )
    # The province officer exports the roster of a village of the county.
    roster_export(
        viewer=province_officer, region_code=tree.village.code, roster="assistance", on=date(2026, 6, 1)
    )
    # The administrator (at the province) changes an account of the county.
    cadre = personas["village_cadre"]
    with set_actor(admin):
        cadre.first_name = "改"
        cadre.save()

    events, changes = _trail(client, personas["auditor"])
    assert (EventKind.LOGIN_FAILED, "village_cadre") in events
    assert (EventKind.EXPORT, "province_officer") in events
    assert f"user:{cadre.pk}" in changes
    assert (EventKind.LOGIN_FAILED, "nobody-such") not in events  # no region: the province's auditor's

    events, changes = _trail(client, other_auditor)
    assert not {(EventKind.LOGIN_FAILED, "village_cadre"), (EventKind.EXPORT, "province_officer")} & events
    assert f"user:{cadre.pk}" not in changes

    events, _changes = _trail(client, make_user("auditor", tree.province, username="province_auditor"))
    assert {(EventKind.LOGIN_FAILED, "nobody-such"), (EventKind.EXPORT, "province_officer")} <= events
