"""Whether a monitored household is ready for risk elimination, criterion by criterion (domain.md §1.7).

The criteria are the parts of the ``ready_for_elimination`` rule (rules.catalog.ELIMINATION_CRITERIA), judged
by the same Python evaluator as the online screening, so the case page, the elimination step and the batch
screening agree. A case adds what only the procedure knows: income is counted while monitored (from the day
of identification), assistance must be on record, and follow-ups must have come at the policy's rhythm
(parameter ``followup_months``), so a household identified today cannot be eliminated today.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bottomline.engine.online import household_refetch
from bottomline.monitoring.models import Case, MeasureStatus
from bottomline.monitoring.rhythm import followup_months, months_after
from bottomline.monitoring.workflow import ELIMINATION, State
from bottomline.policy.selectors import parameters_cached
from bottomline.registry.features import household_inputs
from bottomline.registry.models import Household
from bottomline.rules.catalog import ELIMINATION_CRITERIA
from bottomline.rules.evaluate import evaluate
from bottomline.rules.nodes import Value

Criterion = tuple[str, dict[str, str], bool]  # (code, title in en and zh, holds)


@dataclass(frozen=True)
class Readiness:
    """Which elimination criteria hold for a household on a date."""

    criteria: tuple[Criterion, ...]

    @property
    def ready(self) -> bool:
        """All criteria hold."""
        return all(holds for _code, _title, holds in self.criteria)

    @property
    def safety_net(self) -> bool:
        """No labour capacity and living on safety-net measures: monitored on, never eliminated."""
        return any(code == "not_safety_net_only" and not holds for code, _t, holds in self.criteria)

    def missing(self, language: str) -> list[str]:
        """The titles of the criteria that do not hold, in ``language``."""
        lang = "zh" if language.startswith("zh") else "en"
        return [title[lang] for _code, title, holds in self.criteria if not holds]

    def as_detail(self) -> dict[str, Any]:
        """A JSON form, kept with a step or follow-up."""
        return {
            "ready": self.ready,
            "safety_net": self.safety_net,
            "criteria": [{"code": c, "title": t, "holds": h} for c, t, h in self.criteria],
        }


def readiness_of(facts: Mapping[str, Value], params: Mapping[str, Value]) -> Readiness:
    """Judge the elimination criteria on a household's facts and the parameters in force for it."""
    return Readiness(
        tuple((c.code, c.title, evaluate(c.when, facts, params) is True) for c in ELIMINATION_CRITERIA)
    )


def household_readiness(*, household: Household, on: date) -> Readiness:
    """Judge the elimination criteria for one household from fresh members, incomes and feed events."""
    household_refetch(household)
    return readiness_of(*household_inputs(household=household, on=on))


MONITORING = frozenset({State.MONITORED, *ELIMINATION})  # where follow-ups fall due

# The income criterion as a case judges it: its months are counted from the day of identification.
WHILE_MONITORED = {
    "en": "Income above the line for the required months while monitored",
    "zh": "纳入监测后收入持续稳定达到规定月数",
}
ASSISTED = {
    "en": "Assistance on record (a measure in progress or completed)",
    "zh": "已落实帮扶措施",
}
FOLLOWED = {
    "en": "Follow-ups at the policy's rhythm since identification",
    "zh": "按规定频次开展帮扶回访",
}


def followup_due(case: Case, *, every: int) -> date | None:
    """The day the case's next follow-up is due: ``every`` months after the latest one, or after the day of
    identification (None: not identified)."""
    if case.identified_on is None:
        return None
    visits = [f.visited_on for f in case.follow_ups.all() if f.visited_on >= case.identified_on]
    return months_after(max([case.identified_on, *visits]), every)


def case_followup_due(*, case: Case, on: date) -> date | None:
    """The day a monitored case's next follow-up is due, at the rhythm in force for its village (None: the
    case is not being monitored)."""
    if case.state not in MONITORING:
        return None
    params = parameters_cached(village_id=case.household.village_id, on=on)
    return followup_due(case, every=followup_months(params))


def _rhythm_kept(case: Case, on: date, every: int) -> bool:
    """At least one follow-up since identification, none later than due, and the next not overdue on ``on``."""
    if case.identified_on is None:
        return False
    visits = sorted(f.visited_on for f in case.follow_ups.all() if case.identified_on <= f.visited_on <= on)
    due = months_after(case.identified_on, every)
    for visited in visits:
        if visited > due:
            return False
        due = months_after(visited, every)
    return bool(visits) and on <= due


def case_criteria(case: Case, *, on: date, params: Mapping[str, Value]) -> tuple[Criterion, ...]:
    """The criteria only a case knows: assistance on record, follow-ups at the rhythm."""
    assisted = any(
        m.status in (MeasureStatus.ACTIVE, MeasureStatus.DONE) and m.start <= on for m in case.measures.all()
    )
    return (
        ("assistance_on_record", ASSISTED, assisted),
        ("follow_ups_on_rhythm", FOLLOWED, _rhythm_kept(case, on, followup_months(params))),
    )


def case_readiness(*, case: Case, on: date, refetch: bool = True) -> Readiness:
    """Judge a monitored case for risk elimination: the household's criteria with income counted while
    monitored (from the day of identification), then assistance and follow-ups (``refetch``: read the
    household's members, incomes and events afresh; False when the caller just did)."""
    if refetch:
        household_refetch(case.household)
    since = case.identified_on or on  # not identified yet: no month counts
    facts, params = household_inputs(household=case.household, on=on, since=since)
    household = tuple(
        (code, WHILE_MONITORED if code == "income_stable" else title, holds)
        for code, title, holds in readiness_of(facts, params).criteria
    )
    return Readiness(household + case_criteria(case, on=on, params=params))
