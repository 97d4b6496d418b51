"""The field keys from settings, parsed once per process."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from bottomline.privacy.crypto import FieldKeys, parse_keys


@cache
def field_keys() -> FieldKeys:
    """The configured SM4 keys and blind-index key (a configuration error surfaces on first use)."""
    return parse_keys(
        settings.FIELD_ENCRYPTION_KEYS, settings.FIELD_ENCRYPTION_ACTIVE_KEY, settings.BLIND_INDEX_KEY
    )
