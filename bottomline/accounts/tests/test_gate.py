"""The region gate itself: roles, scopes, denials."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import Event, EventKind
from bottomline.regions.models import Region


@pytest.mark.django_db
def test_each_level_sees_its_own_subtree(tree: Any, personas: dict[str, Any]) -> None:
    villages = Region.objects.filter(level=5)
    seen = {
        role: set(gate.restrict(villages, user).values_list("name", flat=True))
        for role, user in personas.items()
    }
    assert seen["village_cadre"] == {"永丰村"}
    assert seen["township_officer"] == {"永丰村", "后街村"}
    assert seen["county_officer"] == {"永丰村", "后街村", "大卡阳村"}
    assert seen["province_officer"] == {"永丰村", "后街村", "大卡阳村", "桥头村"}


@pytest.mark.django_db
def test_a_role_without_the_right_gets_nothing_and_a_denial_is_audited(personas: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    assert not gate.restrict(User.objects.all(), cadre).exists()
    with pytest.raises(PermissionDenied):
        gate.require(cadre, User, "view")
    denial = Event.objects.get(kind=EventKind.PERMISSION_DENIED)
    assert denial.actor == cadre and denial.target == "accounts.user:view"
    assert gate.restrict(User.objects.all(), personas["sysadmin"]).filter(pk=cadre.pk).exists()


@pytest.mark.django_db
def test_access_outside_the_region_is_404_and_inactive_users_see_nothing(
    tree: Any, personas: dict[str, Any]
) -> None:
    cadre = personas["village_cadre"]
    assert gate.access(Region.objects.all(), cadre, code=tree.village.code) == tree.village
    with pytest.raises(Http404):
        gate.access(Region.objects.all(), cadre, code=tree.sibling_village.code)
    cadre.is_active = False
    assert not gate.restrict(Region.objects.all(), cadre).exists()


def test_a_model_missing_from_the_gate_is_an_error_not_an_open_door() -> None:
    from django.contrib.contenttypes.models import ContentType

    with pytest.raises(LookupError, match="no rule in the region gate"):
        gate.allowed(object(), ContentType, "view")
