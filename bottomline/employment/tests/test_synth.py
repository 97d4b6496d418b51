"""The synthetic programs: calibrated shares, wages and grants in the income entries, months worked set, the same
seed the same records, and a county that has workshops left alone."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bottomline.employment.models import Course, Grant, Job, Place, Trainee, Workshop
from bottomline.employment.synth import employment_synth
from bottomline.registry.models import Member, ProgramIncome
from bottomline.registry.tests.factories import household, id_number, member

ON = date(2026, 6, 30)


@pytest.fixture
def county(tree: Any, personas: dict[str, Any]) -> Any:
    officer = personas["county_officer"]
    sequence = 1
    for village in (tree.village, tree.sibling_village, tree.other_township_village):
        for _ in range(4):
            home = household(officer, village)
            member(officer, home, id_number(birth=date(1980, 1, 1), sequence=sequence))
            member(officer, home, id_number(birth=date(2008, 1, 1), sequence=sequence + 1), name="王小明",
                   relation="son", student_status="vocational")  # fmt: skip
            sequence += 2
    return tree.county


def _snapshot() -> list[tuple[Any, ...]]:
    return list(
        Job.objects.order_by("id").values_list("member_id", "place", "start", "months", "monthly_wage")
    )


def test_the_synthetic_programs_follow_the_calibration_and_reach_income(
    county: Any, personas: dict[str, Any]
) -> None:
    made = employment_synth(county=county, seed=1, on=ON, user=personas["county_officer"])
    assert made["workshops"] == Workshop.objects.count() > 0
    assert made["jobs"] == Job.objects.count() > 0
    # Every worker is sampled in both years (12 workers, fewer than the yearly transfers): most jobs are migrant.
    migrant = Job.objects.filter(place__in=(Place.PROVINCE, Place.OUTSIDE)).count()
    assert migrant >= Job.objects.filter(place=Place.LOCAL).count()
    assert all(j.last <= ON.replace(day=1) for j in Job.objects.all())
    assert Trainee.objects.count() == made["trainees"] > 0 and Course.objects.count() == made["courses"]
    # Two terms a year for each vocational student, those paid by the day only (spring 2025, autumn 2025, spring 2026).
    assert Grant.objects.count() == made["grants"] == 12 * 3
    sources = set(ProgramIncome.objects.values_list("source", flat=True))
    assert {f"employment.grant:{g}" for g in Grant.objects.values_list("pk", flat=True)} <= sources
    assert any(s.startswith("employment.job:") for s in sources)
    worked = Member.objects.filter(pk__in=Job.objects.values("member_id"))
    assert all(1 <= m.months_worked <= 12 for m in worked)
    first = _snapshot()
    again = employment_synth(county=county, seed=1, on=ON, user=personas["county_officer"])
    assert again["workshops"] == 0 and _snapshot() == first
    # The same seed makes the same records.
    Trainee.objects.all().delete()
    Course.objects.all().delete()
    ProgramIncome.objects.all().delete()
    Grant.objects.all().delete()
    Job.objects.all().delete()
    Workshop.objects.all().delete()
    employment_synth(county=county, seed=1, on=ON, user=personas["county_officer"])
    assert [row[1:] for row in _snapshot()] == [row[1:] for row in first]
