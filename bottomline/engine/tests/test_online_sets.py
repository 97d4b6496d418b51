"""Screening many households at once (a feed, a set write) gives each household what screening it alone gives:
the rows read for all at once, the income facts of all in one pass (issue #16 item 5)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from bottomline.engine.models import Current
from bottomline.engine.online import household_rescreen, households_refresh, households_related
from bottomline.engine.tests import test_features
from bottomline.feeds.models import Event, EventKind, FeedBatch
from bottomline.monitoring.models import Case
from bottomline.monitoring.tests.factories import open_case
from bottomline.policy.selectors import parameters_cached
from bottomline.registry.features import _income_facts, households_screening, incomes_facts
from bottomline.registry.models import Household
from bottomline.registry.services import income_record

ON = test_features.ON
registry = test_features.registry  # the fixture: three households of the feature tests


def _varied(personas: dict[str, Any], tree: Any) -> None:
    """Beside the registry fixture's: a monitored household (months count from its identification) with
    periods before and after it, and a sudden event."""
    case = open_case(personas, tree.village, sequence=7)
    Case.objects.filter(pk=case.pk).update(identified_on=date(2025, 3, 1))
    for year, wage in ((2024, "3000"), (2025, "26000")):
        income_record(
            actor=personas["village_cadre"],
            household_id=case.household_id,
            period_start=date(year, 1, 1),
            period_end=date(year, 12, 31),
            wage=Decimal(wage),
        )
    batch = FeedBatch.objects.create(
        feed_type="disasters",
        department="emergency",
        region=tree.county,
        uploaded_by=personas["county_officer"],
    )
    Event.objects.create(
        household_id=case.household_id,
        kind=EventKind.SEVERE_ILLNESS,
        occurred_on=ON - timedelta(days=40),
        batch=batch,
    )


@pytest.mark.django_db(transaction=True)
def test_many_households_screen_as_each_alone(registry: None, tree: Any, personas: dict[str, Any]) -> None:
    _varied(personas, tree)
    households = list(Household.objects.select_related("village").order_by("pk"))
    related = households_related([h.pk for h in households])
    params = [parameters_cached(village_id=h.village_id, on=ON) for h in households]
    many = households_screening(households=households, related=related, on=ON, params=params)
    seen = set()
    for household, screening in zip(households, many, strict=True):
        alone = household_rescreen(household, on=ON)
        seen.add(alone.category)
        assert (screening.category, screening.risk_types, screening.score, screening.explanations()) == (
            alone.category,
            alone.risk_types,
            alone.score,
            alone.explanations(),
        ), household.number
    assert len(seen) > 1  # households at risk and not


@pytest.mark.django_db(transaction=True)
def test_income_facts_of_many_are_each_households(
    registry: None, tree: Any, personas: dict[str, Any]
) -> None:
    _varied(personas, tree)
    given = [
        (list(h.incomes.all()), line, extra, since)
        for h in Household.objects.order_by("pk")
        for line, extra, since in (
            (Decimal("7200"), Decimal(0), None),
            (None, Decimal("5000.50"), date(2025, 3, 1)),
            (Decimal("6000"), Decimal("1"), date(2024, 6, 1)),
        )
    ]
    assert incomes_facts(given) == [_income_facts(*one) for one in given]


@pytest.mark.django_db(transaction=True)
def test_a_set_refresh_stores_what_one_refresh_stores(
    registry: None, tree: Any, personas: dict[str, Any]
) -> None:
    _varied(personas, tree)
    ids = list(Household.objects.order_by("pk").values_list("pk", flat=True))

    def stored() -> list[Any]:
        return list(
            Current.objects.order_by("household_id").values_list(
                "household_id", "category", "codes", "risk_types", "explanations", "score", "reported"
            )
        )

    for household_id in ids:
        households_refresh([household_id], on=ON)
    one_by_one = stored()
    Current.objects.all().delete()
    households_refresh(ids, on=ON)
    assert stored() == one_by_one and len(one_by_one) == len(ids)
