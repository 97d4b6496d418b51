"""Importing the national system's person lists (已脱贫人口名单, 边缘易致贫人口名单 / 监测对象名单).

The same guarantees as the registry import (registry.importing, whose file reading and ID-number sealing this
reuses): every row is checked first and every problem reported; nothing is written unless the whole file is
good, and then in one transaction; uploading the same file again adds nothing. Households (by 户编号) and
people (by ID number) already registered are left as they are; what the file adds to them is an income record
for a year that has none and a monitoring case whose identification date has none. A monitoring case is
written with its history: identified (county approval and announcement) on 风险识别时间 and, if its risk is
eliminated, eliminated on 风险消除时间, so that the dashboards' figures of past months count it. Columns:
interop.columns; docs/interop.md.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.scope import spanning_region
from bottomline.audit.services import input_sha256, job_record
from bottomline.dashboards.compute import months_back
from bottomline.dashboards.services import figures_refresh
from bottomline.interop.columns import (
    BY_TARGET,
    CHOICE,
    COLUMNS,
    DATE,
    FLAG,
    INT,
    MONEY,
    NO,
    YES,
    chinese_terms,
    choice_lookup,
)
from bottomline.interop.models import NationalPerson
from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.jobs.services import upload_remove
from bottomline.monitoring.models import Case, Step
from bottomline.monitoring.workflow import ASSISTABLE, Action, State
from bottomline.privacy.ids import IdNumberError, check_area, seal_numbers
from bottomline.privacy.keys import field_keys
from bottomline.regions.models import Level, Region
from bottomline.registry.choices import HousingGrade, PovertyCause, Relation, RiskType
from bottomline.registry.importing import ImportFileError, RowError, read_rows
from bottomline.registry.models import Household, IncomeRecord, Member
from bottomline.registry.services import ID_PURPOSE, _id_message, area_info, phone_check, phone_sealed

logger = logging.getLogger(__name__)

BATCH = 2000
EARLIEST = date(1949, 10, 1)
MAX_INCOME = Decimal("100000000")
# The household's cells: the same on each of its rows (its members').
HOUSEHOLD_TARGETS = (
    "data_date",
    "county",
    "township",
    "village",
    "natural_village",
    "household_size",
    "cause",
    "dangerous_housing",
    "safe_water",
    "per_capita_income",
    "phone",
    "first_identified",
    "household_type",
    "category",
    "eliminated",
    "risk_identified",
    "risk_eliminated",
    "lifted_year",
    "relocated",
    "resettlement_site",
)
REFRESH_MONTHS = 24  # as dashboards' nightly figures_refresh
SOURCE = "national"  # the detail of the steps an import writes


@dataclass
class NationalReport:
    """What a check or an import found and did."""

    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    households_created: int = 0
    members_created: int = 0
    incomes_created: int = 0
    cases_created: int = 0
    cases_eliminated: int = 0
    unchanged: int = 0

    def as_dict(self, limit: int = 1000) -> dict[str, Any]:
        """For the job's result: counts, the columns left alone and the first ``limit`` errors."""
        return {
            "rows": self.rows,
            "households_created": self.households_created,
            "members_created": self.members_created,
            "incomes_created": self.incomes_created,
            "cases_created": self.cases_created,
            "cases_eliminated": self.cases_eliminated,
            "unchanged": self.unchanged,
            "unknown_columns": self.unknown_columns,
            "error_count": len(self.errors),
            "errors": [[e.row, e.column, e.message] for e in self.errors[:limit]],
        }


