"""A database restored beside other keys is refused, naming the key, instead of starting silently (item 8 of
issue #12): the key check values written at migrate are compared with the configured keys by a system check."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from bottomline.privacy.keys import field_keys
from bottomline.registry.models import KeyCheck
from bottomline.registry.tests.factories import household, id_number, member
from bottomline.web.tests.test_deploy import manage, production_env

OTHER = base64.b64encode(b"o" * 16).decode()


@pytest.fixture
def keys(settings: Any) -> Iterator[Any]:
    """Settings whose keys a test changes; the parsed keys follow them."""
    field_keys.cache_clear()
    yield settings
    field_keys.cache_clear()


def check_messages() -> str:
    try:
        call_command("check")
    except SystemCheckError as exc:
        return str(exc)
    return ""


@pytest.mark.django_db
def test_migrate_writes_the_check_values_and_the_same_keys_pass(tree: Any, personas: dict[str, Any]) -> None:
    assert set(KeyCheck.objects.values_list("name", flat=True)) == {"field:dev1", "index"}
    cadre = personas["village_cadre"]
    member(cadre, household(cadre, tree.village), id_number(sequence=80))
    assert check_messages() == ""


@pytest.mark.django_db
def test_another_field_key_under_the_same_id_is_refused_by_name(keys: Any) -> None:
    keys.FIELD_ENCRYPTION_KEYS = f"dev1:{OTHER}"
    field_keys.cache_clear()
    message = check_messages()
    assert "registry.E001" in message
    assert "'dev1'" in message and "BOTTOMLINE_FIELD_KEYS" in message


@pytest.mark.django_db
def test_a_missing_field_key_with_data_under_it_is_refused_by_name(
    tree: Any, personas: dict[str, Any], keys: Any
) -> None:
    cadre = personas["village_cadre"]
    member(cadre, household(cadre, tree.village), id_number(sequence=81))
    keys.FIELD_ENCRYPTION_KEYS = f"p9:{OTHER}"
    keys.FIELD_ENCRYPTION_ACTIVE_KEY = "p9"
    field_keys.cache_clear()
    message = check_messages()
    assert "'dev1'" in message and "BOTTOMLINE_FIELD_KEYS" in message


@pytest.mark.django_db
def test_another_blind_index_key_is_refused_by_name(keys: Any) -> None:
    keys.BLIND_INDEX_KEY = base64.b64encode(b"i" * 32).decode()
    field_keys.cache_clear()
    message = check_messages()
    assert "registry.E002" in message and "BOTTOMLINE_BLIND_INDEX_KEY" in message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field_key", "named"),
    [(OTHER, "'dev1'"), ("ZGV2LWtleS1vbmx5LTAwMQ==", "BOTTOMLINE_BLIND_INDEX_KEY")],
    ids=["other-field-key", "other-index-key"],
)
def test_a_database_from_before_the_check_values_is_judged_by_its_data(
    tree: Any, personas: dict[str, Any], keys: Any, field_key: str, named: str
) -> None:
    """No check values yet (a backup from an older version): the stored values themselves are compared, and
    no check value is written while a key does not read them."""
    cadre = personas["village_cadre"]
    member(cadre, household(cadre, tree.village), id_number(sequence=82))
    KeyCheck.objects.all().delete()
    keys.FIELD_ENCRYPTION_KEYS = f"dev1:{field_key}"
    keys.BLIND_INDEX_KEY = base64.b64encode(b"i" * 32).decode()
    field_keys.cache_clear()
    call_command("migrate", verbosity=0)  # writes the check values of new keys: not of these

    assert named in check_messages()
    assert not KeyCheck.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_database_without_the_table_passes(keys: Any) -> None:
    """A fresh, empty database (before migrate) is not an error: there is nothing to read yet. (The table is
    dropped and made again: unapplying the registry's migrations and every app's above it took 35 s.)"""
    from django.db import connection

    with connection.schema_editor() as editor:
        editor.delete_model(KeyCheck)
    try:
        assert KeyCheck._meta.db_table not in connection.introspection.table_names()
        keys.FIELD_ENCRYPTION_KEYS = f"dev1:{OTHER}"
        field_keys.cache_clear()
        assert check_messages() == ""
    finally:
        keys.FIELD_ENCRYPTION_KEYS = "dev1:ZGV2LWtleS1vbmx5LTAwMQ=="
        field_keys.cache_clear()
        with connection.schema_editor() as editor:
            editor.create_model(KeyCheck)


def test_production_refuses_to_start_on_a_database_of_other_keys(tmp_path: Path) -> None:
    first = production_env(tmp_path)
    migrated = manage(first, "migrate", "--verbosity", "0")
    assert migrated.returncode == 0, migrated.stderr
    deploy = manage(first, "check", "--deploy", "--fail-level", "WARNING")
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr

    # The same database on a host with other keys: check, migrate and the WSGI application all refuse.
    other = production_env(tmp_path, DATABASE_URL=first["DATABASE_URL"])
    checked = manage(other, "check")
    assert checked.returncode != 0
    assert "'p1'" in checked.stderr and "BOTTOMLINE_BLIND_INDEX_KEY" in checked.stderr
    served = manage(other, "shell", "--no-imports", "-c", "import bottomline.wsgi")
    assert served.returncode != 0
    assert "'p1'" in served.stderr
