"""Writes through the JSON API name their actor (the bearer token's user), and a case's steps are in the
change log."""

from __future__ import annotations

import json
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.test import Client

from bottomline.accounts.services import token_create
from bottomline.monitoring.models import Case, Channel
from bottomline.monitoring.services import lead_raise
from bottomline.registry.models import Household
from bottomline.registry.tests.factories import household


def _post(client: Client, token: str, url: str, payload: dict[str, Any]) -> Any:
    return client.post(
        url,
        json.dumps(payload),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.mark.django_db
def test_an_api_write_is_logged_with_the_tokens_user_and_address(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    cadre = personas["village_cadre"]
    token = token_create(user=cadre, name="app")[1]
    answer = _post(
        client,
        token,
        "/api/v1/registry/households",
        {"village_code": tree.village.code, "household_type": "lifted", "housing_grade": "B"},
    )
    assert answer.status_code == 201, answer.content
    created = Household.objects.get(pk=answer.json()["id"])
    entry = LogEntry.objects.get_for_object(created).get()
    assert entry.actor == cadre and entry.remote_addr == "127.0.0.1"


@pytest.mark.django_db
def test_a_case_step_through_the_api_records_the_state_change_and_its_actor(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    cadre = personas["village_cadre"]
    home = household(cadre, tree.village)
    case = Case.objects.get(lead=lead_raise(household_id=home.pk, channel=Channel.CADRE, reference="t"))
    token = token_create(user=cadre, name="app")[1]
    answer = _post(
        client,
        token,
        f"/api/v1/monitoring/cases/{case.pk}/steps",
        {"action": "visit", "consent": "paper", "consent_signed_on": "2026-01-05"},
    )
    assert answer.status_code == 200, answer.content
    case.refresh_from_db()
    entries = LogEntry.objects.get_for_object(case).filter(action=LogEntry.Action.UPDATE)
    assert [(e.actor, e.changes_dict["state"]) for e in entries] == [(cadre, ["visit", case.state])]
