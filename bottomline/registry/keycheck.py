"""Key check values: a database knows which keys its values were made with, and refuses other ones.

A database restored on a host with other keys would otherwise start silently: a search by ID number finds
nothing (other blind indexes), a reveal fails, and an already-registered person can be registered again. So
each key seals a known text once, into ``KeyCheck``, when it is first used (at migrate, at start-up, at the
end of a rotation); a system check (run by runserver, migrate and check) and the WSGI start-up compare those
values with the configured keys and name the key that does not match.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from bottomline.privacy.crypto import (
    DecryptionError,
    FieldKeys,
    KeyConfigError,
    blind_index,
    decrypt,
    encrypt,
)
from bottomline.privacy.fields import encrypted_columns
from bottomline.privacy.keys import field_keys
from bottomline.registry.models import ID_PURPOSE, KeyCheck, Member

logger = logging.getLogger(__name__)

CHECK_TEXT = "bottomline key check"
CHECK_PURPOSE = "key.check"
INDEX = "index"


def _field_name(key_id: str) -> str:
    return f"field:{key_id}"


def _table_ready(using: str) -> bool:
    # A fresh database before migrate has nothing to check (and nothing to read).
    return KeyCheck._meta.db_table in connections[using].introspection.table_names()


def _one_key(keys: FieldKeys, key_id: str) -> FieldKeys:
    return dataclasses.replace(keys, active=key_id)


def _value_under(key_id: str) -> tuple[str, str] | None:
    """One stored value (and its purpose) encrypted with this key, from any encrypted column, or None."""
    for model, column, purpose in encrypted_columns():
        token = (
            model._default_manager.filter(**{f"{column}__startswith": key_id + ":"})
            .values_list(column, flat=True)
            .first()
        )
        if token:
            return token, purpose
    return None


def _reads(token: str, *, keys: FieldKeys, purpose: str) -> bool:
    try:
        decrypt(token, keys=keys, purpose=purpose)
    except DecryptionError:
        return False
    return True


def _index_matches_data(keys: FieldKeys) -> bool | None:
    """Whether the index key gives a stored member's stored index (None: no member whose ID reads, to tell by)."""
    for member in Member.objects.only("id_number_enc", "id_number_index").order_by("pk")[:5]:
        try:
            number = decrypt(member.id_number_enc, keys=keys, purpose=ID_PURPOSE)
        except DecryptionError:
            continue
        return blind_index(number, keys=keys, purpose=ID_PURPOSE) == member.id_number_index
    return None


def _field_mismatch(key_id: str) -> tuple[str, str]:
    return (
        "BOTTOMLINE_FIELD_KEYS",
        f"The field key {key_id!r} in BOTTOMLINE_FIELD_KEYS is not the key {key_id!r} this "
        "database was encrypted with: its ID numbers, phones and attachments cannot be read.",
    )


INDEX_MISMATCH = (
    "BOTTOMLINE_BLIND_INDEX_KEY is not the key this database's blind indexes were made with: a search by ID "
    "number would find nothing, and a registered person could be registered again."
)


def key_values_compare(values: Mapping[str, str]) -> tuple[list[tuple[str, str]], list[str]]:
    """Check values (name to value) against the configured keys: ``(setting, message)`` for each key that does
    not match, and the ids of field keys that have a check value but are not configured."""
    keys = field_keys()
    problems: list[tuple[str, str]] = []
    unconfigured: list[str] = []
    for name, value in sorted(values.items()):
        if name == INDEX:
            if blind_index(CHECK_TEXT, keys=keys, purpose=CHECK_PURPOSE) != value:
                problems.append(("BOTTOMLINE_BLIND_INDEX_KEY", INDEX_MISMATCH))
            continue
        key_id = name.removeprefix("field:")
        if key_id not in keys.keys:
            unconfigured.append(key_id)
        elif not _reads(value, keys=_one_key(keys, key_id), purpose=CHECK_PURPOSE):
            problems.append(_field_mismatch(key_id))
    return problems, unconfigured