def parse_date(value: object) -> date | None:
    """A date cell: a date, or text such as 2022-03-15, 2022/3/15, 2022.3.15, 20220315 or 2022年3月15日.

    Raises ValueError for text that is no date."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    if re.fullmatch(r"\d{8}", text):
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    found = re.fullmatch(
        r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?", text
    )
    if found is None:
        raise ValueError(text)
    return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class _Row:
    line: int
    values: dict[str, Any]


@dataclass
class _House:
    """A household of the file: its first row, its values, its village and its rows."""

    line: int
    values: dict[str, Any]
    village: Region | None
    rows: list[_Row] = field(default_factory=list)
    existing: Household | None = None
    eliminate: Case | None = None  # its case, known and still monitored, whose elimination the file brings


def _convert(
    raw: list[object], plan: list[tuple[str, int]], lookups: dict[str, dict[str, str]]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The values of one row, by target, and its problems (target, message)."""
    values: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for target, at in plan:
        column = BY_TARGET[target]
        cell = raw[at] if at < len(raw) else ""
        if column.kind == DATE:
            try:
                day = parse_date(cell)
            except ValueError:
                problems.append((target, _("Enter a date such as 2022-03-15.")))
                continue
            if day is not None and not EARLIEST <= day <= timezone.localdate():
                problems.append((target, _("This date is not possible.")))
                continue
            values[target] = day
            continue
        text = _text(cell)
        if not text:
            if column.required:
                problems.append((target, _("This column must be filled in.")))
            values[target] = None if column.kind in (FLAG, INT, MONEY, CHOICE) else ""
            continue
        if column.kind == CHOICE:
            code = lookups[target].get(text.lower())
            if code is None:
                problems.append(
                    (target, _("“%(value)s” is not one of the allowed values.") % {"value": text})
                )
                continue
            values[target] = code
        elif column.kind == FLAG:
            lowered = text.lower()
            if lowered in YES:
                values[target] = True
            elif lowered in NO:
                values[target] = False
            else:
                problems.append((target, _("Write 是 or 否.")))
        elif column.kind == INT:
            if not (text.isascii() and text.isdigit()) or len(text) > 6:
                problems.append((target, _("Enter a whole number.")))
                continue
            values[target] = int(text)
        elif column.kind == MONEY:
            try:
                amount = Decimal(text.replace(",", ""))
            except InvalidOperation:
                amount = Decimal("NaN")
            if not amount.is_finite() or not Decimal(0) <= amount < MAX_INCOME:
                problems.append((target, _("Enter an amount in yuan, such as 8123.45.")))
                continue
            values[target] = amount.quantize(Decimal("0.01"))
        else:
            values[target] = text
    return values, problems


def _row_rules(values: dict[str, Any]) -> list[tuple[str, str]]:
    """Problems between the cells of one row."""
    problems: list[tuple[str, str]] = []
    if values.get("months_worked") is not None and values["months_worked"] > 12:
        problems.append(
            ("months_worked", _("Enter a whole number from %(low)d to %(high)d.") % {"low": 0, "high": 12})
        )
    year = values.get("lifted_year")
    if year is not None and not 2013 <= year <= timezone.localdate().year:
        problems.append(("lifted_year", _("Enter a year from 2013 to this year.")))
    size = values.get("household_size")
    if size is not None and not 1 <= size <= 99:
        problems.append(
            ("household_size", _("Enter a whole number from %(low)d to %(high)d.") % {"low": 1, "high": 99})
        )
    identified, eliminated = values.get("risk_identified"), values.get("risk_eliminated")
    if values.get("category") and identified is None:
        problems.append(("risk_identified", _("A monitoring object needs its identification date.")))
    if (identified is not None or values.get("eliminated")) and not values.get("category"):
        problems.append(("category", _("Name the monitoring category of a household with a risk date.")))
    if values.get("eliminated") and eliminated is None:
        problems.append(("risk_eliminated", _("A risk marked eliminated needs its elimination date.")))
    if eliminated is not None and values.get("eliminated") is False:
        problems.append(("eliminated", _("A risk with an elimination date is eliminated: write 是.")))
    if identified is not None and eliminated is not None and eliminated < identified:
        problems.append(("risk_eliminated", _("The risk cannot be eliminated before it was identified.")))
    if values.get("cause") and _cause(values["cause"]) is None:
        problems.append(
            ("cause", _("“%(value)s” is not one of the allowed values.") % {"value": values["cause"]})
        )
    if values.get("phone"):
        try:
            values["phone"] = phone_check(values["phone"])
        except ValidationError as exc:
            problems.append(("phone", " ".join(exc.messages)))
    return problems


@functools.cache
def _cause_lookups() -> tuple[dict[str, str], dict[str, str]]:
    """致贫原因 terms to poverty causes and to risk types (因病, 病, illness …)."""
    poverty: dict[str, str] = {}
    risk: dict[str, str] = {}
    for table, enum in ((poverty, PovertyCause), (risk, RiskType)):
        for value, label in enum.choices:
            table[str(value)] = str(value)
            for language in (None, "zh-hans"):  # the label as written, and in Chinese
                with translation.override(language):
                    text = str(label)
                for term in [text, *chinese_terms(text)]:
                    table[term] = str(value)
                    table[term.removeprefix("因")] = str(value)
    return poverty, risk


