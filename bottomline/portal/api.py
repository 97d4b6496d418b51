"""API of the portal: staff work on self-declarations, the village poster, and the public calls households make.

The staff calls go through the same selectors and services as the staff pages, behind the same gate, and answer
with the masked name, ID number and phone only. The public calls (no token) are the declaration form and the
receipt look-up: the same service, honeypot and rate limits as the public pages, and no personal data back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.api import ERRORS, PDF_RESPONSE, Error
from bottomline.audit.services import client_ip
from bottomline.pages import pdf_response
from bottomline.portal import posters, selectors, services
from bottomline.portal.limits import RateLimited
from bottomline.portal.models import Declaration, DeclarationStatus
from bottomline.registry.choices import RiskType

router = Router(tags=["portal"])

PAGE_SIZE = 50
PUBLIC_ERRORS: dict[int, type[Schema]] = {**ERRORS, 429: Error}


# ---------------------------------------------------------------------------------------------- answers


class DeclarationOut(Schema):
    """A declaration as the staff list shows it: name, ID number and phone masked."""

    id: int
    receipt: str
    created_at: datetime
    village_code: str
    village_name: str
    name_masked: str
    id_number_masked: str
    phone_masked: str
    risk_type: str
    risk_type_label: str
    status: DeclarationStatus
    status_label: str
    household_id: int | None


class DeclarationPage(Schema):
    """One page of declarations."""

    count: int
    page: int
    pages: int
    results: list[DeclarationOut]


class DeclarationDetailOut(DeclarationOut):
    """A declaration as the staff detail page shows it (numbers still masked)."""

    description: str = Field(description="the declarant's own words")
    consent_at: datetime
    dismiss_reason: str
    household_number: str | None
    lead_id: int | None
    decided_by: str | None = Field(description="the username of who linked or dismissed it")
    decided_at: datetime | None
    can_change: bool = Field(description="whether the caller may link or dismiss it now")


class Declared(Schema):
    """What a declarant gets back: the receipt number to look the declaration up with."""

    receipt: str


class StageOut(Schema):
    """Where a declaration stands, in plain words (nothing personal)."""

    stage: str
    label: str


# ---------------------------------------------------------------------------------------------- input


class DeclarationFilterIn(Schema):
    """Filters of the declaration list."""

    status: DeclarationStatus | None = None
    village_code: str = Field("", pattern=r"^(\d{12})?$")
    page: int = Field(1, ge=1, le=100000)


class LinkIn(Schema):
    """The registered household of the declaration's village to link it to."""

    household_id: int = Field(ge=1, le=2**31 - 1)


class DismissIn(Schema):
    """Why the declaration is dismissed."""

    reason: str = Field(max_length=200)


class DeclarationIn(Schema):
    """A household's declaration of hardship; every field is checked by the service at once."""

    name: str = Field("", max_length=50)
    phone: str = Field("", max_length=20)
    id_number: str = Field("", max_length=22)
    village_code: str = Field("", max_length=12, description="the 12-digit code of the village")
    risk_type: str = Field("", max_length=24, description=f"one of: {', '.join(RiskType.values)}")
    description: str = Field("", max_length=500)
    consent: bool = Field(False, description="the declarant's promise and consent (承诺授权)")
    website: str = Field("", max_length=200, description="leave empty")


class ReceiptIn(Schema):
    """A receipt number to look up."""

    receipt: str = Field(max_length=20)


# ---------------------------------------------------------------------------------------------- shaping


def _item(d: Declaration) -> dict[str, Any]:
    """A declaration as the list shows it; only the masked forms of what is personal."""
    return {
        "id": d.pk,
        "receipt": d.receipt,
        "created_at": d.created_at,
        "village_code": d.village.code,
        "village_name": d.village.name,
        "name_masked": d.name_masked,
        "id_number_masked": d.id_number_masked,
        "phone_masked": d.phone_masked,
        "risk_type": d.risk_type,
        "risk_type_label": str(d.get_risk_type_display()),
        "status": d.status,
        "status_label": str(d.get_status_display()),
        "household_id": d.household_id,
    }


def _detail(viewer: User, declaration_id: int) -> dict[str, Any]:
    d = selectors.declaration_get(viewer=viewer, declaration_id=declaration_id)
    return {
        **_item(d),
        "description": selectors.declaration_description(d),
        "consent_at": d.consent_at,
        "dismiss_reason": d.dismiss_reason,
        "household_number": d.household.number if d.household is not None else None,
        "lead_id": d.lead_id,
        "decided_by": d.decided_by.username if d.decided_by is not None else None,
        "decided_at": d.decided_at,
        "can_change": gate.allowed(viewer, Declaration, "change") and d.status == DeclarationStatus.UNMATCHED,
    }


