"""The annual income collection (收入采集): every registered household's income of a year, entered on its page, in
the village's collection view, by import or through the API. Writes go through ``services.income_record`` (the
gate, the household size counted, the online re-evaluation); the change log names the actor. Docs:
docs/data-model.md ("Income and spending") and docs/import.md ("Incomes").

The four income types are the national forms' (工资性收入, 生产经营性收入 less 生产经营性支出, 财产性收入,
转移性收入); net production is gross production income less productive spending, computed here, never typed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, Model, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.reads import read_note
from bottomline.engine.online import households_refresh
from bottomline.regions.models import Level, Region
from bottomline.registry import services
from bottomline.registry.models import Household, IncomeRecord, Member
from bottomline.registry.programs import program_incomes_count_in

# The amounts of a record as the national forms list them, with their labels (pages, import, API alike).
INCOME_TYPES: tuple[tuple[str, Any], ...] = (
    ("wage", gettext_lazy("Wage income (工资性收入)")),
    ("production_gross", gettext_lazy("Production and operation income (生产经营性收入)")),
    ("production_expense", gettext_lazy("Productive spending (生产经营性支出)")),
    ("property_income", gettext_lazy("Property income (财产性收入)")),
    ("transfer", gettext_lazy("Transfer income (转移性收入)")),
)
RIGID_SPENDING: tuple[tuple[str, Any], ...] = (
    ("medical_out_of_pocket", gettext_lazy("Compliant out-of-pocket medical spending (合规自付医疗支出)")),
    ("education_out_of_pocket", gettext_lazy("Out-of-pocket education spending (教育支出)")),
    ("other_rigid", gettext_lazy("Other rigid spending (其他刚性支出)")),
)
AMOUNTS = tuple(name for name, _label in INCOME_TYPES + RIGID_SPENDING)
# The largest amount the columns hold (12 digits, 2 of them decimals).
AMOUNT_MAX = Decimal("9999999999.99")


def year_bounds(year: int) -> tuple[date, date]:
    """The first and last day of a collection year."""
    return date(year, 1, 1), date(year, 12, 31)


def amounts_check(amounts: Mapping[str, Decimal | None]) -> dict[str, Decimal]:
    """The record's amounts with net production computed; every amount typed is 0 or more, within the columns
    and to the fen. Raises a ValidationError naming the fields."""
    errors: dict[str, str] = {}
    values: dict[str, Decimal] = {}
    for name in AMOUNTS:
        value = amounts.get(name)
        value = Decimal(0) if value is None else Decimal(value)
        if not value.is_finite() or value < 0 or value > AMOUNT_MAX:
            errors[name] = _("Enter an amount from 0 to 9,999,999,999.99 yuan.")
        elif value != value.quantize(Decimal("0.01")):
            errors[name] = _("Enter the amount in yuan with at most two decimals.")
        values[name] = value
    if errors:
        raise ValidationError(errors)
    values["production"] = values["production_gross"] - values["production_expense"]
    return values


def income_save(
    *,
    actor: User,
    household_id: int,
    period_start: date,
    period_end: date,
    amounts: Mapping[str, Decimal | None],
    action: str = "change",
) -> IncomeRecord:
    """Record (or correct) a household's income of a period from the national forms' amounts: the household is
    re-evaluated online (``services.income_record``) and the change log names ``actor``."""
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    unknown = set(amounts) - set(AMOUNTS)
    if unknown:
        raise TypeError(f"unknown amounts: {sorted(unknown)}")
    values = amounts_check(amounts)
    return services.income_record(
        actor=actor,
        household_id=household_id,
        period_start=period_start,
        period_end=period_end,
        action=action,
        **values,
    )


@dataclass(frozen=True)
class IncomeRow:
    """One household's income of one period, in the national forms' amounts (``AMOUNTS``)."""

    household_id: int
    period_start: date
    period_end: date
    amounts: Mapping[str, Decimal | None]


def _sizes(actor: User, action: str, household_ids: Sequence[int]) -> dict[int, int]:
    """The households in the actor's region (for ``action``), by id, with their members counted."""
    sizes: dict[int, int] = {}
    ids = sorted(set(household_ids))
    for start in range(0, len(ids), services.SET_CHUNK):
        part = ids[start : start + services.SET_CHUNK]
        scope = gate.restrict(Household.objects.filter(pk__in=part), actor, action)
        sizes.update(dict.fromkeys(scope.values_list("pk", flat=True), 0))
        counted = (
            Member.objects.filter(household_id__in=part)
            .order_by()
            .values("household_id")
            .annotate(n=Count("id"))
            .values_list("household_id", "n")
        )
        for household_id, n in counted:
            if household_id in sizes:
                sizes[household_id] = n
    return sizes


