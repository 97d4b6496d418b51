"""Importing incomes: the template, every bad row reported, all or nothing, the same file again changes nothing,
the registry import's reading (encodings, XLSX guards), and each household evaluated again."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from auditlog.models import LogEntry
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from python_calamine import CalamineWorkbook

from bottomline.engine.models import Current
from bottomline.jobs.progress import NullProgress
from bottomline.registry import income_import
from bottomline.registry.importing import ImportFileError, RowsReport
from bottomline.registry.income_import import COLUMNS, income_import_job
from bottomline.registry.models import Household, IncomeRecord
from bottomline.registry.tests.factories import household, id_number, member

HEADINGS = [
    "户编号",
    "年度",
    "工资性收入",
    "生产经营性收入",
    "生产经营性支出",
    "转移性收入",
    "合规自付医疗支出",
]


@pytest.fixture
def homes(tree: Any, personas: dict[str, Any]) -> list[Household]:
    call_command("policy_seed")
    cadre = personas["village_cadre"]
    made = []
    for i in range(3):
        home = household(cadre, tree.village)
        member(cadre, home, id_number(birth=date(1980, 1, 1 + i), sequence=10 + i))
        made.append(home)
    return made


def write_csv(path: Path, headings: list[str], rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headings)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def good_rows(homes: list[Household]) -> list[list[str]]:
    return [
        [homes[0].number, "2025", "24000", "8000", "2500", "3600", "1200"],
        [homes[1].number, "2025", "1,000.50", "", "", "600", ""],
        [homes[2].number, "2025", "30000", "0", "0", "0", "0"],
    ]


def run(path: Path, user: Any, *, commit: bool) -> RowsReport:
    return income_import.income_import(path=path, user=user, commit=commit, progress=NullProgress())


@pytest.mark.django_db
def test_a_good_file_imports_and_again_changes_nothing(
    tmp_path: Path, homes: list[Household], personas: dict[str, Any]
) -> None:
    county = personas["county_officer"]
    path = write_csv(tmp_path / "incomes.csv", HEADINGS, good_rows(homes))
    checked = run(path, county, commit=False)
    assert checked.errors == [] and not IncomeRecord.objects.exists()
    report = run(path, county, commit=True)
    assert (report.errors, report.created, report.replaced) == ([], 3, 0)
    first = IncomeRecord.objects.get(household=homes[0])
    assert (first.period_start, first.period_end) == (date(2025, 1, 1), date(2025, 12, 31))
    assert first.production == Decimal("5500.00") and first.net_income == Decimal("33100.00")
    assert first.medical_out_of_pocket == Decimal("1200.00")
    assert IncomeRecord.objects.get(household=homes[1]).wage == Decimal("1000.50")
    # Each household was evaluated again online: the one of 1,600.50 a year is below the line.
    assert "income_below_line" in Current.objects.get(household=homes[1]).codes
    assert "income_below_line" not in Current.objects.get(household=homes[2]).codes
    # The change log names the importer.
    assert LogEntry.objects.get_for_object(first).get().actor == county
    before = list(IncomeRecord.objects.order_by("pk").values_list("pk", "net_income"))
    again = run(path, county, commit=True)
    assert (again.errors, again.created, again.replaced) == ([], 0, 3)
    assert list(IncomeRecord.objects.order_by("pk").values_list("pk", "net_income")) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", {"amount": "Enter an amount in yuan", "unknown": "No household", "twice": "row 2 too"}),
        ("zh-hans", {"amount": "以元为单位的金额", "unknown": "没有户编号为", "twice": "第 2 行"}),
    ],
)
def test_every_bad_row_is_reported_and_nothing_is_written(
    tmp_path: Path,
    homes: list[Household],
    tree: Any,
    personas: dict[str, Any],
    language: str,
    expected: dict[str, str],
) -> None:
    county = personas["county_officer"]
    empty = household(county, tree.sibling_village)  # no members yet
    elsewhere = household(county, tree.village)  # moved to another county: not in the importer's region
    Household.objects.filter(pk=elsewhere.pk).update(village=tree.other_county_village)
    rows = [
        *good_rows(homes),  # rows 2-4: good, yet not written
        [homes[0].number, "2025", "1", "", "", "", ""],  # 5: the same household and year as row 2
        ["NOPE", "2025", "1", "", "", "", ""],  # 6: unknown household
        [elsewhere.number, "2025", "1", "", "", "", ""],  # 7: outside the region
        [empty.number, "2025", "1", "", "", "", ""],  # 8: no members
        [homes[1].number, "2024", "abc", "1e30", "-1", "1.005", "NaN"],  # 9: five bad amounts
        [homes[2].number, "20x4", "1", "", "", "", ""],  # 10: a bad year
        [homes[2].number, "", "1", "", "", "", ""],  # 11: no year
        ["", "2025", "1", "", "", "", ""],  # 12: no household number
    ]
    path = write_csv(tmp_path / "bad.csv", [*HEADINGS, "备注"], [[*r, ""] for r in rows])
    with translation.override(language):
        report = run(path, county, commit=True)
    assert not IncomeRecord.objects.exists()
    found = {(e.row, e.column) for e in report.errors}
    assert (1, "备注") in found  # an unknown heading is reported, not silently dropped
    assert (5, "户编号") in found and (6, "户编号") in found and (7, "户编号") in found
    assert (8, "户编号") in found and (10, "年度") in found and (11, "年度") in found
    assert {
        (9, c) for c in ("工资性收入", "生产经营性收入", "生产经营性支出", "转移性收入", "合规自付医疗支出")
    } <= found
    assert (12, "户编号") in found
    assert {e.row for e in report.errors} == {1, 5, 6, 7, 8, 9, 10, 11, 12}
    messages = " ".join(e.message for e in report.errors)
    for text in expected.values():
        assert text in messages, (text, messages)
    assert report.errors == sorted(report.errors, key=lambda e: (e.row, e.column))


@pytest.mark.django_db
def test_periods_by_dates_and_the_xlsx_template(
    tmp_path: Path, homes: list[Household], personas: dict[str, Any], client: Client
) -> None:
    county = personas["county_officer"]
    client.force_login(county)
    template = client.get("/registry/incomes/import/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(template.content)).get_sheet_by_index(0).to_python()
    assert sheet[0] == [c.heading for c in COLUMNS]
    csv_template = client.get("/registry/incomes/import/template.csv").content
    assert csv_template.startswith(b"\xef\xbb\xbf") and "工资性收入".encode() in csv_template
    # Filled in as an office would: dates as XLSX dates and as text, amounts as numbers.
    path = tmp_path / "incomes.xlsx"
    book = xlsxwriter.Workbook(str(path))
    out = book.add_worksheet()
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for c, column in enumerate(COLUMNS):
        out.write_string(0, c, column.heading)
    at = {c.target: i for i, c in enumerate(COLUMNS)}
    out.write_string(1, at["number"], homes[0].number)
    out.write_datetime(1, at["period_start"], datetime(2026, 1, 1), day)
    out.write_datetime(1, at["period_end"], datetime(2026, 6, 30), day)
    out.write_number(1, at["wage"], 6000.25)
    out.write_string(2, at["number"], homes[1].number)
    out.write_string(2, at["period_start"], "2026/1/1")
    out.write_string(2, at["period_end"], "2026年6月30日")
    out.write_number(2, at["production_gross"], 3000)
    out.write_number(2, at["production_expense"], 1000)
    out.write_string(3, at["number"], homes[2].number)
    out.write_string(3, at["period_start"], "2026-07-01")
    out.write_string(3, at["period_end"], "2026-06-30")  # ends before it starts
    book.close()
    report = run(path, county, commit=True)
    assert [(e.row, e.column) for e in report.errors] == [(4, "截止日期")]
    fixed = tmp_path / "fixed.csv"
    write_csv(
        fixed,
        ["户编号", "起始日期", "截止日期", "工资性收入"],
        [
            [homes[0].number, "2026-01-01", "2026-06-30", "6000.25"],
            [homes[2].number, "2026-07-01", "2026-09-30", "1"],
        ],
        encoding="gb18030",
    )
    assert run(fixed, county, commit=True).errors == []
    half = IncomeRecord.objects.get(household=homes[0])
    assert (half.period_start, half.period_end, half.wage) == (
        date(2026, 1, 1),
        date(2026, 6, 30),
        Decimal("6000.25"),
    )


@pytest.mark.django_db
def test_files_the_reader_refuses_and_roles_that_may_not_import(
    tmp_path: Path, homes: list[Household], personas: dict[str, Any]
) -> None:
    with pytest.raises(ImportFileError):  # neither a year nor the dates
        run(
            write_csv(tmp_path / "a.csv", ["户编号", "工资性收入"], [[homes[0].number, "1"]]),
            personas["county_officer"],
            commit=False,
        )
    with pytest.raises(ImportFileError):  # no household number column
        run(write_csv(tmp_path / "b.csv", ["年度"], [["2025"]]), personas["county_officer"], commit=False)
    bomb = tmp_path / "c.xlsx"
    bomb.write_bytes(b"PK\x03\x04 not a workbook")
    result = income_import_job(
        {"path": str(bomb), "user": personas["county_officer"].pk, "commit": True, "language": "en"},
        NullProgress(),
    )
    assert result["error_count"] == 1 and result["errors"][0][0] == 1
    denied = income_import_job(
        {
            "path": str(write_csv(tmp_path / "d.csv", HEADINGS, good_rows(homes))),
            "user": personas["village_cadre"].pk,
            "commit": True,
            "language": "en",
        },
        NullProgress(),
    )
    assert denied["errors"] == [[0, "", "Your role may not import."]]
    assert not IncomeRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_upload_page_runs_the_import_as_a_job(
    tmp_path: Path, homes: list[Household], personas: dict[str, Any], client: Client, settings: Any
) -> None:
    from bottomline.jobs.models import Job

    settings.MEDIA_ROOT = tmp_path
    client.force_login(personas["county_officer"])
    assert client.get("/registry/incomes/import/").status_code == 200
    rows = good_rows(homes)
    rows[0][2] = "abc"
    bad = write_csv(tmp_path / "bad.csv", HEADINGS, rows)
    with bad.open("rb") as handle:
        response = client.post(
            "/registry/incomes/import/", {"file": handle, "commit": "1"}, headers={"Accept-Language": "en"}
        )
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/" and job.kind == "registry.income_import"
    page = client.get(f"/jobs/{job.pk}/", headers={"Accept-Language": "en"}).content.decode()
    assert "工资性收入" in page and "Enter an amount in yuan" in page
    assert not IncomeRecord.objects.exists()
    with write_csv(tmp_path / "good.csv", HEADINGS, good_rows(homes)).open("rb") as handle:
        client.post("/registry/incomes/import/", {"file": handle, "commit": "1"})
    assert IncomeRecord.objects.count() == 3
    assert list((tmp_path / "imports").iterdir()) == []  # the stored uploads are gone
    client.force_login(personas["village_cadre"])
    assert client.get("/registry/incomes/import/").status_code == 403


@pytest.mark.django_db
def test_the_command_checks_then_imports(
    tmp_path: Path, homes: list[Household], personas: dict[str, Any]
) -> None:
    from django.core.management.base import CommandError

    rows = good_rows(homes)
    rows[1][1] = "year"
    with pytest.raises(CommandError, match="nothing was written"):
        call_command(
            "income_import",
            str(write_csv(tmp_path / "bad.csv", HEADINGS, rows)),
            "--user",
            "county_officer",
            "--language",
            "en",
        )
    good = write_csv(tmp_path / "good.csv", HEADINGS, good_rows(homes))
    call_command("income_import", str(good), "--user", "county_officer", "--check")
    assert not IncomeRecord.objects.exists()
    call_command("income_import", str(good), "--user", "county_officer")
    assert IncomeRecord.objects.count() == 3
    assert good.exists()  # a file the command was given is never deleted


@pytest.mark.django_db
def test_the_import_writes_in_sets(
    tmp_path: Path, homes: list[Household], personas: dict[str, Any], tree: Any
) -> None:
    """Issue #16: the import saved row by row (a dozen queries a row, each household screened on its save);
    through ``incomes_save`` it writes in sets: a row costs only its change-log entry."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cadre, county = personas["village_cadre"], personas["county_officer"]
    more = list(homes)
    for i in range(6):
        home = household(cadre, tree.village)
        member(cadre, home, id_number(birth=date(1970, 1, 1 + i), sequence=40 + i))
        more.append(home)
    counts = []
    for name, rows in (
        ("few", good_rows(homes)[:1]),
        ("many", [[h.number, "2025", "24000", "", "", "", ""] for h in more]),
    ):
        path = write_csv(tmp_path / f"{name}.csv", HEADINGS, rows)
        with CaptureQueriesContext(connection) as queries:
            report = run(path, county, commit=True)
        assert report.errors == [] and report.created + report.replaced == len(rows)
        counts.append(len(queries))
    assert counts[1] - counts[0] <= 6 * (len(more) - 1), counts  # the change log: 3 to 5 queries an entry
    assert Current.objects.filter(household__in=more).count() == len(more)
