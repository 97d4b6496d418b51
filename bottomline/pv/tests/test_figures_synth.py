"""The PV figures as of a day (the dates recorded, not today) with drill-through to households, and the synthetic
ledger calibrated to the seeds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from bottomline.dashboards.compute import Period, figures_compute_range, figures_drill
from bottomline.jobs.progress import NullProgress
from bottomline.pv import services
from bottomline.pv.models import Allocation, Assignment, Post, PostPay, Station, StationMonth
from bottomline.pv.synth import PvCalibration, pv_synth
from bottomline.pv.tests.factories import YEAR, post, station
from bottomline.registry.models import Household, ProgramIncome
from bottomline.registry.synth import synth_county
from bottomline.registry.tests.factories import household, id_number, member

pytestmark = pytest.mark.django_db


def _parts(tree: Any, start: date, end: date) -> dict[str, int]:
    parts = figures_compute_range(bounds=tree.county.bounds, period=Period(start, end))
    return {k: v for k, v in parts.items() if k.startswith("pv_")}


def test_figures_as_of_a_day_and_the_households_behind_them(tree: Any, personas: dict[str, Any]) -> None:
    county = personas["county_officer"]
    station(county, tree.village)  # on the grid 2024-06-30, 10,000 yuan a month in YEAR
    services.allocation_record(
        actor=county, village=tree.village, year=YEAR, purpose="posts", amount=Decimal(30000),
        decided_on=date(YEAR, 7, 1),
    )  # fmt: skip
    job = post(county, tree.village, pay="800")
    vacant = services.post_create(
        actor=county, village=tree.village, kind="road", funding="employment", monthly_pay=Decimal(900),
        start=date(YEAR, 1, 1), end=date(YEAR, 6, 30),
    )  # fmt: skip
    home = household(county, tree.village)
    worker = member(county, home, id_number(sequence=1))
    member(county, home, id_number(sequence=2), name="李秀英", relation="spouse")
    held = services.post_assign(actor=county, post_id=job.pk, member_id=worker.pk, start=date(YEAR, 4, 1))
    for month in (4, 5):
        services.post_pay_record(
            actor=county, assignment_id=held.pk, month=date(YEAR, month, 1), paid_on=date(YEAR, month, 30)
        )
    assert vacant.pk
    # Before the grid date and the posts: nothing.
    assert set(_parts(tree, date(2024, 1, 1), date(2024, 1, 31)).values()) == {0}
    march = _parts(tree, date(YEAR, 3, 1), date(YEAR, 3, 31))
    assert march["pv_stations"] == 1 and march["pv_capacity_kw"] == 300
    assert march["pv_income_yuan"] == 10000 and march["pv_distributed_yuan"] == 0
    assert (march["pv_posts"], march["pv_posts_filled"], march["pv_posts_hh"]) == (2, 0, 0)
    may = _parts(tree, date(YEAR, 5, 1), date(YEAR, 5, 31))
    assert (may["pv_posts"], may["pv_posts_filled"], may["pv_posts_hh"], may["pv_posts_people"]) == (
        2,
        1,
        1,
        2,
    )
    assert may["pv_post_pay_yuan"] == 800
    half = _parts(tree, date(YEAR, 1, 1), date(YEAR, 7, 31))
    assert half["pv_income_yuan"] == 70000 and half["pv_distributed_yuan"] == 30000
    assert half["pv_posts"] == 1  # the road post ended on 30 June
    assert figures_drill(
        bounds=tree.county.bounds, period=Period(date(YEAR, 5, 1), date(YEAR, 5, 31)), part="pv_posts_hh"
    ) == [home.pk]
    assert (
        figures_drill(
            bounds=tree.county.bounds, period=Period(date(YEAR, 3, 1), date(YEAR, 3, 31)), part="pv_posts_hh"
        )
        == []
    )


def test_the_synthetic_ledger_follows_the_seeds(tree: Any, personas: dict[str, Any]) -> None:
    on = date(2026, 11, 20)
    synth_county(county=tree.county, seed=1, on=on, lifted=300, progress=NullProgress())
    user = personas["county_officer"]
    made = pv_synth(county=tree.county, seed=1, on=on, user=user)
    c = PvCalibration()
    villages = 3  # the test county's villages, all PV villages (fewer than Huangzhong's 156)
    assert made["stations"] == villages
    # A village's station keeps Huangzhong's size: 34.1 MW over 156 villages, about 218.6 kW (±10 %).
    for s in Station.objects.all():
        assert abs(float(s.capacity_kw) - 34100 / 156) <= 34100 / 156 * 0.1
    # Seed 004: about 510,000 yuan per village by the end of 2021 (the three years since the grid; ±6 %).
    for s in Station.objects.all():
        earned = sum(m.income for m in StationMonth.objects.filter(station=s, month__lte=date(2021, 12, 1)))
        assert abs(float(earned) / float(s.capacity_kw) * (34100 / 156) - 510000) <= 510000 * 0.06
    # Seed 000: Qinghai's half-year yield and tariff per kW (±8 %).
    first_half = StationMonth.objects.filter(month__range=(date(2025, 1, 1), date(2025, 6, 1)))
    kwh = sum(float(m.generation_kwh) for m in first_half)
    kw = sum(float(s.capacity_kw) for s in Station.objects.all())
    assert abs(kwh / kw - 376e6 / 733600) <= 376e6 / 733600 * 0.08
    yuan = sum(float(m.income) for m in first_half)
    assert abs(yuan / kwh - 281 / 376) <= 0.01
    # Never distributed more than earned; this year's PV-funded pay within the allocation to posts.
    for village_id, year in set(Allocation.objects.values_list("village_id", "year")):
        assert services.village_year_allocated(village_id, year) <= services.village_year_income(
            village_id, year
        )
    # Seed 004: 4,490 posts for 8,954 lifted-out households, scaled to this county's.
    lifted = Household.objects.filter(household_type="lifted").count()
    assert Post.objects.count() == round(c.posts_county * lifted / c.lifted_county)
    assert Assignment.objects.count() == made["holders"] > 0
    assert ProgramIncome.objects.count() == PostPay.objects.count() == made["pays"] > 0
    assert not ProgramIncome.objects.filter(on__gt=on).exists()
    # Idempotent: a second run leaves the county alone.
    assert pv_synth(county=tree.county, seed=1, on=on, user=user) == {"stations": 0}
    call_command("pv_synth", "--county", "630106", "--user", "county_officer", "--on", "2026-11-20")
    assert Station.objects.count() == villages
