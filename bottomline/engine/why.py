"""A household's "why" as of its last evaluation (its ``Current`` row), or as the rules say it now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q

from bottomline.accounts import gate
from bottomline.engine.models import Current, Run
from bottomline.regions.selectors import ancestor_codes
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
    unchanged_since: datetime | None = None  # a later run found the same: when what holds was last written


def why_of_household(*, viewer: Any, household: Household, language: str) -> Why | None:
    """The household's last evaluation (one query, through the region gate), or None when it has never been
    screened; explanations a batch run left out are built when viewed."""
    current = gate.restrict(Current.objects.filter(household_id=household.pk), viewer).first()
    if current is None:
        return None
    # A run writes only the screenings that changed: the latest whole run over the household's region since its
    # row was written saw the same (one query; runs are few).
    later = (
        Run.objects.filter(finished_at__isnull=False, incremental=False, created_at__gt=current.evaluated_at)
        .filter(Q(region__isnull=True) | Q(region__code__in=ancestor_codes(household.village)))
        .order_by("-created_at")
        .values_list("pk", "created_at", "on")
        .first()
    )
    run_id, evaluated_at, on = later or (current.run_id, current.evaluated_at, current.on)
    lang = "zh" if language.startswith("zh") else "en"
    texts = current.explanations.get(lang, [])
    if len(texts) < len(current.codes):
        # A batch run writes explanations for the households at risk alone: the others' are built now, from the
        # household's rows as of the evaluation's date (its members and incomes come prefetched with it).
        from bottomline.registry.features import household_screening

        hits = household_screening(household=household, on=on).hits
        now = {h.rule.code: h.explanation(lang) for h in hits}
        explained = {code: now.get(code, "") for code in current.codes}
    else:
        explained = dict(zip(current.codes, texts, strict=False))
    rows = [(r.code, r.title[lang], r.code in explained, explained.get(r.code, "")) for r in RULES]
    return Why(
        category=current.category,
        risk_types=tuple(current.risk_types),
        rows=sorted(rows, key=lambda row: not row[2]),
        evaluated_at=evaluated_at,
        run_id=run_id,
        unchanged_since=current.evaluated_at if later else None,
    )


def why_of_screening(screening: Screening, language: str) -> Why:
    """The same, from a screening made now."""
    return Why(screening.category, screening.risk_types, screening.report(language), None, None)
