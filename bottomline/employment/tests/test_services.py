"""Jobs, grants, courses: wages reach the income record and screening, months worked follow the jobs, the gate
keeps each officer in their region, and the dashboard figures are as of their day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db.models import Q
from django.http import Http404

from bottomline.dashboards.compute import Period, figures_compute_range, figures_drill
from bottomline.employment import figures
from bottomline.employment.models import Grant, Job, Place
from bottomline.employment.services import (
    JobInput,
    course_save,
    grant_delete,
    grant_save,
    job_delete,
    job_save,
    trainee_add,
    workshop_save,
)
from bottomline.engine.models import Current
from bottomline.registry.incomes import income_save
from bottomline.registry.models import Household, IncomeRecord, Member, ProgramIncome
from bottomline.registry.tests.factories import household, id_number, member

YEAR = 2025


@pytest.fixture
def home(tree: Any, personas: dict[str, Any]) -> Household:
    """A household of two in 永丰村 whose 2025 income is below the line."""
    call_command("policy_seed")
    cadre = personas["village_cadre"]
    found = household(cadre, tree.village)
    member(cadre, found, id_number(sequence=1))
    member(cadre, found, id_number(birth=date(1988, 1, 1), sequence=2), name="李秀英", relation="spouse")
    income_save(
        actor=cadre,
        household_id=found.pk,
        period_start=date(YEAR, 1, 1),
        period_end=date(YEAR, 12, 31),
        amounts={"wage": Decimal("2000"), "transfer": Decimal("1000")},
    )
    return found


def _worker(home: Household) -> Member:
    return Member.objects.get(household=home, relation="head")


def _job(home: Household, **given: Any) -> JobInput:
    values: dict[str, Any] = {
        "member_id": _worker(home).pk,
        "place": Place.OUTSIDE,
        "start": date(YEAR, 3, 1),
        "months": 8,
        "monthly_wage": Decimal("3000"),
        "employer": "江苏某电子厂",
    }
    values.update(given)
    return JobInput(**values)


def test_wages_lift_the_household_above_the_line_and_set_months_worked(
    home: Household, personas: dict[str, Any]
) -> None:
    assert "income_below_line" in Current.objects.get(household=home).codes
    job = job_save(actor=personas["village_cadre"], value=_job(home))
    record = IncomeRecord.objects.get(household=home)
    assert record.wage == Decimal("26000.00")  # 2,000 already recorded + 8 × 3,000
    assert "income_below_line" not in Current.objects.get(household=home).codes
    assert _worker(home).months_worked == 8
    entry = ProgramIncome.objects.get(source=f"employment.job:{job.pk}:{YEAR}")
    assert (entry.program, entry.kind, entry.on, entry.record_id) == (
        "employment",
        "wage",
        date(YEAR, 10, 31),
        record.pk,
    )

    # A correction moves the income by the difference; a job removed takes its wages off again.
    job_save(actor=personas["village_cadre"], value=_job(home, job_id=job.pk, monthly_wage=Decimal("1000")))
    assert IncomeRecord.objects.get(household=home).wage == Decimal("10000.00")
    job_delete(actor=personas["village_cadre"], job_id=job.pk)
    assert IncomeRecord.objects.get(household=home).wage == Decimal("2000.00")
    assert "income_below_line" in Current.objects.get(household=home).codes
    assert not ProgramIncome.objects.exists()


def test_a_job_across_new_year_is_paid_in_each_year_and_months_count_in_the_latest(
    home: Household, personas: dict[str, Any]
) -> None:
    job = job_save(actor=personas["township_officer"], value=_job(home, start=date(YEAR, 11, 20), months=5))
    assert job.start == date(YEAR, 11, 1) and job.last == date(YEAR + 1, 3, 1)
    entries = dict(ProgramIncome.objects.values_list("source", "amount"))
    assert entries == {
        f"employment.job:{job.pk}:{YEAR}": Decimal("6000.00"),
        f"employment.job:{job.pk}:{YEAR + 1}": Decimal("9000.00"),
    }
    assert _worker(home).months_worked == 3
    # Shortened to this year only: next year's entry is withdrawn.
    job_save(
        actor=personas["township_officer"], value=_job(home, job_id=job.pk, start=date(YEAR, 11, 1), months=2)
    )
    assert list(ProgramIncome.objects.values_list("source", flat=True)) == [f"employment.job:{job.pk}:{YEAR}"]
    assert _worker(home).months_worked == 2


def test_jobs_are_checked_field_by_field(home: Household, personas: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        job_save(
            actor=personas["village_cadre"],
            value=_job(home, employer="", months=0, monthly_wage=Decimal("-1"), place="moon"),
        )
    assert set(caught.value.message_dict) == {"employer", "months", "monthly_wage", "place"}
    assert not Job.objects.exists()


def test_the_gate_keeps_each_officer_in_their_region(
    home: Household, tree: Any, personas: dict[str, Any], make_user: Any
) -> None:
    stranger = make_user("township_officer", tree.other_township, username="other-township")
    with pytest.raises(Http404):  # a member of another township does not exist for them
        job_save(actor=stranger, value=_job(home))
    with pytest.raises(PermissionDenied):  # cadres record jobs, not workshops
        workshop_save(
            actor=personas["village_cadre"], name="x", kind="factory", village_code=tree.village.code,
            relocation_site=False, employer="x", capacity=5, opened=date(YEAR, 1, 1),
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        job_save(actor=personas["auditor"], value=_job(home))
    with pytest.raises(ValidationError) as caught:  # a workshop in another township's village
        workshop_save(
            actor=stranger, name="x", kind="factory", village_code=tree.village.code,
            relocation_site=False, employer="x", capacity=5, opened=date(YEAR, 1, 1),
        )  # fmt: skip
    assert "village_code" in caught.value.message_dict
    assert not Job.objects.exists()


def test_rain_and_dew_grants_are_transfer_income_for_registered_households_only(
    home: Household, tree: Any, personas: dict[str, Any]
) -> None:
    officer = personas["township_officer"]
    student = member(
        officer, home, id_number(birth=date(2007, 5, 1), sequence=3), name="王小明", relation="son"
    )
    grant = grant_save(
        actor=officer, member_id=student.pk, school="湟中区职业技术学校", level="secondary", term="2025秋",
        amount=Decimal("1500"), paid_on=date(YEAR, 10, 15),
    )  # fmt: skip
    assert IncomeRecord.objects.get(household=home).transfer == Decimal("2500.00")
    entry = ProgramIncome.objects.get(source=f"employment.grant:{grant.pk}")
    assert (entry.program, entry.kind) == ("rain_dew", "transfer")
    grant_delete(actor=officer, grant_id=grant.pk)
    assert IncomeRecord.objects.get(household=home).transfer == Decimal("1000.00")
    ordinary = household(officer, tree.village, household_type="ordinary")
    child = member(officer, ordinary, id_number(birth=date(2007, 6, 1), sequence=4))
    with pytest.raises(ValidationError) as caught:
        grant_save(
            actor=officer, member_id=child.pk, school="x", level="secondary", term="2025秋",
            amount=Decimal("1500"), paid_on=date(YEAR, 10, 15),
        )  # fmt: skip
    assert "member" in caught.value.message_dict
    assert not Grant.objects.exists()


def _everywhere(path: str) -> list[Q]:
    return [Q(**{f"{path}__startswith": "630106"})]


def test_figures_are_as_of_their_day_and_drill_to_the_households(
    home: Household, tree: Any, personas: dict[str, Any]
) -> None:
    officer = personas["county_officer"]
    workshop = workshop_save(
        actor=officer, name="千紫缘加工车间", kind="factory", village_code=tree.village.code, relocation_site=True,
        employer="千紫缘公司", capacity=30, opened=date(YEAR, 4, 1), closed=date(YEAR, 9, 30),
    )  # fmt: skip
    job_save(actor=officer, value=_job(home))  # outside the province, March to October
    spouse = Member.objects.get(household=home, relation="spouse")
    job_save(
        actor=officer,
        value=_job(home, member_id=spouse.pk, place=Place.LOCAL, workshop_id=workshop.pk, employer="", months=3,
                   start=date(YEAR, 5, 1)),
    )  # fmt: skip
    course = course_save(
        actor=officer, name="电焊工", kind="skills", provider="湟中区职校", region_code=tree.county.code,
        start=date(YEAR, 6, 1), end=date(YEAR, 6, 20), hours=80, certificate="焊工证",
    )  # fmt: skip
    trainee_add(actor=officer, course_id=course.pk, member_id=spouse.pk, certified=True)
    student = member(
        officer, home, id_number(birth=date(2007, 5, 1), sequence=3), name="王小明", relation="son"
    )
    grant_save(
        actor=officer, member_id=student.pk, school="职校", level="secondary", term="2025秋",
        amount=Decimal("1500.40"), paid_on=date(YEAR, 10, 15),
    )  # fmt: skip

    june = figures.compute(_everywhere, date(YEAR, 6, 1), date(YEAR, 6, 30))[tree.village.code]
    assert (
        june["employment_hh"] == 1 and june["employment_hh_local"] == 1 and june["employment_hh_migrant"] == 1
    )
    assert (june["employment_people_local"], june["employment_people_migrant"]) == (1, 1)
    assert june["employment_months"] == 2 and june["employment_workshops"] == 1
    assert (june["training_person_times"], june["training_hh"], june["training_grants_yuan"]) == (1, 1, 0)
    # By the end of October: the workshop has closed, the local job ended in July, the grant was paid.
    october = figures.compute(_everywhere, date(YEAR, 10, 1), date(YEAR, 10, 31))[tree.village.code]
    assert (october["employment_hh_local"], october["employment_people_migrant"]) == (0, 1)
    assert (october["employment_workshops"], october["training_person_times"]) == (0, 0)
    assert (october["training_hh"], october["training_grants_yuan"]) == (1, 1500)
    # Before anything began, nothing.
    assert figures.compute(_everywhere, date(YEAR, 1, 1), date(YEAR, 1, 31)) == {}
    # Through the dashboards: the year's flows and the stocks of its last day; the drill lists the household.
    bounds = ("630106000000", "630106999999")
    year = figures_compute_range(bounds=bounds, period=Period(date(YEAR, 1, 1), date(YEAR, 12, 31)))
    assert year["employment_months"] == 11 and year["training_person_times"] == 1
    assert year["employment_hh"] == 0  # nobody is at work in December
    june_period = Period(date(YEAR, 6, 1), date(YEAR, 6, 30))
    assert figures_drill(bounds=bounds, period=june_period, part="employment_hh_migrant") == [home.pk]
    assert figures_drill(bounds=bounds, period=june_period, part="training_hh") == [home.pk]
