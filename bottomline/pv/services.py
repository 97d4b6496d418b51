"""Writes of the PV ledger: stations and their months, the yearly distribution of a village's PV income, posts,
their holders and pay. Each service runs in one transaction, checks its actor at the region gate and records who
did it; pay reaches household income only through ``registry.programs.program_incomes_post``."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.pv.models import (
    Allocation,
    Assignment,
    Funding,
    Post,
    PostPay,
    Purpose,
    Source,
    Station,
    StationMonth,
    StationShare,
)
from bottomline.regions.models import Level, Region
from bottomline.registry.choices import LABOUR_CAPABLE, IncomeKind, Program
from bottomline.registry.models import Member
from bottomline.registry.programs import EntriesRefused, ProgramEntry, program_incomes_post

CENT = Decimal("0.01")
AMOUNT_MAX = Decimal("999999999999.99")


def month_start(day: date) -> date:
    """The first day of the day's month."""
    return day.replace(day=1)


def month_end(day: date) -> date:
    """The last day of the day's month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _cents(total: Decimal | float | None) -> Decimal:
    """A sum as yuan to the fen (SQLite sums decimals as floating point)."""
    return Decimal(str(total or 0)).quantize(CENT)


def _money(value: Decimal, field: str) -> Decimal:
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0 or amount > AMOUNT_MAX or amount != amount.quantize(CENT):
        raise ValidationError({field: _("Enter an amount of 0 or more, to the fen.")})
    return amount


def _village(
    actor: User, village: Region, action_model: type[Station] | type[Post] | type[Allocation]
) -> Region:
    """The village, if it is one and lies in the actor's region (else 404, as any object outside it)."""
    gate.require(actor, action_model, "change")
    return gate.access(Region.objects.filter(level=Level.VILLAGE), actor, pk=village.pk)


# -- Stations and their months ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """A village's share of a station's income, in percent."""

    village: Region
    percent: Decimal


@transaction.atomic
def station_register(
    *,
    actor: User,
    name: str,
    village: Region,
    capacity_kw: Decimal,
    grid_date: date,
    owner: str,
    grid_account: str,
    shares: Sequence[Share] = (),
) -> Station:
    """Register a station standing in a village; its income goes to the villages of ``shares`` (percent adding
    up to 100; none: all to the village it stands in)."""
    village = _village(actor, village, Station)
    shares = _shares_check(actor, village, shares)
    if Station.objects.filter(grid_account=grid_account).exists():
        raise ValidationError({"grid_account": _("A station with this grid account is registered already.")})
    station = Station(
        name=name,
        village=village,
        capacity_kw=capacity_kw,
        grid_date=grid_date,
        owner=owner,
        grid_account=grid_account,
        created_by=actor,
    )
    station.full_clean()
    station.save()
    StationShare.objects.bulk_create(
        [StationShare(station=station, village=s.village, percent=s.percent) for s in shares]
    )
    return station


def _shares_check(actor: User, village: Region, shares: Sequence[Share]) -> list[Share]:
    """The shares (none: all to the station's own village), adding up to 100 %, each village once and in the
    actor's region."""
    shares = list(shares) or [Share(village, Decimal(100))]
    if sum((s.percent for s in shares), Decimal(0)) != Decimal(100) or any(s.percent <= 0 for s in shares):
        raise ValidationError({"shares": _("The villages' shares must add up to 100 %.")})
    if len({s.village.pk for s in shares}) != len(shares):
        raise ValidationError({"shares": _("A village is given twice.")})
    for share in shares:
        _village(actor, share.village, Station)
    return shares


