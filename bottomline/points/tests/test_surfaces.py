"""The points pages, API, import (template, check, all or nothing, row errors, again), XLSX export, dashboard
figures (as of a date, drill-through) and the household page's line."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from python_calamine import CalamineWorkbook

from bottomline.accounts.services import token_create
from bottomline.dashboards.compute import Period, figures_compute_range, figures_drill
from bottomline.dashboards.indicators import BY_CODE
from bottomline.jobs.progress import NullProgress
from bottomline.points.importing import points_import, template_csv
from bottomline.points.models import Entry, Goods, StockMove
from bottomline.points.services import points_record, redemption_record
from bottomline.registry.programs import household_programs

pytestmark = pytest.mark.django_db


def _earn(actor: Any, shop: dict[str, Any], hh: Any, on: date, times: int = 1) -> None:
    for _n in range(times):
        points_record(
            actor=actor, supermarket_id=shop["market"].pk, household_id=hh.pk, rule_id=shop["clean"].pk, on=on
        )


def test_pages(client: Client, personas: dict[str, Any], shop: dict[str, Any]) -> None:
    township = personas["township_officer"]
    _earn(township, shop, shop["mine"], date(2026, 2, 1), times=2)  # 20 points
    client.force_login(township)
    listing = client.get("/points/").content.decode()
    assert "永丰村爱心超市" in listing
    market = shop["market"].pk
    detail = client.get(f"/points/{market}/").content.decode()
    assert shop["mine"].number in detail and ">20<" in detail
    redeemed = client.post(
        f"/points/{market}/redeem/",
        {"number": shop["mine"].number, "goods": shop["soap"].pk, "quantity": "3", "on": "2026-06-01"},
        follow=True,
    )
    assert "剩余 5 积分" in redeemed.content.decode()
    too_much = client.post(
        f"/points/{market}/redeem/",
        {"number": shop["mine"].number, "goods": shop["soap"].pk, "quantity": "2", "on": "2026-06-01"},
    )
    assert too_much.status_code == 200 and "积分不足" in too_much.content.decode()
    recorded = client.post(
        f"/points/{market}/record/",
        {"number": shop["sibling"].number, "rule": shop["clean"].pk, "on": "2026-06-02"},
        follow=True,
    )
    assert "10 积分" in recorded.content.decode()
    assert client.post(f"/points/{market}/rules/", {"category": "work", "points": "8", "description": "修路",
                                                     "start": "2026-06-01"}).status_code == 302  # fmt: skip
    assert client.post(f"/points/{market}/goods/", {"form": "goods", "g-name": "毛巾", "g-unit": "条",
                                                     "g-price": "20"}).status_code == 302  # fmt: skip
    towel = Goods.objects.get(name="毛巾")
    assert client.post(f"/points/{market}/goods/", {"form": "receipt", "r-goods": towel.pk, "r-quantity": "4",
                                                     "r-on": "2026-06-03"}).status_code == 302  # fmt: skip
    counted = client.post(
        f"/points/{market}/stocktake/",
        {"on": "2026-06-30", f"count-{shop['soap'].pk}": "6", f"count-{towel.pk}": ""},
    )
    assert counted.status_code == 302
    move = StockMove.objects.get(kind="count")
    assert (move.book, move.counted, move.quantity) == (7, 6, -1)
    cadre = Client()
    cadre.force_login(personas["village_cadre"])
    assert cadre.get(f"/points/{market}/record/").status_code == 200
    assert cadre.get(f"/points/{market}/stocktake/").status_code == 403
    refused = cadre.post(
        f"/points/{market}/record/",
        {"number": shop["sibling"].number, "rule": shop["clean"].pk, "on": "2026-06-02"},
    )
    assert "没有此户编号" in refused.content.decode()
    assert Entry.objects.filter(household=shop["sibling"]).count() == 1
    created = client.post(
        "/points/new/",
        {"name": "新超市", "village": shop["sibling"].village_id, "opened_on": "2026-06-01"},
    )
    assert created.status_code == 200 and "已由" in created.content.decode()  # the village is served already


def _api(client: Client, method: str, url: str, token: str, data: Any = None) -> Any:
    headers = {"Accept-Language": "en", "Authorization": f"Bearer {token}"}
    if method == "post":
        return client.post(
            f"/api/v1{url}", json.dumps(data), content_type="application/json", headers=headers
        )
    return client.get(f"/api/v1{url}", headers=headers)


def test_api(client: Client, personas: dict[str, Any], shop: dict[str, Any]) -> None:
    token = token_create(user=personas["village_cadre"], name="t", scope="write")[1]
    market = shop["market"].pk
    listed = _api(client, "get", "/points/supermarkets", token).json()
    assert [s["name"] for s in listed] == ["永丰村爱心超市"] and len(listed[0]["villages"]) == 2
    detail = _api(client, "get", f"/points/supermarkets/{market}", token).json()
    assert {r["county_wide"] for r in detail["rules"]} == {True, False} and detail["goods"][0]["stock"] == 10
    earned = _api(client, "post", f"/points/supermarkets/{market}/entries", token,
                  {"household_id": shop["mine"].pk, "rule_id": shop["clean"].pk, "on": "2026-03-01"})  # fmt: skip
    assert earned.status_code == 201 and earned.json()["balance"] == 10
    spent = _api(client, "post", f"/points/supermarkets/{market}/redemptions", token,
                 {"household_id": shop["mine"].pk, "goods_id": shop["soap"].pk, "quantity": 2, "on": "2026-03-02"})  # fmt: skip
    assert spent.status_code == 201 and spent.json()["balance"] == 0 and spent.json()["spent_this_year"] == 10
    again = _api(client, "post", f"/points/supermarkets/{market}/redemptions", token,
                 {"household_id": shop["mine"].pk, "goods_id": shop["soap"].pk, "quantity": 1, "on": "2026-03-03"})  # fmt: skip
    assert again.status_code in (400, 422)
    as_of = _api(client, "get", f"/points/households/{shop['mine'].pk}/balance?on=2026-03-01", token).json()
    assert as_of["balance"] == 10
    assert _api(client, "get", f"/points/households/{shop['far'].pk}/balance", token).status_code == 404
    other = _api(client, "post", f"/points/supermarkets/{market}/entries", token,
                 {"household_id": shop["sibling"].pk, "points": 5, "note": "x", "on": "2026-03-01"})  # fmt: skip
    assert other.status_code == 404  # the sibling village is outside the cadre's region


def _file(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "points.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["户编号", "日期", "积分规则", "积分", "备注", "流水号"])
        writer.writerows(rows)
    return path


def test_import_row_errors_all_or_nothing_and_again(
    tmp_path: Path, personas: dict[str, Any], shop: dict[str, Any]
) -> None:
    township = personas["township_officer"]
    mine, sibling = shop["mine"].number, shop["sibling"].number
    good = [
        [mine, "2026-03-01", "庭院整洁", "", "", "S-1"],
        [sibling, "2026-03-02", "", "5", "扫雪", "S-2"],
        [mine, "2026-03-03", "邻里纠纷", "", "", "S-3"],  # a county default: -5
    ]
    bad = [
        [mine, "2026-03-04", "", "-50", "罚", "S-4"],  # below zero
        [shop["far"].number, "2026-03-04", "", "5", "x", "S-5"],  # outside the township
        [mine, "someday", "", "5", "x", "S-6"],
        [mine, "2026-03-04", "没有的规则", "", "", "S-7"],
        [mine, "2026-03-04", "", "", "", "S-1"],
    ]
    report = points_import(
        path=_file(tmp_path, good + bad), user=township, commit=True, progress=NullProgress()
    )
    found = {(e.row, e.column) for e in report.errors}
    assert {(5, "积分"), (6, "户编号"), (7, "日期"), (8, "积分规则"), (9, "流水号")} <= found, found
    assert Entry.objects.count() == 0  # all or nothing
    checked = points_import(path=_file(tmp_path, good), user=township, commit=False, progress=NullProgress())
    assert checked.errors == [] and checked.created == 3 and Entry.objects.count() == 0
    ok = points_import(path=_file(tmp_path, good), user=township, commit=True, progress=NullProgress())
    assert ok.errors == [] and ok.created == 3
    again = points_import(path=_file(tmp_path, good), user=township, commit=True, progress=NullProgress())
    assert (again.created, again.unchanged) == (0, 3)
    assert "流水号" in template_csv().decode("utf-8-sig")


def test_export_xlsx(client: Client, personas: dict[str, Any], shop: dict[str, Any]) -> None:
    county = personas["county_officer"]
    _earn(county, shop, shop["mine"], date(2026, 2, 1), times=2)
    redemption_record(actor=county, supermarket_id=shop["market"].pk, household_id=shop["mine"].pk,
                      goods_id=shop["soap"].pk, quantity=1, on=date(2026, 5, 1))  # fmt: skip
    client.force_login(county)
    response = client.get("/points/export/?on=2026-04-30", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert rows[0][0] == "As of 2026-04-30"
    assert rows[2][0] == shop["mine"].number and rows[2][2:] == [20, 20, 0, 0]


def test_a_large_export_is_a_job(
    client: Client, personas: dict[str, Any], shop: dict[str, Any], monkeypatch: Any
) -> None:
    from bottomline.jobs.models import Job
    from bottomline.points import exports

    _earn(personas["county_officer"], shop, shop["mine"], date(2026, 2, 1))
    monkeypatch.setattr(exports, "EXPORT_INLINE_ROWS", 0)
    client.force_login(personas["county_officer"])
    answer = client.get("/points/export/")
    job = Job.objects.get(kind=exports.EXPORT)
    assert answer.status_code == 302 and answer["Location"].endswith(f"/{job.pk}/")


def test_figures_as_of_a_date_and_drill(tree: Any, personas: dict[str, Any], shop: dict[str, Any]) -> None:
    county = personas["county_officer"]
    _earn(county, shop, shop["mine"], date(2026, 2, 1), times=2)
    _earn(county, shop, shop["sibling"], date(2026, 3, 1))
    redemption_record(actor=county, supermarket_id=shop["market"].pk, household_id=shop["sibling"].pk,
                      goods_id=shop["soap"].pk, quantity=2, on=date(2026, 4, 1))  # fmt: skip
    bounds = tree.county.bounds
    feb = figures_compute_range(bounds=bounds, period=Period(date(2026, 2, 1), date(2026, 2, 28)))
    assert (feb["points_supermarkets"], feb["points_villages"], feb["points_hh_earning"]) == (1, 2, 1)
    assert (feb["points_earned"], feb["points_redeemed"], feb["points_hh_balance"]) == (20, 0, 1)
    april = Period(date(2026, 4, 1), date(2026, 4, 30))
    apr = figures_compute_range(bounds=bounds, period=april)
    assert (apr["points_hh_earning"], apr["points_redeemed"], apr["points_hh_balance"]) == (0, 10, 1)
    assert figures_drill(bounds=bounds, period=april, part="points_hh_balance") == [shop["mine"].pk]
    spring = Period(date(2026, 1, 1), date(2026, 4, 30))
    assert sorted(figures_drill(bounds=bounds, period=spring, part="points_hh_earning")) == sorted(
        [shop["mine"].pk, shop["sibling"].pk]
    )
    assert BY_CODE["points_redeemed_rate"].value(figures_compute_range(bounds=bounds, period=spring)) == 33.3
    dec = figures_compute_range(bounds=bounds, period=Period(date(2025, 12, 1), date(2025, 12, 31)))
    assert dec["points_supermarkets"] == 0 and dec["points_villages"] == 0


def test_household_line(personas: dict[str, Any], shop: dict[str, Any], client: Client) -> None:
    cadre = personas["village_cadre"]
    assert household_programs(viewer=cadre, household=shop["mine"], year=2026) == []
    _earn(cadre, shop, shop["mine"], date(2026, 2, 1), times=2)
    lines = household_programs(viewer=cadre, household=shop["mine"], year=2026)
    assert [(str(line.program), line.amount) for line in lines] == [("积分超市", None)]
    assert "20" in str(lines[0].what)
    assert household_programs(viewer=personas["department_officer"], household=shop["mine"], year=2026) == []
    client.force_login(cadre)
    page = client.get(f"/registry/households/{shop['mine'].pk}/").content.decode()
    assert "积分余额 20" in page