def _cause(text: str) -> tuple[str, str] | None:
    """The poverty cause and risk type a 致贫原因 names (either may be ""), or None when it names neither."""
    poverty, risk = _cause_lookups()
    found = (poverty.get(text, ""), risk.get(text, ""))
    return found if any(found) else None


def _village_table(user: User) -> tuple[dict[tuple[str, str], Region], dict[str, str]]:
    """The user's villages by (township name, village name), and each village's county name by code."""
    villages = gate.restrict(Region.objects.filter(level=Level.VILLAGE, valid_to__isnull=True), user)
    table: dict[tuple[str, str], Region] = {}
    counties: dict[str, str] = {}
    for village in villages.select_related("parent__parent"):
        township = village.parent
        if township is None:
            continue
        table[(township.name, village.name)] = village
        counties[village.code] = township.parent.name if township.parent is not None else ""
    return table, counties


def national_import(*, path: Path, user: User, commit: bool, progress: Progress) -> NationalReport:
    """Check a national list and, if ``commit`` and nothing is wrong, bring it into the archive."""
    gate.require(user, Household, "import")
    headings, rows = read_rows(path)
    report = NationalReport(rows=len(rows))
    position: dict[str, int] = {}
    known: set[int] = set()
    for column in COLUMNS:
        for name in (column.heading, *column.aliases):
            if name in headings and column.target not in position:
                position[column.target] = headings.index(name)
                known.add(headings.index(name))
    report.unknown_columns = [h for i, h in enumerate(headings) if i not in known and h]
    missing = [c.heading for c in COLUMNS if c.required and c.target not in position]
    if missing:
        raise ImportFileError(_("These columns are missing: %(columns)s.") % {"columns": "、".join(missing)})
    heading_of = {target: headings[at] for target, at in position.items()}

    def err(line: int, target: str, message: str) -> None:
        report.errors.append(RowError(line, heading_of.get(target, target), message))

    plan = [(t, at) for t, at in position.items() if t != "id_number"]
    lookups = {c.target: choice_lookup(c.target) for c in COLUMNS if c.kind == CHOICE}
    villages, counties = _village_table(user)
    progress.start(len(rows), gettext_noop("checking"))
    today = timezone.localdate()
    id_at = position["id_number"]
    sealed = seal_numbers(
        [raw[id_at] if id_at < len(raw) else "" for raw in rows],
        keys=field_keys(),
        purpose=ID_PURPOSE,
        today=today,
        encrypted=commit,
    )
    area = functools.lru_cache(maxsize=None)(area_info)  # a file names a few areas thousands of times
    houses: dict[str, _House] = {}
    people: dict[str, tuple[int, _Row, tuple[str, ...]]] = {}  # blind index → first row
    for line, raw, seal in zip(range(2, 2 + len(rows)), rows, sealed, strict=True):
        values, problems = _convert(raw, plan, lookups)
        problems += _row_rules(values)
        for target, message in problems:
            err(line, target, message)
        row = _Row(line, values)
        number = values.get("number") or ""
        village = villages.get((values.get("township") or "", values.get("village") or ""))
        if values.get("village") and village is None:
            err(line, "village", _("No village of this name in this township in your region."))
        elif village is not None and values.get("county") and counties.get(village.code) != values["county"]:
            err(line, "county", _("This village is not in this county."))
        if number:
            described = {t: values.get(t) for t in HOUSEHOLD_TARGETS}
            house = houses.get(number)
            if house is None:
                house = houses[number] = _House(line, described, village)
            elif house.values != described:
                err(
                    line,
                    "number",
                    _("Household %(number)s is described differently on row %(row)d.")
                    % {"number": number, "row": house.line},
                )
            house.rows.append(row)
        if len(seal) == 2:
            if _text(raw[id_at] if id_at < len(raw) else ""):
                err(line, "id_number", _id_message(IdNumberError(seal[0], seal[1])))
            else:
                err(line, "id_number", _("This column must be filled in."))
            continue
        try:
            check_area(seal[0], int(seal[1][:4]), area)
        except IdNumberError as exc:
            err(line, "id_number", _id_message(exc))
            continue
        first = people.setdefault(seal[3], (line, row, seal))
        if first[0] != line:
            err(line, "id_number", _("The same person is on row %(row)d too.") % {"row": first[0]})
        progress.advance(1)
    _check_database(houses, people, err, report)
    report.errors.sort(key=lambda e: (e.row, e.column))
    if commit and not report.errors:
        _write(houses, people, user, report, progress)
        if report.cases_created:
            _figures_refresh(houses)
        job_record(
            job="interop.import",
            user=user,
            region=spanning_region([h.village.code for h in houses.values() if h.village is not None]),
            sha256=input_sha256(path),
            created=report.households_created + report.members_created,
            unchanged=report.unchanged,
            detail={
                "households": report.households_created,
                "members": report.members_created,
                "incomes": report.incomes_created,
                "cases": report.cases_created,
            },
        )
    return report


