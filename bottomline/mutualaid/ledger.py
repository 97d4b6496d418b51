"""The fund's arithmetic, as of a date (docs/programs.md, "Village mutual-aid funds"): a loan's state and the
association's balance sheet. Pure functions of the dated records; nothing here is stored.

A loan's schedule (an assumption: the funds' charters differ; domain.md §3.3 leaves terms to each fund): the
principal and the whole use fee (amount × annual rate × months / 12) fall due at maturity. Paid earlier is
fine. As of a date a loan is overdue from the day after maturity while principal or fee is unpaid.

The balance sheet (资产负债) of a fund at the end of a day:

- capital by source: fiscal funds, members' shares (of the members at that day), donations, and use fees
  turned into capital; their sum is the capital;
- use fees received, of which turned into capital, and the rest retained;
- loans outstanding: the principal lent and not repaid;
- cash = capital + fees retained − loans outstanding (the money the fund holds);
- occupancy rate (资金占用率) = loans outstanding / capital.

It reconciles by construction and is checked against the cash book: every cash movement (contributions other
than fees turned into capital, shares paid in and refunded, loans out, principal and fees in) sums to the same
cash (tests: test_ledger).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from bottomline.loans.schedule import months_after

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def fen(value: Decimal | int) -> Decimal:
    """A sum to the fen (SQLite sums decimals without their places)."""
    return Decimal(value).quantize(CENT)


def fee_of(amount: Decimal, rate: Decimal, months: int) -> Decimal:
    """The use fee of a loan's whole term."""
    return (amount * rate / 100 * months / 12).quantize(CENT, ROUND_HALF_UP)


class Terms(Protocol):
    @property
    def amount(self) -> Decimal: ...
    @property
    def term_months(self) -> int: ...
    @property
    def fee_rate(self) -> Decimal: ...
    @property
    def disbursed_on(self) -> date: ...


class Paid(Protocol):
    @property
    def on(self) -> date: ...
    @property
    def principal(self) -> Decimal: ...
    @property
    def fee(self) -> Decimal: ...


@dataclass(frozen=True)
class LoanState:
    """A loan at the end of a day: status (loans.models.Status values), principal outstanding, what was paid,
    the use fee still owed, overdue days (0 unless overdue)."""

    status: str
    balance: Decimal
    principal_paid: Decimal
    fee_paid: Decimal
    fee_owed: Decimal
    overdue_days: int
    due_on: date

    @property
    def owed(self) -> Decimal:
        """Principal and use fee still owed."""
        return self.balance + self.fee_owed


def loan_state(loan: Terms, repayments: Iterable[Paid], on: date) -> LoanState:
    """Where the loan stands at the end of ``on`` (repayments dated later are not counted)."""
    due = months_after(loan.disbursed_on, loan.term_months)
    if loan.disbursed_on > on:
        return LoanState("not_yet", ZERO, ZERO, ZERO, ZERO, 0, due)
    paid = [r for r in repayments if r.on <= on]
    principal = sum((r.principal for r in paid), ZERO)
    fee = sum((r.fee for r in paid), ZERO)
    balance = max(loan.amount - principal, ZERO)
    fee_owed = max(fee_of(loan.amount, loan.fee_rate, loan.term_months) - fee, ZERO)
    if balance == 0 and fee_owed == 0:
        return LoanState("repaid", ZERO, principal, fee, ZERO, 0, due)
    if on > due:
        return LoanState("overdue", balance, principal, fee, fee_owed, (on - due).days, due)
    return LoanState("current", balance, principal, fee, fee_owed, 0, due)


@dataclass
class Sheet:
    """A fund's balance sheet at the end of ``on`` (the module docstring)."""

    on: date
    fiscal: Decimal = ZERO
    shares: Decimal = ZERO
    donations: Decimal = ZERO
    fees_capital: Decimal = ZERO  # use fees turned into capital
    fees_received: Decimal = ZERO
    lent: Decimal = ZERO  # every loan disbursed so far
    principal_repaid: Decimal = ZERO
    members: int = 0

    @property
    def capital(self) -> Decimal:
        return self.fiscal + self.shares + self.donations + self.fees_capital

    @property
    def fees_retained(self) -> Decimal:
        """Use fees received and not turned into capital."""
        return self.fees_received - self.fees_capital

    @property
    def outstanding(self) -> Decimal:
        """Principal lent and not repaid."""
        return self.lent - self.principal_repaid

    @property
    def cash(self) -> Decimal:
        return self.capital + self.fees_retained - self.outstanding

    @property
    def sources(self) -> Decimal:
        """What the fund holds money from: capital and retained fees."""
        return self.capital + self.fees_retained

    @property
    def uses(self) -> Decimal:
        """Where the money is: lent out or in cash (equal to ``sources``)."""
        return self.outstanding + self.cash

    @property
    def occupancy(self) -> float | None:
        """Loans outstanding / capital, per cent (None without capital)."""
        return round(float(self.outstanding * 100 / self.capital), 1) if self.capital else None


@dataclass(frozen=True)
class CashMove:
    """One movement of the fund's cash: a day and a signed amount (in: positive)."""

    on: date
    amount: Decimal


def cash_on(moves: Iterable[CashMove], on: date) -> Decimal:
    """The cash at the end of ``on`` from the cash book."""
    return sum((m.amount for m in moves if m.on <= on), ZERO)


def cash_floor(moves: Iterable[CashMove], start: date) -> Decimal:
    """The least cash the fund holds at the end of any day from ``start`` on (a new outflow dated ``start`` may
    take at most this: later outflows already recorded must still be covered)."""
    ordered = sorted(moves, key=lambda m: m.on)
    running = sum((m.amount for m in ordered if m.on <= start), ZERO)
    low = running
    for move in ordered:
        if move.on > start:
            running += move.amount
            low = min(low, running)
    return low
