"""What the portal and the duplicate-person check must not tell: whether a person named on a declaration is
already monitored, and in which county someone is registered."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from bottomline.monitoring.tests.factories import open_case, walk
from bottomline.monitoring.workflow import State
from bottomline.portal.models import Declaration, DeclarationStatus
from bottomline.portal.selectors import STAGES
from bottomline.portal.tests.factories import declaration
from bottomline.registry.models import Member
from bottomline.registry.services import member_register
from bottomline.registry.tests.factories import household, id_number

pytestmark = pytest.mark.django_db


def _stage(client: Client, receipt: str) -> str:
    answer = client.post(
        "/api/v1/portal/public/status", {"receipt": receipt}, content_type="application/json"
    )
    assert answer.status_code == 200, answer.content
    return str(answer.json()["stage"])


def test_a_declaration_naming_a_monitored_person_reports_only_its_own_progress(
    client: Client, personas: dict[str, Any], tree: Any
) -> None:
    monitored = walk(open_case(personas, tree.village, sequence=61), personas, State.MONITORED)
    person = Member.objects.get(household=monitored.household)
    # Anyone who knows the name, ID number and village can file this.
    probe = declaration(tree.village, sequence=62, name=person.name, id_number=id_number(sequence=61))
    assert probe.status == DeclarationStatus.MATCHED  # it reached the household
    assert _stage(client, probe.receipt) == "received"  # and says nothing of the earlier case
    page = client.post("/declare/status/", {"receipt": probe.receipt})
    assert str(STAGES["monitored"]) not in page.content.decode()
    assert str(STAGES["received"]) in page.content.decode() or "已收到" in page.content.decode()


def test_a_declaration_joining_work_under_way_reports_only_its_own_progress(
    client: Client, personas: dict[str, Any], tree: Any
) -> None:
    visiting = walk(open_case(personas, tree.village, sequence=63), personas, State.NOTICE)
    person = Member.objects.get(household=visiting.household)
    probe = declaration(tree.village, sequence=64, name=person.name, id_number=id_number(sequence=63))
    assert _stage(client, probe.receipt) == "received"


def test_a_declaration_that_opens_a_case_follows_it(
    client: Client, personas: dict[str, Any], tree: Any
) -> None:
    cadre = personas["village_cadre"]
    home = household(cadre, tree.village)
    member_register(
        actor=cadre,
        household_id=home.pk,
        name="马海燕",
        id_number=id_number(sequence=65),
        relation="head",
        labour="ordinary",
        education="junior",
    )
    own = declaration(tree.village, sequence=66, name="马海燕", id_number=id_number(sequence=65))
    assert own.lead is not None
    assert _stage(client, own.receipt) == "visit"  # its own case, opened by its own lead
    Declaration.objects.filter(pk=own.pk).update(status=DeclarationStatus.DISMISSED)
    assert _stage(client, own.receipt) == "rejected"


def test_the_duplicate_person_check_names_no_county(
    personas: dict[str, Any], tree: Any, make_user: Any
) -> None:
    elsewhere = make_user("county_officer", tree.other_county, username="other-county")
    there = household(elsewhere, tree.other_county_village)
    number = id_number(sequence=67)
    values = {"name": "李明", "relation": "head", "labour": "ordinary", "education": "junior"}
    member_register(actor=elsewhere, household_id=there.pk, id_number=number, **values)
    here = household(personas["village_cadre"], tree.village)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        member_register(actor=personas["village_cadre"], household_id=here.pk, id_number=number, **values)
    message = " ".join(refused.value.message_dict["id_number"])
    for told in (
        tree.other_county.name,
        tree.other_county.code[:6],
        tree.prefecture.name,
        tree.other_county_village.name,
    ):
        assert told not in message, told
    assert "registered elsewhere" in message and "county" in message
