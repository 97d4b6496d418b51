"""What a loan owes when, and where it stands on a date (docs/programs.md, "Small loans": the schedule rule).

The schedule (an assumption: the banks' contracts differ, and their statement is what counts):

- the principal falls due in one sum at maturity (the disbursement day, the term in months later);
- interest falls due every three months from the disbursement day, and at maturity for the last part of a
  quarter; each instalment is the loan amount × the annual rate × its months / 12 (interest on the whole amount,
  as the principal is not due before maturity);
- once the principal is repaid in full the loan is settled: nothing falls due after that day.

As of a date, the repayments dated up to that date pay the instalments in order, oldest first (interest and
principal alike). An instalment is overdue from the day after its due day while the money paid so far does not
cover it and every instalment before it; the loan's overdue days are counted from its oldest unpaid instalment.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

CENT = Decimal("0.01")
# Overdue more than this many days: a default (the banks' non-performing rule of 90 days; an assumption).
DEFAULT_DAYS = 90


class Terms(Protocol):
    """A loan's terms (a Loan, or a row read for the dashboards)."""

    @property
    def amount(self) -> Decimal: ...
    @property
    def term_months(self) -> int: ...
    @property
    def rate(self) -> Decimal: ...
    @property
    def disbursed_on(self) -> date: ...


class Paid(Protocol):
    """A repayment's day and amounts."""

    @property
    def on(self) -> date: ...
    @property
    def principal(self) -> Decimal: ...
    @property
    def interest(self) -> Decimal: ...


def months_after(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Due:
    """One instalment: its day, what it is (interest or principal) and its amount."""

    on: date
    kind: str  # "interest" or "principal"
    amount: Decimal


def schedule(loan: Terms) -> list[Due]:
    """The loan's instalments in order (the rule in the module docstring)."""
    dues: list[Due] = []
    done = 0
    while done < loan.term_months:
        months = min(3, loan.term_months - done)
        done += months
        interest = (loan.amount * loan.rate / 100 * months / 12).quantize(CENT, ROUND_HALF_UP)
        if interest:
            dues.append(Due(months_after(loan.disbursed_on, done), "interest", interest))
    dues.append(Due(months_after(loan.disbursed_on, loan.term_months), "principal", loan.amount))
    return dues


def owed_total(loan: Terms) -> Decimal:
    """Everything the schedule asks of the household: the principal and all the interest."""
    return sum((d.amount for d in schedule(loan)), Decimal(0))


def interest_total(loan: Terms) -> Decimal:
    """All the interest the schedule asks for."""
    return sum((d.amount for d in schedule(loan) if d.kind == "interest"), Decimal(0))


@dataclass(frozen=True)
class State:
    """A loan as of a day: status, balance (principal not yet repaid), overdue days and amount, and the due day
    of its oldest unpaid instalment (the overdue spell it is in; None when not overdue)."""

    status: str  # models.Status values
    balance: Decimal
    principal_paid: Decimal
    interest_paid: Decimal
    overdue_days: int
    overdue_amount: Decimal
    overdue_since: date | None

    @property
    def defaulted(self) -> bool:
        """Overdue more than DEFAULT_DAYS."""
        return self.overdue_days > DEFAULT_DAYS


def loan_state(loan: Terms, repayments: Iterable[Paid], on: date) -> State:
    """Where the loan stands at the end of ``on`` (repayments dated later are not counted)."""
    paid = [r for r in repayments if r.on <= on]
    principal = sum((r.principal for r in paid), Decimal(0))
    interest = sum((r.interest for r in paid), Decimal(0))
    zero = Decimal(0)
    if loan.disbursed_on > on:
        return State("not_yet", zero, zero, zero, 0, zero, None)
    balance = max(loan.amount - principal, zero)
    if balance == 0:
        return State("repaid", zero, principal, interest, 0, zero, None)
    covered = principal + interest
    owed = zero
    since: date | None = None
    for due in schedule(loan):
        if due.on >= on:  # due today is not late yet
            break
        owed += due.amount
        if since is None and owed > covered:
            since = due.on
    if since is None:
        return State("current", balance, principal, interest, 0, zero, None)
    return State("overdue", balance, principal, interest, (on - since).days, owed - covered, since)
