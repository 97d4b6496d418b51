"""The synthetic county's monitoring history: calibrated shares, valid timelines, deterministic, written once."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest

from bottomline.dashboards.compute import Period, figures_compute
from bottomline.jobs.progress import NullProgress
from bottomline.monitoring.models import Case, Step
from bottomline.monitoring.synth_history import HistoryCalibration, history_synth, timeline_problems
from bottomline.monitoring.workflow import State
from bottomline.regions.models import Level, Region
from bottomline.registry.models import Member
from bottomline.registry.synth import synth_county

ON = date(2026, 11, 30)


@pytest.fixture
def county(tree: Any) -> Any:
    synth_county(county=tree.county, seed=3, on=ON, lifted=600, progress=NullProgress())
    return tree.county


@pytest.mark.django_db
def test_history_is_calibrated_and_every_timeline_follows_the_workflow(
    county: Any, personas: dict[str, Any]
) -> None:
    c = HistoryCalibration()
    made = history_synth(county=county, seed=1, on=ON, user=personas["county_officer"])
    cases = list(Case.objects.select_related("household").prefetch_related("follow_ups", "measures"))
    assert made["cases"] == len(cases) > 20
    lifted_people = Member.objects.filter(household__household_type="lifted").count()
    people = sum(case.household.members.count() for case in cases)
    assert 0.04 <= people / lifted_people <= 0.05  # monitoring objects 4–5 % of the lifted-out people
    categories = Counter(case.category for case in cases)
    for category, share in c.categories:
        assert abs(categories[category] / len(cases) - share) <= 0.12, (category, categories)
    years = Counter(case.identified_on.year for case in cases if case.identified_on)
    assert set(years) == set(range(2021, 2027)) and years.most_common(1)[0][0] == 2023
    eliminated = sum(case.state == State.ELIMINATED for case in cases)
    assert 0.75 <= eliminated / len(cases) <= 0.95  # between Qinghai's 77.2 % and Guizhou's 98.92 %
    assert all(case.risk_types and case.measures.all() for case in cases)
    # The dashboards count the history month by month (the "as of" of the steps).
    end = date(2024, 12, 31)
    villages = list(Region.objects.filter(level=Level.VILLAGE).values_list("code", flat=True))
    parts = figures_compute(codes=villages, periods=[Period(date(2024, 12, 1), end)])
    summed = Counter[str]()
    for row in parts.values():
        summed.update(row)
    identified = [case for case in cases if case.identified_on and case.identified_on <= end]
    assert summed["objects_hh"] == len(identified)
    assert summed["eliminated_cum_hh"] == sum(
        1 for x in identified if x.eliminated_on and x.eliminated_on <= end
    )
    problems = {case.pk: timeline_problems(case) for case in cases}
    assert {pk: p for pk, p in problems.items() if p} == {}


@pytest.mark.django_db
def test_same_seed_same_history_and_a_county_with_cases_is_left_alone(
    county: Any, personas: dict[str, Any]
) -> None:
    officer = personas["county_officer"]
    # More re-entries and households on the safety net than calibrated, so that a small county has some.
    often = HistoryCalibration(reentry_share=0.3, safety_net_share=0.3)
    history_synth(county=county, seed=1, on=ON, user=officer, calibration=often)
    cases = list(Case.objects.select_related("household").prefetch_related("follow_ups", "measures"))
    assert Counter(case.household_id for case in cases).most_common(1)[0][1] == 2  # a re-entry
    assert any(case.safety_net and case.state == State.MONITORED for case in cases)
    assert {case.pk: p for case in cases if (p := timeline_problems(case))} == {}
    first = list(
        Step.objects.order_by("case__household_id", "at").values_list("case__household_id", "action", "on")
    )
    assert history_synth(county=county, seed=1, on=ON, user=officer)["cases"] == 0
    assert Step.objects.count() == len(first)
    Step.objects.all().delete()
    from bottomline.monitoring.models import FollowUp, Lead, Measure, Signal
    from bottomline.registry.models import IncomeRecord

    FollowUp.objects.all().delete()
    IncomeRecord.objects.filter(recorded_by=officer).delete()
    Measure.objects.all().delete()
    Case.objects.all().delete()
    Signal.objects.all().delete()
    Lead.objects.all().delete()
    history_synth(county=county, seed=1, on=ON, user=officer, calibration=often)
    again = list(
        Step.objects.order_by("case__household_id", "at").values_list("case__household_id", "action", "on")
    )
    assert again == first
