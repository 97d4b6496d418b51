"""Resident ID numbers (居民身份证号码, GB 11643): format, check digit, birth date, sex, area code.

The format and check digit are python-stdnum's ``cn.ric`` rules, computed here without its generic cleaning (an
import checks a million numbers; the property tests hold the two to agreeing). Its ``is_valid`` is not used: it rejects real
IDs whose area code is newer than the holder's birth year and can raise ``KeyError``. The area code is checked
here against the region table instead, by the caller's lookup.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext

from bottomline.privacy.crypto import FieldKeys, blind_index, encrypt
from bottomline.privacy.masking import mask_id_number

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
    resident = parse_number(raw, today=today or timezone.localdate())  # the day in China
    warnings = check_area(resident.number, resident.birth_date.year, area)
    if warnings:
        return ResidentId(
            number=resident.number,
            birth_date=resident.birth_date,
            sex=resident.sex,
            area_code=resident.area_code,
            warnings=warnings,
        )
    return resident


_ASCII_DIGITS = frozenset("0123456789")


def parse_number(raw: object, *, today: date) -> ResidentId:
    """Format, check digit, birth date and sex, without the area check (no lookup: it can run in a worker).

    The same decisions as python-stdnum's ``cn.ric`` (its ``calc_check_digit`` and ``get_birth_date``, the
    reference in the property tests), without its generic cleaning of separators, which an import of a
    million numbers would pay for on every one.
    """
    number = normalize(raw)
    if len(number) != 18:
        raise IdNumberError("length", f"an ID number has 18 characters, this one has {len(number)}")
    body = number[:17]
    last = number[17]
    # ASCII only: str.isdigit also accepts e.g. "²", which int() then refuses.
    if not _ASCII_DIGITS.issuperset(body) or not (last in _ASCII_DIGITS or last == "X"):
        raise IdNumberError("format", "an ID number is 17 digits and a final digit or X")
    checksum = (1 - 2 * int(body, 13)) % 11  # GB 11643's weights 2^(17-i) mod 11, as in stdnum
    if ("X" if checksum == 10 else str(checksum)) != last:
        if number.endswith("000"):
            raise IdNumberError(
                "mangled",
                "the ID number looks rounded by a spreadsheet (ends in 000 with a wrong check digit)",
            )
        raise IdNumberError("checksum", "the check digit (the 18th character) is wrong")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError(
            "birth_date", "the birth date in the ID number (digits 7 to 14) is not a date"
        ) from None
    if birth > today or birth.year < 1890:
        raise IdNumberError(
            "birth_date", f"the birth date {birth.isoformat()} in the ID number is not possible"
        )
    return ResidentId(
        number=number,
        birth_date=birth,
        sex="M" if int(number[16]) % 2 else "F",
        area_code=number[:6],
    )


def check_area(number: str, birth_year: int, area: AreaLookup) -> tuple[str, ...]:
    """The area code against the region table: an unknown province is an error, the rest are warnings."""
    info = area(number[:6])
    if info is None:
        if area(number[:2] + "0000") is None:
            raise IdNumberError("area", f"the area code {number[:6]} names no province")
        return (
            gettext("The area code %(code)s is not in the region table (it may be a retired code).")
            % {"code": number[:6]},
        )
    if info.created_year is not None and info.created_year > birth_year:
        return (
            gettext(
                "The area code %(code)s (%(name)s) dates from %(created)s, after the birth year %(born)s: "
                "the number may have been issued after a re-coding."
            )
            % {"code": number[:6], "name": info.name, "created": info.created_year, "born": birth_year},
        )
    return ()


def seal_numbers(
    raws: list[object], *, keys: FieldKeys, purpose: str, today: date, encrypted: bool
) -> list[tuple[str, ...]]:
    """Check a batch of raw ID numbers and make what is stored of each, in order; no area check, no database.

    For a good number: ``(number, birth date ISO, sex, blind index, ciphertext or "", masked)``; for a bad one:
    ``(code, message)`` of its ``IdNumberError``. Plain tuples of text, so that a batch crosses cheaply from a
    worker process (the import spreads this, its CPU-bound part, over the cores).
    """
    out: list[tuple[str, ...]] = []
    append = out.append
    for raw in raws:
        try:
            resident = parse_number(raw, today=today)
        except IdNumberError as exc:
            append((exc.code, str(exc)))
            continue
        number = resident.number
        append(
            (
                number,
                resident.birth_date.isoformat(),
                resident.sex,
                blind_index(number, keys=keys, purpose=purpose),
                encrypt(number, keys=keys, purpose=purpose) if encrypted else "",
                mask_id_number(number),
            )
        )
    return out
