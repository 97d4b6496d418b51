"""Key rotation re-encrypts old values, keeps them readable, and is re-runnable."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.core.management import call_command

from bottomline.privacy.crypto import key_id_of
from bottomline.privacy.keys import field_keys
from bottomline.registry.models import Household, Member
from bottomline.registry.services import reveal
from bottomline.registry.tests.factories import household, id_number, member


@pytest.fixture
def clear_key_cache() -> Any:
    field_keys.cache_clear()
    yield
    field_keys.cache_clear()


@pytest.mark.django_db
def test_rotation_moves_every_value_to_the_new_key(
    tree: Any, personas: dict[str, Any], settings: Any, clear_key_cache: None
) -> None:
    cadre = personas["village_cadre"]
    numbers = [id_number(sequence=s) for s in range(60, 65)]
    for n in numbers:
        member(cadre, household(cadre, tree.village, phone="13900001111"), n)
    new_key = base64.b64encode(b"k" * 16).decode()
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS + f",new2:{new_key}"
    settings.FIELD_ENCRYPTION_ACTIVE_KEY = "new2"
    field_keys.cache_clear()

    call_command("rotate_field_keys", "--batch", "2")

    assert {key_id_of(v) for v in Member.objects.values_list("id_number_enc", flat=True)} == {"new2"}
    assert {key_id_of(v) for v in Household.objects.values_list("phone_enc", flat=True)} == {"new2"}
    first = Member.objects.order_by("pk").first()
    assert first is not None and reveal(actor=cadre, member_id=first.pk) == numbers[0]
    before = list(Member.objects.values_list("id_number_enc", flat=True))
    call_command("rotate_field_keys")
    assert list(Member.objects.values_list("id_number_enc", flat=True)) == before  # nothing left to do
