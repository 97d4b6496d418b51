"""One way to export (issue #18): a file written inside the request while it is small, by a job when it is large.

An app registers each kind of export once, at import time::

    LINKAGES = export_register(
        "industry.linkage_export",
        model=Linkage,
        write=lambda viewer, params, request: linkages_xlsx(viewer=viewer, request=request),
        rows=lambda viewer, params: linkage_count(viewer),
        name=lambda params: f"benefit-linkages-{timezone.localdate():%Y%m%d}",
    )

and its view answers with ``export_respond(request, LINKAGES, viewer=user, params={...})``: the file itself up to
``inline_rows`` rows (``jobs.services.EXPORT_INLINE_ROWS`` unless the export says fewer: some rows cost more), else
a job, and a redirect to the job's page, where its creator downloads the file once (``jobs:download``).

``params`` must be JSON (they are stored on the job): strings, numbers, ISO days. The writer runs in the user's
language (the job's ``language``), checks the gate itself and audits the export as every export does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import get_language, gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.jobs import services
from bottomline.jobs.models import Job
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.services import download_store, job_enqueue
from bottomline.regions.models import Region

# The parameters every export job carries besides the export's own.
RESERVED = frozenset({"user", "language"})

CONTENT_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv; charset=utf-8",
}

Writer = Callable[[User, dict[str, Any], HttpRequest | None], bytes]
Counter = Callable[[User, dict[str, Any]], int]
Namer = Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class Export:
    """A kind of export: its job kind, the model whose ``export`` right it needs, how to write it, how many rows it
    has, and its file name without the suffix (from the export's own parameters)."""

    kind: str
    model: type[Model]
    write: Writer
    rows: Counter
    name: Namer
    inline_rows: int | None = None
    suffix: str = ".xlsx"
    phase: str = gettext_noop("writing the export")

    def file_name(self, params: dict[str, Any]) -> str:
        """The name the file is downloaded under."""
        return f"{self.name(params)}{self.suffix}"

    def inline(self, viewer: User, params: dict[str, Any]) -> bool:
        """Whether the export is small enough to write inside the request: at most the shared limit
        (``jobs.services.EXPORT_INLINE_ROWS``, read now), and at most the export's own when it has one."""
        limit = services.EXPORT_INLINE_ROWS
        if self.inline_rows is not None:
            limit = min(limit, self.inline_rows)
        return self.rows(viewer, params) <= limit


EXPORTS: dict[str, Export] = {}


def export_register(
    kind: str,
    *,
    model: type[Model],
    write: Writer,
    rows: Counter,
    name: Namer,
    inline_rows: int | None = None,
    suffix: str = ".xlsx",
    phase: str = gettext_noop("writing the export"),
) -> Export:
    """Declare an export and the job that writes it when it is large (one registration per kind)."""
    if suffix not in CONTENT_TYPES:
        raise ValueError(f"unknown export suffix {suffix!r}")
    export = Export(kind, model, write, rows, name, inline_rows, suffix, phase)
    EXPORTS[kind] = export

    @job_handler(kind)
    def run(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
        return export_job_run(export, params, progress)

    return export


def export_start(
    export: Export, *, viewer: User, params: dict[str, Any], language: str, region: Region | None = None
) -> Job:
    """Queue the export as a job of ``viewer`` (who must have the right to export); its creator downloads the
    file once from the job's page."""
    gate.require(viewer, export.model, "export")
    if RESERVED & params.keys():
        raise ValueError(f"export parameters may not be named {sorted(RESERVED & params.keys())}")
    job_params = {"user": viewer.pk, "language": language, **params}
    return job_enqueue(kind=export.kind, params=job_params, user=viewer, region=region or viewer.region)


def export_job_run(export: Export, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """The job: write the file as its creator (their scope, their language), keep it for download."""
    viewer = User.objects.select_related("region").get(pk=params["user"])
    own = {k: v for k, v in params.items() if k not in RESERVED}
    progress.start(1, export.phase)
    with translation.override(params.get("language") or "zh-hans"):
        content = export.write(viewer, own, None)
    stored = download_store(content, export.suffix)
    progress.advance()
    return {"download": stored, "file_name": export.file_name(own), "rows": export.rows(viewer, own)}


def export_respond(
    request: HttpRequest,
    export: Export,
    *,
    viewer: User,
    params: dict[str, Any] | None = None,
    region: Region | None = None,
) -> HttpResponse:
    """The page of an export: the file when it is small, else a job and a redirect to its page."""
    gate.require(viewer, export.model, "export", request)
    params = params or {}
    if not export.inline(viewer, params):
        job = export_start(
            export, viewer=viewer, params=params, language=get_language() or "zh-hans", region=region
        )
        return redirect("jobs:detail", pk=job.pk)
    content = export.write(viewer, params, request)
    response = HttpResponse(content, content_type=CONTENT_TYPES[export.suffix])
    response["Content-Disposition"] = f'attachment; filename="{export.file_name(params)}"'
    return response
