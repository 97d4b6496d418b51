"""Registry pages, API and exports: what a cadre does, and that numbers stay masked everywhere."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.test import Client
from python_calamine import CalamineWorkbook

from bottomline.audit.models import Event, EventKind
from bottomline.registry.exports import neutralise
from bottomline.registry.models import Household, Member
from bottomline.registry.tests.factories import household, id_number, member

PHONE = "13987654321"
ID_PATTERN = re.compile(r"\d{17}[\dX]")


@pytest.fixture
def archive(tree: Any, personas: dict[str, Any]) -> dict[str, Any]:
    cadre = personas["village_cadre"]
    home = household(cadre, tree.village, phone=PHONE)
    numbers = [id_number(sequence=s) for s in (31, 32)]
    people = [
        member(cadre, home, numbers[0]),
        member(cadre, home, numbers[1], name='=HYPERLINK("x")', relation="spouse"),
    ]
    return {"household": home, "numbers": numbers, "members": people}


@pytest.mark.django_db
def test_cadre_registers_a_household_and_a_member_through_the_pages(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    client.force_login(personas["village_cadre"])
    response = client.post(
        "/registry/households/new/",
        {
            "village": tree.village.pk,
            "household_type": "ordinary",
            "welfare": "none",
            "housing_grade": "A",
            "safe_water": "on",
            "phone": "0971-1234567",
        },
    )
    home = Household.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/registry/households/{home.pk}/"
    number = id_number(sequence=41)
    form = {
        "name": "马海燕",
        "id_number": number,
        "relation": "head",
        "ethnicity": "回族",
        "education": "primary",
        "student_status": "none",
        "health": "healthy",
        "labour": "ordinary",
        "months_worked": "6",
        "medical_insurance": "on",
        "serious_illness_insurance": "on",
    }
    assert client.post(f"/registry/households/{home.pk}/members/new/", form).status_code == 302
    again = client.post(f"/registry/households/{home.pk}/members/new/", form)
    assert again.status_code == 200
    assert "already registered" in again.content.decode() or "已" in again.content.decode()
    assert Member.objects.get().ethnicity == "回族"


@pytest.mark.django_db
def test_bad_id_number_is_shown_on_its_field_in_both_languages(
    client: Client, tree: Any, personas: dict[str, Any], archive: dict[str, Any]
) -> None:
    client.force_login(personas["village_cadre"])
    form = {
        "name": "x",
        "id_number": "6.30106E+17",
        "relation": "son",
        "ethnicity": "汉族",
        "education": "primary",
        "student_status": "none",
        "health": "healthy",
        "labour": "none",
        "months_worked": "0",
    }
    url = f"/registry/households/{archive['household'].pk}/members/new/"
    english = client.post(url, form, headers={"Accept-Language": "en"}).context["form"]
    assert "spreadsheet" in " ".join(english.errors["id_number"])


@pytest.mark.django_db
def test_household_list_filters_and_finds_an_exact_id(
    client: Client, personas: dict[str, Any], archive: dict[str, Any], tree: Any
) -> None:
    other = household(personas["village_cadre"], tree.village, household_type="ordinary")
    client.force_login(personas["county_officer"])
    searched = client.post("/registry/households/search/", {"q": archive["numbers"][1]})
    by_id = client.get(searched["Location"]).context["page"].object_list
    assert [h.pk for h in by_id] == [archive["household"].pk]
    by_type = client.get("/registry/households/", {"household_type": "ordinary"}).context["page"].object_list
    assert [h.pk for h in by_type] == [other.pk]
    listed = client.get("/registry/households/").context["page"].object_list
    assert {h.pk: h.member_count for h in listed} == {archive["household"].pk: 2, other.pk: 0}


def _leaks(text: str, archive: dict[str, Any]) -> list[str]:
    return [n for n in [*archive["numbers"], PHONE] if n in text]


@pytest.mark.django_db
def test_no_page_or_api_answer_shows_a_full_number_to_a_role_without_reveal(
    client: Client, personas: dict[str, Any], archive: dict[str, Any]
) -> None:
    from bottomline.accounts.services import token_create

    home, person = archive["household"], archive["members"][0]
    pages = [
        "/",
        "/registry/households/",
        f"/registry/households/{home.pk}/",
        f"/registry/households/{home.pk}/edit/",
        "/registry/households/export/?format=csv",
        "/audit/",
        "/jobs/",
    ]
    apis = [
        "/api/v1/registry/households",
        f"/api/v1/registry/households/{home.pk}",
        f"/api/v1/registry/members/{person.pk}",
    ]
    for role in ("province_officer", "prefecture_officer", "auditor", "county_officer"):
        user = personas[role]
        client.force_login(user)
        for url in pages:
            response = client.get(url)
            assert not _leaks(response.content.decode("utf-8-sig", errors="replace"), archive), (role, url)
        token = token_create(user=user, name="t")[1]
        for url in apis:
            response = client.get(url, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200 and not _leaks(response.content.decode(), archive), (role, url)
    assert not Event.objects.filter(kind=EventKind.REVEAL).exists()


@pytest.mark.django_db
def test_reveal_shows_one_value_and_is_audited(
    client: Client, personas: dict[str, Any], archive: dict[str, Any]
) -> None:
    client.force_login(personas["village_cadre"])
    person = archive["members"][0]
    response = client.post(f"/registry/members/{person.pk}/reveal/")
    assert (
        archive["numbers"][0] in response.content.decode()
        and archive["numbers"][1] not in response.content.decode()
    )
    assert Event.objects.get(kind=EventKind.REVEAL).target == f"member:{person.pk}:id_number"
    phone = client.post(f"/registry/households/{archive['household'].pk}/reveal-phone/")
    assert PHONE in phone.content.decode()


@pytest.mark.django_db
def test_csv_export_is_masked_formula_safe_and_audited(
    client: Client, personas: dict[str, Any], archive: dict[str, Any]
) -> None:
    client.force_login(personas["township_officer"])
    response = client.get("/registry/households/export/", {"format": "csv"})
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 3 and not _leaks(text, archive)
    names = {r[4] for r in rows[1:]}
    assert '\'=HYPERLINK("x")' in names  # neutralised, not a formula
    assert {r[5] for r in rows[1:]} == {n[:3] + "*" * 14 + n[-1] for n in archive["numbers"]}
    assert Event.objects.get(kind=EventKind.EXPORT).detail == {"households": 1}


@pytest.mark.django_db
def test_xlsx_export_keeps_masked_ids_as_text(
    client: Client, personas: dict[str, Any], archive: dict[str, Any], tmp_path: Any
) -> None:
    client.force_login(personas["county_officer"])
    response = client.get("/registry/households/export/", {"format": "xlsx"})
    path = tmp_path / "roster.xlsx"
    path.write_bytes(response.content)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert len(rows) == 3
    assert all(isinstance(cell, str) for row in rows for cell in row)
    assert not _leaks(str(rows), archive)


@pytest.mark.parametrize("value", ["=1+1", "+86", "-5", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_neutralised(value: str) -> None:
    assert neutralise(value) == "'" + value
    assert neutralise("王") == "王"


@pytest.mark.django_db
def test_household_page_says_why_with_the_numbers(
    client: Client, personas: dict[str, Any], archive: dict[str, Any]
) -> None:
    from datetime import date
    from decimal import Decimal

    from django.core.management import call_command

    from bottomline.registry.services import income_record

    call_command("policy_seed")
    home = archive["household"]
    income_record(
        actor=personas["village_cadre"],
        household_id=home.pk,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        wage=Decimal("8000"),
        production=Decimal("2460"),
    )
    client.force_login(personas["county_officer"])
    english = client.get(f"/registry/households/{home.pk}/", headers={"Accept-Language": "en"})
    assert "per-capita net income 5,230 &lt; line 6,700" in english.content.decode()
    assert english.context["screening"].category == 1
