"""The mutual-aid loans out to XLSX: one row per loan with its state as of a day, every cell text, audited."""

from __future__ import annotations

import io
from datetime import date

from django.http import HttpRequest
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import EventKind
from bottomline.audit.services import event_record
from bottomline.loans.models import Status
from bottomline.mutualaid.models import Loan
from bottomline.mutualaid.selectors import LoanRow
from bottomline.registry.exports import neutralise


def loans_header() -> list[str]:
    """Column titles in the user's language."""
    return [
        _("association"),
        _("village"),
        _("household number"),
        _("loan number"),
        _("amount (yuan)"),
        _("term (months)"),
        _("use-fee rate (% a year)"),
        _("purpose"),
        _("disbursed on"),
        _("due on"),
        _("status"),
        _("balance (yuan)"),
        _("use fee owed (yuan)"),
        _("overdue days"),
    ]


def loans_xlsx(*, viewer: User, rows: list[LoanRow], on: date, request: HttpRequest | None = None) -> bytes:
    """The loans (already scoped, with their states as of ``on``) as XLSX; the export is audited."""
    import xlsxwriter  # here, not at a web process's start-up

    gate.require(viewer, Loan, "export", request)
    statuses = dict(Status.choices)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet(_("mutual-aid loans"))
    text = book.add_format({"num_format": "@"})
    sheet.write_string(0, 0, _("As of %(day)s") % {"day": on.isoformat()})
    for c, title in enumerate(loans_header()):
        sheet.write_string(1, c, title)
    for r, row in enumerate(rows, start=2):
        loan, state = row.loan, row.state
        values = [
            loan.association.name,
            loan.household.village.name,
            loan.household.number,
            loan.number,
            f"{loan.amount:.2f}",
            str(loan.term_months),
            f"{loan.fee_rate:.2f}",
            loan.get_purpose_display(),
            loan.disbursed_on.isoformat(),
            state.due_on.isoformat(),
            str(statuses[state.status]),
            f"{state.balance:.2f}",
            f"{state.fee_owed:.2f}",
            str(state.overdue_days),
        ]
        for c, value in enumerate(values):
            sheet.write_string(r, c, neutralise(value), text)
    book.close()
    event_record(
        kind=EventKind.EXPORT,
        user=viewer,
        request=request,
        target="mutualaid.loan:xlsx",
        region=viewer.region,
        detail={"loans": len(rows)},
    )
    return buffer.getvalue()
