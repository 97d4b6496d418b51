"""SM4-GCM field encryption and HMAC-SM3 blind indexes."""

from __future__ import annotations

import base64
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bottomline.privacy.crypto import (
    DecryptionError,
    FieldKeys,
    KeyConfigError,
    blind_index,
    decrypt,
    decrypt_bytes,
    encrypt,
    encrypt_bytes,
    key_id_of,
    parse_keys,
)
from bottomline.privacy.masking import mask_id_number, mask_number, remask_id_numbers

KEYS = FieldKeys(keys={"k1": b"0" * 16, "k2": b"1" * 16}, active="k2", index_key=b"i" * 32)


@given(st.text(max_size=64))
def test_round_trip_with_fresh_nonces(value: str) -> None:
    first, second = (
        encrypt(value, keys=KEYS, purpose="member.id_number"),
        encrypt(value, keys=KEYS, purpose="member.id_number"),
    )
    assert first != second  # a fresh nonce each time: equal values do not look equal at rest
    assert decrypt(first, keys=KEYS, purpose="member.id_number") == value
    assert key_id_of(first) == "k2"


def test_an_id_number_does_not_appear_in_its_ciphertext() -> None:
    token = encrypt("630106199001011234", keys=KEYS, purpose="member.id_number")
    assert "630106199001011234" not in token
    assert b"630106199001011234" not in base64.b64decode(token.split(":")[1])


def test_wrong_purpose_tampering_and_unknown_keys_fail_loudly() -> None:
    token = encrypt("630106199001011234", keys=KEYS, purpose="member.id_number")
    with pytest.raises(DecryptionError):
        decrypt(token, keys=KEYS, purpose="household.phone")
    raw = bytearray(base64.b64decode(token.split(":")[1]))
    raw[20] ^= 1
    with pytest.raises(DecryptionError):
        decrypt("k2:" + base64.b64encode(bytes(raw)).decode(), keys=KEYS, purpose="member.id_number")
    with pytest.raises(DecryptionError):
        decrypt("k9:" + token.split(":")[1], keys=KEYS, purpose="member.id_number")


def test_old_key_values_still_decrypt_after_rotation() -> None:
    old = FieldKeys(keys={"k1": b"0" * 16}, active="k1", index_key=b"i" * 32)
    token = encrypt("13912345678", keys=old, purpose="household.phone")
    assert decrypt(token, keys=KEYS, purpose="household.phone") == "13912345678"


def test_blind_index_is_stable_keyed_and_separated_by_purpose() -> None:
    a = blind_index("630106199001011234", keys=KEYS, purpose="member.id_number")
    assert a == blind_index("630106199001011234", keys=KEYS, purpose="member.id_number")
    assert len(a) == 64
    assert a != blind_index("630106199001011234", keys=KEYS, purpose="household.phone")
    other = FieldKeys(keys=KEYS.keys, active="k2", index_key=b"j" * 32)
    assert a != blind_index("630106199001011234", keys=other, purpose="member.id_number")


def test_key_configuration_errors_are_clear() -> None:
    key = base64.b64encode(os.urandom(16)).decode()
    index = base64.b64encode(os.urandom(32)).decode()
    assert parse_keys(f"a1:{key}", "a1", index).active == "a1"
    with pytest.raises(KeyConfigError, match="active key"):
        parse_keys(f"a1:{key}", "a2", index)
    with pytest.raises(KeyConfigError, match="16 bytes"):
        parse_keys("a1:" + base64.b64encode(b"short").decode(), "a1", index)
    with pytest.raises(KeyConfigError, match="base64"):
        parse_keys("a1:***", "a1", index)


def test_masks() -> None:
    assert mask_number("630106199001011234") == "630***********1234"
    assert mask_number("13912345678") == "139****5678"
    assert mask_number("1234") == "****"
    # An ID number keeps no birth date and no sequence digit: the first 3 and the check character only.
    assert mask_id_number("630106199001011234") == "630**************4"
    assert remask_id_numbers("王 630***********123X, 139****5678") == "王 630**************X, 139****5678"


def test_blind_index_is_the_plain_hmac_sm3_of_purpose_and_value() -> None:
    # Indexes already stored were made as one HMAC over "purpose NUL value": the reused prefix state must
    # give exactly the same, whatever was indexed before.
    from cryptography.hazmat.primitives import hashes, hmac

    for purpose, value in [
        ("member.id_number", "630106199001011234"),
        ("household.phone", "13912345678"),
    ] * 2:
        mac = hmac.HMAC(KEYS.index_key, hashes.SM3())
        mac.update(purpose.encode() + b"\x00" + value.encode())
        assert blind_index(value, keys=KEYS, purpose=purpose) == mac.finalize().hex()


def test_a_value_encrypted_as_before_still_decrypts() -> None:
    # The stored format: "<key id>:" + base64(nonce ‖ ciphertext ‖ tag), made here the way it always was.
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    nonce = b"n" * 12
    encryptor = Cipher(algorithms.SM4(KEYS.keys["k1"]), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(b"member.id_number")
    body = encryptor.update(b"630106199001011234") + encryptor.finalize()
    token = "k1:" + base64.b64encode(nonce + body + encryptor.tag).decode()
    assert decrypt(token, keys=KEYS, purpose="member.id_number") == "630106199001011234"
    fresh = encrypt("630106199001011234", keys=KEYS, purpose="member.id_number")
    assert fresh.startswith("k2:") and len(base64.b64decode(fresh[3:])) == len(nonce + body) + 16


@given(st.binary(max_size=256))
def test_a_sealed_file_opens_only_with_its_key_and_purpose(content: bytes) -> None:
    sealed = encrypt_bytes(content, keys=KEYS, purpose="attachment")
    assert len(content) < 16 or content not in sealed  # shorter ones may occur by chance
    assert decrypt_bytes(sealed, keys=KEYS, purpose="attachment") == content
    with pytest.raises(DecryptionError):
        decrypt_bytes(sealed, keys=KEYS, purpose="member.id_number")
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(DecryptionError):
        decrypt_bytes(tampered, keys=KEYS, purpose="attachment")
    with pytest.raises(DecryptionError):
        decrypt_bytes(
            sealed,
            keys=FieldKeys(keys={"k2": b"9" * 16}, active="k2", index_key=b"i" * 32),
            purpose="attachment",
        )
