"""A county's, prefecture's or province's figures "as of" a past day are read from the day's stored row (issue
#16 item 4: computed live, a province of ten counties took 1.4 s). The nightly run writes the days just past; a
step dated in the past removes the stored days it changes, which are then computed live again."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from bottomline.dashboards.indicators import PART_NAMES
from bottomline.dashboards.models import RegionDay
from bottomline.dashboards.selectors import region_figures
from bottomline.dashboards.services import figures_refresh, figures_refresh_days
from bottomline.monitoring.casework import StepIn, case_step
from bottomline.monitoring.tests.factories import open_case, walk
from bottomline.monitoring.workflow import State
from bottomline.registry.tests.factories import household, id_number, member

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
LEAD_DAY = datetime(2026, 10, 10, 10, tzinfo=SHANGHAI)
TODAY = datetime(2026, 10, 20, 10, tzinfo=SHANGHAI)
STORED = [date(2026, 10, d) for d in range(12, 20)]  # the days before TODAY


@pytest.fixture
def waiting(tree: Any, personas: dict[str, Any], make_user: Any) -> Any:
    """A case of the county waiting for its approval since 10-10, and a household in the other county."""
    with time_machine.travel(LEAD_DAY, tick=False):
        case = walk(open_case(personas, tree.village), personas, State.APPROVAL)
        far = make_user("county_officer", tree.other_county, username="county9")
        member(far, household(far, tree.other_county_village), id_number(sequence=9))
    return case


def _read(viewer: Any, region: Any, day: date) -> Any:
    return region_figures(viewer=viewer, region_code=region.code, on=day)


def test_past_days_of_a_county_and_above_are_read_from_the_stored_rows(
    tree: Any, personas: dict[str, Any], waiting: Any
) -> None:
    viewer = personas["province_officer"]
    day = date(2026, 10, 15)
    with time_machine.travel(TODAY, tick=False):
        figures_refresh(months=[date(2026, 10, 1)])
        above = (tree.county, tree.prefecture, tree.province)
        live = {r.code: _read(viewer, r, day) for r in (*above, tree.township)}
        assert all(f.live for f in live.values())
        assert live[tree.county.code].parts["leads_open"] == 1
        out = io.StringIO()
        call_command("figures_refresh", months=1, days=8, stdout=out)
        assert "32 region-day rows for 8 days" in out.getvalue()  # (2 counties, a prefecture, a province) × 8
        for region in above:
            stored = _read(viewer, region, day)
            assert not stored.live, region.code
            assert (stored.parts, stored.values) == (live[region.code].parts, live[region.code].values)
        assert _read(viewer, tree.township, day).live  # a township is computed live
        # Read from the row: a stored figure is the one shown.
        RegionDay.objects.filter(code=tree.county.code, day=day).update(leads_open=7)
        assert _read(viewer, tree.county, day).parts["leads_open"] == 7
        assert _read(personas["village_cadre"], tree.village, day).live  # and a village too


def test_a_prefecture_is_stored_only_when_all_its_counties_are(
    tree: Any, personas: dict[str, Any], waiting: Any
) -> None:
    day = date(2026, 10, 15)
    with time_machine.travel(TODAY, tick=False):
        figures_refresh_days(region_code=tree.county.code, days=[day])
        assert set(RegionDay.objects.values_list("code", flat=True)) == {tree.county.code}
        assert _read(personas["province_officer"], tree.prefecture, day).live
        figures_refresh_days(region_code=tree.other_county.code, days=[day])
        rows = {r.code: r for r in RegionDay.objects.all()}
        assert set(rows) == {
            tree.county.code,
            tree.other_county.code,
            tree.prefecture.code,
            tree.province.code,
        }
        for parent in (tree.prefecture, tree.province):
            counties = (rows[tree.county.code], rows[tree.other_county.code])
            assert all(
                getattr(rows[parent.code], p) == sum(getattr(c, p) for c in counties) for p in PART_NAMES
            )
        assert figures_refresh_days(region_code=None, days=[date(2026, 10, 20)]) == 0  # today is not stored
        # A township's run rewrites its whole county's day (this township has no households of its own, the
        # county's case is in the other one), not a sum of its own villages under the county's code.
        county = RegionDay.objects.filter(code=tree.county.code, day=day)
        assert county.update(leads_open=7) == 1
        figures_refresh_days(region_code=tree.other_township.code, days=[day])
        assert list(county.values_list("leads_open", flat=True)) == [1]


def test_a_step_dated_in_the_past_removes_the_stored_days_it_changes(
    tree: Any, personas: dict[str, Any], waiting: Any, django_capture_on_commit_callbacks: Any
) -> None:
    viewer = personas["province_officer"]
    with time_machine.travel(TODAY, tick=False):
        figures_refresh_days(region_code=None, days=STORED)
        before = _read(viewer, tree.county, date(2026, 10, 17))
        assert not before.live and before.values["identified_month_households"] == 0
        with django_capture_on_commit_callbacks(execute=True):  # approved today, dated 10-15
            case_step(
                actor=personas["county_officer"],
                case_id=waiting.pk,
                action="approve",
                given=StepIn(on=date(2026, 10, 15)),
            )
        kept = STORED[:3]  # 10-12 … 10-14
        for region in (tree.county, tree.prefecture, tree.province):
            assert sorted(RegionDay.objects.filter(code=region.code).values_list("day", flat=True)) == kept
        assert RegionDay.objects.filter(code=tree.other_county.code).count() == len(STORED)
        after = _read(viewer, tree.county, date(2026, 10, 17))
        assert after.live and after.values["identified_month_households"] == 1
        assert _read(viewer, tree.county, date(2026, 10, 14)).values["identified_month_households"] == 0


def test_above_a_county_whose_day_is_removed_the_other_counties_stored_rows_are_summed(
    tree: Any, personas: dict[str, Any], waiting: Any, django_capture_on_commit_callbacks: Any
) -> None:
    viewer = personas["province_officer"]
    day = date(2026, 10, 17)
    with time_machine.travel(TODAY, tick=False):
        figures_refresh_days(region_code=None, days=STORED)
        with django_capture_on_commit_callbacks(execute=True):  # removes the county's and its parents' days
            case_step(
                actor=personas["county_officer"],
                case_id=waiting.pk,
                action="approve",
                given=StepIn(on=date(2026, 10, 15)),
            )
        # The other county's stored row is read, not recomputed: a mark put in it shows in the province.
        RegionDay.objects.filter(code=tree.other_county.code, day=day).update(leads_open=7)
        county = _read(viewer, tree.county, day)
        assert county.live and county.parts["leads_open"] == 1  # approved on 10-20: on 10-17 still waiting
        assert county.parts["identified_hh"] == 1  # dated 10-15
        for parent in (tree.prefecture, tree.province):
            figures = _read(viewer, parent, day)
            assert figures.live  # the county without its day was computed
            assert figures.parts["leads_open"] == 7 + 1
            assert all(figures.parts[p] == county.parts[p] for p in PART_NAMES if p != "leads_open")
