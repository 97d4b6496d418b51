"""The income collection: a household's income page, the village's collection view, the API, and the online
re-evaluation after each saved income (the import is in test_income_import.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bottomline.accounts.services import token_create
from bottomline.engine.models import Current
from bottomline.registry.incomes import collection, income_save, income_update
from bottomline.registry.models import Household, IncomeRecord
from bottomline.registry.tests.factories import household, id_number, member

YEAR = 2025
FIRST, LAST = date(YEAR, 1, 1), date(YEAR, 12, 31)


def _amounts(**given: str) -> dict[str, Decimal | None]:
    return {name: Decimal(value) for name, value in given.items()}


@pytest.fixture
def home(tree: Any, personas: dict[str, Any]) -> Household:
    call_command("policy_seed")  # the monitoring line, for the screening
    cadre = personas["village_cadre"]
    found = household(cadre, tree.village)
    member(cadre, found, id_number(sequence=1))
    member(cadre, found, id_number(birth=date(1988, 1, 1), sequence=2), name="李秀英", relation="spouse")
    return found


@pytest.mark.django_db
def test_net_production_is_income_less_productive_spending_and_the_household_is_evaluated_again(
    home: Household, personas: dict[str, Any]
) -> None:
    cadre = personas["village_cadre"]
    record = income_save(
        actor=cadre,
        household_id=home.pk,
        period_start=FIRST,
        period_end=LAST,
        amounts=_amounts(wage="1000", production_gross="3000", production_expense="2500", transfer="300.50"),
    )
    record.refresh_from_db()
    assert record.production == Decimal("500.00")
    assert (record.production_gross, record.production_expense) == (Decimal("3000"), Decimal("2500"))
    assert record.net_income == Decimal("1800.50") and record.household_size == 2
    assert record.per_capita_net_income == Decimal("900.25")
    assert "income_below_line" in Current.objects.get(household=home).codes
    # A correction of the same period replaces its amounts, and the screening follows at once.
    income_update(actor=cadre, record_id=record.pk, wage=Decimal("60000"))
    record.refresh_from_db()
    assert record.net_income == Decimal("60800.50") and record.production_gross == Decimal("3000")
    assert IncomeRecord.objects.count() == 1
    assert "income_below_line" not in Current.objects.get(household=home).codes


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"wage": "-1"}, "wage"),
        ({"transfer": "1.005"}, "transfer"),
        ({"property_income": "1e30"}, "property_income"),
        ({"other_rigid": "NaN"}, "other_rigid"),
    ],
)
def test_amounts_out_of_range_are_refused_by_field(
    home: Household, personas: dict[str, Any], given: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        income_save(
            actor=personas["village_cadre"],
            household_id=home.pk,
            period_start=FIRST,
            period_end=LAST,
            amounts=_amounts(**given),
        )
    assert list(raised.value.message_dict) == [field]
    assert not IncomeRecord.objects.exists()


@pytest.mark.django_db
def test_writes_keep_to_the_region_and_the_roles(
    home: Household, tree: Any, personas: dict[str, Any]
) -> None:
    kwargs: dict[str, Any] = {
        "household_id": home.pk,
        "period_start": FIRST,
        "period_end": LAST,
        "amounts": {},
    }
    outsider = household(personas["county_officer"], tree.sibling_village)
    member(personas["county_officer"], outsider, id_number(sequence=9))
    with pytest.raises(Http404):
        income_save(actor=personas["village_cadre"], **{**kwargs, "household_id": outsider.pk})
    with pytest.raises(PermissionDenied):
        income_save(actor=personas["auditor"], **kwargs)
    with pytest.raises(ValidationError):
        income_save(actor=personas["village_cadre"], **{**kwargs, "period_end": date(2024, 1, 1)})
    assert not IncomeRecord.objects.exists()


@pytest.mark.django_db
def test_a_correction_is_in_the_change_log_with_its_actor(home: Household, personas: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    with set_actor(cadre):
        record = income_save(
            actor=cadre,
            household_id=home.pk,
            period_start=FIRST,
            period_end=LAST,
            amounts=_amounts(wage="5000"),
        )
        income_update(actor=cadre, record_id=record.pk, wage=Decimal("7000"))
    entries = LogEntry.objects.get_for_object(record).order_by("timestamp")
    assert [e.action for e in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    last = entries.last()
    assert last is not None and last.actor == cadre
    wage = last.changes_dict["wage"]
    assert [Decimal(v) for v in wage] == [Decimal(5000), Decimal(7000)]


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "heading"), [("en", "Record a period"), ("zh-hans", "录入")])
def test_the_cadre_enters_and_corrects_income_on_the_household_page(
    client: Client, home: Household, personas: dict[str, Any], language: str, heading: str
) -> None:
    client.force_login(personas["village_cadre"])
    headers = {"Accept-Language": language}
    detail = client.get(f"/registry/households/{home.pk}/", headers=headers).content.decode()
    assert f"/registry/households/{home.pk}/incomes/" in detail
    url = f"/registry/households/{home.pk}/incomes/"
    page = client.get(url, {"year": YEAR}, headers=headers)
    assert page.status_code == 200 and heading in page.content.decode()
    assert page.context["form"]["period_start"].value() == FIRST
    posted = {
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "wage": "20000",
        "production_gross": "6000",
        "production_expense": "1000",
        "property_income": "",
        "transfer": "2400",
        "medical_out_of_pocket": "800",
        "education_out_of_pocket": "",
        "other_rigid": "",
    }
    response = client.post(url, posted, headers=headers)
    assert response.status_code == 302 and response["Location"] == url
    record = IncomeRecord.objects.get()
    assert record.production == Decimal("5000.00") and record.net_income == Decimal("27400.00")
    assert Current.objects.get(household=home).evaluated_at is not None
    # A bad amount is shown on its field, nothing saved.
    bad = client.post(url, {**posted, "wage": "-5"}, headers=headers)
    assert bad.status_code == 200 and bad.context["form"].errors["wage"]
    edit = f"/registry/incomes/{record.pk}/edit/"
    assert client.get(edit, headers=headers).status_code == 200
    changed = client.post(edit, {**posted, "wage": "21000"}, headers=headers)
    assert changed.status_code == 302
    record.refresh_from_db()
    assert record.wage == Decimal("21000.00")
    entry = LogEntry.objects.get_for_object(record).order_by("timestamp").last()
    assert entry is not None and entry.actor == personas["village_cadre"]  # the middleware names the cadre


@pytest.mark.django_db
def test_readers_see_incomes_but_cannot_enter_them(
    client: Client, home: Household, tree: Any, personas: dict[str, Any]
) -> None:
    income_save(
        actor=personas["village_cadre"],
        household_id=home.pk,
        period_start=FIRST,
        period_end=LAST,
        amounts=_amounts(wage="100"),
    )
    record = IncomeRecord.objects.get()
    client.force_login(personas["auditor"])
    url = f"/registry/households/{home.pk}/incomes/"
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"] is None and page.context["records"] == [record]
    assert client.post(url, {"period_start": "2025-01-01"}).status_code == 403
    assert client.get(f"/registry/incomes/{record.pk}/edit/").status_code == 403
    assert client.get("/registry/incomes/collection/").status_code == 403
    nav = [str(entry.label) for entry in client.get("/").context["nav"]]
    assert "Income collection" not in nav
    client.force_login(personas["village_cadre"])
    nav = [str(entry.label) for entry in client.get("/", headers={"Accept-Language": "en"}).context["nav"]]
    assert "Income collection" in nav
    other = household(personas["county_officer"], tree.sibling_village)
    assert client.get(f"/registry/households/{other.pk}/incomes/").status_code == 404


def _village(actor: Any, village: Any, count: int, *, start: int) -> list[Household]:
    made = []
    for i in range(count):
        home = household(actor, village)
        member(actor, home, id_number(birth=date(1970, 1, 1 + i % 28), sequence=start + i))
        made.append(home)
    return made


@pytest.mark.django_db
def test_the_collection_shows_done_and_to_do_with_the_years_progress(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    cadre = personas["village_cadre"]
    homes = _village(cadre, tree.village, 5, start=100)
    for home in homes[:2]:
        income_save(
            actor=cadre,
            household_id=home.pk,
            period_start=FIRST,
            period_end=LAST,
            amounts=_amounts(wage="9000"),
        )
    income_save(  # another year's income: still to do this year
        actor=cadre,
        household_id=homes[2].pk,
        period_start=date(2024, 1, 1),
        period_end=date(2024, 12, 31),
        amounts=_amounts(wage="9000"),
    )
    _village(personas["township_officer"], tree.sibling_village, 1, start=200)  # not the cadre's village
    page = collection(viewer=cadre, village_code=tree.village.code, year=YEAR, size=3)
    assert (page.total, page.done, page.to_do, page.percent) == (5, 2, 3, 40)
    assert [h.pk for h in page.rows] == [h.pk for h in sorted(homes, key=lambda h: h.number)][:3]
    assert page.next_after == page.rows[-1].pk
    rest = collection(viewer=cadre, village_code=tree.village.code, year=YEAR, size=3, after=page.next_after)
    assert len(rest.rows) == 2 and rest.next_after is None
    todo = collection(viewer=cadre, village_code=tree.village.code, year=YEAR, status="todo")
    assert {h.pk for h in todo.rows} == {h.pk for h in homes[2:]}
    assert all(not h.collected for h in todo.rows)  # type: ignore[attr-defined]
    with pytest.raises(Http404):
        collection(viewer=cadre, village_code=tree.sibling_village.code, year=YEAR)
    client.force_login(cadre)
    response = client.get("/registry/incomes/collection/", {"year": YEAR}, headers={"Accept-Language": "en"})
    body = response.content.decode()
    assert response.status_code == 200 and "2 of 5 households done (40 %), 3 to do." in body
    zh = client.get("/registry/incomes/collection/", {"year": YEAR}, headers={"Accept-Language": "zh-hans"})
    assert "待采集" in zh.content.decode()
    outside = client.get("/registry/incomes/collection/", {"village": tree.sibling_village.code})
    assert outside.status_code == 404
    # The township officer picks among the township's villages.
    client.force_login(personas["township_officer"])
    sibling = client.get(
        "/registry/incomes/collection/", {"village": tree.sibling_village.code, "year": YEAR}
    )
    assert sibling.context["page"].total == 1


@pytest.mark.django_db
def test_a_collection_page_costs_the_same_queries_for_a_small_and_a_larger_village(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    cadre = personas["village_cadre"]
    client.force_login(cadre)
    budgets = []
    for round_, more in enumerate((3, 60)):
        for home in _village(cadre, tree.village, more, start=300 + 100 * round_):
            income_save(
                actor=cadre,
                household_id=home.pk,
                period_start=FIRST,
                period_end=LAST,
                amounts=_amounts(wage="1"),
            )
        client.get("/registry/incomes/collection/", {"year": YEAR})
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/registry/incomes/collection/", {"year": YEAR})
        assert response.status_code == 200
        budgets.append(len(captured.captured_queries))
        assert len(response.context["page"].rows) == min(Household.objects.count(), 50)
    assert budgets[0] == budgets[1], budgets


@pytest.mark.django_db
def test_the_api_lists_records_and_corrects_incomes_with_a_write_token(
    client: Client, home: Household, tree: Any, personas: dict[str, Any]
) -> None:
    cadre = personas["village_cadre"]
    write = {"Authorization": f"Bearer {token_create(user=cadre, name='w', scope='write')[1]}"}
    read = {"Authorization": f"Bearer {token_create(user=cadre, name='r', scope='read')[1]}"}
    url = f"/api/v1/registry/households/{home.pk}/incomes"
    body = {
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "wage": "1000.50",
        "production_gross": "500",
        "production_expense": "200",
    }
    assert client.post(url, body, content_type="application/json", headers=read).status_code == 403
    created = client.post(url, body, content_type="application/json", headers=write)
    assert created.status_code == 201, created.content
    got = created.json()
    assert Decimal(got["production"]) == Decimal("300") and Decimal(got["net_income"]) == Decimal("1300.50")
    assert Decimal(got["per_capita_net_income"]) == Decimal("650.25")
    assert "income_below_line" in Current.objects.get(household=home).codes
    listed = client.get(url, headers=read)
    assert listed.status_code == 200 and [r["id"] for r in listed.json()] == [got["id"]]
    put = client.patch(
        f"/api/v1/registry/incomes/{got['id']}",
        {"wage": "90000"},
        content_type="application/json",
        headers=write,
    )
    assert put.status_code == 200 and Decimal(put.json()["net_income"]) == Decimal("90300")  # the rest stays
    assert "income_below_line" not in Current.objects.get(household=home).codes
    bad = client.post(url, {**body, "wage": "-1"}, content_type="application/json", headers=write)
    assert bad.status_code == 422
    backwards = {**body, "period_end": "2024-01-01"}
    assert client.post(url, backwards, content_type="application/json", headers=write).status_code == 422
    other = household(personas["county_officer"], tree.other_township_village)
    elsewhere = f"/api/v1/registry/households/{other.pk}/incomes"
    assert client.get(elsewhere, headers=read).status_code == 404
    assert client.post(elsewhere, body, content_type="application/json", headers=write).status_code == 404
    assert IncomeRecord.objects.count() == 1


@pytest.mark.django_db
def test_a_record_entered_as_net_production_keeps_it_when_another_amount_is_corrected(
    client: Client, home: Household, personas: dict[str, Any]
) -> None:
    from bottomline.registry.services import income_record

    cadre = personas["village_cadre"]
    record = income_record(  # as a follow-up visit records it: the net figure alone
        actor=cadre, household_id=home.pk, period_start=FIRST, period_end=LAST, production=Decimal("4000")
    )
    client.force_login(cadre)
    edit = client.get(f"/registry/incomes/{record.pk}/edit/")
    assert edit.context["form"]["production_gross"].value() == Decimal("4000.00")
    income_update(actor=cadre, record_id=record.pk, transfer=Decimal("100"))
    record.refresh_from_db()
    assert (record.production, record.transfer) == (Decimal("4000.00"), Decimal("100.00"))
    assert (record.production_gross, record.production_expense) == (Decimal("4000.00"), Decimal("0.00"))


@pytest.mark.django_db
def test_an_income_correction_is_picked_up_by_the_incremental_screening(
    home: Household, personas: dict[str, Any]
) -> None:
    """Issue #16: income records had no updated_at, so an incremental run missed a corrected income."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from bottomline.engine.services import registry_touched

    cadre = personas["village_cadre"]
    recorded = timezone.now()
    with time_machine.travel(recorded, tick=False):
        record = income_save(
            actor=cadre,
            household_id=home.pk,
            period_start=FIRST,
            period_end=LAST,
            amounts=_amounts(wage="9000"),
        )
    since = recorded + timedelta(hours=1)  # the previous run started after the income was recorded
    assert home.pk not in registry_touched(since)
    with time_machine.travel(since + timedelta(hours=1), tick=False):
        income_update(actor=cadre, record_id=record.pk, wage=Decimal("900"))
    assert home.pk in registry_touched(since)
