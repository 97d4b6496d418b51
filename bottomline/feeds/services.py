"""Loading a department feed: check every row, match people through the ID blind index, then (on commit, all
or nothing) change the facts the rules read through the registry's services, and raise leads for the
households the new facts put at risk.

The page, the API, the command and the job all call ``feed_load``. Docs: docs/feeds.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import Role, User
from bottomline.audit.services import job_record
from bottomline.engine.online import current_refresh
from bottomline.feeds.models import Event, EventKind, FeedBatch, FeedRecord, UnmatchedRow
from bottomline.feeds.schemas import BY_CODE, FeedColumn, FeedType
from bottomline.jobs.progress import Progress
from bottomline.monitoring.models import Channel
from bottomline.monitoring.services import SignalIn, leads_raise
from bottomline.privacy.crypto import blind_index
from bottomline.privacy.keys import field_keys
from bottomline.privacy.masking import mask_id_number
from bottomline.registry.choices import Labour, MoveReason, StudentStatus
from bottomline.registry.features import household_screening
from bottomline.registry.importing import NO, YES, ImportFileError, RowError, _text, read_rows
from bottomline.registry.models import Household, IncomeRecord, Member
from bottomline.registry.services import (
    ID_PURPOSE,
    household_update,
    id_number_check,
    income_record,
    member_move,
)

ROW_KEY_PURPOSE = "feeds.row"
BATCH = 500
# Main labourers (主要劳动力): their death or serious illness is a sudden event of the household.
MAIN_LABOUR = frozenset({Labour.SKILLED, Labour.ORDINARY})
# Feed types whose every change ends in a registry service, which refreshes the household's online screening.
REFRESHED_BY_REGISTRY = frozenset({"medical_claims", "housing", "public_security"})


class FeedFileError(ImportFileError):
    """The file cannot be read as this feed at all (type, encoding, headings)."""


@dataclass
class CheckedRow:
    """A row that passed the checks: its values by column key and who it names."""

    line: int
    values: dict[str, Any]
    index: str  # blind index of the ID number
    masked: str
    key: str
    member: Member | None = None
    outcome: str = ""  # apply, unchanged, not_found, no_period


# Outcomes that are applied. A medical claim whose settlement date no recorded income period contains
# ("no_period") still raises its department warning and its event; its amount waits, listed, for the period.
APPLIED = ("apply", "no_period")


@dataclass
class FeedReport:
    """What a check or a load found and did."""

    feed_type: str
    committed: bool = False
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: int = 0  # rows applied, or that a commit would apply
    unchanged: int = 0  # applied before (or twice in this file)
    unmatched: int = 0  # nobody registered with that ID number in the uploader's region
    households: int = 0  # households whose facts changed
    leads: int = 0  # households that got a department lead
    batch: int | None = None
    touched: set[int] = field(default_factory=set)  # the households' ids
    # Per household, the medical claims' amounts that no recorded period contains yet (for the warning only).
    pending: dict[int, Decimal] = field(default_factory=dict)

    def as_dict(self, limit: int = 1000) -> dict[str, Any]:
        """For the job's result and the API: counts and the first ``limit`` errors."""
        return {
            "feed_type": self.feed_type,
            "committed": self.committed,
            "rows": self.rows,
            "applied": self.applied,
            "unchanged": self.unchanged,
            "unmatched": self.unmatched,
            "households": self.households,
            "leads": self.leads,
            "batch": self.batch,
            "error_count": len(self.errors),
            "errors": [[e.row, e.column, e.message] for e in self.errors[:limit]],
        }


def feed_type_check(*, user: User, feed_type: str, request: Any = None) -> FeedType:
    """The feed type, if the user may upload it: department officers only their department's types."""
    gate.require(user, FeedBatch, "add", request)
    declared = BY_CODE.get(feed_type)
    if declared is None:
        raise ValidationError({"feed_type": _("Unknown feed type.")})
    if user.role == Role.DEPARTMENT_OFFICER and declared.department != user.department:
        raise PermissionDenied(_("Your department does not send this feed."))
    return declared


