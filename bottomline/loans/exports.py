"""The loan list out to XLSX: one row per loan with its state as of a day, every cell text, audited."""

from __future__ import annotations

import io
from datetime import date

from django.http import HttpRequest
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import EventKind
from bottomline.audit.services import event_record
from bottomline.loans.models import Loan
from bottomline.loans.schedule import State
from bottomline.registry.exports import neutralise


def loans_header() -> list[str]:
    """Column titles in the user's language."""
    return [
        _("household number"),
        _("village"),
        _("lender (bank)"),
        _("contract number"),
        _("amount (yuan)"),
        _("term (months)"),
        _("annual interest rate (%)"),
        _("interest subsidy rate (%)"),
        _("purpose"),
        _("disbursed on"),
        _("due on"),
        _("status"),
        _("balance (yuan)"),
        _("overdue days"),
        _("overdue amount (yuan)"),
    ]


def loans_xlsx(
    *, viewer: User, rows: list[tuple[Loan, State]], on: date, request: HttpRequest | None = None
) -> bytes:
    """The loans (already scoped and filtered, with their states as of ``on``) as XLSX; the export is audited."""
    import xlsxwriter  # here, not at a web process's start-up

    from bottomline.loans.models import Status

    gate.require(viewer, Loan, "export", request)
    statuses = dict(Status.choices)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet(_("small loans"))
    text = book.add_format({"num_format": "@"})
    sheet.write_string(0, 0, _("As of %(day)s") % {"day": on.isoformat()})
    for c, title in enumerate(loans_header()):
        sheet.write_string(1, c, title)
    for r, (loan, state) in enumerate(rows, start=2):
        values = [
            loan.household.number,
            loan.household.village.name,
            loan.lender,
            loan.contract,
            f"{loan.amount:.2f}",
            str(loan.term_months),
            f"{loan.rate:.2f}",
            f"{loan.subsidy_rate:.2f}",
            loan.get_purpose_display(),
            loan.disbursed_on.isoformat(),
            loan.maturity.isoformat(),
            str(statuses[state.status]),
            f"{state.balance:.2f}",
            str(state.overdue_days),
            f"{state.overdue_amount:.2f}",
        ]
        for c, value in enumerate(values):
            sheet.write_string(r, c, neutralise(value), text)
    book.close()
    event_record(
        kind=EventKind.EXPORT,
        user=viewer,
        request=request,
        target="loans.loan:xlsx",
        region=viewer.region,
        detail={"loans": len(rows)},
    )
    return buffer.getvalue()
