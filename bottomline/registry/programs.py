"""How program money reaches a household's income (docs/programs.md): the one way every program app (posts, PV,
benefit linkage, employment, grants, insurance claims) writes income, and the hooks by which the household page
and the dashboards show the programs without the registry importing them.

An income record's amounts are the household's totals for its period. A program's payment is an entry
(``ProgramIncome``) that is counted in the record whose period contains its day:

- posted while such a record exists, the entry's amount is added to the record's column of its income type (and a
  corrected or withdrawn entry takes its old amount off again), so screening sees it at once;
- posted while none does, the entry waits; the collection form of that period starts from the waiting entries'
  totals (``program_totals``), and when the period's record is saved (form, import or API) its amounts are the
  totals with them in, so the entries are marked counted and nothing is added twice;
- a record saved again later (a correction, a new collection) is again the total: its entries stay counted in it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.engine.online import households_refresh
from bottomline.registry.choices import IncomeKind, Program
from bottomline.registry.models import Household, IncomeRecord, ProgramIncome
from bottomline.registry.services import rows_update

# The income record's column that each income type adds to (net production follows its gross: the expense stays).
COLUMN = {
    IncomeKind.WAGE: "wage",
    IncomeKind.PRODUCTION: "production",
    IncomeKind.PROPERTY: "property_income",
    IncomeKind.TRANSFER: "transfer",
}
# The collection form's field for each income type (what ``program_totals`` pre-fills).
FORM_FIELD = {**COLUMN, IncomeKind.PRODUCTION: "production_gross"}
AMOUNT_MAX = Decimal("9999999999.99")
CHUNK = 500


@dataclass(frozen=True)
class ProgramEntry:
    """One payment of a program to a household: ``source`` names it in the paying app, once and for good
    ("<app>.<model>:<id>[:<part>]"); posting the same source again corrects it."""

    source: str
    household_id: int
    program: str  # registry.choices.Program
    kind: str  # registry.choices.IncomeKind
    on: date
    amount: Decimal
    member_id: int | None = None


class EntriesRefused(ValueError):
    """Some entries were refused (and none written): ``refused`` maps each refused entry's source to why."""

    def __init__(self, refused: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{source}: {why}" for source, why in refused.items()))
        self.refused = dict(refused)


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _fen(amount: Decimal | int) -> Decimal:
    """A sum to the fen (SQLite sums decimals without their places)."""
    return Decimal(amount).quantize(Decimal("0.01"))


def _containing(records: Sequence[IncomeRecord], day: date) -> IncomeRecord | None:
    """The newest of a household's records (newest first) whose period contains the day."""
    return next((r for r in records if r.period_start <= day <= r.period_end), None)


def _add(record: IncomeRecord, kind: str, amount: Decimal) -> None:
    """Add (or take off) an amount in the record's column of the income type, never below zero."""
    column = COLUMN[IncomeKind(kind)]
    setattr(record, column, max(getattr(record, column) + amount, Decimal(0)))
    if column == "production" and record.production_gross is not None:
        record.production_gross = max(record.production_gross + amount, Decimal(0))


@transaction.atomic
def program_incomes_post(
    *,
    actor: User,
    entries: Sequence[ProgramEntry] = (),
    withdraw: Collection[str] = (),
    refresh: bool = True,
) -> set[int]:
    """Post (or correct) program payments and withdraw others (by source), in sets: each entry is counted in
    the household's record whose period contains its day, the records' amounts move by the difference, and the
    households are re-screened once (``refresh``). Every entry is checked first: EntriesRefused (by source)
    writes none. Returns the households touched."""
    gate.require(actor, ProgramIncome, "change")
    refused: dict[str, str] = {}
    seen: set[str] = set()
    for entry in entries:
        if entry.source in seen or entry.source in withdraw:
            refused[entry.source] = _("The same payment is given twice.")
        seen.add(entry.source)
        amount = Decimal(entry.amount)
        if (
            not amount.is_finite()
            or amount < 0
            or amount > AMOUNT_MAX
            or amount != amount.quantize(Decimal("0.01"))
        ):
            refused[entry.source] = _("Enter an amount from 0 to 9,999,999,999.99 yuan, to the fen.")
        if entry.program not in Program.values or entry.kind not in IncomeKind.values:
            raise TypeError(f"unknown program or income type: {entry.program} {entry.kind}")
    ids = sorted({e.household_id for e in entries})
    allowed: set[int] = set()
    for part in _chunks(ids):
        scope = gate.restrict(Household.objects.filter(pk__in=part), actor, "change")
        allowed.update(scope.values_list("pk", flat=True))
    for entry in entries:
        if entry.household_id not in allowed:
            refused[entry.source] = _("Not in your region, or no longer registered.")
    if refused:
        raise EntriesRefused(refused)

    sources = sorted(seen | set(withdraw))
    old: dict[str, ProgramIncome] = {}
    for part in _chunks(sources):
        for kept in ProgramIncome.objects.select_for_update().filter(source__in=part):
            old[kept.source] = kept
    touched = set(ids) | {kept.household_id for kept in old.values()}
    records: dict[int, list[IncomeRecord]] = defaultdict(list)
    by_pk: dict[int, IncomeRecord] = {}
    for part in _chunks(sorted(touched)):
        found = IncomeRecord.objects.select_for_update().filter(household_id__in=part)
        for held in found.order_by("household_id", "-period_start"):
            records[held.household_id].append(held)
            by_pk[held.pk] = held
    changed: dict[int, IncomeRecord] = {}
    for kept in old.values():  # take every old amount off first: a corrected entry is counted anew
        if kept.record_id is not None and kept.record_id in by_pk:
            _add(by_pk[kept.record_id], kept.kind, -kept.amount)
            changed[kept.record_id] = by_pk[kept.record_id]
    now = timezone.now()
    rows: list[ProgramIncome] = []
    record: IncomeRecord | None
    for entry in entries:
        record = _containing(records[entry.household_id], entry.on)
        if record is not None:
            _add(record, entry.kind, Decimal(entry.amount))
            changed[record.pk] = record
        rows.append(
            ProgramIncome(
                source=entry.source,
                household_id=entry.household_id,
                member_id=entry.member_id,
                program=entry.program,
                kind=entry.kind,
                on=entry.on,
                amount=Decimal(entry.amount),
                record=record,
                updated_at=now,
            )
        )
    gone = [source for source in withdraw if source in old]
    for part in _chunks(gone):
        ProgramIncome.objects.filter(source__in=part).delete()
    ProgramIncome.objects.bulk_create(
        rows,
        batch_size=CHUNK,
        update_conflicts=True,
        unique_fields=["source"],
        update_fields=["household", "member", "program", "kind", "on", "amount", "record", "updated_at"],
    )
    if changed:
        for record in changed.values():
            record.updated_at = now
        rows_update(
            IncomeRecord,
            list(changed.values()),
            ["wage", "production", "production_gross", "property_income", "transfer", "updated_at"],
        )
    if refresh and changed:
        households_refresh({r.household_id for r in changed.values()})
    return touched


def program_incomes_count_in(household_ids: Iterable[int]) -> None:
    """Mark the households' program entries as counted in the records that now cover their days (after a record
    is saved as a total: ``services.income_record``, ``incomes.incomes_save``); nothing is added."""
    ids = sorted(set(household_ids))
    for part in _chunks(ids):
        records: dict[int, list[IncomeRecord]] = defaultdict(list)
        found = IncomeRecord.objects.filter(household_id__in=part).order_by("household_id", "-period_start")
        for kept in found:
            records[kept.household_id].append(kept)
        moved: list[ProgramIncome] = []
        for entry in ProgramIncome.objects.filter(household_id__in=part):
            covering = _containing(records[entry.household_id], entry.on)
            record_id = covering.pk if covering is not None else None
            if record_id != entry.record_id:
                entry.record_id = record_id
                moved.append(entry)
        if moved:
            rows_update(ProgramIncome, moved, ["record"])


def program_totals(*, household_id: int, start: date, end: date) -> dict[str, Decimal]:
    """The program money paid to a household from ``start`` to ``end``, by the collection form's fields: what a
    new record of that period starts from."""
    sums = (
        ProgramIncome.objects.filter(household_id=household_id, on__range=(start, end))
        .values("kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {FORM_FIELD[IncomeKind(row["kind"])]: _fen(row["total"]) for row in sums}


@dataclass(frozen=True)
class ProgramLine:
    """One line of the household page's programs: what the household takes part in, this year's amount (None:
    no money), a link (blank: none)."""

    program: StrOrPromise
    what: StrOrPromise
    amount: Decimal | None = None
    url: str = ""


LineMaker = Callable[[User, Household, int], list[ProgramLine]]
_MAKERS: list[LineMaker] = []


def household_lines_register(maker: LineMaker) -> None:
    """Add a maker of the household page's program lines (a program app calls it at ready; once per function)."""
    if maker not in _MAKERS:
        _MAKERS.append(maker)


def household_programs(*, viewer: User, household: Household, year: int) -> list[ProgramLine]:
    """Every program the household takes part in: the money programs paid it in ``year`` (by program) and what
    each registered program app adds (a loan, a course, a membership)."""
    paid = (
        gate.restrict(ProgramIncome.objects.filter(household=household, on__year=year), viewer)
        .values("program")
        .annotate(total=Sum("amount"))
        .order_by("program")
    )
    labels = dict(Program.choices)
    lines = [
        ProgramLine(labels.get(row["program"], row["program"]), _("Paid this year"), _fen(row["total"]))
        for row in paid
    ]
    return lines + [line for maker in _MAKERS for line in maker(viewer, household, year)]


# -- Dashboard figures of the programs (read by dashboards.indicators; the registry does not import them) -----

Where = Callable[[str], list[Q]]  # the region filters: one Q per query, on the village code reached by a path


@dataclass(frozen=True)
class ProgramFigure:
    """One figure a program adds to the dashboards: an integer part summed per village and month, its indicator
    (label, unit, source) and, for households and people, the households behind it."""

    part: str  # the column name, unique across the dashboards: "<app>_<what>"
    en: StrOrPromise
    zh: str
    unit: str  # households, people, yuan, kW, posts, …
    kind: str  # "stock" (as of the period's end) or "flow" (during the period)
    source: str  # the policy source (docs/indicators.md)
    counts: str  # what one unit is, in English (for docs/indicators.md)
    households_of: str = ""  # a people part: the household part whose households' members it counts


@dataclass(frozen=True)
class ProgramRatio:
    """A rate a program adds to the dashboards: its parts' sums divided when read (never stored), in per cent."""

    code: str  # unique across the dashboards: "<app>_<what>"
    en: StrOrPromise
    zh: str
    kind: str  # "stock" or "flow", as its parts
    source: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]


@dataclass(frozen=True)
class ProgramFigures:
    """A program app's figures: ``compute(where, start, end)`` gives each village code its parts; ``drill(where,
    start, end, part)`` the (village code, household number, household id) of each unit a household part counts;
    ``ratios`` the rates read from its parts."""

    figures: tuple[ProgramFigure, ...]
    compute: Callable[[Where, date, date], dict[str, dict[str, int]]]
    drill: Callable[[Where, date, date, str], list[tuple[str, str, int]]]
    title: StrOrPromise = ""  # the dashboard section's title (the program's name)
    ratios: tuple[ProgramRatio, ...] = ()
