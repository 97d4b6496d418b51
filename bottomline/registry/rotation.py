"""Key rotation: re-encrypt every protected value still under an older key, in batches, as a job."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.privacy.crypto import decrypt, encrypt
from bottomline.privacy.keys import field_keys
from bottomline.registry.models import Household, Member
from bottomline.registry.services import ID_PURPOSE, PHONE_PURPOSE

# (model, encrypted column, purpose): every column that holds ciphertext.
ENCRYPTED = ((Member, "id_number_enc", ID_PURPOSE), (Household, "phone_enc", PHONE_PURPOSE))


def stale_count() -> int:
    """How many values are not yet under the active key."""
    prefix = field_keys().active + ":"
    return sum(
        model.objects.exclude(**{column: ""}).exclude(**{f"{column}__startswith": prefix}).count()
        for model, column, _purpose in ENCRYPTED
    )


def field_keys_rotate(*, batch: int = 2000, progress: Progress) -> dict[str, int]:
    """Re-encrypt values under older keys with the active key; each batch commits on its own, so a stopped
    rotation resumes where it was, and re-running it after the end changes nothing."""
    keys = field_keys()
    prefix = keys.active + ":"
    progress.start(stale_count(), gettext_noop("re-encrypting"))
    done = 0
    for model, column, purpose in ENCRYPTED:
        stale = (
            model.objects.exclude(**{column: ""}).exclude(**{f"{column}__startswith": prefix}).order_by("pk")
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
                model.objects.bulk_update(rows, [column])  # type: ignore[arg-type]  # rows are of this model
            last = rows[-1].pk
            done += len(rows)
            progress.advance(len(rows))
    return {"reencrypted": done}


@job_handler("registry.rotate_keys")
def rotate_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params: ``batch``, the rows per transaction."""
    return field_keys_rotate(batch=int(params.get("batch", 2000)), progress=progress)
