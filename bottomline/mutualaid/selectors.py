"""Reads of the mutual-aid funds, always through the region gate: associations with their balance sheets as of a
date, members, loans with their states, and the cash book a new outflow is checked against."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.reads import read_note
from bottomline.mutualaid.ledger import CashMove, LoanState, Sheet, fen, loan_state
from bottomline.mutualaid.models import Association, Contribution, Loan, Membership, Repayment, Source
from bottomline.regions.models import Region


def associations_visible(viewer: User, action: str = "view") -> QuerySet[Association]:
    """The associations the viewer may see (or act on)."""
    return gate.restrict(Association.objects.all(), viewer, action)


def association_ids(
    *, viewer: User, region: Region | None = None, name: str = "", status: str = ""
) -> list[int]:
    """The ids of the associations the viewer may see in ``region`` (their own by default), by village code."""
    rows = associations_visible(viewer)
    if region is not None:
        rows = rows.filter(village__code__range=region.bounds)
    if name:
        rows = rows.filter(Q(name__icontains=name) | Q(village__name__icontains=name))
    if status:
        rows = rows.filter(status=status)
    return list(rows.order_by("village__code", "id").values_list("pk", flat=True))


def association_rows(ids: Sequence[int]) -> list[Association]:
    """The associations of ``ids`` (already scoped) in that order, with their villages."""
    found = Association.objects.select_related("village").in_bulk(list(ids))
    return [found[pk] for pk in ids if pk in found]


def association_get(*, viewer: User, association_id: int, action: str = "view") -> Association:
    """One association the viewer may see (404 outside their region)."""
    return gate.access(
        Association.objects.select_related("village"), viewer, action=action, pk=association_id
    )


def _by_association(rows: Iterable[tuple[int, Decimal | None]]) -> dict[int, Decimal]:
    return {pk: fen(total or 0) for pk, total in rows}


def sheets_of(ids: Iterable[int], on: date) -> dict[int, Sheet]:
    """The balance sheets of the associations at the end of ``on`` (five queries however many; unscoped: the
    caller passes ids it may see)."""
    wanted = sorted(set(ids))
    sheets = {pk: Sheet(on=on) for pk in wanted}
    if not wanted:
        return sheets
    contributions = (
        Contribution.objects.filter(association_id__in=wanted, on__lte=on)
        .values_list("association_id", "source")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for pk, source, total in contributions:
        sheet = sheets[pk]
        if source == Source.FISCAL:
            sheet.fiscal = fen(total)
        elif source == Source.DONATION:
            sheet.donations = fen(total)
        else:
            sheet.fees_capital = fen(total)
    members = (
        Membership.objects.filter(association_id__in=wanted, joined_on__lte=on)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=on))
        .values_list("association_id")
        .annotate(total=Sum("share"), n=Count("id"))
        .order_by()
    )
    for pk, total, n in members:
        sheets[pk].shares, sheets[pk].members = fen(total or 0), n
    lent = (
        Loan.objects.filter(association_id__in=wanted, disbursed_on__lte=on)
        .values_list("association_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for pk, total in _by_association(lent).items():
        sheets[pk].lent = total
    repaid = (
        Repayment.objects.filter(loan__association_id__in=wanted, on__lte=on)
        .values_list("loan__association_id")
        .annotate(principal=Sum("principal"), fee=Sum("fee"))
        .order_by()
    )
    for pk, principal, fee in repaid:
        sheets[pk].principal_repaid, sheets[pk].fees_received = fen(principal or 0), fen(fee or 0)
    return sheets


def cash_book(association_id: int) -> list[CashMove]:
    """Every movement of the fund's cash, from the records (fees turned into capital move no cash)."""
    moves = [
        CashMove(on, amount)
        for on, amount in Contribution.objects.filter(association_id=association_id)
        .exclude(source=Source.FEES)
        .values_list("on", "amount")
    ]
    for joined, left, share in Membership.objects.filter(association_id=association_id).values_list(
        "joined_on", "left_on", "share"
    ):
        moves.append(CashMove(joined, share))
        if left is not None:
            moves.append(CashMove(left, -share))
    moves += [
        CashMove(on, -amount)
        for on, amount in Loan.objects.filter(association_id=association_id).values_list(
            "disbursed_on", "amount"
        )
    ]
    moves += [
        CashMove(on, principal + fee)
        for on, principal, fee in Repayment.objects.filter(loan__association_id=association_id).values_list(
            "on", "principal", "fee"
        )
    ]
    return moves


