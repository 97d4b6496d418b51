"""Attachments sent to casework (a signed consent scan, a measure's evidence): checked before they are kept.

They come base64 in a JSON body or as multipart files. Only PDF, JPEG and PNG files up to 10 MB are accepted, recognised by their first bytes rather than by the
name the sender gave, so that a renamed executable or spreadsheet is refused. Kept files are sealed with the
field keys by the default storage (``privacy.storage``); a file nothing refers to any more is deleted: a replaced
one when the change commits, one left by a failed transaction by the periodic ``attachments_prune``.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from bottomline.privacy.fields import encrypted_file_fields

logger = logging.getLogger(__name__)

ATTACHMENT_LIMIT = 10 * 1024 * 1024
# The signature each accepted type starts with, and the suffix the stored file gets.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", ".pdf"),
    (b"\xff\xd8\xff", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", ".png"),
)


def attachment_suffix(content: bytes, *, field: str = "attachment") -> str:
    """The suffix of an accepted attachment (".pdf", ".jpg", ".png"); ValidationError for anything else."""
    if not content:
        raise ValidationError({field: _("The attachment is empty.")})
    if len(content) > ATTACHMENT_LIMIT:
        raise ValidationError({field: _("The attachment is larger than 10 MB.")})
    for signature, suffix in SIGNATURES:
        if content.startswith(signature):
            return suffix
    raise ValidationError({field: _("Attach a PDF, JPEG or PNG file.")})


def attachment_from_base64(
    *, name: str, content_base64: str, field: str = "attachment"
) -> ContentFile[bytes]:
    """Decode and check a base64 attachment; the stored name keeps the sender's stem and the real type."""
    if len(content_base64) > ATTACHMENT_LIMIT * 4 // 3 + 4:  # refuse before decoding a huge body
        raise ValidationError({field: _("The attachment is larger than 10 MB.")})
    try:
        content = base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({field: _("The attachment is not base64.")}) from None
    return _checked(name, content, field)


def attachment_from_upload(upload: UploadedFile[bytes], *, field: str = "attachment") -> ContentFile[bytes]:
    """Check an uploaded attachment (a multipart file) as a base64 one: the same limit and types; its size is
    checked before it is read."""
    if upload.size is not None and upload.size > ATTACHMENT_LIMIT:
        raise ValidationError({field: _("The attachment is larger than 10 MB.")})
    content = upload.read(ATTACHMENT_LIMIT + 1)
    return _checked(upload.name or "", content, field)


def _checked(name: str, content: bytes, field: str) -> ContentFile[bytes]:
    """The checked content; the stored name keeps the sender's stem and the real type."""
    suffix = attachment_suffix(content, field=field)
    stem = "".join(c for c in Path(name).stem if c.isalnum() or c in "-_")[:60] or "attachment"
    return ContentFile(content, name=stem + suffix)


# A file younger than this may belong to a transaction still running (the file is written before its row).
ORPHAN_GRACE = timedelta(hours=24)


def attachment_discard_on_commit(field: FieldFile) -> None:
    """Delete a replaced file once the change that replaced it commits (a rollback keeps it: still referred to)."""
    storage, name = field.storage, field.name
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def attachment_orphans_delete(*, grace: timedelta = ORPHAN_GRACE) -> int:
    """Delete the files of the attachment folders that no row refers to and that are older than ``grace``."""
    cutoff = time.time() - grace.total_seconds()
    referred: set[str] = set()
    roots: set[Path] = set()
    for model, name in encrypted_file_fields():
        field = model._meta.get_field(name)
        location = Path(field.storage.location)  # type: ignore[union-attr]  # a FileField
        roots.add(location / str(field.upload_to).split("/", 1)[0])  # type: ignore[union-attr]  # "casework/%Y/%m/"
        # Every field's names, not only this folder's: two fields may share a folder.
        referred.update(
            (location / stored).as_posix()
            for stored in model._default_manager.exclude(**{name: ""}).values_list(name, flat=True)
        )
    deleted = 0
    for root in sorted(roots):
        if not root.is_dir():
            continue
        for path in root.rglob("*"):
            if path.is_file() and path.as_posix() not in referred and path.stat().st_mtime < cutoff:
                path.unlink()
                deleted += 1
    logger.info("deleted %d orphaned attachment files", deleted)
    return deleted