def _lookup(column: FeedColumn) -> dict[str, str]:
    return {term.lower(): a.code for a in column.allowed for term in (a.code, a.zh, a.en)}


def _parse(column: FeedColumn, raw: object) -> Any:
    """A cell's value by the column's type, or ValueError with the message for the user."""
    if column.type == "date":
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        text = _text(raw).replace("/", "-").replace(".", "-")
        if len(text) == 8 and text.isdigit():
            text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None
    text = _text(raw)
    if column.type == "amount":
        try:
            amount = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise ValueError(_("Enter an amount in yuan, such as 1200.50.")) from None
        if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
            raise ValueError(_("Enter an amount in yuan, such as 1200.50."))
        return amount
    if column.type == "integer":
        if not text.isdigit() or (
            column.low is not None and not column.low <= int(text) <= (column.high or 0)
        ):
            raise ValueError(
                _("Enter a whole number from %(low)d to %(high)d.") % {"low": column.low, "high": column.high}
            )
        return int(text)
    if column.type == "flag":
        lowered = text.lower()
        if lowered in YES:
            return True
        if lowered in NO:
            return False
        raise ValueError(_("Write 是 or 否."))
    if column.type == "choice":
        code = _lookup(column).get(text.lower())
        if code is None:
            raise ValueError(_("“%(value)s” is not one of the allowed values.") % {"value": text})
        return code
    return text


def _cross_check(feed: FeedType, values: dict[str, Any]) -> tuple[str, str] | None:
    """A rule between columns that one row breaks: (column key, message)."""
    if feed.code == "disability":
        if values.get("disability_certificate") and not values.get("disability_grade"):
            return "disability_grade", _("Give the disability grade of a certificate holder.")
        if not values.get("disability_certificate") and values.get("disability_grade"):
            return "disability_grade", _("A disability grade needs a disability certificate.")
    if feed.code == "education" and values.get("status") == "enrolled" and not values.get("stage"):
        return "stage", _("Give the stage of an enrolled student.")
    return None


def _row_key(feed: FeedType, values: dict[str, Any], keys: Any) -> str:
    parts = [
        f"{k}={values.get(k)}" for k in (feed.key or tuple(c.key for c in feed.columns if c.key != "name"))
    ]
    # Keyed (HMAC), not a plain hash: a key over an ID number must not let anyone test guesses against it.
    return blind_index("\x1f".join([feed.code, *parts]), keys=keys, purpose=ROW_KEY_PURPOSE)


