"""The household page's lines for the mutual-aid funds (registry.programs.household_lines_register): the fund
membership with its share, and each loan owing with its balance. Neither a loan nor its use fee is income."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.mutualaid.ledger import loan_state
from bottomline.mutualaid.models import Loan, Membership
from bottomline.mutualaid.selectors import repayments_of
from bottomline.registry.models import Household
from bottomline.registry.programs import ProgramLine


def mutualaid_lines(viewer: User, household: Household, year: int) -> list[ProgramLine]:
    """The household's membership today (the amount: its share) and its loans owing (the amount: the balance)."""
    today = timezone.localdate()
    lines: list[ProgramLine] = []
    program = _("Mutual-aid fund")
    members = gate.restrict(
        Membership.objects.filter(household=household, joined_on__lte=today), viewer
    ).filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
    for membership in members.select_related("association"):
        what = _("Member of %(name)s since %(day)s: share") % {
            "name": membership.association.name,
            "day": membership.joined_on.isoformat(),
        }
        url = reverse("mutualaid:detail", args=[membership.association_id])
        lines.append(ProgramLine(program, what, membership.share, url))
    loans = list(
        gate.restrict(Loan.objects.filter(household=household), viewer).order_by("disbursed_on", "id")
    )
    paid = repayments_of((loan.pk for loan in loans), today)
    for loan in loans:
        state = loan_state(loan, paid[loan.pk], today)
        if state.owed <= 0:
            continue
        if state.status == "overdue":
            what = _("Loan %(number)s, overdue %(days)d days: balance") % {
                "number": loan.number,
                "days": state.overdue_days,
            }
        else:
            what = _("Loan %(number)s, due %(due)s: balance") % {
                "number": loan.number,
                "due": state.due_on.isoformat(),
            }
        lines.append(
            ProgramLine(program, what, state.balance, reverse("mutualaid:loan_detail", args=[loan.pk]))
        )
    return lines
