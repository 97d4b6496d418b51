"""帮扶责任人 are shown by their real name and post ("姓名（职务）"), never by their login name."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from bottomline.monitoring.assistance import measure_add
from bottomline.monitoring.tests.factories import open_case, walk
from bottomline.monitoring.workflow import State

pytestmark = pytest.mark.django_db


@pytest.fixture
def named_cadre(personas: dict[str, Any]) -> Any:
    cadre = personas["village_cadre"]
    cadre.last_name = "王建国"
    cadre.post = "驻村第一书记"
    cadre.save()
    return cadre


def test_the_cadre_label_is_name_and_post(named_cadre: Any, make_user: Any, tree: Any) -> None:
    nameless = make_user("township_officer", tree.township, username="tw_login")
    assert named_cadre.cadre_label() == "王建国（驻村第一书记）"
    assert "tw_login" not in nameless.cadre_label()  # no name yet: the role, never the login name
    assert nameless.cadre_label() == "乡镇干部"


def test_the_case_page_the_form_and_the_api_name_the_responsible_cadre(
    client: Client, tree: Any, personas: dict[str, Any], named_cadre: Any
) -> None:
    case = walk(open_case(personas, tree.village), personas, State.MONITORED)
    from django.utils import timezone

    measure = measure_add(
        actor=named_cadre,
        case_id=case.pk,
        kind="industry",
        responsible_id=named_cadre.pk,
        start=timezone.localdate(),
        status="active",
    )
    client.force_login(named_cadre)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(reverse("monitoring:case_detail", args=[case.pk])).content.decode()
    row = page.split(f'<tr id="measure-{measure.pk}">')[1].split("</tr>")[0]
    assert "王建国（驻村第一书记）" in row
    assert "village_cadre" not in row
    options = page.split('id="id_measure_responsible"')[1].split("</select>")[0]
    assert "王建国（驻村第一书记）" in options
    assert "village_cadre" not in options
