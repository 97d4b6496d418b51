"""Attachments sent to casework (a signed consent scan, a measure's evidence): checked before they are kept.

Only PDF, JPEG and PNG files up to 10 MB are accepted, recognised by their first bytes rather than by the
name the sender gave, so that a renamed executable or spreadsheet is refused.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

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
    suffix = attachment_suffix(content, field=field)
    stem = "".join(c for c in Path(name).stem if c.isalnum() or c in "-_")[:60] or "attachment"
    return ContentFile(content, name=stem + suffix)
