"""The national lists out, in the national columns, for upload to the national system: as of a date, scoped
to a region, as XLSX or GB18030 CSV, audited.

One row per person of the region's households (the list chosen: 已脱贫人口 — lifted-out households,
监测对象 — households identified as monitoring objects by the date, or both). Stocks are as of the date: the
monitoring case identified by then (eliminated if its elimination is dated by then) and the latest income
record ended by then; households and members are those registered now. Masking per role: the county officer,
whose office uploads to the national system (and who may import), gets ID numbers and phones whole; every
other role gets them masked, as in every other export. Columns: interop.columns; docs/interop.md.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import xlsxwriter
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import Role, User
from bottomline.audit.models import EventKind
from bottomline.audit.scope import queryset_region
from bottomline.audit.services import event_record
from bottomline.interop.columns import COLUMNS, NationalColumn, chinese_terms, term_of
from bottomline.interop.models import NationalPerson
from bottomline.monitoring.models import Case
from bottomline.privacy.crypto import decrypt
from bottomline.privacy.keys import field_keys
from bottomline.regions.models import Region
from bottomline.registry.choices import HouseholdType, HousingGrade, PovertyCause, RiskType
from bottomline.registry.exports import neutralise
from bottomline.registry.models import Household, IncomeRecord, Member
from bottomline.registry.services import ID_PURPOSE, PHONE_PURPOSE

LISTS = ("lifted", "monitoring", "all")
REVEALING_ROLES = frozenset({Role.COUNTY_OFFICER})
CHUNK = 2000


@dataclass(frozen=True)
class ExportRequest:
    """What to export: the region (already checked to be the viewer's), the date, the list, the columns."""

    region: Region
    on: date
    kind: str = "all"
    extended: bool = False


def columns(extended: bool) -> list[NationalColumn]:
    """The columns written: the national ones, and the extension columns if asked."""
    return [c for c in COLUMNS if extended or not c.extension]


def _flag(value: bool | None) -> str:
    if value is None:
        return ""
    return "是" if value else "否"


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def _cause_term(code: str, enum: Any) -> str:
    with translation.override(None):  # the label as written (English, the Chinese term in brackets)
        labels = {str(value): str(label) for value, label in enum.choices}
    terms = chinese_terms(labels.get(code, ""))
    return terms[0] if terms else ""


def national_households(*, region: Region, on: date, kind: str) -> QuerySet[Household]:
    """The households of a region on a list (no gate: callers pass a region the viewer may export)."""
    low, high = region.bounds
    households = Household.objects.filter(village__code__range=(low, high))
    if kind == "lifted":
        households = households.filter(household_type=HouseholdType.LIFTED)
    elif kind == "monitoring":
        households = households.filter(cases__identified_on__lte=on).distinct()
    return households


def national_rows(
    households: QuerySet[Household], *, on: date, reveal: bool, extended: bool
) -> Iterator[list[str]]:
    """One row per member of the households, in the national columns (whole numbers only if ``reveal``)."""
    keys = field_keys() if reveal else None
    wanted = columns(extended)
    sequence = 0
    ids = list(households.order_by("number").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        houses = {
            h.pk: h for h in Household.objects.filter(pk__in=chunk).select_related("village__parent__parent")
        }
        sizes = dict(
            Member.objects.filter(household_id__in=chunk)
            .values_list("household_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        incomes: dict[int, IncomeRecord] = {}
        for record in IncomeRecord.objects.filter(household_id__in=chunk, period_end__lte=on).order_by(
            "household_id", "period_end"
        ):
            incomes[record.household_id] = record  # the latest last
        cases: dict[int, Case] = {}
        for found in Case.objects.filter(household_id__in=chunk, identified_on__lte=on).order_by(
            "household_id", "identified_on", "id"
        ):
            cases[found.household_id] = found  # the latest last
        persons = dict(
            NationalPerson.objects.filter(member__household_id__in=chunk).values_list(
                "member_id", "person_number"
            )
        )
        person_days = dict(
            NationalPerson.objects.filter(member__household_id__in=chunk).values_list(
                "member_id", "identified_on"
            )
        )
        members = Member.objects.filter(household_id__in=chunk).order_by("household_id", "id")
        by_house: dict[int, list[Member]] = {}
        for m in members:
            by_house.setdefault(m.household_id or 0, []).append(m)
        for pk in chunk:
            h = houses[pk]
            township = h.village.parent
            county = township.parent if township is not None else None
            case = cases.get(pk)
            income = incomes.get(pk)
            eliminated = case is not None and case.eliminated_on is not None and case.eliminated_on <= on
            if case is not None and case.risk_types:
                cause = _cause_term(case.risk_types[0], RiskType)
            else:
                cause = _cause_term(h.poverty_cause, PovertyCause) if h.poverty_cause else ""
            phone = h.phone_masked
            if keys is not None and h.phone_enc:
                phone = decrypt(h.phone_enc, keys=keys, purpose=PHONE_PURPOSE)
            for m in by_house.get(pk, []):
                sequence += 1
                number = m.id_number_masked
                if keys is not None:
                    number = decrypt(m.id_number_enc, keys=keys, purpose=ID_PURPOSE)
                values: dict[str, str] = {
                    "sequence": str(sequence),
                    "data_date": on.isoformat(),
                    "county": county.name if county is not None else "",
                    "township": township.name if township is not None else "",
                    "village": h.village.name,
                    "natural_village": h.village_group,
                    "number": h.number,
                    "person_number": persons.get(m.pk, ""),
                    "name": m.name,
                    "id_number": number,
                    "household_size": str(sizes.get(pk, 0)),
                    "relation": term_of("relation", m.relation),
                    "ethnicity": term_of("ethnicity", m.ethnicity),
                    "education": term_of("education", m.education),
                    "student_status": term_of("student_status", m.student_status),
                    "health": term_of("health", m.health),
                    "labour": term_of("labour", m.labour),
                    "months_worked": str(m.months_worked),
                    "serious_illness_insurance": _flag(m.serious_illness_insurance),
                    "cause": cause,
                    "dangerous_housing": _flag(h.housing_grade in (HousingGrade.C, HousingGrade.D)),
                    "safe_water": _flag(h.safe_water),
                    "per_capita_income": f"{income.per_capita_net_income:.2f}" if income is not None else "",
                    "phone": phone,
                    "person_phone": "",
                    "first_identified": _day(h.first_identified),
                    "person_identified": _day(person_days.get(m.pk)),
                    "household_type": term_of("household_type", h.household_type),
                    "category": term_of("category", case.category) if case is not None else "",
                    "eliminated": _flag(eliminated) if case is not None else "",
                    "risk_identified": _day(case.identified_on) if case is not None else "",
                    "risk_eliminated": _day(case.eliminated_on) if eliminated and case is not None else "",
                    "lifted_year": str(h.lifted_year or ""),
                    "relocated": _flag(h.relocated),
                    "resettlement_site": h.resettlement_site,
                }
                yield [values[c.target] for c in wanted]


def write_csv(rows: Iterable[list[str]], extended: bool) -> bytes:
    """GB18030 text, as the national system's own exports are (no byte-order mark)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.heading for c in columns(extended)])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return buffer.getvalue().encode("gb18030")


def write_xlsx(rows: Iterable[list[str]], extended: bool) -> bytes:
    """Every cell text: no formulas, no numbers (18-digit ID numbers stay whole)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet("人员名单")
    text = book.add_format({"num_format": "@"})
    for c, column in enumerate(columns(extended)):
        sheet.write_string(0, c, column.heading)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            sheet.write_string(r, c, neutralise(value), text)
    book.close()
    return buffer.getvalue()


WRITERS: dict[str, Any] = {"csv": write_csv, "xlsx": write_xlsx}


def national_export(
    *, viewer: User, wanted: ExportRequest, fmt: str, request: HttpRequest | None = None
) -> bytes:
    """A national list of the viewer's region (or a region below it) in ``fmt``; audited."""
    gate.require(viewer, Household, "export", request)
    if fmt not in WRITERS or wanted.kind not in LISTS:
        raise ValueError(f"unknown export {fmt!r} {wanted.kind!r}")
    region = gate.access(Region.objects.all(), viewer, pk=wanted.region.pk)
    households = gate.restrict(
        national_households(region=region, on=wanted.on, kind=wanted.kind), viewer, "export"
    )
    reveal = viewer.role in REVEALING_ROLES
    content: bytes = WRITERS[fmt](
        national_rows(households, on=wanted.on, reveal=reveal, extended=wanted.extended), wanted.extended
    )
    event_record(
        kind=EventKind.EXPORT,
        user=viewer,
        request=request,
        target=f"interop.national:{wanted.kind}:{fmt}",
        region=queryset_region(households, "village__code") or region,
        detail={
            "households": households.count(),
            "on": wanted.on.isoformat(),
            "whole_numbers": reveal,
        },
    )
    return content


def filename(wanted: ExportRequest, fmt: str) -> str:
    """The download's name: list and date, no personal data."""
    names = {"lifted": "tuopin", "monitoring": "jiance", "all": "renyuan"}
    return f"national-{names[wanted.kind]}-{wanted.region.code}-{wanted.on:%Y%m%d}.{fmt}"


def list_label(kind: str) -> str:
    """The list's name in the user's language."""
    return {
        "lifted": _("Lifted-out people (已脱贫人口名单)"),
        "monitoring": _("Monitoring objects (监测对象名单)"),
        "all": _("Both lists, one row per person"),
    }[kind]
