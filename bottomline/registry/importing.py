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
import multiprocessing
import operator
import os
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from python_calamine import CalamineWorkbook

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.privacy.crypto import FieldKeys, blind_index, encrypt
from bottomline.privacy.ids import IdNumberError, check_area, seal_numbers
from bottomline.privacy.keys import field_keys
from bottomline.privacy.masking import mask_number
from bottomline.regions.models import Level, Region
from bottomline.registry import choices
from bottomline.registry.models import Household, Member
from bottomline.registry.services import (
    ID_PURPOSE,
    PHONE_PURPOSE,
    _county_of,
    _id_message,
    area_info,
    phone_check,
)

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


def read_rows(path: Path) -> tuple[list[str], list[list[object]]]:
    """Headings and rows of a CSV or XLSX file; every CSV cell is text, XLSX cells keep their type."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        try:
            sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        except Exception as exc:  # calamine raises its own error types for broken files
            raise ImportFileError(_("The file is not a readable XLSX workbook.")) from exc
        rows: list[list[object]] = [[cell for cell in r] for r in sheet]
    elif suffix == ".csv":
        raw = path.read_bytes()
        if raw.startswith(b"\xef\xbb\xbf"):
            text = raw[3:].decode("utf-8")
        else:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                try:
                    text = raw.decode("gb18030")
                except UnicodeDecodeError as exc:
                    raise ImportFileError(_("The file is neither UTF-8 nor GB18030 text.")) from exc
        rows = [list(r) for r in csv.reader(io.StringIO(text))]
    else:
        raise ImportFileError(_("Upload a .csv or .xlsx file."))
    if not rows:
        raise ImportFileError(_("The file is empty."))
    return [str(h).strip() for h in rows[0]], [r for r in rows[1:] if any(str(c).strip() for c in r)]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@contextmanager
def _sealed_ids(
    raws: list[object], *, keys: FieldKeys, encrypted: bool
) -> Iterator[Callable[[], list[tuple[str, ...]]]]:
    """The ID numbers of a file checked (all but the area), indexed, masked and, to import, encrypted: the
    per-row work that is only CPU. A large file's numbers go to one worker process per core in batches, started
    here so that they run while the caller checks the other columns; the result keeps the file's order."""
    work = functools.partial(
        seal_numbers, keys=keys, purpose=ID_PURPOSE, today=timezone.localdate(), encrypted=encrypted
    )
    workers = os.cpu_count() or 1
    if len(raws) < POOL_MIN_ROWS or workers < 2:
        yield lambda: work(raws)
        return
    # "forkserver": the workers fork from a fresh single-threaded server process, never from this one, which
    # may hold threads (DuckDB, Arrow, a threaded server) whose locks a plain fork would copy mid-use. They run
    # only bottomline.privacy code and never touch the database.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["bottomline.privacy.ids"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(work, raws[i : i + POOL_BATCH]) for i in range(0, len(raws), POOL_BATCH)]

        def results() -> list[tuple[str, ...]]:
            out: list[tuple[str, ...]] = []
            for future in futures:
                out.extend(future.result())
            return out

        try:
            yield results
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
    headings, rows = read_rows(path)
    position: dict[str, int] = {}
    for column in COLUMNS:
        for name in (column.heading, column.alias):
            if name in headings:
                position[column.target] = headings.index(name)
    missing = [c.heading for c in COLUMNS if c.required and c.target not in position]
    if missing:
        raise ImportFileError(_("These columns are missing: %(columns)s.") % {"columns": "、".join(missing)})
    heading_of = {c.target: headings[position[c.target]] for c in COLUMNS if c.target in position}
    lookups = {c.target: _choice_lookup(c.choices) for c in COLUMNS if c.choices}
    villages = {r.code: r for r in gate.restrict(Region.objects.filter(level=Level.VILLAGE), user)}
    keys = field_keys()
    area = functools.lru_cache(maxsize=None)(area_info)  # a file names a few areas a million times
    report = ImportReport(rows=len(rows))
    progress.start(len(rows), gettext_noop("checking"))

    def err(row: int, target: str, message: str) -> None:
        report.errors.append(RowError(row, heading_of.get(target, target), message))

    households: dict[str, dict[str, Any]] = {}
    people: list[tuple[int, str, dict[str, Any]]] = []
    seen_ids: dict[str, int] = {}
    # The loop below runs a million times for a large file: what can be decided once is decided here.
    plan = [
        (c.target, position[c.target], c.required, lookups.get(c.target))
        for c in COLUMNS
        if c.target in position
    ]
    id_at = position["id_number"]
    raw_ids = [raw[id_at] if id_at < len(raw) else "" for raw in rows]
    with _sealed_ids(raw_ids, keys=keys, encrypted=commit) as sealed:
        _check_columns(rows, plan, villages, households, people, err, progress)
        for (line, _number, values), result in zip(people, sealed(), strict=True):
            if len(result) == 2:  # (code, message) of a bad number
                err(line, "id_number", _id_message(IdNumberError(result[0], result[1])))
                continue
            try:
                check_area(result[0], int(result[1][:4]), area)
            except IdNumberError as exc:
                err(line, "id_number", _id_message(exc))
                continue
            values["sealed"] = result
            index = values["index"] = result[3]
            if index in seen_ids:
                err(line, "id_number", _("The same person is on row %(row)d too.") % {"row": seen_ids[index]})
            seen_ids.setdefault(index, line)
    del raw_ids
    progress.advance(len(rows) % 1000)
    return _check_registered(households, people, report, err, villages, progress, commit=commit)


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
        text = value.strip() if type(value) is str else _text(value)
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
                if not text.isdigit() or not low <= int(text) <= high:
                    problems.append(
                        (
                            target,
                            _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high},
                        )
                    )
                values[target] = int(text) if text.isdigit() else None
            else:
                values[target] = 0 if target == "months_worked" else None
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


