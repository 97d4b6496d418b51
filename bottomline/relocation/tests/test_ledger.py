"""Relocation follow-up: a site's counts reconcile with its relocations, as of a date; stability as assessed on
a day; labour at work read from the employment app's jobs; the gate's scopes (the household's village, its
origin village and its site's region); the dashboard figures and the household page's line."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404

from bottomline.accounts.models import Role
from bottomline.employment.models import Job
from bottomline.registry.programs import household_programs
from bottomline.registry.tests.factories import household, id_number, member
from bottomline.relocation import figures, selectors
from bottomline.relocation.models import Relocation, Site
from bottomline.relocation.services import (
    assessment_record,
    relocation_record,
    site_save,
    support_record,
)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 30)


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(TODAY, tick=False):
        yield


def _site(actor: Any, region: Any, name: str = "幸福家园", **overrides: Any) -> Site:
    values: dict[str, Any] = {
        "name": name,
        "kind": "centralised",
        "region_code": region.code,
        "address": "三合镇",
        "built_year": 2017,
        "planned_households": 403,
        "planned_people": 1400,
    }
    values.update(overrides)
    return site_save(actor=actor, **values)


SEQ = iter(range(1, 999))


def _people(actor: Any, hh: Any, labour: list[str]) -> list[Any]:
    return [member(actor, hh, id_number(sequence=next(SEQ)), labour=kind) for kind in labour]


@pytest.fixture
def world(personas: dict[str, Any], tree: Any) -> dict[str, Any]:
    """A site in 永丰村 with three households: one registered (lifted out) from 后街村 in 2018 with two labourers
    (one at work), one ordinary from 大卡阳村 (another township) in 2020, one from 永丰村 this year."""
    county = personas["county_officer"]
    site = _site(county, tree.village)
    first = household(county, tree.sibling_village, household_type="lifted")
    worker, idle, _child = _people(county, first, ["ordinary", "skilled", "none"])
    Job.objects.create(
        member=worker, household=first, employer="扶贫产业园", place="local", start=date(2026, 1, 1),
        months=12, monthly_wage=3000,
    )  # fmt: skip
    Job.objects.create(  # ended before the day: not at work
        member=idle, household=first, employer="某厂", place="outside", start=date(2025, 1, 1), months=3,
        monthly_wage=4000,
    )  # fmt: skip
    second = household(county, tree.other_township_village, household_type="ordinary")
    _people(county, second, ["ordinary", "weak"])
    third = household(county, tree.village, household_type="lifted")
    _people(county, third, ["lost"])
    relocations = [
        relocation_record(
            actor=county,
            household_id=first.pk,
            origin_code=tree.sibling_village.code,
            site_id=site.pk,
            year=2018,
        ),
        relocation_record(
            actor=county,
            household_id=second.pk,
            origin_code=tree.other_township_village.code,
            site_id=site.pk,
            year=2020,
        ),
        relocation_record(
            actor=county, household_id=third.pk, origin_code=tree.village.code, site_id=site.pk, year=2026
        ),
    ]
    return {"site": site, "relocations": relocations, "households": [first, second, third]}


def test_site_counts_reconcile_with_relocations(personas: dict[str, Any], world: dict[str, Any]) -> None:
    county = personas["county_officer"]
    counts = selectors.site_counts(viewer=county, site=world["site"], on=TODAY)
    assert counts.households == Relocation.objects.filter(site=world["site"]).count() == 3
    assert counts.people == 3 + 2 + 1
    assert (counts.origin_villages, counts.origin_townships) == (3, 2)
    assert (counts.registered_households, counts.registered_people) == (2, 4)
    assert counts.labour == 4  # ordinary, skilled, ordinary, weak
    assert counts.employed == 1  # the job covering June 2026; the ended one does not count
    assert counts.status == {"stable": 0, "attention": 0, "risk": 0, "unassessed": 3}
    listed = selectors.site_list(viewer=county, on=TODAY).get(pk=world["site"].pk)
    assert listed.__dict__["relocated"] == 3  # the annotation


def test_counts_as_of_a_date(personas: dict[str, Any], world: dict[str, Any]) -> None:
    county = personas["county_officer"]
    site = world["site"]
    assert selectors.site_counts(viewer=county, site=site, on=date(2017, 12, 31)).households == 0
    in_2019 = selectors.site_counts(viewer=county, site=site, on=date(2019, 6, 30))
    assert (in_2019.households, in_2019.people, in_2019.origin_villages) == (1, 3, 1)
    assert in_2019.employed == 0  # the job starts in 2026
    assert selectors.site_counts(viewer=county, site=site, on=date(2025, 12, 31)).households == 2
    then = selectors.site_list(viewer=county, on=date(2019, 6, 30)).get(pk=site.pk)
    assert then.__dict__["relocated"] == 1


def test_status_as_assessed_on_a_day(personas: dict[str, Any], world: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]  # 永丰村: the site's village
    first, second, _third = world["relocations"]
    assessment_record(actor=cadre, relocation_id=first.pk, on=date(2025, 3, 1), status="stable")
    assessment_record(
        actor=cadre, relocation_id=first.pk, on=date(2026, 5, 1), status="risk", note="主要劳动力患病"
    )
    assessment_record(
        actor=cadre, relocation_id=second.pk, on=date(2026, 2, 1), status="attention", note="未就业"
    )
    site = world["site"]
    then = selectors.site_counts(viewer=cadre, site=site, on=date(2025, 12, 31))
    assert then.status == {"stable": 1, "attention": 0, "risk": 0, "unassessed": 1}
    now = selectors.site_counts(viewer=cadre, site=site, on=TODAY)
    assert now.status == {"stable": 0, "attention": 1, "risk": 1, "unassessed": 1}
    # the same day again corrects it
    assessment_record(
        actor=cadre, relocation_id=first.pk, on=date(2026, 5, 1), status="attention", note="好转"
    )
    assert selectors.site_counts(viewer=cadre, site=site, on=TODAY).status["attention"] == 2
    # not stable needs a note; not before the relocation's year; not in the future
    with pytest.raises(ValidationError) as no_note:
        assessment_record(actor=cadre, relocation_id=first.pk, on=TODAY, status="risk")
    assert "note" in no_note.value.message_dict
    with pytest.raises(ValidationError):
        assessment_record(actor=cadre, relocation_id=first.pk, on=date(2017, 1, 1), status="stable")
    with pytest.raises(ValidationError):
        assessment_record(actor=cadre, relocation_id=first.pk, on=date(2026, 7, 1), status="stable")
    ids = selectors.relocation_ids(
        viewer=cadre, filters=selectors.RelocationFilters(status="unassessed"), on=TODAY
    )
    assert ids == [world["relocations"][2].pk]


def test_employment_counted_from_the_employment_app(personas: dict[str, Any], world: dict[str, Any]) -> None:
    county = personas["county_officer"]
    site = world["site"]
    second = world["households"][1]
    labourer = second.members.filter(labour="ordinary").get()
    assert selectors.site_counts(viewer=county, site=site, on=TODAY).employed == 1
    Job.objects.create(
        member=labourer, household=second, employer="车间", place="local", start=date(2026, 6, 1), months=1,
        monthly_wage=2500,
    )  # fmt: skip
    assert selectors.site_counts(viewer=county, site=site, on=TODAY).employed == 2
    assert selectors.site_counts(viewer=county, site=site, on=date(2026, 7, 31)).employed == 1  # June only


def test_support_records_and_the_household_line(personas: dict[str, Any], world: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    county = personas["county_officer"]
    first = world["relocations"][0]
    support_record(
        actor=cadre, relocation_id=first.pk, kind="employment", on=date(2026, 4, 2), description="推荐进扶贫车间",
        unit="三合镇人社所",
    )  # fmt: skip
    with pytest.raises(ValidationError) as bad:
        support_record(actor=cadre, relocation_id=first.pk, kind="money", on=TODAY, description="", unit="")
    assert {"kind", "description", "unit"} <= set(bad.value.message_dict)
    lines = household_programs(viewer=county, household=world["households"][0], year=2026)
    line = next(x for x in lines if str(x.program) == "易地扶贫搬迁后续扶持")
    assert "幸福家园" in str(line.what) and "2018" in str(line.what) and "2026-04-02" in str(line.what)
    assert line.amount is None and line.url.endswith(f"/relocation/{first.pk}/")


def test_record_refusals(personas: dict[str, Any], tree: Any, world: dict[str, Any]) -> None:
    county = personas["county_officer"]
    site, hh = world["site"], world["households"][0]
    with pytest.raises(ValidationError) as twice:
        relocation_record(
            actor=county, household_id=hh.pk, origin_code=tree.village.code, site_id=site.pk, year=2019
        )
    assert "household" in twice.value.message_dict
    fresh = household(county, tree.village)
    with pytest.raises(ValidationError) as early:
        relocation_record(
            actor=county, household_id=fresh.pk, origin_code=tree.village.code, site_id=site.pk, year=2016
        )
    assert "year" in early.value.message_dict  # before the site was built (2017)
    with pytest.raises(ValidationError) as township:
        relocation_record(
            actor=county, household_id=fresh.pk, origin_code=tree.township.code, site_id=site.pk, year=2019
        )
    assert "origin_code" in township.value.message_dict
    with pytest.raises(ValidationError) as county_site:
        _site(county, tree.county, name="县城")
    assert "region_code" in county_site.value.message_dict


def test_gate_scopes(personas: dict[str, Any], tree: Any, world: dict[str, Any], make_user: Any) -> None:
    """The relocation from 大卡阳村 (another township) to the site in 永丰村 is seen where the household is
    registered and came from (上五庄镇) and where the site is (永丰村, 田家寨镇); not by a sibling village."""
    second = world["relocations"][1]
    home_officer = make_user(Role.TOWNSHIP_OFFICER, tree.other_township, username="shangwuzhuang")
    sibling_cadre = make_user(Role.VILLAGE_CADRE, tree.sibling_village, username="houjie")
    other_county = make_user(Role.COUNTY_OFFICER, tree.other_county, username="datong")
    seers = [personas["village_cadre"], personas["township_officer"], personas["county_officer"],
             personas["auditor"], personas["province_officer"], home_officer]  # fmt: skip
    for viewer in seers:
        assert selectors.relocation_get(viewer=viewer, relocation_id=second.pk).pk == second.pk
    for viewer in (sibling_cadre, other_county):
        with pytest.raises(Http404):
            selectors.relocation_get(viewer=viewer, relocation_id=second.pk)
    # the sibling village's cadre sees the household that came from there, not the others at the site
    assert selectors.relocation_ids(
        viewer=sibling_cadre, filters=selectors.RelocationFilters(), on=TODAY
    ) == [world["relocations"][0].pk]
    with pytest.raises(Http404):
        selectors.site_get(viewer=sibling_cadre, site_id=world["site"].pk)  # the site is in 永丰村
    # counts are of what the viewer may see
    assert selectors.site_counts(viewer=sibling_cadre, site=world["site"], on=TODAY).households == 1
    with pytest.raises(Http404):
        selectors.site_get(viewer=home_officer, site_id=world["site"].pk)  # the site is not in 上五庄镇
    # village cadres assess and record support, but do not keep relocations or sites; auditors only read
    cadre = personas["village_cadre"]
    assessment_record(actor=cadre, relocation_id=second.pk, on=TODAY, status="stable")
    with pytest.raises(PermissionDenied):
        relocation_record(
            actor=cadre, household_id=world["households"][0].pk, origin_code=tree.village.code,
            site_id=world["site"].pk, year=2020,
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        _site(cadre, tree.village, name="新村")
    with pytest.raises(PermissionDenied):
        assessment_record(actor=personas["auditor"], relocation_id=second.pk, on=TODAY, status="stable")
    with pytest.raises(Http404):
        support_record(
            actor=sibling_cadre, relocation_id=second.pk, kind="other", on=TODAY, description="x", unit="y"
        )


def test_dashboard_figures_and_drill(personas: dict[str, Any], world: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    first = world["relocations"][0]
    assessment_record(actor=cadre, relocation_id=first.pk, on=date(2026, 5, 1), status="risk", note="患病")

    def where(path: str) -> list[Q]:
        return [Q(**{f"{path}__startswith": "630106"})]

    parts = figures.compute(where, date(2026, 6, 1), TODAY)
    total = {part: sum(row[part] for row in parts.values()) for part in figures.PARTS}
    counts = selectors.site_counts(viewer=personas["county_officer"], site=world["site"], on=TODAY)
    assert total["relocation_hh"] == counts.households == 3
    assert total["relocation_people"] == counts.people == 6
    assert total["relocation_labour"] == counts.labour
    assert total["relocation_employed_people"] == counts.employed == 1
    assert (
        total["relocation_employed_hh"],
        total["relocation_risk_hh"],
        total["relocation_risk_people"],
    ) == (
        1,
        1,
        3,
    )
    # counted in the village where each household is registered
    assert parts[world["households"][1].village.code]["relocation_hh"] == 1
    before = figures.compute(where, date(2025, 12, 1), date(2025, 12, 31))
    assert sum(row["relocation_hh"] for row in before.values()) == 2
    assert sum(row["relocation_risk_hh"] for row in before.values()) == 0
    drilled = figures.drill(where, date(2026, 6, 1), TODAY, "relocation_risk_hh")
    assert [h for _v, _n, h in drilled] == [first.household_id]
    assert len(figures.drill(where, date(2026, 6, 1), TODAY, "relocation_hh")) == 3
    with pytest.raises(ValueError):
        figures.drill(where, date(2026, 6, 1), TODAY, "relocation_people")
