"""The pre-aggregate the dashboards read: one row per village and month, one integer column per part, and its
roll-up to every region above the villages.

Parts are sums (dashboards.indicators.PARTS), so a region's figure is the SUM over the village rows whose code
lies in its code range: grouping the village rows on the first 2, 4, 6 or 9 digits of the code gives every
province, prefecture, county and township. That roll-up is kept too (``RegionMonth``), because summing 13,000
villages' rows for a province on every click costs a second; a dashboard request then reads a few dozen rows
at any level. Ratios are computed when read, never stored. ``services.figures_refresh`` writes both.

A past day inside a month ("as of" that day) is read from ``RegionDay`` for a county and every region above it:
stocks as of the day's end, flows from the first of its month to that day, written by the nightly run for the
days just past (``services.figures_refresh_days``). Villages and townships compute such a day live.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bottomline.dashboards.indicators import PARTS


class VillageMonth(models.Model):
    """The parts of every indicator for one village and one month: stocks as of the month's end (today for the
    current month), flows during the month."""

    village = models.CharField(_("village code"), max_length=12)
    month = models.DateField(_("month"))  # its first day
    refreshed_at = models.DateTimeField(_("refreshed"))

    class Meta:
        ordering = ["village", "month"]
        verbose_name = _("village month figures")
        verbose_name_plural = _("village month figures")
        constraints = [models.UniqueConstraint(fields=["village", "month"], name="village_month_once")]
        # Rolling up reads one month over a code range (a region's subtree): month first, then the code range.
        # A village's own rows (and a township's villages) are read through the unique (village, month) index.
        indexes = [models.Index(fields=["month", "village"], name="village_month_rollup")]

    def __str__(self) -> str:
        return f"{self.village} {self.month:%Y-%m}"


class RegionMonth(models.Model):
    """The village rows of one month summed over a province, prefecture, county or township (by code prefix)."""

    code = models.CharField(_("region code"), max_length=12)
    level = models.PositiveSmallIntegerField(_("level"))  # 1 province … 4 township (regions.models.Level)
    month = models.DateField(_("month"))
    refreshed_at = models.DateTimeField(_("refreshed"))

    class Meta:
        ordering = ["code", "month"]
        verbose_name = _("region month figures")
        verbose_name_plural = _("region month figures")
        constraints = [models.UniqueConstraint(fields=["code", "month"], name="region_month_once")]

    def __str__(self) -> str:
        return f"{self.code} {self.month:%Y-%m}"


class RegionDay(models.Model):
    """A county's, prefecture's or province's parts as of the end of one day (flows from the first of its month),
    so that the figures "as of" a past day read one row rather than every record of the region."""

    code = models.CharField(_("region code"), max_length=12)
    level = models.PositiveSmallIntegerField(_("level"))  # 1 province … 3 county (regions.models.Level)
    day = models.DateField(_("day"))
    refreshed_at = models.DateTimeField(_("refreshed"))

    class Meta:
        ordering = ["code", "day"]
        verbose_name = _("region day figures")
        verbose_name_plural = _("region day figures")
        constraints = [models.UniqueConstraint(fields=["code", "day"], name="region_day_once")]
        # The roll-up reads one level's rows of a few days.
        indexes = [models.Index(fields=["level", "day"], name="region_day_rollup")]

    def __str__(self) -> str:
        return f"{self.code} {self.day}"


# One integer column per part, from the table in indicators.py (the one place they are declared).
for _part in PARTS:
    VillageMonth.add_to_class(_part.name, models.IntegerField(_part.name, default=0))
    RegionMonth.add_to_class(_part.name, models.BigIntegerField(_part.name, default=0))
    RegionDay.add_to_class(_part.name, models.BigIntegerField(_part.name, default=0))
