"""Reading leads, always through the region gate."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from bottomline.accounts import gate
from bottomline.monitoring.models import Lead, LeadStatus


def lead_list(*, viewer: Any, open_only: bool = True) -> QuerySet[Lead]:
    """The leads of the viewer's region, oldest first."""
    leads = gate.restrict(Lead.objects.select_related("household"), viewer)
    return leads.filter(status=LeadStatus.OPEN) if open_only else leads


def household_leads(*, viewer: Any, household_id: int) -> QuerySet[Lead]:
    """The leads of one household the viewer may see, with their signals."""
    return (
        lead_list(viewer=viewer, open_only=False)
        .filter(household_id=household_id)
        .prefetch_related("signals")
    )
