"""Receipt numbers: what a declarant is given to look a declaration up with."""

from __future__ import annotations

import secrets

# Crockford-like: no I, L, O, 0 or 1, which people misread and mistype. 31^12 ≈ 8·10^17 receipts: a look-up
# limited to a few dozen tries an hour cannot find one by guessing.
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RECEIPT_LENGTH = 12


def receipt_new() -> str:
    """A random, unguessable receipt number of 12 unambiguous characters."""
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def receipt_normalize(raw: str) -> str:
    """A receipt as typed (spaces, dashes, lower case) in its stored form."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())
