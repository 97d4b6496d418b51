"""Which policy values are in force for a region on a date."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Q, QuerySet

from bottomline.policy.models import Parameter
from bottomline.regions.models import Region
from bottomline.regions.selectors import ancestor_codes


def in_force(*, on: date) -> QuerySet[Parameter]:
    """Current (not superseded) values whose period covers the date."""
    return Parameter.objects.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=on),
        superseded_at__isnull=True,
        effective_from__lte=on,
    )


def parameters_for(*, region: Region, on: date, above_own: bool = False) -> dict[str, Decimal]:
    """Every parameter value in force for a region on a date (one query). ``above_own`` leaves the region's
    own values out."""
    return {p.name: p.value for p in parameters_table(region=region, on=on, above_own=above_own)}


def parameters_table(*, region: Region, on: date, above_own: bool = False) -> list[Parameter]:
    """The parameter rows in force for a region on a date, with their sources: the most specific region wins
    (county, then province, then nationwide), then the latest start."""
    codes = ancestor_codes(region)
    if above_own:
        codes.remove(region.code)
    rows = in_force(on=on).filter(Q(region__isnull=True) | Q(region__code__in=codes)).select_related("region")
    return _chosen(rows)


def _chosen(rows: Iterable[Parameter]) -> list[Parameter]:
    """Of the rows that apply to one region, the one in force per name: most specific region, latest start."""
    chosen: dict[str, Parameter] = {}
    for p in rows:
        current = chosen.get(p.name)
        rank = (p.region.level if p.region else 0, p.effective_from)
        if current is None or rank > (current.region.level if current.region else 0, current.effective_from):
            chosen[p.name] = p
    return sorted(chosen.values(), key=lambda p: p.name)


def parameters_for_regions(*, regions: Iterable[Region], on: date) -> dict[str, dict[str, Decimal]]:
    """``parameters_for`` of many regions at once, by region code: one query however many regions."""
    wanted = {r.code: set(ancestor_codes(r)) for r in regions}
    if not wanted:
        return {}
    codes = sorted(set().union(*wanted.values()))
    rows = list(
        in_force(on=on).filter(Q(region__isnull=True) | Q(region__code__in=codes)).select_related("region")
    )
    return {
        code: {p.name: p.value for p in _chosen(p for p in rows if p.region is None or p.region.code in mine)}
        for code, mine in wanted.items()
    }


def parameter_history(*, region: Region, name: str | None = None) -> QuerySet[Parameter]:
    """Every value a parameter (or each) has had for a region, the regions above it and nationwide."""
    rows = Parameter.objects.filter(Q(region__isnull=True) | Q(region__code__in=ancestor_codes(region)))
    if name:
        rows = rows.filter(name=name)
    return rows.select_related("region").order_by("name", "-effective_from", "-changed_at")


# Parameters change a few times a year, and the online screening reads them on every save: it takes them from
# the cache that every process shares (Redis in production, settings.CACHES). A change saved anywhere moves the
# generation in the keys on (policy.apps connects ``parameters_forget``), so every process sees it at once;
# PARAMS_TTL only bounds what a lost cache write could keep. Without a working cache, the database answers.
PARAMS_TTL = 300
_GENERATION = "policy.parameters.generation"
logger = logging.getLogger(__name__)


def parameters_forget(**_kwargs: Any) -> None:
    """Drop the cached parameters everywhere (a signal receiver: a parameter was saved or deleted)."""
    try:
        cache.incr(_GENERATION)
    except ValueError:  # not there (never set, or evicted): a new, larger generation
        cache.set(_GENERATION, time.time_ns(), None)


def _generation() -> int:
    cache.add(_GENERATION, time.time_ns(), None)
    return int(cache.get(_GENERATION) or 0)


def parameters_cached(*, village_id: int, on: date, village: Region | None = None) -> dict[str, float]:
    """The parameters in force for a village on a date, as numbers, from the shared cache when there (``village``:
    the village's region when the caller has it loaded, so that a miss does not read it again)."""
    key = None
    try:
        key = f"policy.parameters.{_generation()}.{village_id}.{on.isoformat()}"
        hit: dict[str, float] | None = cache.get(key)
        if hit is not None:
            return hit
    except Exception:  # the cache is down: read the database, say so once per call
        logger.warning("parameter cache unavailable")
        key = None
    if village is None or village.pk != village_id:
        village = Region.objects.get(pk=village_id)
    values = {k: float(v) for k, v in parameters_for(region=village, on=on).items()}
    if key is not None:
        cache.set(key, values, PARAMS_TTL)
    return values
