"""The relocation pages, API, import (template, check, all or nothing, row errors, same file twice), XLSX
export, the dashboards' figures through the dashboards (as of a date, drill-through) and the household page."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
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
from bottomline.registry.tests.factories import household, id_number, member
from bottomline.relocation.importing import relocations_import, template_csv
from bottomline.relocation.models import Assessment, Relocation, Support
from bottomline.relocation.services import assessment_record, relocation_record, site_save

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(date(2026, 6, 30), tick=False):
        yield


@pytest.fixture
def ledger(tree: Any, personas: dict[str, Any]) -> dict[str, Any]:
    """A site in 永丰村 with a household of 永丰村 (2019) and a site in 大卡阳村 with one of its own (2020)."""
    county = personas["county_officer"]
    site = site_save(
        actor=county, name="幸福家园", kind="centralised", region_code=tree.village.code, address="三合镇",
        built_year=2017, planned_households=403, planned_people=1400,
    )  # fmt: skip
    far = site_save(
        actor=county, name="大卡阳安置点", kind="scattered", region_code=tree.other_township_village.code,
        built_year=2016, planned_households=20, planned_people=70,
    )  # fmt: skip
    mine = household(county, tree.village)
    member(county, mine, id_number(sequence=11))
    member(county, mine, id_number(sequence=12))
    other = household(county, tree.other_township_village)
    member(county, other, id_number(sequence=13))
    free = household(county, tree.village)
    here = relocation_record(
        actor=county, household_id=mine.pk, origin_code=tree.village.code, site_id=site.pk, year=2019
    )
    there = relocation_record(
        actor=county,
        household_id=other.pk,
        origin_code=tree.other_township_village.code,
        site_id=far.pk,
        year=2020,
    )
    return {
        "site": site,
        "far": far,
        "mine": mine,
        "other": other,
        "free": free,
        "here": here,
        "there": there,
    }


def test_pages_list_detail_and_record(
    client: Client, personas: dict[str, Any], ledger: dict[str, Any]
) -> None:
    township = personas["township_officer"]
    client.force_login(township)
    page = client.get("/relocation/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    text = page.content.decode()
    assert ledger["mine"].number in text and ledger["other"].number not in text
    assert client.get(f"/relocation/{ledger['there'].pk}/").status_code == 404
    sites = client.get("/relocation/sites/").content.decode()
    assert "幸福家园" in sites and "大卡阳安置点" not in sites
    detail = client.get(f"/relocation/sites/{ledger['site'].pk}/?on=2026-06-30")
    assert detail.status_code == 200 and "迁出村数" in detail.content.decode()
    assert client.get(f"/relocation/sites/{ledger['far'].pk}/").status_code == 404
    shown = client.get(f"/relocation/{ledger['here'].pk}/").content.decode()
    assert "登记评估" in shown and "登记帮扶" in shown
    assessed = client.post(
        f"/relocation/{ledger['here'].pk}/assess/", {"on": "2026-06-01", "status": "risk", "note": "失业"}
    )
    assert assessed.status_code == 302 and Assessment.objects.get().status == "risk"
    no_note = client.post(f"/relocation/{ledger['here'].pk}/assess/", {"on": "2026-06-02", "status": "risk"})
    assert no_note.status_code == 200 and "请说明需关注的情况或风险所在" in no_note.content.decode()
    supported = client.post(
        f"/relocation/{ledger['here'].pk}/support/",
        {"kind": "employment", "on": "2026-06-03", "description": "推荐就业", "unit": "人社所"},
    )
    assert supported.status_code == 302 and Support.objects.count() == 1
    risky = client.get("/relocation/?status=risk", headers={"Accept-Language": "en"}).content.decode()
    assert ledger["mine"].number in risky
    created = client.post(
        "/relocation/new/",
        {
            "number": ledger["free"].number,
            "origin_code": "630106100201",
            "site": ledger["site"].pk,
            "year": "2021",
        },
    )
    assert created.status_code == 302 and Relocation.objects.filter(household=ledger["free"]).exists()
    new_site = client.post(
        "/relocation/sites/new/",
        {"name": "新村", "kind": "scattered", "region_code": "630106100202", "built_year": "2019",
         "planned_households": "5", "planned_people": "20"},
    )  # fmt: skip
    assert new_site.status_code == 302
    cadre = Client()
    cadre.force_login(personas["village_cadre"])
    assert cadre.get("/relocation/new/").status_code == 403
    assert cadre.get("/relocation/sites/new/").status_code == 403
    assert "登记帮扶" in cadre.get(f"/relocation/{ledger['here'].pk}/").content.decode()
    auditor = Client()
    auditor.force_login(personas["auditor"])
    read = auditor.get(f"/relocation/{ledger['here'].pk}/").content.decode()
    assert "登记帮扶" not in read and "登记评估" not in read


def test_household_page_shows_the_relocation(
    client: Client, personas: dict[str, Any], ledger: dict[str, Any]
) -> None:
    client.force_login(personas["village_cadre"])
    page = client.get(f"/registry/households/{ledger['mine'].pk}/").content.decode()
    assert "易地扶贫搬迁后续扶持" in page and "幸福家园，2019年搬迁" in page


def test_export_xlsx(client: Client, personas: dict[str, Any], ledger: dict[str, Any]) -> None:
    assessment_record(
        actor=personas["county_officer"], relocation_id=ledger["there"].pk, on=date(2026, 3, 1),
        status="attention", note="无业",
    )  # fmt: skip
    client.force_login(personas["county_officer"])
    response = client.get("/relocation/export/?on=2019-12-31", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert rows[0][0] == "As of 2019-12-31"
    assert [row[0] for row in rows[2:]] == [ledger["mine"].number]  # the other moved in 2020
    now = client.get("/relocation/export/", headers={"Accept-Language": "en"}).content
    rows = CalamineWorkbook.from_filelike(io.BytesIO(now)).get_sheet_by_index(0).to_python()
    by_number = {row[0]: row for row in rows[2:]}
    assert by_number[ledger["other"].number][6] == "Needs attention"
    assert by_number[ledger["mine"].number][5] == "2"


def _api(client: Client, method: str, url: str, token: str, data: Any = None) -> Any:
    headers = {"Accept-Language": "en", "Authorization": f"Bearer {token}"}
    if method == "post":
        return client.post(
            f"/api/v1{url}", json.dumps(data), content_type="application/json", headers=headers
        )
    return client.get(f"/api/v1{url}", headers=headers)


def test_api(client: Client, personas: dict[str, Any], ledger: dict[str, Any], tree: Any) -> None:
    township = token_create(user=personas["township_officer"], name="t", scope="write")[1]
    listed = _api(client, "get", "/relocation/relocations", township).json()
    assert [r["household_number"] for r in listed["results"]] == [ledger["mine"].number]
    assert listed["results"][0]["status"] == "unassessed"
    assert _api(client, "get", f"/relocation/relocations/{ledger['there'].pk}", township).status_code == 404
    site = _api(client, "get", f"/relocation/sites/{ledger['site'].pk}?on=2026-06-30", township).json()
    assert site["counts"]["households"] == 1 and site["counts"]["people"] == 2
    assert [s["name"] for s in _api(client, "get", "/relocation/sites", township).json()] == ["幸福家园"]
    assessed = _api(
        client, "post", f"/relocation/relocations/{ledger['here'].pk}/assessments", township,
        {"on": "2026-06-01", "status": "stable"},
    )  # fmt: skip
    assert assessed.status_code == 201 and assessed.json()["status"] == "stable"
    supported = _api(
        client, "post", f"/relocation/relocations/{ledger['here'].pk}/supports", township,
        {"kind": "education", "on": "2026-06-01", "description": "入学", "unit": "中心校"},
    )  # fmt: skip
    assert supported.status_code == 201 and supported.json()["supports"][0]["kind"] == "education"
    created = _api(
        client, "post", "/relocation/relocations", township,
        {"household_id": ledger["free"].pk, "origin_code": tree.village.code, "site_id": ledger["site"].pk,
         "year": 2022},
    )  # fmt: skip
    assert created.status_code == 201 and created.json()["year"] == 2022
    twice = _api(
        client, "post", "/relocation/relocations", township,
        {"household_id": ledger["free"].pk, "origin_code": tree.village.code, "site_id": ledger["site"].pk,
         "year": 2022},
    )  # fmt: skip
    assert twice.status_code in (400, 422)
    made = _api(
        client, "post", "/relocation/sites", township,
        {"name": "后街安置点", "kind": "scattered", "region_code": tree.sibling_village.code, "built_year": 2018,
         "planned_households": 3, "planned_people": 9},
    )  # fmt: skip
    assert made.status_code == 201
    outside = _api(
        client, "post", "/relocation/sites", township,
        {"name": "外", "kind": "scattered", "region_code": tree.other_township_village.code, "built_year": 2018,
         "planned_households": 3, "planned_people": 9},
    )  # fmt: skip
    assert outside.status_code == 404


def _list(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "relocations.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["户编号", "迁出村代码", "安置点", "搬迁年度"])
        writer.writerows(rows)
    return path


def test_import_row_errors_all_or_nothing_and_again(
    tmp_path: Path, personas: dict[str, Any], ledger: dict[str, Any], tree: Any
) -> None:
    county = personas["county_officer"]
    fresh = household(county, tree.sibling_village)
    good = [
        [ledger["free"].number, tree.village.code, "幸福家园", "2021"],
        [fresh.number, tree.sibling_village.code, "幸福家园", "2022"],
        [ledger["mine"].number, tree.village.code, "幸福家园", "2019"],  # recorded already, the same
    ]
    bad = [
        ["6301069999990001", tree.village.code, "幸福家园", "2021"],  # no such household
        [ledger["other"].number, tree.township.code, "没有的安置点", "20x1"],
        [ledger["free"].number, tree.village.code, "幸福家园", "2021"],  # twice in the file
        [ledger["there"].household.number, tree.village.code, "幸福家园", "2019"],  # recorded, other values
        [fresh.number, tree.sibling_village.code, "幸福家园", "2015"],  # before the site was built
        [fresh.number, "", "", "2022"],
    ]
    report = relocations_import(
        path=_list(tmp_path, good + bad), user=county, commit=True, progress=NullProgress()
    )
    found = {(e.row, e.column) for e in report.errors}
    assert {
        (5, "户编号"),
        (6, "安置点"),
        (6, "搬迁年度"),
        (7, "户编号"),
        (8, "户编号"),
        (9, "搬迁年度"),
        (10, "迁出村代码"),
        (10, "安置点"),
    } <= found
    assert Relocation.objects.count() == 2  # nothing written
    ok = relocations_import(path=_list(tmp_path, good), user=county, commit=True, progress=NullProgress())
    assert ok.errors == [] and (ok.created, ok.unchanged) == (2, 1)
    again = relocations_import(path=_list(tmp_path, good), user=county, commit=True, progress=NullProgress())
    assert (again.created, again.unchanged) == (0, 3)
    assert Relocation.objects.get(household=fresh).year == 2022
    assert "迁出村代码" in template_csv().decode("utf-8-sig")
    with pytest.raises(PermissionDenied):
        relocations_import(
            path=_list(tmp_path, good), user=personas["village_cadre"], commit=False, progress=NullProgress()
        )


def test_dashboard_figures_as_of_a_date_and_drill(
    tree: Any, personas: dict[str, Any], ledger: dict[str, Any]
) -> None:
    assessment_record(
        actor=personas["county_officer"], relocation_id=ledger["there"].pk, on=date(2026, 3, 1), status="risk",
        note="患病",
    )  # fmt: skip
    bounds = tree.county.bounds
    old = figures_compute_range(bounds=bounds, period=Period(date(2019, 12, 1), date(2019, 12, 31)))
    assert (old["relocation_hh"], old["relocation_people"], old["relocation_risk_hh"]) == (1, 2, 0)
    june = Period(date(2026, 6, 1), date(2026, 6, 30))
    now = figures_compute_range(bounds=bounds, period=june)
    assert (now["relocation_hh"], now["relocation_people"], now["relocation_risk_hh"]) == (2, 3, 1)
    assert now["relocation_risk_people"] == 1 and now["relocation_employed_people"] == 0
    assert BY_CODE["relocation_employed_rate"].value(now) == 0.0
    assert figures_drill(bounds=bounds, period=june, part="relocation_risk_hh") == [ledger["other"].pk]
    assert sorted(figures_drill(bounds=bounds, period=june, part="relocation_hh")) == sorted(
        [ledger["mine"].pk, ledger["other"].pk]
    )
    township = figures_compute_range(bounds=tree.township.bounds, period=june)
    assert (township["relocation_hh"], township["relocation_risk_hh"]) == (1, 0)


def test_job_results_read_as_lines() -> None:
    from bottomline.jobs.models import Job
    from bottomline.jobs.results import result_lines

    job = Job(kind="relocation.import", result={"rows": 3, "relocations_created": 2, "errors": []})
    assert [line.value for line in result_lines(job)] == ["3", "2"]


def test_a_large_export_is_a_job(
    client: Client,
    personas: dict[str, Any],
    ledger: dict[str, Any],
    monkeypatch: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    from bottomline.jobs.models import Job
    from bottomline.jobs.progress import NullProgress
    from bottomline.relocation import exports, views

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(views, "EXPORT_INLINE_ROWS", 0)
    client.force_login(personas["township_officer"])
    answer = client.get("/relocation/export/?status=unassessed", headers={"Accept-Language": "en"})
    job = Job.objects.get(kind=exports.EXPORT)
    assert answer.status_code == 302 and answer["Location"] == f"/jobs/{job.pk}/"
    assert job.params["status"] == "unassessed" and job.params["region"] == "630106100000"
    result = exports.relocations_export_job(job.params, NullProgress())
    assert result["file_name"] == "relocations-20260630.xlsx" and result["download"]
