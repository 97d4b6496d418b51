"""The project ledger: money never beyond the budget (also under concurrency), the stage life cycle, the
indicators' rates, beneficiaries' money into their income, and the region gate."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404

from bottomline.projects.models import Disbursement, Project, Source, Stage, StageChange
from bottomline.projects.selectors import ProjectFilters, indicators, project_get, project_list
from bottomline.projects.services import (
    asset_add,
    asset_income_record,
    beneficiary_add,
    budget_set,
    disbursement_record,
    payouts_pay,
    stage_change,
)
from bottomline.projects.tests.conftest import implement, propose
from bottomline.registry.incomes import income_save
from bottomline.registry.models import IncomeRecord, ProgramIncome
from bottomline.registry.tests.factories import household, id_number, member

pytestmark = pytest.mark.django_db


def _pay(actor: Any, project: Project, amount: str, source: str = Source.CENTRAL, **kw: Any) -> Disbursement:
    return disbursement_record(
        actor=actor,
        project_id=project.pk,
        source=source,
        amount=Decimal(amount),
        on=kw.pop("on", date(2026, 5, 1)),
        **kw,
    )


def test_disbursements_never_exceed_the_source_budget(personas: dict[str, Any], project: Project) -> None:
    county = personas["county_officer"]
    _pay(county, project, "400000")
    _pay(county, project, "200000")  # exactly the central budget
    with pytest.raises(ValidationError) as beyond:
        _pay(county, project, "0.01")
    assert "0.00" in beyond.value.message_dict["amount"][0]
    with pytest.raises(ValidationError):  # a source without budget
        _pay(county, project, "1", source=Source.PROVINCIAL)
    with pytest.raises(ValidationError):  # the east-west budget is 200,000
        _pay(county, project, "200000.01", source=Source.EAST_WEST)
    _pay(county, project, "200000", source=Source.EAST_WEST)
    assert sum(d.amount for d in Disbursement.objects.all()) == Decimal(800000)
    with pytest.raises(ValidationError):  # the budget cannot fall below what is disbursed from it
        budget_set(actor=county, project_id=project.pk, source=Source.CENTRAL, amount=Decimal(599999))
    budget_set(actor=county, project_id=project.pk, source=Source.CENTRAL, amount=Decimal(700000))
    _pay(county, project, "100000")
    with pytest.raises(ValidationError):
        _pay(county, project, "1", on=date(2026, 7, 1))  # in the future


def test_money_only_in_the_paying_stages(personas: dict[str, Any], tree: Any) -> None:
    county = personas["county_officer"]
    proposed = propose(county, tree.village)
    with pytest.raises(ValidationError):
        _pay(county, proposed, "1")
    implement(county, proposed)
    _pay(county, proposed, "1")
    stage_change(actor=county, project_id=proposed.pk, to=Stage.ACCEPTED, on=date(2026, 6, 1))
    _pay(county, proposed, "1")  # the final payment after acceptance
    stage_change(actor=county, project_id=proposed.pk, to=Stage.EVALUATED, on=date(2026, 6, 20))
    with pytest.raises(ValidationError):
        _pay(county, proposed, "1")


@pytest.mark.django_db(transaction=True)
def test_two_payments_at_once_cannot_pass_the_budget(personas: dict[str, Any], project: Project) -> None:
    """Two threads each pay 400,000 of the 600,000 central budget at once: the row lock (on SQLite, the one
    writing transaction at a time) lets one through."""
    county = personas["county_officer"]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def pay() -> None:
        try:
            barrier.wait()
            _pay(county, project, "400000")
            outcomes.append("paid")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["paid", "refused"]
    assert Disbursement.objects.get().amount == Decimal(400000)


def test_stages_move_one_step_dated_by_whom(personas: dict[str, Any], tree: Any) -> None:
    county = personas["county_officer"]
    p = propose(county, tree.village)
    with pytest.raises(ValidationError):  # no skipping
        stage_change(actor=county, project_id=p.pk, to=Stage.LISTED, on=date(2026, 2, 1))
    with pytest.raises(ValidationError):  # not before the last change
        stage_change(actor=county, project_id=p.pk, to=Stage.REVIEWED, on=date(2026, 1, 9))
    with pytest.raises(ValidationError):  # not in the future
        stage_change(actor=county, project_id=p.pk, to=Stage.REVIEWED, on=date(2026, 7, 1))
    stage_change(actor=county, project_id=p.pk, to=Stage.REVIEWED, on=date(2026, 2, 1))
    with pytest.raises(ValidationError) as no_reason:
        stage_change(actor=county, project_id=p.pk, to=Stage.REJECTED, on=date(2026, 2, 2))
    assert "note" in no_reason.value.message_dict
    stage_change(actor=county, project_id=p.pk, to=Stage.REJECTED, on=date(2026, 2, 2), note="效益不明确")
    with pytest.raises(ValidationError):  # an end state is final
        stage_change(actor=county, project_id=p.pk, to=Stage.LISTED, on=date(2026, 2, 3))
    history = list(StageChange.objects.filter(project=p).values_list("before", "after", "on", "by__username"))
    assert history == [
        ("", "proposed", date(2026, 1, 10), "county_officer"),
        ("proposed", "reviewed", date(2026, 2, 1), "county_officer"),
        ("reviewed", "rejected", date(2026, 2, 2), "county_officer"),
    ]


def test_indicators_rates_as_of_a_day(personas: dict[str, Any], tree: Any, project: Project) -> None:
    county = personas["county_officer"]
    # a second project: infrastructure, 400,000 central, listed; a third only proposed (not arranged)
    road = propose(county, tree.sibling_village, region=tree.township, kind="infrastructure", name="后街村道路硬化",
                   budgets={Source.CENTRAL: Decimal(400000)})  # fmt: skip
    stage_change(actor=county, project_id=road.pk, to=Stage.REVIEWED, on=date(2026, 2, 1))
    stage_change(actor=county, project_id=road.pk, to=Stage.LISTED, on=date(2026, 5, 20))
    propose(county, tree.village, name="未论证项目", budgets={Source.CENTRAL: Decimal(999)})
    _pay(county, project, "300000", on=date(2026, 5, 1))
    _pay(county, project, "100000", source=Source.EAST_WEST, on=date(2026, 6, 15))
    found = indicators(viewer=county, region=tree.county, on=date(2026, 6, 30), year=2026)
    assert found.allocated == Decimal(1200000)
    assert found.budgeted == Decimal(1200000)  # 800,000 + 400,000 listed; the proposed one not
    assert found.arranged_rate == Decimal("100.0")
    assert found.disbursed == Decimal(400000)
    assert found.spending_rate == Decimal("33.3")
    assert found.central == Decimal(1000000) and found.central_industry == Decimal(600000)
    assert found.industry_share == Decimal("60.0") and found.industry_share_met
    assert found.by_stage == {"implementing": 1, "listed": 1, "proposed": 1}
    # as of 10 May: the road was not yet listed, the east-west money not yet paid
    may = indicators(viewer=county, region=tree.county, on=date(2026, 5, 10), year=2026)
    assert may.budgeted == Decimal(800000) and may.disbursed == Decimal(300000)
    assert may.arranged_rate == Decimal("66.7") and may.industry_share == Decimal("100.0")
    assert may.by_stage == {"implementing": 1, "reviewed": 1, "proposed": 1}


def test_beneficiary_money_flows_into_income(personas: dict[str, Any], tree: Any, project: Project) -> None:
    county, cadre = personas["county_officer"], personas["village_cadre"]
    home = household(cadre, tree.village)
    member(cadre, home, id_number(sequence=1))
    income_save(actor=cadre, household_id=home.pk, period_start=date(2026, 1, 1), period_end=date(2026, 12, 31),
                amounts={"wage": Decimal(3000)})  # fmt: skip
    beneficiary_add(actor=county, project_id=project.pk, household_id=home.pk, benefit="dividend",
                    since=date(2026, 4, 1), amount_per_year=Decimal("1200.50"))  # fmt: skip
    beneficiary_add(
        actor=county, project_id=project.pk, household_id=home.pk, benefit="service", since=date(2026, 4, 1)
    )
    paid = payouts_pay(actor=county, project_id=project.pk, year=2026, on=date(2026, 6, 20))
    assert len(paid) == 1
    record = IncomeRecord.objects.get(household=home)
    assert record.property_income == Decimal("1200.50") and record.wage == Decimal(3000)
    entry = ProgramIncome.objects.get()
    assert (entry.source, entry.kind, entry.amount) == (
        f"projects.payout:{paid[0].pk}",
        "property",
        Decimal("1200.50"),
    )
    payouts_pay(
        actor=county, project_id=project.pk, year=2026, on=date(2026, 6, 25)
    )  # again: corrects, not adds
    record.refresh_from_db()
    assert record.property_income == Decimal("1200.50") and ProgramIncome.objects.count() == 1


def test_assets_and_their_income(personas: dict[str, Any], tree: Any, project: Project) -> None:
    county = personas["county_officer"]
    barn = asset_add(actor=county, project_id=project.pk, name="标准化养殖棚圈", kind="operating", value=Decimal(500000),
                     owner="永丰村股份经济合作社", manager="田家寨镇牛羊养殖专业合作社", since=date(2026, 5, 1))  # fmt: skip
    asset_income_record(actor=county, asset_id=barn.pk, year=2026, amount=Decimal(30000), on=date(2026, 6, 1))
    with pytest.raises(ValidationError):
        asset_income_record(actor=county, asset_id=barn.pk, year=2025, amount=Decimal(1), on=date(2026, 6, 1))
    found = indicators(viewer=county, region=tree.county, on=date(2026, 6, 30))
    assert (found.assets, found.assets_value, found.asset_income) == (1, Decimal(500000), Decimal(30000))
    assert indicators(viewer=county, region=tree.county, on=date(2026, 5, 31)).asset_income == 0
    proposed = propose(county, tree.village, name="新项目")
    with pytest.raises(ValidationError):
        asset_add(actor=county, project_id=proposed.pk, name="x", kind="public", value=Decimal(1), owner="村",
                  manager="村", since=date(2026, 5, 1))  # fmt: skip


def test_gate_scopes(personas: dict[str, Any], tree: Any, project: Project, make_user: Any) -> None:
    township, cadre = personas["township_officer"], personas["village_cadre"]
    # a township officer proposes in the township, not elsewhere; and may not move stages or pay
    mine = propose(
        township, tree.sibling_village, region=tree.township, name="后街村饮水工程", kind="infrastructure"
    )
    assert mine.stage == Stage.PROPOSED
    with pytest.raises(ValidationError):
        propose(township, tree.other_township_village, name="外乡项目")
    with pytest.raises(ValidationError):  # the county is above the township: not a region it serves
        propose(township, tree.village, region=tree.county, name="全县项目")
    with pytest.raises(PermissionDenied):
        stage_change(actor=township, project_id=mine.pk, to=Stage.REVIEWED, on=date(2026, 2, 1))
    with pytest.raises(PermissionDenied):
        _pay(township, project, "1")
    with pytest.raises(PermissionDenied):  # a village cadre reads, does not propose
        propose(cadre, tree.village, name="村里项目")
    # the cadre of 永丰村 reads 永丰村's projects (even the county's), not 后街村's
    assert project_get(viewer=cadre, project_id=project.pk) == project
    with pytest.raises(Http404):
        project_get(viewer=cadre, project_id=mine.pk)
    other = make_user("county_officer", tree.other_county, username="datong")
    with pytest.raises(Http404):
        project_get(viewer=other, project_id=project.pk)
    with pytest.raises(Http404):
        _pay(other, project, "1")
    assert list(project_list(viewer=other, filters=ProjectFilters())) == []
    auditor = personas["auditor"]
    assert set(project_list(viewer=auditor, filters=ProjectFilters(stage="proposed"))) == {mine}
    assert indicators(viewer=other, region=tree.other_county, on=date(2026, 6, 30)).budgeted == 0
