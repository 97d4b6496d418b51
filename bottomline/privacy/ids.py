"""Resident ID numbers (居民身份证号码, GB 11643): format, check digit, birth date, sex, area code.

python-stdnum's ``cn.ric`` checks the format and check digit. Its ``is_valid`` is not used: it rejects real
IDs whose area code is newer than the holder's birth year and can raise ``KeyError``. The area code is checked
here against the region table instead, by the caller's lookup.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from stdnum.cn import ric

# What the area lookup says of a 6-digit code: the year it took effect, or None when the table lacks it.
AreaLookup = Callable[[str], "AreaInfo | None"]


@dataclass(frozen=True)
class AreaInfo:
    """A county-level code from the region table."""

    name: str
    created_year: int | None  # the year the code took effect, when known (a re-coded county)


class IdNumberError(ValueError):
    """An ID number that cannot be accepted; ``code`` names the reason for translation."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ResidentId:
    """A checked ID number and what it says."""

    number: str
    birth_date: date
    sex: str  # "M" or "F", from the 17th digit
    area_code: str
    warnings: tuple[str, ...] = field(default=())


# Excel turns long digit strings into floats: 6.30106E+17, or digits ending in 000 after a round trip.
SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


def normalize(raw: object) -> str:
    """Strip spaces and upper-case the final X; refuse non-text that a spreadsheet produced."""
    if not isinstance(raw, str):
        raise IdNumberError("not_text", "the ID number must be read as text, not as a number")
    text = raw.strip().replace(" ", "").upper()
    if SCIENTIFIC.match(text):
        raise IdNumberError(
            "scientific", "the ID number was turned into a number by a spreadsheet (e.g. 6.30106E+17)"
        )
    return text


def parse_resident_id(raw: object, *, area: AreaLookup, today: date | None = None) -> ResidentId:
    """Check an 18-digit ID number and derive birth date and sex; an area newer than the birth is a warning."""
    number = normalize(raw)
    if len(number) != 18:
        raise IdNumberError("length", f"an ID number has 18 characters, this one has {len(number)}")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError("format", "an ID number is 17 digits and a final digit or X")
    if ric.calc_check_digit(number) != number[17]:
        if number.endswith("000") and number[:15].isdigit():
            raise IdNumberError(
                "mangled",
                "the ID number looks rounded by a spreadsheet (ends in 000 with a wrong check digit)",
            )
        raise IdNumberError("checksum", "the check digit (the 18th character) is wrong")
    try:
        birth = ric.get_birth_date(number)
    except ric.InvalidComponent:
        raise IdNumberError(
            "birth_date", "the birth date in the ID number (digits 7 to 14) is not a date"
        ) from None
    today = today or date.today()
    if birth > today or birth.year < 1890:
        raise IdNumberError(
            "birth_date", f"the birth date {birth.isoformat()} in the ID number is not possible"
        )
    warnings: list[str] = []
    info = area(number[:6])
    if info is None:
        if area(number[:2] + "0000") is None:
            raise IdNumberError("area", f"the area code {number[:6]} names no province")
        warnings.append(f"the area code {number[:6]} is not in the region table (it may be a retired code)")
    elif info.created_year is not None and info.created_year > birth.year:
        warnings.append(
            f"the area code {number[:6]} ({info.name}) dates from {info.created_year}, after the birth year "
            f"{birth.year}: the number may have been issued after a re-coding"
        )
    return ResidentId(
        number=number,
        birth_date=birth,
        sex="M" if int(number[16]) % 2 else "F",
        area_code=number[:6],
        warnings=tuple(warnings),
    )
