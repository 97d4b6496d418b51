"""Every dashboard figure opens the households behind it (issue #15 item 8): the same households the figure counts
(by households, or by people where the figure is in people), for a month and as of a past day, through the region
gate, masked, and exported (as a job above the inline limit, item 9). "As of a day" figures take the same number
of queries for a village as for a prefecture of two counties (issue #16 item 4)."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from bottomline.audit.models import Event, EventKind
from bottomline.dashboards.drill import DRILLS, figure_households
from bottomline.dashboards.indicators import BY_CODE, INDICATORS
from bottomline.dashboards.selectors import region_figures
from bottomline.dashboards.services import figures_refresh
from bottomline.dashboards.tests.test_figures import population  # noqa: F401  # a fixture, used by name
from bottomline.dashboards.views import DRILL_PAGE
from bottomline.jobs.models import Job, JobStatus
from bottomline.monitoring.tests.factories import income_above_line, open_case, walk
from bottomline.monitoring.workflow import State
from bottomline.registry.models import Household, IncomeRecord, Member
from bottomline.registry.tests.factories import household, id_number, member

pytestmark = pytest.mark.django_db

# Queries for a region's figures as of a past day, whatever the region holds: the region and the viewer's
# region (2), cases with their members, steps, measures (3), counties and their parameters (2), incomes (1), feed rows
# and alerts (2), the stored earlier months (1); and each program's own (dashboards.programs): pv 6 (stations,
# shares' income, allocations, posts, holders with their households' members, pay), industry 3, employment 4,
# small loans 2 (loans, repayments), relocation 4 (relocations, their assessments, members, jobs at work),
# insurance 2 (the policies in force, the claims paid with their households' members; and one per policy in force
# for its covered households: none here), the project library 6 (projects, budgets, disbursements, assets, their
# income, beneficiaries), points supermarkets 4 (supermarkets, villages served, entries and redemptions by
# household), mutual-aid funds 5 (associations, contributions, members, loans, repayments).
LIVE_BUDGET = 11 + 6 + 3 + 4 + 2 + 4 + 2 + 6 + 4 + 5


def _expected(figures: Any, code: str) -> int:
    """What the list behind a figure must count: the figure itself, or the part its ratio is read from."""
    indicator = BY_CODE[code]
    if not indicator.denominator:
        return int(figures.values[code] or 0)
    part, _people = DRILLS[code]
    numerator = indicator.numerator[0]
    counted = numerator if numerator in figures.parts else part
    if code == "days_to_decision":  # a mean of days lists the cases it averages
        counted = "decided"
    prefix = "ytd_" if indicator.year_to_date else ""
    return int(figures.parts.get(prefix + counted, 0))


@pytest.fixture
def spread(
    tree: Any,
    personas: dict[str, Any],
    make_user: Any,
    population: dict[str, Any],  # noqa: F811  # the fixture imported above
) -> dict[str, Any]:
    """The population, a second member in a monitored household, an income below the line in 永丰村, and a
    monitored case in the other county."""
    income_above_line(personas, population["waiting"], amount=100)
    kept = population["kept"].household
    member(personas["village_cadre"], kept, id_number(birth=date(2012, 3, 4), sequence=77), name="王小明")
    far = {
        **personas,
        "village_cadre": make_user("village_cadre", tree.other_county_village, username="cadre9"),
        "township_officer": make_user("township_officer", tree.other_county_township, username="town9"),
        "county_officer": make_user("county_officer", tree.other_county, username="county9"),
    }
    other = walk(open_case(far, tree.other_county_village, sequence=9), far, State.MONITORED)
    return {**population, "other": other}


def test_every_figure_lists_the_households_it_counts(
    tree: Any, personas: dict[str, Any], spread: Any
) -> None:
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    # Every month of the year (year-to-date figures add the stored months) and yesterday's.
    figures_refresh(months=[*(today.replace(day=1, month=m) for m in range(1, today.month + 1)), yesterday])
    officer = personas["province_officer"]
    assert len(DRILLS) >= 40  # every figure in households or people
    for region in (tree.province, tree.county, tree.village, tree.other_county):
        for when in ({}, {"on": yesterday}):
            figures = region_figures(viewer=officer, region_code=region.code, **when)
            for code in DRILLS:
                drill = figure_households(viewer=officer, region_code=region.code, indicator=code, **when)
                assert drill.count() == _expected(figures, code), (region.code, when, code)
    county = region_figures(viewer=officer, region_code=tree.county.code)
    people, households = county.parts["objects_people"], county.parts["objects_hh"]
    assert people > households > 0  # people, not households
    assert county.values["income_below_line"] == 1 and county.values["income_above_line"] == 1
    for code in (i.code for i in INDICATORS if i.code not in DRILLS):  # measures, feed rows, alerts
        with pytest.raises(Http404):
            figure_households(viewer=officer, region_code=tree.county.code, indicator=code)


def test_the_list_is_gated_and_masked(
    client: Client, tree: Any, personas: dict[str, Any], spread: Any
) -> None:
    figures_refresh(months=[timezone.localdate()])
    cadre = personas["village_cadre"]
    client.force_login(cadre)
    page = client.get(reverse("dashboards:drill", args=[tree.village.code, "objects_people"]))
    assert page.status_code == 200
    html = page.content.decode()
    members = Member.objects.filter(
        household_id__in=[spread["gone"].household_id, spread["kept"].household_id]
    )
    assert members.count() >= 2
    for m in members:
        assert m.name in html and m.id_number_masked in html and str(m.age) in html
        assert m.birth_date.isoformat() not in html
    assert re.search(r"\b\d{17}[\dX]\b", html) is None  # no whole ID number
    for code in (tree.county.code, tree.sibling_village.code, tree.other_county_village.code):
        assert client.get(reverse("dashboards:drill", args=[code, "objects_households"])).status_code == 404
    with pytest.raises(PermissionDenied):
        figure_households(
            viewer=personas["department_officer"],
            region_code=tree.county.code,
            indicator="objects_households",
        )
    dashboard = client.get(reverse("dashboards:region", args=[tree.village.code])).content.decode()
    assert reverse("dashboards:drill", args=[tree.village.code, "objects_households"]) in dashboard


def _sheet(content: bytes) -> list[list[Any]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return book.get_sheet_by_index(0).to_python()


def test_the_list_exports_and_a_large_one_is_a_job(
    client: Client,
    tree: Any,
    personas: dict[str, Any],
    spread: Any,
    settings: Any,
    tmp_path: Path,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    figures_refresh(months=[timezone.localdate()])
    officer = personas["county_officer"]
    client.force_login(officer)
    url = reverse("dashboards:drill_export", args=[tree.county.code, "monitored_people"])
    inline = client.get(url)
    assert inline.status_code == 200
    rows = _sheet(inline.content)
    figure = region_figures(viewer=officer, region_code=tree.county.code).parts["monitored_people"]
    assert len(rows) - 1 == figure > 0
    assert all(str(r[3]).count("*") >= 4 for r in rows[1:])  # masked ID numbers
    assert Event.objects.filter(kind=EventKind.EXPORT, target="dashboards.drill:monitored_people").exists()
    monkeypatch.setattr("bottomline.dashboards.views.EXPORT_INLINE_ROWS", 1)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.get(url)
    job = Job.objects.get(kind="dashboards.export")
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    for callback in queued:
        callback()  # the worker
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result["rows"] == figure
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 200
    assert len(_sheet(b"".join(download.streaming_content))) - 1 == figure  # type: ignore[attr-defined]


def test_a_large_dashboard_roster_is_a_job(
    client: Client,
    tree: Any,
    personas: dict[str, Any],
    spread: Any,
    settings: Any,
    tmp_path: Path,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    figures_refresh(months=[timezone.localdate()])
    client.force_login(personas["county_officer"])
    monkeypatch.setattr("bottomline.dashboards.views.EXPORT_INLINE_ROWS", 1)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.get(reverse("dashboards:export", args=[tree.county.code]), {"roster": "objects"})
    job = Job.objects.get(kind="dashboards.export")
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    for callback in queued:
        callback()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result["rows"] == 2
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert reverse("jobs:download", args=[job.pk]) in page


def test_as_of_a_day_takes_the_same_queries_for_one_village_or_two_counties(
    tree: Any, personas: dict[str, Any], spread: Any, django_assert_max_num_queries: Any
) -> None:
    today = timezone.localdate()
    day = today - timedelta(days=1) if today.day > 2 else today - timedelta(days=5)  # not a month's end
    officer = personas["province_officer"]
    region_figures(viewer=officer, region_code=tree.village.code, on=day)  # warm: the viewer's region
    for region in (tree.village, tree.township, tree.prefecture, tree.province):
        with django_assert_max_num_queries(LIVE_BUDGET):
            figures = region_figures(viewer=officer, region_code=region.code, on=day)
        assert figures.live
    both = region_figures(viewer=officer, region_code=tree.prefecture.code, on=day).parts
    one, other = (
        region_figures(viewer=officer, region_code=c.code, on=day).parts
        for c in (tree.county, tree.other_county)
    )
    assert both == {p: one[p] + other[p] for p in both} and one["leads_open"] > 0 < other["leads_open"]


def _incomes_for(personas: dict[str, Any], village: Any, count: int) -> list[int]:
    """``count`` households of the village, each with last year's income record (what ``income_households``
    counts)."""
    year = timezone.localdate().year - 1
    homes = [household(personas["village_cadre"], village) for _ in range(count)]
    IncomeRecord.objects.bulk_create(
        IncomeRecord(
            household=h,
            period_start=date(year, 1, 1),
            period_end=date(year, 12, 31),
            household_size=1,
            wage=Decimal(9000),
        )
        for h in homes
    )
    return [h.pk for h in homes]


def test_a_page_of_the_list_reads_only_the_households_it_shows(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    # issue #16 item 4: the province's income list re-read every household it counts (3.7 s at 10 counties)
    _incomes_for(personas, tree.village, DRILL_PAGE + 20)
    client.force_login(personas["county_officer"])
    url = reverse("dashboards:drill", args=[tree.county.code, "income_households"])
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url)
    assert page.status_code == 200 and page.context["total"] == DRILL_PAGE + 20
    assert len(page.context["rows"]) == DRILL_PAGE
    longest = max(
        (s.count(",") + 1 for q in captured for s in re.findall(r" IN \(([^)]*)\)", q["sql"])), default=0
    )
    assert longest <= DRILL_PAGE


def test_rows_outside_the_viewers_region_are_never_shown(
    client: Client, tree: Any, personas: dict[str, Any], monkeypatch: Any
) -> None:
    inside = _incomes_for(personas, tree.village, 2)
    outside = household(personas["county_officer"], tree.sibling_village)
    cadre = personas["village_cadre"]

    def drilled(**_kwargs: Any) -> list[int]:  # a drill that wrongly counts a household of another village
        return [*inside, outside.pk]

    monkeypatch.setattr("bottomline.dashboards.drill.figures_drill", drilled)
    client.force_login(cadre)
    page = client.get(reverse("dashboards:drill", args=[tree.village.code, "income_households"]))
    shown = {row.pk for row in page.context["rows"]}
    assert shown == set(inside)
    export = client.get(reverse("dashboards:drill_export", args=[tree.village.code, "income_households"]))
    numbers = {row[0] for row in _sheet(export.content)}
    assert outside.number not in numbers and Household.objects.get(pk=inside[0]).number in numbers