def _inside(actor: User, action: str, household_ids: Sequence[int]) -> set[int]:
    """The households of the ids in the actor's region (for ``action``)."""
    inside: set[int] = set()
    ids = sorted(set(household_ids))
    for start in range(0, len(ids), services.SET_CHUNK):
        scope = gate.restrict(
            Household.objects.filter(pk__in=ids[start : start + services.SET_CHUNK]), actor, action
        )
        inside.update(scope.values_list("pk", flat=True))
    return inside


# The fields a record's change-log entry shows.
LOGGED = (*AMOUNTS, "production")
Period = tuple[int, date, date]


def _recorded(household_ids: set[int]) -> dict[Period, IncomeRecord]:
    """The households' income records by household and period."""
    found: dict[Period, IncomeRecord] = {}
    ids = sorted(household_ids)
    for start in range(0, len(ids), services.SET_CHUNK):
        for record in IncomeRecord.objects.filter(household_id__in=ids[start : start + services.SET_CHUNK]):
            found[(record.household_id, record.period_start, record.period_end)] = record
    return found


def _log(
    actor: User, before: dict[Period, IncomeRecord], after: dict[Period, IncomeRecord], keys: set[Period]
) -> None:
    """One change-log entry per record created or changed, naming the actor (what auditlog writes on a save)."""
    from auditlog.models import LogEntry

    for key in sorted(keys):
        record, old = after[key], before.get(key)
        changes = {
            name: ["None" if old is None else str(getattr(old, name)), str(getattr(record, name))]
            for name in LOGGED
            if old is None or getattr(old, name) != getattr(record, name)
        }
        if changes:
            action = LogEntry.Action.CREATE if old is None else LogEntry.Action.UPDATE
            LogEntry.objects.log_create(record, action=action, changes=changes, actor=actor)


@transaction.atomic
def incomes_save(
    *,
    actor: User,
    rows: Sequence[IncomeRow],
    action: str = "change",
    refresh: bool = True,
    logged: bool = True,
) -> set[int]:
    """Record (or correct) many households' incomes at once, as ``income_save`` does one: the amounts checked,
    the household size counted, a period already recorded replaced. Every row is checked before any is written:
    RowsRefused (keyed by the row's position) refuses them all. Writes in sets (one upsert per 500 rows);
    ``refresh=False``: the caller re-screens the households once at its end (``engine.online.households_refresh``).
    Returns the households' ids. ``logged``: a change-log entry per record created or changed, naming ``actor``
    (the caller audits the whole write as a job too, ``audit.services.job_record``)."""
    gate.require(actor, Household, action)
    sizes = _sizes(actor, action, [row.household_id for row in rows])
    refused: dict[int, list[str]] = {}
    records: list[IncomeRecord] = []
    now = timezone.now()
    for at, row in enumerate(rows):
        unknown = set(row.amounts) - set(AMOUNTS)
        if unknown:
            raise TypeError(f"unknown amounts: {sorted(unknown)}")
        size = sizes.get(row.household_id)
        if size is None:
            refused[at] = [_("Not in your region, or no longer registered.")]
            continue
        if size == 0:
            refused[at] = [_("Register the household's members before its income.")]
            continue
        if row.period_end < row.period_start:
            refused[at] = [_("The period ends before it starts.")]
            continue
        try:
            values = amounts_check(row.amounts)
        except ValidationError as exc:
            refused[at] = exc.messages
            continue
        records.append(
            IncomeRecord(
                household_id=row.household_id,
                period_start=row.period_start,
                period_end=row.period_end,
                household_size=size,
                recorded_by=actor,
                updated_at=now,
                **values,
            )
        )
    if refused:
        raise services.RowsRefused(refused)
    touched = {row.household_id for row in rows}
    before = _recorded(touched) if logged else {}
    IncomeRecord.objects.bulk_create(
        records,
        batch_size=services.SET_CHUNK,
        update_conflicts=True,
        unique_fields=["household", "period_start", "period_end"],
        update_fields=[*LOGGED, "household_size", "recorded_by", "updated_at"],
    )
    program_incomes_count_in(touched)  # the amounts are the totals, program money in them (registry.programs)
    if logged:
        _log(
            actor,
            before,
            _recorded(touched),
            {(r.household_id, r.period_start, r.period_end) for r in records},
        )
    if refresh:
        households_refresh(touched)
    return touched


@dataclass(frozen=True)
class IncomeAddition:
    """An amount to add to one column of the household's record whose period contains the day ``on`` (the
    newest such period): a department's medical claim, say."""

    household_id: int
    on: date
    amount: Decimal


