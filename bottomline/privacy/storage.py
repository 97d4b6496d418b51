"""The storage of attachments: files under MEDIA_ROOT sealed with the field keys, with no public address.

A consent scan or a measure's evidence names a person and often their illness; on disk it is SM4-GCM
ciphertext under the same keys as the ID numbers (a backup of ``var/media`` without the keys reads nothing),
and it is read back only by the gated download view, never by a URL a web server could serve.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage

from bottomline.privacy.crypto import decrypt_bytes, encrypt_bytes, sealed_key_id
from bottomline.privacy.keys import field_keys

logger = logging.getLogger(__name__)

FILE_PURPOSE = "attachment"


class EncryptedFileStorage(FileSystemStorage):
    """FileSystemStorage whose files are sealed on save and opened on read (attachments are at most 10 MB)."""

    def _save(self, name: str, content: File[Any]) -> str:
        content.seek(0)
        data = content.read()
        plain = data.encode() if isinstance(data, str) else data
        sealed = encrypt_bytes(plain, keys=field_keys(), purpose=FILE_PURPOSE)
        saved: str = super()._save(name, ContentFile(sealed))  # type: ignore[misc]  # untyped in the stubs
        return saved

    def _open(self, name: str, mode: str = "rb") -> File[Any]:
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("an attachment is replaced by saving a new one, never written in place")
        return ContentFile(self.read_plain(name), name=name)

    def read_plain(self, name: str) -> bytes:
        """The clear content; a file from before encryption at rest is read as it is, until rotated."""
        with open(self.path(name), "rb") as handle:
            raw = handle.read()
        if sealed_key_id(raw) is None:
            logger.warning("an attachment is not encrypted yet: run manage.py rotate_field_keys")
            return raw
        return decrypt_bytes(raw, keys=field_keys(), purpose=FILE_PURPOSE)

    def key_id(self, name: str) -> str | None:
        """The key a stored file is sealed with (None: not sealed yet)."""
        with open(self.path(name), "rb") as handle:
            head = handle.read(64)
        return sealed_key_id(head)

    def reseal(self, name: str) -> None:
        """Seal a file again with the active key, in place (written beside it, then renamed over it)."""
        plain = self.read_plain(name)
        path = self.path(name)
        temporary = path + ".rotating"
        with open(temporary, "wb") as handle:
            handle.write(encrypt_bytes(plain, keys=field_keys(), purpose=FILE_PURPOSE))
        os.replace(temporary, path)  # atomic: a reader sees the old sealed file or the new one

    def url(self, name: str | None) -> str:
        raise ValueError("attachments have no public address: they are served only by the gated view")
