"""The PV ledger's rules: a village's shares of station income, never distributing more than it, PV-funded pay
within the allocation to posts, posts only for members who can work, pay as the holder's wage income (screening
sees it), the region gate, and the household page's line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.http import Http404
from django.utils import translation

from bottomline.engine.models import Current
from bottomline.pv import services
from bottomline.pv.models import Funding, PostPay, Purpose
from bottomline.pv.selectors import household_post_lines, village_year
from bottomline.pv.tests.factories import YEAR, post, station
from bottomline.registry.incomes import income_save
from bottomline.registry.models import Household, IncomeRecord, ProgramIncome
from bottomline.registry.programs import household_programs
from bottomline.registry.tests.factories import household, id_number, member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The messages checked are the English ones."""
    with translation.override("en"):
        yield


def _allocate(actor: Any, village: Any, amount: str, purpose: str = Purpose.COLLECTIVE, **more: Any) -> Any:
    return services.allocation_record(
        actor=actor,
        village=village,
        year=YEAR,
        purpose=purpose,
        amount=Decimal(amount),
        decided_on=date(YEAR + 1, 3, 1),
        **more,
    )


def test_a_village_never_distributes_more_than_its_share_of_the_years_income(
    tree: Any, personas: dict[str, Any]
) -> None:
    county = personas["county_officer"]
    # One station shared: 永丰村 60 %, 后街村 40 % of 12 × 10,000 yuan.
    made = station(
        county,
        tree.village,
        shares=[services.Share(tree.village, Decimal(60)), services.Share(tree.sibling_village, Decimal(40))],
    )
    assert services.village_year_income(tree.village.pk, YEAR) == Decimal(72000)
    assert services.village_year_income(tree.sibling_village.pk, YEAR) == Decimal(48000)
    _allocate(county, tree.village, "30000", Purpose.POSTS)
    _allocate(county, tree.village, "42000", Purpose.PUBLIC_WORKS)
    with pytest.raises(ValidationError) as refused:
        _allocate(county, tree.village, "0.01", Purpose.AWARDS)
    assert "never more than the income" in str(refused.value)
    assert services.village_year_allocated(tree.village.pk, YEAR) == Decimal(72000)
    # A correction of a month that would leave 永丰村 over-distributed is refused too, and changes nothing.
    with pytest.raises(ValidationError):
        services.station_month_record(
            actor=county,
            station_id=made.pk,
            month=date(YEAR, 5, 1),
            generation_kwh=Decimal(1),
            income=Decimal(1),
        )
    assert services.village_year_income(tree.village.pk, YEAR) == Decimal(72000)
    # An allocation corrected down frees its amount.
    first = village_year(viewer=county, code=tree.village.code, year=YEAR).allocations[0]
    _allocate(county, tree.village, "20000", Purpose.POSTS, allocation_id=first.pk)
    _allocate(county, tree.village, "10000", Purpose.AWARDS)
    found = village_year(viewer=county, code=tree.village.code, year=YEAR)
    assert (found.income, found.allocated, found.remaining) == (Decimal(72000), Decimal(72000), Decimal(0))
    assert found.by_purpose[Purpose.AWARDS] == Decimal(10000)


