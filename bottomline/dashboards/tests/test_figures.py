"""Region figures: pre-aggregate equal to the naive computation, roll-up by code prefix, the region gate,
freshness after a step, "as of" a past month and a past day, and constant query counts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bottomline.dashboards.compute import month_start
from bottomline.dashboards.indicators import BY_CODE, DOC, PART_NAMES, doc_render
from bottomline.dashboards.models import VillageMonth
from bottomline.dashboards.selectors import (
    naive_region_figures,
    region_children_figures,
    region_figures,
    region_trend,
)
from bottomline.dashboards.services import figures_refresh
from bottomline.monitoring.assistance import followup_record, measure_add
from bottomline.monitoring.casework import StepIn, case_step
from bottomline.monitoring.models import MeasureKind, MeasureStatus, Signal
from bottomline.monitoring.tests.factories import income_above_line, monitored_case, open_case, walk
from bottomline.monitoring.workflow import State
from bottomline.regions.models import Region

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_documentation_matches_the_definitions() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert doc_render(text) == text, "run manage.py indicators_doc"


def test_every_indicator_has_its_unit_in_both_languages() -> None:
    """A unit missing from the table shows as its code (a Chinese briefing said "0 claims", "0 projects")."""
    from bottomline.dashboards.indicators import INDICATORS
    from bottomline.dashboards.panels import UNITS

    assert sorted({i.unit for i in INDICATORS} - set(UNITS)) == []


def test_the_elimination_rate_reproduces_guizhou() -> None:
    households = BY_CODE["elimination_rate_households"].value(
        {"eliminated_cum_hh": 105_700, "objects_hh": 106_900}
    )
    people = BY_CODE["elimination_rate_people"].value(
        {"eliminated_cum_people": 418_900, "objects_people": 423_200}
    )
    assert (households, people) == (98.9, 99.0)
    assert BY_CODE["elimination_rate_households"].value({}) is None  # no monitoring objects: no rate


def _eliminate(case: Any, personas: dict[str, Any]) -> Any:
    """Take a monitored case through risk elimination, as test_casework does."""
    cadre = personas["village_cadre"]
    with time_machine.travel(timezone.now() - timedelta(days=7), tick=False):  # the notice runs its days
        income_above_line(personas, case)
        followup_record(actor=cadre, case_id=case.pk, visited_on=timezone.localdate(), note="收入稳定")
        case = case_step(actor=cadre, case_id=case.pk, action="propose_elimination")
        case = case_step(actor=cadre, case_id=case.pk, action="appraise", given=StepIn(minutes="评议通过"))
    case = case_step(actor=personas["township_officer"], case_id=case.pk, action="review")
    return case_step(actor=personas["county_officer"], case_id=case.pk, action="approve")


@pytest.fixture
def population(tree: Any, personas: dict[str, Any], make_user: Any) -> dict[str, Any]:
    """Two identified cases in 永丰村 (one eliminated, one monitored with a measure), one lead still to visit
    there, and one lead in 后街村."""
    cadre = personas["village_cadre"]
    gone = monitored_case(personas, tree.village, months=8, sequence=1)  # with an industry measure
    gone = _eliminate(gone, personas)
    kept = walk(open_case(personas, tree.village, sequence=2), personas, State.MONITORED)
    measure_add(actor=cadre, case_id=kept.pk, kind=MeasureKind.EMPLOYMENT, responsible_id=cadre.pk,
                start=timezone.localdate(), status=MeasureStatus.ACTIVE)  # fmt: skip
    waiting = open_case(personas, tree.village, sequence=3)
    neighbour = {
        **personas,
        "village_cadre": make_user("village_cadre", tree.sibling_village, username="cadre2"),
    }
    far = open_case(neighbour, tree.sibling_village, sequence=4)
    return {"gone": gone, "kept": kept, "waiting": waiting, "sibling": far}


def _refresh_all() -> None:
    figures_refresh(months=[timezone.localdate()])


def test_figures_after_identification_and_elimination_equal_the_naive_computation(
    tree: Any, personas: dict[str, Any], population: dict[str, Any]
) -> None:
    assert population["gone"].state == State.ELIMINATED
    _refresh_all()
    county = personas["county_officer"]
    village = region_figures(viewer=county, region_code=tree.village.code)
    v = village.values
    assert v["objects_households"] == 2 and v["eliminated_households"] == 1 and v["monitored_households"] == 1
    assert v["elimination_rate_households"] == 50.0 and v["elimination_rate_people"] == 50.0
    # "gone" was identified eight months ago (to be eliminated after months of monitoring), "kept" this month;
    # the year to date adds the stored months, and only this one was computed.
    assert v["identified_month_households"] == 1 and v["identified_year_households"] == 1
    assert v["eliminated_month_households"] == 1
    assert v["objects_households_c2"] == 2 and v["objects_risk_illness"] == 2
    assert v["leads_open"] == 1 and v["leads_overdue"] == 0
    assert v["measures_industry"] == 1 and v["measures_employment"] == 1
    assert v["measure_coverage"] == 100.0  # the one still monitored has a measure in effect
    # The cadre signals of this month: the leads came a week ago, and eight months ago for "gone".
    month = timezone.make_aware(datetime.combine(month_start(timezone.localdate()), datetime.min.time()))
    signals = Signal.objects.filter(channel="cadre", lead__household__village=tree.village, at__gte=month)
    assert v["signals_cadre"] == signals.count() and v["decided_in_time"] == 100.0
    assert v["income_households"] == 1 and v["income_above_line"] == 1
    for region in (tree.province, tree.county, tree.township, tree.village, tree.sibling_village):
        stored = region_figures(viewer=county if region.level >= 3 else personas["province_officer"],
                                region_code=region.code)  # fmt: skip
        naive = naive_region_figures(viewer=county if region.level >= 3 else personas["province_officer"],
                                     region_code=region.code)  # fmt: skip
        assert stored.parts == naive.parts, region.code


def test_regions_roll_up_by_code_prefix(
    tree: Any, personas: dict[str, Any], population: dict[str, Any]
) -> None:
    _refresh_all()
    viewer = personas["province_officer"]
    for parent in (tree.province, tree.prefecture, tree.county, tree.township):
        children = region_children_figures(viewer=viewer, region_code=parent.code)
        expected = list(Region.objects.filter(parent=parent).order_by("code").values_list("code", flat=True))
        assert [c.code for c in children] == expected
        whole = region_figures(viewer=viewer, region_code=parent.code).parts
        assert {p: sum(c.parts[p] for c in children) for p in PART_NAMES} == whole, parent.code
    township = {c.code: c for c in region_children_figures(viewer=viewer, region_code=tree.township.code)}
    assert township[tree.village.code].parts["objects_hh"] == 2
    assert township[tree.sibling_village.code].parts["leads_open"] == 1
    assert region_children_figures(viewer=viewer, region_code=tree.village.code) == []


def test_the_region_gate_holds(tree: Any, personas: dict[str, Any], population: dict[str, Any]) -> None:
    _refresh_all()
    cadre = personas["village_cadre"]
    assert region_figures(viewer=cadre, region_code=tree.village.code).parts["objects_hh"] == 2
    for code in (tree.county.code, tree.township.code, tree.sibling_village.code, "999999999999"):
        for read in (region_figures, region_children_figures, region_trend, naive_region_figures):
            with pytest.raises(Http404):
                read(viewer=cadre, region_code=code)
    with pytest.raises(PermissionDenied):
        region_figures(viewer=personas["department_officer"], region_code=tree.county.code)
    with pytest.raises(PermissionDenied):
        region_figures(viewer=personas["sysadmin"], region_code=tree.county.code)


def test_figures_are_fresh_after_an_approval_without_a_manual_refresh(
    tree: Any, personas: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    case = walk(open_case(personas, tree.village), personas, State.APPROVAL)
    county = personas["county_officer"]
    with django_capture_on_commit_callbacks(execute=True):
        case_step(actor=county, case_id=case.pk, action="approve")
    row = VillageMonth.objects.filter(village=tree.village.code, month=month_start(timezone.localdate()))
    assert list(row.values_list("objects_hh", "identified_hh", "leads_open")) == [(1, 1, 0)]
    with django_capture_on_commit_callbacks(execute=True):
        case_step(actor=personas["township_officer"], case_id=case.pk, action="announce")
    figures = region_figures(viewer=county, region_code=tree.county.code)
    assert figures.values["monitored_households"] == 1


def test_as_of_a_past_month_and_a_past_day(tree: Any, personas: dict[str, Any]) -> None:
    with time_machine.travel(datetime(2026, 9, 10, 10, tzinfo=SHANGHAI), tick=False):
        case = open_case(personas, tree.village, ago=timedelta(0))
    with time_machine.travel(datetime(2026, 10, 15, 10, tzinfo=SHANGHAI), tick=False):
        walk(case, personas, State.MONITORED)
    figures_refresh(months=[date(2026, 9, 1), date(2026, 10, 1), timezone.localdate()])
    county = personas["county_officer"]

    def read(**when: date) -> Mapping[str, Any]:
        return region_figures(viewer=county, region_code=tree.county.code, **when).values

    september = read(month=date(2026, 9, 1))
    assert (september["leads_open"], september["leads_overdue"], september["objects_households"]) == (1, 1, 0)
    mid_october = region_figures(viewer=county, region_code=tree.county.code, on=date(2026, 10, 10))
    assert mid_october.live and mid_october.as_of == date(2026, 10, 10)
    assert (mid_october.values["leads_open"], mid_october.values["objects_households"]) == (1, 0)
    assert mid_october.values["identified_month_households"] == 0
    late_october = read(on=date(2026, 10, 20))
    assert (late_october["leads_open"], late_october["objects_households"]) == (0, 1)
    assert (
        late_october["identified_month_households"] == 1 and late_october["identified_year_households"] == 1
    )
    october_end = region_figures(viewer=county, region_code=tree.county.code, on=date(2026, 10, 31))
    assert not october_end.live and october_end.values == read(month=date(2026, 10, 1))
    assert october_end.values["objects_households"] == 1 and october_end.values["days_to_decision"] == 35.0
    # The live computation of a month's last day equals the stored row.
    live = region_figures(viewer=county, region_code=tree.county.code, on=date(2026, 10, 30)).values
    assert live["objects_households"] == 1
    trend = region_trend(viewer=county, region_code=tree.county.code, months=24)
    assert len(trend) == 24 and trend[-1].month == month_start(timezone.localdate())
    by_month = {f.month: f.values for f in trend}
    assert by_month[date(2026, 9, 1)]["leads_open"] == 1
    assert by_month[date(2026, 10, 1)]["identified_month_households"] == 1
    assert by_month[date(2026, 11, 1)]["identified_year_households"] == 1  # the year to date carries on


def _queries(fn: Any, **kwargs: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn(**kwargs)
    return len(ctx.captured_queries)


def test_selectors_take_a_constant_number_of_queries(
    tree: Any, personas: dict[str, Any], population: dict[str, Any]
) -> None:
    _refresh_all()
    viewer = personas["province_officer"]
    reads = (region_figures, region_children_figures, region_trend)
    for read in reads:
        read(viewer=viewer, region_code=tree.township.code)  # warm: the viewer's own region is loaded once
    before = [_queries(read, viewer=viewer, region_code=tree.township.code) for read in reads]
    assert before == [2, 3, 2]
    for n in range(30):  # many more villages with figures
        code = f"{tree.township.code[:9]}{300 + n:03d}"
        Region.objects.create(code=code, name=f"村{n}", level=5, parent=tree.township, valid_from=date(2023, 1, 1),
                              source="test")  # fmt: skip
        VillageMonth.objects.create(village=code, month=month_start(timezone.localdate()),
                                    refreshed_at=timezone.now(), objects_hh=n)  # fmt: skip
    assert [_queries(read, viewer=viewer, region_code=tree.township.code) for read in reads] == before
    assert len(region_children_figures(viewer=viewer, region_code=tree.township.code)) == 32
