"""Loading a department feed: check every row, match people through the ID blind index, then (on commit, once
every row is right and the registry's services accept every change) change the facts the rules read through the
registry's set-based services in chunks, each committed with its rows recorded as applied (so a load stopped
half-way is finished by loading the file again), screen each changed household once at the end, and raise leads
for the households the new facts put at risk.

The page, the API, the command and the job all call ``feed_load``. Docs: docs/feeds.md.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import Role, User
from bottomline.audit.services import job_record
from bottomline.engine.online import households_refresh
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
from bottomline.registry.incomes import IncomeAddition, incomes_add_plan, incomes_add_write
from bottomline.registry.models import Household, IncomeRecord, Member
from bottomline.registry.services import (
    ID_PURPOSE,
    RowsRefused,
    area_info,
    households_set,
    id_number_check,
    member_move,
    members_set,
    rows_insert,
)
from bottomline.rules.screening import Screening

ROW_KEY_PURPOSE = "feeds.row"
BATCH = 500
# Main labourers (主要劳动力): their death or serious illness is a sudden event of the household.
MAIN_LABOUR = frozenset({Labour.SKILLED, Labour.ORDINARY})


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
    # A medical claim's income record, found when the load is checked before writing (None: no period holds it).
    record: int | None = None
    planned: bool = False


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
    area = functools.lru_cache(maxsize=None)(area_info)  # a file names a few areas many times

    # A file names each person on several rows: each number checked, indexed and masked once.
    @functools.cache
    def checked_number(cell: object) -> str:
        return id_number_check(cell, area=area).number

    @functools.cache
    def index_and_mask(number: str) -> tuple[str, str]:
        return blind_index(number, keys=keys, purpose=ID_PURPOSE), mask_id_number(number)

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
                    values[column.key] = checked_number(cell)
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
            index, masked = index_and_mask(values["id_number"])
            checked.append(
                CheckedRow(
                    line=line,
                    values=values,
                    index=index,
                    masked=masked,
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
        members.update({m.id_number_index: m for m in found})
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


# Rows written per committed transaction. On SQLite a writer holds the one write lock for its transaction, so a
# page that writes (a sign-in, a saved form) waits for one chunk at most, never for the whole file; a load
# stopped half-way keeps its chunks, and loading the file again applies the rest (each chunk's rows are
# recorded as applied in the same transaction as their changes).
CHUNK = 500
LEADS_BATCH = 100  # leads raised per transaction


class Turns:
    """Turns at SQLite's one write lock between a long feed and the pages. A page that writes waits for the lock
    by polling it (SQLite's busy handler: every 100 ms after the first third of a second), so it can miss the
    short gaps between a feed's transactions for as long as the feed writes. After every ``HOLD`` seconds of
    holding the lock, the feed leaves it free for ``PAUSE`` seconds, longer than one poll: a page waits about
    ``HOLD`` at most. Nothing on PostgreSQL (row locks: pages do not wait for a feed)."""

    HOLD = 0.3
    PAUSE = 0.11

    def __init__(self) -> None:
        self.held = 0.0
        self.pauses = 0
        self.sqlite = connection.vendor == "sqlite"

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Around one write transaction."""
        started = time.perf_counter()
        yield
        self.held += time.perf_counter() - started
        if self.sqlite and self.held >= self.HOLD:
            time.sleep(self.PAUSE)
            self.held = 0.0
            self.pauses += 1


# A feed type's write of a chunk of rows through the registry's set-based services: the uploader, the rows
# (outcome "apply" or "no_period"), and ``check`` (only check, write nothing). Returns the events the rows
# report. The registry's refusals come as RowsRefused, keyed as the service says (``_refused_rows`` maps them).
Write = Callable[[User, list[CheckedRow], bool], list[Event]]


def _household_of(row: CheckedRow) -> int:
    assert row.member is not None and row.member.household_id is not None  # noqa: S101  (matched rows)
    return row.member.household_id


def _medical(uploader: User, rows: list[CheckedRow], check: bool) -> list[Event]:
    """Claims add their amounts to the income record whose period holds their day: found (and checked) for the
    whole load before writing, so that a chunk's write reads nothing but whether its records are still there."""
    claims = [r for r in rows if r.outcome == "apply"]  # "no_period": the amount waits for its period
    additions = [
        IncomeAddition(_household_of(r), r.values["settled_on"], r.values["out_of_pocket"]) for r in claims
    ]
    unplanned = [at for at, r in enumerate(claims) if not r.planned]
    if check or unplanned:
        targets = incomes_add_plan(
            actor=uploader, action="feed", column="medical_out_of_pocket", additions=additions
        )
        for row, target in zip(claims, targets, strict=True):
            row.record, row.planned = target, True
    if check:
        return []
    added = incomes_add_write(
        actor=uploader,
        column="medical_out_of_pocket",
        additions=additions,
        targets=[r.record for r in claims],
    )
    for row, found in zip(claims, added, strict=True):
        if not found:  # the period was removed since the check: listed as waiting for it, like the others
            row.outcome = "no_period"
    return [
        Event(
            household_id=_household_of(r), kind=EventKind.SEVERE_ILLNESS, occurred_on=r.values["settled_on"]
        )
        for r in rows
        if r.values.get("serious_illness") and r.member is not None and r.member.labour in MAIN_LABOUR
    ]


def _households(field_name: str, column: str) -> Write:
    """A feed that sets one attribute of the household (the file's last row of a household wins)."""

    def write(uploader: User, rows: list[CheckedRow], check: bool) -> list[Event]:
        changes = {_household_of(r): {field_name: r.values[column]} for r in rows}
        households_set(actor=uploader, action="feed", changes=changes, check=check, refresh=False)
        return []

    return write


def _members(values: Callable[[CheckedRow], dict[str, Any]]) -> Write:
    """A feed that sets attributes of members (a member's later rows in the file win, field by field)."""

    def write(uploader: User, rows: list[CheckedRow], check: bool) -> list[Event]:
        changes: dict[int, dict[str, Any]] = {}
        for row in rows:
            assert row.member is not None  # noqa: S101  (matched rows)
            changes.setdefault(row.member.pk, {}).update(values(row))
        members_set(actor=uploader, action="feed", changes=changes, check=check, refresh=False)
        return []

    return write


def _disability(row: CheckedRow) -> dict[str, Any]:
    grade = row.values.get("disability_grade") if row.values["disability_certificate"] else None
    return {"disability_grade": grade}


def _education(row: CheckedRow) -> dict[str, Any]:
    status = row.values["stage"] if row.values["status"] == "enrolled" else StudentStatus.DROPPED_OUT
    return {"student_status": str(status)}


def _employment(row: CheckedRow) -> dict[str, Any]:
    values: dict[str, Any] = {"months_worked": row.values["months_worked"]}
    if row.values.get("labour"):
        values["labour"] = row.values["labour"]
    return values


def _disasters(uploader: User, rows: list[CheckedRow], check: bool) -> list[Event]:
    return [
        Event(household_id=_household_of(r), kind=r.values["kind"], occurred_on=r.values["occurred_on"])
        for r in rows
    ]


def _public_security(uploader: User, rows: list[CheckedRow], check: bool) -> list[Event]:
    """Deaths and moves away, one ``member_move`` each (history kept per person); few rows a year."""
    events: list[Event] = []
    if check:
        return events
    for row in rows:
        assert row.member is not None  # noqa: S101  (matched rows)
        household_id = _household_of(row)  # read before the move takes the member out
        death = row.values["change"] == "death"
        try:
            member_move(
                actor=uploader,
                action="feed",
                member_id=row.member.pk,
                reason=MoveReason.DEATH if death else MoveReason.MOVED_AWAY,
                moved_on=row.values["changed_on"],
                note=_("Reported by the public-security feed."),
                refresh=False,
            )
        except ValidationError as exc:
            raise RowsRefused({row.member.pk: exc.messages}) from None
        if death and row.member.labour in MAIN_LABOUR:
            events.append(
                Event(household_id=household_id, kind=EventKind.DEATH, occurred_on=row.values["changed_on"])
            )
    return events


WRITE: dict[str, Write] = {
    "medical_claims": _medical,
    "civil_affairs": _households("welfare", "welfare"),
    "disability": _members(_disability),
    "education": _members(_education),
    "housing": _households("housing_grade", "grade"),
    "disasters": _disasters,
    "employment": _members(_employment),
    "public_security": _public_security,
}


class _Refused(Exception):
    """The registry refused rows while the load was checked before writing: nothing is written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} rows refused")
        self.errors = errors


def _refused_rows(feed: FeedType, rows: list[CheckedRow], exc: RowsRefused) -> list[RowError]:
    """The rows a registry service refused, by the key it gave (a member's id for member feeds, the row's
    position among the claims for medical claims, the household's id otherwise)."""
    if feed.code == "medical_claims":
        claims = [r for r in rows if r.outcome == "apply"]
        return [RowError(claims[at].line, "", " ".join(m)) for at, m in sorted(exc.refused.items())]
    members = WRITE[feed.code] in MEMBER_WRITES
    errors = []
    for row in rows:
        assert row.member is not None  # noqa: S101  (matched rows)
        key = row.member.pk if members else row.member.household_id
        if key in exc.refused:
            errors.append(RowError(row.line, "", " ".join(exc.refused[key])))
    return errors


MEMBER_WRITES = frozenset(
    WRITE[code] for code in ("disability", "education", "employment", "public_security")
)


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
) -> tuple[FeedBatch, set[int]]:
    """Write a checked load in chunks of ``CHUNK`` rows, each in its own transaction with its rows recorded as
    applied (its changes, events and unmatched rows); every row is first checked by the registry's services,
    so a refusal writes nothing. Returns the batch and the households to screen again: this load's, and those
    of loads of the type in the region that stopped before screening theirs."""
    try:
        WRITE[feed.code](user, to_apply, True)
    except RowsRefused as exc:
        raise _Refused(_refused_rows(feed, to_apply, exc)) from None
    touched: set[int] = set()
    events_at: set[int] = set()
    with set_actor(user):
        batch = FeedBatch.objects.create(
            feed_type=feed.code,
            department=feed.department,
            region=user.region,
            uploaded_by=user,
            file_name=file_name[:200] or path.name,
            file_sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
            rows=report.rows,
            unchanged=report.unchanged,
            unmatched=report.unmatched,
        )
    waiting = {id(r) for r in unmatched}
    # By household, then line: a chunk holds whole households (each record read and written once, not once per
    # chunk its rows fall in), and a member's rows keep the file's order (the later row still wins).
    ordered = sorted(
        [*to_apply, *(r for r in unmatched if r.outcome != "no_period")],
        key=lambda r: (r.member.household_id or 0 if r.member is not None else 0, r.line),
    )
    progress.start(len(ordered), gettext_noop("applying"))
    turns = Turns()
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        rows = [r for r in chunk if r.outcome in APPLIED]
        # Everything made ready before the transaction: on SQLite a page that writes waits only for the writes.
        households = {_household_of(r) for r in rows}  # read before the change: a death moves the member
        records = {
            id(row): (batch.pk, feed.code, row.key, row.line, _household_of(row), row.member.pk)
            for row in rows
            if row.outcome != "no_period" and row.member is not None
        }
        listed = [
            UnmatchedRow(
                batch=batch,
                key=r.key,
                row=r.line,
                id_number_masked=r.masked,
                name=str(r.values.get("name") or "")[:50],
                reason=r.outcome,
            )
            for r in chunk
            if id(r) in waiting
        ]
        with turns.turn(), transaction.atomic(), set_actor(user):
            try:
                events = WRITE[feed.code](user, rows, False)
            except RowsRefused as exc:
                # Refused only while written (a person's move): this chunk is undone, those before it stay,
                # and the batch is left unfinished for the next load of the file to finish.
                raise _Refused(_refused_rows(feed, rows, exc)) from None
            for event in events:
                event.batch = batch
            Event.objects.bulk_create(events, batch_size=BATCH, ignore_conflicts=True)
            # A claim whose period went meanwhile is not recorded as applied: applied again once it exists.
            rows_insert(
                FeedRecord,
                ["batch", "feed_type", "key", "row", "household", "member"],
                [records[id(r)] for r in rows if r.outcome != "no_period"],
            )
            UnmatchedRow.objects.bulk_create(listed, batch_size=BATCH)
            FeedBatch.objects.filter(pk=batch.pk).update(applied=F("applied") + len(rows))
        for row in rows:
            if row.outcome == "no_period":  # its amount counts in the warning only
                household_id = _household_of(row)
                amount = row.values["out_of_pocket"]
                report.pending[household_id] = report.pending.get(household_id, Decimal(0)) + amount
        touched |= households
        events_at |= {e.household_id for e in events}
        progress.advance(len(chunk))
    report.batch = batch.pk
    report.households = len(touched)
    report.touched = touched
    stopped = FeedBatch.objects.filter(
        feed_type=feed.code, region=user.region, finished_at__isnull=True
    ).exclude(pk=batch.pk)
    earlier = set(FeedRecord.objects.filter(batch__in=stopped).values_list("household_id", flat=True))
    earlier |= set(Event.objects.filter(batch__in=stopped).values_list("household_id", flat=True))
    return batch, touched | events_at | earlier


def feed_load(
    *,
    feed_type: str,
    path: Path,
    user: User,
    commit: bool,
    progress: Progress,
    file_name: str = "",
) -> FeedReport:
    """Check a feed file and, if ``commit`` and every row is right, apply its new rows in chunks (``_apply``);
    then screen each changed household once and raise a department lead on those the rules find at risk."""
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
        batch, rescreen = _apply(
            feed=feed,
            user=user,
            report=report,
            to_apply=to_apply,
            unmatched=new_unmatched,
            path=path,
            file_name=file_name,
            progress=progress,
        )
    except _Refused as refused:
        report.errors.extend(refused.errors)
        report.committed = False
        return report  # a registry check refused a row: nothing was written
    except IntegrityError:
        if FeedRecord.objects.filter(feed_type=feed.code, key__in=[r.key for r in to_apply[:BATCH]]).exists():
            raise FeedFileError(
                _("Another upload of the same rows was loaded at the same time: upload the file again.")
            ) from None
        raise
    # One screening per changed household, at the end: it replaces their current screenings and raises the leads.
    screened = households_refresh(rescreen)
    report.leads = feed_alert(batch=batch, household_ids=rescreen, pending=report.pending, screened=screened)
    now = timezone.now()
    FeedBatch.objects.filter(pk=batch.pk).update(leads=report.leads, finished_at=now)
    FeedBatch.objects.filter(feed_type=feed.code, region=user.region, finished_at__isnull=True).filter(
        pk__lt=batch.pk
    ).update(finished_at=now)  # loads stopped half-way: their households were screened with these
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


def _signal(household_id: int, screening: Screening) -> SignalIn:
    """A department lead's signal: the screening's hits explained in both languages."""
    return SignalIn(
        household_id=household_id,
        detail={lang: [hit.explanation(lang) for hit in screening.hits] for lang in ("en", "zh")},
        category=screening.category,
        risk_types=screening.risk_types,
    )


def feed_alert(
    *,
    batch: FeedBatch,
    household_ids: Iterable[int],
    on: date | None = None,
    pending: Mapping[int, Decimal] | None = None,
    screened: Mapping[int, Screening] | None = None,
) -> int:
    """Re-screen the households a feed changed with the Python evaluator, and raise a department lead on
    each that the rules find at risk (explained in both languages). Returns how many. ``pending``: medical
    amounts no recorded period contains yet, counted in the household's newest period for this warning only,
    so that a warning does not depend on whether the income period exists. ``screened``: the households'
    screenings made just now (``households_refresh``), used for those without pending amounts."""
    pending = pending or {}
    screened = screened or {}
    on = on or timezone.localdate()
    signals: list[SignalIn | tuple[int, Screening]] = [
        (h, s) for h, s in sorted(screened.items()) if h not in pending and s.at_risk
    ]
    ids = sorted(h for h in set(household_ids) if h in pending or h not in screened)
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
            if screening.at_risk:
                signals.append((household.pk, screening))
    # A short transaction per set of leads, its signals explained just before: on SQLite a page that writes
    # waits for one set, and finds the lock free while the next set is explained.
    turns = Turns()
    for start in range(0, len(signals), LEADS_BATCH):
        explained = [
            s if isinstance(s, SignalIn) else _signal(*s) for s in signals[start : start + LEADS_BATCH]
        ]
        with turns.turn():
            leads_raise(channel=Channel.DEPARTMENT, reference=f"feed:{batch.pk}", signals=explained)
    return len(signals)
