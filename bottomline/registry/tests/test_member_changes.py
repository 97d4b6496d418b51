"""Issue #14, items 2–4: members change through audited services, one head per household, household numbers
that never collide, and edits that never silently overwrite each other."""

from __future__ import annotations

import threading
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import translation

from bottomline.accounts.services import token_create
from bottomline.registry import services
from bottomline.registry.models import Household, Member, MemberMove
from bottomline.registry.services import (
    EditConflict,
    HouseholdConflict,
    household_head_change,
    household_update,
    member_id_correct,
    member_join,
    member_move,
    member_update,
)
from bottomline.registry.tests.factories import household, id_number, member
from bottomline.registry.tests.test_import import HEADINGS, rows, run, write_csv


def _parallel(count: int, work: Any) -> list[str]:
    """Run ``work(i)`` in ``count`` threads started together, each on its own connection; the outcomes."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = [""] * count

    def run_one(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = work(i)
        except Exception as exc:
            outcomes[i] = f"error: {type(exc).__name__}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run_one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


# Household numbers (item 3)


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_registrations_in_one_village_get_distinct_numbers(
    tree: Any, personas: dict[str, Any]
) -> None:
    cadre = personas["village_cadre"]

    def register(i: int) -> str:
        return household(cadre, tree.village).number

    numbers = _parallel(20, register)
    assert not [n for n in numbers if n.startswith("error")], numbers
    assert len(set(numbers)) == 20 and Household.objects.count() == 20


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_registrations_through_the_api_are_all_created(
    tree: Any, personas: dict[str, Any]
) -> None:
    token = token_create(user=personas["village_cadre"], name="test")[1]
    body = {"village_code": tree.village.code, "household_type": "ordinary", "housing_grade": "A"}

    def post(i: int) -> str:
        response = Client().post(
            "/api/v1/registry/households",
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        return str(response.status_code) if response.status_code != 201 else response.json()["number"]

    answers = _parallel(20, post)
    assert len(set(answers)) == 20 and all(a.startswith(tree.village.code) for a in answers), answers


@pytest.mark.django_db
def test_a_number_imported_out_of_sequence_blocks_nothing(tree: Any, personas: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    code = tree.village.code
    household(cadre, tree.village, number=f"{code}0002")  # as an import could have it
    household(cadre, tree.village, number=f"{code}0041")
    made = [household(cadre, tree.village).number for _ in range(3)]
    assert made == [f"{code}0001", f"{code}0042", f"{code}0043"]


@pytest.mark.django_db
def test_a_remaining_number_conflict_is_a_409(
    tree: Any, personas: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    cadre = personas["village_cadre"]
    taken = household(cadre, tree.village)
    # A number the counter could not know of (written past it while this registration ran).
    monkeypatch.setattr(services, "_number_next", lambda village, counter: taken.number)
    with pytest.raises(HouseholdConflict):
        household(cadre, tree.village)
    token = token_create(user=cadre, name="test")[1]
    response = Client().post(
        "/api/v1/registry/households",
        {"village_code": tree.village.code, "household_type": "ordinary", "housing_grade": "A"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )
    assert response.status_code == 409 and taken.number in response.json()["detail"]
    client = Client()
    client.force_login(cadre)
    page = client.post("/registry/households/new/", _household_form(tree), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "is taken" in page.content.decode()
    assert Household.objects.count() == 1


# Double submit and two sessions (item 4)


def _household_form(tree: Any, **extra: str) -> dict[str, Any]:
    return {
        "village": tree.village.pk,
        "household_type": "ordinary",
        "welfare": "none",
        "housing_grade": "A",
        "safe_water": "on",
        **extra,
    }


@pytest.mark.django_db
def test_a_double_submitted_registration_makes_one_household(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    client.force_login(personas["village_cadre"])
    page = client.get("/registry/households/new/").content.decode()
    token = page.split('name="submit_token" value="')[1].split('"')[0]
    form = _household_form(tree, submit_token=token)
    first = client.post("/registry/households/new/", form)
    second = client.post("/registry/households/new/", form)
    home = Household.objects.get()
    assert first["Location"] == second["Location"] == f"/registry/households/{home.pk}/"


@pytest.mark.django_db(transaction=True)
def test_a_registration_sent_twice_at_once_makes_one_household(tree: Any, personas: dict[str, Any]) -> None:
    cadre, token = personas["village_cadre"], uuid.uuid4()

    def register(i: int) -> str:
        return household(cadre, tree.village, submit_token=token).number

    outcomes = _parallel(5, register)
    assert len(set(outcomes)) == 1 and Household.objects.count() == 1, outcomes


@pytest.mark.django_db
def test_the_later_of_two_household_edits_is_told_the_other_change(
    tree: Any, personas: dict[str, Any]
) -> None:
    cadre = personas["village_cadre"]
    home = household(cadre, tree.village)
    seen = home.version
    household_update(actor=cadre, household_id=home.pk, version=seen, village_group="3社")
    with pytest.raises(EditConflict) as caught, translation.override("en"):
        household_update(actor=cadre, household_id=home.pk, version=seen, housing_grade="C")
    assert [(c.before, c.after) for c in caught.value.changes] == [("", "3社")]
    assert Household.objects.get(pk=home.pk).housing_grade == "B"  # the later save changed nothing


@pytest.mark.django_db
def test_two_sessions_editing_a_household_page_the_second_sees_the_conflict(
    tree: Any, personas: dict[str, Any], make_user: Any
) -> None:
    home = household(personas["village_cadre"], tree.village)
    first, second = Client(), Client()
    first.force_login(personas["village_cadre"])
    second.force_login(make_user("village_cadre", tree.village, username="second-cadre"))
    url = f"/registry/households/{home.pk}/edit/"
    forms = []
    for client in (first, second):
        page = client.get(url).content.decode()
        forms.append(page.split('name="version" value="')[1].split('"')[0])
    saved = first.post(url, {**_household_form(tree, village_group="3社"), "version": forms[0]})
    assert saved.status_code == 302
    refused = second.post(
        url,
        {**_household_form(tree, housing_grade="D"), "version": forms[1]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = refused.content.decode()
    assert refused.status_code == 409 and "Someone else saved" in body
    assert "3社" in body and "village_cadre" in body  # what they changed, and who
    assert Household.objects.get(pk=home.pk).housing_grade == "A"
    again = second.post(url, {**_household_form(tree, housing_grade="D"), "version": str(int(forms[1]) + 1)})
    assert again.status_code == 302  # saved on purpose, having seen the other change
    assert Household.objects.values_list("village_group", "housing_grade").get() == ("", "D")


@pytest.mark.django_db
def test_the_later_of_two_member_edits_is_refused(tree: Any, personas: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    head = member(cadre, household(cadre, tree.village), id_number(sequence=1))
    member_update(actor=cadre, member_id=head.pk, version=head.version, months_worked=6)
    with pytest.raises(EditConflict) as caught:
        member_update(actor=cadre, member_id=head.pk, version=head.version, months_worked=2)
    assert [(c.before, c.after) for c in caught.value.changes] == [("0", "6")]
    assert Member.objects.get(pk=head.pk).months_worked == 6


@pytest.mark.django_db
def test_the_api_answers_409_with_the_other_change(tree: Any, personas: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    head = member(cadre, household(cadre, tree.village), id_number(sequence=1))
    headers = {"Authorization": f"Bearer {token_create(user=cadre, name='test')[1]}", "Accept-Language": "en"}
    client = Client()
    url = f"/api/v1/registry/members/{head.pk}"
    seen = client.get(url, headers=headers).json()["version"]
    first = client.patch(
        url, {"version": seen, "months_worked": 7}, content_type="application/json", headers=headers
    )
    assert first.status_code == 200 and first.json()["version"] == seen + 1
    second = client.patch(
        url, {"version": seen, "labour": "weak"}, content_type="application/json", headers=headers
    )
    assert second.status_code == 409 and "0 → 7" in second.json()["detail"]
    assert Member.objects.get(pk=head.pk).labour == "ordinary"
    home_url = f"/api/v1/registry/households/{head.household_id}"
    version = client.get(home_url, headers=headers).json()["version"]
    for expected in (200, 409):
        answer = client.patch(
            home_url,
            {"version": version, "housing_grade": "C"},
            content_type="application/json",
            headers=headers,
        )
        assert answer.status_code == expected


# Members change (item 2)


@pytest.mark.django_db
def test_a_household_has_exactly_one_head(tree: Any, personas: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    home = household(cadre, tree.village)
    with pytest.raises(ValidationError) as caught:
        member(cadre, home, id_number(sequence=1), relation="son")
    assert (
        caught.value.code == "no_head" if hasattr(caught.value, "code") else "relation" in str(caught.value)
    )
    head = member(cadre, home, id_number(sequence=2), relation="head")
    with pytest.raises(ValidationError):
        member(cadre, home, id_number(sequence=3), relation="head")
    wife = member(cadre, home, id_number(birth=date(1987, 1, 1), sequence=4), relation="spouse")
    with pytest.raises(ValidationError):
        member_update(actor=cadre, member_id=wife.pk, relation="head")
    with pytest.raises(ValidationError):
        member_update(actor=cadre, member_id=head.pk, relation="other")
    household_head_change(
        actor=cadre, household_id=home.pk, new_head_id=wife.pk, former_head_relation="spouse"
    )
    assert dict(Member.objects.values_list("pk", "relation")) == {head.pk: "spouse", wife.pk: "head"}


@pytest.mark.django_db
def test_the_head_leaves_only_with_a_new_head_named(tree: Any, personas: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    home = household(cadre, tree.village)
    head = member(cadre, home, id_number(sequence=1))
    son = member(cadre, home, id_number(birth=date(2005, 1, 1), sequence=2), relation="son")
    with pytest.raises(ValidationError):
        member_move(actor=cadre, member_id=head.pk, reason="death", moved_on=date(2026, 1, 5))
    member_move(actor=cadre, member_id=head.pk, reason="death", moved_on=date(2026, 1, 5), new_head_id=son.pk)
    assert Member.objects.get(pk=son.pk).relation == "head"
    assert Member.objects.get(pk=head.pk).household is None


@pytest.mark.django_db
def test_birth_marriage_in_and_out_and_a_move_to_another_village_keep_history(
    tree: Any, personas: dict[str, Any], make_user: Any
) -> None:
    officer = personas["county_officer"]
    home, there = household(officer, tree.village), household(officer, tree.sibling_village)
    member(officer, home, id_number(sequence=1))
    member(officer, there, id_number(birth=date(1960, 1, 1), sequence=2))
    baby = member_join(
        actor=officer,
        household_id=home.pk,
        name="王小宝",
        id_number=id_number(birth=date(2025, 3, 1), sequence=3),
        relation="son",
        labour="none",
        education="preschool",
        joined="birth",
        joined_on=date(2025, 3, 1),
    ).member
    bride = member_join(
        actor=officer,
        household_id=home.pk,
        name="马丽",
        id_number=id_number(birth=date(1999, 4, 1), sequence=4),
        relation="child_in_law",
        labour="ordinary",
        education="senior",
        joined="marriage",
        joined_on=date(2025, 6, 1),
    ).member
    member_move(
        actor=officer,
        member_id=bride.pk,
        reason="split",
        moved_on=date(2026, 2, 1),
        to_household_id=there.pk,
        relation="child_in_law",
    )
    member_move(actor=officer, member_id=baby.pk, reason="moved_away", moved_on=date(2026, 3, 1))
    history = list(MemberMove.objects.values_list("member_id", "reason", "from_household", "to_household"))
    assert history == [
        (baby.pk, "birth", None, home.pk),
        (baby.pk, "moved_away", home.pk, None),
        (bride.pk, "marriage", None, home.pk),
        (bride.pk, "split", home.pk, there.pk),
    ]
    assert Member.objects.get(pk=bride.pk).household_id == there.pk


@pytest.mark.django_db
def test_an_id_correction_needs_a_reason_and_the_change_log_keeps_it(
    tree: Any, personas: dict[str, Any]
) -> None:
    cadre = personas["village_cadre"]
    wrong, right = id_number(sequence=1), id_number(birth=date(1986, 6, 15), sequence=1)
    person = member(cadre, household(cadre, tree.village), wrong)
    with pytest.raises(ValidationError):
        member_id_correct(actor=cadre, member_id=person.pk, id_number=right, reason=" ")
    member_id_correct(actor=cadre, member_id=person.pk, id_number=right, reason="户口本核对")
    person.refresh_from_db()
    assert person.birth_date == date(1986, 6, 15) and person.id_number_masked[-1] == right[-1]
    entry = LogEntry.objects.get_for_object(person).filter(additional_data__reason="户口本核对").get()
    assert entry.actor == cadre and "id_number_masked" in entry.changes_dict
    assert wrong not in str(entry.changes) and right not in str(entry.changes)


# Pages


@pytest.mark.django_db
def test_member_selects_start_empty(client: Client, tree: Any, personas: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    home = household(cadre, tree.village)
    client.force_login(cadre)
    page = client.get(f"/registry/households/{home.pk}/members/new/").content.decode()
    for name in ("relation", "education", "labour"):
        select = page.split(f'name="{name}"')[1].split("</select>")[0]
        assert "selected" not in select or 'value="" selected' in select, name
    form = {
        "name": "王小宝",
        "id_number": id_number(birth=date(2010, 5, 5), sequence=8),
        "months_worked": "0",
    }
    refused = client.post(f"/registry/households/{home.pk}/members/new/", form)
    assert refused.status_code == 200 and not Member.objects.exists()


@pytest.mark.django_db
def test_member_pages_edit_correct_and_move(client: Client, tree: Any, personas: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    home, other = household(cadre, tree.village), household(cadre, tree.village)
    head = member(cadre, home, id_number(sequence=1))
    daughter = member(cadre, home, id_number(birth=date(2000, 1, 1), sequence=2), relation="daughter")
    member(cadre, other, id_number(birth=date(1970, 1, 1), sequence=3))
    client.force_login(cadre)
    edit = client.get(f"/registry/members/{daughter.pk}/edit/")
    assert edit.status_code == 200
    values = {
        "name": "王芳",
        "relation": "daughter",
        "ethnicity": "汉族",
        "education": "tertiary",
        "student_status": "none",
        "health": "healthy",
        "labour": "skilled",
        "months_worked": "10",
        "medical_insurance": "on",
        "serious_illness_insurance": "on",
        "version": "0",
    }
    assert client.post(f"/registry/members/{daughter.pk}/edit/", values).status_code == 302
    assert Member.objects.get(pk=daughter.pk).months_worked == 10
    right = id_number(birth=date(2000, 1, 2), sequence=2)
    correct = client.post(
        f"/registry/members/{daughter.pk}/correct-id/", {"id_number": right, "reason": "核对", "version": "1"}
    )
    assert correct.status_code == 302
    move = {
        "reason": "marriage",
        "moved_on": "2026-05-01",
        "to_household": other.number,
        "relation": "child_in_law",
        "version": "2",
    }
    refused = client.post(
        f"/registry/members/{head.pk}/move/",
        {"reason": "death", "moved_on": "2026-06-01", "version": "0"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 200 and "exactly one head" in refused.content.decode()
    assert client.post(f"/registry/members/{daughter.pk}/move/", move).status_code == 302
    assert Member.objects.get(pk=daughter.pk).household_id == other.pk
    detail = client.get(f"/registry/households/{home.pk}/").content.decode()
    assert "Marriage" in detail or "婚嫁" in detail  # the household's history


# Import


@pytest.mark.django_db
def test_the_import_refuses_a_second_head_or_none(
    tmp_path: Path, tree: Any, personas: dict[str, Any]
) -> None:
    data = rows(tree)
    data[1][HEADINGS.index("与户主关系")] = "户主"  # H001: two heads
    data[2][HEADINGS.index("与户主关系")] = "之子"  # H002: none
    report = run(write_csv(tmp_path / "heads.csv", data), personas["county_officer"])
    assert {(e.row, e.column) for e in report.errors} == {(3, "与户主关系"), (4, "与户主关系")}
    assert not Household.objects.exists()
    fixed = rows(tree)
    assert run(write_csv(tmp_path / "good.csv", fixed), personas["county_officer"]).errors == []
    more = [list(fixed[1])]
    more[0][HEADINGS.index("证件号码")] = id_number(birth=date(1991, 1, 1), sequence=9)
    more[0][HEADINGS.index("与户主关系")] = "户主"  # H001 has its head in the database
    report = run(write_csv(tmp_path / "more.csv", more), personas["county_officer"])
    assert [(e.row, e.column) for e in report.errors] == [(2, "与户主关系")]


@pytest.mark.django_db
def test_the_migration_keeps_the_first_of_two_heads(tree: Any, personas: dict[str, Any]) -> None:
    import importlib

    from django.apps import apps

    cadre = personas["village_cadre"]
    home = household(cadre, tree.village)
    first = member(cadre, home, id_number(sequence=1))
    second = member(cadre, home, id_number(sequence=2), relation="spouse")
    table = Member._meta.db_table
    with connection.cursor() as cursor:  # as a database written before the constraint could hold them
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks: the index can be made again
        cursor.execute("DROP INDEX member_one_head_per_household")
        cursor.execute(f"UPDATE {table} SET relation = 'head' WHERE id = %s", [second.pk])  # noqa: S608
        module = importlib.import_module("bottomline.registry.migrations.0007_member_changes")
        module.extra_heads_demoted(apps, None)
        cursor.execute(
            f"CREATE UNIQUE INDEX member_one_head_per_household ON {table} (household_id) "
            "WHERE relation = 'head'"
        )
    assert dict(Member.objects.values_list("pk", "relation")) == {first.pk: "head", second.pk: "other"}