def feed_check(
    *, feed: FeedType, headings: list[str], rows: list[list[object]], user: User, progress: Progress
) -> tuple[FeedReport, list[CheckedRow]]:
    """Check every row and match it to a member of the user's region; writes nothing."""
    position: dict[str, int] = {}
    for column in feed.columns:
        for name in (column.zh, column.en, column.key):
            if name in headings:
                position[column.key] = headings.index(name)
                break
    missing = [c.zh for c in feed.columns if c.required and c.key not in position]
    if missing:
        raise FeedFileError(_("These columns are missing: %(columns)s.") % {"columns": "、".join(missing)})
    heading_of = {key: headings[i] for key, i in position.items()}
    keys = field_keys()
    report = FeedReport(feed_type=feed.code, rows=len(rows))
    today = timezone.localdate()
    checked: list[CheckedRow] = []
    progress.start(len(rows), gettext_noop("checking"))
    for offset, raw in enumerate(rows):
        line = offset + 2  # the heading is row 1
        values: dict[str, Any] = {}
        problems: list[tuple[str, str]] = []
        for column in feed.columns:
            if column.key not in position:
                continue
            cell = raw[position[column.key]] if position[column.key] < len(raw) else ""
            if column.type == "id_number":
                try:
                    values[column.key] = id_number_check(cell).number
                except ValidationError as exc:
                    problems.append((column.key, " ".join(exc.messages)))
                continue
            if not _text(cell):
                if column.required:
                    problems.append((column.key, _("This column must be filled in.")))
                values[column.key] = None
                continue
            try:
                values[column.key] = _parse(column, cell)
            except ValueError as exc:
                problems.append((column.key, str(exc)))
                continue
            # A fact dated after the upload cannot have happened yet: a typo, or a planned date sent too early.
            if column.type == "date" and values[column.key] > today:
                problems.append((column.key, _("A date after today is refused.")))
        if not problems:
            crossed = _cross_check(feed, values)
            if crossed:
                problems.append(crossed)
        for key, message in problems:
            report.errors.append(RowError(line, heading_of.get(key, key), message))
        if not problems:
            number = values["id_number"]
            checked.append(
                CheckedRow(
                    line=line,
                    values=values,
                    index=blind_index(number, keys=keys, purpose=ID_PURPOSE),
                    masked=mask_id_number(number),
                    key=_row_key(feed, values, keys),
                )
            )
        progress.advance()
    report.errors.sort(key=lambda e: (e.row, e.column))
    if report.errors:
        return report, checked
    _match(feed=feed, checked=checked, user=user)
    for row in checked:
        if row.outcome in APPLIED:
            report.applied += 1
        if row.outcome == "unchanged":
            report.unchanged += 1
        elif row.outcome != "apply":
            report.unmatched += 1  # a claim without its period is also listed: its amount awaits the period
    return report, checked


def _match(*, feed: FeedType, checked: list[CheckedRow], user: User) -> None:
    """Find each row's member in the user's region; people elsewhere are unmatched, like people nowhere."""
    members: dict[str, Member] = {}
    indexes = sorted({r.index for r in checked})
    for start in range(0, len(indexes), BATCH):
        found = Member.objects.filter(
            gate.scope_q(user, Member), id_number_index__in=indexes[start : start + BATCH]
        )
        members.update({m.id_number_index: m for m in found.select_related("household__village")})
    # Rows applied before, and whether to a household of this region: a row about someone who has since left
    # the region's archive (a death, a move) is still "applied before" here, and one applied elsewhere about
    # someone not in this region stays "unmatched", like a person registered nowhere.
    applied: set[str] = set()
    applied_here: set[str] = set()
    low, high = user.region.bounds
    row_keys = [r.key for r in checked]
    for start in range(0, len(row_keys), BATCH):
        for key, code in FeedRecord.objects.filter(
            feed_type=feed.code, key__in=row_keys[start : start + BATCH]
        ).values_list("key", "household__village__code"):
            applied.add(key)
            if low <= code <= high:
                applied_here.add(key)
    periods: dict[int, list[tuple[date, date]]] = {}
    waiting: set[str] = set()  # claims applied before without their period: their warning was raised
    if feed.code == "medical_claims":
        for start in range(0, len(row_keys), BATCH):
            waiting.update(
                UnmatchedRow.objects.filter(
                    batch__feed_type=feed.code,
                    batch__region=user.region,
                    reason="no_period",
                    key__in=row_keys[start : start + BATCH],
                ).values_list("key", flat=True)
            )
        household_ids = sorted({m.household_id for m in members.values() if m.household_id is not None})
        for start in range(0, len(household_ids), BATCH):
            for h, begin, end in IncomeRecord.objects.filter(
                household_id__in=household_ids[start : start + BATCH]
            ).values_list("household_id", "period_start", "period_end"):
                periods.setdefault(h, []).append((begin, end))
    seen: set[str] = set()
    for row in checked:
        row.member = members.get(row.index)
        if row.key in applied_here or row.key in seen:
            row.outcome = "unchanged"
        elif row.member is None or row.member.household_id is None:
            row.outcome = "not_found"
        elif row.key in applied:
            row.outcome = "unchanged"
        elif feed.code == "medical_claims" and not any(
            begin <= row.values["settled_on"] <= end
            for begin, end in periods.get(row.member.household_id, [])
        ):
            row.outcome = "unchanged" if row.key in waiting else "no_period"
        else:
            row.outcome = "apply"
            seen.add(row.key)


