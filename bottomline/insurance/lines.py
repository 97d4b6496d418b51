"""The household page's lines for insurance (registry.programs.household_lines_register): the policies covering
the household today, and its claims (the amount: what was paid, or the amount claimed while undecided)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bottomline.accounts.models import User
from bottomline.insurance.models import ClaimStatus
from bottomline.insurance.selectors import claims_visible, policies_covering
from bottomline.registry.models import Household
from bottomline.registry.programs import ProgramLine


def insurance_lines(viewer: User, household: Household, year: int) -> list[ProgramLine]:
    """Coverage today (one line per policy) and each claim not withdrawn, with its status."""
    today = timezone.localdate()
    lines = [
        ProgramLine(
            _("Anti-poverty insurance"),
            _("Covered by %(policy)s until %(end)s") % {"policy": p.name, "end": p.end.isoformat()},
            None,
            reverse("insurance:policy_detail", args=[p.pk]),
        )
        for p in policies_covering(viewer=viewer, household=household, on=today)
    ]
    claims = claims_visible(viewer).filter(household=household).exclude(status=ClaimStatus.WITHDRAWN)
    for claim in claims.order_by("occurred_on", "id"):
        what = _("Claim: %(trigger)s, %(status)s") % {
            "trigger": claim.get_trigger_display(),
            "status": claim.get_status_display(),
        }
        if claim.paid_on is not None:
            what = _("Claim: %(trigger)s, paid on %(day)s") % {
                "trigger": claim.get_trigger_display(),
                "day": claim.paid_on.isoformat(),
            }
        amount = claim.paid_amount if claim.status == ClaimStatus.PAID else claim.claimed
        lines.append(
            ProgramLine(
                _("Anti-poverty insurance claim"),
                what,
                amount,
                reverse("insurance:claim_detail", args=[claim.pk]),
            )
        )
    return lines
