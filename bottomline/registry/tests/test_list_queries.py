"""The household list page and the API list at scale (issue #16): the count does not join the members, the
member counts are read for the rows shown only, and the number of queries does not grow with the households."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bottomline.accounts.services import token_create
from bottomline.registry.choices import LABOUR_CAPABLE
from bottomline.registry.models import Household
from bottomline.registry.tests.factories import household, id_number, member

LABOURS = ("ordinary", "none", "skilled", "weak")


def _homes(cadre: Any, village: Any, count: int, start: int) -> None:
    """``count`` households, the i-th with i % 4 members of varying labour (so some have none)."""
    for i in range(count):
        home = household(cadre, village)
        for j in range(i % 4):
            labour = LABOURS[(i + j) % len(LABOURS)]
            relation = "other" if j else "head"  # one head per household
            member(cadre, home, id_number(sequence=start + 4 * i + j), labour=labour, relation=relation)


def _expected() -> list[tuple[int, int, int]]:
    """(id, members, labourers) of every household in list order (village code, number), counted in Python."""
    return [
        (
            h.pk,
            len(people := list(h.members.all())),
            sum(p.labour in LABOUR_CAPABLE for p in people),
        )
        for h in Household.objects.order_by("village__code", "number")
    ]


def _member_queries(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "registry_member" in q["sql"]]


@pytest.mark.django_db
def test_the_list_page_counts_without_members_and_reads_counts_for_the_rows_shown(
    client: Client, tree: Any, personas: dict[str, Any]
) -> None:
    cadre = personas["village_cadre"]
    client.force_login(personas["county_officer"])
    budgets = []
    for round_, more in enumerate((3, 9)):
        _homes(cadre, tree.village, more, start=100 * round_ + 1)
        client.get("/registry/households/")  # sessions, translations and the like warmed up
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/registry/households/")
        assert response.status_code == 200
        budgets.append(len(captured.captured_queries))
        # No query reads the members of the whole region: the counts are read for the page's households.
        for sql in _member_queries(captured):
            assert "regions_region" not in sql, sql
            assert "COUNT(*)" not in sql.upper().replace('"', ""), sql
        page = response.context["page"]
        shown = [(h.pk, h.member_count, h.labour_count) for h in page.object_list]
        assert shown == _expected()
        assert page.count == Household.objects.count()
    assert budgets[0] == budgets[1], budgets  # 3 households or 12: the same queries


@pytest.mark.django_db
def test_the_api_list_counts_without_members(client: Client, tree: Any, personas: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    raw = token_create(user=personas["county_officer"], name="t")[1]
    auth = {"Authorization": f"Bearer {raw}"}
    budgets = []
    for round_, more in enumerate((3, 9)):
        _homes(cadre, tree.village, more, start=100 * round_ + 1)
        client.get("/api/v1/registry/households", headers=auth)
        with CaptureQueriesContext(connection) as captured:
            answer = client.get("/api/v1/registry/households", {"limit": 5, "offset": 1}, headers=auth)
        assert answer.status_code == 200, answer.content
        budgets.append(len(captured.captured_queries))
        # The API shows no member counts: it reads the heads (户主) of the rows shown, and nothing else.
        heads = _member_queries(captured)
        assert len(heads) == 1 and "COUNT" not in heads[0].upper() and "regions_region" not in heads[0], heads
        body = answer.json()
        assert body["count"] == Household.objects.count()
        assert [h["id"] for h in body["results"]] == [pk for pk, _m, _l in _expected()][1:6]
    assert budgets[0] == budgets[1], budgets


@pytest.mark.django_db
def test_the_list_pages_by_keyset_in_list_order(client: Client, tree: Any, personas: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    for _ in range(5):
        household(cadre, tree.village)
    for i in range(2):  # numbers given by hand, sorting before the others: the village's code comes first
        household(personas["township_officer"], tree.sibling_village, number=f"00{i}")
    Household.objects.create(  # outside the viewer's county: never listed
        number="0", village=tree.other_county_village, household_type="lifted", housing_grade="B"
    )
    raw = token_create(user=personas["county_officer"], name="t")[1]
    auth = {"Authorization": f"Bearer {raw}"}
    expected = list(
        Household.objects.filter(village__code__startswith="630106")
        .order_by("village__code", "number")
        .values_list("pk", flat=True)
    )
    # The API: each page starts after the last id of the one before, with no OFFSET however far it goes.
    seen: list[int] = []
    after: int | None = None
    while True:
        with CaptureQueriesContext(connection) as captured:
            body = client.get(
                "/api/v1/registry/households",
                {"limit": 3, **({"after": after} if after else {})},
                headers=auth,
            ).json()
        assert all("OFFSET" not in q["sql"].upper() for q in captured.captured_queries)
        assert body["count"] == len(expected)
        seen += [h["id"] for h in body["results"]]
        after = body["next_after"]
        if after is None:
            break
    assert seen == expected
    # The page: next links forward, previous links back, the same rows in the same order.
    client.force_login(personas["county_officer"])
    page = client.get("/registry/households/", {"size": 3}).context["page"]
    forward = [[h.pk for h in page.object_list]]
    while page.has_next:
        page = client.get("/registry/households/", {"size": 3, "after": page.next_after}).context["page"]
        forward.append([h.pk for h in page.object_list])
    assert [pk for p in forward for pk in p] == expected and [len(p) for p in forward] == [3, 3, 1]
    backward = [[h.pk for h in page.object_list]]
    while page.has_previous:
        page = client.get("/registry/households/", {"size": 3, "before": page.previous_before}).context[
            "page"
        ]
        backward.append([h.pk for h in page.object_list])
    assert backward == forward[::-1]
    assert page.count == len(expected)