def _check_columns(
    rows: list[list[object]],
    plan: Plan,
    villages: dict[str, Region],
    households: dict[str, dict[str, Any]],
    people: list[tuple[int, str, dict[str, Any]]],
    err: Callable[[int, str, str], None],
    progress: Progress,
) -> None:
    """Every column but the ID number, row by row; households and people collected for the write."""
    own = [p for p in plan if p[0] in ROW_TARGETS]
    house = [p for p in plan if p[0] in HOUSEHOLD_FIELDS]
    attributes = [p for p in plan if p[0] not in ROW_TARGETS and p[0] not in HOUSEHOLD_FIELDS]
    width_needed = max(at for _t, at, _r, _l in plan) + 1
    house_cells = _cells_getter([at for _t, at, _r, _l in house])
    attribute_cells = _cells_getter([at for _t, at, _r, _l in attributes])
    house_seen: dict[tuple[object, ...], tuple[Converted, tuple[Any, ...]]] = {}
    attributes_seen: dict[tuple[object, ...], Converted] = {}
    descriptions: dict[str, tuple[Any, ...]] = {}
    padding: list[object] = [""] * width_needed
    for offset, raw in enumerate(rows):
        line = offset + 2  # the heading is row 1
        if len(raw) < width_needed:
            raw = raw + padding[: width_needed - len(raw)]
        values: dict[str, Any] = {}
        for target, at, required, _lookup in own:
            value = raw[at]
            text = value.strip() if type(value) is str else _text(value)
            if not text and required:
                err(line, target, _("This column must be filled in."))
                continue
            values[target] = text
        key = house_cells(raw)
        seen = house_seen.get(key)
        if seen is None:
            first_sight = _convert(house, key, villages, member=False)
            described = tuple(map(first_sight[0].get, HOUSEHOLD_FIELDS))
            seen = house_seen[key] = (first_sight, described)
        (part, problems), described = seen
        values.update(part)
        for target, message in problems:
            err(line, target, message)
        key = attribute_cells(raw)
        converted = attributes_seen.get(key)
        if converted is None:
            converted = attributes_seen[key] = _convert(attributes, key, villages, member=True)
        values.update(converted[0])
        for target, message in converted[1]:
            err(line, target, message)
        number = values.get("number", "")
        if number and values.get("village_code") in villages:
            first = households.get(number)
            if first is None:
                households[number] = {**dict(zip(HOUSEHOLD_FIELDS, described, strict=True)), "row": line}
                descriptions[number] = described
            elif descriptions[number] is not described and descriptions[number] != described:
                err(
                    line,
                    "number",
                    _("Household %(number)s is described differently on row %(row)d.")
                    % {"number": number, "row": first["row"]},
                )
        people.append((line, number, values))
        if offset % 1000 == 999:
            progress.advance(1000)


