"""Importing an insurer's list of claims (理赔清单): one claim per row, recorded to assess.

The registry import's rules (``registry.importing``): every row is checked first and every problem reported
(row, column, message in the user's language); nothing is written unless the whole file is good, in one
transaction. A claim whose insurer's claim number is recorded already on the policy is left as it is, so
uploading the same list again changes nothing. The same checks as the page: the policy pays for the trigger, the
day lies in its period, and the policy covers the household on that day. Docs: docs/import.md ("Anti-poverty
insurance claims").
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditlog.context import set_actor
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.services import input_sha256, job_record
from bottomline.insurance.models import Claim, Origin, PayoutRule, Policy, Trigger
from bottomline.insurance.selectors import covered_in
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.results import Line, result_describer
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
from bottomline.registry.income_import import _amount, _date
from bottomline.registry.models import Household

KIND = "insurance.import"
KIND_NAME = gettext_noop("insurance.import")
# The triggers' Chinese terms, as an insurer's list writes them (the import reads them in either language).
TRIGGER_ZH = {"medical": "医疗", "education": "教育", "disaster": "灾害", "accident": "意外"}

COLUMNS: tuple[Column, ...] = (
    Column("保单号", "policy number", "policy", True),
    Column("理赔编号", "claim number", "reference", True),
    Column("户编号", "household number", "number", True),
    Column("理赔类型", "trigger", "trigger", True),
    Column("出险日期", "date", "occurred_on", True),
    Column("费用或损失金额", "spending", "spending", True),
    Column("申请金额", "claimed", "claimed"),
)
EXAMPLES = (
    {
        "policy": "WN-FPB-2026",
        "reference": "LP2026000001",
        "number": "520526100201xxxx",
        "trigger": "医疗",
        "occurred_on": "2026-03-15",
        "spending": "27000",
        "claimed": "",
    },
)


def trigger_of(raw: str) -> str | None:
    """The trigger code of a cell (code, English label or Chinese term), or None."""
    text = raw.strip().lower()
    for value, label in Trigger.choices:
        if (
            text in (value, str(label).lower(), Trigger(value).label.lower())
            or raw.strip() == TRIGGER_ZH[value]
        ):
            return value
    return None


def _money(value: Decimal | None) -> bool:
    return value is not None and value.is_finite() and value >= 0 and value == value.quantize(Decimal("0.01"))


def claims_import(*, path: Path, user: User, commit: bool, progress: Progress) -> RowsReport:
    """Check an insurer's list of claims and, if ``commit`` and nothing is wrong, record its new claims."""
    gate.require(user, Claim, "import")
    headings, rows = read_rows(path)
    position, heading_errors = columns_place(headings, COLUMNS)
    report = RowsReport("claims", shows=UNCHANGED, rows=len(rows), errors=heading_errors)
    label = {c.target: headings[position[c.target]] for c in COLUMNS if c.target in position}
    progress.start(len(rows), gettext_noop("checking"))
    cells = [
        {c.target: (raw[position[c.target]] if c.target in position and position[c.target] < len(raw) else "")
         for c in COLUMNS}
        for raw in rows
    ]  # fmt: skip
    policies = {
        p.number: p
        for p in gate.restrict(Policy.objects.select_related("region"), user, "view").filter(
            number__in=sorted({_text(c["policy"]) for c in cells})
        )
    }
    rules = set(PayoutRule.objects.filter(policy__in=policies.values()).values_list("policy_id", "trigger"))
    households = dict(
        gate.restrict(
            Household.objects.filter(number__in=sorted({_text(c["number"]) for c in cells})), user, "view"
        ).values_list("number", "id")
    )
    recorded = set(
        Claim.objects.filter(policy__in=policies.values())
        .exclude(reference="")
        .values_list("policy_id", "reference")
    )
    new: list[Claim] = []
    seen: dict[tuple[int, str], int] = {}
    today = timezone.localdate()
    for i, row in enumerate(cells):
        line = i + 2
        progress.advance(1)
        before = len(report.errors)

        def err(target: str, message: str, line: int = line) -> None:
            report.errors.append(RowError(line, label.get(target, target), message))

        policy = policies.get(_text(row["policy"]))
        if policy is None:
            err("policy", _("No policy with this number in your region."))
        reference = _text(row["reference"])
        if not reference:
            err("reference", _("This column must be filled in."))
        elif len(reference) > 40:
            err(
                "reference",
                _("At most %(limit)d characters; this has %(length)d.")
                % {"limit": 40, "length": len(reference)},
            )
        number = _text(row["number"])
        if number not in households:
            err("number", _("No household %(number)s in your region.") % {"number": number})
        trigger = trigger_of(_text(row["trigger"]))
        if trigger is None:
            err("trigger", _("Enter 医疗, 教育, 灾害 or 意外 (medical, education, disaster, accident)."))
        elif policy is not None and (policy.pk, trigger) not in rules:
            err("trigger", _("The policy does not pay for this trigger."))
        on: datetime.date | None = _date(row["occurred_on"])
        if on is None:
            err("occurred_on", _("Enter a date such as 2026-01-31."))
        elif on > today:
            err("occurred_on", _("The day cannot be in the future."))
        elif policy is not None and not policy.start <= on <= policy.end:
            err("occurred_on", _("The day is outside the policy's period."))
        spending = _amount(row["spending"])
        if not _money(spending):
            err("spending", _("Enter an amount of 0 or more yuan, to the fen."))
        claimed = _amount(row["claimed"]) if _text(row["claimed"]) else None
        if _text(row["claimed"]) and not _money(claimed):
            err("claimed", _("Enter an amount of 0 or more yuan, to the fen."))
        if len(report.errors) > before or policy is None or on is None or trigger is None or spending is None:
            continue
        key = (policy.pk, reference)
        if key in seen:
            err("reference", _("The same claim is on row %(row)d too.") % {"row": seen[key]})
            continue
        seen[key] = line
        if key in recorded:
            report.unchanged += 1
            continue
        household_id = households[number]
        if not covered_in(policy, Household.objects.filter(pk=household_id), on).exists():
            err("number", _("The policy does not cover this household on that day."))
            continue
        rule = next(r for r in policy.rules.all() if r.trigger == trigger)
        new.append(
            Claim(
                policy=policy,
                household_id=household_id,
                trigger=trigger,
                occurred_on=on,
                spending=spending,
                claimed=claimed if claimed is not None else rule.payout(spending),
                reference=reference,
                origin=Origin.IMPORT,
                recorded_by=user,
            )
        )
    report.errors.sort(key=lambda e: (e.row, e.column))
    if commit and not report.errors:
        with transaction.atomic(), set_actor(user):
            Claim.objects.bulk_create(new)
        report.created = len(new)
        job_record(
            job=KIND,
            user=user,
            region=user.region,
            sha256=input_sha256(path),
            created=report.created,
            unchanged=report.unchanged,
            detail={"claims": report.created},
        )
    return report


@result_describer(KIND, "claims_created")
def _claims_line(value: Any) -> Line:
    return Line(_("Claims recorded"), str(value))


@job_handler(KIND)
def claims_import_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params as ``registry.import``'s: ``path``, ``user`` (id), ``commit``, ``language``, ``uploaded``."""
    return import_job_run(
        params,
        progress,
        run=claims_import,
        failed=lambda errors: RowsReport("claims", shows=UNCHANGED, errors=errors),
        what="insurance claims",
    )


def template_csv() -> bytes:
    """The template as CSV."""
    return template_csv_of(COLUMNS, EXAMPLES)


def template_xlsx() -> bytes:
    """The template as XLSX."""
    return template_xlsx_of(COLUMNS, EXAMPLES, sheet="防返贫保险理赔")
