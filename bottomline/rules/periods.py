"""A household's income facts from its income periods: the arithmetic, defined once (docs/rules.md,
"Arithmetic") and run by both evaluators: the batch over a whole snapshot, the online path over one household's
periods. No Django here.

- Money is exact to the fen: amounts are turned into whole fen (the registry stores two decimals).
- A period of 365 or 366 days is a year and taken as it is; any other period is annualised, × 365 / its days
  (the monitoring line is a yearly per-capita income).
- A per-capita figure is the annual amount divided by the period's household size, rounded half away from zero
  to the fen (as PostgreSQL's numeric and the stored two-decimal figure): that rounded figure is what is shown,
  what is compared with the line, and what an inspector reads on the record.
- Months above the line are whole months of continuous time covered by the newest periods at or above the line:
  the run stops at the first period below it (or without income) and at the first gap of a day or more.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

DAYS_PER_YEAR = 365
EPOCH = date(1970, 1, 1)  # days are counted from it (as Arrow's date32)
NONE_START = np.iinfo(np.int64).min  # a period without a start sorts oldest, as NULLS LAST


def fen(yuan: Floats) -> Ints:
    """Whole fen of amounts in yuan (a double read from either database is within far less than half a fen)."""
    return np.rint(np.asarray(yuan, dtype=np.float64) * 100).astype(np.int64)


def divide_half_away(numerator: Ints, denominator: Ints) -> Ints:
    """numerator / denominator (> 0) rounded half away from zero, in integers."""
    sign = np.where(numerator < 0, -1, 1)
    return np.asarray(sign * ((2 * np.abs(numerator) + denominator) // (2 * denominator)), dtype=np.int64)


def period_days(start: Ints, end: Ints) -> Ints:
    """Days a period covers, both ends counted (days since 1970 in)."""
    return np.asarray(end - start + 1, dtype=np.int64)


def year_basis(days: Ints) -> Ints:
    """The days an amount is scaled to: the period's own for a year (365 or 366 days), else 365."""
    return np.where((days == 365) | (days == 366), days, DAYS_PER_YEAR).astype(np.int64)


def annual_fen(amount_fen: Ints, days: Ints, size: Ints | int = 1) -> Ints:
    """An amount of a period as a year's, per person of ``size``, in fen rounded half away from zero."""
    days = np.maximum(days, 1)
    return divide_half_away(amount_fen * year_basis(days), np.asarray(size, dtype=np.int64) * days)


def whole_months(start: Ints, stop: Ints) -> Ints:
    """Whole calendar months from each start day to each stop day (exclusive; days since 1970 in): the month
    from the 31st ends on the last day of a shorter month, as a calendar counts it."""
    s = np.asarray(start, dtype=np.int64).astype("datetime64[D]")
    e = np.asarray(stop, dtype=np.int64).astype("datetime64[D]")
    s_month, e_month = s.astype("datetime64[M]"), e.astype("datetime64[M]")
    months = (e_month - s_month).astype(np.int64)
    start_day = (s - s_month.astype("datetime64[D]")).astype(np.int64) + 1
    stop_day = (e - e_month.astype("datetime64[D]")).astype(np.int64) + 1
    month_length = ((e_month + 1).astype("datetime64[D]") - e_month.astype("datetime64[D]")).astype(np.int64)
    months = months - (np.minimum(start_day, month_length) > stop_day)
    return np.asarray(np.maximum(months, 0), dtype=np.int64)


def newest_first(rows: Ints, start: Ints) -> Ints:
    """The order by household, then newest start first (ties keep their order)."""
    if not len(rows):
        return np.empty(0, dtype=np.int64)
    low, high = int(start.min()), int(start.max())
    span = high - low + 1
    if 0 < span < 2**20 and len(rows) * span < 2**62:  # one integer key: a stable sort, fast on grouped input
        return np.asarray(np.argsort(rows * span + (high - start), kind="stable"), dtype=np.int64)
    order: Ints = np.lexsort((-(start.astype(np.float64)), rows))
    return order


def income_facts(
    *,
    n: int,
    rows: Ints,
    start: Ints,
    end: Ints,
    no_dates: Bools,
    net: Ints,
    rigid: Ints,
    medical: Ints,
    education: Ints,
    no_income: Bools,
    no_rigid: Bools,
    size: Ints,
    line: Floats,
    no_line: Bools,
    since: Ints | None = None,
) -> dict[str, tuple[Floats | Ints, Bools]]:
    """Per household (``n`` of them; ``rows`` maps each period to its household, 0..n-1): the newest period's
    annual per-capita income, net income, rigid spending (and its medical and education parts) and per-capita
    income after that spending, the
    per-capita income of the period before, and the months above ``line`` (per household, in yuan). Amounts in
    fen; each fact as (values, null mask). ``since``: days since 1970 per household, from which the months above
    the line are counted (risk elimination counts only the months while monitored)."""
    safe_size = np.maximum(size, 1)
    days = np.where(no_dates, DAYS_PER_YEAR, period_days(start, end))
    per_capita = annual_fen(net, days, safe_size)
    after = annual_fen(net - rigid, days, safe_size)
    order = newest_first(rows, np.where(no_dates, NONE_START, start))
    rows = rows[order]
    m = len(rows)
    starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1]))) if m else np.empty(0, np.int64)
    sizes = np.diff(np.append(starts, m))
    first = rows[starts]

    def latest(values: Ints, unknown: Bools = no_income, offset: int = 0) -> tuple[Floats, Bools]:
        has = sizes > offset
        at = order[starts[has] + offset]
        out, null = np.zeros(n), np.ones(n, dtype=np.bool_)
        out[first[has]] = values[at] / 100
        null[first[has]] = unknown[at]
        return np.where(null, 0.0, out), null

    months = np.zeros(n, dtype=np.int64)
    if m:
        rank = np.arange(m) - np.repeat(starts, sizes)
        # Compared exactly: the per-capita fen against the line in ten-thousandths of a yuan (its four places).
        line_e4 = np.rint(np.where(no_line, 0.0, line) * 10000).astype(np.int64)
        below = no_income[order] | no_dates[order] | no_line[rows] | (per_capita[order] * 100 < line_e4[rows])
        s, e = start[order], end[order]
        # Continuous: each older period ends at most a day before the newer one starts.
        previous_start = np.concatenate(([0], s[:-1]))
        gap = (rank > 0) & (e + 1 < previous_start)
        first_break = np.minimum(np.minimum.reduceat(np.where(below | gap, rank, m), starts), sizes)
        run = first_break > 0
        oldest = starts[run] + first_break[run] - 1
        latest_end = np.maximum.reduceat(
            np.where(rank < np.repeat(first_break, sizes), e, NONE_START), starts
        )
        # With ``since`` (per household: the day monitoring began) only the time from that day on counts.
        begin = s[oldest] if since is None else np.maximum(s[oldest], since[first[run]])
        months[first[run]] = whole_months(begin, latest_end[run] + 1)
    return {
        "per_capita_income": latest(per_capita),
        "previous_per_capita_income": latest(per_capita, offset=1),
        "net_income": latest(annual_fen(net, days)),
        "rigid_spending": latest(annual_fen(rigid, days), no_rigid),
        "per_capita_income_after_spending": latest(after, no_income | no_rigid),
        "medical_spending": latest(annual_fen(medical, days), no_rigid),
        "education_spending": latest(annual_fen(education, days), no_rigid),
        "months_above_line": (months, np.zeros(n, dtype=np.bool_)),
    }