def _member_change(member: Member, **values: Any) -> bool:
    """Change a member's fields (the registry has no member-update service yet); audited by auditlog."""
    changed = [k for k, v in values.items() if getattr(member, k) != v]
    if not changed:
        return False
    for name in changed:
        setattr(member, name, values[name])
    member.full_clean(exclude=["id_number_enc", "id_number_index", "household"])
    member.save(update_fields=[*changed, "updated_at"])
    return True


Apply = Callable[[User, CheckedRow, Member, list[Event]], None]


def _medical(uploader: User, row: CheckedRow, member: Member, events: list[Event]) -> None:
    settled: date = row.values["settled_on"]
    assert member.household_id is not None  # noqa: S101  (matched members belong to a household)
    record = (
        IncomeRecord.objects.filter(
            household_id=member.household_id, period_start__lte=settled, period_end__gte=settled
        )
        .order_by("-period_start")
        .first()
    )
    if record is not None:  # else "no_period": the amount waits for its period, the warning does not
        income_record(
            actor=uploader,
            action="feed",
            household_id=record.household_id,
            period_start=record.period_start,
            period_end=record.period_end,
            medical_out_of_pocket=record.medical_out_of_pocket + row.values["out_of_pocket"],
        )
    if row.values.get("serious_illness") and member.labour in MAIN_LABOUR:
        events.append(
            Event(household_id=member.household_id, kind=EventKind.SEVERE_ILLNESS, occurred_on=settled)
        )


def _civil_affairs(uploader: User, row: CheckedRow, member: Member, events: list[Event]) -> None:
    assert member.household is not None  # noqa: S101  (matched members belong to a household)
    if member.household.welfare != row.values["welfare"]:
        household_update(
            actor=uploader, action="feed", household_id=member.household.pk, welfare=row.values["welfare"]
        )


def _disability(uploader: User, row: CheckedRow, member: Member, events: list[Event]) -> None:
    grade = row.values.get("disability_grade") if row.values["disability_certificate"] else None
    _member_change(member, disability_grade=grade)


def _education(uploader: User, row: CheckedRow, member: Member, events: list[Event]) -> None:
    status = row.values["stage"] if row.values["status"] == "enrolled" else StudentStatus.DROPPED_OUT
    _member_change(member, student_status=str(status))


def _housing(uploader: User, row: CheckedRow, member: Member, events: list[Event]) -> None:
    assert member.household is not None  # noqa: S101
    if member.household.housing_grade != row.values["grade"]:
        household_update(
            actor=uploader, action="feed", household_id=member.household.pk, housing_grade=row.values["grade"]
        )


def _disasters(uploader: User, row: CheckedRow, member: Member, events: list[Event]) -> None:
    assert member.household_id is not None  # noqa: S101
    events.append(
        Event(
            household_id=member.household_id, kind=row.values["kind"], occurred_on=row.values["occurred_on"]
        )
    )


def _employment(uploader: User, row: CheckedRow, member: Member, events: list[Event]) -> None:
    values: dict[str, Any] = {"months_worked": row.values["months_worked"]}
    if row.values.get("labour"):
        values["labour"] = row.values["labour"]
    _member_change(member, **values)


def _public_security(uploader: User, row: CheckedRow, member: Member, events: list[Event]) -> None:
    household_id = member.household_id
    assert household_id is not None  # noqa: S101
    death = row.values["change"] == "death"
    member_move(
        actor=uploader,
        action="feed",
        member_id=member.pk,
        reason=MoveReason.DEATH if death else MoveReason.MOVED_AWAY,
        moved_on=row.values["changed_on"],
        note=_("Reported by the public-security feed."),
    )
    if death and member.labour in MAIN_LABOUR:
        events.append(
            Event(household_id=household_id, kind=EventKind.DEATH, occurred_on=row.values["changed_on"])
        )


