"""Importing households and members from CSV (UTF-8, UTF-8 with BOM, GB18030) or XLSX, one member per row.

Every row is checked first and every problem reported (row, column, message in the user's language); the
import writes only when the whole file is good, in one transaction, so a killed import leaves nothing.
Households already registered (by number) and people already in them (by ID number) are left as they are:
uploading the same file again adds nothing. Docs: docs/import.md.
"""

from __future__ import annotations

import csv
import functools
import gc
import io
import json
import logging
import multiprocessing
import operator
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.scope import spanning_region
from bottomline.audit.services import input_sha256, job_record
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.services import upload_remove
from bottomline.privacy.crypto import FieldKeys
from bottomline.privacy.ids import SCIENTIFIC, IdNumberError, check_area, seal_numbers
from bottomline.privacy.keys import field_keys
from bottomline.regions.models import Level, Region
from bottomline.registry import choices
from bottomline.registry.models import Household, Member
from bottomline.registry.services import (
    ID_PURPOSE,
    _id_message,
    area_info,
    phone_check,
    phone_sealed,
)
from bottomline.registry.spreadsheets import SpreadsheetRefused, xlsx_rows

logger = logging.getLogger(__name__)

BATCH = 2000
# ID numbers are checked, indexed and encrypted in worker processes for files of this many rows or more (below,
# starting the workers costs more than they save), in batches of POOL_BATCH.
POOL_MIN_ROWS = 20_000
POOL_BATCH = 10_000


@dataclass(frozen=True)
class Column:
    """One column of the template: its Chinese heading (what offices use), English alias, and target."""

    heading: str
    alias: str
    target: str
    required: bool = False
    choices: type[models.TextChoices] | None = None


def columns_place(
    headings: Sequence[str], columns: Sequence[Column]
) -> tuple[dict[str, int], list[RowError]]:
    """Where each of an import's columns stands in a file (by its Chinese heading or English alias), and a
    heading row error for each heading that is none of them; ImportFileError names the required ones missing."""
    position: dict[str, int] = {}
    known: set[str] = set()
    for column in columns:
        for name in (column.heading, column.alias):
            known.add(name)
            if name in headings:
                position[column.target] = list(headings).index(name)
    missing = [c.heading for c in columns if c.required and c.target not in position]
    if missing:
        raise ImportFileError(_("These columns are missing: %(columns)s.") % {"columns": "、".join(missing)})
    unknown = _("This column is not one of the template's: check its heading.")
    return position, [
        RowError(1, heading, unknown) for heading in headings if heading and heading not in known
    ]


COLUMNS: tuple[Column, ...] = (
    Column("户编号", "household number", "number", True),
    Column("行政村代码", "village code", "village_code", True),
    Column("村民小组", "village group", "village_group"),
    Column("户类型", "household type", "household_type", True, choices.HouseholdType),
    Column("低保特困", "safety-net status", "welfare", False, choices.Welfare),
    Column("主要致贫原因", "main cause of poverty", "poverty_cause", False, choices.PovertyCause),
    Column("房屋安全等级", "housing safety grade", "housing_grade", True, choices.HousingGrade),
    Column("安全饮水", "safe drinking water", "safe_water"),
    Column("户联系电话", "phone", "phone"),
    Column("姓名", "name", "name", True),
    Column("证件号码", "ID number", "id_number", True),
    Column("与户主关系", "relation to head", "relation", True, choices.Relation),
    Column("民族", "ethnicity", "ethnicity", False, choices.Ethnicity),
    Column("文化程度", "education", "education", True, choices.Education),
    Column("在校生状况", "student status", "student_status", False, choices.StudentStatus),
    Column("健康状况", "health", "health", False, choices.Health),
    Column("残疾等级", "disability grade", "disability_grade"),
    Column("劳动技能", "labour capacity and skill", "labour", True, choices.Labour),
    Column("务工时间（月）", "months worked", "months_worked"),
    Column("基本医疗保险", "basic medical insurance", "medical_insurance"),
    Column("大病保险", "serious-illness insurance", "serious_illness_insurance"),
)
HOUSEHOLD_FIELDS = (
    "village_code",
    "village_group",
    "household_type",
    "welfare",
    "poverty_cause",
    "housing_grade",
    "safe_water",
    "phone",
)


def _heading_key(heading: str) -> str:
    """A heading as compared: full-width and ASCII forms alike (（月） and (月)), spaces and case ignored."""
    return " ".join(unicodedata.normalize("NFKC", heading).split()).casefold()


HEADING_TARGETS = {_heading_key(name): c.target for c in COLUMNS for name in (c.heading, c.alias)}


def _text_limits() -> dict[str, int]:
    """The longest text each free-text column may hold: its model field's ``max_length`` (choices, the village
    code and the phone are checked against their lists and formats instead)."""
    limits: dict[str, int] = {}
    for column in COLUMNS:
        model: type[models.Model] = Household if column.target in (*HOUSEHOLD_FIELDS, "number") else Member
        try:
            found = model._meta.get_field(column.target)
        except FieldDoesNotExist:
            continue
        if isinstance(found, models.CharField) and not found.choices and found.max_length:
            limits[column.target] = found.max_length
    return limits