def incomes_add_plan(
    *,
    actor: User,
    additions: Sequence[IncomeAddition],
    column: str = "medical_out_of_pocket",
    action: str = "change",
) -> list[int | None]:
    """Check additions and find, for each, the recorded period it goes to (the newest whose period contains its
    day; None when none does), reading the records 500 households at a time; writes nothing. RowsRefused (keyed
    by position) when any is refused: outside the actor's region, or a total out of range."""
    if column not in AMOUNTS:
        raise TypeError(f"not an amount: {column}")
    gate.require(actor, Household, action)
    inside = _inside(actor, action, [a.household_id for a in additions])
    periods: dict[int, list[tuple[int, date, date, Decimal]]] = {}
    ids = sorted(inside)
    for start in range(0, len(ids), services.SET_CHUNK):
        for pk, household_id, begin, end, amount in (
            IncomeRecord.objects.filter(household_id__in=ids[start : start + services.SET_CHUNK])
            .order_by("household_id", "-period_start")
            .values_list("pk", "household_id", "period_start", "period_end", column)
        ):
            periods.setdefault(household_id, []).append((pk, begin, end, amount))
    refused: dict[int, list[str]] = {}
    targets: list[int | None] = []
    totals: dict[int, Decimal] = {}
    for at, addition in enumerate(additions):
        if addition.household_id not in inside:
            refused[at] = [_("Not in your region, or no longer registered.")]
            targets.append(None)
            continue
        found = next((p for p in periods.get(addition.household_id, []) if p[1] <= addition.on <= p[2]), None)
        targets.append(found[0] if found else None)
        if found is None:
            continue
        total = totals.get(found[0], found[3]) + addition.amount
        if not total.is_finite() or addition.amount < 0 or total > AMOUNT_MAX:
            refused[at] = [_("Enter an amount from 0 to 9,999,999,999.99 yuan.")]
            continue
        totals[found[0]] = total
    if refused:
        raise services.RowsRefused(refused)
    return targets


def incomes_add_write(
    *,
    actor: User,
    additions: Sequence[IncomeAddition],
    targets: Sequence[int | None],
    column: str = "medical_out_of_pocket",
) -> list[bool]:
    """Write planned additions (``incomes_add_plan``'s targets) in the caller's transaction, reading nothing but
    which of the records still exist: one prepared UPDATE per record adds the amounts to what the database
    holds (``column = column + sum``, so a change made meanwhile is kept) and counts the household's members
    afresh (as ``income_record`` does). Returns, per addition, whether its record took it (False: no period,
    or the record was removed since the plan)."""
    if column not in AMOUNTS:
        raise TypeError(f"not an amount: {column}")
    sums: dict[int, Decimal] = {}
    for addition, target in zip(additions, targets, strict=True):
        if target is not None:
            sums[target] = sums.get(target, Decimal(0)) + addition.amount
    there: set[int] = set()
    ids = sorted(sums)
    for start in range(0, len(ids), services.SET_CHUNK):
        there.update(
            IncomeRecord.objects.filter(pk__in=ids[start : start + services.SET_CHUNK]).values_list(
                "pk", flat=True
            )
        )
    if there:
        quote = connection.ops.quote_name

        def name(model: type[Model], field: str) -> str:
            return quote(str(services.concrete_field(model, field).column))

        table, members = quote(IncomeRecord._meta.db_table), quote(Member._meta.db_table)
        field = services.concrete_field(IncomeRecord, column)
        now = services.concrete_field(IncomeRecord, "updated_at").get_db_prep_save(timezone.now(), connection)
        size = name(IncomeRecord, "household_size")
        sql = (
            f"UPDATE {table} SET {name(IncomeRecord, column)} = {name(IncomeRecord, column)} + %s, "  # noqa: S608  (model names, not input)
            f"{size} = COALESCE(NULLIF((SELECT COUNT(*) FROM {members} m WHERE m.{name(Member, 'household')} = "
            f"{table}.{name(IncomeRecord, 'household')}), 0), {size}), {name(IncomeRecord, 'recorded_by')} = %s, "
            f"{name(IncomeRecord, 'updated_at')} = %s WHERE {name(IncomeRecord, 'id')} = %s"
        )
        with connection.cursor() as cursor:
            cursor.executemany(
                sql,
                [[field.get_db_prep_save(sums[pk], connection), actor.pk, now, pk] for pk in sorted(there)],
            )
    return [target is not None and target in there for target in targets]


