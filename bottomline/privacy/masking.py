"""How personal numbers look wherever they are shown: masked by default."""

from __future__ import annotations


def mask_number(number: str, head: int = 3, tail: int = 4) -> str:
    """Keep the first ``head`` and last ``tail`` characters: ID ``630***********1234``, phone ``139****5678``."""
    if len(number) <= head + tail:
        return "*" * len(number)
    return number[:head] + "*" * (len(number) - head - tail) + number[-tail:]