@transaction.atomic
def station_change(
    *,
    actor: User,
    station_id: int,
    name: str,
    village: Region,
    capacity_kw: Decimal,
    grid_date: date,
    owner: str,
    grid_account: str,
    shares: Sequence[Share] = (),
) -> Station:
    """Correct a station's record and the villages sharing its income. The villages' PV income of every year
    changes with the shares: a correction that would leave a village having distributed more of a year's income
    than it now has is refused whole. Audited (auditlog)."""
    station = gate.access(Station.objects.select_for_update(), actor, action="change", pk=station_id)
    village = _village(actor, village, Station)
    shares = _shares_check(actor, village, shares)
    if Station.objects.filter(grid_account=grid_account).exclude(pk=station.pk).exists():
        raise ValidationError({"grid_account": _("A station with this grid account is registered already.")})
    before = set(StationShare.objects.filter(station=station).values_list("village_id", flat=True))
    touched = sorted(before | {s.village.pk for s in shares})
    for village_id in touched:
        _lock_village(village_id)
    with set_actor(actor):
        station.name, station.village, station.capacity_kw = name, village, capacity_kw
        station.grid_date, station.owner, station.grid_account = grid_date, owner, grid_account
        station.full_clean()
        station.save()
        kept = {s.village.pk: s for s in shares}
        for old in StationShare.objects.filter(station=station):
            if old.village_id not in kept:
                old.delete()
            elif old.percent != kept[old.village_id].percent:
                old.percent = kept.pop(old.village_id).percent
                old.save(update_fields=["percent"])
            else:
                kept.pop(old.village_id)
        for share in kept.values():
            StationShare.objects.create(station=station, village=share.village, percent=share.percent)
    for village_id, year in (
        Allocation.objects.filter(village_id__in=touched).values_list("village_id", "year").distinct()
    ):
        try:
            _check_not_over(village_id, year)
        except ValidationError:
            name_of = Region.objects.get(pk=village_id).name
            raise ValidationError(
                {
                    "shares": _(
                        "%(village)s has distributed more of its %(year)d PV income than these shares leave it."
                    )
                    % {"village": name_of, "year": year}
                }
            ) from None
    return station


def station_year_income(station_id: int, year: int) -> Decimal:
    """A station's income in a year (the months of that year)."""
    total = StationMonth.objects.filter(station_id=station_id, month__year=year).aggregate(t=Sum("income"))[
        "t"
    ]
    return _cents(total)


def village_year_income(village_id: int, year: int) -> Decimal:
    """A village's share of the year's income of every station it shares in, each share rounded down to the fen
    (so the villages of one station never get more than it earned)."""
    total = Decimal("0.00")
    for share in StationShare.objects.filter(village_id=village_id):
        income = station_year_income(share.station_id, year)
        total += (income * share.percent / 100).quantize(CENT, rounding=ROUND_DOWN)
    return total


def village_year_allocated(village_id: int, year: int) -> Decimal:
    """What is allocated of a village's PV income of a year."""
    total = Allocation.objects.filter(village_id=village_id, year=year).aggregate(t=Sum("amount"))["t"]
    return _cents(total)


def _lock_village(village_id: int) -> None:
    """Serialise the writes that check one village's totals (a second one waits for the first)."""
    list(Region.objects.select_for_update().filter(pk=village_id).values_list("pk", flat=True))


def _check_not_over(village_id: int, year: int) -> None:
    income, allocated = village_year_income(village_id, year), village_year_allocated(village_id, year)
    if allocated > income:
        raise ValidationError(
            {
                "amount": _(
                    "This would distribute %(allocated)s yuan of the village's %(year)d PV income of "
                    "%(income)s yuan: never more than the income."
                )
                % {"allocated": allocated, "year": year, "income": income}
            }
        )


@transaction.atomic
def station_month_record(
    *,
    actor: User,
    station_id: int,
    month: date,
    generation_kwh: Decimal,
    income: Decimal,
    source: str = Source.ENTERED,
) -> StationMonth:
    """Record (or correct) a station's month. A correction that would leave a sharing village with more
    distributed than its share of the year's income is refused."""
    station = gate.access(Station.objects.all(), actor, action="change", pk=station_id)
    month = month_start(month)
    if month < month_start(station.grid_date):
        raise ValidationError({"month": _("The station was not on the grid yet in that month.")})
    if month > month_start(timezone.localdate()):
        raise ValidationError({"month": _("That month has not begun.")})
    villages = list(station.shares.values_list("village_id", flat=True))
    for village_id in sorted(villages):
        _lock_village(village_id)
    row, _created = StationMonth.objects.update_or_create(
        station=station,
        month=month,
        defaults={
            "generation_kwh": _money(generation_kwh, "generation_kwh"),
            "income": _money(income, "income"),
            "source": source,
            "recorded_by": actor,
        },
    )
    for village_id in villages:
        try:
            _check_not_over(village_id, month.year)
        except ValidationError:
            raise ValidationError(
                {"income": _("A village sharing this station has distributed more than this would leave it.")}
            ) from None
    return row


