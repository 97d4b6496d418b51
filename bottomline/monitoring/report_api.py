"""API: a risk reported on a household raises a lead. The endpoint keeps its path under ``/registry/households``
(mounted there by ``bottomline.api``) while living in monitoring, the app that owns leads."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from bottomline.accounts import gate
from bottomline.api import ERRORS
from bottomline.monitoring.services import lead_report

router = Router(tags=["monitoring"])


class RiskReportIn(Schema):
    """A risk found on a visit (``cadre``) or reported by telephone or on paper (``staff_entry``)."""

    channel: str = Field(examples=["cadre"])
    risk_types: list[str] = Field(examples=[["illness"]])
    note: str = Field(max_length=500)


class LeadOut(Schema):
    """The open lead the report joined, and its case."""

    lead_id: int
    case_id: int | None
    first_at: datetime


@router.post("/households/{int:household_id}/leads", response={201: LeadOut, **ERRORS})
def household_report_risk(request: HttpRequest, household_id: int, data: RiskReportIn) -> Status[LeadOut]:
    """Report a risk: it raises (or joins) the household's lead, and its case waits for a visit."""
    lead = lead_report(actor=gate.staff_of(request), household_id=household_id, **data.dict())
    case = getattr(lead, "case", None)
    return Status(201, LeadOut(lead_id=lead.pk, case_id=case.pk if case else None, first_at=lead.first_at))
