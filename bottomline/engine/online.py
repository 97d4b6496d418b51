"""The online path: on every save through the registry services, screen that one household with the Python
evaluator and replace its ``Current`` row. No Ibis; four queries when the household is in hand (members,
incomes, feed events, the upsert): policy parameters come from a cache (policy.selectors.parameters_cached)."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import prefetch_related_objects
from django.utils import timezone

from bottomline.engine.models import Current, Run
from bottomline.registry.features import household_screening
from bottomline.registry.models import Household
from bottomline.rules.screening import Screening

UPDATED = ["evaluated_at", "on", "run", "category", "codes", "risk_types", "explanations", "score"]


def household_refetch(household: Household) -> None:
    """Read the household's members, incomes, feed events and cases afresh (what a save has just changed)."""
    household._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    prefetch_related_objects([household], "members", "incomes", "feed_events", "cases")


def household_rescreen(household: Household, *, on: date | None = None) -> Screening:
    """What the rules say of the household now, from fresh members, incomes and feed events."""
    household_refetch(household)
    return household_screening(household=household, on=on or timezone.localdate())


def current_row(
    household_id: int,
    screening: Screening | None,
    *,
    evaluated_at: datetime,
    on: date,
    run: Run | None,
    reported: bool,
) -> Current:
    """The current-screening row of a household (no screening: nothing holds)."""
    return Current(
        household_id=household_id,
        evaluated_at=evaluated_at,
        on=on,
        run=run,
        category=screening.category if screening else None,
        codes=list(screening.codes) if screening else [],
        risk_types=list(screening.risk_types) if screening else [],
        explanations=screening.explanations() if screening else {"en": [], "zh": []},
        score=screening.score if screening else 0,
        reported=reported,
    )


def current_refresh(household: Household, *, on: date | None = None) -> Current:
    """Re-screen one household and replace its current screening (one upsert)."""
    on = on or timezone.localdate()
    return current_store(household.pk, household_rescreen(household, on=on), on=on)


def current_store(household_id: int, screening: Screening, *, on: date) -> Current:
    """Replace a household's current screening with one just made online (one upsert)."""
    row = current_row(household_id, screening, evaluated_at=timezone.now(), on=on, run=None, reported=False)
    # A spell at risk that goes on keeps its "lead raised"; one that ended is over.
    fields = UPDATED if screening.at_risk else [*UPDATED, "reported"]
    Current.objects.bulk_create(
        [row], update_conflicts=True, unique_fields=["household"], update_fields=fields
    )
    return row
