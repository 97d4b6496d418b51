"""Importing households and members from CSV (UTF-8, UTF-8 with BOM, GB18030) or XLSX, one member per row.

Every row is checked first and every problem reported (row, column, message in the user's language); the
import writes only when the whole file is good, in one transaction, so a killed import leaves nothing.
Households already registered (by number) and people already in them (by ID number) are left as they are:
uploading the same file again adds nothing. Docs: docs/import.md.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from python_calamine import CalamineWorkbook

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.privacy.crypto import blind_index, encrypt
from bottomline.privacy.keys import field_keys
from bottomline.privacy.masking import mask_number
from bottomline.regions.models import Level, Region
from bottomline.registry import choices
from bottomline.registry.models import Household, Member
from bottomline.registry.services import (
    ID_PURPOSE,
    PHONE_PURPOSE,
    _county_of,
    id_number_check,
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


def _flag(value: object) -> bool | None:
    text = _text(value).lower()
    return True if text in YES else False if text in NO else None


def registry_import(*, path: Path, user: User, commit: bool, progress: Progress) -> ImportReport:
    """Check a file and, if ``commit`` and nothing is wrong, register its households and members."""
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
    report = ImportReport(rows=len(rows))
    progress.start(len(rows), gettext_noop("checking"))

    def err(row: int, target: str, message: str) -> None:
        report.errors.append(RowError(row, heading_of.get(target, target), message))

    households: dict[str, dict[str, Any]] = {}
    people: list[tuple[int, str, dict[str, Any]]] = []
    seen_ids: dict[str, int] = {}
    for offset, raw in enumerate(rows):
        line = offset + 2  # the heading is row 1
        cell = {t: (raw[i] if i < len(raw) else "") for t, i in position.items()}
        values: dict[str, Any] = {}
        for column in COLUMNS:
            if column.target not in cell:
                continue
            text = _text(cell[column.target])
            if column.required and not text:
                err(line, column.target, _("This column must be filled in."))
                continue
            if column.choices and text:
                code = lookups[column.target].get(text.lower())
                if code is None:
                    err(
                        line,
                        column.target,
                        _("“%(value)s” is not one of the allowed values.") % {"value": text},
                    )
                    continue
                values[column.target] = code
            else:
                values[column.target] = text
        for target in ("safe_water", "medical_insurance", "serious_illness_insurance"):
            if target in values:
                flag = _flag(values[target])
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
            try:
                values["phone"] = phone_check(values["phone"])
            except ValidationError as exc:
                err(line, "phone", " ".join(exc.messages))
        if "id_number" in position:
            try:
                resident = id_number_check(cell["id_number"])
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
            house = {k: values.get(k) for k in HOUSEHOLD_FIELDS}
            first = households.setdefault(number, {**house, "row": line})
            if any(first[k] != house[k] for k in HOUSEHOLD_FIELDS):
                err(
                    line,
                    "number",
                    _("Household %(number)s is described differently on row %(row)d.")
                    % {"number": number, "row": first["row"]},
                )
        people.append((line, number, values))
        progress.advance()

    existing_households = {
        h.number: h for h in Household.objects.filter(number__in=households).select_related("village")
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
    registered = {
        m.id_number_index: m
        for m in Member.objects.filter(id_number_index__in=indexes).select_related("household__village")
    }
    for line, number, values in people:
        member = registered.get(values.get("index", ""))
        if member is None:
            continue
        if member.household is not None and member.household.number == number:
            report.unchanged += 1
            values["skip"] = True
        else:
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
    with transaction.atomic():
        new = []
        for number, house in households.items():
            if number in existing:
                continue
            phone = house["phone"] or ""
            new.append(
                Household(
                    number=number,
                    village=villages[house["village_code"]],
                    village_group=house["village_group"] or "",
                    household_type=house["household_type"],
                    welfare=house["welfare"] or "none",
                    poverty_cause=house["poverty_cause"] or "",
                    housing_grade=house["housing_grade"],
                    safe_water=house["safe_water"] if house["safe_water"] is not None else True,
                    phone_enc=encrypt(phone, keys=keys, purpose=PHONE_PURPOSE) if phone else "",
                    phone_index=blind_index(phone, keys=keys, purpose=PHONE_PURPOSE) if phone else "",
                    phone_masked=mask_number(phone) if phone else "",
                )
            )
        Household.objects.bulk_create(new, batch_size=BATCH)
        report.households_created = len(new)
        by_number = existing | {h.number: h for h in new}
        batch: list[Member] = []
        for _line, number, v in rows:
            if v.get("skip"):
                progress.advance()
                continue
            resident = v["resident"]
            batch.append(
                Member(
                    household=by_number[number],
                    name=v["name"],
                    relation=v["relation"],
                    labour=v["labour"],
                    education=v["education"],
                    ethnicity=v.get("ethnicity") or "汉族",
                    student_status=v.get("student_status") or "none",
                    health=v.get("health") or "healthy",
                    disability_grade=v.get("disability_grade"),
                    months_worked=v.get("months_worked") or 0,
                    medical_insurance=v.get("medical_insurance", True),
                    serious_illness_insurance=v.get("serious_illness_insurance", True),
                    id_number_enc=encrypt(resident.number, keys=keys, purpose=ID_PURPOSE),
                    id_number_index=v["index"],
                    id_number_masked=mask_number(resident.number),
                    birth_date=resident.birth_date,
                    sex=resident.sex,
                )
            )
            if len(batch) >= BATCH:
                Member.objects.bulk_create(batch)
                report.members_created += len(batch)
                progress.advance(len(batch))
                batch = []
        Member.objects.bulk_create(batch)
        report.members_created += len(batch)
        progress.advance(len(batch))


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
