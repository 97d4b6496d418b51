"""Importing benefit linkages from CSV or XLSX, one linkage per row (docs/import.md, "Benefit linkages").

The registry's rules (``registry.importing``), whose file reading this module uses: every row is checked first
and every problem reported (row, column, message in the user's language); nothing is written unless the whole
file is good, in one transaction. A row whose household, entity, kind and start are already recorded corrects
that linkage (its amount and end), so uploading the same file again changes nothing. The money of every linkage
is posted in one set (``services.linkages_post``), which screens each household once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.scope import spanning_region
from bottomline.audit.services import input_sha256, job_record
from bottomline.industry.models import Linkage, LinkageKind, Project
from bottomline.industry.services import AMOUNT_MAX, linkable_entities, linkages_post
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.registry.importing import (
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
from bottomline.registry.income_import import _amount, _date
from bottomline.registry.models import Household

logger = logging.getLogger(__name__)

KIND = "industry.linkage_import"
LOOKUP_CHUNK = 2000


COLUMNS: tuple[Column, ...] = (
    Column("户编号", "household number", "number", True),
    Column("经营主体", "entity", "entity", True),
    Column("统一社会信用代码", "credit code", "credit_code"),
    Column("产业项目", "project", "project"),
    Column("联结方式", "kind", "kind", True),
    Column("年金额", "amount per year", "amount", True),
    Column("开始日期", "start", "start", True),
    Column("结束日期", "end", "end"),
    Column("备注", "note", "note"),
)
EXAMPLE = {
    "number": "630106100201xxxx",
    "entity": "湟中区某某养殖专业合作社",
    "credit_code": "",
    "project": "",
    "kind": "入股分红",
    "amount": "1200",
    "start": "2026-01-01",
    "end": "",
    "note": "",
}
# A kind is given by its code, or its Chinese name as the template lists it (入股分红).
KINDS: dict[str, str] = {kind.value: kind.value for kind in LinkageKind} | {
    "务工就业": LinkageKind.EMPLOYMENT,
    "土地流转租金": LinkageKind.LAND_RENT,
    "入股分红": LinkageKind.SHARE_DIVIDEND,
    "资产收益分红": LinkageKind.ASSET_DIVIDEND,
    "订单收购": LinkageKind.ORDER_FARMING,
}


@dataclass(frozen=True)
class _Row:
    line: int
    household_id: int
    entity_id: int
    project_id: int | None
    kind: str
    amount: Decimal
    start: date
    end: date | None
    note: str


def linkage_import(*, path: Path, user: User, commit: bool, progress: Progress) -> RowsReport:
    """Check a file of linkages and, if ``commit`` and nothing is wrong, record them and post their money."""
    gate.require(user, Linkage, "import")
    headings, rows = read_rows(path)
    position, heading_errors = columns_place(headings, COLUMNS)
    report = RowsReport("linkages", rows=len(rows), errors=heading_errors)
    label = {c.target: headings[position[c.target]] for c in COLUMNS if c.target in position}
    progress.start(len(rows), gettext_noop("checking"))
    cells = [{t: (raw[at] if at < len(raw) else "") for t, at in position.items()} for raw in rows]
    numbers = sorted({_text(c["number"]) for c in cells} - {""})
    households: dict[str, int] = {}
    for at in range(0, len(numbers), LOOKUP_CHUNK):
        households.update(
            gate.restrict(
                Household.objects.filter(number__in=numbers[at : at + LOOKUP_CHUNK]), user, "change"
            ).values_list("number", "id")
        )
    entities: dict[str, list[tuple[int, str]]] = {}
    for pk, name, code in linkable_entities(user).values_list("pk", "name", "credit_code"):
        entities.setdefault(name, []).append((pk, code))
    projects = {
        (entity_id, name): pk
        for pk, entity_id, name in Project.objects.filter(
            entity_id__in=[pk for found in entities.values() for pk, _c in found]
        ).values_list("pk", "entity_id", "name")
    }
    good: list[_Row] = []
    seen: dict[tuple[int, int, str, date], int] = {}
    for i, row in enumerate(cells):
        line = i + 2  # the heading is row 1
        progress.advance(1)
        before = len(report.errors)

        def err(target: str, message: str, line: int = line) -> None:
            report.errors.append(RowError(line, label.get(target, target), message))

        number = _text(row["number"])
        household_id = households.get(number)
        if not number:
            err("number", _("This column must be filled in."))
        elif household_id is None:
            err("number", _("No household %(number)s in your region.") % {"number": number})
        name, code = _text(row["entity"]), _text(row.get("credit_code"))
        candidates = [pk for pk, c in entities.get(name, []) if not code or c == code]
        entity_id = candidates[0] if len(candidates) == 1 else None
        if not name:
            err("entity", _("This column must be filled in."))
        elif not candidates:
            err("entity", _("No entity %(name)s kept or serving in your region.") % {"name": name})
        elif len(candidates) > 1:
            err("entity", _("Several entities have this name: give the credit code."))
        project_name = _text(row.get("project"))
        project_id = (
            projects.get((entity_id, project_name)) if entity_id is not None and project_name else None
        )
        if project_name and entity_id is not None and project_id is None:
            err("project", _("Not a project of this entity."))
        kind = KINDS.get(_text(row["kind"]))
        if kind is None:
            err("kind", _("Enter one of: %(kinds)s.") % {"kinds": "、".join(list(KINDS)[len(LinkageKind) :])})
        amount = _amount(row["amount"])
        if amount is None or amount < 0 or amount > AMOUNT_MAX or amount != amount.quantize(Decimal("0.01")):
            err("amount", _("Enter an amount from 0 to 1,000,000 yuan a year, to the fen."))
        start = _date(row["start"])
        if start is None:
            err("start", _("Enter a date such as 2026-01-31."))
        end_text = _text(row.get("end"))
        end = _date(row.get("end")) if end_text else None
        if end_text and end is None:
            err("end", _("Enter a date such as 2026-01-31."))
        elif start is not None and end is not None and end < start:
            err("end", _("It ends before it starts."))
        note = _text(row.get("note"))
        if len(note) > 200:
            err(
                "note",
                _("At most %(limit)d characters; this has %(length)d.") % {"limit": 200, "length": len(note)},
            )
        if len(report.errors) > before:
            continue
        assert household_id is not None and entity_id is not None and kind is not None  # noqa: S101
        assert amount is not None and start is not None  # noqa: S101  (checked above)
        key = (household_id, entity_id, kind, start)
        first = seen.setdefault(key, line)
        if first != line:
            err(
                "number",
                _("The same household, entity, kind and start are on row %(row)d too.") % {"row": first},
            )
            continue
        good.append(_Row(line, household_id, entity_id, project_id, kind, amount, start, end, note))
    report.errors.sort(key=lambda e: (e.row, e.column))
    if commit and not report.errors:
        try:
            _write(good, user=user, report=report, progress=progress)
        except ValidationError as exc:
            report.errors.append(RowError(0, "", "; ".join(exc.messages)))
            report.created = report.replaced = 0
            return report
        job_record(
            job=KIND,
            user=user,
            region=spanning_region(
                list(
                    Household.objects.filter(pk__in={r.household_id for r in good}).values_list(
                        "village__code", flat=True
                    )
                )
            ),
            sha256=input_sha256(path),
            created=report.created,
            unchanged=0,
            detail={"created": report.created, "replaced": report.replaced},
        )
    return report


def _write(good: list[_Row], *, user: User, report: RowsReport, progress: Progress) -> None:
    """Record every row in one transaction and post all their money in one set."""
    progress.start(len(good), gettext_noop("importing"))
    existing = {
        (k.household_id, k.entity_id, k.kind, k.start): k
        for k in Linkage.objects.filter(household_id__in={r.household_id for r in good})
    }
    with transaction.atomic(), set_actor(user):
        touched: list[Linkage] = []
        for row in good:
            linkage = existing.get((row.household_id, row.entity_id, row.kind, row.start))
            if linkage is None:
                linkage = Linkage.objects.create(
                    household_id=row.household_id,
                    entity_id=row.entity_id,
                    project_id=row.project_id,
                    kind=row.kind,
                    amount_per_year=row.amount,
                    start=row.start,
                    end=row.end,
                    note=row.note,
                    created_by=user,
                )
                report.created += 1
            else:
                linkage.amount_per_year, linkage.end = row.amount, row.end
                linkage.project_id, linkage.note = row.project_id, row.note
                linkage.save(update_fields=["amount_per_year", "end", "project", "note", "updated_at"])
                report.replaced += 1
            touched.append(linkage)
        linkages_post(actor=user, linkages=touched)
    progress.advance(len(good))


@job_handler(KIND)
def linkage_import_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params as ``registry.import``'s: ``path``, ``user`` (id), ``commit``, ``language``, ``uploaded``."""
    return import_job_run(
        params,
        progress,
        run=linkage_import,
        failed=lambda errors: RowsReport("linkages", errors=errors),
        what="linkage",
    )


def template_csv() -> bytes:
    """The template as CSV."""
    return template_csv_of(COLUMNS, [EXAMPLE])


def template_xlsx() -> bytes:
    """The template as XLSX."""
    return template_xlsx_of(COLUMNS, [EXAMPLE], sheet="利益联结", width=16)
