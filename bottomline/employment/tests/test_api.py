"""The API: a cadre records a job with a token, the lists answer within the caller's region, another township's
job is not found, and a grant is recorded by an officer."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from bottomline.accounts.services import token_create
from bottomline.registry.models import Household, IncomeRecord, Member
from bottomline.registry.tests.factories import household, id_number, member


@pytest.fixture
def home(tree: Any, personas: dict[str, Any]) -> Household:
    call_command("policy_seed")
    cadre = personas["village_cadre"]
    found = household(cadre, tree.village)
    member(cadre, found, id_number(sequence=1))
    member(cadre, found, id_number(birth=date(2007, 1, 1), sequence=2), name="王小明", relation="son")
    IncomeRecord.objects.create(
        household=found, period_start=date(2025, 1, 1), period_end=date(2025, 12, 31), household_size=2
    )
    return found


def _headers(user: Any, scope: str = "write") -> dict[str, str]:
    return {"Authorization": f"Bearer {token_create(user=user, name='t', scope=scope)[1]}"}


def test_jobs_and_grants_through_the_api(
    home: Household, tree: Any, personas: dict[str, Any], make_user: Any, client: Client
) -> None:
    head = Member.objects.get(household=home, relation="head")
    body = {"member_id": head.pk, "employer": "江苏某电子厂", "place": "outside", "start": "2025-03-01",
            "months": 8, "monthly_wage": "3000"}  # fmt: skip
    cadre = _headers(personas["village_cadre"])
    created = client.post(
        "/api/v1/employment/jobs", json.dumps(body), content_type="application/json", headers=cadre
    )
    assert created.status_code == 201, created.content
    job = created.json()
    assert job["id_number_masked"].count("*") > 0 and IncomeRecord.objects.get().wage == Decimal("24000.00")
    listed = client.get("/api/v1/employment/jobs", headers=cadre).json()
    assert [j["id"] for j in listed] == [job["id"]]
    counts = client.get(f"/api/v1/employment/transfer?region={tree.township.code}", headers=cadre)
    assert counts.status_code == 404  # the township is above the cadre's village
    stranger = _headers(make_user("township_officer", tree.other_township, username="other"))
    assert client.get("/api/v1/employment/jobs", headers=stranger).json() == []
    changed = client.patch(
        f"/api/v1/employment/jobs/{job['id']}",
        json.dumps(body),
        content_type="application/json",
        headers=stranger,
    )
    assert changed.status_code == 404
    refused = client.post(
        "/api/v1/employment/jobs",
        json.dumps({**body, "months": 0}),
        content_type="application/json",
        headers=cadre,
    )
    assert refused.status_code == 422
    son = Member.objects.get(household=home, relation="son")
    grant = {"member_id": son.pk, "school": "职校", "level": "secondary", "term": "2025秋", "amount": "1500",
             "paid_on": "2025-10-01"}  # fmt: skip
    assert (
        client.post(
            "/api/v1/employment/grants", json.dumps(grant), content_type="application/json", headers=cadre
        ).status_code
        == 403
    )  # officers keep grants
    officer = _headers(personas["township_officer"])
    assert (
        client.post(
            "/api/v1/employment/grants", json.dumps(grant), content_type="application/json", headers=officer
        ).status_code
        == 201
    )
    assert IncomeRecord.objects.get().transfer == Decimal("1500.00")
    assert len(client.get("/api/v1/employment/grants", headers=officer).json()) == 1
