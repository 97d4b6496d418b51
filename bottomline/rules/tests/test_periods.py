"""The arithmetic of rules.periods by hand (docs/rules.md, "Arithmetic")."""

from __future__ import annotations

from datetime import date

import numpy as np

from bottomline.rules.periods import annual_fen, divide_half_away, whole_months

EPOCH = date(1970, 1, 1)


def _days(*days: str) -> np.ndarray:
    return np.array([(date.fromisoformat(d) - EPOCH).days for d in days], dtype=np.int64)


def test_whole_months_count_covered_time() -> None:
    starts = _days("2026-06-30", "2026-01-01", "2026-01-31", "2026-07-01", "2026-03-15", "2026-03-15")
    stops = _days("2026-11-02", "2027-01-01", "2026-03-01", "2026-10-01", "2026-04-14", "2026-03-16")
    assert whole_months(starts, stops).tolist() == [4, 12, 1, 3, 0, 0]


def test_rounding_is_half_away_from_zero_to_the_fen() -> None:
    numerators = np.array([2009999, 2009998, 1339999, -1339999, 5], dtype=np.int64)
    denominators = np.array([3, 3, 2, 2, 10], dtype=np.int64)
    assert divide_half_away(numerators, denominators).tolist() == [670000, 669999, 670000, -670000, 1]


def test_a_year_is_taken_as_it_is_and_other_periods_are_annualised() -> None:
    amounts = np.array([2009999, 500000, 500000], dtype=np.int64)
    days = np.array([366, 92, 730], dtype=np.int64)
    # A leap year as it is; a quarter × 365 / 92; two years halved.
    assert annual_fen(amounts, days, np.array([3, 1, 1])).tolist() == [670000, 1983696, 250000]