@dataclass(frozen=True)
class LoanRow:
    """A loan with its household number and village, and its state on a day."""

    loan: Loan
    state: LoanState


def repayments_of(loan_ids: Iterable[int], on: date | None = None) -> dict[int, list[Repayment]]:
    """The repayments of the loans (dated up to ``on``), by loan id."""
    ids = sorted(set(loan_ids))
    found: dict[int, list[Repayment]] = defaultdict(list)
    for start in range(0, len(ids), 1000):
        rows = Repayment.objects.filter(loan_id__in=ids[start : start + 1000])
        if on is not None:
            rows = rows.filter(on__lte=on)
        for repayment in rows.order_by("on", "id"):
            found[repayment.loan_id].append(repayment)
    return found


def loan_rows(loans: QuerySet[Loan], on: date) -> list[LoanRow]:
    """The loans (already scoped) with their states at the end of ``on``."""
    listed = list(loans.select_related("household", "household__village", "association"))
    paid = repayments_of((loan.pk for loan in listed), on)
    return [LoanRow(loan, loan_state(loan, paid[loan.pk], on)) for loan in listed]


def loans_of(*, viewer: User, association: Association, on: date) -> list[LoanRow]:
    """The association's loans disbursed by ``on`` (newest first) with their states then (audited read)."""
    loans = gate.restrict(Loan.objects.filter(association=association, disbursed_on__lte=on), viewer)
    rows = loan_rows(loans.order_by("-disbursed_on", "-id"), on)
    read_note(what="mutualaid.loan", region=association.village, rows=len(rows))
    return rows


def members_of(*, viewer: User, association: Association, on: date) -> list[Membership]:
    """The association's members at the end of ``on`` (audited read)."""
    rows = list(
        gate.restrict(Membership.objects.filter(association=association, joined_on__lte=on), viewer)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=on))
        .select_related("household")
        .order_by("household__number")
    )
    read_note(what="mutualaid.membership", region=association.village, rows=len(rows))
    return rows


def loan_get(*, viewer: User, loan_id: int) -> Loan:
    """One loan the viewer may see (404 outside their region)."""
    loan = gate.access(
        Loan.objects.select_related("household", "household__village", "association"), viewer, pk=loan_id
    )
    read_note(what="mutualaid.loan", region=loan.household.village, rows=1)
    return loan


def loans_export(*, viewer: User, region: Region, on: date) -> list[LoanRow]:
    """The loans of the region the viewer may see, disbursed by ``on``, with their states then."""
    loans = gate.restrict(
        Loan.objects.filter(household__village__code__range=region.bounds, disbursed_on__lte=on), viewer
    ).order_by("association__village__code", "-disbursed_on", "-id")
    rows = loan_rows(loans, on)
    read_note(what="mutualaid.loan", region=region, rows=len(rows))
    return rows


def total_of(sheets: Iterable[Sheet], on: date) -> Sheet:
    """The sum of several funds' balance sheets (a region's)."""
    total = Sheet(on=on)
    for sheet in sheets:
        total.fiscal += sheet.fiscal
        total.shares += sheet.shares
        total.donations += sheet.donations
        total.fees_capital += sheet.fees_capital
        total.fees_received += sheet.fees_received
        total.lent += sheet.lent
        total.principal_repaid += sheet.principal_repaid
        total.members += sheet.members
    return total
