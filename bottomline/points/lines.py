"""The household page's line for the points supermarkets (registry.programs.household_lines_register): the
household's point balance and this year's points earned and spent. Points are not income: no amount."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.points.models import Account, Entry, Redemption
from bottomline.points.selectors import balances, flows
from bottomline.registry.models import Household
from bottomline.registry.programs import ProgramLine


def points_lines(viewer: User, household: Household, year: int) -> list[ProgramLine]:
    """One line when the household has points: its balance today, and ``year``'s earned and spent."""
    if not gate.restrict(Account.objects.filter(household=household), viewer).exists() and not (
        gate.restrict(Entry.objects.filter(household=household), viewer).exists()
        or gate.restrict(Redemption.objects.filter(household=household), viewer).exists()
    ):
        return []
    today = timezone.localdate()
    balance = balances([household.pk], today)[household.pk]
    flow = flows(household.pk, date(year, 1, 1), date(year, 12, 31))
    what = _("Balance %(balance)d points; this year earned %(earned)d, spent %(spent)d") % {
        "balance": balance,
        "earned": flow.earned,
        "spent": flow.spent,
    }
    return [ProgramLine(_("Points supermarket"), what)]
