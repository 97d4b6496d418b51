"""A national-format list of a synthetic county (``manage.py national_synth``): the registry's synthetic
population (registry.synth) with a monitoring history from 2021 on, written in the national columns.

Nothing stays in the database: the population is made, given its history and exported inside a transaction
that is then rolled back. A county that already has households is exported as it is, with a history added
to the households that have no case (and that too rolled back). Calibration: docs/interop.md.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from bottomline.interop.exports import WRITERS, national_households, national_rows
from bottomline.interop.importing import case_history_write
from bottomline.jobs.progress import NullProgress
from bottomline.monitoring.models import Case, Category
from bottomline.regions.models import Region
from bottomline.registry.choices import HouseholdType, RiskType
from bottomline.registry.models import Household
from bottomline.registry.synth import synth_county

FIRST_YEAR = 2021  # monitoring objects were first identified under the 2021 mechanism (domain.md §1)
# Assumptions (docs/interop.md): the share of households identified as monitoring objects over the years, the
# categories of lifted-out and of ordinary households, how many of those identified a year or more ago have
# had their risk eliminated, and the years lifted-out households left poverty (Huangzhong: by 2018, seed 004).
MONITORED_SHARE = 0.05
ORDINARY_SUDDEN = 0.2
ELIMINATED_AFTER_A_YEAR = 0.8
LIFTED_YEARS = (2016, 2017, 2018)
RISKS = (
    (RiskType.ILLNESS, 40),
    (RiskType.DISABILITY, 12),
    (RiskType.SCHOOLING, 6),
    (RiskType.DISASTER, 6),
    (RiskType.ACCIDENT, 8),
    (RiskType.UNSTABLE_EMPLOYMENT, 14),
    (RiskType.LACK_OF_LABOUR, 8),
    (RiskType.INCOME_DROP, 6),
)


class _RollBack(Exception):
    """Leaves the transaction of the synthetic county without a trace."""


@dataclass(frozen=True)
class SynthResult:
    content: bytes
    households: int
    cases: int


def _history(rng: random.Random, households: list[Household], on: date, share: float) -> int:
    """Monitoring cases with identification and elimination dates for a share of the households."""
    taken = set(Case.objects.filter(household__in=households).values_list("household_id", flat=True))
    span = (on - date(FIRST_YEAR, 1, 1)).days
    made = 0
    for household in households:
        if household.pk in taken or rng.random() >= share:
            continue
        identified = date(FIRST_YEAR, 1, 1) + timedelta(days=rng.randrange(max(span, 1)))
        if household.household_type == HouseholdType.LIFTED:
            category = Category.UNSTABLE
        else:
            category = Category.SUDDEN if rng.random() < ORDINARY_SUDDEN else Category.MARGINAL
        eliminated = None
        if (on - identified).days > 365 and rng.random() < ELIMINATED_AFTER_A_YEAR:
            eliminated = min(identified + timedelta(days=rng.randint(180, 720)), on - timedelta(days=1))
        risk = rng.choices([r for r, _w in RISKS], weights=[w for _r, w in RISKS])[0]
        case_history_write(
            household=household,
            category=category,
            risk_types=[risk.value],
            identified_on=identified,
            eliminated_on=eliminated,
            reason="synthetic history",
        )
        made += 1
    return made


def national_synth(
    *,
    county: Region,
    seed: int,
    on: date,
    fmt: str,
    lifted: int | None = None,
    extended: bool = True,
    share: float = MONITORED_SHARE,
) -> SynthResult:
    """The national list (both lists, one row per person) of a synthetic county as of ``on``, in ``fmt``."""
    rng = random.Random(f"national:{seed}:{county.code}")  # noqa: S311  (synthetic data, reproducible)
    result: SynthResult | None = None
    try:
        with transaction.atomic():
            synth_county(county=county, seed=seed, on=on, lifted=lifted, progress=NullProgress())
            households = list(
                Household.objects.filter(village__code__range=county.bounds)
                .select_related("village__parent")
                .order_by("number")
            )
            for household in households:
                if household.household_type == HouseholdType.LIFTED and household.lifted_year is None:
                    household.lifted_year = rng.choice(LIFTED_YEARS)
                if household.relocated and not household.resettlement_site:
                    township = household.village.parent
                    household.resettlement_site = f"{township.name if township else ''}集中安置点"
            Household.objects.bulk_update(households, ["lifted_year", "resettlement_site"], batch_size=2000)
            cases = _history(rng, households, on, share)
            rows = national_rows(
                national_households(region=county, on=on, kind="all"), on=on, reveal=True, extended=extended
            )
            result = SynthResult(WRITERS[fmt](rows, extended), len(households), cases)
            raise _RollBack
    except _RollBack:
        pass
    assert result is not None  # noqa: S101  (set before the roll-back)
    return result
