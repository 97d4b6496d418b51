"""Importing the archive: every bad row reported, all or nothing, idempotent, any common encoding, XLSX."""

from __future__ import annotations

import csv
import io
import logging
import os
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.utils import translation
from stdnum.cn import ric

from bottomline.jobs.progress import NullProgress
from bottomline.privacy.crypto import blind_index, decrypt
from bottomline.privacy.keys import field_keys
from bottomline.privacy.masking import mask_id_number
from bottomline.registry import importing
from bottomline.registry.importing import registry_import
from bottomline.registry.models import Household, Member
from bottomline.registry.services import ID_PURPOSE
from bottomline.registry.tests.factories import id_number

HEADINGS = [
    "户编号",
    "行政村代码",
    "户类型",
    "房屋安全等级",
    "户联系电话",
    "姓名",
    "证件号码",
    "与户主关系",
    "文化程度",
    "劳动技能",
    "安全饮水",
]


def rows(tree: Any) -> list[list[str]]:
    v = tree.village.code
    return [
        [
            "H001",
            v,
            "脱贫户",
            "B",
            "13912345678",
            "王建国",
            id_number(sequence=1),
            "户主",
            "初中",
            "普通劳动力",
            "是",
        ],
        [
            "H001",
            v,
            "脱贫户",
            "B",
            "13912345678",
            "李秀英",
            id_number(birth=date(1987, 2, 2), sequence=2),
            "配偶",
            "小学",
            "普通劳动力",
            "是",
        ],
        [
            "H002",
            tree.sibling_village.code,
            "一般农户",
            "A",
            "",
            "马海燕",
            id_number(birth=date(1990, 3, 3), sequence=3),
            "户主",
            "高中",
            "技能劳动力",
            "否",
        ],
    ]


def write_csv(path: Path, data: list[list[str]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADINGS, *data])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def run(path: Path, user: Any, commit: bool = True) -> importing.ImportReport:
    with translation.override("en"):
        return registry_import(path=path, user=user, commit=commit, progress=NullProgress())


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_good_file_in_any_common_encoding_imports_once(
    tmp_path: Path, tree: Any, personas: dict[str, Any], encoding: str
) -> None:
    path = write_csv(tmp_path / "archive.csv", rows(tree), encoding)
    officer = personas["county_officer"]
    check = run(path, officer, commit=False)
    assert (check.errors, Household.objects.count()) == ([], 0)
    first = run(path, officer)
    assert (first.households_created, first.members_created) == (2, 3)
    assert Member.objects.get(name="李秀英").relation == "spouse"
    assert Household.objects.get(number="H002").safe_water is False
    again = run(path, officer)
    assert (again.households_created, again.members_created, again.unchanged) == (0, 0, 3)
    assert Member.objects.count() == 3


@pytest.mark.django_db
def test_every_bad_row_is_reported_and_nothing_is_written(
    tmp_path: Path, tree: Any, personas: dict[str, Any]
) -> None:
    data = rows(tree)
    data[0][6] = "6.30106E+17"
    data[1][2] = "富裕户"
    data[2][1] = tree.other_county_village.code
    data.append(list(data[1]))  # the same person twice
    data[3][6] = id_number(birth=date(1987, 2, 2), sequence=2)
    data[1][6] = data[3][6]
    report = run(write_csv(tmp_path / "bad.csv", data), personas["county_officer"])
    found = {(e.row, e.column) for e in report.errors}
    assert {(2, "证件号码"), (3, "户类型"), (4, "行政村代码"), (5, "证件号码")} <= found
    assert any("spreadsheet" in e.message for e in report.errors)
    assert Household.objects.count() == Member.objects.count() == 0