TEXT_LIMITS = _text_limits()
# Control characters (a NUL byte PostgreSQL refuses to store, a tab, a line break inside a cell …).
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
SMALL_NUMBER = re.compile(r"[0-9]{1,4}")  # ASCII digits only: "²" is a digit to str.isdigit, not to int()


def _text_problem(text: str, limit: int) -> str | None:
    """What is wrong with a free text the database would refuse, if anything."""
    if len(text) > limit:
        return _("At most %(limit)d characters; this has %(length)d.") % {"limit": limit, "length": len(text)}
    if CONTROL.search(text):
        return _("This cell holds a control character (such as a NUL byte or a line break): type it again.")
    return None


YES = {"是", "有", "y", "yes", "true", "1", "√"}
NO = {"否", "无", "n", "no", "false", "0", "×", ""}
FLAGS = {**dict.fromkeys(NO, False), **dict.fromkeys(YES, True)}


@dataclass(frozen=True)
class RowError:
    """One problem: the row and column as the user sees them in the file."""

    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What a check or an import found and did."""

    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    households_created: int = 0
    members_created: int = 0
    unchanged: int = 0

    def as_dict(self, limit: int = 1000) -> dict[str, Any]:
        """For the job's result: counts and the first ``limit`` errors."""
        return {
            "rows": self.rows,
            "households_created": self.households_created,
            "members_created": self.members_created,
            "unchanged": self.unchanged,
            "error_count": len(self.errors),
            "errors": [[e.row, e.column, e.message] for e in self.errors[:limit]],
        }


# The counts of an import that leaves a record given again as it is (and never replaces one).
UNCHANGED = ("created", "unchanged")


@dataclass
class RowsReport:
    """What a check or an import of a file of records found and did: the rows read, the row errors, and the
    records created, replaced (a record for the same key given again with other values) and left unchanged (given
    again as they are). ``noun`` names the records in the job's result (``<noun>_created``, ``<noun>_replaced``,
    and ``unchanged``: those of the counts in ``shows`` that the import keeps), which the job page labels
    (jobs.results.LABELS, or the kind's own describers)."""

    noun: str
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    replaced: int = 0
    unchanged: int = 0
    shows: tuple[str, ...] = ("created", "replaced")

    def as_dict(self, limit: int = 1000) -> dict[str, Any]:
        """For the job's result: counts and the first ``limit`` errors."""
        counts = {"created": self.created, "replaced": self.replaced, "unchanged": self.unchanged}
        return {
            "rows": self.rows,
            **{(name if name == "unchanged" else f"{self.noun}_{name}"): counts[name] for name in self.shows},
            "error_count": len(self.errors),
            "errors": [[e.row, e.column, e.message] for e in self.errors[:limit]],
        }


class ImportFileError(ValueError):
    """The file cannot be read at all (type, encoding, headings)."""


def _choice_lookup(enum: type[models.TextChoices]) -> dict[str, str]:
    """Codes, English labels, Chinese terms and Chinese labels, all mapping to the code."""
    lookup: dict[str, str] = {}
    for value, label in enum.choices:
        lookup[str(value).lower()] = value
        lookup[str(label).lower()] = value
        inner = re.search(r"[（(]([^（）()]+)[）)]\s*$", str(label))
        if inner:
            for term in re.split(r"[/、]", inner.group(1)):
                lookup[term.strip().lower()] = value
        with translation.override("zh-hans"):
            lookup[str(enum(value).label).lower()] = value
    return lookup


@dataclass(frozen=True)
class Sheet:
    """A file's headings and its non-blank rows after them, each with its row number as the spreadsheet shows
    it (blank rows counted, the first row 1)."""

    headings: list[str]
    heading_row: int
    rows: list[list[object]]
    lines: list[int]


# Byte-order marks as UTF-8 and as GB18030 encode U+FEFF.
GB18030_BOM = b"\x84\x31\x95\x33"


