"""The figures "as of a day" are computed live from the records (issue #16 item 4), and must stay fast at a
province of ten counties without changing what they count.

On PostgreSQL the planner judged the province's income query costly enough to compile it (JIT): 530 of its 920 ms
at 10 counties went to compiling, every time; the connections run without JIT. The income buckets count each
household against its own county's line; one line for every county of the range is a constant in the query."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from bottomline.dashboards.selectors import region_figures
from bottomline.policy.models import Parameter
from bottomline.registry.services import income_record
from bottomline.registry.tests.factories import household, id_number, member

pytestmark = pytest.mark.django_db


def test_postgresql_connections_run_without_jit() -> None:
    from bottomline.settings import database_from_url

    assert "-c jit=off" in str(database_from_url("postgres://u@127.0.0.1/db")["OPTIONS"])
    if connection.vendor == "postgresql":  # and the test database's own connection
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            assert cursor.fetchone()[0] == "off"


def _earning(actor: Any, village: Any, sequence: int, wage: int) -> None:
    """A household of one member whose last year's income is ``wage`` yuan."""
    home = household(actor, village)
    member(actor, home, id_number(sequence=sequence))
    year = timezone.localdate().year - 1
    income_record(
        actor=actor,
        household_id=home.pk,
        period_start=date(year, 1, 1),
        period_end=date(year, 12, 31),
        wage=Decimal(wage),
    )


@pytest.mark.parametrize("other_line", [None, Decimal(9000)])
def test_incomes_count_against_each_countys_own_line(
    tree: Any, personas: dict[str, Any], make_user: Any, other_line: Decimal | None
) -> None:
    far = make_user("county_officer", tree.other_county, username="county9")
    _earning(personas["county_officer"], tree.village, 1, 8000)
    _earning(far, tree.other_county_village, 2, 8000)
    if other_line is not None:  # the other county's own line, above both incomes
        Parameter.objects.create(
            name="monitoring_line",
            region=tree.other_county,
            value=other_line,
            effective_from=date(2020, 1, 1),
            source="test",
            changed_by=far,
        )
    today = timezone.localdate()
    day = today - timedelta(days=1) if today.day > 2 else today - timedelta(days=5)  # not a month's end
    officer = personas["province_officer"]
    both = region_figures(viewer=officer, region_code=tree.prefecture.code, on=day)
    assert both.live
    one, other = (
        region_figures(viewer=officer, region_code=c.code, on=day).parts
        for c in (tree.county, tree.other_county)
    )
    assert (one["income_near"], one["income_below"]) == (1, 0)  # the province's line, 6,700 a year
    assert (other["income_near"], other["income_below"]) == ((0, 1) if other_line else (1, 0))
    assert both.parts["income_hh"] == 2
    assert all(both.parts[p] == one[p] + other[p] for p in ("income_below", "income_near", "income_above"))
