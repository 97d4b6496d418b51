"""Key rotation: re-encrypt every protected value and attachment still under an older key, in batches, as a job."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.privacy.crypto import decrypt, encrypt
from bottomline.privacy.fields import encrypted_columns, encrypted_file_fields
from bottomline.privacy.keys import field_keys
from bottomline.privacy.storage import EncryptedFileStorage
from bottomline.registry.keycheck import key_checks_forget_unused, key_checks_record

logger = logging.getLogger(__name__)


def stale_files() -> Iterator[tuple[EncryptedFileStorage, str]]:
    """Each stored attachment not sealed with the active key (or not sealed at all, from before): storage, name."""
    active = field_keys().active
    for model, name in encrypted_file_fields():
        storage = model._meta.get_field(name).storage  # type: ignore[union-attr]  # a FileField
        assert isinstance(storage, EncryptedFileStorage)  # noqa: S101  (what encrypted_file_fields picks)
        for stored in model._default_manager.exclude(**{name: ""}).values_list(name, flat=True).iterator():
            try:
                if storage.key_id(stored) != active:
                    yield storage, stored
            except FileNotFoundError:
                logger.warning("a %s file is missing from the media folder", model._meta.label)


def stale_count() -> int:
    """How many values and attachments are not yet under the active key."""
    prefix = field_keys().active + ":"
    values = sum(
        model._default_manager.exclude(**{column: ""}).exclude(**{f"{column}__startswith": prefix}).count()
        for model, column, _purpose in encrypted_columns()
    )
    return values + sum(1 for _file in stale_files())


def field_keys_rotate(*, batch: int = 2000, progress: Progress) -> dict[str, int]:
    """Re-encrypt values under older keys with the active key; each batch commits on its own, so a stopped
    rotation resumes where it was, and re-running it after the end changes nothing."""
    keys = field_keys()
    prefix = keys.active + ":"
    progress.start(stale_count(), gettext_noop("re-encrypting"))
    done = 0
    # Every EncryptedTextField of every app, found from the models: a hand-kept list once missed the portal's.
    for model, column, purpose in encrypted_columns():
        stale = (
            model._default_manager.exclude(**{column: ""})
            .exclude(**{f"{column}__startswith": prefix})
            .order_by("pk")
        )
        last = 0
        while True:
            with transaction.atomic():
                rows = list(stale.filter(pk__gt=last).select_for_update().only("pk", column)[:batch])
                if not rows:
                    break
                for row in rows:
                    plain = decrypt(getattr(row, column), keys=keys, purpose=purpose)
                    setattr(row, column, encrypt(plain, keys=keys, purpose=purpose))
                model._default_manager.bulk_update(rows, [column])
            last = rows[-1].pk
            done += len(rows)
            progress.advance(len(rows))
    # The attachments, sealed with the same keys (each file is rewritten whole, then renamed over the old one).
    for storage, stored in list(stale_files()):
        storage.reseal(stored)
        done += 1
        progress.advance(1)
    # Nothing is left under the older keys: their check values go, so they can be removed from the settings.
    key_checks_forget_unused(active=keys.active)
    key_checks_record()
    return {"reencrypted": done}


@job_handler("registry.rotate_keys")
def rotate_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params: ``batch``, the rows per transaction."""
    return field_keys_rotate(batch=int(params.get("batch", 2000)), progress=progress)