def read_sheet(path: Path) -> Sheet:
    """The headings (the first non-blank row) and the rows of a CSV or XLSX file; every CSV cell is text,
    XLSX cells keep their type."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        try:
            rows = xlsx_rows(path)
        except SpreadsheetRefused as exc:
            raise ImportFileError(str(exc)) from exc
        filled = [i for i, r in enumerate(rows) if any(str(c).strip() for c in r)]
    elif suffix == ".csv":
        text_rows = _csv_rows(path.read_bytes())
        # The reader's rows are lists already (no copy), of text: one join per row finds the blank ones.
        filled = [i for i, r in enumerate(text_rows) if "".join(r).strip()]
        rows = cast(list[list[object]], text_rows)  # rows of text cells
    else:
        raise ImportFileError(_("Upload a .csv or .xlsx file."))
    if not filled:
        raise ImportFileError(_("The file is empty."))
    first = filled[0]
    return Sheet(
        headings=[_text(h) for h in rows[first]],
        heading_row=first + 1,
        rows=[rows[i] for i in filled[1:]],
        lines=[i + 1 for i in filled[1:]],
    )


def _csv_rows(raw: bytes) -> list[list[str]]:
    """The records of a CSV file in UTF-8 (with or without a BOM) or GB18030 (with or without its BOM), any
    line endings (a lone CR too); one record is one row of the spreadsheet, blank ones included."""
    try:
        if raw.startswith(b"\xef\xbb\xbf"):
            text = raw[3:].decode("utf-8")
        elif raw.startswith(GB18030_BOM):
            text = raw[len(GB18030_BOM) :].decode("gb18030")
        else:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("The file is neither UTF-8 nor GB18030 text.")) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return list(reader)
    except csv.Error as exc:
        raise ImportFileError(
            _(
                "Line %(line)d of the file cannot be read as CSV (a cell too long or quotes that do not close)."
            )
            % {"line": reader.line_num}
        ) from exc


def read_rows(path: Path) -> tuple[list[str], list[list[object]]]:
    """Headings and non-blank rows of a CSV or XLSX file (see ``read_sheet``)."""
    sheet = read_sheet(path)
    return sheet.headings, sheet.rows


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@contextmanager
def _sealed_ids(
    raws: list[object], *, keys: FieldKeys, encrypted: bool
) -> Iterator[Iterator[list[tuple[str, ...]]]]:
    """The ID numbers of a file checked (all but the area), indexed, masked and, to import, encrypted: the
    per-row work that is only CPU. Given in batches of POOL_BATCH, in the file's order. A large file's numbers
    go to one worker process per core, started here so that they run ahead while the caller checks the other
    columns of the batches before."""
    work = functools.partial(
        seal_numbers, keys=keys, purpose=ID_PURPOSE, today=timezone.localdate(), encrypted=encrypted
    )
    starts = range(0, len(raws), POOL_BATCH)
    workers = os.cpu_count() or 1
    if len(raws) < POOL_MIN_ROWS or workers < 2:
        yield (work(raws[i : i + POOL_BATCH]) for i in starts)
        return
    # "forkserver": the workers fork from a fresh single-threaded server process, never from this one, which
    # may hold threads (DuckDB, Arrow, a threaded server) whose locks a plain fork would copy mid-use. They run
    # only bottomline.privacy code and never touch the database.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["bottomline.privacy.ids"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(work, raws[i : i + POOL_BATCH]) for i in starts]
        try:
            yield (future.result() for future in futures)
        finally:
            for future in futures:
                future.cancel()


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """A million rows make millions of small dicts and tuples, none of them in a reference cycle: the cycle
    collector would walk all of them again and again as they pile up (most of the time of a large import)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def registry_import(*, path: Path, user: User, commit: bool, progress: Progress) -> ImportReport:
    """Check a file and, if ``commit`` and nothing is wrong, register its households and members."""
    with _cycle_collector_paused():
        return _registry_import(path=path, user=user, commit=commit, progress=progress)


def _registry_import(*, path: Path, user: User, commit: bool, progress: Progress) -> ImportReport:
    gate.require(user, Household, "import")
    sheet = read_sheet(path)
    headings, rows, lines = sheet.headings, sheet.rows, sheet.lines
    position: dict[str, int] = {}
    heading_errors: list[RowError] = []
    for at, heading in enumerate(headings):
        if not heading:
            continue
        target = HEADING_TARGETS.get(_heading_key(heading))
        if target is None:
            message = _("This heading is not one of the template's: rename the column or remove it.")
        elif target in position:
            message = _("This column is in the file twice.")
        else:
            position[target] = at
            continue
        heading_errors.append(RowError(sheet.heading_row, heading, message))
    missing = [c.heading for c in COLUMNS if c.required and c.target not in position]
    if missing:
        raise ImportFileError(_("These columns are missing: %(columns)s.") % {"columns": "、".join(missing)})
    heading_errors.extend(_unheaded(sheet))
    lookups = {c.target: _choice_lookup(c.choices) for c in COLUMNS if c.choices}
    plan = [
        (c.target, position[c.target], c.required, lookups.get(c.target))
        for c in COLUMNS
        if c.target in position
    ]
    report = ImportReport(rows=len(rows), errors=heading_errors)
    check = _Check(
        plan=plan,
        headings={c.target: headings[position[c.target]] for c in COLUMNS if c.target in position},
        villages={r.code: r for r in gate.restrict(Region.objects.filter(level=Level.VILLAGE), user)},
        report=report,
    )
    progress.start(len(rows), gettext_noop("checking"))
    id_at = position["id_number"]
    raw_ids = [raw[id_at] if id_at < len(raw) else "" for raw in rows]
    # Checking runs batch by batch while the worker processes seal the ID numbers of the next batches; what the
    # database holds is looked up for each batch before anything is written (a lookup among our own new rows
    # costs more, on PostgreSQL most). Then, if the whole file is good, one write in one transaction.
    with _sealed_ids(raw_ids, keys=field_keys(), encrypted=commit) as batches:
        start = 0
        for sealed in batches:
            end = start + len(sealed)
            check.batch(lines[start:end], rows[start:end], sealed)
            start = end
            progress.advance(len(sealed))
    del raw_ids, rows, sheet
    check.heads()
    if commit and not report.errors:
        try:
            check.write(progress)
        except IntegrityError:
            # Someone registered one of the households or people between the check and the write.
            logger.warning("registry import refused by a constraint", extra={"user": user.pk})
            report.households_created = report.members_created = 0
            report.errors.append(
                RowError(
                    0,
                    "",
                    _(
                        "Some of these households or people were registered while the file was imported: "
                        "nothing was written. Check the file again."
                    ),
                )
            )
            return report
        job_record(
            job="registry.import",
            user=user,
            region=spanning_region([h.village.code for _line, h in check.households.values() if h.village]),
            sha256=input_sha256(path),
            created=report.households_created + report.members_created,
            unchanged=report.unchanged,
            detail={"households": report.households_created, "members": report.members_created},
        )
    report.errors.sort(key=lambda e: (e.row, e.column))
    return report


