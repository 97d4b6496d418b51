"""The claim list out to XLSX: one row per claim, every cell text, audited."""

from __future__ import annotations

import io

from django.http import HttpRequest
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import EventKind
from bottomline.audit.services import event_record
from bottomline.insurance.models import Claim
from bottomline.registry.exports import neutralise


def claims_header() -> list[str]:
    """Column titles in the user's language."""
    return [
        _("household number"),
        _("village"),
        _("policy number"),
        _("insurer's claim number"),
        _("trigger"),
        _("occurred on"),
        _("spending or loss (yuan)"),
        _("amount claimed (yuan)"),
        _("status"),
        _("assessed amount (yuan)"),
        _("reason (refusal or withdrawal)"),
        _("amount paid (yuan)"),
        _("paid on"),
    ]


def _money(value: object) -> str:
    return "" if value is None else f"{value:.2f}"


def claims_xlsx(*, viewer: User, rows: list[Claim], request: HttpRequest | None = None) -> bytes:
    """The claims (already scoped and filtered) as XLSX; the export is audited."""
    import xlsxwriter  # here, not at a web process's start-up

    gate.require(viewer, Claim, "export", request)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet(_("insurance claims"))
    text = book.add_format({"num_format": "@"})
    for c, title in enumerate(claims_header()):
        sheet.write_string(0, c, title)
    for r, claim in enumerate(rows, start=1):
        values = [
            claim.household.number,
            claim.household.village.name,
            claim.policy.number,
            claim.reference,
            claim.get_trigger_display(),
            claim.occurred_on.isoformat(),
            _money(claim.spending),
            _money(claim.claimed),
            claim.get_status_display(),
            _money(claim.assessed_amount),
            claim.reason,
            _money(claim.paid_amount),
            claim.paid_on.isoformat() if claim.paid_on else "",
        ]
        for c, value in enumerate(values):
            sheet.write_string(r, c, neutralise(str(value)), text)
    book.close()
    event_record(
        kind=EventKind.EXPORT,
        user=viewer,
        request=request,
        target="insurance.claim:xlsx",
        region=viewer.region,
        detail={"claims": len(rows)},
    )
    return buffer.getvalue()
