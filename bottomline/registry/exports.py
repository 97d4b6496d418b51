"""Rosters out to CSV and XLSX: masked, safe to open in a spreadsheet, IDs as text, audited."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import EventKind
from bottomline.audit.scope import queryset_region
from bottomline.audit.services import event_record
from bottomline.jobs.models import Job
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.services import download_store, job_enqueue
from bottomline.registry.models import Household, Member

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """Text safe to open in a spreadsheet: a leading formula character gets an apostrophe before it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def roster_header() -> list[str]:
    """Column titles in the user's language."""
    return [
        _("household number"),
        _("village code"),
        _("village"),
        _("household type"),
        _("name"),
        _("ID number"),
        _("sex"),
        _("age"),
        _("relation to head"),
        _("labour capacity and skill"),
        _("health"),
        _("phone"),
    ]


def roster_rows(households: QuerySet[Household]) -> Iterator[list[str]]:
    """One row per member, masked numbers only."""
    members = (
        Member.objects.filter(household__in=households)
        .select_related("household__village")
        .order_by("household__number", "id")
    )
    for m in members.iterator(chunk_size=2000):
        h = m.household
        if h is None:  # cannot happen: filtered on household; keeps the type checker informed
            continue
        yield [
            h.number,
            h.village.code,
            h.village.name,
            h.get_household_type_display(),
            m.name,
            m.id_number_masked,
            m.get_sex_display(),
            str(m.age),
            m.get_relation_display(),
            m.get_labour_display(),
            m.get_health_display(),
            h.phone_masked,
        ]


def write_csv(rows: Iterable[list[str]]) -> bytes:
    """UTF-8 with a BOM so that Excel opens Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(roster_header())
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(rows: Iterable[list[str]]) -> bytes:
    """Every cell written as text: no formulas, no numbers (so 18-digit IDs stay whole)."""
    import xlsxwriter  # here, not at a web process's start-up (issue #17)

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet(_("roster"))
    text = book.add_format({"num_format": "@"})
    for c, title in enumerate(roster_header()):
        sheet.write_string(0, c, title)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            sheet.write_string(r, c, neutralise(value), text)
    book.close()
    return buffer.getvalue()


WRITERS: dict[str, Any] = {"csv": write_csv, "xlsx": write_xlsx}


def roster_export(
    *, viewer: User, households: QuerySet[Household], fmt: str, request: HttpRequest | None = None
) -> bytes:
    """The roster of the given (already scoped) households in ``fmt``; the export is audited."""
    gate.require(viewer, Household, "export", request)
    if fmt not in WRITERS:
        raise ValueError(f"unknown export format {fmt!r}")
    scoped = gate.restrict(households, viewer, "export")
    content: bytes = WRITERS[fmt](roster_rows(scoped))
    event_record(
        kind=EventKind.EXPORT,
        user=viewer,
        request=request,
        target=f"registry.roster:{fmt}",
        region=queryset_region(scoped, "village__code"),
        detail={"households": scoped.count()},
    )
    return content


EXPORT = "registry.export"


def roster_export_start(*, viewer: User, filters: Any, fmt: str, language: str) -> Job:
    """A roster too large to write inside a request, as a job; its creator downloads the file once."""
    gate.require(viewer, Household, "export")
    if fmt not in WRITERS:
        raise ValueError(f"unknown export format {fmt!r}")
    params = {"user": viewer.pk, "filters": asdict(filters), "fmt": fmt, "language": language}
    return job_enqueue(kind=EXPORT, params=params, user=viewer, region=viewer.region)


@job_handler(EXPORT)
def roster_export_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params: ``user`` (whose scope and whose export), ``filters`` (a HouseholdFilter), ``fmt``, ``language``."""
    from bottomline.registry.selectors import HouseholdFilter, household_list

    viewer = User.objects.get(pk=params["user"])
    fmt = str(params["fmt"])
    progress.start(1, gettext_noop("writing the roster"))
    with translation.override(params.get("language") or "zh-hans"):
        households = household_list(viewer=viewer, filters=HouseholdFilter(**params["filters"]))
        content = roster_export(viewer=viewer, households=households, fmt=fmt)
    name = download_store(content, f".{fmt}")
    progress.advance()
    return {
        "households": households.count(),
        "download": name,
        "file_name": f"roster-{timezone.localdate():%Y%m%d}.{fmt}",
    }