APPLY: dict[str, Apply] = {
    "medical_claims": _medical,
    "civil_affairs": _civil_affairs,
    "disability": _disability,
    "education": _education,
    "housing": _housing,
    "disasters": _disasters,
    "employment": _employment,
    "public_security": _public_security,
}


def feed_load(
    *,
    feed_type: str,
    path: Path,
    user: User,
    commit: bool,
    progress: Progress,
    file_name: str = "",
) -> FeedReport:
    """Check a feed file and, if ``commit`` and every row is right, apply its new rows in one transaction;
    then raise a department lead for each changed household the rules now find at risk."""
    feed = feed_type_check(user=user, feed_type=feed_type)
    headings, rows = read_rows(path)
    report, checked = feed_check(feed=feed, headings=headings, rows=rows, user=user, progress=progress)
    if report.errors or not commit:
        return report
    report.committed = True
    new_unmatched = _new_unmatched(feed=feed, user=user, checked=checked)
    to_apply = [r for r in checked if r.outcome in APPLIED]
    if not to_apply and not new_unmatched:
        return report  # nothing new: a re-upload adds nothing, not even a batch
    try:
        batch = _apply(
            feed=feed,
            user=user,
            report=report,
            to_apply=to_apply,
            unmatched=new_unmatched,
            path=path,
            file_name=file_name,
            progress=progress,
        )
    except _Refused:
        report.committed = False
        return report  # a registry check refused a row: nothing was written
    except IntegrityError:
        if FeedRecord.objects.filter(feed_type=feed.code, key__in=[r.key for r in to_apply[:BATCH]]).exists():
            raise FeedFileError(
                _("Another upload of the same rows was loaded at the same time: upload the file again.")
            ) from None
        raise
    report.leads = feed_alert(batch=batch, household_ids=report.touched, pending=report.pending)
    if report.leads:
        FeedBatch.objects.filter(pk=batch.pk).update(leads=report.leads)
    job_record(
        job="feeds.load",
        user=user,
        region=batch.region,
        sha256=batch.file_sha256,
        updated=report.applied,
        unchanged=report.unchanged,
        refused=report.unmatched,  # nobody registered with that ID number in the region
        detail={"batch": batch.pk, "feed_type": feed.code, "leads": report.leads},
    )
    return report


class _Refused(Exception):
    """A row broke a registry check while being applied: roll the whole load back."""