def _check_database(
    houses: dict[str, _House],
    people: dict[str, tuple[int, _Row, tuple[str, ...]]],
    err: Any,
    report: NationalReport,
) -> None:
    """What the archive already holds: households (same village), people (same household), open cases."""
    numbers = list(houses)
    for start in range(0, len(numbers), BATCH):
        found = Household.objects.filter(number__in=numbers[start : start + BATCH]).select_related("village")
        for household in found:
            house = houses[household.number]
            house.existing = household
            if house.village is not None and household.village_id != house.village.pk:
                err(
                    house.line,
                    "number",
                    _("Household %(number)s is registered in another village.")
                    % {"number": household.number},
                )
    indexes = list(people)
    registered: dict[str, int | None] = {}
    for start in range(0, len(indexes), BATCH):
        registered.update(
            Member.objects.filter(id_number_index__in=indexes[start : start + BATCH]).values_list(
                "id_number_index", "household_id"
            )
        )
    for index, (line, row, _seal) in people.items():
        if index not in registered:
            continue
        own = houses.get(row.values.get("number") or "")
        if own is not None and own.existing is not None and registered[index] == own.existing.pk:
            report.unchanged += 1
        else:
            err(line, "id_number", _("This person is registered elsewhere already; ask the county office."))
    known = [h.existing for h in houses.values() if h.existing is not None]
    open_cases = {
        case.household_id: case
        for case in Case.objects.filter(household__in=known, closed_at__isnull=True).annotate(
            last_on=Max("steps__on")
        )
    }
    for number, house in houses.items():
        heads = sum(1 for r in house.rows if r.values.get("relation") == Relation.HEAD)
        if house.existing is None and heads != 1:
            err(
                house.line,
                "relation",
                _("Household %(number)s must have exactly one head (户主); it has %(count)d.")
                % {"number": number, "count": heads},
            )
        identified = house.values.get("risk_identified")
        case = open_cases.get(house.existing.pk) if house.existing is not None else None
        if case is None or identified is None:
            continue
        if case.identified_on != identified:
            if not house.values.get("eliminated"):
                err(
                    house.line,
                    "risk_identified",
                    _("Household %(number)s is being monitored already, since another date.")
                    % {"number": number},
                )
            continue
        eliminated = house.values.get("risk_eliminated")
        if eliminated is None:
            continue
        # The list brings the elimination of a case the archive monitors: its step comes after the others.
        last_on: date | None = getattr(case, "last_on", None)
        if case.state not in ASSISTABLE:
            err(
                house.line,
                "risk_eliminated",
                _("Household %(number)s's case is not yet identified here; its risk cannot be eliminated.")
                % {"number": number},
            )
        elif last_on is not None and eliminated < last_on:
            err(
                house.line,
                "risk_eliminated",
                _("The elimination date is before the case's latest step here (%(day)s).")
                % {"day": last_on.isoformat()},
            )
        else:
            house.eliminate = case


def _figures_refresh(houses: dict[str, _House]) -> None:
    """The dashboards' figures of the villages touched, for the months the nightly refresh keeps (24): the
    cases just written are dated in them (issue 14: past months' "as of" figures right at once)."""
    codes = sorted({h.village.code for h in houses.values() if h.village is not None})
    figures_refresh(village_codes=codes, months=months_back(timezone.localdate(), REFRESH_MONTHS))


def _at(day: date, seconds: int = 0) -> datetime:
    """A moment of a day in the server's time zone (nine in the morning, plus ``seconds``)."""
    return timezone.make_aware(datetime.combine(day, time(9)) + timedelta(seconds=seconds))


