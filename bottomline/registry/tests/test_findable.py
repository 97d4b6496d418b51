"""Findable households (issue #15 item 7): one search box for a name, a household number or an ID number, kept
out of the URL; a region chosen by name or from a tree inside the viewer's region; the 户主 of every row with a
bounded number of queries."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from bottomline.registry.models import Household
from bottomline.registry.tests.factories import household, id_number, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    """A browser that asks for English (the texts checked are the English ones)."""
    return Client(headers={"Accept-Language": "en"})


@pytest.fixture
def homes(tree: Any, personas: dict[str, Any], make_user: Any) -> dict[str, Any]:
    """马海燕's household in 永丰村 (another member 李小红), 王建国's in 后街村 and, in the sibling county, another
    马海燕's household (out of the township officer's region)."""
    cadre = personas["village_cadre"]
    mine = household(cadre, tree.village)
    member(cadre, mine, id_number(sequence=61), name="马海燕")
    member(cadre, mine, id_number(sequence=62), name="李小红")
    officer = personas["township_officer"]
    sibling = household(officer, tree.sibling_village)
    member(officer, sibling, id_number(sequence=63), name="王建国")
    other_cadre = make_user("village_cadre", tree.other_county_village, username="other-cadre")
    far = household(other_cadre, tree.other_county_village)
    member(other_cadre, far, id_number(area="630121", sequence=64), name="马海燕")
    return {"mine": mine, "sibling": sibling, "far": far, "id": id_number(sequence=62)}


def _search(client: Client, text: str) -> Any:
    posted = client.post("/registry/households/search/", {"q": text})
    assert posted.status_code == 302
    assert text not in posted["Location"]
    return client.get(posted["Location"])


def _found(response: Any) -> list[int]:
    return [h.pk for h in response.context["page"].object_list]


@pytest.mark.parametrize("kind", ["name", "number", "id"])
def test_one_box_finds_by_name_household_number_and_id_number_inside_the_region(
    client: Client, personas: dict[str, Any], homes: dict[str, Any], kind: str
) -> None:
    client.force_login(personas["township_officer"])
    text = {"name": "马海燕", "number": homes["mine"].number, "id": homes["id"]}[kind]
    listed = _search(client, text)
    # 马海燕 of the other county is not found by the township officer of 田家寨镇.
    assert _found(listed) == [homes["mine"].pk]
    page = listed.content.decode()
    said = {
        "name": "Households with a member named",
        "number": "Household number",
        "id": "ID number",
    }[kind]
    assert said in page
    if kind == "id":  # the page says what was searched, the ID number masked
        assert homes["id"] not in page


def test_the_search_box_is_one_field_posted_never_in_a_get_form(
    client: Client, personas: dict[str, Any], homes: dict[str, Any]
) -> None:
    client.force_login(personas["county_officer"])
    page = client.get("/registry/households/").content.decode()
    posted = [f for f in re.findall(r"<form[^>]*>.*?</form>", page, re.S) if 'method="post"' in f]
    assert any('name="q"' in f for f in posted)
    # the whole county finds both 马海燕 (the prefecture's other county is outside it)
    assert _found(_search(client, "马海燕")) == [homes["mine"].pk]
    prefecture = Client(headers={"Accept-Language": "en"})
    prefecture.force_login(personas["prefecture_officer"])
    assert sorted(_found(_search(prefecture, "马海燕"))) == sorted([homes["mine"].pk, homes["far"].pk])


def test_a_number_of_a_household_outside_the_region_finds_nothing(
    client: Client, personas: dict[str, Any], homes: dict[str, Any]
) -> None:
    client.force_login(personas["village_cadre"])
    assert _found(_search(client, homes["far"].number)) == []
    assert _found(_search(client, homes["sibling"].number)) == []  # 后街村 is not the cadre's village
    assert _found(_search(client, homes["mine"].number)) == [homes["mine"].pk]


def test_a_region_typed_by_name_filters_and_an_unknown_name_says_so(
    client: Client, personas: dict[str, Any], homes: dict[str, Any]
) -> None:
    client.force_login(personas["county_officer"])
    # "田家寨" is part of 田家寨镇's name: its households, with the region named on the page.
    listed = client.get("/registry/households/", {"region": "田家寨"})
    assert sorted(_found(listed)) == sorted([homes["mine"].pk, homes["sibling"].pk])
    assert "田家寨镇" in listed.content.decode()
    assert _found(client.get("/registry/households/", {"region": "后街村"})) == [homes["sibling"].pk]
    missing = client.get("/registry/households/", {"region": "没有这个村"})
    assert _found(missing) == []
    assert escape("No region of yours is called “没有这个村”.") in missing.content.decode()
    # A region outside the viewer's (the other county's village) is unknown to them, by name or by code.
    for text in ("桥头村", "630121100201"):
        outside = client.get("/registry/households/", {"region": text})
        assert _found(outside) == [], text
        assert "No region of yours is called" in outside.content.decode()


def test_a_name_of_several_regions_asks_which(
    client: Client, personas: dict[str, Any], homes: dict[str, Any]
) -> None:
    client.force_login(personas["county_officer"])
    listed = client.get("/registry/households/", {"region": "村"})  # 永丰村, 后街村, 大卡阳村
    assert _found(listed) == []
    page = listed.content.decode()
    assert "Several regions are called" in page
    assert "?region=630106100201" in page and "?region=630106100202" in page


def test_the_region_tree_shows_children_of_the_viewers_region_only(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    client.force_login(personas["township_officer"])
    page = client.get("/registry/households/").content.decode()
    assert "永丰村" in page and "后街村" in page  # the township's villages, in the picker
    assert "大卡阳村" not in page
    client.force_login(personas["county_officer"])
    first = client.get("/regions/picker/").content.decode()
    assert "田家寨镇" in first and "上五庄镇" in first and "桥头镇" not in first
    below = client.get("/regions/picker/", {"parent": tree.township.code}).content.decode()
    assert "永丰村" in below and "?region=630106100201" in below and "大卡阳村" not in below
    # a parent outside the viewer's region: nothing to show
    assert client.get("/regions/picker/", {"parent": tree.other_county.code}).status_code == 404


def test_the_list_shows_each_head_with_a_bounded_number_of_queries(
    client: Client, tree: Any, personas: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    cadre = personas["village_cadre"]
    for i in range(12):
        home = household(cadre, tree.village)
        member(cadre, home, id_number(sequence=100 + 2 * i), name=f"户主{i:02d}")
        member(cadre, home, id_number(sequence=101 + 2 * i), name=f"家人{i:02d}", relation="spouse")
    household(cadre, tree.village)  # no members yet: no head
    client.force_login(personas["county_officer"])
    client.get("/registry/households/")  # warmed up
    with django_assert_max_num_queries(12):
        listed = client.get("/registry/households/")
    page = listed.content.decode()
    assert "head of household (户主)" in page
    heads = {h.pk: h.head_name for h in listed.context["page"].object_list}
    assert sorted(v for v in heads.values() if v) == [f"户主{i:02d}" for i in range(12)]
    assert sum(v is None for v in heads.values()) == 1
    assert all(f"户主{i:02d}" in page for i in range(12)) and "家人00" not in page
    assert Household.objects.count() == 13


def test_the_api_list_gives_the_head(client: Client, tree: Any, personas: dict[str, Any]) -> None:
    from bottomline.accounts.services import token_create

    cadre = personas["village_cadre"]
    home = household(cadre, tree.village)
    member(cadre, home, id_number(sequence=90), name="马海燕")
    raw = token_create(user=personas["county_officer"], name="t")[1]
    rows = client.get("/api/v1/registry/households", headers={"Authorization": f"Bearer {raw}"}).json()
    assert [r["head_name"] for r in rows["results"]] == ["马海燕"]


def test_the_next_pages_do_not_count_the_region_again(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):
        household(personas["village_cadre"], tree.village)
    client.force_login(personas["county_officer"])
    first = client.get("/registry/households/", {"size": 2})
    assert first.context["page"].count == 5
    link = re.search(r'href="\?([^"]*after=\d+[^"]*)"', first.content.decode())
    assert link, first.content.decode()
    with CaptureQueriesContext(connection) as captured:
        second = client.get(f"/registry/households/?{link.group(1).replace('&amp;', '&')}")
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert [q for q in counts if "registry_household" in q and "registry_member" not in q] == []
    assert second.context["page"].count == 5 and "5 households" in second.content.decode()