def key_mismatches() -> list[tuple[str, str]]:
    """``(setting, message)`` for each configured key that does not match this database; empty when all do."""
    if not _table_ready(DEFAULT_DB_ALIAS):
        return []
    values = dict(KeyCheck.objects.values_list("name", "value"))
    problems, unconfigured = key_values_compare(values)
    # Keys without a check value yet (a database from before them): the stored values themselves tell.
    keys = field_keys()
    for key_id in keys.keys:
        stored = None if _field_name(key_id) in values else _value_under(key_id)
        if stored is not None and not _reads(stored[0], keys=_one_key(keys, key_id), purpose=stored[1]):
            problems.append(_field_mismatch(key_id))
    if INDEX not in values and _index_matches_data(keys) is False:
        problems.append(("BOTTOMLINE_BLIND_INDEX_KEY", INDEX_MISMATCH))
    for key_id in unconfigured:
        if _value_under(key_id) is not None:  # a key retired after a finished rotation holds nothing
            problems.append(
                (
                    "BOTTOMLINE_FIELD_KEYS",
                    f"This database holds values encrypted with the field key {key_id!r}, which "
                    "BOTTOMLINE_FIELD_KEYS does not have: they cannot be read.",
                )
            )
    return problems


def key_checks_record(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """Write the check value of each configured key that has none yet; returns how many were written.

    A key is recorded only if it reads the values already stored (a field key those under its id, the index key
    a member's index): a check value made with a wrong key would bless it.
    """
    if not _table_ready(using) or key_mismatches():
        return 0  # nothing is blessed while any key does not read the data
    keys = field_keys()
    known = set(KeyCheck.objects.using(using).values_list("name", flat=True))
    new: list[KeyCheck] = []
    if INDEX not in known and _index_matches_data(keys) is not False:
        new.append(KeyCheck(name=INDEX, value=blind_index(CHECK_TEXT, keys=keys, purpose=CHECK_PURPOSE)))
    for key_id in keys.keys:
        if _field_name(key_id) in known:
            continue
        one = _one_key(keys, key_id)
        stored = _value_under(key_id)
        if stored is not None and not _reads(stored[0], keys=one, purpose=stored[1]):
            continue  # the check reports it
        new.append(
            KeyCheck(name=_field_name(key_id), value=encrypt(CHECK_TEXT, keys=one, purpose=CHECK_PURPOSE))
        )
    # Several server processes may start at once: the first one's values stand.
    KeyCheck.objects.using(using).bulk_create(new, ignore_conflicts=True)
    return len(new)


def key_checks_forget_unused(*, active: str) -> None:
    """After a finished rotation every value is under the active key: the others' check values go."""
    KeyCheck.objects.filter(name__startswith="field:").exclude(name=_field_name(active)).delete()


def keys_match_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """System check: the configured keys are the ones this database was made with."""
    try:
        problems = key_mismatches()
    except KeyConfigError as exc:
        return [checks.Error(str(exc), id="registry.E003")]
    except DatabaseError as exc:  # no database to compare with (e.g. `check` on a build machine)
        logger.warning("the key check could not read the database: %s", type(exc).__name__)
        return []
    hint = (
        "Start with the keys of the host that wrote this database (the key file kept with its backups: "
        "docs/backup.md), or restore the database that goes with these keys."
    )
    return [
        checks.Error(
            message, hint=hint, id="registry.E002" if setting.endswith("INDEX_KEY") else "registry.E001"
        )
        for setting, message in problems
    ]


def keys_require() -> None:
    """At server start-up: refuse to serve a database of other keys, then record the check values of new keys."""
    problems = key_mismatches()
    if problems:
        raise ImproperlyConfigured(" ".join(message for _setting, message in problems))
    key_checks_record()


def on_migrate(*, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """post_migrate: a migrated database gets the check values of the configured keys."""
    if settings.FIELD_ENCRYPTION_KEYS:
        key_checks_record(using=using)