# -- Distribution -------------------------------------------------------------------------------------------


@transaction.atomic
def allocation_record(
    *,
    actor: User,
    village: Region,
    year: int,
    purpose: str,
    amount: Decimal,
    decided_on: date,
    note: str = "",
    allocation_id: int | None = None,
) -> Allocation:
    """Allocate part of a village's share of a year's PV income (or correct an allocation, ``allocation_id``);
    refused if the year's allocations would then exceed that share."""
    village = _village(actor, village, Allocation)
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": _("Choose a purpose.")})
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Enter a year such as 2026.")})
    if decided_on.year < year:
        raise ValidationError({"decided_on": _("A year's income is distributed in that year or later.")})
    if decided_on > timezone.localdate():
        raise ValidationError({"decided_on": _("That day has not come yet.")})
    _lock_village(village.pk)
    if allocation_id is None:
        allocation = Allocation(village=village, year=year)
    else:
        allocation = gate.access(
            Allocation.objects.filter(village=village, year=year), actor, action="change", pk=allocation_id
        )
    allocation.purpose = purpose
    allocation.amount = _money(amount, "amount")
    allocation.decided_on = decided_on
    allocation.note = note
    allocation.recorded_by = actor
    allocation.full_clean()
    allocation.save()
    _check_not_over(village.pk, year)
    _check_post_pay(village.pk, year)
    return allocation


def pv_post_pay_total(village_id: int, year: int) -> Decimal:
    """The pay of a village's PV-funded posts for the months of a year."""
    total = PostPay.objects.filter(
        assignment__post__village_id=village_id,
        assignment__post__funding=Funding.PV_INCOME,
        month__year=year,
    ).aggregate(t=Sum("amount"))["t"]
    return _cents(total)


def _check_post_pay(village_id: int, year: int) -> None:
    """PV-funded posts are paid out of the year's allocation to posts, never beyond it."""
    allocated = _cents(
        Allocation.objects.filter(village_id=village_id, year=year, purpose=Purpose.POSTS).aggregate(
            t=Sum("amount")
        )["t"]
    )
    paid = pv_post_pay_total(village_id, year)
    if paid > allocated:
        raise ValidationError(
            {
                "amount": _(
                    "The village's PV-funded posts are paid %(paid)s yuan for %(year)d, more than the "
                    "%(allocated)s yuan allocated to posts."
                )
                % {"paid": paid, "year": year, "allocated": allocated}
            }
        )


# -- Posts, holders, pay ------------------------------------------------------------------------------------


@transaction.atomic
def post_create(
    *,
    actor: User,
    village: Region,
    kind: str,
    funding: str,
    monthly_pay: Decimal,
    start: date,
    end: date | None = None,
    note: str = "",
) -> Post:
    """Create a public-welfare post in a village."""
    village = _village(actor, village, Post)
    if end is not None and end < start:
        raise ValidationError({"end": _("The post ends before it begins.")})
    post = Post(
        village=village,
        kind=kind,
        funding=funding,
        monthly_pay=_money(monthly_pay, "monthly_pay"),
        start=start,
        end=end,
        note=note,
        created_by=actor,
    )
    post.full_clean()
    post.save()
    return post


def _overlaps(start: date, end: date | None) -> Q:
    """Assignments whose period meets [start, end] (an open end: to the end of time)."""
    q = Q(end__isnull=True) | Q(end__gte=start)
    return q & Q(start__lte=end) if end is not None else q


