"""Field encryption with SM4-GCM and blind indexes with HMAC-SM3 (GB/T 32907, GB/T 32905).

An encrypted value is stored as text ``<key id>:<base64 of nonce ‖ ciphertext ‖ tag>``, so a key rotation
can find and re-encrypt the values of an old key in batches. The purpose of the field (e.g.
``member.id_number``) is bound in as associated data: a value copied into another column does not decrypt.
A blind index is a keyed hash with its own key, for exact lookups and a unique constraint without storing
the value.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

NONCE_BYTES = 12
TAG_BYTES = 16


class KeyConfigError(Exception):
    """The keys are missing or malformed."""


class DecryptionError(Exception):
    """A stored value cannot be decrypted: unknown key, tampering, or the wrong field."""


@dataclass(frozen=True)
class FieldKeys:
    """The SM4 keys by id, the one new values are encrypted with, and the blind-index key."""

    keys: Mapping[str, bytes]
    active: str
    index_key: bytes

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise KeyConfigError(f"the active key {self.active!r} is not among the keys")
        for key_id, key in self.keys.items():
            if not key_id.isalnum() or len(key) != 16:
                raise KeyConfigError(f"key {key_id!r}: ids are letters and digits, SM4 keys are 16 bytes")
        if len(self.index_key) < 32:
            raise KeyConfigError("the blind-index key must be at least 32 bytes")


def parse_keys(spec: str, active: str, index_key: str) -> FieldKeys:
    """Keys from settings: ``"k1:<base64>,k2:<base64>"``, the active id, and the base64 blind-index key."""
    keys: dict[str, bytes] = {}
    try:
        for item in filter(None, (part.strip() for part in spec.split(","))):
            key_id, _, encoded = item.partition(":")
            keys[key_id] = base64.b64decode(encoded, validate=True)
        index = base64.b64decode(index_key, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyConfigError(f"keys must be base64: {exc}") from exc
    return FieldKeys(keys=keys, active=active, index_key=index)


@functools.lru_cache(maxsize=64)
def _sm4(key: bytes) -> algorithms.SM4:
    # Checked and copied once per key, not once per value (an import encrypts a million values).
    return algorithms.SM4(key)


@functools.lru_cache(maxsize=64)
def _hmac_prefix(index_key: bytes, purpose: str) -> hmac.HMAC:
    # The HMAC state after the key and the purpose: each value continues a copy of it.
    mac = hmac.HMAC(index_key, hashes.SM3())
    mac.update(purpose.encode() + b"\x00")
    return mac


def encrypt(plaintext: str, *, keys: FieldKeys, purpose: str) -> str:
    """Encrypt with the active key and a fresh random nonce."""
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(_sm4(keys.keys[keys.active]), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(purpose.encode())
    body = encryptor.update(plaintext.encode()) + encryptor.finalize()
    return f"{keys.active}:{base64.b64encode(nonce + body + encryptor.tag).decode()}"


def key_id_of(token: str) -> str:
    """The id of the key a stored value was encrypted with."""
    return token.partition(":")[0]


def decrypt(token: str, *, keys: FieldKeys, purpose: str) -> str:
    """Decrypt a stored value; any mismatch of key, field or content is an error, never garbage."""
    key_id, _, encoded = token.partition(":")
    key = keys.keys.get(key_id)
    if key is None:
        raise DecryptionError(f"no key {key_id!r}")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error as exc:
        raise DecryptionError("not base64") from exc
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("too short")
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(purpose.encode())
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode()
    except InvalidTag as exc:
        raise DecryptionError("authentication failed") from exc


# A sealed file: this prefix, the key id, ":", then nonce ‖ ciphertext ‖ tag as raw bytes (no base64: a file
# is up to 10 MB).
FILE_PREFIX = b"bl-sm4:"


def encrypt_bytes(data: bytes, *, keys: FieldKeys, purpose: str) -> bytes:
    """Seal a file's content with the active key, as ``encrypt`` does text."""
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(_sm4(keys.keys[keys.active]), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(purpose.encode())
    body = encryptor.update(data) + encryptor.finalize()
    return FILE_PREFIX + keys.active.encode() + b":" + nonce + body + encryptor.tag


def sealed_key_id(sealed: bytes) -> str | None:
    """The id of the key a sealed file was encrypted with; None for content that is not sealed."""
    if not sealed.startswith(FILE_PREFIX):
        return None
    key_id, colon, _rest = sealed[len(FILE_PREFIX) : len(FILE_PREFIX) + 41].partition(b":")
    return key_id.decode("ascii", "replace") if colon else None


def decrypt_bytes(sealed: bytes, *, keys: FieldKeys, purpose: str) -> bytes:
    """Open a sealed file; any mismatch of key, purpose or content is an error, never garbage."""
    key_id = sealed_key_id(sealed)
    if key_id is None:
        raise DecryptionError("not a sealed file")
    key = keys.keys.get(key_id)
    if key is None:
        raise DecryptionError(f"no key {key_id!r}")
    raw = sealed[len(FILE_PREFIX) + len(key_id) + 1 :]
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("too short")
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    decryptor = Cipher(_sm4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(purpose.encode())
    try:
        return decryptor.update(body) + decryptor.finalize()
    except InvalidTag as exc:
        raise DecryptionError("authentication failed") from exc


def blind_index(value: str, *, keys: FieldKeys, purpose: str) -> str:
    """HMAC-SM3 of the value under the index key, as 64 hex digits; equal values give equal indexes."""
    mac = _hmac_prefix(keys.index_key, purpose).copy()
    mac.update(value.encode())
    return mac.finalize().hex()
