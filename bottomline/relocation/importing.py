"""Importing relocated households (搬迁户名单): household number, origin village, site and year, one per row.

The registry import's rules (``registry.importing``): every row is checked first and every problem reported
(row, column, message in the user's language); nothing is written unless the whole file is good, in one
transaction. A household already recorded with the same origin, site and year is left as it is, so uploading
the same list again changes nothing. The same checks as the pages (``services.relocation_check``).
Docs: docs/import.md ("Relocated households").
"""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path
from typing import Any

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.services import input_sha256, job_record
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.results import Line, result_describer
from bottomline.regions.models import Region
from bottomline.registry.importing import (
    UNCHANGED,
    Column,
    RowError,
    RowsReport,
    _text,
    columns_place,
    import_job_run,
    read_rows,
    template_csv_of,
    template_xlsx_of,
)
from bottomline.registry.models import Household
from bottomline.relocation.models import Relocation, Site
from bottomline.relocation.services import relocation_check

logger = logging.getLogger(__name__)

KIND = "relocation.import"
KIND_NAME = gettext_noop("relocation.import")

COLUMNS: tuple[Column, ...] = (
    Column("户编号", "household number", "number", True),
    Column("迁出村代码", "origin village code", "origin", True),
    Column("安置点", "site", "site", True),
    Column("搬迁年度", "year", "year", True),
    Column("安置点区划代码", "site region code", "site_region"),
)
EXAMPLES = ({"number": "630106100201xxxx", "origin": "630106100201", "site": "幸福家园", "year": "2018"},)


def relocations_import(*, path: Path, user: User, commit: bool, progress: Progress) -> RowsReport:
    """Check a list of relocated households and, if ``commit`` and nothing is wrong, record them."""
    gate.require(user, Relocation, "import")
    headings, rows = read_rows(path)
    position, heading_errors = columns_place(headings, COLUMNS)
    report = RowsReport("relocations", shows=UNCHANGED, rows=len(rows), errors=heading_errors)
    if heading_errors:
        return report
    label = {c.target: headings[position[c.target]] for c in COLUMNS if c.target in position}
    progress.start(len(rows), gettext_noop("checking"))
    cells = [
        {
            c.target: _text(raw[position[c.target]])
            if c.target in position and position[c.target] < len(raw)
            else ""
            for c in COLUMNS
        }
        for raw in rows
    ]
    numbers = sorted({c["number"] for c in cells} - {""})
    households = {
        h.number: h for h in gate.restrict(Household.objects.filter(number__in=numbers), user, "view")
    }
    origins = {r.code: r for r in Region.objects.filter(code__in=sorted({c["origin"] for c in cells} - {""}))}
    sites: dict[str, list[Site]] = defaultdict(list)
    for kept_site in gate.restrict(Site.objects.select_related("region"), user):
        sites[kept_site.name].append(kept_site)
    recorded = {
        r.household.number: r
        for r in Relocation.objects.filter(household__number__in=numbers).select_related("household")
    }
    fresh: dict[str, tuple[int, Relocation]] = {}
    for i, row in enumerate(cells):
        line = i + 2
        progress.advance(1)

        def err(target: str, message: str, line: int = line) -> None:
            report.errors.append(RowError(line, label.get(target, target), message))

        bad = False
        for column in COLUMNS:
            if column.required and not row[column.target]:
                err(column.target, _("This column must be filled in."))
                bad = True
        if bad:
            continue
        household = households.get(row["number"])
        if household is None:
            err("number", _("No household %(number)s in your region.") % {"number": row["number"]})
            bad = True
        origin = origins.get(row["origin"])
        if origin is None:
            err("origin", _("No village with this code."))
            bad = True
        found = [
            s
            for s in sites.get(row["site"], [])
            if not row["site_region"] or s.region.code == row["site_region"]
        ]
        site = found[0] if len(found) == 1 else None
        if not found:
            err("site", _("No site of this name in your region."))
            bad = True
        elif len(found) > 1:
            err("site_region", _("Several sites have this name: give the site's region code."))
            bad = True
        year = row["year"]
        if not (year.isascii() and year.isdigit()):
            err("year", _("Enter a year such as 2018."))
            bad = True
        if bad or household is None or origin is None or site is None:
            continue
        try:
            relocation_check(household=household, origin=origin, site=site, year=int(year))
        except ValidationError as exc:
            for target, messages in exc.message_dict.items():
                for message in messages:
                    err({"origin_code": "origin"}.get(target, target), message)
            continue
        if household.number in fresh:
            err(
                "number", _("The same household is on row %(row)d too.") % {"row": fresh[household.number][0]}
            )
            continue
        kept = recorded.get(household.number)
        if kept is not None:
            if (kept.origin_id, kept.site_id, kept.year) == (origin.pk, site.pk, int(year)):
                report.unchanged += 1
            else:
                err("number", _("This household's relocation is recorded already, with other values."))
            continue
        fresh[household.number] = (
            line,
            Relocation(household=household, origin=origin, site=site, year=int(year), recorded_by=user),
        )
    report.errors.sort(key=lambda e: (e.row, e.column))
    if commit and not report.errors:
        with transaction.atomic(), set_actor(user):
            Relocation.objects.bulk_create([r for _line, r in fresh.values()])
        report.created = len(fresh)
        job_record(
            job=KIND,
            user=user,
            region=user.region,
            sha256=input_sha256(path),
            created=report.created,
            unchanged=report.unchanged,
            detail={"relocations": report.created},
        )
    return report


@result_describer(KIND, "relocations_created")
def _created_line(value: Any) -> Line:
    return Line(_("Relocated households recorded"), str(value))


@job_handler(KIND)
def relocations_import_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params as ``registry.import``'s: ``path``, ``user`` (id), ``commit``, ``language``, ``uploaded``."""
    return import_job_run(
        params,
        progress,
        run=relocations_import,
        failed=lambda errors: RowsReport("relocations", shows=UNCHANGED, errors=errors),
        what="relocation list",
    )


def template_csv() -> bytes:
    """The template as CSV."""
    return template_csv_of(COLUMNS, EXAMPLES)


def template_xlsx() -> bytes:
    """The template as XLSX."""
    return template_xlsx_of(COLUMNS, EXAMPLES, sheet="搬迁户")
