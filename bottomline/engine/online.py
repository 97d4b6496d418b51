"""The online path: on every save through the registry services, screen that one household with the Python
evaluator and replace its ``Current`` row. No Ibis; four queries when the household is in hand (members,
incomes, feed events, the upsert): policy parameters come from a cache (policy.selectors.parameters_cached)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db.models import prefetch_related_objects
from django.utils import timezone

from bottomline.engine.models import Current, Run
from bottomline.policy.selectors import parameters_cached
from bottomline.registry.features import MEMBER_FACTS, Related, household_screening, households_screening
from bottomline.registry.models import Household
from bottomline.rules.screening import Screening

# "digest" too: a row written online has none (the next batch run writes it whatever it holds).
UPDATED = ["evaluated_at", "on", "run", "category", "codes", "risk_types", "explanations", "score", "digest"]


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


def households_related(household_ids: list[int]) -> dict[int, Related]:
    """The members (by id), income records (newest first), feed events and cases of many households: a query
    each, grouped here (a prefetch clones a queryset for every household and relation: most of its time)."""
    related = {h: Related() for h in household_ids}
    for name in ("members", "incomes", "feed_events", "cases"):
        model = Household._meta.get_field(name).related_model
        assert model is not None and not isinstance(model, str)  # noqa: S101  (the registry's relations)
        rows = model._default_manager.filter(household_id__in=household_ids)
        if name == "members":
            rows = rows.only(*MEMBER_FACTS).order_by("id")  # in the household page's order
        for row in rows:
            getattr(related[row.household_id], name).append(row)  # type: ignore[attr-defined]
    return related


def households_refresh(
    household_ids: Iterable[int], *, on: date | None = None, chunk: int = 500
) -> dict[int, Screening]:
    """Re-screen many households and replace their current screenings, ``chunk`` at a time: one read of their
    members, incomes, events and cases and two upserts per chunk (what a set-based write calls once at its end
    instead of ``current_refresh`` per row). Returns each household's screening."""
    on = on or timezone.localdate()
    now = timezone.now()
    ids = sorted(set(household_ids))
    screened: dict[int, Screening] = {}
    # Parameters are set for a county and above (``engine.params.params_by_county``): read once per county.
    params: dict[str, dict[str, float]] = {}
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        households = list(Household.objects.filter(pk__in=part).select_related("village"))
        related = households_related(part)
        at_risk: list[Current] = []
        not_at_risk: list[Current] = []
        for household in households:
            county = household.village.code[:6]
            if county not in params:
                params[county] = parameters_cached(village_id=household.village_id, on=on)
        screenings = households_screening(
            households=households,
            related=related,
            on=on,
            params=[params[h.village.code[:6]] for h in households],
        )
        for household, screening in zip(households, screenings, strict=True):
            screened[household.pk] = screening
            row = current_row(household.pk, screening, evaluated_at=now, on=on, run=None, reported=False)
            (at_risk if screening.at_risk else not_at_risk).append(row)
        # A spell at risk that goes on keeps its "lead raised"; one that ended is over (as ``current_store``).
        for rows, fields in ((at_risk, UPDATED), (not_at_risk, [*UPDATED, "reported"])):
            if rows:
                Current.objects.bulk_create(
                    rows, update_conflicts=True, unique_fields=["household"], update_fields=fields
                )
    return screened
