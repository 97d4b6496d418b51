"""Spreadsheet bombs: a tiny XLSX that declares or holds a sheet of 17 billion cells, and one that unpacks to far
more than it weighs, are refused with a clear file error; the caller (a test, a worker) lives on."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.test import override_settings
from django.utils import translation

from bottomline.feeds.jobs import feed_job
from bottomline.jobs.models import JobStatus
from bottomline.jobs.progress import NullProgress
from bottomline.jobs.services import job_create, job_run
from bottomline.registry import importing
from bottomline.registry.importing import ImportFileError, read_rows

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="{REL}">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def workbook(path: Path, sheet_data: str, *, dimension: str = "", padding: int = 0) -> Path:
    """A minimal valid XLSX whose one sheet holds ``sheet_data``; ``padding`` bytes of blanks before it
    (they deflate to almost nothing)."""
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}">'
    if dimension:
        head += f'<dimension ref="{dimension}"/>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(head.encode())
            blank = b" " * 2**20
            for _ in range(padding // len(blank)):
                sheet.write(blank)
            sheet.write(f"<sheetData>{sheet_data}</sheetData></worksheet>".encode())
    return path


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


CORNERS = f'<row r="1">{cell("A1", "户编号")}</row><row r="1048576">{cell("XFD1048576", "x")}</row>'


def test_a_sheet_declaring_a_billion_cells_is_refused_before_parsing(tmp_path: Path) -> None:
    path = workbook(tmp_path / "bomb.xlsx", CORNERS, dimension="A1:XFD1048576")
    assert path.stat().st_size < 2000
    with pytest.raises(ImportFileError, match="declares 17,179,869,184 cells"):
        read_rows(path)


def test_a_sheet_holding_opposite_corners_kills_only_the_child_that_parses_it(tmp_path: Path) -> None:
    # No dimension to check: calamine sizes the sheet from its cells, asks for 512 GiB and aborts, in the child.
    path = workbook(tmp_path / "corners.xlsx", CORNERS)
    with pytest.raises(ImportFileError, match="too large to read safely"):
        read_rows(path)


@override_settings(SPREADSHEET_MAX_UNZIPPED=16 * 2**20)
def test_a_deflate_bomb_is_refused_by_its_unpacked_size(tmp_path: Path) -> None:
    path = workbook(tmp_path / "deflate.xlsx", f'<row r="1">{cell("A1", "x")}</row>', padding=64 * 2**20)
    assert path.stat().st_size < 2**20
    with pytest.raises(ImportFileError, match="unpacks to 64 MB, more than the 16 MB allowed"):
        read_rows(path)


def test_a_deflate_bomb_is_refused_by_how_much_it_grows(tmp_path: Path) -> None:
    path = workbook(tmp_path / "deflate.xlsx", f'<row r="1">{cell("A1", "x")}</row>', padding=256 * 2**20)
    assert path.stat().st_size < 2**20
    with pytest.raises(ImportFileError, match="unpacks to 256 MB, over 100 times its size"):
        read_rows(path)


@override_settings(SPREADSHEET_MEMORY_LIMIT=256 * 2**20, SPREADSHEET_MAX_RATIO=10**6)
def test_a_cell_too_large_for_the_memory_limit_is_refused(tmp_path: Path) -> None:
    # What gets past the checks (here by a ratio set to let anything through) is stopped by the child's limit.
    huge = "x" * (300 * 2**20)  # one string cell larger than the child may hold
    path = workbook(tmp_path / "big.xlsx", f'<row r="1">{cell("A1", huge)}</row>')
    del huge
    with pytest.raises(ImportFileError, match="too large to read safely"):
        read_rows(path)


def test_a_file_that_is_not_a_workbook_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "fake.xlsx").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ImportFileError, match="not a readable XLSX"):
        read_rows(tmp_path / "fake.xlsx")
    path = workbook(
        tmp_path / "broken.xlsx", "<row><c"
    )  # a well-formed archive, a sheet calamine cannot parse
    with pytest.raises(ImportFileError, match="not a readable XLSX"):
        read_rows(path)


def test_a_good_workbook_still_reads_with_its_cell_types(tmp_path: Path) -> None:
    path = tmp_path / "good.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_string(0, 0, "户编号")
    sheet.write_string(0, 1, "务工时间（月）")
    sheet.write_string(1, 0, "H001")
    sheet.write_number(1, 1, 6)
    book.close()
    assert read_rows(path) == (["户编号", "务工时间（月）"], [["H001", 6.0]])


@pytest.mark.django_db
def test_an_import_job_and_a_feed_job_given_a_bomb_fail_with_a_file_error(
    tmp_path: Path, tree: Any, personas: dict[str, Any]
) -> None:
    officer = personas["county_officer"]
    path = workbook(tmp_path / "bomb.xlsx", CORNERS, dimension="A1:XFD1048576")
    params = {"path": str(path), "user": officer.pk, "commit": True, "language": "en"}
    job = job_create(kind="registry.import", params=params)
    job = job_run(job_id=job.pk)
    assert job.status == JobStatus.SUCCEEDED  # the job ran to its end and reports the file's problem
    assert job.result["error_count"] == 1
    assert "cells" in job.result["errors"][0][2]
    feed = feed_job(
        {"feed_type": "education", "path": str(path), "user": officer.pk, "commit": False, "language": "en"},
        NullProgress(),
    )
    assert "cells" in feed["errors"][0][2]
    assert importing.read_rows is read_rows
