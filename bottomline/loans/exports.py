"""The loan list out to XLSX: one row per loan with its state as of a day, every cell text, audited; a long one is
written by a job (``jobs.exports``)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import EventKind
from bottomline.audit.services import event_record
from bottomline.jobs.exports import export_register
from bottomline.loans.models import Loan
from bottomline.loans.schedule import State
from bottomline.loans.selectors import LoanFilters, loan_ids, loan_list
from bottomline.regions.models import Region
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


def _filters(viewer: User, params: dict[str, Any]) -> tuple[LoanFilters, date]:
    """The loan list's filters and their day from an export's parameters (a region outside the viewer's is their
    own)."""
    code = str(params.get("region") or "")
    region = gate.restrict(Region.objects.filter(code=code), viewer).first() if code else None
    on = date.fromisoformat(str(params["on"]))
    filters = LoanFilters(
        region=region or viewer.region,
        lender=str(params.get("lender") or ""),
        purpose=str(params.get("purpose") or ""),
        status=str(params.get("status") or ""),
        number=str(params.get("number") or ""),
        on=on,
    )
    return filters, on


def export_params(filters: LoanFilters) -> dict[str, Any]:
    """The filters as an export's parameters (JSON, kept on the job when the export is large)."""
    on = filters.on or timezone.localdate()
    return {
        "region": filters.region.code if filters.region is not None else "",
        "lender": filters.lender,
        "purpose": filters.purpose,
        "status": filters.status,
        "number": filters.number,
        "on": on.isoformat(),
    }


def _write(viewer: User, params: dict[str, Any], request: HttpRequest | None) -> bytes:
    filters, on = _filters(viewer, params)
    return loans_xlsx(
        viewer=viewer, rows=loan_list(viewer=viewer, filters=filters, on=on), on=on, request=request
    )


def _count(viewer: User, params: dict[str, Any]) -> int:
    filters, on = _filters(viewer, params)
    return len(loan_ids(viewer=viewer, filters=filters, on=on))


KIND = "loans.export"
KIND_NAME = gettext_noop("loans.export")  # the job pages show the kind in the user's language

# Each row costs a loan's state as of the day (its schedule and repayments): 9,387 loans took 3.1 s in the
# request, so above 2,000 a job writes them.
LOANS = export_register(
    KIND,
    model=Loan,
    write=_write,
    rows=_count,
    name=lambda params: f"loans-{date.fromisoformat(str(params['on'])):%Y%m%d}",
    inline_rows=2000,
    phase=gettext_noop("writing the loans"),
)
