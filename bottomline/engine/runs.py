"""Starting a screening run from a page or the API: a job of the officer's own region."""

from __future__ import annotations

from datetime import date

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.engine.models import Run
from bottomline.jobs.models import Job
from bottomline.jobs.services import job_enqueue


def screening_start(*, actor: User, on: date, engine: str = "duckdb", incremental: bool = False) -> Job:
    """Queue a screening of the actor's own region as of a date (a job with progress)."""
    gate.require(actor, Run, "add")
    params = {"on": on.isoformat(), "region": actor.region.code, "engine": engine, "incremental": incremental}
    return job_enqueue(kind="engine.screen", params=params, user=actor, region=actor.region)
