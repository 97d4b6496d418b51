"""Reading screening runs and their results through the region gate."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from bottomline.accounts import gate
from bottomline.audit.reads import read_note
from bottomline.engine.models import Result, Run


def run_list(*, viewer: Any) -> QuerySet[Run]:
    """The runs of regions inside the viewer's, newest first."""
    return gate.restrict(Run.objects.select_related("region"), viewer)


def run_get(*, viewer: Any, run_id: int) -> Run:
    """One run the viewer may see (404 otherwise)."""
    return gate.access(Run.objects.select_related("region"), viewer, pk=run_id)


def run_results(*, viewer: Any, run: Run, category: int | None = None) -> QuerySet[Result]:
    """What a run found in the viewer's region, household by household."""
    results = gate.restrict(Result.objects.filter(run=run).select_related("household__village"), viewer)
    read_note(what="engine.result", region=viewer.region)
    return results.filter(category=category) if category is not None else results
