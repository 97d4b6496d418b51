"""The library out to XLSX: one row per project with its budget and disbursements by source as of a day, every
cell text, audited; more than ``EXPORT_INLINE_ROWS`` projects are written by a job (as industry's linkages)."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import EventKind
from bottomline.audit.services import event_record
from bottomline.jobs.models import Job
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.services import EXPORT_INLINE_ROWS, download_store, job_enqueue
from bottomline.projects.models import Budget, Disbursement, Project, Source
from bottomline.registry.exports import neutralise

EXPORT = "projects.export"
EXPORT_NAME = gettext_noop("projects.export")


def projects_header() -> list[str]:
    """Column titles in the user's language."""
    money = []
    for _value, label in Source.choices:
        money += [
            _("%(source)s: budget (yuan)") % {"source": label},
            _("%(source)s: disbursed (yuan)") % {"source": label},
        ]
    return [
        _("project code"),
        _("project name"),
        _("year"),
        _("kind"),
        _("stage"),
        _("region served"),
        _("site (village) code"),
        _("site (village)"),
        _("responsible unit"),
        *money,
        _("budget (yuan)"),
        _("disbursed (yuan)"),
    ]


def projects_xlsx(
    *, viewer: User, projects: QuerySet[Project], on: date, request: HttpRequest | None = None
) -> bytes:
    """The projects (already scoped and filtered) as XLSX, their money disbursed by ``on``; audited."""
    import xlsxwriter  # here, not at a web process's start-up

    gate.require(viewer, Project, "export", request)
    rows = list(projects.select_related("region", "site"))
    ids = [p.pk for p in rows]
    budgets: dict[int, dict[str, Decimal]] = defaultdict(dict)
    spent: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for at in range(0, len(ids), 1000):
        part = ids[at : at + 1000]
        for pk, source, amount in Budget.objects.filter(project_id__in=part).values_list(
            "project_id", "source", "amount"
        ):
            budgets[pk][source] = amount
        for pk, source, amount in Disbursement.objects.filter(project_id__in=part, on__lte=on).values_list(
            "project_id", "source", "amount"
        ):
            spent[pk][source] += amount
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet(_("project library")[:31])
    text = book.add_format({"num_format": "@"})
    sheet.write_string(0, 0, _("As of %(day)s") % {"day": on.isoformat()})
    for c, title in enumerate(projects_header()):
        sheet.write_string(1, c, title)
    for r, p in enumerate(rows, start=2):
        money: list[str] = []
        for source in Source.values:
            money += [
                f"{budgets[p.pk].get(source, Decimal(0)):.2f}",
                f"{spent[p.pk].get(source, Decimal(0)):.2f}",
            ]
        values = [
            p.code or "",
            p.name,
            str(p.year),
            str(p.get_kind_display()),
            str(p.get_stage_display()),
            p.region.name,
            p.site.code,
            p.site.name,
            p.unit,
            *money,
            f"{sum(budgets[p.pk].values(), Decimal(0)):.2f}",
            f"{sum(spent[p.pk].values(), Decimal(0)):.2f}",
        ]
        for c, value in enumerate(values):
            sheet.write_string(r, c, neutralise(value), text)
    book.close()
    event_record(
        kind=EventKind.EXPORT,
        user=viewer,
        request=request,
        target="projects.project:xlsx",
        region=viewer.region,
        detail={"projects": len(rows)},
    )
    return buffer.getvalue()


def export_inline(projects: QuerySet[Project]) -> bool:
    """Whether the projects are few enough to write inside the request."""
    return projects.count() <= EXPORT_INLINE_ROWS


def export_start(*, viewer: User, params: dict[str, str], language: str) -> Job:
    """The export as a job (the list's filters in ``params``); its creator downloads the file once."""
    gate.require(viewer, Project, "export")
    return job_enqueue(
        kind=EXPORT,
        params={"user": viewer.pk, "filters": params, "language": language},
        user=viewer,
        region=viewer.region,
    )


@job_handler(EXPORT)
def export_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params: ``user`` (whose scope and export), ``filters`` (the list's query), ``language``."""
    from bottomline.projects.forms import ProjectFilterForm
    from bottomline.projects.selectors import ProjectFilters, project_list
    from bottomline.regions.models import Region

    viewer = User.objects.select_related("region").get(pk=params["user"])
    query = QueryDict(mutable=True)
    query.update(params.get("filters") or {})
    form = ProjectFilterForm(query)
    data = form.cleaned_data if form.is_valid() else {}
    code = str(query.get("region", ""))
    region = gate.restrict(Region.objects.filter(code=code), viewer).first() or viewer.region
    filters = ProjectFilters(
        region=region,
        stage=data.get("stage") or "",
        kind=data.get("kind") or "",
        year=data.get("year"),
        text=(data.get("text") or "").strip(),
    )
    on = data.get("on") or timezone.localdate()
    progress.start(1, gettext_noop("writing the projects"))
    with translation.override(params.get("language") or "zh-hans"):
        content = projects_xlsx(viewer=viewer, projects=project_list(viewer=viewer, filters=filters), on=on)
    name = download_store(content, ".xlsx")
    progress.advance()
    return {"download": name, "file_name": f"projects-{on:%Y%m%d}.xlsx"}