def _check_registered(
    households: dict[str, dict[str, Any]],
    people: list[tuple[int, str, dict[str, Any]]],
    report: ImportReport,
    err: Callable[[int, str, str], None],
    villages: dict[str, Region],
    progress: Progress,
    *,
    commit: bool,
) -> ImportReport:
    """What is already in the database: households in another village, people registered elsewhere."""
    q = connection.ops.quote_name
    household_table, member_table = q(Household._meta.db_table), q(Member._meta.db_table)
    # number → (id, village code) of the households of the file already registered.
    existing_households: dict[str, tuple[int, str]] = {
        number: (pk, code)
        for number, pk, code in _select_in(
            f"SELECT h.number, h.id, r.code FROM {household_table} h JOIN {q(Region._meta.db_table)} r "  # noqa: S608  (model names)
            "ON r.id = h.village_id WHERE h.number {}",
            households,
        )
    }
    for number, house in households.items():
        found = existing_households.get(number)
        if found is not None and found[1] != house["village_code"]:
            err(
                house["row"],
                "number",
                _("Household %(number)s is registered in another village.") % {"number": number},
            )
    indexes = [v["index"] for _line, _n, v in people if "index" in v]
    # Only the household number of each person already registered: a re-upload finds every row here.
    registered: dict[str, str | None] = dict(
        _select_in(
            f"SELECT m.id_number_index, h.number FROM {member_table} m LEFT JOIN {household_table} h "  # noqa: S608  (model names)
            "ON h.id = m.household_id WHERE m.id_number_index {}",
            indexes,
        )
    )
    for line, number, values in people:
        index = values.get("index", "")
        if index not in registered:
            continue
        if registered[index] == number:
            report.unchanged += 1
            values["skip"] = True
        else:
            member = Member.objects.select_related("household__village").get(id_number_index=index)
            err(
                line,
                "id_number",
                _("This person is already registered, in %(county)s.") % {"county": _county_of(member)},
            )
    report.errors.sort(key=lambda e: (e.row, e.column))
    if report.errors or not commit:
        return report
    _write(households, people, existing_households, villages, report, progress)
    return report