@pytest.mark.django_db
def test_xlsx_with_a_numeric_id_cell_is_refused(tmp_path: Path, tree: Any, personas: dict[str, Any]) -> None:
    path = tmp_path / "archive.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for c, heading in enumerate(HEADINGS):
        sheet.write_string(0, c, heading)
    for r, row in enumerate(rows(tree), start=1):
        for c, value in enumerate(row):
            if c == 6 and r == 1:
                sheet.write_number(r, c, float(value[:17]))  # what Excel does to an ID typed as a number
            else:
                sheet.write_string(r, c, value)
    book.close()
    report = run(path, personas["county_officer"])
    assert [(e.row, e.column) for e in report.errors] == [(2, "证件号码")]
    assert Member.objects.count() == 0
    with translation.override("zh-hans"):
        zh = registry_import(
            path=path, user=personas["county_officer"], commit=False, progress=NullProgress()
        )
    assert "文本" in zh.errors[0].message


@pytest.mark.django_db
def test_an_import_killed_half_way_leaves_nothing(
    tmp_path: Path, tree: Any, personas: dict[str, Any], monkeypatch: Any
) -> None:
    path = write_csv(tmp_path / "archive.csv", rows(tree))

    insert = importing._insert

    def crash(model: Any, columns: Any, rows: Any) -> int:
        if model is Member:  # the households are in by now: the cut comes half-way
            raise RuntimeError("power cut")
        return insert(model, columns, rows)

    monkeypatch.setattr(importing, "_insert", crash)
    with pytest.raises(RuntimeError):
        run(path, personas["county_officer"])
    assert Household.objects.count() == Member.objects.count() == 0
    monkeypatch.undo()
    run(path, personas["county_officer"])  # and the same file imports cleanly afterwards
    assert (Household.objects.count(), Member.objects.count()) == (2, 3)


@pytest.mark.django_db
def test_only_county_officers_import_and_headings_are_checked(
    tmp_path: Path, tree: Any, personas: dict[str, Any]
) -> None:
    from django.core.exceptions import PermissionDenied

    path = write_csv(tmp_path / "archive.csv", rows(tree))
    with pytest.raises(PermissionDenied):
        run(path, personas["village_cadre"])
    (tmp_path / "short.csv").write_text("户编号,姓名\nH1,王\n", encoding="utf-8")
    with pytest.raises(importing.ImportFileError, match="missing"):
        run(tmp_path / "short.csv", personas["county_officer"])


