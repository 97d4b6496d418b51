"""Key rotation: re-encrypt every protected value still under an older key, in batches, as a job."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.privacy.crypto import decrypt, encrypt
from bottomline.privacy.fields import encrypted_columns
from bottomline.privacy.keys import field_keys
from bottomline.registry.keycheck import key_checks_forget_unused, key_checks_record


def stale_count() -> int:
    """How many values are not yet under the active key."""
    prefix = field_keys().active + ":"
    return sum(
        model._default_manager.exclude(**{column: ""}).exclude(**{f"{column}__startswith": prefix}).count()
        for model, column, _purpose in encrypted_columns()
    )


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
    # Nothing is left under the older keys: their check values go, so they can be removed from the settings.
    key_checks_forget_unused(active=keys.active)
    key_checks_record()
    return {"reencrypted": done}


@job_handler("registry.rotate_keys")
def rotate_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params: ``batch``, the rows per transaction."""
    return field_keys_rotate(batch=int(params.get("batch", 2000)), progress=progress)
