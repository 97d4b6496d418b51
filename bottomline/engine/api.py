"""API: screening runs of the caller's region, starting one, and what it found."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from ninja import Field, Query, Router, Schema, Status

from bottomline.accounts import gate
from bottomline.api import ERRORS, MAX_OFFSET
from bottomline.engine import selectors
from bottomline.engine.models import Result, Run
from bottomline.engine.services import screening_start
from bottomline.jobs.api import JobOut
from bottomline.jobs.models import Job

router = Router(tags=["screening"])


class RunIn(Schema):
    """Screen the caller's region as of a date (default today)."""

    on: date | None = None
    engine: str = Field("duckdb", pattern=r"^(duckdb|spark)$")
    incremental: bool = False


class RunOut(Schema):
    """One screening run."""

    id: int
    on: date
    region_code: str | None
    engine: str
    households: int
    flagged: int
    seconds: float
    created_at: datetime

    @staticmethod
    def resolve_region_code(obj: Run) -> str | None:
        return obj.region.code if obj.region else None


class ResultOut(Schema):
    """What a run found for one household, explained in the request's language."""

    household_id: int
    household_number: str
    category: int | None
    codes: list[str]
    risk_types: list[str]
    explanations: list[str]

    @staticmethod
    def resolve_household_number(obj: Result) -> str:
        return obj.household.number

    @staticmethod
    def resolve_explanations(obj: Result) -> list[str]:
        lang = "zh" if (get_language() or "").startswith("zh") else "en"
        return list(obj.explanations.get(lang, []))


class ResultPage(Schema):
    """One page of a run's results."""

    count: int
    results: list[ResultOut]


class ResultsIn(Schema):
    """Which results to read."""

    category: int | None = Field(None, ge=1, le=3)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    limit: int = Field(100, ge=1, le=1000)


@router.post("/runs", response={202: JobOut, **ERRORS})
def run_start(request: HttpRequest, data: RunIn) -> Status[Job]:
    """Queue a screening of the caller's region; follow it at /jobs/{id}."""
    user = gate.staff_of(request)
    gate.require(user, Run, "add", request)
    job = screening_start(
        actor=user, on=data.on or timezone.localdate(), engine=data.engine, incremental=data.incremental
    )
    return Status(202, job)


@router.get("/runs", response={200: list[RunOut], **ERRORS})
def run_list(request: HttpRequest) -> list[Run]:
    """The latest runs of regions inside the caller's."""
    user = gate.staff_of(request)
    gate.require(user, Run, "view", request)
    return list(selectors.run_list(viewer=user)[:100])


@router.get("/runs/{int:run_id}", response={200: RunOut, **ERRORS})
def run_detail(request: HttpRequest, run_id: int) -> Run:
    """One run."""
    return selectors.run_get(viewer=gate.staff_of(request), run_id=run_id)


@router.get("/runs/{int:run_id}/results", response={200: ResultPage, **ERRORS})
def run_results(request: HttpRequest, run_id: int, query: Query[ResultsIn]) -> dict[str, object]:
    """The households a run flagged inside the caller's region."""
    user = gate.staff_of(request)
    run = selectors.run_get(viewer=user, run_id=run_id)
    results = selectors.run_results(viewer=user, run=run, category=query.category).order_by("household_id")
    return {"count": results.count(), "results": list(results[query.offset : query.offset + query.limit])}
