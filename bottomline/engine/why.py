"""A household's "why" as of its last evaluation (its ``Current`` row), or as the rules say it now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bottomline.accounts import gate
from bottomline.engine.models import Current
from bottomline.registry.models import Household
from bottomline.rules.catalog import RULES
from bottomline.rules.screening import Screening


@dataclass(frozen=True)
class Why:
    """Which rules hold, with the numbers, and when that was found."""

    category: int | None
    risk_types: tuple[str, ...]
    rows: list[tuple[str, str, bool, str]]  # (code, title, holds, explanation), what holds first
    evaluated_at: datetime | None  # None: evaluated now, for the page
    run_id: int | None  # None: by the online path (or now)


def why_of_household(*, viewer: Any, household: Household, language: str) -> Why | None:
    """The household's last evaluation (one query, through the region gate), or None when it has never been
    screened; explanations a batch run left out are built when viewed."""
    current = gate.restrict(Current.objects.filter(household_id=household.pk), viewer).first()
    if current is None:
        return None
    lang = "zh" if language.startswith("zh") else "en"
    texts = current.explanations.get(lang, [])
    if len(texts) < len(current.codes):
        # A batch run writes explanations for the households at risk alone: the others' are built now, from the
        # household's rows as of the evaluation's date (its members and incomes come prefetched with it).
        from bottomline.registry.features import household_screening

        hits = household_screening(household=household, on=current.on).hits
        now = {h.rule.code: h.explanation(lang) for h in hits}
        explained = {code: now.get(code, "") for code in current.codes}
    else:
        explained = dict(zip(current.codes, texts, strict=False))
    rows = [(r.code, r.title[lang], r.code in explained, explained.get(r.code, "")) for r in RULES]
    return Why(
        category=current.category,
        risk_types=tuple(current.risk_types),
        rows=sorted(rows, key=lambda row: not row[2]),
        evaluated_at=current.evaluated_at,
        run_id=current.run_id,
    )


def why_of_screening(screening: Screening, language: str) -> Why:
    """The same, from a screening made now."""
    return Why(screening.category, screening.risk_types, screening.report(language), None, None)