@transaction.atomic
def post_assign(*, actor: User, post_id: int, member_id: int, start: date) -> Assignment:
    """Give a post to a member of its village who can work (labour capacity in the registry), from ``start``:
    one holder at a time, one post per person."""
    post = gate.access(Post.objects.select_for_update(), actor, action="change", pk=post_id)
    member = gate.access(Member.objects.select_related("household"), actor, action="change", pk=member_id)
    household = member.household
    if household is None:
        raise ValidationError({"member": _("This person is no longer in a registered household.")})
    if household.village_id != post.village_id:
        raise ValidationError({"member": _("A post goes to a member of its own village.")})
    if member.labour not in LABOUR_CAPABLE:
        raise ValidationError(
            {
                "member": _(
                    "The registry gives this member no labour capacity: a post needs someone who can work."
                )
            }
        )
    if start < post.start or (post.end is not None and start > post.end):
        raise ValidationError({"start": _("The post does not exist on that day.")})
    if post.assignments.filter(_overlaps(start, None)).exists():
        raise ValidationError({"start": _("The post has a holder then: end that holder's term first.")})
    if Assignment.objects.filter(_overlaps(start, None), member=member).exists():
        raise ValidationError({"member": _("This member holds another post then (one post per person).")})
    return Assignment.objects.create(
        post=post, member=member, household=household, start=start, end=post.end, recorded_by=actor
    )


@transaction.atomic
def assignment_end(*, actor: User, assignment_id: int, end: date) -> Assignment:
    """End a holder's term on ``end`` (the months paid after it must be withdrawn first)."""
    assignment = gate.access(Assignment.objects.select_for_update(), actor, action="change", pk=assignment_id)
    if end < assignment.start:
        raise ValidationError({"end": _("The term ends before it begins.")})
    if assignment.pays.filter(month__gt=end).exists():
        raise ValidationError({"end": _("Months after this day are paid already.")})
    assignment.end = end
    assignment.save(update_fields=["end"])
    return assignment


@transaction.atomic
def post_pay_record(
    *,
    actor: User,
    assignment_id: int,
    month: date,
    paid_on: date,
    amount: Decimal | None = None,
) -> PostPay:
    """Record (or correct) a month's pay of a post holder, after the work (paid in the month or later, never
    in advance); it becomes the holder's household's wage income from ``paid_on``. A PV-funded post's pay of a
    year stays within the village's allocation to posts for that year."""
    gate.require(actor, Post, "pay")
    assignment = gate.access(
        Assignment.objects.select_related("post", "member"), actor, action="view", pk=assignment_id
    )
    post = assignment.post
    gate.access(Post.objects.all(), actor, action="pay", pk=post.pk)
    month = month_start(month)
    if month < month_start(assignment.start) or (
        assignment.end is not None and month > month_start(assignment.end)
    ):
        raise ValidationError({"month": _("The member did not hold the post in that month.")})
    if paid_on < month:
        raise ValidationError({"paid_on": _("Pay follows the work: not before the month worked.")})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("That day has not come yet.")})
    pay_amount = _money(post.monthly_pay if amount is None else amount, "amount")
    if post.funding == Funding.PV_INCOME:
        _lock_village(post.village_id)
    pay, _created = PostPay.objects.update_or_create(
        assignment=assignment,
        month=month,
        defaults={"amount": pay_amount, "paid_on": paid_on, "recorded_by": actor},
    )
    if post.funding == Funding.PV_INCOME:
        _check_post_pay(post.village_id, month.year)
    try:
        program_incomes_post(
            actor=actor,
            entries=[
                ProgramEntry(
                    source=pay.source,
                    household_id=assignment.household_id,
                    member_id=assignment.member_id,
                    program=Program.WELFARE_POST,
                    kind=IncomeKind.WAGE,
                    on=paid_on,
                    amount=pay_amount,
                )
            ],
        )
    except EntriesRefused as exc:
        raise ValidationError({"amount": list(exc.refused.values())}) from None
    return pay
