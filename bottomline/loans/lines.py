"""The household page's lines for loans (registry.programs.household_lines_register): each loan with a balance."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bottomline.accounts.models import User
from bottomline.loans.models import Status
from bottomline.loans.schedule import loan_state
from bottomline.loans.selectors import loans_visible, repayments_of
from bottomline.registry.models import Household
from bottomline.registry.programs import ProgramLine


def loan_lines(viewer: User, household: Household, year: int) -> list[ProgramLine]:
    """The household's loans with a balance today (the amount: the balance; a loan is not income)."""
    loans = list(loans_visible(viewer).filter(household=household).order_by("disbursed_on", "id"))
    today = timezone.localdate()
    paid = repayments_of((loan.pk for loan in loans), today)
    lines: list[ProgramLine] = []
    for loan in loans:
        state = loan_state(loan, paid[loan.pk], today)
        if state.balance <= 0:
            continue
        what = _("%(lender)s, due %(due)s: balance") % {
            "lender": loan.lender,
            "due": loan.maturity.isoformat(),
        }
        if state.status == Status.OVERDUE:
            what = _("%(lender)s, overdue %(days)d days: balance") % {
                "lender": loan.lender,
                "days": state.overdue_days,
            }
        lines.append(
            ProgramLine(_("Small loan"), what, state.balance, reverse("loans:detail", args=[loan.pk]))
        )
    return lines
