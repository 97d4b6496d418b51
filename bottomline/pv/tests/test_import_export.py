"""The grid company's statement import (every bad row reported, all or nothing, the same file again changes
nothing, an over-distributing correction refused) and the XLSX exports."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from python_calamine import CalamineWorkbook

from bottomline.jobs.progress import NullProgress
from bottomline.pv import services
from bottomline.pv.imports import statement_import, template_csv, template_xlsx
from bottomline.pv.models import Purpose, Source, StationMonth
from bottomline.pv.tests.factories import YEAR, post, station

pytestmark = pytest.mark.django_db
HEADINGS = ["电站户号", "结算月份", "上网电量（千瓦时）", "结算金额（元）"]


def _csv(path: Path, rows: list[list[str]], headings: list[str] = HEADINGS) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headings)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return path


def _run(path: Path, user: Any, commit: bool = True) -> Any:
    return statement_import(path=path, user=user, commit=commit, progress=NullProgress())


def test_a_statement_with_bad_rows_writes_nothing_and_says_where(
    tree: Any, personas: dict[str, Any], make_user: Any, tmp_path: Path
) -> None:
    county = personas["county_officer"]
    made = station(county, tree.village, monthly="0")
    other = make_user("county_officer", tree.other_county, username="other-county")
    far = station(other, tree.other_county_village)
    before = list(StationMonth.objects.values_list("pk", "income"))
    path = _csv(
        tmp_path / "bad.csv",
        [
            [made.grid_account, "2025-01", "15000", "11200.50"],  # good
            [far.grid_account, "2025-01", "1", "1"],  # another county's station
            [made.grid_account, "2025年13月", "1", "1"],  # no such month
            [made.grid_account, "2025-02", "-3", "abc"],  # bad amounts
            [made.grid_account, "2025/1", "1", "1"],  # the same month as row 2
            [made.grid_account, "2024-05", "1", "1"],  # before the grid date
        ],
    )
    report = _run(path, county)
    found = {(e.row, e.column) for e in report.errors}
    assert found == {
        (3, "电站户号"),
        (4, "结算月份"),
        (5, "上网电量（千瓦时）"),
        (5, "结算金额（元）"),
        (6, "结算月份"),
        (7, "结算月份"),
    }
    assert list(StationMonth.objects.values_list("pk", "income")) == before


def test_a_good_statement_is_recorded_once_and_again_changes_nothing(
    tree: Any, personas: dict[str, Any], tmp_path: Path
) -> None:
    county = personas["county_officer"]
    made = station(county, tree.village, monthly="0")
    path = _csv(
        tmp_path / "good.csv",
        [[made.grid_account, f"{YEAR}年{m}月", "15000", "11200.50"] for m in range(1, 13)],
    )
    assert _run(path, county, commit=False).errors == []
    assert services.village_year_income(tree.village.pk, YEAR) == Decimal(0)  # a check writes nothing
    first = _run(path, county)
    assert (first.errors, first.created, first.replaced) == ([], 0, 12)
    assert services.village_year_income(tree.village.pk, YEAR) == Decimal("134406.00")
    assert set(StationMonth.objects.values_list("source", flat=True)) == {Source.IMPORTED}
    again = _run(path, county)
    assert (again.errors, again.replaced) == ([], 12)
    assert services.village_year_income(tree.village.pk, YEAR) == Decimal("134406.00")


def test_a_statement_that_would_leave_a_village_over_distributed_is_refused_whole(
    tree: Any, personas: dict[str, Any], tmp_path: Path
) -> None:
    county = personas["county_officer"]
    made = station(county, tree.village)  # 120,000 yuan in YEAR
    services.allocation_record(
        actor=county, village=tree.village, year=YEAR, purpose=Purpose.COLLECTIVE, amount=Decimal(110000),
        decided_on=date(YEAR + 1, 3, 1),
    )  # fmt: skip
    path = _csv(tmp_path / "lower.csv", [[made.grid_account, f"{YEAR}-0{m}", "100", "100"] for m in (1, 2)])
    report = _run(path, county)
    assert [e.row for e in report.errors] == [3]
    assert services.village_year_income(tree.village.pk, YEAR) == Decimal(120000)


def test_only_the_county_imports_and_the_template_reads_back(
    tree: Any, personas: dict[str, Any], tmp_path: Path
) -> None:
    client = Client()
    client.force_login(personas["township_officer"])
    assert client.get("/pv/import/").status_code == 403
    client.force_login(personas["county_officer"])
    assert client.get("/pv/import/").status_code == 200
    rows = list(csv.reader(io.StringIO(template_csv().decode("utf-8-sig"))))
    assert rows[0] == HEADINGS
    xlsx = tmp_path / "template.xlsx"
    xlsx.write_bytes(template_xlsx())
    assert CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_index(0).to_python()[0] == HEADINGS


def test_exports_hold_the_viewers_stations_and_posts_as_text(
    tree: Any, personas: dict[str, Any], make_user: Any, tmp_path: Path
) -> None:
    county = personas["county_officer"]
    station(county, tree.village)
    post(county, tree.village)
    other = make_user("county_officer", tree.other_county, username="other-county")
    station(other, tree.other_county_village)
    client = Client()
    client.force_login(personas["township_officer"])
    for url, rows in ((f"/pv/stations/export/?year={YEAR}", 2), ("/pv/posts/export/", 2)):
        response = client.get(url)
        assert response.status_code == 200
        path = tmp_path / "out.xlsx"
        path.write_bytes(response.content)
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        assert len(sheet) == rows
    stations = CalamineWorkbook.from_path(str(tmp_path / "out.xlsx"))
    assert stations is not None


def test_many_posts_are_exported_by_a_job_and_listed_a_page_at_a_time(
    tree: Any, personas: dict[str, Any], monkeypatch: Any
) -> None:
    from bottomline.jobs.tests.exporting import export_by_job
    from bottomline.pv.views import PAGE

    county = personas["county_officer"]
    made = [post(county, tree.village) for _ in range(PAGE + 1)]
    client = Client()
    client.force_login(personas["township_officer"])
    first = client.get("/pv/posts/", {"filled": "0"}).content.decode()
    assert f"/pv/posts/{made[0].pk}/" in first and f"/pv/posts/{made[-1].pk}/" not in first
    assert "filled=0&amp;page=2" in first
    second = client.get("/pv/posts/", {"filled": "0", "page": "2"}).content.decode()
    assert f"/pv/posts/{made[-1].pk}/" in second and f"/pv/posts/{made[0].pk}/" not in second
    assert (
        f"/pv/posts/{made[-1].pk}/"
        not in client.get("/pv/posts/", {"filled": "1", "page": "2"}).content.decode()
    )
    job, content = export_by_job(client, "/pv/posts/export/", monkeypatch)
    assert job.kind == "pv.post_export" and job.result["rows"] == PAGE + 1
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert len(sheet) == PAGE + 2
