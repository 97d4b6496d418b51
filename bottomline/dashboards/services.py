"""Keeping the per-village, per-month figures fresh.

``figures_refresh`` recomputes the rows of some villages (or all) for some months and replaces them in one
transaction. It runs after every county decision and announcement (monitoring.casework.case_step, on commit),
for the villages where a screening run raised leads (engine.services.screening_run), and nightly for the last 24 months
(``manage.py figures_refresh``), which also catches what the hooks do not see (a measure or an income saved,
a feed applied).

``figures_refresh_days`` writes the figures of counties, prefectures and provinces as of past days (``RegionDay``):
nightly for the last days (7 by default), so that each stored day is recomputed for a week after it and late
entries of that week count. A step dated in the past removes the stored days it changes (those from its date to
the end of its month, whose month-to-date flows it enters) of its county and the regions above it: that county
is computed live (beside the other counties' stored days) until the nightly run writes them again, or for good
when they lie beyond its days.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from bottomline.dashboards.compute import (
    Period,
    chunks,
    figures_compute,
    figures_compute_counties,
    month_end,
    month_period,
    month_start,
)
from bottomline.dashboards.indicators import PART_NAMES
from bottomline.dashboards.models import RegionDay, RegionMonth, VillageMonth
from bottomline.monitoring.models import Case
from bottomline.regions.models import CODE_LENGTH, PREFIX_LENGTH, Level, Region


def _villages(region_code: str | None) -> list[str]:
    """The codes of the villages that have households (of a region, or all)."""
    rows = Region.objects.filter(level=Level.VILLAGE, households__isnull=False)
    if region_code is not None:
        region = Region.objects.get(code=region_code)
        rows = rows.filter(code__range=region.bounds)
    return sorted(set(rows.values_list("code", flat=True)))


def figures_refresh(*, village_codes: Sequence[str] | None = None, months: Iterable[date]) -> int:
    """Recompute and replace the figures of the villages (all that have households when None) for the months
    (any day of each); returns the number of rows written."""
    firsts = sorted({month_start(m) for m in months})
    if not firsts:
        return 0
    codes = sorted(set(village_codes)) if village_codes is not None else _villages(None)
    today = timezone.localdate()
    periods = [month_period(first, today) for first in firsts if first <= today]
    rows = figures_compute(codes=codes, periods=periods)
    now = timezone.now()
    with transaction.atomic():
        if village_codes is None:  # everything: rows of villages that have lost their households go too
            VillageMonth.objects.filter(month__in=firsts).delete()
        else:
            for chunk in chunks(codes):
                VillageMonth.objects.filter(village__in=chunk, month__in=firsts).delete()
        VillageMonth.objects.bulk_create(
            [VillageMonth(village=village, month=month, refreshed_at=now, **parts)
             for (village, month), parts in sorted(rows.items())],
            batch_size=500,
        )  # fmt: skip
        figures_roll_up(village_codes=village_codes, months=firsts)
    return len(rows)


def figures_roll_up(*, village_codes: Sequence[str] | None, months: Sequence[date]) -> int:
    """Recompute the township, county, prefecture and province rows above the villages (all when None) for the
    months (their first days), each level from the rows of the level just below (townships from the village
    rows): every part is a sum, so the sums of the sums are the same figures. Returns the number of rows
    written."""
    now = timezone.now()
    written = 0
    for level in (Level.TOWNSHIP, Level.COUNTY, Level.PREFECTURE, Level.PROVINCE):
        width = PREFIX_LENGTH[level]
        below: QuerySet[Any]
        if level == Level.TOWNSHIP:
            field, below = "village", VillageMonth.objects.filter(month__in=months)
        else:
            field, below = "code", RegionMonth.objects.filter(level=level + 1, month__in=months)
        below = below.annotate(prefix=Substr(field, 1, width))
        stale = RegionMonth.objects.filter(level=level, month__in=months)
        sources: list[QuerySet[Any]] = []
        if village_codes is None:
            stale.delete()
            sources.append(below)
        else:  # only the regions above these villages, each read over the code range of its slice
            for chunk in chunks(sorted({c[:width] for c in village_codes})):
                stale.filter(code__in=[p.ljust(CODE_LENGTH, "0") for p in chunk]).delete()
                span = (chunk[0].ljust(CODE_LENGTH, "0"), chunk[-1].ljust(CODE_LENGTH, "9"))
                sources.append(below.filter(**{f"{field}__range": span}, prefix__in=chunk))
        rows = [
            RegionMonth(month=found["month"], **_parent(found, level, now))
            for source in sources
            for found in source.values("prefix", "month").annotate(**SUMS).order_by()
        ]
        RegionMonth.objects.bulk_create(rows, batch_size=500)
        written += len(rows)
    return written


SUMS = {f"m_{p}": Sum(p) for p in PART_NAMES}  # prefixed: an aggregate may not take a column's name


def _parent(found: dict[str, Any], level: int, now: datetime) -> dict[str, Any]:
    """The fields of a region's row from the ``SUMS`` of the rows below it, grouped by its code's ``prefix``."""
    return {
        "code": str(found["prefix"]).ljust(CODE_LENGTH, "0"),
        "level": level,
        "refreshed_at": now,
        **{p: int(found[f"m_{p}"] or 0) for p in PART_NAMES},
    }


def figures_refresh_region(*, region_code: str | None, months: Iterable[date]) -> int:
    """Recompute the figures of every village of a region (or of all) for the months."""
    return figures_refresh(village_codes=_villages(region_code), months=months)


def figures_after_step(*, case_id: int, on: date) -> None:
    """Refresh the figures of a case's village after a step: the current month, and the month the step is dated
    in when that is earlier (a decision recorded late changes that month's flows)."""
    village = Case.objects.filter(pk=case_id).values_list("household__village__code", flat=True).first()
    if village is None:
        return
    today = timezone.localdate()
    figures_refresh(village_codes=[village], months={today, on})
    if on < today:  # the stored days whose month-to-date flows the step enters
        above = [village[: PREFIX_LENGTH[level]].ljust(CODE_LENGTH, "0") for level in DAY_LEVELS]
        last = min(month_end(month_start(on)), today - timedelta(days=1))
        RegionDay.objects.filter(code__in=above, day__range=(on, last)).delete()


# The levels whose figures are stored for past days; below them a day is computed live (a township's records
# are few).
DAY_LEVELS = (Level.COUNTY, Level.PREFECTURE, Level.PROVINCE)


def figures_refresh_days(*, region_code: str | None, days: Iterable[date]) -> int:
    """Recompute and replace the figures as of each past day (stocks at its end, flows from the first of its
    month) of the counties of a region (or of all) and of the prefectures and provinces above them; returns the
    number of rows written. A prefecture's or province's day is written only when every county of it that has
    households has that day (a region-limited run may leave the rest unwritten: they are computed live)."""
    wanted = sorted({d for d in days if d < timezone.localdate()})
    if not wanted:
        return 0
    everywhere = _villages(None)
    villages = everywhere if region_code is None else _villages(_county_or_above(region_code))
    periods = [Period(month_start(d), d) for d in wanted]
    now = timezone.now()
    counties = [
        RegionDay(code=county, level=Level.COUNTY, day=period.end, refreshed_at=now, **parts)
        for county, period, parts in figures_compute_counties(codes=villages, periods=periods)
    ]
    codes = sorted({c.code for c in counties})
    with transaction.atomic():
        for chunk in chunks(codes):
            RegionDay.objects.filter(code__in=chunk, day__in=wanted).delete()
        RegionDay.objects.bulk_create(counties, batch_size=500)
        with_households = {c[:6] for c in everywhere}
        return len(counties) + _days_roll_up(
            counties=codes, days=wanted, now=now, with_households=with_households
        )


def _county_or_above(code: str) -> str:
    """The region, or its county when it lies below one: a county's day is the figures of all its villages."""
    width = PREFIX_LENGTH[Level.COUNTY]
    return code[:width].ljust(CODE_LENGTH, "0") if code[width:].strip("0") else code


def _days_roll_up(*, counties: list[str], days: list[date], now: datetime, with_households: set[str]) -> int:
    """Rewrite the prefecture and province rows above the counties for the days, each the sum of its county rows
    when all its counties with households (``with_households``, by 6-digit prefix) are there."""
    written = 0
    for level in (Level.PREFECTURE, Level.PROVINCE):
        width = PREFIX_LENGTH[level]
        parents = sorted({c[:width] for c in counties})
        expected = {p: sum(1 for c in with_households if c.startswith(p)) for p in parents}
        rows = []
        for chunk in chunks(parents):
            RegionDay.objects.filter(
                code__in=[p.ljust(CODE_LENGTH, "0") for p in chunk], day__in=days
            ).delete()
            span = (chunk[0].ljust(CODE_LENGTH, "0"), chunk[-1].ljust(CODE_LENGTH, "9"))
            found: QuerySet[Any] = (
                RegionDay.objects.filter(level=Level.COUNTY, day__in=days, code__range=span)
                .annotate(prefix=Substr("code", 1, width))
                .filter(prefix__in=chunk)
                .values("prefix", "day")
                .annotate(n=Count("pk"), **SUMS)
                .order_by()
            )
            rows += [
                RegionDay(day=f["day"], **_parent(f, level, now))
                for f in found
                if f["n"] == expected[f["prefix"]]
            ]
        RegionDay.objects.bulk_create(rows, batch_size=500)
        written += len(rows)
    return written
