"""The pages: a township officer registers a workshop and a course, a cadre records a job, the household page
shows jobs, courses and grants; other townships get 404; the import reports every bad row and writes all or
nothing; the workbook export."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from python_calamine import CalamineWorkbook

from bottomline.employment.imports import job_import
from bottomline.employment.models import Course, Job, Workshop
from bottomline.jobs.progress import NullProgress
from bottomline.registry.choices import Program
from bottomline.registry.models import Household, IncomeRecord, Member
from bottomline.registry.programs import household_programs
from bottomline.registry.tests.factories import household, id_number, member

YEAR = 2025


@pytest.fixture
def home(tree: Any, personas: dict[str, Any]) -> Household:
    call_command("policy_seed")
    cadre = personas["village_cadre"]
    found = household(cadre, tree.village)
    member(cadre, found, id_number(sequence=1))
    member(cadre, found, id_number(birth=date(2007, 1, 1), sequence=2), name="王小明", relation="son")
    IncomeRecord.objects.create(
        household=found, period_start=date(YEAR, 1, 1), period_end=date(YEAR, 12, 31), household_size=2
    )
    return found


def test_officers_and_cadres_keep_the_records_on_the_pages(
    home: Household, tree: Any, personas: dict[str, Any], client: Client
) -> None:
    client.force_login(personas["township_officer"])
    response = client.post(
        "/employment/workshops/new/",
        {"name": "千紫缘加工车间", "kind": "factory", "village_code": tree.village.code, "relocation_site": "on",
         "employer": "千紫缘公司", "capacity": "30", "opened": "2025-01-01"},
    )  # fmt: skip
    workshop = Workshop.objects.get()
    assert response.status_code == 302 and workshop.relocation_site
    response = client.post(
        "/employment/courses/new/",
        {"name": "电焊工", "kind": "skills", "provider": "湟中区职校", "region_code": tree.township.code,
         "start": "2025-06-01", "end": "2025-06-20", "hours": "80", "certificate": "焊工证"},
    )  # fmt: skip
    course = Course.objects.get()
    assert response.status_code == 302
    head = Member.objects.get(household=home, relation="head")
    son = Member.objects.get(household=home, relation="son")
    client.force_login(personas["village_cadre"])
    response = client.post(
        f"/employment/households/{home.pk}/jobs/new/",
        {"member": head.pk, "workshop": workshop.pk, "employer": "", "place": "local", "start": "2025-03",
         "months": "6", "monthly_wage": "2800"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    assert IncomeRecord.objects.get(household=home).wage == Decimal("16800.00")
    assert (
        client.get(f"/employment/households/{home.pk}/grants/new/").status_code == 403
    )  # officers keep grants
    client.force_login(personas["township_officer"])
    assert (
        client.post(
            f"/employment/households/{home.pk}/courses/", {"course": course.pk, "member": son.pk}
        ).status_code
        == 302
    )
    response = client.post(
        f"/employment/households/{home.pk}/grants/new/",
        {"member": son.pk, "school": "湟中区职业技术学校", "level": "secondary", "term": "2025秋",
         "amount": "1500", "paid_on": "2025-10-15"},
    )  # fmt: skip
    assert response.status_code == 302
    page = client.get(f"/employment/households/{home.pk}/").content.decode()
    assert "千紫缘公司" in page and "电焊工" in page and "湟中区职业技术学校" in page
    lines = household_programs(viewer=personas["township_officer"], household=home, year=YEAR)
    assert {str(line.program) for line in lines} >= {
        str(Program.EMPLOYMENT.label),
        str(Program.RAIN_DEW.label),
    }
    assert "千紫缘公司" in client.get("/employment/jobs/").content.decode()
    assert "千紫缘公司" in client.get("/employment/jobs/?year=2025").content.decode()
    assert (
        "千紫缘公司" not in client.get("/employment/jobs/?year=2024").content.decode()
    )  # worked in 2025 only
    for address in ("/employment/workshops/", "/employment/courses/", "/employment/grants/",
                    f"/employment/workshops/{workshop.pk}/", f"/employment/courses/{course.pk}/"):  # fmt: skip
        assert client.get(address).status_code == 200, address
    book = client.get("/employment/export/")
    assert book.status_code == 200
    path = Path(str(home.pk) + ".xlsx")
    try:
        path.write_bytes(book.content)
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    finally:
        path.unlink()
    assert rows[1][4] == "千紫缘公司" and "*" in str(rows[1][3])  # the ID number masked


def test_another_township_gets_404(home: Household, tree: Any, personas: dict[str, Any], make_user: Any,
                                   client: Client) -> None:  # fmt: skip
    job = Job.objects.create(
        member=Member.objects.get(household=home, relation="head"), household=home, employer="x", place="local",
        start=date(YEAR, 1, 1), months=2, monthly_wage=Decimal(100),
    )  # fmt: skip
    client.force_login(make_user("township_officer", tree.other_township, username="other-township"))
    for address in (f"/employment/households/{home.pk}/", f"/employment/jobs/{job.pk}/edit/",
                    f"/employment/households/{home.pk}/jobs/new/"):  # fmt: skip
        assert client.get(address).status_code == 404, address
    assert client.get("/employment/jobs/?region=" + tree.village.code).status_code == 404


def _csv(tmp_path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [["身份证号码", "就业单位", "务工地点", "起始月份", "务工月数", "月工资"], *rows]
    )
    path = tmp_path / "jobs.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_the_import_reports_every_bad_row_and_writes_all_or_nothing(
    home: Household, tree: Any, personas: dict[str, Any], tmp_path: Path
) -> None:
    officer = personas["county_officer"]
    good = [id_number(sequence=1), "江苏某电子厂", "省外", "2025-03", "8", "3000"]
    path = _csv(
        tmp_path,
        [
            good,
            [id_number(sequence=7), "x", "县内", "2025-03", "8", "3000"],  # nobody with this number here
            [id_number(birth=date(2007, 1, 1), sequence=2), "x", "火星", "2025-13", "0", "-5"],
            good,  # the same job twice
        ],
    )
    report = job_import(path=path, user=officer, commit=True, progress=NullProgress())
    found = {(e.row, e.column) for e in report.errors}
    assert found == {
        (3, "身份证号码"),
        (4, "务工地点"),
        (4, "起始月份"),
        (4, "务工月数"),
        (4, "月工资"),
        (5, "身份证号码"),
    }
    assert not Job.objects.exists() and IncomeRecord.objects.get(household=home).wage == 0
    path = _csv(tmp_path, [good])
    report = job_import(path=path, user=officer, commit=True, progress=NullProgress())
    assert report.errors == [] and report.created == 1
    assert IncomeRecord.objects.get(household=home).wage == Decimal("24000.00")
    assert Member.objects.get(household=home, relation="head").months_worked == 8
    again = job_import(
        path=path, user=officer, commit=True, progress=NullProgress()
    )  # the same file: a correction
    assert (again.created, again.replaced, Job.objects.count()) == (0, 1, 1)
    assert IncomeRecord.objects.get(household=home).wage == Decimal("24000.00")


def test_the_import_runs_as_a_job_and_the_template_downloads(
    home: Household, personas: dict[str, Any], client: Client, tmp_path: Path, settings: Any
) -> None:
    from bottomline.employment.imports import job_import_job

    settings.MEDIA_ROOT = tmp_path
    client.force_login(personas["county_officer"])
    for fmt in ("csv", "xlsx"):
        template = client.get(f"/employment/jobs/import/template.{fmt}")
        assert template.status_code == 200 and template.content
    path = _csv(tmp_path, [[id_number(sequence=1), "江苏某电子厂", "省外", "2025-03", "8", "3000"]])
    checked = job_import_job(
        {"path": str(path), "user": personas["county_officer"].pk, "commit": False}, NullProgress()
    )
    assert (checked["error_count"], checked["jobs_created"]) == (0, 0) and not Job.objects.exists()
    path = _csv(tmp_path, [[id_number(sequence=1), "江苏某电子厂", "省外", "2025-03", "8", "3000"]])
    denied = job_import_job(
        {"path": str(path), "user": personas["village_cadre"].pk, "commit": True}, NullProgress()
    )
    assert denied["error_count"] == 1 and not Job.objects.exists()


def test_the_job_list_costs_the_same_queries_for_two_jobs_or_twenty(
    home: Household, personas: dict[str, Any], client: Client, django_assert_max_num_queries: Any
) -> None:
    head = Member.objects.get(household=home, relation="head")
    client.force_login(personas["county_officer"])

    def add(n: int) -> None:
        for i in range(n):
            Job.objects.create(
                member=head, household=home, employer=f"厂{i}", place="outside", start=date(YEAR, 1 + i % 12, 1),
                months=2, monthly_wage=Decimal(3000),
            )  # fmt: skip

    add(2)
    client.get("/employment/jobs/")  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as two:
        assert client.get("/employment/jobs/").status_code == 200
    add(18)
    with django_assert_max_num_queries(len(two.captured_queries)):
        assert client.get("/employment/jobs/").status_code == 200
