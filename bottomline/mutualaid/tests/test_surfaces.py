"""The mutual-aid pages, API, import (template, check, all or nothing, row errors, again), XLSX export, dashboard
figures (as of a date, drill-through) and the household page's lines."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import Client
from python_calamine import CalamineWorkbook

from bottomline.accounts.services import token_create
from bottomline.dashboards.compute import Period, figures_compute_range, figures_drill
from bottomline.dashboards.indicators import BY_CODE
from bottomline.jobs.progress import NullProgress
from bottomline.mutualaid import services
from bottomline.mutualaid.importing import mutualaid_import, template_csv
from bottomline.mutualaid.models import Loan, Repayment
from bottomline.mutualaid.tests.fixtures import fund, lend
from bottomline.registry.programs import household_programs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(date(2026, 6, 30), tick=False):
        yield


@pytest.fixture
def ledger(tree: Any, personas: dict[str, Any]) -> dict[str, Any]:
    county = personas["county_officer"]
    mine = fund(county, tree.village)
    other = fund(county, tree.other_township_village)
    late = lend(
        county, mine["association"], mine["homes"][0], number="YF-1", amount=Decimal(8000)
    )  # due 2026-03-01
    fine = lend(
        county, other["association"], other["homes"][0], number="DK-1", disbursed_on=date(2026, 5, 1)
    )  # due 2027-05-01
    return {"mine": mine, "other": other, "late": late, "fine": fine}


def test_pages_list_detail_and_record(
    client: Client, personas: dict[str, Any], ledger: dict[str, Any]
) -> None:
    client.force_login(personas["township_officer"])
    association = ledger["mine"]["association"]
    page = client.get("/mutualaid/", headers={"Accept-Language": "en"}).content.decode()
    assert association.name in page and ledger["other"]["association"].name not in page
    assert client.get(f"/mutualaid/{ledger['other']['association'].pk}/").status_code == 404
    detail = client.get(f"/mutualaid/{association.pk}/?on=2025-06-30").content.decode()
    assert "资产负债" in detail or "150400.00" in detail
    assert "YF-1" in detail and "142400.00" in detail  # cash: 150,400 of capital less 8,000 lent
    posted = client.post(
        f"/mutualaid/loans/{ledger['late'].pk}/repay/",
        {"on": "2026-04-01", "principal": "3000", "fee": "0", "reference": "SJ-1"},
    )
    assert posted.status_code == 302
    too_much = client.post(
        f"/mutualaid/loans/{ledger['late'].pk}/repay/",
        {"on": "2026-04-02", "principal": "5000.01", "fee": "0"},
    )
    assert too_much.status_code == 200 and "累计还本将超过贷款金额" in too_much.content.decode()
    assert client.post(f"/mutualaid/loans/{ledger['fine'].pk}/repay/", {}).status_code == 404
    created = client.post(
        f"/mutualaid/{association.pk}/loans/new/",
        {"number": ledger["mine"]["homes"][1].number, "loan_number": "YF-2", "amount": "4000", "term_months": "12",
         "purpose": "planting", "disbursed_on": "2026-06-01"},
    )  # fmt: skip
    assert created.status_code == 302 and Loan.objects.get(number="YF-2").fee_rate == Decimal(6)
    joined = client.post(
        f"/mutualaid/{association.pk}/join/", {"number": "nope", "share": "100", "joined_on": "2026-06-01"}
    )
    assert joined.status_code == 200  # no such household: the form again
    cadre = Client()
    cadre.force_login(personas["village_cadre"])
    assert cadre.get(f"/mutualaid/{association.pk}/loans/new/").status_code == 403
    page = cadre.get(f"/mutualaid/loans/{ledger['late'].pk}/").content.decode()
    assert "登记还款" in page  # cadres record repayments in their village
    paid = cadre.post(
        f"/mutualaid/loans/{ledger['late'].pk}/repay/",
        {"on": "2026-05-01", "principal": "5000", "fee": "480"},
    )
    assert paid.status_code == 302
    auditor = Client()
    auditor.force_login(personas["auditor"])
    assert "登记还款" not in auditor.get(f"/mutualaid/loans/{ledger['late'].pk}/").content.decode()


def test_export_xlsx(client: Client, personas: dict[str, Any], ledger: dict[str, Any]) -> None:
    client.force_login(personas["county_officer"])
    response = client.get("/mutualaid/export/?on=2026-04-01", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert rows[0][0] == "As of 2026-04-01"
    by_number = {row[3]: row for row in rows[2:]}
    assert set(by_number) == {"YF-1"}  # DK-1 was not disbursed yet
    assert by_number["YF-1"][10] == "Overdue" and by_number["YF-1"][13] == "31"


def test_a_large_export_is_a_job(
    client: Client, personas: dict[str, Any], ledger: dict[str, Any], monkeypatch: Any
) -> None:
    from bottomline.jobs.models import Job
    from bottomline.mutualaid import exports

    monkeypatch.setattr(exports, "EXPORT_INLINE_ROWS", 0)
    client.force_login(personas["county_officer"])
    answer = client.get("/mutualaid/export/?on=2026-04-01")
    job = Job.objects.get(kind=exports.EXPORT)
    assert answer.status_code == 302 and answer["Location"] == f"/jobs/{job.pk}/"
    assert job.params["on"] == "2026-04-01"
    done = exports.loans_export_job(job.params, NullProgress())
    assert done["file_name"] == "mutualaid-loans-20260401.xlsx" and done["download"]


def _api(client: Client, method: str, url: str, token: str, data: Any = None) -> Any:
    headers = {"Accept-Language": "en", "Authorization": f"Bearer {token}"}
    if method == "post":
        return client.post(
            f"/api/v1/mutualaid{url}", json.dumps(data), content_type="application/json", headers=headers
        )
    return client.get(f"/api/v1/mutualaid{url}", headers=headers)


def test_api(client: Client, personas: dict[str, Any], ledger: dict[str, Any]) -> None:
    township = token_create(user=personas["township_officer"], name="t", scope="write")[1]
    listed = _api(client, "get", "/associations?on=2025-06-30", township).json()
    assert [a["id"] for a in listed["results"]] == [ledger["mine"]["association"].pk]
    sheet = listed["results"][0]["sheet"]
    assert (Decimal(sheet["capital"]), Decimal(sheet["outstanding"]), Decimal(sheet["cash"])) == (
        Decimal(150400), Decimal(8000), Decimal(142400)
    )  # fmt: skip
    assert sheet["occupancy_rate"] == round(8000 * 100 / 150400, 1)
    assert (
        _api(client, "get", f"/associations/{ledger['other']['association'].pk}", township).status_code == 404
    )
    assert _api(client, "get", f"/loans/{ledger['fine'].pk}", township).status_code == 404
    loan = _api(client, "get", f"/loans/{ledger['late'].pk}", township).json()
    assert (loan["status"], loan["overdue_days"]) == ("overdue", 121)
    paid = _api(client, "post", f"/loans/{ledger['late'].pk}/repayments", township,
                {"on": "2026-06-01", "principal": "8000", "fee": "480"})  # fmt: skip
    assert paid.status_code == 201 and paid.json()["status"] == "repaid"
    beyond = _api(client, "post", f"/loans/{ledger['late'].pk}/repayments", township,
                  {"on": "2026-06-02", "principal": "1", "fee": "0"})  # fmt: skip
    assert beyond.status_code in (400, 422)
    created = _api(client, "post", f"/associations/{ledger['mine']['association'].pk}/loans", township,
                   {"household_id": ledger["mine"]["homes"][1].pk, "number": "YF-9", "amount": "3000",
                    "term_months": 6, "purpose": "trade", "disbursed_on": "2026-06-01"})  # fmt: skip
    assert created.status_code == 201 and created.json()["fee_rate"] == "6.00"
    refused = _api(client, "post", f"/associations/{ledger['mine']['association'].pk}/loans", township,
                   {"household_id": ledger["mine"]["homes"][0].pk, "number": "YF-10", "amount": "30000",
                    "term_months": 6, "purpose": "trade", "disbursed_on": "2026-06-01"})  # fmt: skip
    assert refused.status_code in (400, 422)


def _ledger_file(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    headings = ["类型", "借款编号", "日期", "户编号", "借款金额", "期限（月）", "占用费率（%）", "用途"]
    headings += ["还本金额", "占用费金额", "收据号"]
    keys = [
        "kind",
        "loan",
        "on",
        "number",
        "amount",
        "term",
        "rate",
        "purpose",
        "principal",
        "fee",
        "reference",
    ]
    path = tmp_path / "ledger.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(headings)
        for row in rows:
            writer.writerow([row.get(k, "") for k in keys])
    return path


def test_import_row_errors_all_or_nothing_and_again(
    tmp_path: Path, personas: dict[str, Any], ledger: dict[str, Any]
) -> None:
    number = ledger["mine"]["homes"][1].number
    good = [
        {"kind": "放款", "loan": "IMP-1", "on": "2026-01-10", "number": number, "amount": "5000", "term": "12",
         "rate": "6", "purpose": "养殖"},
        {"kind": "还款", "loan": "IMP-1", "on": "2026-04-10", "principal": "1000", "fee": "50", "reference": "R-1"},
        {"kind": "还款", "loan": "YF-1", "on": "2026-03-01", "principal": "8000", "fee": "480", "reference": "R-2"},
    ]  # fmt: skip
    bad = [
        {"kind": "放款", "loan": "IMP-2", "on": "2026-01-10", "number": number, "amount": "60000", "term": "12",
         "rate": "6", "purpose": "消费"},
        {"kind": "还款", "loan": "IMP-1", "on": "2026-05-10", "principal": "4000.01", "fee": "0", "reference": "R-3"},
        {"kind": "还款", "loan": "NOPE", "on": "2026-06-01", "principal": "1", "fee": "0", "reference": "R-4"},
        {"kind": "借", "loan": "X", "on": "someday"},
        {"kind": "还款", "loan": "DK-1", "on": "2026-06-01", "principal": "1", "fee": "0", "reference": "R-5"},
    ]  # fmt: skip
    township = personas["township_officer"]
    report = mutualaid_import(
        path=_ledger_file(tmp_path, good + bad), user=township, commit=True, progress=NullProgress()
    )
    found = {(e.row, e.column) for e in report.errors}
    assert {
        (5, "用途"),
        (6, "还本金额"),
        (7, "借款编号"),
        (8, "类型"),
        (8, "日期"),
        (9, "借款编号"),
    } <= found, found
    assert not Loan.objects.filter(number="IMP-1").exists() and Repayment.objects.count() == 0
    check = mutualaid_import(
        path=_ledger_file(tmp_path, good), user=township, commit=False, progress=NullProgress()
    )
    assert check.errors == [] and not Loan.objects.filter(number="IMP-1").exists()
    ok = mutualaid_import(
        path=_ledger_file(tmp_path, good), user=township, commit=True, progress=NullProgress()
    )
    assert ok.errors == [] and (ok.loans, ok.repayments) == (1, 2)
    again = mutualaid_import(
        path=_ledger_file(tmp_path, good), user=township, commit=True, progress=NullProgress()
    )
    assert (again.loans, again.repayments, again.unchanged) == (0, 0, 3)
    assert "借款编号" in template_csv().decode("utf-8-sig")
    with pytest.raises(PermissionDenied):
        mutualaid_import(path=_ledger_file(tmp_path, []), user=personas["village_cadre"], commit=False,
                         progress=NullProgress())  # fmt: skip


def test_figures_as_of_a_date_and_drill(tree: Any, personas: dict[str, Any], ledger: dict[str, Any]) -> None:
    bounds = tree.county.bounds
    before = figures_compute_range(bounds=bounds, period=Period(date(2023, 12, 1), date(2023, 12, 31)))
    assert before["mutualaid_associations"] == 0 and before["mutualaid_member_hh"] == 0
    spring = figures_compute_range(bounds=bounds, period=Period(date(2025, 6, 1), date(2025, 6, 30)))
    assert (spring["mutualaid_associations"], spring["mutualaid_member_hh"], spring["mutualaid_capital_yuan"]) == (
        2, 4, 300800
    )  # fmt: skip
    assert (spring["mutualaid_loans_hh"], spring["mutualaid_outstanding_yuan"], spring["mutualaid_overdue_hh"]) == (
        1, 8000, 0
    )  # fmt: skip
    june = Period(date(2026, 6, 1), date(2026, 6, 30))
    now = figures_compute_range(bounds=bounds, period=june)
    assert (now["mutualaid_loans_hh"], now["mutualaid_outstanding_yuan"], now["mutualaid_overdue_yuan"]) == (
        2, 13000, 8000
    )  # fmt: skip
    assert BY_CODE["mutualaid_overdue_rate"].value(now) == round(8000 * 100 / 13000, 1)
    assert BY_CODE["mutualaid_occupancy_rate"].value(now) == round(13000 * 100 / 300800, 1)
    assert BY_CODE["mutualaid_overdue_rate"].value(spring) == 0.0
    assert figures_drill(bounds=bounds, period=june, part="mutualaid_overdue_hh") == [
        ledger["mine"]["homes"][0].pk
    ]
    members = figures_drill(bounds=tree.township.bounds, period=june, part="mutualaid_member_hh")
    assert sorted(members) == sorted(h.pk for h in ledger["mine"]["homes"])
    township = figures_compute_range(bounds=tree.other_township.bounds, period=june)
    assert (township["mutualaid_loans_hh"], township["mutualaid_overdue_hh"]) == (1, 0)


def test_household_lines_and_page(client: Client, personas: dict[str, Any], ledger: dict[str, Any]) -> None:
    home = ledger["mine"]["homes"][0]
    lines = household_programs(viewer=personas["village_cadre"], household=home, year=2026)
    mine = [line for line in lines if str(line.program) == "村级互助资金"]
    assert [line.amount for line in mine] == [Decimal(200), Decimal(8000)]
    assert "逾期" in str(mine[1].what)
    assert household_programs(viewer=personas["department_officer"], household=home, year=2026) == []
    client.force_login(personas["village_cadre"])
    page = client.get(f"/registry/households/{home.pk}/").content.decode()
    assert f"/mutualaid/loans/{ledger['late'].pk}/" in page
    # not income: nothing reaches the income entries
    from bottomline.registry.models import ProgramIncome

    services.repayment_record(
        actor=personas["county_officer"], loan_id=ledger["late"].pk, on=date(2026, 6, 1), principal=Decimal(8000),
        fee=Decimal(480),
    )  # fmt: skip
    assert not ProgramIncome.objects.exists()
