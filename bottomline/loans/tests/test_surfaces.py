"""The loans' pages, API, import (template, check, all or nothing, row errors), XLSX export, dashboard figures
(as of a date, drill-through) and the household page's lines."""

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
from django.test import Client
from python_calamine import CalamineWorkbook

from bottomline.accounts.services import token_create
from bottomline.dashboards.compute import Period, figures_compute_range, figures_drill
from bottomline.dashboards.indicators import BY_CODE
from bottomline.jobs.progress import NullProgress
from bottomline.loans.importing import loans_import, template_csv
from bottomline.loans.models import Loan, Repayment
from bottomline.loans.services import loan_record, repayment_record
from bottomline.registry.programs import household_programs
from bottomline.registry.tests.factories import household

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(date(2026, 6, 30), tick=False):
        yield


@pytest.fixture
def ledger(tree: Any, personas: dict[str, Any]) -> dict[str, Any]:
    county = personas["county_officer"]
    mine = household(county, tree.village)
    other = household(county, tree.other_township_village)
    late = loan_record(
        actor=county,
        household_id=mine.pk,
        lender="湟中农商银行",
        contract="HZ-1",
        amount=Decimal(30000),
        term_months=12,
        rate=Decimal("4.00"),
        subsidy_rate=Decimal("4.00"),
        purpose="livestock",
        disbursed_on=date(2025, 1, 10),
    )
    repayment_record(
        actor=county, loan_id=late.pk, on=date(2025, 4, 10), principal=Decimal(0), interest=Decimal(300)
    )
    fine = loan_record(
        actor=county,
        household_id=other.pk,
        lender="邮储银行",
        contract="HZ-2",
        amount=Decimal(20000),
        term_months=24,
        rate=Decimal("3.00"),
        subsidy_rate=Decimal("3.00"),
        purpose="planting",
        disbursed_on=date(2026, 5, 1),
    )
    return {"mine": mine, "other": other, "late": late, "fine": fine}


