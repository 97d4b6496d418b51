"""Which function runs each kind of job; apps register theirs when they load."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bottomline.jobs.progress import Progress

JobHandler = Callable[[dict[str, Any], Progress], dict[str, Any]]

HANDLERS: dict[str, JobHandler] = {}


def job_handler(kind: str) -> Callable[[JobHandler], JobHandler]:
    """Register the function that runs jobs of ``kind``: it takes the parameters and a progress sink."""

    def register(handler: JobHandler) -> JobHandler:
        HANDLERS[kind] = handler
        return handler

    return register
