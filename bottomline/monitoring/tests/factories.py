"""Cases at any state, walked through the services as people would (for tests of pages, API and jobs)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
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
        {"minutes": "村民代表会议一致同意", "category": 2, "risk_types": ("illness",)},
    ),
    (State.APPROVAL, "review", "township_officer", {}),
    (State.ANNOUNCEMENT, "approve", "county_officer", {}),
    (State.MONITORED, "announce", "township_officer", {}),
)


# How long ago open_case's lead came: long enough for the visit and the appraisal on the lead's day to have
# had their five full days of notice by today, short of the amber warning (10 days).
LEAD_AGO = timedelta(days=7)


def open_case(
    personas: dict[str, Any], village: Any, *, sequence: int = 1, ago: timedelta = LEAD_AGO
) -> Case:
    """A household of ``village`` with one working, insured member, and a case opened by a cadre's lead
    ``ago`` before now."""
    cadre = personas["village_cadre"]
    home = household(cadre, village)
    member(cadre, home, id_number(sequence=sequence))
    lead = lead_raise(
        household_id=home.pk, channel=Channel.CADRE, reference=f"visit:{home.pk}", at=timezone.now() - ago
    )
    return Case.objects.get(lead=lead)


def step_in(extra: dict[str, Any], on: date | None = None) -> StepIn:
    """The StepIn for one step of PATH on the day ``on`` (today when empty)."""
    given = dict(extra)
    if "consent" in given:
        given["consent_signed_on"] = on or timezone.localdate()
    return StepIn(on=on, **given)


def walk(case: Case, personas: dict[str, Any], to: State) -> Case:
    """Take the identification steps until the case reaches ``to``: the visit and the appraisal on the day of
    the last step so far (the lead's, for a new case), so that the notice has run as long as it could; the
    later steps today."""
    sources = (State.VISIT, *(reached for reached, *_rest in PATH[:-1]))
    for source, (reached, action, role, extra) in zip(sources, PATH, strict=True):
        if case.state == to:
            break
        if case.state != source:
            continue
        on = None
        if action in ("visit", "appraise"):
            on = max(case.steps.values_list("on", flat=True))
        case = case_step(actor=personas[role], case_id=case.pk, action=action, given=step_in(extra, on))
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


def monitored_case(
    personas: dict[str, Any], village: Any, *, months: int, sequence: int = 1, skip: int | None = None
) -> Case:
    """A case identified ``months`` months and a day ago, with a measure in progress since, and a follow-up
    each month since (but the ``skip``-th), the last one yesterday."""
    import time_machine

    from bottomline.monitoring.assistance import followup_record, measure_add
    from bottomline.registry.features import months_before

    cadre = personas["village_cadre"]
    now = timezone.now()
    day = timedelta(days=1)
    identified = datetime.combine(months_before(timezone.localdate(), months), now.timetz()) - day
    with time_machine.travel(identified, tick=False):
        case = walk(open_case(personas, village, sequence=sequence), personas, State.MONITORED)
        measure_add(
            actor=cadre,
            case_id=case.pk,
            kind="industry",
            responsible_id=cadre.pk,
            start=timezone.localdate(),
            status="active",
        )
    for k in range(1, months + 1):
        if k == skip:
            continue
        visit = datetime.combine(months_before(timezone.localdate(), months - k), now.timetz()) - day
        with time_machine.travel(visit, tick=False):
            followup_record(actor=cadre, case_id=case.pk, visited_on=timezone.localdate(), note="回访")
    case.refresh_from_db()
    return case
