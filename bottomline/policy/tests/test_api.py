"""The policy API: values in force with their sources, history with superseded values, proposals decided once."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from bottomline.accounts.services import token_create
from bottomline.policy.models import Parameter
from bottomline.policy.services import parameter_set


def bearer(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_create(user=user, name='t')[1]}"}


@pytest.mark.django_db
def test_in_force_and_history_for_a_region(client: Client, tree: Any, personas: dict[str, Any]) -> None:
    call_command("policy_seed")
    county = personas["county_officer"]
    for value in ("7100", "7200"):  # the second replaces the first: both stay in the history
        parameter_set(
            actor=county,
            name="monitoring_line",
            region=tree.county,
            value=Decimal(value),
            effective_from=date(2024, 1, 1),
            source="湟中区文件",
        )
    headers = bearer(personas["village_cadre"])
    answer = client.get("/api/v1/policy/parameters?on=2024-03-01", headers=headers).json()
    line = next(p for p in answer if p["name"] == "monitoring_line")
    assert (Decimal(line["value"]), line["region_code"], line["source"]) == (
        Decimal("7200"),
        "630106000000",
        "湟中区文件",
    )
    history = client.get("/api/v1/policy/parameters/history?name=monitoring_line", headers=headers).json()
    values = [(Decimal(p["value"]), p["superseded_at"] is not None) for p in history]
    assert (Decimal("7100"), True) in values and (Decimal("7200"), False) in values
    assert (Decimal("6000"), False) in values  # the nationwide line of 2021 is part of it
    other = client.get("/api/v1/policy/parameters?region=630121100201", headers=headers)
    assert other.status_code == 404  # a region outside the caller's does not exist for them


@pytest.mark.django_db
def test_a_proposal_through_the_api_changes_nothing_until_applied(
    client: Client, tree: Any, personas: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    call_command("policy_seed")
    headers = bearer(personas["province_officer"])
    body = {"name": "monitoring_line", "value": "7600", "effective_from": "2026-01-01", "source": "青海文件"}
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/api/v1/policy/proposals", json.dumps(body), content_type="application/json", headers=headers
        )
    assert created.status_code == 201, created.content
    assert created.json()["simulation"] == {} and created.json()["job_id"]  # the job simulates it
    job = client.get(f"/api/v1/jobs/{created.json()['job_id']}", headers=headers).json()
    assert job["status"] == "succeeded", job
    proposal = client.get(f"/api/v1/policy/proposals/{created.json()['id']}", headers=headers).json()
    assert proposal["status"] == "proposed" and "entering" in proposal["simulation"]
    assert not Parameter.objects.filter(value=Decimal("7600")).exists()
    url = f"/api/v1/policy/proposals/{proposal['id']}/decide"
    applied = client.post(url, json.dumps({"apply": True}), content_type="application/json", headers=headers)
    assert applied.json()["status"] == "applied"
    again = client.post(url, json.dumps({"apply": False}), content_type="application/json", headers=headers)
    assert again.status_code == 422
    assert Parameter.objects.filter(value=Decimal("7600"), region=tree.province).count() == 1
    cadre = client.post(
        "/api/v1/policy/proposals",
        json.dumps(body),
        content_type="application/json",
        headers=bearer(personas["village_cadre"]),
    )
    assert cadre.status_code == 403
