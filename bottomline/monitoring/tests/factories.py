"""Cases at any state, walked through the services as people would (for tests of pages, API and jobs)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from bottomline.monitoring.casework import StepIn, case_step
from bottomline.monitoring.models import Case, Channel
from bottomline.monitoring.services import lead_raise
from bottomline.monitoring.workflow import State
from bottomline.registry.services import income_record
from bottomline.registry.tests.factories import household, id_number, member

# The identification steps in order: (state reached, action, who, what they give).
PATH: tuple[tuple[State, str, str, dict[str, Any]], ...] = (
    (State.APPRAISAL, "visit", "village_cadre", {"consent": "paper", "consent_signed_on": None}),
    (
        State.NOTICE,
        "appraise",
        "village_cadre",
        {"minutes": "村民代表会议一致同意", "category": 2, "risk_types": ("illness",), "notice_ago": 10},
    ),
    (State.APPROVAL, "review", "township_officer", {}),
    (State.ANNOUNCEMENT, "approve", "county_officer", {}),
    (State.MONITORED, "announce", "township_officer", {}),
)


def open_case(personas: dict[str, Any], village: Any, *, sequence: int = 1) -> Case:
    """A household of ``village`` with one working, insured member, and a case opened by a cadre's lead."""
    cadre = personas["village_cadre"]
    home = household(cadre, village)
    member(cadre, home, id_number(sequence=sequence))
    lead = lead_raise(household_id=home.pk, channel=Channel.CADRE, reference=f"visit:{home.pk}")
    return Case.objects.get(lead=lead)


def step_in(extra: dict[str, Any]) -> StepIn:
    """The StepIn for one step of PATH, dated in the past so that the notice is over by today."""
    today = timezone.localdate()
    given = {k: v for k, v in extra.items() if k != "notice_ago"}
    if "consent" in given:
        given["consent_signed_on"] = today
    on = today - timedelta(days=extra["notice_ago"]) if "notice_ago" in extra else None
    return StepIn(on=on, **given)


def walk(case: Case, personas: dict[str, Any], to: State) -> Case:
    """Take the identification steps until the case reaches ``to``."""
    sources = (State.VISIT, *(reached for reached, *_rest in PATH[:-1]))
    for source, (reached, action, role, extra) in zip(sources, PATH, strict=True):
        if case.state == to:
            break
        if case.state != source:
            continue
        case = case_step(actor=personas[role], case_id=case.pk, action=action, given=step_in(extra))
        assert case.state == reached
    return case


def income_above_line(personas: dict[str, Any], case: Case, *, months: int = 12, amount: int = 20000) -> None:
    """Record one period of ``months`` months ending last month, its income well above the line."""
    end = timezone.localdate().replace(day=1) - timedelta(days=1)
    year, month = divmod(end.year * 12 + end.month - 1 - (months - 1), 12)
    income_record(
        actor=personas["village_cadre"],
        household_id=case.household_id,
        period_start=date(year, month + 1, 1),
        period_end=end,
        wage=Decimal(amount),
    )
