"""The insurance pages (list, detail with the covered households, create, assess, pay), the API, the import
(template, check, all or nothing, row errors, the same file twice), the XLSX export, the dashboard figures
through the dashboards, and the household page's and case page's lines."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from python_calamine import CalamineWorkbook

from bottomline.accounts.services import token_create
from bottomline.dashboards.compute import Period, figures_compute_range, figures_drill
from bottomline.insurance.importing import claims_import, template_csv
from bottomline.insurance.models import Claim, Policy
from bottomline.insurance.services import claim_assess, claim_pay, claim_record
from bottomline.insurance.tests.conftest import home, monitor
from bottomline.jobs.progress import NullProgress
from bottomline.registry.models import IncomeRecord
from bottomline.registry.programs import household_programs

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


@pytest.fixture
def ledger(policy: Policy, personas: dict[str, Any], tree: Any) -> dict[str, Any]:
    cadre, county = personas["village_cadre"], personas["county_officer"]
    zhao = home(cadre, tree.village, wage="6000")
    far = home(county, tree.other_township_village, wage="4000")
    claim = claim_record(
        actor=county,
        policy_id=policy.pk,
        household_id=zhao.pk,
        trigger="medical",
        occurred_on=date(2026, 4, 1),
        spending=Decimal(27000),
    )
    return {"zhao": zhao, "far": far, "claim": claim, "policy": policy}


def test_pages_policy_covered_claim_assess_and_pay(
    client: Client, personas: dict[str, Any], ledger: dict[str, Any]
) -> None:
    county = personas["county_officer"]
    client.force_login(personas["village_cadre"])
    listed = client.get("/insurance/", headers=EN).content.decode()
    assert "WN-FPB-2026" in listed and "Record a policy" not in listed
    detail = client.get(f"/insurance/{ledger['policy'].pk}/", headers=EN).content.decode()
    assert ledger["zhao"].number in detail and ledger["far"].number not in detail  # the cadre's village only
    assert "1 household covered on 2026-06-30" in detail
    assert (
        "before"
        not in client.get(f"/insurance/{ledger['policy'].pk}/?on=2025-12-31", headers=EN).content.decode()
    )
    assert (
        "0 households covered on 2025-12-31"
        in client.get(f"/insurance/{ledger['policy'].pk}/?on=2025-12-31", headers=EN).content.decode()
    )
    claim = ledger["claim"]
    assert (
        client.post(
            f"/insurance/claims/{claim.pk}/assess/", {"decision": "approve", "on": "2026-06-30"}
        ).status_code
        == 403
    )
    client.force_login(county)
    page = client.get(f"/insurance/claims/{claim.pk}/", headers=EN).content.decode()
    assert "19200.00" in page and 'id="assess"' in page
    refused = client.post(
        f"/insurance/claims/{claim.pk}/assess/", {"decision": "refuse", "on": "2026-06-30"}, headers=EN
    )
    assert refused.status_code == 200 and "Give the reason for the refusal." in refused.content.decode()
    assert (
        client.post(
            f"/insurance/claims/{claim.pk}/assess/", {"decision": "approve", "on": "2026-06-01"}
        ).status_code
        == 302
    )
    assert client.post(f"/insurance/claims/{claim.pk}/pay/", {"paid_on": "2026-06-10"}).status_code == 302
    assert IncomeRecord.objects.get(household=ledger["zhao"]).transfer == Decimal("19200.00")
    made = client.post(
        "/insurance/claims/new/",
        {"policy": ledger["policy"].pk, "number": ledger["far"].number, "trigger": "disaster",
         "occurred_on": "2026-06-01", "spending": "6000"},
    )  # fmt: skip
    assert made.status_code == 302 and Claim.objects.get(household=ledger["far"]).claimed == Decimal(
        "3000.00"
    )
    claims = client.get("/insurance/claims/?status=paid", headers=EN).content.decode()
    assert ledger["zhao"].number in claims and ledger["far"].number not in claims


def test_policy_create(client: Client, personas: dict[str, Any], tree: Any) -> None:
    client.force_login(personas["county_officer"])
    data = {"name": "防贫保", "number": "P-1", "insurer": "人保", "start": "2026-01-01", "end": "2026-12-31",
            "covers_lifted": "on", "income_below": "5000", "medical_threshold": "3000", "medical_share": "80",
            "medical_cap": "100000"}  # fmt: skip
    made = client.post("/insurance/new/", data)
    assert made.status_code == 302
    policy = Policy.objects.get(number="P-1")
    assert (policy.region, policy.covers_monitored) == (tree.county, False)
    assert [(r.trigger, r.share) for r in policy.rules.all()] == [("medical", Decimal(80))]
    again = client.post("/insurance/new/", data, headers=EN)
    assert "A policy with this number is recorded already." in again.content.decode()


def test_export_xlsx(client: Client, personas: dict[str, Any], ledger: dict[str, Any]) -> None:
    client.force_login(personas["township_officer"])
    response = client.get("/insurance/claims/export/", headers=EN)
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert rows[0][0] == "household number"
    assert [(r[0], r[4], r[7]) for r in rows[1:]] == [
        (ledger["zhao"].number, "Medical out-of-pocket spending", "19200.00")
    ]


def _api(client: Client, method: str, url: str, token: str, data: Any = None) -> Any:
    headers = {**EN, "Authorization": f"Bearer {token}"}
    if method == "post":
        return client.post(
            f"/api/v1{url}", json.dumps(data), content_type="application/json", headers=headers
        )
    return client.get(f"/api/v1{url}", headers=headers)


def test_api(client: Client, personas: dict[str, Any], ledger: dict[str, Any]) -> None:
    township = token_create(user=personas["township_officer"], name="t", scope="write")[1]
    county = token_create(user=personas["county_officer"], name="c", scope="write")[1]
    policies = _api(client, "get", "/insurance/policies", township).json()
    assert [p["number"] for p in policies] == ["WN-FPB-2026"] and policies[0]["income_below"] == "5000.00"
    covered = _api(
        client, "get", f"/insurance/policies/{ledger['policy'].pk}/covered?on=2026-06-30", township
    ).json()
    assert [r["number"] for r in covered["results"]] == [ledger["zhao"].number]
    assert covered["results"][0]["per_capita_income"] == "3000.00"
    claim = ledger["claim"]
    assert (
        _api(client, "post", f"/insurance/claims/{claim.pk}/assess", township, {"approve": True}).status_code
        == 403
    )
    approved = _api(
        client, "post", f"/insurance/claims/{claim.pk}/assess", county, {"approve": True, "on": "2026-06-01"}
    )
    assert approved.status_code == 200 and approved.json()["assessed_amount"] == "19200.00"
    paid = _api(client, "post", f"/insurance/claims/{claim.pk}/pay", county, {"paid_on": "2026-06-02"})
    assert paid.json()["status"] == "paid"
    listed = _api(client, "get", "/insurance/claims?status=paid", township).json()
    assert [c["id"] for c in listed["results"]] == [claim.pk]
    refused = _api(client, "post", "/insurance/claims", township,
                   {"policy_id": ledger["policy"].pk, "household_id": ledger["far"].pk, "trigger": "disaster",
                    "occurred_on": "2026-06-01", "spending": "100"})  # fmt: skip
    assert refused.status_code == 404  # outside the township
    made = _api(client, "post", "/insurance/claims", township,
                {"policy_id": ledger["policy"].pk, "household_id": ledger["zhao"].pk, "trigger": "education",
                 "occurred_on": "2026-06-01", "spending": "100"})  # fmt: skip
    assert made.status_code in (400, 422)  # the policy does not pay for education


def _list(tmp_path: Path, rows: list[dict[str, str]], name: str = "claims.csv") -> Path:
    headings = ["保单号", "理赔编号", "户编号", "理赔类型", "出险日期", "费用或损失金额", "申请金额"]
    keys = ["policy", "reference", "number", "trigger", "on", "spending", "claimed"]
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(headings)
        for row in rows:
            writer.writerow([row.get(k, "") for k in keys])
    return path


def test_import_row_errors_all_or_nothing_and_again(
    tmp_path: Path, personas: dict[str, Any], ledger: dict[str, Any], tree: Any
) -> None:
    county, cadre = personas["county_officer"], personas["village_cadre"]
    rich = home(cadre, tree.village, wage="50000")
    zhao = ledger["zhao"].number
    good = [
        {"policy": "WN-FPB-2026", "reference": "LP-1", "number": zhao, "trigger": "灾害", "on": "2026-05-01",
         "spending": "2000"},
        {"policy": "WN-FPB-2026", "reference": "LP-2", "number": zhao, "trigger": "medical", "on": "2026-05-02",
         "spending": "13000", "claimed": "7000"},
    ]  # fmt: skip
    bad = [
        {"policy": "NOPE", "reference": "LP-3", "number": zhao, "trigger": "灾害", "on": "2026-05-01",
         "spending": "1"},
        {"policy": "WN-FPB-2026", "reference": "LP-4", "number": zhao, "trigger": "教育", "on": "2027-01-01",
         "spending": "-1"},
        {"policy": "WN-FPB-2026", "reference": "LP-5", "number": rich.number, "trigger": "意外", "on": "2026-05-01",
         "spending": "100"},
        {"policy": "WN-FPB-2026", "reference": "LP-1", "number": zhao, "trigger": "灾害", "on": "2026-05-01",
         "spending": "2000"},
    ]  # fmt: skip
    report = claims_import(
        path=_list(tmp_path, good + bad), user=county, commit=True, progress=NullProgress()
    )
    found = {(e.row, e.column) for e in report.errors}
    assert {
        (4, "保单号"),
        (5, "理赔类型"),
        (5, "出险日期"),
        (5, "费用或损失金额"),
        (6, "理赔类型"),
        (7, "理赔编号"),
    } <= found
    assert Claim.objects.count() == 1  # nothing written
    ok = claims_import(path=_list(tmp_path, good), user=county, commit=True, progress=NullProgress())
    assert (ok.errors, ok.created) == ([], 2)
    assert sorted(Claim.objects.values_list("claimed", flat=True)) == [
        Decimal(1000),
        Decimal(7000),
        Decimal(19200),
    ]
    again = claims_import(path=_list(tmp_path, good), user=county, commit=True, progress=NullProgress())
    assert (again.created, again.unchanged) == (0, 2)
    uncovered = claims_import(
        path=_list(tmp_path, [{**good[0], "reference": "LP-9", "number": rich.number}]), user=county,
        commit=False, progress=NullProgress(),
    )  # fmt: skip
    assert [(e.row, e.column) for e in uncovered.errors] == [(2, "户编号")]
    assert "保单号" in template_csv().decode("utf-8-sig")
    with pytest.raises(PermissionDenied):
        claims_import(
            path=_list(tmp_path, good),
            user=personas["township_officer"],
            commit=False,
            progress=NullProgress(),
        )


def test_dashboard_figures_as_of_and_drill(
    tree: Any, personas: dict[str, Any], ledger: dict[str, Any]
) -> None:
    county = personas["county_officer"]
    bounds = tree.county.bounds
    june = Period(date(2026, 6, 1), date(2026, 6, 30))
    before = figures_compute_range(bounds=bounds, period=june)
    assert (before["insurance_covered_hh"], before["insurance_covered_people"]) == (2, 4)
    claim_assess(actor=county, claim_id=ledger["claim"].pk, approve=True, on=date(2026, 6, 1))
    claim_pay(actor=county, claim_id=ledger["claim"].pk, paid_on=date(2026, 6, 2))
    after = figures_compute_range(bounds=bounds, period=june)
    assert (after["insurance_paid_hh"], after["insurance_paid_people"], after["insurance_paid_yuan"]) == (
        1,
        2,
        19200,
    )
    assert figures_drill(bounds=bounds, period=june, part="insurance_paid_hh") == [ledger["zhao"].pk]
    assert figures_drill(bounds=bounds, period=june, part="insurance_covered_hh") == [ledger["far"].pk]
    may = figures_compute_range(bounds=bounds, period=Period(date(2026, 5, 1), date(2026, 5, 31)))
    assert may["insurance_paid_yuan"] == 0


def test_household_and_case_pages_show_coverage_and_claims(
    client: Client, personas: dict[str, Any], ledger: dict[str, Any]
) -> None:
    county, cadre = personas["county_officer"], personas["village_cadre"]
    lines = household_programs(viewer=cadre, household=ledger["zhao"], year=2026)
    assert [str(line.program) for line in lines] == ["防贫保", "防贫保理赔"]
    claim_assess(actor=county, claim_id=ledger["claim"].pk, approve=True, on=date(2026, 6, 1))
    claim_pay(actor=county, claim_id=ledger["claim"].pk, paid_on=date(2026, 6, 2))
    case = monitor(ledger["zhao"], date(2026, 3, 1))
    client.force_login(cadre)
    page = client.get(f"/cases/{case.pk}/", headers=EN).content.decode()
    assert 'id="case-programs"' in page
    assert "Anti-poverty insurance claim" in page and "paid on 2026-06-02" in page and "19200.00" in page
    household = client.get(f"/registry/households/{ledger['zhao'].pk}/", headers=EN).content.decode()
    assert "paid on 2026-06-02" in household