def case_history_write(
    *,
    household: Household,
    category: int,
    risk_types: list[str],
    identified_on: date,
    eliminated_on: date | None,
    reason: str,
) -> Case:
    """A monitoring case known from elsewhere (the national system, a synthetic history), with the steps that
    make its state right on every past day: lead, county approval and announcement on the day it was
    identified, and the county's approval of its risk elimination on the day that was."""
    opened = _at(identified_on)
    steps = [
        (Action.OPEN, "", State.VISIT, identified_on, 0),
        (Action.APPROVE, State.APPROVAL, State.ANNOUNCEMENT, identified_on, 1),
        (Action.ANNOUNCE, State.ANNOUNCEMENT, State.MONITORED, identified_on, 2),
    ]
    if eliminated_on is not None:
        steps.append((Action.APPROVE, State.ELIM_APPROVAL, State.ELIMINATED, eliminated_on, 0))
    case = Case.objects.create(
        household=household,
        state=steps[-1][2],
        version=len(steps),
        opened_at=opened,
        category=category,
        risk_types=risk_types,
        decided_at=opened,
        identified_on=identified_on,
        eliminated_on=eliminated_on,
        closed_at=_at(eliminated_on) if eliminated_on is not None else None,
    )
    Step.objects.bulk_create(
        Step(
            case=case,
            action=action,
            source=source,
            target=target,
            at=_at(day, seconds),
            on=day,
            reason=reason,
            detail={"source": SOURCE},
        )
        for action, source, target, day, seconds in steps
    )
    return case


def case_eliminate(*, case: Case, on: date, reason: str) -> None:
    """Close a monitored case whose risk elimination is known from elsewhere: the county's approval of the
    elimination, dated ``on`` (after every step it has), by the system."""
    Step.objects.create(
        case=case,
        action=Action.APPROVE,
        source=case.state,
        target=State.ELIMINATED,
        at=_at(on, 3),
        on=on,
        reason=reason,
        detail={"source": SOURCE},
    )
    Case.objects.filter(pk=case.pk).update(
        state=State.ELIMINATED,
        eliminated_on=on,
        closed_at=_at(on, 3),
        version=F("version") + 1,
    )


def _income_period(values: dict[str, Any]) -> tuple[date, date]:
    """The year a list's per-capita income is of: the calendar year before its data date (today if none)."""
    year = (values.get("data_date") or timezone.localdate()).year - 1
    return date(year, 1, 1), date(year, 12, 31)


def _write(
    houses: dict[str, _House],
    people: dict[str, tuple[int, _Row, tuple[str, ...]]],
    user: User,
    report: NationalReport,
    progress: Progress,
) -> None:
    """Write what is new, in one transaction."""
    reason = _("Imported from the national monitoring system")
    with transaction.atomic():
        progress.start(len(people), gettext_noop("importing"))
        new = [(n, h) for n, h in houses.items() if h.existing is None and h.village is not None]
        for start in range(0, len(new), BATCH):
            created = Household.objects.bulk_create(
                [_household(number, house) for number, house in new[start : start + BATCH]]
            )
            for (_n, house), household in zip(new[start : start + BATCH], created, strict=True):
                house.existing = household
        report.households_created = len(new)
        ids = {number: house.existing.pk for number, house in houses.items() if house.existing is not None}
        registered = set(
            Member.objects.filter(id_number_index__in=list(people)).values_list("id_number_index", flat=True)
        )
        fresh = [(line, row, seal) for index, (line, row, seal) in people.items() if index not in registered]
        for start in range(0, len(fresh), BATCH):
            chunk = fresh[start : start + BATCH]
            members = Member.objects.bulk_create(
                [_member(ids[row.values["number"]], row, seal) for _l, row, seal in chunk]
            )
            NationalPerson.objects.bulk_create(
                [
                    NationalPerson(
                        member=member,
                        person_number=row.values.get("person_number") or "",
                        identified_on=row.values.get("person_identified"),
                    )
                    for member, (_l, row, _s) in zip(members, chunk, strict=True)
                ]
            )
            report.members_created += len(members)
            progress.advance(len(chunk))
        written = [h for h in houses.values() if h.existing is not None]
        for start in range(0, len(written), BATCH):
            chunk_houses = written[start : start + BATCH]
            pks = [h.existing.pk for h in chunk_houses if h.existing is not None]
            periods = set(
                IncomeRecord.objects.filter(household_id__in=pks).values_list("household_id", "period_start")
            )
            incomes = [r for h in chunk_houses if (r := _income(h, periods)) is not None]
            IncomeRecord.objects.bulk_create(incomes)
            report.incomes_created += len(incomes)
            days = set(Case.objects.filter(household_id__in=pks).values_list("household_id", "identified_on"))
            report.cases_created += sum(_case(h, days, reason) for h in chunk_houses)
        for house in written:
            if house.eliminate is not None and house.values.get("risk_eliminated") is not None:
                case_eliminate(case=house.eliminate, on=house.values["risk_eliminated"], reason=reason)
                report.cases_eliminated += 1