def test_pages_list_detail_and_record(
    client: Client, personas: dict[str, Any], ledger: dict[str, Any]
) -> None:
    township = personas["township_officer"]
    client.force_login(township)
    page = client.get("/loans/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "HZ-1" in text and "HZ-2" not in text  # the other township's loan is not there
    assert client.get(f"/loans/{ledger['fine'].pk}/").status_code == 404
    detail = client.get(f"/loans/{ledger['late'].pk}/")
    assert detail.status_code == 200 and "登记还款" in detail.content.decode()
    posted = client.post(
        f"/loans/{ledger['late'].pk}/repay/",
        {"on": "2025-07-10", "principal": "0", "interest": "300", "reference": "R-7"},
    )
    assert posted.status_code == 302
    too_much = client.post(
        f"/loans/{ledger['late'].pk}/repay/", {"on": "2025-07-11", "principal": "30001", "interest": "0"}
    )
    assert too_much.status_code == 200 and "累计还本将超过贷款金额" in too_much.content.decode()
    assert client.post(f"/loans/{ledger['fine'].pk}/repay/", {}).status_code == 404
    created = client.post(
        "/loans/new/",
        {
            "number": ledger["mine"].number,
            "lender": "湟中农商银行",
            "contract": "HZ-3",
            "amount": "10000",
            "term_months": "12",
            "rate": "3.45",
            "subsidy_rate": "3.45",
            "purpose": "trade",
            "disbursed_on": "2026-06-01",
        },
    )
    assert created.status_code == 302 and Loan.objects.filter(contract="HZ-3").exists()
    cadre = Client()
    cadre.force_login(personas["village_cadre"])
    assert cadre.get(f"/loans/{ledger['late'].pk}/").status_code == 200
    assert cadre.get("/loans/new/").status_code == 403
    assert "登记还款" not in cadre.get(f"/loans/{ledger['late'].pk}/").content.decode()


def test_export_xlsx(client: Client, personas: dict[str, Any], ledger: dict[str, Any]) -> None:
    client.force_login(personas["county_officer"])
    response = client.get("/loans/export/?on=2025-08-01", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0][0] == "As of 2025-08-01"
    by_contract = {row[3]: row for row in rows[2:]}
    assert set(by_contract) == {"HZ-1"}  # HZ-2 was not disbursed yet on 2025-08-01
    assert by_contract["HZ-1"][11] == "Overdue" and by_contract["HZ-1"][13] == "22"


def _api(client: Client, method: str, url: str, token: str, data: Any = None) -> Any:
    headers = {"Accept-Language": "en", "Authorization": f"Bearer {token}"}
    if method == "post":
        return client.post(
            f"/api/v1{url}", json.dumps(data), content_type="application/json", headers=headers
        )
    return client.get(f"/api/v1{url}", headers=headers)


def test_api(client: Client, personas: dict[str, Any], ledger: dict[str, Any], tree: Any) -> None:
    township = token_create(user=personas["township_officer"], name="t", scope="write")[1]
    listed = _api(client, "get", "/loans/loans?on=2026-06-30", township).json()
    assert [r["contract"] for r in listed["results"]] == ["HZ-1"]
    assert listed["results"][0]["status"] == "overdue"
    assert _api(client, "get", f"/loans/loans/{ledger['fine'].pk}", township).status_code == 404
    rates = _api(client, "get", "/loans/loans/rates?on=2026-06-30", township).json()
    assert rates[0]["overdue_rate"] == 100.0
    paid = _api(
        client,
        "post",
        f"/loans/loans/{ledger['late'].pk}/repayments",
        township,
        {"on": "2026-06-01", "principal": "30000", "interest": "900"},
    )
    assert paid.status_code == 201 and paid.json()["status"] == "repaid"
    refused = _api(
        client,
        "post",
        "/loans/loans",
        township,
        {
            "household_id": ledger["mine"].pk,
            "lender": "x",
            "contract": "HZ-9",
            "amount": "60000",
            "term_months": 12,
            "rate": "3",
            "subsidy_rate": "3",
            "purpose": "consumption",
            "disbursed_on": "2026-06-01",
        },
    )
    assert refused.status_code in (400, 422)


def _statement(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    headings = ["类型", "合同编号", "日期", "户编号", "贷款银行", "贷款金额", "期限（月）", "年利率（%）"]
    headings += ["贴息利率（%）", "用途", "还本金额", "还息金额", "贴息金额", "流水号"]
    keys = ["kind", "contract", "on", "number", "lender", "amount", "term", "rate", "subsidy_rate"]
    keys += ["purpose", "principal", "interest", "subsidy", "reference"]
    path = tmp_path / "statement.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(headings)
        for row in rows:
            writer.writerow([row.get(k, "") for k in keys])
    return path


def test_import_row_errors_all_or_nothing_and_again(
    tmp_path: Path, personas: dict[str, Any], ledger: dict[str, Any]
) -> None:
    county = personas["county_officer"]
    number = ledger["mine"].number
    good = [
        {"kind": "放款", "contract": "IMP-1", "on": "2026-01-10", "number": number, "lender": "农商行",
         "amount": "50000", "term": "36", "rate": "3.45", "subsidy_rate": "3.45", "purpose": "养殖"},
        {"kind": "还款", "contract": "IMP-1", "on": "2026-04-10", "principal": "0", "interest": "431.25",
         "reference": "T-1"},
        {"kind": "还款", "contract": "HZ-1", "on": "2025-07-10", "principal": "0", "interest": "300",
         "reference": "T-2"},
    ]  # fmt: skip
    bad = [
        {"kind": "放款", "contract": "IMP-2", "on": "2026-01-10", "number": number, "lender": "农商行",
         "amount": "60000", "term": "48", "rate": "3.45", "subsidy_rate": "3.45", "purpose": "消费"},
        {"kind": "还款", "contract": "HZ-1", "on": "2025-08-10", "principal": "30001", "interest": "0",
         "reference": "T-3"},
        {"kind": "还款", "contract": "NOPE", "on": "2026-06-01", "principal": "1", "interest": "0",
         "reference": "T-4"},
        {"kind": "借", "contract": "X", "on": "someday"},
    ]  # fmt: skip
    report = loans_import(
        path=_statement(tmp_path, good + bad), user=county, commit=True, progress=NullProgress()
    )
    found = {(e.row, e.column) for e in report.errors}
    assert {
        (5, "贷款金额"),
        (5, "期限（月）"),
        (5, "用途"),
        (6, "还本金额"),
        (8, "类型"),
        (8, "日期"),
    } <= found
    assert (7, "合同编号") in found  # no such loan
    assert not Loan.objects.filter(contract="IMP-1").exists() and Repayment.objects.count() == 1
    ok = loans_import(path=_statement(tmp_path, good), user=county, commit=True, progress=NullProgress())
    assert ok.errors == [] and (ok.loans, ok.repayments) == (1, 2)
    again = loans_import(path=_statement(tmp_path, good), user=county, commit=True, progress=NullProgress())
    assert (again.loans, again.repayments, again.unchanged) == (0, 0, 3)
    assert Repayment.objects.get(reference="T-1").subsidy == Decimal("431.25")
    assert "类型" in template_csv().decode("utf-8-sig")


def test_import_refuses_other_roles(tmp_path: Path, personas: dict[str, Any]) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        loans_import(
            path=_statement(tmp_path, []),
            user=personas["township_officer"],
            commit=False,
            progress=NullProgress(),
        )


def test_figures_as_of_a_date_and_drill(tree: Any, personas: dict[str, Any], ledger: dict[str, Any]) -> None:
    bounds = tree.county.bounds
    # 2025-03: the first loan outstanding and current; disbursed that January
    march = figures_compute_range(bounds=bounds, period=Period(date(2025, 3, 1), date(2025, 3, 31)))
    assert (march["loans_hh"], march["loans_outstanding_yuan"], march["loans_overdue_hh"]) == (1, 30000, 0)
    assert march["loans_disbursed_yuan"] == 0
    january = figures_compute_range(bounds=bounds, period=Period(date(2025, 1, 1), date(2025, 1, 31)))
    assert january["loans_disbursed_yuan"] == 30000
    # 2025-07-31: July's interest unpaid: overdue; April's repayment carried 300 yuan of subsidy
    july = figures_compute_range(bounds=bounds, period=Period(date(2025, 7, 1), date(2025, 7, 31)))
    assert (july["loans_overdue_hh"], july["loans_overdue_yuan"]) == (1, 30000)
    april = figures_compute_range(bounds=bounds, period=Period(date(2025, 4, 1), date(2025, 4, 30)))
    assert april["loans_subsidy_yuan"] == 300
    june = Period(date(2026, 6, 1), date(2026, 6, 30))
    now = figures_compute_range(bounds=bounds, period=june)
    assert (now["loans_hh"], now["loans_outstanding_yuan"], now["loans_overdue_hh"]) == (2, 50000, 1)
    assert figures_drill(bounds=bounds, period=june, part="loans_overdue_hh") == [ledger["mine"].pk]
    assert sorted(figures_drill(bounds=bounds, period=june, part="loans_hh")) == sorted(
        [ledger["mine"].pk, ledger["other"].pk]
    )
    assert now["loans_default_yuan"] == 30000  # April 2025's interest unpaid: overdue over 90 days
    assert BY_CODE["loans_overdue_rate"].value(now) == 60.0  # 30,000 of 50,000 yuan
    assert BY_CODE["loans_overdue_hh_rate"].value(now) == 50.0
    assert BY_CODE["loans_overdue_rate"].value(march) == 0.0
    township = figures_compute_range(bounds=tree.other_township.bounds, period=june)
    assert (township["loans_hh"], township["loans_overdue_hh"]) == (1, 0)


def test_household_lines(personas: dict[str, Any], ledger: dict[str, Any]) -> None:
    lines = household_programs(viewer=personas["village_cadre"], household=ledger["mine"], year=2026)
    assert [line.amount for line in lines] == [Decimal(30000)]
    assert "逾期" in str(lines[0].what)
    assert (
        household_programs(viewer=personas["department_officer"], household=ledger["mine"], year=2026) == []
    )


def test_job_results_read_as_lines() -> None:
    from bottomline.jobs.models import Job
    from bottomline.jobs.results import result_lines

    job = Job(
        kind="loans.import", result={"rows": 3, "loans_created": 1, "repayments_created": 2, "errors": []}
    )
    assert [line.value for line in result_lines(job)] == ["3", "1", "2"]
    check = Job(kind="loans.overdue", result={"overdue": 5, "raised": 2})
    assert [line.value for line in result_lines(check)] == ["5", "2"]


def test_a_loan_repaid_in_the_period_counts_its_subsidy_not_its_balance(
    tree: Any, personas: dict[str, Any], ledger: dict[str, Any]
) -> None:
    repayment_record(
        actor=personas["county_officer"],
        loan_id=ledger["fine"].pk,
        on=date(2026, 6, 10),
        principal=Decimal(20000),
        interest=Decimal(50),
        subsidy=Decimal(50),
    )
    june = figures_compute_range(
        bounds=tree.county.bounds, period=Period(date(2026, 6, 1), date(2026, 6, 30))
    )
    assert (june["loans_hh"], june["loans_outstanding_yuan"], june["loans_subsidy_yuan"]) == (1, 30000, 50)
    may = figures_compute_range(bounds=tree.county.bounds, period=Period(date(2026, 5, 1), date(2026, 5, 31)))
    assert (may["loans_hh"], may["loans_disbursed_yuan"], may["loans_subsidy_yuan"]) == (2, 20000, 0)


def test_household_page_shows_the_loan(
    client: Client, personas: dict[str, Any], ledger: dict[str, Any]
) -> None:
    client.force_login(personas["village_cadre"])
    page = client.get(f"/registry/households/{ledger['mine'].pk}/").content.decode()
    assert "湟中农商银行，逾期" in page and f"/loans/{ledger['late'].pk}/" in page


def test_the_list_filters_by_status_as_of_a_day(personas: dict[str, Any], ledger: dict[str, Any]) -> None:
    from bottomline.loans.selectors import LoanFilters, loan_ids

    county = personas["county_officer"]

    def ids(status: str, on: date) -> list[int]:
        return loan_ids(viewer=county, filters=LoanFilters(status=status), on=on)

    late, fine = ledger["late"].pk, ledger["fine"].pk
    assert (ids("overdue", date(2026, 6, 30)), ids("current", date(2026, 6, 30))) == ([late], [fine])
    assert ids("", date(2026, 6, 30)) == [fine, late]  # newest first
    assert (ids("overdue", date(2025, 5, 1)), ids("current", date(2025, 5, 1))) == ([], [late])
    repayment_record(
        actor=county, loan_id=fine, on=date(2026, 6, 10), principal=Decimal(20000), interest=Decimal(0)
    )
    assert (ids("repaid", date(2026, 6, 30)), ids("repaid", date(2026, 6, 9))) == ([fine], [])
    assert ids("not_yet", date(2026, 6, 30)) == []


def test_a_long_export_is_a_job_with_the_same_rows(
    client: Client, personas: dict[str, Any], ledger: dict[str, Any], monkeypatch: Any
) -> None:
    from bottomline.jobs.tests.exporting import export_by_job

    client.force_login(personas["county_officer"])
    job, content = export_by_job(client, "/loans/export/", monkeypatch, on="2025-08-01", status="overdue")
    assert (
        job.kind == "loans.export" and job.params["on"] == "2025-08-01" and job.params["status"] == "overdue"
    )
    assert job.result["file_name"] == "loans-20250801.xlsx" and job.result["rows"] == 1
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert str(rows[0][0]).endswith("2025-08-01")
    assert [row[3] for row in rows[2:]] == ["HZ-1"]


def test_more_loans_than_the_exports_own_limit_are_a_job(
    client: Client, personas: dict[str, Any], ledger: dict[str, Any], monkeypatch: Any
) -> None:
    from dataclasses import replace

    from bottomline.loans import exports

    monkeypatch.setattr(exports, "LOANS", replace(exports.LOANS, inline_rows=1))
    client.force_login(personas["county_officer"])
    assert client.get("/loans/export/", {"on": "2025-08-01"}).status_code == 200  # one loan by then
    assert client.get("/loans/export/", {"on": "2026-12-01"}).status_code == 302  # two
