"""The region load as a job."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.regions.services import regions_load


@job_handler("regions.load")
def regions_load_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params: ``provinces``, a list of 2-digit codes, or null for all."""
    return asdict(regions_load(provinces=params.get("provinces"), progress=progress))