@pytest.mark.django_db
def test_the_command_reports_rows_and_refuses_to_write(
    tmp_path: Path, tree: Any, personas: dict[str, Any]
) -> None:
    from django.core.management import CommandError, call_command

    data = rows(tree)
    data[2][9] = "很强"
    path = write_csv(tmp_path / "bad.csv", data)
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("registry_import", str(path), "--user", "county_officer", "--language", "en")
    call_command(
        "registry_import", str(write_csv(tmp_path / "good.csv", rows(tree))), "--user", "county_officer"
    )
    assert Member.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_upload_page_checks_then_imports_as_a_job(
    tmp_path: Path, tree: Any, personas: dict[str, Any], client: Any, settings: Any
) -> None:
    from bottomline.jobs.models import Job

    settings.MEDIA_ROOT = tmp_path
    client.force_login(personas["county_officer"])
    template = client.get("/registry/import/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    data = rows(tree)
    data[0][3] = "Z"
    bad = write_csv(tmp_path / "bad.csv", data)
    with bad.open("rb") as handle:
        response = client.post(
            "/registry/import/", {"file": handle, "commit": "1"}, headers={"Accept-Language": "en"}
        )
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    page = client.get(f"/jobs/{job.pk}/", headers={"Accept-Language": "en"}).content.decode()
    assert "房屋安全等级" in page and "not one of the allowed values" in page
    assert Member.objects.count() == 0
    good = write_csv(tmp_path / "good.csv", rows(tree))
    with good.open("rb") as handle:
        client.post("/registry/import/", {"file": handle, "commit": "1"})
    assert Member.objects.count() == 3
    assert list((tmp_path / "imports").iterdir()) == []  # the uploads, ID numbers in the clear, are gone
    assert good.exists()  # only the stored copy is deleted, never a file the command was given
    (tmp_path / "x.txt").write_text("hello", encoding="utf-8")
    with (tmp_path / "x.txt").open("rb") as handle:
        assert client.post("/registry/import/", {"file": handle}).status_code == 200  # refused with a message
    assert Job.objects.count() == 2


@pytest.mark.django_db
def test_an_id_a_spreadsheet_rounded_to_000_is_reported_not_accepted(
    tmp_path: Path, tree: Any, personas: dict[str, Any]
) -> None:
    data = rows(tree)
    rounded = next(
        n[:15] + "000"
        for s in range(1, 50)
        if ric.calc_check_digit((n := id_number(sequence=s))[:15] + "00") != "0"
    )
    data[1][6] = rounded
    report = run(write_csv(tmp_path / "rounded.csv", data), personas["county_officer"])
    assert [(e.row, e.column) for e in report.errors] == [(3, "证件号码")]
    assert "rounded" in report.errors[0].message
    assert Household.objects.count() == Member.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_imported_numbers_are_in_the_clear_neither_in_the_database_nor_in_the_logs(
    tmp_path: Path, tree: Any, personas: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bottomline.registry.tests.test_at_rest import stored_bytes

    data = rows(tree)
    caplog.set_level(logging.DEBUG)
    with CaptureQueriesContext(connection) as queries:
        report = run(write_csv(tmp_path / "archive.csv", data), personas["county_officer"])
    assert report.members_created == 3
    stored = stored_bytes()
    logged = caplog.text + " ".join(q["sql"] for q in queries.captured_queries)
    for secret in [row[6] for row in data] + ["13912345678"]:
        assert secret.encode() not in stored, secret
        assert secret not in logged, secret
    assert Member.objects.filter(id_number_masked=data[0][6][:3] + "*" * 14 + data[0][6][-1]).exists()


@pytest.mark.django_db
def test_worker_processes_find_the_same_problems_in_the_same_order_and_import_the_same(
    tmp_path: Path, tree: Any, personas: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = rows(tree)
    data[0][6] = "6.30106E+17"
    data[1][2] = "富裕户"
    data[2][1] = tree.other_county_village.code
    data.append(list(data[1]))  # the same person twice
    data.append(list(data[0]))
    data[4][6] = id_number(sequence=1)[:17] + "0"  # a wrong check digit
    bad = write_csv(tmp_path / "bad.csv", data)
    good = write_csv(tmp_path / "good.csv", rows(tree))
    officer = personas["county_officer"]
    in_process = run(bad, officer).errors
    pools: list[int] = []

    class CountedPool(ProcessPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pools.append(kwargs["max_workers"])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(importing, "ProcessPoolExecutor", CountedPool)
    monkeypatch.setattr(importing, "POOL_MIN_ROWS", 1)
    monkeypatch.setattr(importing, "POOL_BATCH", 2)  # three batches for five rows
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert run(bad, officer).errors == in_process
    assert len(in_process) >= 5 and pools == [2]
    first = run(good, officer)
    assert (first.errors, first.households_created, first.members_created) == ([], 2, 3)
    assert run(good, officer).unchanged == 3
    assert len(pools) == 3
    member = Member.objects.get(name="王建国")
    keys = field_keys()
    assert decrypt(member.id_number_enc, keys=keys, purpose=ID_PURPOSE) == id_number(sequence=1)
    assert member.id_number_index == blind_index(id_number(sequence=1), keys=keys, purpose=ID_PURPOSE)
    assert member.id_number_masked == mask_id_number(id_number(sequence=1))
    assert (member.birth_date, member.sex) == (date(1985, 6, 15), "M")  # sequence 001: odd, a man


@pytest.mark.django_db
def test_a_person_registered_in_another_household_is_reported_without_where(
    tmp_path: Path, tree: Any, personas: dict[str, Any]
) -> None:
    officer = personas["county_officer"]
    run(write_csv(tmp_path / "first.csv", rows(tree)), officer)
    moved = [["H009", *row[1:]] for row in rows(tree)[:2]]  # the same two people, in another household
    report = run(write_csv(tmp_path / "second.csv", moved), officer)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (line, "证件号码", "This person is registered elsewhere already; ask the county office.")
        for line in (2, 3)
    ]
    assert (Household.objects.count(), Member.objects.count()) == (2, 3)
