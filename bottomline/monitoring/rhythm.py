"""The follow-up rhythm, defined once: a monitored case's next follow-up is due ``every`` months after the latest
one since identification (or after identification), clamped to the month's end, and overdue the day after. The
case page reads the due day (``readiness.followup_due``); the queue reads the same rule backwards as a date the
latest visit must not be before (``overdue_if_last_before``), so both agree on every day, month ends included."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from bottomline.registry.features import months_before


def followup_months(params: Mapping[str, Any]) -> int:
    """How many months may pass between follow-up visits (parameter ``followup_months``, monthly by default)."""
    return int(params.get("followup_months") or 1)


def months_after(day: date, months: int) -> date:
    """The same day ``months`` calendar months later, clamped to the month's end."""
    return months_before(day, -months)


def overdue_if_last_before(today: date, every: int) -> date:
    """The earliest latest-visit day whose follow-up is not yet overdue on ``today``: a case is overdue exactly
    when its latest visit is before this day (``months_after(last, every) < today``; months_after never
    decreases, and a clamped month end moves the answer forward by at most three days)."""
    day = months_before(today, every)
    while months_after(day, every) < today:
        day += timedelta(days=1)
    return day
