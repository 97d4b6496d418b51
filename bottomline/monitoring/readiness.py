"""Whether a monitored household is ready for risk elimination, criterion by criterion (domain.md §1.7).

The criteria are the parts of the ``ready_for_elimination`` rule (rules.catalog.ELIMINATION_CRITERIA), judged
by the same Python evaluator as the online screening, so the case page, the elimination step and the batch
screening agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bottomline.engine.online import household_refetch
from bottomline.registry.features import household_inputs
from bottomline.registry.models import Household
from bottomline.rules.catalog import ELIMINATION_CRITERIA
from bottomline.rules.evaluate import evaluate
from bottomline.rules.nodes import Value


@dataclass(frozen=True)
class Readiness:
    """Which elimination criteria hold for a household on a date."""

    criteria: tuple[tuple[str, dict[str, str], bool], ...]  # (code, title in en and zh, holds)

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
