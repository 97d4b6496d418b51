"""The project library's pages, API, import, export, dashboard figures (as of a date, drill-through) and the
household page's lines."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from bottomline.accounts.services import token_create
from bottomline.dashboards.compute import Period, figures_compute_range, figures_drill
from bottomline.dashboards.indicators import BY_CODE
from bottomline.jobs.progress import NullProgress
from bottomline.projects.importing import disbursements_import, template_csv
from bottomline.projects.models import Disbursement, Project, Source, Stage
from bottomline.projects.services import beneficiary_add, disbursement_record, stage_change
from bottomline.projects.tests.conftest import propose
from bottomline.registry.programs import household_programs
from bottomline.registry.tests.factories import household

pytestmark = pytest.mark.django_db


def test_a_county_officer_proposes_moves_and_pays_on_the_pages(
    client: Client, personas: dict[str, Any], tree: Any
) -> None:
    client.force_login(personas["county_officer"])
    form = client.get("/projects/new/")
    assert form.status_code == 200 and tree.village.name in form.content.decode()
    created = client.post(
        "/projects/new/",
        {
            "name": "永丰村温室大棚",
            "code": "HZ2026-009",
            "region": tree.township.code,
            "site": tree.village.code,
            "kind": "industry",
            "year": "2026",
            "on": "2026-03-01",
            "budget_central": "300000",
            "budget_east_west": "50000",
        },
    )
    project = Project.objects.get(code="HZ2026-009")
    assert created.status_code == 302 and created["Location"] == f"/projects/{project.pk}/"
    for stage, day in (("reviewed", "2026-03-10"), ("listed", "2026-04-01"), ("implementing", "2026-04-15")):
        moved = client.post(f"/projects/{project.pk}/stage/", {"to": stage, "on": day})
        assert moved.status_code == 302, moved.content.decode()
    skipped = client.post(f"/projects/{project.pk}/stage/", {"to": "evaluated", "on": "2026-05-01"})
    assert skipped.status_code == 200 and "alert" in skipped.content.decode()
    paid = client.post(
        f"/projects/{project.pk}/disburse/", {"source": "central", "amount": "250000", "on": "2026-05-01"}
    )
    assert paid.status_code == 302
    beyond = client.post(
        f"/projects/{project.pk}/disburse/", {"source": "central", "amount": "50000.01", "on": "2026-05-02"}
    )
    assert beyond.status_code == 200 and "50000.00" in beyond.content.decode()
    assert Disbursement.objects.get().amount == Decimal(250000)
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert "250000.00" in page and "disburse-form" in page
    listed = client.get("/projects/?stage=implementing").content.decode()
    assert "永丰村温室大棚" in listed and 'id="spending-rate"' in listed
    assert "永丰村温室大棚" not in client.get("/projects/?stage=proposed").content.decode()


def test_readers_see_no_forms(client: Client, personas: dict[str, Any], project: Project) -> None:
    client.force_login(personas["village_cadre"])
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert project.name in page and "disburse-form" not in page and "stage-form" not in page
    assert client.post(f"/projects/{project.pk}/disburse/", {}).status_code == 403


def test_export(client: Client, personas: dict[str, Any], project: Project) -> None:
    from python_calamine import CalamineWorkbook

    county = personas["county_officer"]
    disbursement_record(
        actor=county, project_id=project.pk, source=Source.CENTRAL, amount=Decimal(1000), on=date(2026, 5, 1)
    )
    client.force_login(county)
    response = client.get("/projects/export/?on=2026-04-30", headers={"Accept-Language": "en"})
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert rows[0][0] == "As of 2026-04-30"
    assert rows[2][0] == "HZ2026-001" and rows[2][-2:] == ["800000.00", "0.00"]  # nothing paid by 30 April


def _api(client: Client, method: str, url: str, token: str, data: Any = None) -> Any:
    headers = {"Accept-Language": "en", "Authorization": f"Bearer {token}"}
    if method == "post":
        return client.post(
            f"/api/v1{url}", json.dumps(data), content_type="application/json", headers=headers
        )
    return client.get(f"/api/v1{url}", headers=headers)


def test_api(client: Client, personas: dict[str, Any], tree: Any, project: Project) -> None:
    county = token_create(user=personas["county_officer"], name="c", scope="write")[1]
    township = token_create(user=personas["township_officer"], name="t", scope="write")[1]
    listed = _api(client, "get", "/projects/projects?stage=implementing", county).json()
    assert [r["code"] for r in listed["results"]] == ["HZ2026-001"] and listed["results"][0][
        "budget"
    ] == "800000.00"
    paid = _api(client, "post", f"/projects/projects/{project.pk}/disbursements", county,
                {"source": "central", "amount": "600000", "on": "2026-05-01"})  # fmt: skip
    assert paid.status_code == 201 and paid.json()["disbursed"] == "600000.00"
    beyond = _api(client, "post", f"/projects/projects/{project.pk}/disbursements", county,
                  {"source": "central", "amount": "1", "on": "2026-05-01"})  # fmt: skip
    assert beyond.status_code == 422
    assert _api(client, "post", f"/projects/projects/{project.pk}/disbursements", township,
                {"source": "central", "amount": "1", "on": "2026-05-01"}).status_code == 403  # fmt: skip
    proposed = _api(client, "post", "/projects/projects", township,
                    {"name": "后街村水渠", "region_code": tree.sibling_village.code, "site_code": tree.sibling_village.code,
                     "kind": "infrastructure", "year": 2026, "budgets": {"county": "80000"}})  # fmt: skip
    assert proposed.status_code == 201 and proposed.json()["stage"] == "proposed"
    moved = _api(
        client,
        "post",
        f"/projects/projects/{proposed.json()['id']}/stage",
        county,
        {"to": "reviewed", "on": "2026-06-30"},
    )
    assert moved.status_code == 201 and [c["after"] for c in moved.json()["changes"]] == [
        "proposed",
        "reviewed",
    ]
    allocated = _api(client, "post", "/projects/allocations", county,
                     {"county_code": tree.county.code, "year": 2026, "source": "county", "amount": "400000"})  # fmt: skip
    assert allocated.status_code == 201 and allocated.json()["amount"] == "400000"
    assert _api(client, "post", "/projects/allocations", township,
                {"county_code": tree.county.code, "year": 2026, "source": "county", "amount": "1"}).status_code == 403  # fmt: skip
    figures = _api(client, "get", "/projects/projects/indicators?year=2026&on=2026-06-30", county).json()
    assert (figures["arranged_rate"], figures["spending_rate"], figures["industry_share"]) == (
        "50.0",
        "75.0",
        "100.0",
    )


def _file(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "disbursements.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["项目编号", "资金来源", "拨付金额", "拨付日期", "凭证号", "备注"])
        writer.writerows(rows)
    return path


def test_import_all_or_nothing_with_row_errors(
    tmp_path: Path, personas: dict[str, Any], tree: Any, project: Project
) -> None:
    county = personas["county_officer"]
    propose(county, tree.village, code="HZ2026-002", name="未实施项目")
    good = [["HZ2026-001", "中央衔接资金", "400000", "2026-05-01", "V-1", "首期"],
            ["HZ2026-001", "东西部协作资金", "200000", "2026-05-02", "V-2", ""]]  # fmt: skip
    bad = [
        ["HZ2026-001", "中央衔接资金", "200000.01", "2026-05-03", "V-3", ""],  # 600,000 budget: 0.01 beyond
        ["NOPE", "中央衔接资金", "1", "2026-05-03", "V-4", ""],
        ["HZ2026-002", "中央衔接资金", "1", "2026-05-03", "V-5", ""],  # only proposed
        ["HZ2026-001", "乡贤捐款", "abc", "someday", "", ""],
        ["HZ2026-001", "中央衔接资金", "1", "2026-05-03", "V-1", ""],  # the same voucher twice
    ]
    report = disbursements_import(
        path=_file(tmp_path, good + bad), user=county, commit=True, progress=NullProgress()
    )
    found = {(e.row, e.column) for e in report.errors}
    assert found == {(4, "拨付金额"), (5, "项目编号"), (6, "项目编号"), (7, "资金来源"), (7, "拨付金额"), (7, "拨付日期"),
                     (7, "凭证号"), (8, "凭证号")}  # fmt: skip
    assert not Disbursement.objects.exists()
    ok = disbursements_import(path=_file(tmp_path, good), user=county, commit=True, progress=NullProgress())
    assert ok.errors == [] and ok.created == 2
    again = disbursements_import(
        path=_file(tmp_path, good), user=county, commit=True, progress=NullProgress()
    )
    assert (again.created, again.unchanged) == (0, 2) and Disbursement.objects.count() == 2
    assert "项目编号" in template_csv().decode("utf-8-sig")


def test_figures_as_of_a_date_and_drill(personas: dict[str, Any], tree: Any, project: Project) -> None:
    county = personas["county_officer"]
    home = household(county, tree.other_township_village)
    beneficiary_add(actor=county, project_id=project.pk, household_id=home.pk, benefit="wage", since=date(2026, 5, 1),
                    amount_per_year=Decimal(6000))  # fmt: skip
    disbursement_record(
        actor=county,
        project_id=project.pk,
        source=Source.CENTRAL,
        amount=Decimal(300000),
        on=date(2026, 5, 10),
    )
    bounds = tree.county.bounds
    february = figures_compute_range(bounds=bounds, period=Period(date(2026, 2, 1), date(2026, 2, 28)))
    assert (february["projects_listed"], february["projects_budget_yuan"]) == (0, 0)  # reviewed only
    april = figures_compute_range(bounds=bounds, period=Period(date(2026, 4, 1), date(2026, 4, 30)))
    assert (april["projects_listed"], april["projects_budget_yuan"], april["projects_disbursed_yuan"]) == (
        1,
        800000,
        0,
    )
    assert april["projects_beneficiary_hh"] == 0
    may = Period(date(2026, 5, 1), date(2026, 5, 31))
    now = figures_compute_range(bounds=bounds, period=may)
    assert (now["projects_disbursed_yuan"], now["projects_paid_yuan"], now["projects_beneficiary_hh"]) == (
        300000,
        300000,
        1,
    )
    assert BY_CODE["projects_spending_rate"].value(now) == 37.5
    assert BY_CODE["projects_central_industry_share"].value(now) == 100.0
    assert figures_drill(bounds=bounds, period=may, part="projects_beneficiary_hh") == [home.pk]
    # the beneficiary lives in another township: its figure is there, the money where the project is built
    other = figures_compute_range(bounds=tree.other_township.bounds, period=may)
    assert (other["projects_beneficiary_hh"], other["projects_budget_yuan"]) == (1, 0)
    june = figures_compute_range(bounds=bounds, period=Period(date(2026, 6, 1), date(2026, 6, 30)))
    assert (june["projects_paid_yuan"], june["projects_disbursed_yuan"]) == (0, 300000)
    stage_change(
        actor=county, project_id=project.pk, to=Stage.WITHDRAWN, on=date(2026, 6, 20), note="选址变更"
    )
    withdrawn = figures_compute_range(bounds=bounds, period=Period(date(2026, 6, 1), date(2026, 6, 30)))
    assert (withdrawn["projects_listed"], withdrawn["projects_beneficiary_hh"]) == (0, 0)


def test_household_lines(client: Client, personas: dict[str, Any], tree: Any, project: Project) -> None:
    county, cadre = personas["county_officer"], personas["village_cadre"]
    home = household(cadre, tree.village)
    beneficiary_add(actor=county, project_id=project.pk, household_id=home.pk, benefit="dividend", since=date(2026, 5, 1),
                    amount_per_year=Decimal(800))  # fmt: skip
    lines = household_programs(viewer=cadre, household=home, year=2026)
    assert [(line.amount, line.url) for line in lines] == [(Decimal(800), f"/projects/{project.pk}/")]
    assert project.name in str(lines[0].what)
    assert household_programs(viewer=personas["department_officer"], household=home, year=2026) == []
    client.force_login(cadre)
    page = client.get(f"/registry/households/{home.pk}/").content.decode()
    assert project.name in page and f"/projects/{project.pk}/" in page


def test_a_large_export_runs_as_a_job(
    personas: dict[str, Any], project: Project, settings: Any, tmp_path: Path
) -> None:
    from bottomline.projects.exports import export_job

    settings.MEDIA_ROOT = tmp_path
    result = export_job(
        {"user": personas["county_officer"].pk, "filters": {"stage": "implementing"}, "language": "en"},
        NullProgress(),
    )
    assert result["file_name"] == "projects-20260630.xlsx" and result["download"]
