"""Staff report a risk found on a visit or by telephone: a lead, a case to visit; bad input is explained."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from bottomline.accounts.services import token_create
from bottomline.monitoring.models import Case, Signal
from bottomline.registry.tests.factories import household


def test_a_cadre_reports_a_risk_on_the_household_page(
    tree: Any, personas: dict[str, Any], client: Client
) -> None:
    cadre = personas["village_cadre"]
    home = household(cadre, tree.village)
    client.force_login(cadre)
    url = f"/registry/households/{home.pk}/report-risk/"
    refused = client.post(url, {"channel": "cadre", "note": ""})
    assert refused.status_code == 200 and Case.objects.count() == 0
    answer = client.post(
        url, {"channel": "cadre", "risk_types": ["illness"], "note": "户主住院"}, follow=True
    )
    assert answer.status_code == 200
    case = Case.objects.get(household=home)
    assert case.state == "visit" and case.lead is not None and case.lead.risk_types == ["illness"]
    assert Signal.objects.get().channel == "cadre"
    assert f'id="household-case-{case.pk}"' in answer.content.decode()  # the household page lists its case


def test_a_hotline_report_through_the_api_joins_the_open_lead(tree: Any, personas: dict[str, Any]) -> None:
    officer = personas["township_officer"]
    home = household(personas["village_cadre"], tree.village)
    _token, raw = token_create(user=officer, name="t")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    url = f"/api/v1/registry/households/{home.pk}/leads"
    body = {"channel": "staff_entry", "risk_types": ["disaster"], "note": "电话反映房屋受损"}
    first = client.post(url, json.dumps(body), content_type="application/json")
    second = client.post(
        url, json.dumps(body | {"risk_types": ["accident"]}), content_type="application/json"
    )
    assert first.status_code == second.status_code == 201
    assert first.json()["lead_id"] == second.json()["lead_id"]
    assert first.json()["case_id"] == Case.objects.get().pk
    assert Case.objects.get().lead.risk_types == ["accident", "disaster"]  # type: ignore[union-attr]
    bad = client.post(url, json.dumps(body | {"channel": "screening"}), content_type="application/json")
    assert bad.status_code == 422