def _unheaded(sheet: Sheet) -> Iterator[RowError]:
    """A row with a value in a column without a heading (blank, or right of the last one): the value would
    be dropped unseen. Empty cells there (a spreadsheet's trailing commas) are fine."""
    headings, rows = sheet.headings, sheet.rows
    unheaded = [at for at, heading in enumerate(headings) if not heading]
    wide = max(map(len, rows), default=0)
    if not unheaded and wide <= len(headings):
        return
    unheaded.extend(range(len(headings), wide))
    message = _("This row has a value in a column without a heading.")
    for line, raw in zip(sheet.lines, rows, strict=True):
        if any(at < len(raw) and _cell(raw[at]) for at in unheaded):
            yield RowError(line, "", message)


# A member row is three groups of cells: its own (number, name, ID number), its household's (the same on each
# of the household's rows) and its member attributes (few distinct combinations in a file). Each distinct
# combination of a group's cells is converted and checked once and remembered with its problems, which are
# reported again on every row that repeats it.
ROW_TARGETS = frozenset({"number", "name", "id_number"})
Plan = list[tuple[str, int, bool, dict[str, str] | None]]
Converted = tuple[dict[str, Any], tuple[tuple[str, str], ...]]


def _convert(
    plan: Plan, cells: tuple[object, ...], villages: dict[str, Region], *, member: bool
) -> Converted:
    """The values and problems (target, message) of one group of cells (see ROW_TARGETS)."""
    values: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for (target, _at, required, lookup), value in zip(plan, cells, strict=True):
        text = _cell(value)
        if not text:
            if required:
                problems.append((target, _("This column must be filled in.")))
                continue
            values[target] = text
        elif lookup is not None:
            code = lookup.get(text.lower())
            if code is None:
                problems.append(
                    (target, _("“%(value)s” is not one of the allowed values.") % {"value": text})
                )
                continue
            values[target] = code
        else:
            values[target] = text
    for target in ("safe_water", "medical_insurance", "serious_illness_insurance"):
        if target in values:
            flag = FLAGS.get(values[target].lower())
            if flag is None:
                problems.append((target, _("Write 是 or 否.")))
            values[target] = True if flag is None else flag
    if member:
        for target, low, high in (("months_worked", 0, 12), ("disability_grade", 1, 4)):
            text = values.get(target, "")
            if text:
                number = int(text) if SMALL_NUMBER.fullmatch(text) else None
                if number is None or not low <= number <= high:
                    problems.append(
                        (
                            target,
                            _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high},
                        )
                    )
                values[target] = number
            else:
                values[target] = 0 if target == "months_worked" else None
    for target, limit in TEXT_LIMITS.items():
        given = values.get(target)
        if given and (problem := _text_problem(given, limit)) is not None:
            problems.append((target, problem))
    if "village_code" in values and values["village_code"] not in villages:
        problems.append(("village_code", _("No village with this code in your region.")))
    if values.get("phone"):
        try:
            values["phone"] = phone_check(values["phone"])
        except ValidationError as exc:
            problems.append(("phone", " ".join(exc.messages)))
    return values, tuple(problems)


def _cells_getter(positions: list[int]) -> Callable[[list[object]], tuple[object, ...]]:
    """A function giving the cells at these positions of a row as a tuple (in C for two or more)."""
    if not positions:
        return lambda raw: ()
    if len(positions) == 1:
        (at,) = positions
        return lambda raw: (raw[at],)
    return operator.itemgetter(*positions)


