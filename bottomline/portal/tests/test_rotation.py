"""Key rotation covers every encrypted column of every app, the portal's included: after the old key is
removed, every value still reads (item 9 of issue #12)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models

from bottomline.portal.selectors import declaration_description
from bottomline.portal.tests.factories import declaration
from bottomline.privacy.crypto import decrypt, key_id_of
from bottomline.privacy.fields import EncryptedTextField, encrypted_columns
from bottomline.privacy.keys import field_keys
from bottomline.registry.tests.factories import household, id_number, member


@pytest.fixture
def clear_key_cache() -> Any:
    field_keys.cache_clear()
    yield
    field_keys.cache_clear()


def test_every_ciphertext_column_is_an_encrypted_field() -> None:
    """A column named ``*_enc`` that is a plain TextField would be skipped by the rotation."""
    plain = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField)
        and field.name.endswith("_enc")
        and not isinstance(field, EncryptedTextField)
    ]
    assert plain == []
    labels = {f"{model._meta.label}.{column}" for model, column, _purpose in encrypted_columns()}
    assert {"registry.Member.id_number_enc", "portal.Declaration.description_enc"} <= labels


@pytest.mark.django_db
def test_rotation_re_encrypts_every_column_and_the_old_key_can_go(
    tree: Any, personas: dict[str, Any], settings: Any, clear_key_cache: None
) -> None:
    cadre = personas["village_cadre"]
    member(cadre, household(cadre, tree.village, phone="13900001111"), id_number(sequence=70))
    submitted = declaration(tree.village, sequence=71, description="病了，住院三个月")
    columns = encrypted_columns()
    before: dict[str, list[str]] = {}
    for model, column, purpose in columns:
        tokens = [t for t in model._default_manager.values_list(column, flat=True) if t]
        assert tokens, f"the test leaves {model._meta.label}.{column} empty: fill it so it is rotated"
        before[f"{model._meta.label}.{column}"] = [
            decrypt(t, keys=field_keys(), purpose=purpose) for t in tokens
        ]

    old = settings.FIELD_ENCRYPTION_KEYS
    settings.FIELD_ENCRYPTION_KEYS = old + ",new2:" + base64.b64encode(b"n" * 16).decode()
    settings.FIELD_ENCRYPTION_ACTIVE_KEY = "new2"
    field_keys.cache_clear()
    call_command("rotate_field_keys", "--batch", "1")

    # The old key removed: only the new one is left, and every value of every column still reads.
    settings.FIELD_ENCRYPTION_KEYS = "new2:" + base64.b64encode(b"n" * 16).decode()
    field_keys.cache_clear()
    for model, column, purpose in columns:
        label = f"{model._meta.label}.{column}"
        tokens = [t for t in model._default_manager.values_list(column, flat=True) if t]
        assert {key_id_of(t) for t in tokens} == {"new2"}, label
        assert [decrypt(t, keys=field_keys(), purpose=purpose) for t in tokens] == before[label]
    submitted.refresh_from_db()
    assert declaration_description(submitted) == "病了，住院三个月"
