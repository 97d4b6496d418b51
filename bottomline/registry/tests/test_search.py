"""A search by name, ID number or phone never puts them in a URL (so not in browser history, htmx's pushed URLs
or an access log): the page posts them and lists under a random token kept in the session; the API takes them
in a POST body."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

import pytest
from django.test import Client

from bottomline.accounts.services import token_create
from bottomline.registry.tests.factories import household, id_number, member

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


@pytest.fixture
def homes(tree: Any, personas: dict[str, Any]) -> dict[str, Any]:
    cadre = personas["village_cadre"]
    found = household(cadre, tree.village, phone=PHONE)
    member(cadre, found, id_number(sequence=51), name="马海燕")
    other = household(cadre, tree.village, household_type="ordinary")
    member(cadre, other, id_number(sequence=52), name="王建国")
    return {"found": found, "other": other, "number": id_number(sequence=51)}


def _private_in(url: str, homes: dict[str, Any]) -> list[str]:
    """The personal data of the search that a URL carries, plainly or percent-encoded."""
    private = (homes["number"], PHONE, "马海燕")
    return [v for v in private if v in url or quote(v) in url or quote_plus(v) in url]


@pytest.mark.parametrize(
    "search", [{"id_number": "ID"}, {"phone": PHONE}, {"name": "马海燕"}], ids=["id", "phone", "name"]
)
def test_the_page_searches_by_post_and_lists_under_a_token(
    client: Client, personas: dict[str, Any], homes: dict[str, Any], search: dict[str, str]
) -> None:
    search = {k: homes["number"] if v == "ID" else v for k, v in search.items()}
    client.force_login(personas["county_officer"])
    page = client.get("/registry/households/").content.decode()
    for form in re.findall(r"<form[^>]*>.*?</form>", page, re.S):
        if 'method="post"' not in form:  # a GET form's fields end up in the URL
            assert not re.search(r'name="(q|id_number|phone|name)"', form), form
    # One search box (issue #15 item 7): the text says which it is.
    posted = client.post(
        "/registry/households/search/", {"q": next(iter(search.values())), "household_type": ""}
    )
    assert posted.status_code == 302
    location = posted["Location"]
    assert _private_in(location, homes) == [] and "person=" in location
    listed = client.get(location)
    assert [h.pk for h in listed.context["page"].object_list] == [homes["found"].pk]
    # The export and the next page carry the token, not the search.
    export = client.get(f"/registry/households/export/?{urlsplit(location).query}&format=csv")
    assert "马海燕" in export.content.decode("utf-8-sig") and "王建国" not in export.content.decode(
        "utf-8-sig"
    )
    # Another session does not know the token: it finds nobody rather than everybody.
    other = Client()
    other.force_login(personas["county_officer"])
    assert list(other.get(location).context["page"].object_list) == []


def test_the_api_searches_by_post_body(
    client: Client, personas: dict[str, Any], homes: dict[str, Any]
) -> None:
    raw = token_create(user=personas["county_officer"], name="t")[1]
    auth = {"Authorization": f"Bearer {raw}"}
    for body in ({"id_number": homes["number"]}, {"phone": PHONE}, {"name": "马海燕"}):
        answer = client.post(
            "/api/v1/registry/households/search", body, content_type="application/json", headers=auth
        )
        assert answer.status_code == 200, answer.content
        assert [h["id"] for h in answer.json()["results"]] == [homes["found"].pk], body
    # The query string of the list takes no personal data: such a parameter is refused, not silently ignored.
    for query in ({"id_number": homes["number"]}, {"name": "马海燕"}, {"phone": PHONE}):
        assert client.get("/api/v1/registry/households", query, headers=auth).status_code == 422, query
    assert (
        client.get("/api/v1/registry/households", {"household_type": "ordinary"}, headers=auth).json()[
            "count"
        ]
        == 1
    )