@transaction.atomic
def incomes_add(
    *,
    actor: User,
    additions: Sequence[IncomeAddition],
    column: str = "medical_out_of_pocket",
    action: str = "change",
    check: bool = False,
    refresh: bool = True,
) -> list[bool]:
    """Add amounts to recorded periods in sets (``incomes_add_plan``, then ``incomes_add_write``): the records
    are read 500 households at a time, and each changed record written with its household size counted afresh
    (as ``income_record`` does). Returns, per addition, whether a recorded period contains its day (an addition
    without one is left out). Every addition is checked before any is written: RowsRefused (keyed by position)
    refuses them all; ``check``: only check, write nothing; ``refresh`` as in ``incomes_save``."""
    targets = incomes_add_plan(actor=actor, additions=additions, column=column, action=action)
    if check:
        return [t is not None for t in targets]
    added = incomes_add_write(actor=actor, additions=additions, targets=targets, column=column)
    if refresh:
        households_refresh({a.household_id for a, took in zip(additions, added, strict=True) if took})
    return added


@transaction.atomic
def income_update(*, actor: User, record_id: int, **amounts: Decimal | None) -> IncomeRecord:
    """Correct the amounts given of a recorded period; those not given stay (its dates stay too: another period
    is another record). A record entered with the net production alone keeps it as gross income."""
    record = gate.access(IncomeRecord.objects.select_for_update(), actor, action="change", pk=record_id)
    kept: dict[str, Decimal | None] = {name: getattr(record, name) for name in AMOUNTS}
    if record.production_gross is None:
        kept["production_gross"] = max(record.production, Decimal(0))
        kept["production_expense"] = max(-record.production, Decimal(0))
    return income_save(
        actor=actor,
        household_id=record.household_id,
        period_start=record.period_start,
        period_end=record.period_end,
        amounts={**kept, **amounts},
    )


def household_incomes(*, viewer: User, household_id: int) -> tuple[Household, list[IncomeRecord]]:
    """A household and its income records, newest first (404 outside the viewer's region)."""
    household = gate.access(Household.objects.select_related("village"), viewer, pk=household_id)
    records = list(
        gate.restrict(IncomeRecord.objects.filter(household=household), viewer).order_by("-period_start")
    )
    read_note(what="registry.incomerecord", region=household.village, rows=len(records))
    return household, records


def income_get(*, viewer: User, record_id: int) -> IncomeRecord:
    """One income record (404 outside the viewer's region)."""
    record = gate.access(IncomeRecord.objects.select_related("household__village"), viewer, pk=record_id)
    read_note(what="registry.incomerecord", region=record.household.village, rows=1)
    return record


# The collection view: a village's households, done or to do for a year.
DONE, TO_DO = "done", "todo"


@dataclass(frozen=True)
class Collection:
    """One page of a village's households for a year's income collection, and the year's progress."""

    village: Region
    year: int
    total: int
    done: int
    rows: Sequence[Household]  # each with ``collected``: whether a record of the year is there
    next_after: int | None  # the id to start the next page after (None: last page)

    @property
    def to_do(self) -> int:
        return self.total - self.done

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


def collected_in(year: int) -> Exists:
    """Whether a household has an income record of the year: one whose period ends in it."""
    first, last = year_bounds(year)
    return Exists(
        IncomeRecord.objects.filter(household=OuterRef("pk"), period_end__range=(first, last)).order_by()
    )


def collection_villages(*, viewer: User) -> QuerySet[Region]:
    """The villages whose collection the viewer keeps (for the picker)."""
    return gate.restrict(Region.objects.filter(level=Level.VILLAGE), viewer).order_by("code")


def collection(
    *,
    viewer: User,
    village_code: str,
    year: int,
    status: str = "",
    after: int | None = None,
    size: int = 50,
) -> Collection:
    """A page of the village's households by number, each marked done or to do for ``year``, with the year's
    counts. Paged by keyset on the household number (a far page costs what the first does); the counts are two
    aggregate queries over the village's households, whatever its size."""
    gate.require(viewer, Household, "change")
    village = collection_villages(viewer=viewer).filter(code=village_code).first()
    if village is None:
        raise Http404
    households = gate.restrict(Household.objects.filter(village=village), viewer, "change")
    marked = households.annotate(collected=collected_in(year))
    total = households.count()
    done = marked.filter(collected=True).count()
    listed = marked
    if status == DONE:
        listed = marked.filter(collected=True)
    elif status == TO_DO:
        listed = marked.filter(collected=False)
    if after is not None:
        number = households.filter(pk=after).values_list("number", flat=True).first()
        if number is not None:
            listed = listed.filter(number__gt=number)
    found = list(listed.order_by("number")[: size + 1])
    rows = found[:size]
    read_note(what="registry.incomerecord", region=village, rows=len(rows))
    return Collection(
        village=village,
        year=year,
        total=total,
        done=done,
        rows=rows,
        next_after=rows[-1].pk if len(found) > size and rows else None,
    )
