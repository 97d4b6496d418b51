"""Importing linkages: the template, the check, all or nothing, row errors, and the money posted."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from bottomline.industry import importing
from bottomline.industry.models import Entity, Linkage
from bottomline.jobs.progress import NullProgress
from bottomline.registry.importing import ImportFileError, RowsReport
from bottomline.registry.models import Household, IncomeRecord, ProgramIncome

HEAD = "户编号,经营主体,统一社会信用代码,产业项目,联结方式,年金额,开始日期,结束日期,备注\n"


def _run(tmp_path: Path, user: Any, text: str, *, commit: bool = True) -> RowsReport:
    path = tmp_path / "linkages.csv"
    path.write_text(text, encoding="utf-8")
    return importing.linkage_import(path=path, user=user, commit=commit, progress=NullProgress())


def test_the_template_has_every_column_and_an_example() -> None:
    text = importing.template_csv().decode("utf-8-sig")
    assert text.splitlines()[0] == HEAD.strip()
    assert importing.template_xlsx()[:2] == b"PK"


@pytest.mark.django_db
def test_a_good_file_records_the_linkages_and_posts_their_money_once(
    tmp_path: Path, home: Household, entity: Entity, personas: dict[str, Any]
) -> None:
    text = (
        HEAD
        + f"{home.number},{entity.name},,,入股分红,1200,2025-01-01,,\n{home.number},{entity.name},,,employment,6000,2025-07-01,,\n"
    )
    officer = personas["township_officer"]
    checked = _run(tmp_path, officer, text, commit=False)
    assert (checked.errors, Linkage.objects.count()) == ([], 0)
    report = _run(tmp_path, officer, text)
    assert (report.errors, report.created, report.replaced) == ([], 2, 0)
    record = IncomeRecord.objects.get(household=home)
    assert (record.property_income, record.wage) == (Decimal("1200.00"), Decimal("6000.00"))
    again = _run(tmp_path, officer, text)  # the same file again changes nothing
    assert (again.created, again.replaced) == (0, 2)
    record.refresh_from_db()
    assert (record.property_income, record.wage, ProgramIncome.objects.count()) == (
        Decimal("1200.00"),
        Decimal("6000.00"),
        2,
    )


@pytest.mark.django_db
def test_every_bad_row_is_reported_and_nothing_is_written(
    tmp_path: Path, home: Household, entity: Entity, personas: dict[str, Any]
) -> None:
    text = (
        HEAD
        + f"{home.number},{entity.name},,,入股分红,1200,2025-01-01,,\n"
        + f"9999,{entity.name},,,入股分红,1200,2025-01-01,,\n"
        + f"{home.number},无此主体,,,赠送,-5,2025-13-01,,\n"
        + f"{home.number},{entity.name},,无此项目,入股分红,1200,2025-05-01,2025-01-01,\n"
        + f"{home.number},{entity.name},,,入股分红,1300,2025-01-01,,\n"
    )
    report = _run(tmp_path, personas["township_officer"], text)
    assert sorted((e.row, e.column) for e in report.errors) == sorted(
        [
            (3, "户编号"),
            (4, "经营主体"),
            (4, "联结方式"),
            (4, "年金额"),
            (4, "开始日期"),
            (5, "产业项目"),
            (5, "结束日期"),
            (6, "户编号"),
        ]
    )
    assert not Linkage.objects.exists() and not ProgramIncome.objects.exists()


@pytest.mark.django_db
def test_a_missing_column_stops_the_file_and_cadres_may_not_import(
    tmp_path: Path, home: Household, personas: dict[str, Any]
) -> None:
    with pytest.raises(ImportFileError):
        _run(tmp_path, personas["county_officer"], "户编号,经营主体\n1,2\n")
    with pytest.raises(PermissionDenied):
        _run(tmp_path, personas["village_cadre"], HEAD)


@pytest.mark.django_db
def test_households_of_another_township_are_not_found(
    tmp_path: Path, entity: Entity, personas: dict[str, Any], tree: Any
) -> None:
    from bottomline.registry.tests.factories import household

    away = household(personas["county_officer"], tree.other_township_village)
    report = _run(
        tmp_path,
        personas["township_officer"],
        HEAD + f"{away.number},{entity.name},,,入股分红,100,2025-01-01,,\n",
    )
    assert [(e.row, e.column) for e in report.errors] == [(2, "户编号")]


@pytest.mark.django_db
def test_the_page_gives_the_template_and_checks_an_upload_as_a_job(
    personas: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from bottomline.jobs.models import Job

    settings.MEDIA_ROOT = tmp_path
    client = Client()
    client.force_login(personas["township_officer"])
    template = client.get(reverse("industry:linkage_import_template", args=["csv"]))
    assert template.content.decode("utf-8-sig").startswith("户编号,经营主体")
    upload = SimpleUploadedFile("linkages.csv", HEAD.encode())
    answer = client.post(reverse("industry:linkage_import"), {"file": upload, "commit": "0"})
    job = Job.objects.get(kind=importing.KIND)
    assert answer.status_code == 302 and answer["Location"] == reverse("jobs:detail", args=[job.pk])
