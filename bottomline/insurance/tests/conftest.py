"""A county policy after Weining's (seed 001): lifted-out and monitored households with a per-capita net income
below 5,000 yuan; medical out-of-pocket spending above 3,000 yuan paid at 80 %, at most 100,000 yuan."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from bottomline.insurance.models import Policy
from bottomline.insurance.services import RuleIn, policy_record
from bottomline.monitoring.models import Case, Step
from bottomline.monitoring.workflow import State
from bottomline.registry.models import Household
from bottomline.registry.services import income_record
from bottomline.registry.tests.factories import household, id_number, member

TODAY = date(2026, 6, 30)
FIRST, LAST = date(2026, 1, 1), date(2026, 12, 31)
_SEQUENCE = iter(range(100, 999))


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(datetime(2026, 6, 30, 10), tick=False):
        yield


@pytest.fixture
def policy(tree: Any, personas: dict[str, Any]) -> Policy:
    call_command("policy_seed")  # the monitoring line, for the screening
    return policy_record(
        actor=personas["county_officer"],
        region_id=tree.county.pk,
        name="威宁县防贫保 2026",
        number="WN-FPB-2026",
        insurer="中国太平洋财产保险",
        start=FIRST,
        end=LAST,
        rules={
            "medical": RuleIn(Decimal(3000), Decimal(80), Decimal(100000)),
            "disaster": RuleIn(Decimal(0), Decimal(50), Decimal(30000)),
        },
        premium_per_household=Decimal(100),
        covers_lifted=True,
        covers_monitored=True,
        income_below=Decimal(5000),
        source="seed 001",
    )


def home(
    actor: Any,
    village: Any,
    *,
    wage: str,
    size: int = 2,
    ids: tuple[str, ...] = (),
    year: int = FIRST.year,
    **overrides: Any,
) -> Household:
    """A household of ``size`` members (the first with the ID numbers ``ids``) with an income record of
    ``wage`` yuan for ``year``."""
    found = household(actor, village, **overrides)
    numbers = list(ids) + [id_number(sequence=next(_SEQUENCE)) for _n in range(size - len(ids))]
    for number in numbers:
        member(actor, found, number)
    income_record(actor=actor, household_id=found.pk, period_start=FIRST, period_end=LAST, wage=Decimal(wage))
    return found


def monitor(found: Household, on: date) -> Case:
    """A case identified (monitored) on ``on``, as its steps say."""
    at = timezone.make_aware(datetime.combine(on, time(12)))
    case = Case.objects.create(household=found, state=State.MONITORED, opened_at=at, identified_on=on)
    Step.objects.create(case=case, action="identify", target=State.MONITORED, at=at, on=on)
    return case