def _apply(
    *,
    feed: FeedType,
    user: User,
    report: FeedReport,
    to_apply: list[CheckedRow],
    unmatched: list[CheckedRow],
    path: Path,
    file_name: str,
    progress: Progress,
) -> FeedBatch:
    """Write a checked load in one transaction: the batch, each row's change, its events and unmatched rows."""
    touched: set[int] = set()
    progress.start(len(to_apply), gettext_noop("applying"))
    with transaction.atomic(), set_actor(user):
        batch = FeedBatch.objects.create(
            feed_type=feed.code,
            department=feed.department,
            region=user.region,
            uploaded_by=user,
            file_name=file_name[:200] or path.name,
            file_sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
            rows=report.rows,
            applied=report.applied,
            unchanged=report.unchanged,
            unmatched=report.unmatched,
        )
        events: list[Event] = []
        records: list[FeedRecord] = []
        for row in to_apply:
            member = row.member
            assert member is not None and member.household_id is not None  # noqa: S101  (outcome "apply")
            household_id = member.household_id  # read before the change: a death moves the member out
            touched.add(household_id)
            try:
                APPLY[feed.code](user, row, member, events)
            except ValidationError as exc:
                report.errors.append(RowError(row.line, "", " ".join(exc.messages)))
            if row.outcome == "no_period":  # not recorded as applied: applied again once its period exists
                amount = row.values["out_of_pocket"]
                report.pending[household_id] = report.pending.get(household_id, Decimal(0)) + amount
                progress.advance()
                continue
            records.append(
                FeedRecord(
                    batch=batch,
                    feed_type=feed.code,
                    key=row.key,
                    row=row.line,
                    household_id=household_id,
                    member=member,
                )
            )
            progress.advance()
        if report.errors:
            raise _Refused
        FeedRecord.objects.bulk_create(records, batch_size=BATCH)
        for event in events:
            event.batch = batch
        Event.objects.bulk_create(events, batch_size=BATCH, ignore_conflicts=True)
        # The online screening of the changed households that no registry service has refreshed since their
        # last change: member fields saved here, and households given events (the services that ran before
        # the batch's events existed saw none).
        stale = {e.household_id for e in events}
        if feed.code not in REFRESHED_BY_REGISTRY:
            stale |= touched
        for household in Household.objects.filter(pk__in=sorted(stale)).select_related("village"):
            current_refresh(household)
        UnmatchedRow.objects.bulk_create(
            [
                UnmatchedRow(
                    batch=batch,
                    key=r.key,
                    row=r.line,
                    id_number_masked=r.masked,
                    name=str(r.values.get("name") or "")[:50],
                    reason=r.outcome,
                )
                for r in unmatched
            ],
            batch_size=BATCH,
        )
    report.batch = batch.pk
    report.households = len(touched)
    report.touched = touched
    return batch


def _new_unmatched(*, feed: FeedType, user: User, checked: list[CheckedRow]) -> list[CheckedRow]:
    """Unmatched rows not already reported to this region for this feed type."""
    rows = [r for r in checked if r.outcome in ("not_found", "no_period")]
    reported: set[str] = set()
    for start in range(0, len(rows), BATCH):
        reported.update(
            UnmatchedRow.objects.filter(
                batch__feed_type=feed.code,
                batch__region=user.region,
                key__in=[r.key for r in rows[start : start + BATCH]],
            ).values_list("key", flat=True)
        )
    fresh: list[CheckedRow] = []
    for row in rows:
        if row.key not in reported:
            reported.add(row.key)
            fresh.append(row)
    return fresh


def feed_alert(
    *,
    batch: FeedBatch,
    household_ids: Iterable[int],
    on: date | None = None,
    pending: Mapping[int, Decimal] | None = None,
) -> int:
    """Re-screen the households a feed changed with the Python evaluator, and raise a department lead on
    each that the rules find at risk (explained in both languages). Returns how many. ``pending``: medical
    amounts no recorded period contains yet, counted in the household's newest period for this warning only,
    so that a warning does not depend on whether the income period exists."""
    pending = pending or {}
    on = on or timezone.localdate()
    ids = sorted(set(household_ids))
    signals: list[SignalIn] = []
    for start in range(0, len(ids), BATCH):
        households = (
            Household.objects.filter(pk__in=ids[start : start + BATCH])
            .select_related("village")
            .prefetch_related(
                Prefetch("members", queryset=Member.objects.order_by("id")),
                "incomes",
                "feed_events",
                "cases",
            )
        )
        for household in households:
            screening = household_screening(
                household=household, on=on, extra_medical=pending.get(household.pk, Decimal(0))
            )
            if not screening.at_risk:
                continue
            signals.append(
                SignalIn(
                    household_id=household.pk,
                    detail={lang: [hit.explanation(lang) for hit in screening.hits] for lang in ("en", "zh")},
                    category=screening.category,
                    risk_types=screening.risk_types,
                )
            )
    if signals:
        leads_raise(channel=Channel.DEPARTMENT, reference=f"feed:{batch.pk}", signals=signals)
    return len(signals)