def _select_in(sql: str, values: Iterable[str]) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` whose ``{}`` is a condition "among the values", asked in chunks. A plain cursor: the
    ORM prepares each lookup value through its field, which for the million ID indexes of a re-upload took
    seconds. PostgreSQL gets one array parameter per 50,000 values (``= ANY``): an ``IN`` of 900 parameters
    is planned anew each time, about 25 ms."""
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for chunk in _chunks(values, 50_000):
                cursor.execute(sql.format("= ANY(%s)"), [chunk])
                found.extend(cursor.fetchall())
        else:
            for chunk in _chunks(values):
                cursor.execute(sql.format(f"IN ({', '.join(['%s'] * len(chunk))})"), chunk)
                found.extend(cursor.fetchall())
    return found


def _chunks(values: Iterable[Any], size: int = 900) -> Iterable[list[Any]]:
    # Below SQLite's and PostgreSQL's limits on the parameters of one statement.
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
    "household_id",
    "name",
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
    "id_number_enc",
    "id_number_index",
    "id_number_masked",
    "birth_date",
    "sex",
)


def _write(
    households: dict[str, dict[str, Any]],
    people: Iterable[tuple[int, str, dict[str, Any]]],
    existing: dict[str, tuple[int, str]],
    villages: dict[str, Region],
    report: ImportReport,
    progress: Progress,
) -> None:
    keys = field_keys()
    rows = list(people)
    progress.start(len(rows), gettext_noop("importing"))

    def household_rows() -> Iterable[tuple[Any, ...]]:
        for number, house in households.items():
            if number in existing:
                continue
            phone = house["phone"] or ""
            yield (
                number,
                villages[house["village_code"]].pk,
                house["village_group"] or "",
                house["household_type"],
                house["welfare"] or "none",
                house["poverty_cause"] or "",
                house["housing_grade"],
                house["safe_water"] if house["safe_water"] is not None else True,
                encrypt(phone, keys=keys, purpose=PHONE_PURPOSE) if phone else "",
                blind_index(phone, keys=keys, purpose=PHONE_PURPOSE) if phone else "",
                mask_number(phone) if phone else "",
            )

    def member_rows(ids: dict[str, int]) -> Iterable[tuple[Any, ...]]:
        done = 0
        for _line, number, v in rows:
            done += 1
            if done % BATCH == 0:
                progress.advance(BATCH)
            if v.get("skip"):
                continue
            number_, birth, sex, index, sealed, masked = v["sealed"]
            yield (
                ids[number],
                v["name"],
                v["relation"],
                v["labour"],
                v["education"],
                v.get("ethnicity") or "汉族",
                v.get("student_status") or "none",
                v.get("health") or "healthy",
                v.get("disability_grade"),
                v.get("months_worked") or 0,
                v.get("medical_insurance", True),
                v.get("serious_illness_insurance", True),
                sealed or encrypt(number_, keys=keys, purpose=ID_PURPOSE),
                index,
                masked,
                birth,
                sex,
            )
        progress.advance(done % BATCH)

    with transaction.atomic():
        if connection.vendor == "sqlite":
            # Inserting into the unique index of random blind-index values touches pages all over it: a cache
            # of 256 MiB (for this connection; SQLite's default is 2 MiB) keeps them in memory.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -262144")
        report.households_created = _insert(Household, HOUSEHOLD_COLUMNS, household_rows())
        ids = {number: pk for number, (pk, _code) in existing.items()}
        table = connection.ops.quote_name(Household._meta.db_table)
        ids.update(
            _select_in(
                f"SELECT number, id FROM {table} WHERE number {{}}",  # noqa: S608  (a model name)
                (n for n in households if n not in existing),
            )
        )
        report.members_created = _insert(Member, MEMBER_COLUMNS, member_rows(ids))


@job_handler("registry.import")
def import_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params: ``path`` of the file, ``user`` (id), ``commit``, ``language`` of the messages, and ``uploaded``
    when the file is a stored upload: it holds ID numbers in the clear, so it is deleted when the job ends."""
    user = User.objects.select_related("region").get(pk=params["user"])
    with translation.override(params.get("language") or "zh-hans"):
        try:
            report = registry_import(
                path=Path(params["path"]), user=user, commit=bool(params["commit"]), progress=progress
            )
        except ImportFileError as exc:
            return {
                "rows": 0,
                "error_count": 1,
                "errors": [[1, "", str(exc)]],
                "households_created": 0,
                "members_created": 0,
                "unchanged": 0,
            }
        except PermissionDenied:
            return {
                "rows": 0,
                "error_count": 1,
                "errors": [[0, "", _("Your role may not import.")]],
                "households_created": 0,
                "members_created": 0,
                "unchanged": 0,
            }
        finally:
            if params.get("uploaded"):  # never a file the command was given
                Path(params["path"]).unlink(missing_ok=True)
    return report.as_dict()


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
    """The template as CSV, UTF-8 with a BOM (Excel opens it with Chinese intact)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.heading for c in COLUMNS])
    writer.writerow([EXAMPLE[c.target] for c in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    """The template as XLSX: every column formatted as text, so ID numbers stay whole."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet("户籍成员")
    text = book.add_format({"num_format": "@"})
    for c, column in enumerate(COLUMNS):
        sheet.set_column(c, c, 14, text)
        sheet.write_string(0, c, column.heading)
        sheet.write_string(1, c, EXAMPLE[column.target], text)
    book.close()
    return buffer.getvalue()