@dataclass(frozen=True)
class _House:
    """One distinct combination of a household's cells: what it says, its problems, and its row to insert."""

    problems: tuple[tuple[str, str], ...]
    described: tuple[Any, ...]  # the values of HOUSEHOLD_FIELDS, compared between a household's rows
    village: Region | None
    row: tuple[Any, ...]  # HOUSEHOLD_COLUMNS after the number and before the phone's columns
    phone: str


@dataclass(frozen=True)
class _Attributes:
    """One distinct combination of a member's attribute cells: its problems and its row (the first ten of
    MEMBER_COLUMNS)."""

    problems: tuple[tuple[str, str], ...]
    row: tuple[Any, ...]


# A member to insert: (household number, name, attributes, sealed ID number).
Person = tuple[str, str, _Attributes, tuple[str, ...]]


_UNSEEN = object()


class _Check:
    """Checks a file batch by batch, carrying what spans batches: households and ID numbers seen, their
    records already in the database and the people to insert; then writes them."""

    def __init__(
        self, *, plan: Plan, headings: dict[str, str], villages: dict[str, Region], report: ImportReport
    ) -> None:
        self.villages = villages
        self.headings = headings
        self.report = report
        self.own = {target: at for target, at, _r, _l in plan if target in ROW_TARGETS}
        self.house = [p for p in plan if p[0] in HOUSEHOLD_FIELDS]
        self.attributes = [p for p in plan if p[0] not in ROW_TARGETS and p[0] not in HOUSEHOLD_FIELDS]
        self.width = max(at for _t, at, _r, _l in plan) + 1
        self.house_cells = _cells_getter([at for _t, at, _r, _l in self.house])
        self.attribute_cells = _cells_getter([at for _t, at, _r, _l in self.attributes])
        # Each distinct combination of a group's cells is converted and checked once (see ROW_TARGETS).
        self.houses: dict[tuple[object, ...], _House] = {}
        self.attributes_seen: dict[tuple[object, ...], _Attributes] = {}
        self.areas: dict[tuple[str, str], str | None] = {}  # (area code, birth year) → problem
        self.area = functools.lru_cache(maxsize=None)(area_info)  # a file names a few areas a million times
        self.households: dict[str, tuple[int, _House]] = {}  # number → its first row and cells, in file order
        self.seen_ids: dict[str, int] = {}  # blind index → first row
        # blind index → (household number, village code) of a person registered before
        self.registered: dict[str, tuple[str | None, str | None]] = {}
        # number → id of the households of the file: those registered before, then those written
        self.ids: dict[str, int] = {}
        self.people: list[Person] = []  # the people not yet registered, to insert
        self.fill_in = _("This column must be filled in.")
        self.head_rows: list[tuple[int, str, str]] = []  # (row, household number, blind index) of each 户主
        self.as_number = _(
            "The household number was turned into a number by a spreadsheet and may have lost digits: "
            "format the column as text and type it again."
        )

    def heads(self) -> None:
        """Each household of the file ends up with exactly one head (户主): the one registered, or one row's."""
        q = connection.ops.quote_name
        held = dict(
            _select_in(
                f"SELECT h.number, COUNT(*) FROM {q(Member._meta.db_table)} m "  # noqa: S608  (model names)
                f"JOIN {q(Household._meta.db_table)} h ON h.id = m.household_id "
                f"WHERE m.relation = 'head' AND h.number {{}} GROUP BY h.number",
                [number for number in self.households if number in self.ids],
            )
        )
        new: dict[str, list[int]] = {}
        for line, number, index in self.head_rows:
            if index and self.seen_ids.get(index) != line:
                continue  # the same person again (reported as such)
            if self.registered.get(index, (None, None))[0] != number:  # not the registered head again
                new.setdefault(number, []).append(line)
        for number, (first, _house) in self.households.items():
            lines = new.get(number, [])
            if not held.get(number) and not lines:
                self.err(
                    first, "relation", _("Household %(number)s has no head (户主).") % {"number": number}
                )
            for line in lines[0 if held.get(number) else 1 :]:
                self.err(
                    line,
                    "relation",
                    _("Household %(number)s has a head (户主) already; a household has exactly one.")
                    % {"number": number},
                )

    def _number_problem(self, number: str, limit: int) -> str:
        if SCIENTIFIC.match(number):
            return self.as_number
        return cast(str, _text_problem(number, limit))

    def err(self, row: int, target: str, message: str) -> None:
        self.report.errors.append(RowError(row, self.headings.get(target, target), message))

    def batch(self, lines: list[int], rows: list[list[object]], sealed: list[tuple[str, ...]]) -> None:
        """Check the rows, numbered ``lines`` as in the spreadsheet, the ``sealed`` of their ID numbers
        alongside: every column, then what the database already holds."""
        err, fill_in, houses, attributes_seen = self.err, self.fill_in, self.houses, self.attributes_seen
        households, seen_ids = self.households, self.seen_ids
        house_cells, attribute_cells, width = self.house_cells, self.attribute_cells, self.width
        number_at, name_at, id_at = self.own["number"], self.own["name"], self.own["id_number"]
        padding: list[object] = [""] * width
        numbers: list[str] = []
        people: list[tuple[int, str, str, _Attributes, tuple[str, ...]]] = []
        number_limit, name_limit = TEXT_LIMITS["number"], TEXT_LIMITS["name"]
        for line, raw, result in zip(lines, rows, sealed, strict=True):
            if len(raw) < width:
                raw = raw + padding[: width - len(raw)]
            number, name = _cell(raw[number_at]), _cell(raw[name_at])
            if not number:
                err(line, "number", fill_in)
            elif len(number) > number_limit or CONTROL.search(number) or SCIENTIFIC.match(number):
                err(line, "number", self._number_problem(number, number_limit))
                number = ""  # not compared with the household's other rows nor looked up
            elif type(raw[number_at]) is float and number.isdigit() and len(number) > 15:
                err(line, "number", self.as_number)
                number = ""
            if not name:
                err(line, "name", fill_in)
            elif len(name) > name_limit or CONTROL.search(name):
                err(line, "name", cast(str, _text_problem(name, name_limit)))
            if not _cell(raw[id_at]):
                err(line, "id_number", fill_in)
            key = house_cells(raw)
            house = houses.get(key)
            if house is None:
                house = houses[key] = self._house(key)
            for target, message in house.problems:
                err(line, target, message)
            key = attribute_cells(raw)
            attributes = attributes_seen.get(key)
            if attributes is None:
                attributes = attributes_seen[key] = self._attributes(key)
            for target, message in attributes.problems:
                err(line, target, message)
            if attributes.row[0] == choices.Relation.HEAD:
                self.head_rows.append((line, number, result[3] if len(result) > 3 else ""))
            if number and house.village is not None:
                first = households.get(number)
                if first is None:
                    households[number] = (line, house)
                    numbers.append(number)
                elif first[1] is not house and first[1].described != house.described:
                    err(
                        line,
                        "number",
                        _("Household %(number)s is described differently on row %(row)d.")
                        % {"number": number, "row": first[0]},
                    )
            if len(result) == 2:  # (code, message) of a bad number
                err(line, "id_number", _id_message(IdNumberError(result[0], result[1])))
                continue
            problem = self._area(result[0], result[1])
            if problem is not None:
                err(line, "id_number", problem)
                continue
            index = result[3]
            first_row = seen_ids.setdefault(index, line)
            if first_row != line:
                err(line, "id_number", _("The same person is on row %(row)d too.") % {"row": first_row})
            people.append((line, number, name, attributes, result))
        self._check_households(numbers)
        self._check_people(people)

    def _area(self, number: str, birth: str) -> str | None:
        """The problem with the area code of a number (checked once per area and birth year), if any."""
        key = (number[:6], birth[:4])
        found = self.areas.get(key, _UNSEEN)
        if found is _UNSEEN:
            try:
                check_area(number, int(key[1]), self.area)
            except IdNumberError as exc:
                found = _id_message(exc)
            else:
                found = None
            self.areas[key] = found
        return found  # type: ignore[return-value]  # _UNSEEN was replaced above

    def _house(self, cells: tuple[object, ...]) -> _House:
        values, problems = _convert(self.house, cells, self.villages, member=False)
        village = self.villages.get(values.get("village_code", ""))
        return _House(
            problems=problems,
            described=tuple(map(values.get, HOUSEHOLD_FIELDS)),
            village=village,
            row=(
                village.pk if village is not None else None,
                values.get("village_group") or "",
                values.get("household_type"),
                values.get("welfare") or "none",
                values.get("poverty_cause") or "",
                values.get("housing_grade"),
                values.get("safe_water", True),
            ),
            phone=values.get("phone") or "",
        )

    def _attributes(self, cells: tuple[object, ...]) -> _Attributes:
        values, problems = _convert(self.attributes, cells, self.villages, member=True)
        return _Attributes(
            problems=problems,
            row=(
                values.get("relation"),
                values.get("labour"),
                values.get("education"),
                values.get("ethnicity") or "汉族",
                values.get("student_status") or "none",
                values.get("health") or "healthy",
                values.get("disability_grade"),
                values.get("months_worked") or 0,
                values.get("medical_insurance", True),
                values.get("serious_illness_insurance", True),
            ),
        )

    def _check_households(self, numbers: list[str]) -> None:
        """The households first seen in this batch that are already registered: in another village, an error."""
        q = connection.ops.quote_name
        found = _select_in(
            f"SELECT h.number, h.id, r.code FROM {q(Household._meta.db_table)} h "  # noqa: S608  (model names)
            f"JOIN {q(Region._meta.db_table)} r ON r.id = h.village_id WHERE h.number {{}}",
            numbers,
        )
        for number, pk, code in found:
            self.ids[number] = pk
            line, house = self.households[number]
            if house.village is not None and house.village.code != code:
                self.err(
                    line,
                    "number",
                    _("Household %(number)s is registered in another village.") % {"number": number},
                )

    def _check_people(self, people: list[tuple[int, str, str, _Attributes, tuple[str, ...]]]) -> None:
        """Keep the people of this batch not yet registered; those already in the same household are left as
        they are, those registered elsewhere an error (naming only the county)."""
        q = connection.ops.quote_name
        # Only the first row of a number is looked up: a repeat is reported as such and shares its answer.
        found = _select_in(
            f"SELECT m.id_number_index, h.number, r.code FROM {q(Member._meta.db_table)} m "  # noqa: S608  (model names)
            f"LEFT JOIN {q(Household._meta.db_table)} h ON h.id = m.household_id "
            f"LEFT JOIN {q(Region._meta.db_table)} r ON r.id = h.village_id WHERE m.id_number_index {{}}",
            [result[3] for line, _n, _na, _a, result in people if self.seen_ids[result[3]] == line],
        )
        registered = self.registered
        registered.update((index, (number, code)) for index, number, code in found)
        if not registered:
            self.people.extend(person[1:] for person in people)
            return
        for line, number, name, attributes, result in people:
            before = registered.get(result[3])
            if before is None:
                self.people.append((number, name, attributes, result))
            elif before[0] == number:
                self.report.unchanged += 1
            else:  # where they are registered is not said (the county office can find out)
                self.err(
                    line,
                    "id_number",
                    _("This person is registered elsewhere already; ask the county office."),
                )

    def write(self, progress: Progress) -> None:
        """Insert the new households and the people to insert, in one transaction."""
        with transaction.atomic():
            if connection.vendor == "sqlite":
                # Inserting into the unique index of random blind-index values touches pages all over it: a
                # cache of 256 MiB (for this connection; SQLite's default is 2 MiB) keeps them in memory.
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA cache_size = -262144")
            progress.start(len(self.people), gettext_noop("importing"))
            ids = self.ids
            new = [number for number in self.households if number not in ids]

            def household_rows() -> Iterator[tuple[Any, ...]]:
                for number in new:
                    house = self.households[number][1]
                    yield (number, *house.row, *phone_sealed(house.phone))

            self.report.households_created += _insert(Household, HOUSEHOLD_COLUMNS, household_rows())
            table = connection.ops.quote_name(Household._meta.db_table)
            ids.update(_select_in(f"SELECT number, id FROM {table} WHERE number {{}}", new))  # noqa: S608  (a model name)
            self.report.members_created += _insert(
                Member,
                MEMBER_COLUMNS,
                (
                    # sealed: (number, birth date, sex, blind index, ciphertext, masked)
                    (
                        *attributes.row,
                        ids[number],
                        name,
                        sealed[4],
                        sealed[3],
                        sealed[5],
                        sealed[1],
                        sealed[2],
                    )
                    for number, name, attributes, sealed in _advancing(self.people, progress)
                ),
            )


