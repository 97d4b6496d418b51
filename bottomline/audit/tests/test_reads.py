"""Reads of personal data are audited, one event per request, and so are attempts outside the region.

The permission matrix's URL table drives the test: every page, API operation and export that a role without
the right to reveal can reach is requested in each scope, and an answer that shows personal data (a name, a
masked number) or hands over a file must have left exactly one audit event; a 404 outside the region too.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from bottomline.accounts.tests.test_permission_matrix import (  # the matrix's table, world and requests
    SCOPE_REGION,
    SCOPES,
    TABLE,
    VISIBLE,
    build_url,
    request,
    succeeded,
    url_patterns,
    world,  # noqa: F401  (a fixture, used by name below)
)
from bottomline.audit.models import Event, EventKind
from bottomline.registry.models import Household
from bottomline.registry.tests.factories import household, id_number, member

# What only personal data looks like in these answers: the test persons' names, masked numbers and the
# households' numbers.
NAMES = ("王建国", "李四", "****")
READS = {EventKind.READ, EventKind.EXPORT}


def _personal(response: Any, markers: tuple[str, ...]) -> bool:
    if response.has_header("Content-Disposition") or not response["Content-Type"].startswith(
        ("text/", "application/json")
    ):
        return True  # a file handed over: an export, an attachment
    text = response.content.decode()
    return any(marker in text for marker in markers)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["auditor", "province_officer"])  # read the archive, reveal nothing
def test_every_read_of_personal_data_and_every_attempt_outside_the_region_is_one_event(
    world: dict[str, Any],  # noqa: F811  (the matrix's fixture, imported above)
    client: Client,
    role: str,
) -> None:
    from conftest import ROLE_HOME

    tree = world["tree"]
    auditor = world["personas"][role]
    client.force_login(auditor)
    patterns = {k: p for k, p, _r in url_patterns()}
    markers = NAMES + tuple(Household.objects.values_list("number", flat=True))
    personal, missing = set(), []
    for key, spec in sorted(TABLE.items()):
        if spec.method != "get" or role not in spec.roles or spec.own_account:
            continue
        for scope in SCOPES if spec.kind else (None,):
            kwargs = world["objects"][(spec.kind, scope)] if spec.kind else {}
            url = build_url(key, patterns[key], kwargs)
            before = Event.objects.count()
            if spec.api:
                response = request(client, spec, url, world["tokens"][role], kwargs)
            else:
                response = client.get(url)
            new = list(Event.objects.order_by("id")[before:])
            outside = scope is not None and scope not in VISIBLE[ROLE_HOME[role]] and spec.kind != "template"
            if outside:
                assert response.status_code == 404, (url, response.status_code)
                region = getattr(tree, SCOPE_REGION[str(scope)])
                if [(e.kind, e.actor, e.region_id) for e in new] != [
                    (EventKind.OUT_OF_SCOPE, auditor, region.pk)
                ]:
                    missing.append((url, "out of scope", [(e.kind, e.region_id) for e in new]))
            elif succeeded(response) and _personal(response, markers):
                personal.add(key)
                if [(e.kind in READS, e.actor) for e in new] != [(True, auditor)] or new[0].region is None:
                    missing.append((url, "read", [(e.kind, e.region_id) for e in new]))
    assert missing == [], "\n".join(map(str, missing))
    # The markers find what they should: the answers below show personal data.
    assert {
        "registry:household_list",
        "registry:household_detail",
        "registry:household_export",
        "api:household_list",
        "api:household_detail",
        "api:member_detail",
        "api:case_list",
        "api:monitoring_lead_list",
        "feeds:batch_unmatched",
        "monitoring:case_detail",
        "monitoring:case_file",
        "api:case_detail",
        "portal:declaration_detail",
        "api:portal_declaration_list",
    } <= personal


@pytest.mark.django_db
def test_a_search_by_id_number_is_audited_without_the_number(
    client: Client,
    world: dict[str, Any],  # noqa: F811  (the module's tree and personas: the matrix's world, made once)
) -> None:
    tree, personas = world["tree"], world["personas"]
    cadre = personas["village_cadre"]
    number = id_number(sequence=7)
    home = household(cadre, tree.village)
    member(cadre, home, number)
    client.force_login(personas["province_officer"])
    # Searched by POST (no number in a URL), then listed under the search's token.
    page = client.post("/registry/households/search/", {"q": number, "household_type": ""}, follow=True)
    assert page.status_code == 200 and home.number in page.content.decode()
    event = Event.objects.get(kind=EventKind.READ)
    assert event.actor == personas["province_officer"] and event.region == tree.village
    assert event.detail["search"] == ["id_number"]
    assert number not in str(Event.objects.values_list("target", "detail"))
