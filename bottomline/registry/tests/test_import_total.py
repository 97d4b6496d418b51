"""The import's check is total: what it accepts the write accepts, and every odd file is a row or file error,
never a crashed job (issue 14, item 5). Run on SQLite and on PostgreSQL, where an over-long text or a NUL byte
used to pass the check and break the write."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from bottomline.jobs.progress import NullProgress
from bottomline.registry import importing
from bottomline.registry.models import Household, Member
from bottomline.registry.tests.test_import import HEADINGS, rows, run, write_csv


def nothing_written() -> bool:
    return Household.objects.count() == Member.objects.count() == 0


def limit(model: Any, name: str) -> int:
    return int(model._meta.get_field(name).max_length)


def write_xlsx(path: Path, headings: list[str], data: Sequence[Sequence[object]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r, row in enumerate([headings, *data]):
        for c, value in enumerate(row):
            if isinstance(value, float):
                sheet.write_number(r, c, value)
            elif value is not None:
                sheet.write_string(r, c, str(value))
    book.close()
    return path


@pytest.mark.django_db
def test_text_longer_than_its_field_is_a_row_error_and_at_the_limit_imports(
    tmp_path: Path, tree: Any, personas: dict[str, Any]
) -> None:
    headings = [*HEADINGS, "村民小组"]
    data = [[*row, "1社"] for row in rows(tree)]
    data[0][0] = data[1][0] = "H" * (limit(Household, "number") + 1)
    data[1][5] = "王" * (limit(Member, "name") + 1)
    data[2][11] = "社" * (limit(Household, "village_group") + 1)
    path = tmp_path / "long.csv"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([headings, *data])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    report = run(path, personas["county_officer"])
    assert {(e.row, e.column) for e in report.errors} == {
        (2, "户编号"),
        (3, "户编号"),
        (3, "姓名"),
        (4, "村民小组"),
    }
    assert "32" in next(e.message for e in report.errors if e.column == "户编号")
    assert nothing_written()
    data[0][0] = data[1][0] = "H" * limit(Household, "number")
    data[1][5] = "王" * limit(Member, "name")
    data[2][11] = "社" * limit(Household, "village_group")
    buffer = io.StringIO()
    csv.writer(buffer).writerows([headings, *data])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    report = run(path, personas["county_officer"])
    assert (report.errors, report.members_created) == ([], 3)
    assert Member.objects.filter(name="王" * limit(Member, "name")).exists()


@pytest.mark.django_db
def test_a_control_character_in_a_text_cell_is_a_row_error(
    tmp_path: Path, tree: Any, personas: dict[str, Any]
) -> None:
    data = rows(tree)
    data[1][5] = "李\x00秀英"
    data[2][0] = "H\x07002"
    report = run(write_csv(tmp_path / "nul.csv", data), personas["county_officer"])
    assert [(e.row, e.column) for e in report.errors] == [(3, "姓名"), (4, "户编号")]
    assert nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize("ending", ["\r", "\n", "\r\n"])
def test_any_line_ending_imports(tmp_path: Path, tree: Any, personas: dict[str, Any], ending: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=ending).writerows([HEADINGS, *rows(tree)])
    path = tmp_path / "lines.csv"
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    report = run(path, personas["county_officer"])
    assert (report.errors, report.members_created) == ([], 3)


@pytest.mark.django_db
def test_a_gb18030_byte_order_mark_is_read_as_one(
    tmp_path: Path, tree: Any, personas: dict[str, Any]
) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADINGS, *rows(tree)])
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\x84\x31\x95\x33" + buffer.getvalue().encode("gb18030"))
    report = run(path, personas["county_officer"])
    assert (report.errors, report.members_created) == ([], 3)


@pytest.mark.django_db
def test_a_broken_utf8_file_after_its_byte_order_mark_is_a_file_error(
    tmp_path: Path, tree: Any, personas: dict[str, Any]
) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(b"\xef\xbb\xbf" + ",".join(HEADINGS).encode() + b"\n\xff\xfe\n")
    with pytest.raises(importing.ImportFileError):
        run(path, personas["county_officer"])
    result = importing.import_job(
        {"path": str(path), "user": personas["county_officer"].pk, "commit": True, "language": "en"},
        NullProgress(),
    )
    assert result["error_count"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["²", "³", "1e30", "６", "9" * 5000])
def test_odd_numbers_are_row_errors(tmp_path: Path, tree: Any, personas: dict[str, Any], value: str) -> None:
    headings = [*HEADINGS, "务工时间（月）", "残疾等级"]
    data = [[*row, value, value] for row in rows(tree)]
    path = tmp_path / "numbers.csv"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([headings, *data])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    report = run(path, personas["county_officer"])
    assert {(e.row, e.column) for e in report.errors} == {
        (line, column) for line in (2, 3, 4) for column in ("务工时间（月）", "残疾等级")
    }
    assert nothing_written()


@pytest.mark.django_db
def test_numbers_a_spreadsheet_made_are_row_errors(
    tmp_path: Path, tree: Any, personas: dict[str, Any]
) -> None:
    headings = [*HEADINGS, "务工时间（月）"]
    data: list[list[object]] = [[*row, "6"] for row in rows(tree)]
    data[0][11] = 1e30  # months as a number cell
    data[2][0] = 1e30  # a household number Excel turned into a number: digits lost
    data[1][5] = 1e30  # a name that is a number is still text, but no longer than the field allows
    report = run(write_xlsx(tmp_path / "numbers.xlsx", headings, data), personas["county_officer"])
    assert {(e.row, e.column) for e in report.errors} == {(2, "务工时间（月）"), (4, "户编号")}
    assert nothing_written()
    text = [[*row, "6"] for row in rows(tree)]
    text[2][0] = "6.30106E+15"
    report = run(write_csv(tmp_path / "sci.csv", [r[:-1] for r in text]), personas["county_officer"])
    assert [(e.row, e.column) for e in report.errors] == [(4, "户编号")]


@pytest.mark.django_db
def test_rows_are_numbered_as_in_the_spreadsheet_blank_lines_counted(
    tmp_path: Path, tree: Any, personas: dict[str, Any]
) -> None:
    data = rows(tree)
    data[2][3] = "Z"  # the third member's housing grade
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADINGS)
    writer.writerow(data[0])
    buffer.write("\n,,,\n")  # a blank line and a line of empty cells: rows 3 and 4
    writer.writerow(data[1])
    writer.writerow(data[2])
    path = tmp_path / "blank.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    report = run(path, personas["county_officer"])
    assert [(e.row, e.column) for e in report.errors] == [(6, "房屋安全等级")]
    assert report.rows == 3
    sheet: list[list[str]] = [data[0], [], [], data[1], data[2]]
    book = write_xlsx(tmp_path / "blank.xlsx", HEADINGS, sheet)
    assert [(e.row, e.column) for e in run(book, personas["county_officer"]).errors] == [(6, "房屋安全等级")]
    # headings on row 4 below blank rows: rows still counted from the top of the sheet
    above: list[list[str]] = [[], [], HEADINGS, data[0], [], data[2]]
    shifted = write_xlsx(tmp_path / "shifted.xlsx", [], above)
    assert [(e.row, e.column) for e in run(shifted, personas["county_officer"]).errors] == [
        (7, "房屋安全等级")
    ]


@pytest.mark.django_db
def test_headings_in_ascii_brackets_are_read_and_unknown_headings_are_reported(
    tmp_path: Path, tree: Any, personas: dict[str, Any]
) -> None:
    headings = [*HEADINGS, "务工时间(月)"]
    data = [[*row, "6"] for row in rows(tree)]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([headings, *data])
    path = tmp_path / "ascii.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    report = run(path, personas["county_officer"])
    assert (report.errors, report.members_created) == ([], 3)
    assert set(Member.objects.values_list("months_worked", flat=True)) == {6}
    Member.objects.all().delete()
    Household.objects.all().delete()
    for extra, found in (
        (["务工月数"], {(1, "务工月数")}),  # a heading the template does not know
        (["姓名"], {(1, "姓名")}),  # the same column twice
        ([""], {(2, ""), (3, ""), (4, "")}),  # cells under no heading
    ):
        buffer = io.StringIO()
        csv.writer(buffer).writerows([[*HEADINGS, *extra], *([*row, "6"] for row in rows(tree))])
        path.write_text(buffer.getvalue(), encoding="utf-8")
        report = run(path, personas["county_officer"])
        assert {(e.row, e.column) for e in report.errors} == found, extra
        assert nothing_written()
    buffer = io.StringIO()  # empty cells under no heading (a spreadsheet's trailing commas) are fine
    csv.writer(buffer).writerows([[*HEADINGS, ""], *([*row, ""] for row in rows(tree))])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    assert run(path, personas["county_officer"]).errors == []


@pytest.mark.django_db
def test_a_person_registered_between_check_and_write_is_an_error_not_a_crash(
    tmp_path: Path, tree: Any, personas: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import IntegrityError

    insert = importing._insert

    def raced(model: Any, columns: Any, rows: Any) -> int:
        if model is Member:  # what the unique ID index says when someone registered the person meanwhile
            raise IntegrityError("duplicate key value violates unique constraint")
        return insert(model, columns, rows)

    monkeypatch.setattr(importing, "_insert", raced)
    report = run(write_csv(tmp_path / "raced.csv", rows(tree)), personas["county_officer"])
    assert [(e.row, e.column) for e in report.errors] == [(0, "")]
    assert (report.households_created, report.members_created) == (0, 0)
    assert nothing_written()
