"""How personal numbers look wherever they are shown: masked by default.

An ID number is masked harder than a phone: its middle is the birth date and the sequence, which a viewer can
partly rebuild from the age, sex and village shown beside it (docs/data-model.md, "Protected numbers").
"""

from __future__ import annotations

import re

ID_HEAD, ID_TAIL = 3, 1  # province and prefecture digit, and the check character: no birth date, no sequence


def mask_number(number: str, head: int = 3, tail: int = 4) -> str:
    """Keep the first ``head`` and last ``tail`` characters: phone ``139****5678``."""
    if len(number) <= head + tail:
        return "*" * len(number)
    return number[:head] + "*" * (len(number) - head - tail) + number[-tail:]


def mask_id_number(number: str) -> str:
    """An ID number as every page, export and API answer shows it: ``630**************X``."""
    return mask_number(number, ID_HEAD, ID_TAIL)


# An ID number masked the old way (first 3, last 4), as rows written before the change still hold it.
_OLD_ID_MASK = re.compile(r"(?<![0-9Xx*])([0-9]{3})(\*{11})([0-9]{3})([0-9Xx])(?![0-9Xx*])")


def remask_id_numbers(text: str) -> str:
    """Text with every old-style masked ID number (``630***********1234``) cut to today's mask."""
    return _OLD_ID_MASK.sub(lambda m: m.group(1) + "*" * 14 + m.group(4), text)