def _household(number: str, house: _House) -> Household:
    v = house.values
    cause = _cause(v["cause"]) if v.get("cause") else None
    phone_enc, phone_index, phone_masked = phone_sealed(v.get("phone") or "")
    assert house.village is not None  # only households with a village are written  # noqa: S101
    return Household(
        number=number,
        village=house.village,
        village_group=(v.get("natural_village") or "")[:50],
        household_type=v["household_type"],
        poverty_cause=cause[0] if cause else "",
        housing_grade=HousingGrade.C if v.get("dangerous_housing") else HousingGrade.A,
        safe_water=v.get("safe_water") is not False,
        phone_enc=phone_enc,
        phone_index=phone_index,
        phone_masked=phone_masked,
        first_identified=v.get("first_identified"),
        lifted_year=v.get("lifted_year"),
        relocated=bool(v.get("relocated")),
        resettlement_site=(v.get("resettlement_site") or "")[:100],
    )


def _member(household_id: int, row: _Row, seal: tuple[str, ...]) -> Member:
    # seal: (number, birth date ISO, sex, blind index, ciphertext, masked)
    v = row.values
    return Member(
        household_id=household_id,
        name=v["name"][:50],
        id_number_enc=seal[4],
        id_number_index=seal[3],
        id_number_masked=seal[5],
        birth_date=date.fromisoformat(seal[1]),
        sex=seal[2],
        relation=v["relation"],
        ethnicity=v.get("ethnicity") or "汉族",
        education=v["education"],
        student_status=v.get("student_status") or "none",
        health=v.get("health") or "healthy",
        labour=v["labour"],
        months_worked=v.get("months_worked") or 0,
        serious_illness_insurance=v.get("serious_illness_insurance") is not False,
    )


def _income(house: _House, periods: set[tuple[int, date]]) -> IncomeRecord | None:
    """The list's per-capita income as the household's income record of its year, unless it has one
    (``periods``: the (household, period start) of the records it has)."""
    per_capita = house.values.get("per_capita_income")
    household = house.existing
    if per_capita is None or household is None:
        return None
    start, end = _income_period(house.values)
    if (household.pk, start) in periods:
        return None
    size = house.values.get("household_size") or len(house.rows)
    # The lists give only the per-capita figure: it is kept as production and operation income (the
    # breakdown is not in them), so that the record's per-capita net income is the list's.
    return IncomeRecord(
        household=household,
        period_start=start,
        period_end=end,
        household_size=size,
        production=per_capita * size,
    )


def _case(house: _House, days: set[tuple[int, date | None]], reason: str) -> int:
    """The list's monitoring case, with its history, unless the household has a case identified that day
    (``days``: the (household, identification date) of the cases it has)."""
    v = house.values
    identified = v.get("risk_identified")
    household = house.existing
    if not v.get("category") or identified is None or household is None:
        return 0
    if (household.pk, identified) in days:
        return 0
    cause = _cause(v["cause"]) if v.get("cause") else None
    case_history_write(
        household=household,
        category=int(v["category"]),
        risk_types=[cause[1] if cause and cause[1] else RiskType.OTHER.value],
        identified_on=identified,
        eliminated_on=v.get("risk_eliminated"),
        reason=reason,
    )
    return 1


@job_handler("interop.import")
def import_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params: ``path``, ``user`` (id), ``commit``, ``language``, and ``uploaded`` for a stored upload (it
    holds ID numbers in the clear, so it is deleted when the job ends)."""
    user = User.objects.select_related("region").get(pk=params["user"])
    with translation.override(params.get("language") or "zh-hans"):
        try:
            report = national_import(
                path=Path(params["path"]), user=user, commit=bool(params["commit"]), progress=progress
            )
        except ImportFileError as exc:
            report = NationalReport(errors=[RowError(1, "", str(exc))])
        except PermissionDenied:
            report = NationalReport(errors=[RowError(0, "", _("Your role may not import."))])
        finally:
            upload_remove(params)
    result = report.as_dict()
    logger.info(
        "national import finished",
        extra={"user": user.pk, "commit": bool(params["commit"])}
        | {k: v for k, v in result.items() if k not in ("errors", "unknown_columns")},
    )
    return result
