"""The national lists: a synthetic county's file imports, exports and re-imports to the same records, with the
monitoring history that makes past months right; bad rows are all reported and nothing is written."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from bottomline.dashboards.models import VillageMonth
from bottomline.interop.exports import ExportRequest, national_export
from bottomline.interop.importing import national_import, parse_date
from bottomline.interop.models import NationalPerson
from bottomline.interop.synth import national_synth
from bottomline.jobs.progress import NullProgress
from bottomline.monitoring.models import Case, Step
from bottomline.monitoring.selectors import cases_as_of
from bottomline.monitoring.workflow import State
from bottomline.registry.importing import read_rows
from bottomline.registry.models import Household, IncomeRecord, Member

ON = date(2025, 11, 30)  # a year before today's: the income year follows the data date, not today


def _synth(tree: Any, fmt: str) -> bytes:
    return national_synth(county=tree.county, seed=7, on=ON, fmt=fmt, lifted=12, share=0.5).content


def _import(path: Path, user: Any, commit: bool = True) -> Any:
    return national_import(path=path, user=user, commit=commit, progress=NullProgress())


def _records() -> list[list[Any]]:
    """What the archive holds, without database ids: households, members, incomes, cases and steps."""
    households: list[Any] = sorted(
        Household.objects.values_list(
            "number", "village__code", "household_type", "lifted_year", "relocated", "resettlement_site"
        )
    )
    members = sorted(Member.objects.values_list("household__number", "id_number_index", "relation", "labour"))
    incomes = sorted(
        (n, str(p)) for n, p in IncomeRecord.objects.values_list("household__number", "per_capita_net_income")
    )
    cases = sorted(
        Case.objects.values_list("household__number", "category", "identified_on", "eliminated_on", "state")
    )
    steps = sorted(Step.objects.values_list("case__household__number", "target", "on"))
    return [households, members, incomes, cases, steps]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_synthetic_county_round_trip_with_history(
    tree: Any, personas: dict[str, Any], tmp_path: Path, fmt: str
) -> None:
    content = _synth(tree, fmt)
    assert not Household.objects.exists()  # the synthetic county was rolled back
    if fmt == "csv":
        content.decode("gb18030")  # GB18030 text
    source = tmp_path / f"national.{fmt}"
    source.write_bytes(content)
    county = personas["county_officer"]

    checked = _import(source, county, commit=False)
    assert checked.errors == []
    assert not Household.objects.exists()  # a check writes nothing
    report = _import(source, county)
    assert report.errors == []
    assert report.households_created == Household.objects.count() > 0
    assert report.members_created == Member.objects.count() == NationalPerson.objects.count()
    assert report.cases_created == Case.objects.count() > 0
    assert report.incomes_created == IncomeRecord.objects.count() > 0
    before = _records()

    # The history: a case eliminated before the data date was monitored between its two dates.
    eliminated = Case.objects.filter(eliminated_on__isnull=False).order_by("identified_on").first()
    assert eliminated is not None and eliminated.state == State.ELIMINATED
    assert eliminated.identified_on is not None and eliminated.eliminated_on is not None
    states = {
        day: next(
            (_state_then(c) for c in cases_as_of(viewer=county, on=day) if c.pk == eliminated.pk),
            None,
        )
        for day in (
            eliminated.identified_on - timedelta(days=1),
            eliminated.identified_on,
            eliminated.eliminated_on - timedelta(days=1),
            eliminated.eliminated_on,
        )
    }
    assert list(states.values()) == [None, State.MONITORED, State.MONITORED, State.ELIMINATED]
    # The dashboards' figures are refreshed at once: this month counts every case, its eliminations too.
    month = VillageMonth.objects.filter(month=timezone.localdate().replace(day=1))
    assert sum(month.values_list("objects_hh", flat=True)) == Case.objects.count()
    assert (
        sum(month.values_list("eliminated_cum_hh", flat=True))
        == Case.objects.filter(state=State.ELIMINATED).count()
    )

    # Export (whole numbers for the county officer) gives back the file; re-importing it changes nothing.
    exported = national_export(
        viewer=county, wanted=ExportRequest(region=tree.county, on=ON, extended=True), fmt=fmt
    )
    again = tmp_path / f"again.{fmt}"
    again.write_bytes(exported)
    exported_rows, source_rows = read_rows(again), read_rows(source)
    assert exported_rows[0] == source_rows[0]
    assert exported_rows[1] == source_rows[1]  # to the fen, on either database
    second = _import(again, county)
    assert second.errors == []
    assert (second.households_created, second.members_created, second.cases_created) == (0, 0, 0)
    assert second.incomes_created == 0
    assert second.unchanged == Member.objects.count()
    assert _records() == before


def test_export_masks_for_other_roles_and_stays_in_region(
    tree: Any, personas: dict[str, Any], tmp_path: Path
) -> None:
    source = tmp_path / "national.csv"
    source.write_bytes(_synth(tree, "csv"))
    assert _import(source, personas["county_officer"]).errors == []
    township = personas["township_officer"]
    text = national_export(
        viewer=township, wanted=ExportRequest(region=tree.township, on=ON), fmt="csv"
    ).decode("gb18030")
    headings, rows = read_rows(_write(tmp_path / "t.csv", text.encode("gb18030")))
    ids = [str(row[headings.index("证件号码")]) for row in rows]
    assert ids and all("*" in i for i in ids)
    villages = {row[headings.index("行政村")] for row in rows}
    assert villages <= {tree.village.name, tree.sibling_village.name}
    assert "脱贫年度" not in headings  # the national columns only, unless asked


def _state_then(case: Any) -> str:
    return str(case.state_then)


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def test_bad_rows_all_reported_and_nothing_written(
    tree: Any, personas: dict[str, Any], tmp_path: Path
) -> None:
    source = _write(tmp_path / "national.csv", _synth(tree, "csv"))
    headings, rows = read_rows(source)
    rows = [list(map(str, r)) for r in rows]
    at = {h: i for i, h in enumerate(headings)}
    rows[0][at["证件号码"]] = "630106199001011234"  # wrong check digit
    rows[1][at["风险识别时间"]] = "2022-13-40"
    rows[2][at["行政村"]] = "不存在村"
    rows[3][at["劳动技能"]] = "很强"
    rows[4][at["务工时间（月）"]] = "²"  # str.isdigit() but not a number int() reads
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*headings, "备注"])
    writer.writerows([*r, ""] for r in rows)
    bad = _write(tmp_path / "bad.csv", buffer.getvalue().encode("gb18030"))
    report = _import(bad, personas["county_officer"])
    found = {(e.row, e.column) for e in report.errors}
    assert {
        (2, "证件号码"),
        (3, "风险识别时间"),
        (4, "行政村"),
        (5, "劳动技能"),
        (6, "务工时间（月）"),
    } <= found
    assert report.unknown_columns == ["备注"]
    assert not Household.objects.exists() and not Member.objects.exists() and not Case.objects.exists()


def test_dates_in_the_forms_offices_write() -> None:
    assert parse_date("2022/3/5") == parse_date("2022年3月5日") == parse_date("20220305") == date(2022, 3, 5)
    assert parse_date("") is None
    with pytest.raises(ValueError):
        parse_date("三月")


@pytest.mark.django_db(transaction=True)
def test_pages_import_as_a_job_and_export_a_download(
    tree: Any, personas: dict[str, Any], tmp_path: Path, client: Any, settings: Any
) -> None:
    from bottomline.jobs.models import Job

    settings.MEDIA_ROOT = tmp_path
    source = _write(tmp_path / "national.xlsx", _synth(tree, "xlsx"))
    client.force_login(personas["county_officer"])
    home = client.get("/national/", headers={"Accept-Language": "en"}).content.decode()
    assert "/national/import/" in home
    with source.open("rb") as handle:
        response = client.post("/national/import/", {"file": handle, "commit": "1"})
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    page = client.get(f"/jobs/{job.pk}/", headers={"Accept-Language": "en"}).content.decode()
    assert "Columns not read" not in page  # every column of the synthetic list is known
    assert job.result["error_count"] == 0 and job.result["members_created"] == Member.objects.count() > 0
    assert list((tmp_path / "imports").iterdir()) == []  # the upload, ID numbers in the clear, is gone
    download = client.get(
        "/national/",
        {"region": tree.county.pk, "on": ON.isoformat(), "kind": "monitoring", "format": "csv"},
    )
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    text = download.content.decode("gb18030")
    assert text.splitlines()[0].startswith("序号,数据日期")
    assert (
        len(text.splitlines()) - 1 == Member.objects.filter(household__cases__isnull=False).distinct().count()
    )
    client.force_login(personas["township_officer"])
    assert client.get("/national/import/").status_code == 403
    elsewhere = client.get(
        "/national/", {"region": tree.other_county.pk, "on": ON.isoformat(), "kind": "all", "format": "csv"}
    )
    assert elsewhere.status_code == 200 and "attachment" not in elsewhere.get("Content-Disposition", "")


def test_a_later_list_brings_the_elimination_of_a_monitored_case(
    tree: Any, personas: dict[str, Any], tmp_path: Path
) -> None:
    source = _write(tmp_path / "national.csv", _synth(tree, "csv"))
    headings, rows = read_rows(source)
    at = {h: i for i, h in enumerate(headings)}
    number = next(str(r[at["户编号"]]) for r in rows if r[at["风险是否消除"]] == "是")
    earlier = [list(map(str, r)) for r in rows]
    for row in earlier:  # the list of a day before the elimination: still monitored
        if row[at["户编号"]] == number:
            row[at["风险是否消除"]], row[at["风险消除时间"]] = "否", ""
    buffer = io.StringIO()
    csv.writer(buffer).writerows([headings, *earlier])
    first = _write(tmp_path / "earlier.csv", buffer.getvalue().encode("gb18030"))
    county = personas["county_officer"]
    assert _import(first, county).errors == []
    case = Case.objects.get(household__number=number)
    assert case.state == State.MONITORED and case.eliminated_on is None

    report = _import(source, county)  # the later list: eliminated
    assert report.errors == [] and report.cases_eliminated == 1 and report.cases_created == 0
    case.refresh_from_db()
    assert case.state == State.ELIMINATED and case.eliminated_on is not None and case.closed_at is not None
    assert list(case.steps.values_list("target", flat=True)) == [
        State.VISIT,
        State.ANNOUNCEMENT,
        State.MONITORED,
        State.ELIMINATED,
    ]
    assert _import(source, county).cases_eliminated == 0  # and once only


def test_national_synth_command_writes_the_file(tree: Any, tmp_path: Path) -> None:
    from django.core.management import call_command

    out = tmp_path / "huangzhong.csv"
    call_command(
        "national_synth", "--county", "630106", "--out", str(out), "--lifted", "4", "--on", "2025-11-30"
    )
    headings, rows = read_rows(out)
    assert headings[:3] == ["序号", "数据日期", "县(市、区、旗)"] and "脱贫年度" in headings
    assert rows and {r[headings.index("县(市、区、旗)")] for r in rows} == {tree.county.name}
    assert not Household.objects.exists()
