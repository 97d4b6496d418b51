"""A household's incomes and feed events read inline with it (one query, ``registry.inline``) are the ORM's own:
every field of every row equal in value, type and text, in the page's order, and reading them again takes no
query. Run on SQLite and on PostgreSQL (CI runs the suite on both)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from bottomline.feeds.models import Event, EventKind, FeedBatch
from bottomline.registry.models import IncomeRecord
from bottomline.registry.selectors import household_get
from bottomline.registry.tests.factories import household

pytestmark = pytest.mark.django_db


def _fields(row: Model) -> list[tuple[str, Any, type, str]]:
    return [
        (f.attname, v := getattr(row, f.attname), type(v), str(v)) for f in type(row)._meta.concrete_fields
    ]


def test_inline_rows_are_the_orms(tree: Any, personas: dict[str, Any]) -> None:
    cadre = personas["village_cadre"]
    home = household(cadre, tree.village)
    money = {"wage": Decimal("9999999999.99"), "production": Decimal("0.5"), "transfer": Decimal("100")}
    IncomeRecord.objects.create(
        household=home,
        period_start=date(2024, 1, 1),
        period_end=date(2024, 12, 31),
        household_size=3,
        recorded_by=cadre,
        production_gross=Decimal("1234.56"),
        production_expense=Decimal("0.04"),
        **money,
    )
    IncomeRecord.objects.create(  # newer, no gross figures, no recorder
        household=home, period_start=date(2025, 1, 1), period_end=date(2025, 6, 30), household_size=7
    )
    batch = FeedBatch.objects.create(
        feed_type="disasters",
        department="emergency",
        region=tree.county,
        uploaded_by=personas["county_officer"],
    )
    for day, kind in ((date(2025, 3, 1), EventKind.SEVERE_ILLNESS), (date(2025, 8, 9), EventKind.DISASTER)):
        Event.objects.create(household=home, kind=kind, occurred_on=day, batch=batch)

    read = household_get(viewer=personas["county_officer"], household_id=home.pk)
    with CaptureQueriesContext(connection) as captured:
        incomes, events = list(read.incomes.all()), list(read.feed_events.all())
        assert all(r.household is read for r in incomes) and all(e.household is read for e in events)
    assert captured.captured_queries == []
    orm_incomes = IncomeRecord.objects.filter(household=home).order_by("-period_start")
    assert [_fields(r) for r in incomes] == [_fields(r) for r in orm_incomes]
    assert [r.period_start.year for r in incomes] == [2025, 2024]  # newest first, as the page lists them
    assert str(incomes[1].wage) == "9999999999.99" and str(incomes[1].production) == "0.50"
    assert [_fields(e) for e in events] == [_fields(e) for e in Event.objects.filter(household=home)]
    assert incomes[0].created_at.tzinfo is not None


def test_a_household_without_rows_has_empty_sets(tree: Any, personas: dict[str, Any]) -> None:
    home = household(personas["village_cadre"], tree.village)
    read = household_get(viewer=personas["county_officer"], household_id=home.pk)
    with CaptureQueriesContext(connection) as captured:
        assert list(read.incomes.all()) == [] and list(read.feed_events.all()) == []
    assert captured.captured_queries == []
