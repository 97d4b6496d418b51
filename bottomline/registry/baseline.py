"""The baseline figures the documents count by (issue 14 item 8): lifted-out people and households, their
per-capita net income and its growth, relocated households and people, former poverty villages, key counties.

Counted live from the archive for a set of households the caller has already scoped through the gate (the
dashboards' baseline page). People are the members registered now (the archive keeps no member count by date);
incomes are those of the calendar years before the day asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from bottomline.regions.models import Level, Region
from bottomline.registry.choices import HouseholdType
from bottomline.registry.models import Household, IncomeRecord, Member


@dataclass(frozen=True)
class Baseline:
    """One region's baseline figures on a day."""

    lifted_households: int
    lifted_people: int
    income_year: int
    lifted_income: Decimal | None  # per-capita net income of lifted-out households in ``income_year``
    lifted_income_before: Decimal | None  # the year before
    relocated_households: int
    relocated_people: int
    former_poor_villages: int
    key_counties: int
    by_lifted_year: list[tuple[int | None, int]]  # (脱贫年度, households)

    @property
    def income_growth(self) -> Decimal | None:
        """The growth of the per-capita income over the year before, in per cent (None without both)."""
        if not self.lifted_income or self.lifted_income_before is None or not self.lifted_income_before:
            return None
        return ((self.lifted_income / self.lifted_income_before - 1) * 100).quantize(Decimal("0.1"))


def _per_capita(households: QuerySet[Household], year: int) -> Decimal | None:
    """Total net income over total household size of the households' records of a calendar year: the people
    of all households counted once, as the published 脱贫户人均纯收入 is (not a mean of households' means)."""
    sums = IncomeRecord.objects.filter(
        household__in=households, period_start__year=year, period_end__year=year
    ).aggregate(income=Sum("net_income"), people=Sum("household_size"))
    if not sums["people"]:
        return None
    return (Decimal(sums["income"]) / Decimal(sums["people"])).quantize(Decimal("0.01"))


def baseline_figures(*, households: QuerySet[Household], region: Region, on: date) -> Baseline:
    """The baseline figures of ``households`` (already scoped) in ``region``, incomes up to the year before ``on``."""
    lifted = households.filter(household_type=HouseholdType.LIFTED)
    relocated = households.filter(relocated=True)
    year = on.year - 1
    low, high = region.bounds
    regions = Region.objects.filter(code__range=(low, high), valid_to__isnull=True)
    return Baseline(
        lifted_households=lifted.count(),
        lifted_people=Member.objects.filter(household__in=lifted).count(),
        income_year=year,
        lifted_income=_per_capita(lifted, year),
        lifted_income_before=_per_capita(lifted, year - 1),
        relocated_households=relocated.count(),
        relocated_people=Member.objects.filter(household__in=relocated).count(),
        former_poor_villages=regions.filter(level=Level.VILLAGE, former_poor_village=True).count(),
        key_counties=regions.filter(level=Level.COUNTY, key_county=True).count(),
        by_lifted_year=list(
            lifted.order_by("lifted_year")
            .values("lifted_year")
            .annotate(n=Count("pk"))
            .values_list("lifted_year", "n")
        ),
    )