def test_shares_must_add_up_to_the_whole(tree: Any, personas: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        station(
            personas["county_officer"],
            tree.village,
            shares=[
                services.Share(tree.village, Decimal(60)),
                services.Share(tree.sibling_village, Decimal(30)),
            ],
        )


@pytest.fixture
def home(tree: Any, personas: dict[str, Any]) -> Household:
    """A household of 永丰村: 王建国 who can work, 李秀英 who cannot; 3,000 yuan wage income in YEAR."""
    call_command("policy_seed")
    cadre = personas["village_cadre"]
    found = household(cadre, tree.village)
    member(cadre, found, id_number(sequence=1))
    member(
        cadre,
        found,
        id_number(birth=date(1950, 1, 1), sequence=2),
        name="李秀英",
        relation="spouse",
        labour="lost",
    )
    income_save(
        actor=cadre, household_id=found.pk, period_start=date(YEAR, 1, 1), period_end=date(YEAR, 12, 31),
        amounts={"wage": Decimal(3000)},
    )  # fmt: skip
    return found


def test_post_wages_lift_a_household_above_the_line_and_screening_stops_flagging_it(
    tree: Any, personas: dict[str, Any], home: Household
) -> None:
    county, cadre = personas["county_officer"], personas["village_cadre"]
    assert "income_below_line" in Current.objects.get(household=home).codes
    station(county, tree.village)
    _allocate(county, tree.village, "12000", Purpose.POSTS)
    job = post(county, tree.village, pay="1000")
    worker = home.members.get(name="王建国")
    held = services.post_assign(actor=county, post_id=job.pk, member_id=worker.pk, start=date(YEAR, 1, 1))
    # The village cadre records the pay of the village's posts, month by month after the work.
    for month in range(1, 13):
        services.post_pay_record(
            actor=cadre, assignment_id=held.pk, month=date(YEAR, month, 1), paid_on=date(YEAR, month, 28)
        )
    record = IncomeRecord.objects.get(household=home)
    assert record.wage == Decimal(15000)
    assert "income_below_line" not in Current.objects.get(household=home).codes
    pays = PostPay.objects.filter(assignment=held)
    entries = ProgramIncome.objects.filter(household=home)
    assert sorted(entries.values_list("source", flat=True)) == sorted(f"pv.postpay:{p.pk}" for p in pays)
    assert set(entries.values_list("program", "kind", "member_id")) == {("welfare_post", "wage", worker.pk)}
    # A correction of a month replaces its amount (the same source), never adds.
    services.post_pay_record(
        actor=cadre,
        assignment_id=held.pk,
        month=date(YEAR, 1, 1),
        paid_on=date(YEAR, 1, 28),
        amount=Decimal(400),
    )
    record.refresh_from_db()
    assert record.wage == Decimal(14400)
    # The PV-funded post's pay stays within the year's allocation to posts (12,000 yuan; 11,400 paid).
    with pytest.raises(ValidationError):
        services.post_pay_record(
            actor=cadre,
            assignment_id=held.pk,
            month=date(YEAR, 1, 1),
            paid_on=date(YEAR, 1, 28),
            amount=Decimal(1001),
        )
    # The household page shows the post (its money is shown with the program money).
    lines = household_programs(viewer=cadre, household=home, year=YEAR)
    assert any("王建国" in str(line.what) and "Village cleaner" in str(line.what) for line in lines)
    assert any(line.amount == Decimal(11400) for line in lines)


def test_pay_follows_the_work_and_the_term(tree: Any, personas: dict[str, Any], home: Household) -> None:
    county = personas["county_officer"]
    job = post(county, tree.village, funding=Funding.EMPLOYMENT)
    worker = home.members.get(name="王建国")
    held = services.post_assign(actor=county, post_id=job.pk, member_id=worker.pk, start=date(YEAR, 3, 1))
    with pytest.raises(ValidationError):  # before the term
        services.post_pay_record(
            actor=county, assignment_id=held.pk, month=date(YEAR, 2, 1), paid_on=date(YEAR, 3, 5)
        )
    with pytest.raises(ValidationError):  # paid in advance
        services.post_pay_record(
            actor=county, assignment_id=held.pk, month=date(YEAR, 4, 1), paid_on=date(YEAR, 3, 30)
        )
    assert not PostPay.objects.exists()


def test_a_post_goes_to_a_member_of_its_village_who_can_work_one_at_a_time(
    tree: Any, personas: dict[str, Any], home: Household
) -> None:
    county = personas["county_officer"]
    job = post(county, tree.village)
    no_labour = home.members.get(name="李秀英")
    with pytest.raises(ValidationError) as refused:
        services.post_assign(actor=county, post_id=job.pk, member_id=no_labour.pk, start=date(YEAR, 1, 1))
    assert "labour capacity" in str(refused.value)
    elsewhere = household(county, tree.sibling_village)
    stranger = member(county, elsewhere, id_number(sequence=3), name="赵六")
    with pytest.raises(ValidationError):
        services.post_assign(actor=county, post_id=job.pk, member_id=stranger.pk, start=date(YEAR, 1, 1))
    worker = home.members.get(name="王建国")
    services.post_assign(actor=county, post_id=job.pk, member_id=worker.pk, start=date(YEAR, 1, 1))
    other = member(county, home, id_number(sequence=4), name="王小明", relation="son")
    with pytest.raises(ValidationError):  # the post has a holder
        services.post_assign(actor=county, post_id=job.pk, member_id=other.pk, start=date(YEAR, 6, 1))
    second = post(county, tree.village)
    with pytest.raises(ValidationError):  # one post per person
        services.post_assign(actor=county, post_id=second.pk, member_id=worker.pk, start=date(YEAR, 6, 1))


def test_the_gate_keeps_stations_distributions_and_posts_in_their_region(
    tree: Any, personas: dict[str, Any], make_user: Any, home: Household
) -> None:
    county, cadre = personas["county_officer"], personas["village_cadre"]
    made = station(county, tree.village)
    job = post(county, tree.village)
    other_township = make_user("township_officer", tree.other_township, username="other-township")
    for action in (
        lambda: services.station_month_record(
            actor=other_township, station_id=made.pk, month=date(YEAR, 1, 1), generation_kwh=Decimal(1), income=Decimal(1)
        ),
        lambda: services.allocation_record(
            actor=other_township, village=tree.village, year=YEAR, purpose="awards", amount=Decimal(1),
            decided_on=date(YEAR, 12, 31),
        ),
        lambda: services.post_assign(
            actor=other_township, post_id=job.pk, member_id=home.members.get(name="王建国").pk, start=date(YEAR, 1, 1)
        ),
        lambda: village_year(viewer=other_township, code=tree.village.code, year=YEAR),
    ):  # fmt: skip
        with pytest.raises(Http404):
            action()
    # The village cadre reads, and may not keep stations, distributions or posts.
    with pytest.raises(PermissionDenied):
        _allocate(cadre, tree.village, "1")
    with pytest.raises(PermissionDenied):
        station(cadre, tree.village, account="PV-2")
    assert village_year(viewer=cadre, code=tree.village.code, year=YEAR).income == Decimal(120000)
    # A line on the household page only for who may see the post.
    worker = home.members.get(name="王建国")
    services.post_assign(actor=county, post_id=job.pk, member_id=worker.pk, start=date(YEAR, 1, 1))
    assert household_post_lines(cadre, home, YEAR)
    assert household_post_lines(personas["department_officer"], home, YEAR) == []
    assert household_post_lines(cadre, home, YEAR - 2) == []


def test_a_term_ends_and_frees_the_post(tree: Any, personas: dict[str, Any], home: Household) -> None:
    from django.test import Client

    county = personas["county_officer"]
    job = post(county, tree.village, funding=Funding.EMPLOYMENT)
    worker = home.members.get(name="王建国")
    held = services.post_assign(actor=county, post_id=job.pk, member_id=worker.pk, start=date(YEAR, 1, 1))
    services.post_pay_record(
        actor=county, assignment_id=held.pk, month=date(YEAR, 5, 1), paid_on=date(YEAR, 5, 31)
    )
    with pytest.raises(ValidationError):  # May is paid
        services.assignment_end(actor=county, assignment_id=held.pk, end=date(YEAR, 4, 30))
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(county)
    ended = client.post(f"/pv/holders/{held.pk}/end/", {"end": f"{YEAR}-06-30"})
    assert ended.status_code == 302 and ended["Location"] == f"/pv/posts/{job.pk}/"
    held.refresh_from_db()
    assert held.end == date(YEAR, 6, 30)
    with pytest.raises(ValidationError):  # after the term
        services.post_pay_record(
            actor=county, assignment_id=held.pk, month=date(YEAR, 7, 1), paid_on=date(YEAR, 7, 31)
        )
    other = member(county, home, id_number(sequence=5), name="王小明", relation="son")
    services.post_assign(actor=county, post_id=job.pk, member_id=other.pk, start=date(YEAR, 7, 1))
    client.force_login(personas["village_cadre"])
    assert client.post(f"/pv/holders/{held.pk}/end/", {"end": f"{YEAR}-07-31"}).status_code == 403