def _advancing(people: list[Person], progress: Progress) -> Iterator[Person]:
    """The people, reported to ``progress`` as they are taken, BATCH at a time."""
    for start in range(0, len(people), BATCH):
        yield from people[start : start + BATCH]
        progress.advance(min(BATCH, len(people) - start))


def _cell(value: object) -> str:
    return value.strip() if type(value) is str else _text(value)


def _select_in(sql: str, values: Iterable[str]) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` whose ``{}`` is a condition "among the values", asked in chunks, each value one
    parameter of a single array. A plain cursor: the ORM prepares each lookup value through its field, which
    for the million ID indexes of a re-upload took seconds. PostgreSQL gets an array of 1,000 values
    (``= ANY``): an ``IN`` of 900 parameters is planned anew each time, about 25 ms, and an array of 10,000
    made it scan the whole table rather than its index. SQLite gets a JSON array of 10,000 (``json_each``):
    half the time of ``IN`` lists of 900 parameters."""
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for chunk in _chunks(values, 1000):
                cursor.execute(sql.format("= ANY(%s)"), [chunk])
                found.extend(cursor.fetchall())
        else:
            for chunk in _chunks(values, 10_000):
                cursor.execute(sql.format("IN (SELECT value FROM json_each(%s))"), [json.dumps(chunk)])
                found.extend(cursor.fetchall())
    return found


def _chunks(values: Iterable[Any], size: int) -> Iterable[list[Any]]:
    chunk: list[Any] = []
    for value in values:
        chunk.append(value)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _insert(model: type[models.Model], columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> int:
    """Insert many rows in the current transaction without building model instances (what ``bulk_create``
    spends most of its time on): COPY on PostgreSQL, ``executemany`` on SQLite. Columns not given take
    their default, automatic timestamps now. Values must be ready for the database (dates as ISO text)."""
    now = timezone.now()
    rest = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and f.attname not in columns and not getattr(f, "generated", False)
    ]
    extra = tuple(
        f.get_db_prep_save(
            now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default(),
            connection,
        )
        for f in rest
    )
    column_of = {f.attname: str(f.column) for f in model._meta.concrete_fields}
    names = [column_of[c] for c in columns] + [str(f.column) for f in rest]
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(n) for n in names)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row + extra)
                    count += 1
        else:
            sql = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608  (model names, not input)
            for chunk in _chunks(rows, BATCH):
                cursor.executemany(sql, [row + extra for row in chunk])
                count += len(chunk)
    return count


HOUSEHOLD_COLUMNS = (
    "number",
    "village_id",
    "village_group",
    "household_type",
    "welfare",
    "poverty_cause",
    "housing_grade",
    "safe_water",
    "phone_enc",
    "phone_index",
    "phone_masked",
)
MEMBER_COLUMNS = (
    "relation",
    "labour",
    "education",
    "ethnicity",
    "student_status",
    "health",
    "disability_grade",
    "months_worked",
    "medical_insurance",
    "serious_illness_insurance",
    "household_id",
    "name",
    "id_number_enc",
    "id_number_index",
    "id_number_masked",
    "birth_date",
    "sex",
)


@job_handler("registry.import")
def import_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params: ``path`` of the file, ``user`` (id), ``commit``, ``language`` of the messages, and ``uploaded``
    when the file is a stored upload: it holds ID numbers in the clear, so it is deleted when the job ends."""
    return import_job_run(
        params,
        progress,
        run=registry_import,
        failed=lambda errors: ImportReport(errors=errors),
        what="registry",
    )


class _Report(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


R = TypeVar("R", bound=_Report)


def import_job_run(
    params: dict[str, Any],
    progress: Progress,
    *,
    run: Callable[..., R],
    failed: Callable[[list[RowError]], R],
    what: str,
) -> dict[str, Any]:
    """The job of any spreadsheet import (the archive's, the incomes', each program's): ``run(path=, user=,
    commit=, progress=)`` in the uploader's language; a file that cannot be read, or a role that may not import,
    is one error of the report ``failed`` makes; the stored upload is deleted however the job ends."""
    user = User.objects.select_related("region").get(pk=params["user"])
    with translation.override(params.get("language") or "zh-hans"):
        try:
            report = run(
                path=Path(params["path"]), user=user, commit=bool(params["commit"]), progress=progress
            )
        except ImportFileError as exc:
            report = failed([RowError(1, "", str(exc))])
        except PermissionDenied:
            report = failed([RowError(0, "", _("Your role may not import."))])
        finally:
            upload_remove(params)
    result = report.as_dict()
    logger.info(
        f"{what} import finished",
        extra={"user": user.pk, "commit": bool(params["commit"])}
        | {k: v for k, v in result.items() if k != "errors"},
    )
    return result


EXAMPLE = {
    "number": "630106100201xxxx",
    "village_code": "630106100201",
    "village_group": "1社",
    "household_type": "脱贫户",
    "welfare": "无",
    "poverty_cause": "因病",
    "housing_grade": "B",
    "safe_water": "是",
    "phone": "13900000000",
    "name": "王某某",
    "id_number": "（18 位，文本格式）",
    "relation": "户主",
    "ethnicity": "汉族",
    "education": "初中",
    "student_status": "非在校生",
    "health": "健康",
    "disability_grade": "",
    "labour": "普通劳动力",
    "months_worked": "6",
    "medical_insurance": "是",
    "serious_illness_insurance": "是",
}


def template_csv() -> bytes:
    """The template as CSV."""
    return template_csv_of(COLUMNS, [EXAMPLE])


def template_xlsx() -> bytes:
    """The template as XLSX: ID numbers stay whole."""
    return template_xlsx_of(COLUMNS, [EXAMPLE], sheet="户籍成员")


class _Heading(Protocol):
    @property
    def heading(self) -> str: ...
    @property
    def target(self) -> str: ...


def template_csv_of(columns: Sequence[_Heading], examples: Sequence[Mapping[str, str]]) -> bytes:
    """An import's template as CSV, UTF-8 with a BOM (Excel opens it with Chinese intact): the headings, then
    the example rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.heading for c in columns])
    for example in examples:
        writer.writerow([example.get(c.target, "") for c in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx_of(
    columns: Sequence[_Heading], examples: Sequence[Mapping[str, str]], *, sheet: str, width: int = 14
) -> bytes:
    """An import's template as XLSX: every column formatted as text (ID and household numbers stay whole)."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    page = book.add_worksheet(sheet)
    text = book.add_format({"num_format": "@"})
    for c, column in enumerate(columns):
        page.set_column(c, c, width, text)
        page.write_string(0, c, column.heading)
        for r, example in enumerate(examples, start=1):
            page.write_string(r, c, example.get(column.target, ""), text)
    book.close()
    return buffer.getvalue()
