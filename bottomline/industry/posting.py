"""How a linkage's yearly amount becomes income entries (docs/programs.md, "Industries and benefit linkage").

One entry per calendar year in effect, up to the year posted in (``through``): the yearly amount times the
months in effect that year over 12, to the fen (half up). A month is in effect when the linkage is on its last
day (started on or before it, not ended before it): a linkage from 15 January counts January, one ended on
10 March does not count March. The entry is dated the last day of the year's last month in effect, so a
linkage in effect to the year's end is dated 31 December. Its source is ``industry.linkage:<id>:<year>``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

SOURCE = "industry.linkage"


def source_of(linkage_id: int, year: int) -> str:
    """The stable source of a linkage's entry for a year."""
    return f"{SOURCE}:{linkage_id}:{year}"


def linkage_of(source: str) -> int | None:
    """The linkage id of an entry's source (None: not a linkage's)."""
    parts = source.split(":")
    if len(parts) != 3 or parts[0] != SOURCE or not parts[1].isdigit():
        return None
    return int(parts[1])


@dataclass(frozen=True)
class YearPart:
    """A linkage's part of one calendar year: months in effect, the amount and the day it is dated."""

    year: int
    months: int
    amount: Decimal
    on: date


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def year_parts(*, amount_per_year: Decimal, start: date, end: date | None, through: int) -> list[YearPart]:
    """The linkage's entries, one per calendar year from its start to its end (or ``through``, if later or
    open), leaving out a year with no month in effect."""
    last_year = through if end is None else min(end.year, through)
    parts: list[YearPart] = []
    for year in range(start.year, last_year + 1):
        months = [
            m
            for m in range(1, 13)
            if start <= month_end(year, m) and (end is None or month_end(year, m) <= end)
        ]
        if not months:
            continue
        amount = (Decimal(amount_per_year) * len(months) / 12).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        parts.append(YearPart(year, len(months), amount, month_end(year, months[-1])))
    return parts


def in_effect_on(*, start: date, end: date | None, on: date) -> bool:
    """Whether a linkage is in effect on a day (its start and end days included)."""
    return start <= on and (end is None or end >= on)
