"""Which function runs each kind of job; apps register theirs when they load."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_noop

from bottomline.jobs.progress import Progress

JobHandler = Callable[[dict[str, Any], Progress], dict[str, Any]]

HANDLERS: dict[str, JobHandler] = {}


def job_handler(kind: str) -> Callable[[JobHandler], JobHandler]:
    """Register the function that runs jobs of ``kind``: it takes the parameters and a progress sink."""

    def register(handler: JobHandler) -> JobHandler:
        HANDLERS[kind] = handler
        return handler

    return register


# The kinds of job, marked so that pages can show them in the user's language.
KIND_NAMES = (
    gettext_noop("regions.load"),
    gettext_noop("registry.import"),
    gettext_noop("registry.income_import"),
    gettext_noop("registry.synth"),
    gettext_noop("registry.rotate_keys"),
    gettext_noop("engine.screen"),
    gettext_noop("policy.simulate"),
    gettext_noop("registry.export"),
    gettext_noop("dashboards.export"),
)