def _limited(error: RateLimited) -> Status[dict[str, str]]:
    return Status(429, {"detail": str(error.message)})


# ---------------------------------------------------------------------------------------------- staff


@router.get("/declarations", response={200: DeclarationPage, **ERRORS})
def portal_declaration_list(request: HttpRequest, filters: Query[DeclarationFilterIn]) -> dict[str, Any]:
    """The self-declarations of the caller's region, newest first, of one status or all."""
    user = gate.staff_of(request)
    gate.require(user, Declaration, "view", request)
    declarations = selectors.declaration_list(
        viewer=user, status=filters.status or "", village_code=filters.village_code
    )
    count = declarations.count()
    start = (filters.page - 1) * PAGE_SIZE
    return {
        "count": count,
        "page": filters.page,
        "pages": max(1, -(-count // PAGE_SIZE)),
        "results": [_item(d) for d in declarations[start : start + PAGE_SIZE]],
    }


@router.get("/declarations/{int:declaration_id}", response={200: DeclarationDetailOut, **ERRORS})
def portal_declaration_detail(request: HttpRequest, declaration_id: int) -> dict[str, Any]:
    """One self-declaration, numbers masked, with the declarant's description."""
    return _detail(gate.staff_of(request), declaration_id)


@router.post("/declarations/{int:declaration_id}/link", response={200: DeclarationDetailOut, **ERRORS})
def portal_declaration_link(request: HttpRequest, declaration_id: int, data: LinkIn) -> dict[str, Any]:
    """Link an unmatched declaration to a registered household of its village: the household's lead is raised."""
    user = gate.staff_of(request)
    services.declaration_link(actor=user, declaration_id=declaration_id, household_id=data.household_id)
    return _detail(user, declaration_id)


@router.post("/declarations/{int:declaration_id}/dismiss", response={200: DeclarationDetailOut, **ERRORS})
def portal_declaration_dismiss(request: HttpRequest, declaration_id: int, data: DismissIn) -> dict[str, Any]:
    """Dismiss an unmatched declaration, with the reason."""
    user = gate.staff_of(request)
    services.declaration_dismiss(actor=user, declaration_id=declaration_id, reason=data.reason)
    return _detail(user, declaration_id)


@router.get("/posters/{code}/pdf", response=ERRORS, openapi_extra=PDF_RESPONSE)
def portal_poster_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """A village's A4 poster with the QR code of its declaration form; a township's code gives one PDF with a
    page for each of its villages (staff of that village or township and above)."""
    wanted = selectors.poster_set(viewer=gate.staff_of(request), code=code, request=request)
    pdf = posters.posters_for(
        villages=wanted.villages, above=wanted.above, base=request.build_absolute_uri("/")
    )
    return pdf_response(pdf, wanted.filename)


# ---------------------------------------------------------------------------------------------- public


@router.post("/public/declarations", auth=None, response={201: Declared, **PUBLIC_ERRORS})
def portal_public_declare(request: HttpRequest, data: DeclarationIn) -> Status[Any]:
    """Declare a household's hardship (no token): 201 with the receipt number, 429 past the rate limits."""
    try:
        declared = services.declaration_submit(
            name=data.name,
            phone=data.phone,
            id_number=data.id_number,
            village_code=data.village_code,
            risk_type=data.risk_type,
            description=data.description,
            consent=data.consent,
            client_ip=client_ip(request),
            language=get_language() or "",
            honeypot=data.website,  # what a script fills in gets a receipt that looks real, and nothing stored
        )
    except RateLimited as error:
        return _limited(error)
    return Status(201, {"receipt": declared.receipt})


@router.post("/public/status", auth=None, response={200: StageOut, **PUBLIC_ERRORS})
def portal_public_status(request: HttpRequest, data: ReceiptIn) -> Status[Any]:
    """The stage of a declaration by its receipt number (no token); 404 for every unknown receipt alike."""
    try:
        stage = selectors.receipt_stage(receipt=data.receipt, client_ip=client_ip(request))
    except RateLimited as error:
        return _limited(error)
    if stage is None:
        return Status(404, {"detail": _("No declaration has this receipt number. Check it and try again.")})
    return Status(200, {"stage": stage.code, "label": str(stage.label)})
