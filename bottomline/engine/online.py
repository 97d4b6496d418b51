"""The online path: on every save through the registry services, screen that one household with the Python
evaluator and replace its ``Current`` row. No Ibis; four queries when the household is in hand (members,
incomes, feed events, the upsert) because policy parameters are cached per village and date."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import prefetch_related_objects
from django.utils import timezone

from bottomline.engine.models import Current
from bottomline.policy.selectors import parameters_for
from bottomline.regions.models import Region
from bottomline.registry.features import household_facts
from bottomline.registry.models import Household
from bottomline.rules.screening import Screening, screen

# Parameters change a few times a year; a change made in this process drops the cache at once
# (engine.apps connects ``params_forget``), one made elsewhere is seen within this many seconds.
PARAMS_TTL = 60.0
_params: dict[tuple[int, date], tuple[float, dict[str, float]]] = {}

UPDATED = ["evaluated_at", "on", "run", "category", "codes", "risk_types", "explanations", "score"]


def params_forget(**_kwargs: Any) -> None:
    """Drop the cached parameters (a signal receiver: a parameter was saved or deleted)."""
    _params.clear()


def params_for_village(village_id: int, on: date) -> dict[str, float]:
    """The parameters in force for a village on a date, cached."""
    key, now = (village_id, on), time.monotonic()
    hit = _params.get(key)
    if hit is not None and now - hit[0] < PARAMS_TTL:
        return hit[1]
    village = Region.objects.get(pk=village_id)
    values = {k: float(v) for k, v in parameters_for(region=village, on=on).items()}
    _params[key] = (now, values)
    return values


def household_rescreen(household: Household, *, on: date | None = None) -> Screening:
    """What the rules say of the household now, from fresh members and incomes."""
    on = on or timezone.localdate()
    household._prefetched_objects_cache = {}  # type: ignore[attr-defined]  # re-read what the save changed
    prefetch_related_objects([household], "members", "incomes", "feed_events")
    params = params_for_village(household.village_id, on)
    line, months = params.get("monitoring_line"), params.get("sudden_event_months")
    facts = household_facts(
        household,
        line=Decimal(str(line)) if line is not None else None,
        on=on,
        event_months=int(months) if months is not None else 12,
    )
    return screen(facts, params)


def current_refresh(household: Household, *, on: date | None = None) -> Current:
    """Re-screen one household and replace its current screening (one upsert)."""
    on = on or timezone.localdate()
    screening = household_rescreen(household, on=on)
    row = Current(
        household_id=household.pk,
        evaluated_at=timezone.now(),
        on=on,
        run=None,
        category=screening.category,
        codes=list(screening.codes),
        risk_types=list(screening.risk_types),
        explanations=screening.explanations(),
        score=screening.score,
        reported=False,
    )
    # A spell at risk that goes on keeps its "lead raised"; one that ended is over.
    fields = UPDATED if screening.at_risk else [*UPDATED, "reported"]
    Current.objects.bulk_create(
        [row], update_conflicts=True, unique_fields=["household"], update_fields=fields
    )
    return row
