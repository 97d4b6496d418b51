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
import re
from collections.abc import Callable, Iterable, Iterator
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
from bottomline.privacy.crypto import blind_index, encrypt
from bottomline.privacy.ids import IdNumberError, ResidentId, parse_resident_id
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


def _id_checker() -> Callable[[object], ResidentId]:
    """``id_number_check`` with the area lookups remembered: a file names a few areas a million times."""
    area = functools.lru_cache(maxsize=None)(area_info)
    today = timezone.localdate()

    def check(raw: object) -> ResidentId:
        try:
            return parse_resident_id(raw, area=area, today=today)
        except IdNumberError as exc:
            raise ValidationError({"id_number": _id_message(exc)}, code=exc.code) from None

    return check


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
    id_number_check = _id_checker()
    report = ImportReport(rows=len(rows))
    progress.start(len(rows), gettext_noop("checking"))

    def err(row: int, target: str, message: str) -> None:
        report.errors.append(RowError(row, heading_of.get(target, target), message))

    households: dict[str, dict[str, Any]] = {}
    descriptions: dict[str, tuple[Any, ...]] = {}
    phones: dict[str, str | ValidationError] = {}
    people: list[tuple[int, str, dict[str, Any]]] = []
    seen_ids: dict[str, int] = {}
    # The loop below runs a million times for a large file: what can be decided once is decided here.
    plan = [
        (c.target, position[c.target], c.required, lookups.get(c.target))
        for c in COLUMNS
        if c.target in position
    ]
    flags = [t for t in ("safe_water", "medical_insurance", "serious_illness_insurance") if t in position]
    id_at = position.get("id_number")
    for offset, raw in enumerate(rows):
        line = offset + 2  # the heading is row 1
        width = len(raw)
        values: dict[str, Any] = {}
        for target, at, required, lookup in plan:
            value = raw[at] if at < width else ""
            text = value.strip() if type(value) is str else _text(value)
            if not text:
                if required:
                    err(line, target, _("This column must be filled in."))
                    continue
                values[target] = text
            elif lookup is not None:
                code = lookup.get(text.lower())
                if code is None:
                    err(line, target, _("“%(value)s” is not one of the allowed values.") % {"value": text})
                    continue
                values[target] = code
            else:
                values[target] = text
        for target in flags:
            if target in values:
                flag = FLAGS.get(values[target].lower())
                if flag is None:
                    err(line, target, _("Write 是 or 否."))
                values[target] = True if flag is None else flag
        for target, low, high in (("months_worked", 0, 12), ("disability_grade", 1, 4)):
            text = values.get(target, "")
            if text:
                if not text.isdigit() or not low <= int(text) <= high:
                    err(
                        line,
                        target,
                        _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high},
                    )
                values[target] = int(text) if text.isdigit() else None
            else:
                values[target] = 0 if target == "months_worked" else None
        village = villages.get(values.get("village_code", ""))
        if "village_code" in values and village is None:
            err(line, "village_code", _("No village with this code in your region."))
        if values.get("phone"):
            phone = phones.get(values["phone"])
            if phone is None:  # a household's phone repeats on each of its members' rows: check it once
                try:
                    phone = phones[values["phone"]] = phone_check(values["phone"])
                except ValidationError as exc:
                    phone = phones[values["phone"]] = exc
            if isinstance(phone, ValidationError):
                err(line, "phone", " ".join(phone.messages))
            else:
                values["phone"] = phone
        if id_at is not None:
            try:
                resident = id_number_check(raw[id_at] if id_at < width else "")
            except ValidationError as exc:
                err(line, "id_number", " ".join(exc.messages))
            else:
                values["resident"] = resident
                index = blind_index(resident.number, keys=keys, purpose=ID_PURPOSE)
                values["index"] = index
                if index in seen_ids:
                    err(
                        line,
                        "id_number",
                        _("The same person is on row %(row)d too.") % {"row": seen_ids[index]},
                    )
                seen_ids.setdefault(index, line)
        number = values.get("number", "")
        if number and village is not None:
            described = tuple(values.get(k) for k in HOUSEHOLD_FIELDS)
            first = households.get(number)
            if first is None:
                households[number] = {**dict(zip(HOUSEHOLD_FIELDS, described, strict=True)), "row": line}
                descriptions[number] = described
            elif descriptions[number] != described:
                err(
                    line,
                    "number",
                    _("Household %(number)s is described differently on row %(row)d.")
                    % {"number": number, "row": first["row"]},
                )
        people.append((line, number, values))
        if offset % 1000 == 999:
            progress.advance(1000)
    progress.advance(len(rows) % 1000)

    existing_households = {
        h.number: h
        for chunk in _chunks(households)
        for h in Household.objects.filter(number__in=chunk).select_related("village")
    }
    for number, house in households.items():
        found = existing_households.get(number)
        if found is not None and found.village.code != house["village_code"]:
            err(
                house["row"],
                "number",
                _("Household %(number)s is registered in another village.") % {"number": number},
            )
    indexes = [v["index"] for _line, _n, v in people if "index" in v]
    # Only the household number of each person already registered: a re-upload finds every row here.
    registered: dict[str, str | None] = {
        index: household
        for chunk in _chunks(indexes)
        for index, household in Member.objects.filter(id_number_index__in=chunk).values_list(
            "id_number_index", "household__number"
        )
    }
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
    existing: dict[str, Household],
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
            resident = v["resident"]
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
                encrypt(resident.number, keys=keys, purpose=ID_PURPOSE),
                v["index"],
                mask_number(resident.number),
                resident.birth_date.isoformat(),
                resident.sex,
            )
        progress.advance(done % BATCH)

    with transaction.atomic():
        if connection.vendor == "sqlite":
            # Inserting into the unique index of random blind-index values touches pages all over it: a cache
            # of 256 MiB (for this connection; SQLite's default is 2 MiB) keeps them in memory.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -262144")
        report.households_created = _insert(Household, HOUSEHOLD_COLUMNS, household_rows())
        ids = {number: h.pk for number, h in existing.items()}
        for chunk in _chunks(n for n in households if n not in existing):
            ids.update(Household.objects.filter(number__in=chunk).values_list("number", "id"))
        report.members_created = _insert(Member, MEMBER_COLUMNS, member_rows(ids))


@job_handler("registry.import")
def import_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params: ``path`` of the stored upload, ``user`` (id), ``commit``, ``language`` of the messages."""
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
