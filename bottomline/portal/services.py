"""Writes of the portal: a public declaration (matched to the archive, or left for staff), linking, dismissing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import EventKind
from bottomline.audit.services import event_record
from bottomline.monitoring.models import Channel, Lead
from bottomline.monitoring.services import lead_raise
from bottomline.portal import selectors
from bottomline.portal.limits import DECLARE_PER_IP, DECLARE_PER_PHONE, attempt_count
from bottomline.portal.models import (
    DESCRIPTION_PURPOSE,
    ID_ENC_PURPOSE,
    NAME_PURPOSE,
    PHONE_ENC_PURPOSE,
    Declaration,
    DeclarationStatus,
)
from bottomline.portal.receipts import receipt_new
from bottomline.privacy.crypto import blind_index, decrypt, encrypt
from bottomline.privacy.keys import field_keys
from bottomline.privacy.masking import mask_id_number, mask_number
from bottomline.regions.models import Region
from bottomline.registry.choices import Relation, RiskType
from bottomline.registry.models import Household, Member
from bottomline.registry.services import (
    ID_PURPOSE,
    PHONE_PURPOSE,
    household_register,
    id_number_check,
    member_register,
    phone_check,
    reveal_allowance_check,
)

DESCRIPTION_MAX = 500
NAME_MAX = 50
# The photo of the hardship: the form's script sends a JPEG of at most 1600 px (a few hundred kB); a phone
# without the script sends its camera's file as it is, which stays under this.
PHOTO_LIMIT = 10 * 1024 * 1024
# Recognised by their first bytes, not by the name or type the browser gave.
PHOTO_SIGNATURES = ((b"\xff\xd8\xff", ".jpg"), (b"\x89PNG\r\n\x1a\n", ".png"))


def photo_check(photo: File[Any] | None) -> ContentFile[bytes] | None:
    """The photo to keep under a random name, or None without one; ValidationError on ``photo`` for a file
    that is too large or not a JPEG or PNG picture."""
    if photo is None:
        return None
    if photo.size is not None and photo.size > PHOTO_LIMIT:
        raise ValidationError(
            {"photo": _("The photo is larger than 10 MB. Take it again, or send no photo.")}
        )
    photo.seek(0)
    content = photo.read(PHOTO_LIMIT + 1)
    if len(content) > PHOTO_LIMIT:
        raise ValidationError(
            {"photo": _("The photo is larger than 10 MB. Take it again, or send no photo.")}
        )
    if not content:
        return None
    for signature, suffix in PHOTO_SIGNATURES:
        if content.startswith(signature):
            return ContentFile(content, name=uuid.uuid4().hex + suffix)
    raise ValidationError(
        {"photo": _("This file is not a photo. Choose a photo (JPEG or PNG), or send no photo.")}
    )


def mask_name(name: str) -> str:
    """The family name and stars: 王** (names are personal data too)."""
    return name[:1] + "*" * (len(name) - 1)


def village_check(code: str) -> Region:
    """The current village with this 12-digit code, or a ValidationError on ``village``."""
    region = selectors.village_public(code=code.strip())
    if region is None:
        raise ValidationError({"village": _("Choose your village (村/社区).")})
    return region


@dataclass(frozen=True)
class Declared:
    """What the declarant is told: the receipt number, nothing else."""

    receipt: str


def _detail(risk: RiskType) -> dict[str, list[str]]:
    # No personal data in a signal: the risk type and where it came from, in both languages.
    with translation.override("en"):
        english = _("Declared by the household through the portal: %(risk)s") % {"risk": risk.label}
    with translation.override("zh-hans"):
        chinese = _("Declared by the household through the portal: %(risk)s") % {"risk": risk.label}
    return {"en": [english], "zh": [chinese]}


def _raise_lead(declaration: Declaration, household: Household) -> Lead:
    return lead_raise(
        household_id=household.pk,
        channel=Channel.SELF_DECLARATION,
        reference=declaration.receipt,
        detail=_detail(RiskType(declaration.risk_type)),
        risk_types=[declaration.risk_type],
        at=declaration.created_at,  # the clock starts when the household declared, not when staff linked it
    )


def declaration_submit(
    *,
    name: str,
    phone: str,
    id_number: str,
    village_code: str,
    risk_type: str,
    description: str,
    consent: bool,
    client_ip: str | None,
    language: str = "",
    honeypot: str = "",
    photo: File[Any] | None = None,
) -> Declared:
    """Record a public declaration; raise a lead at once when it names a registered member of that village.

    Checks every field (ValidationError, field by field), then the rate limits (RateLimited: nothing is
    stored). The declaration and its lead are written in one transaction. A filled ``honeypot`` (what scripts
    fill in) gets the decoy instead: the same limits and a receipt that looks real, nothing checked or stored.
    """
    if honeypot:
        return decoy_submit(client_ip=client_ip)
    errors: dict[str, list[str]] = {}
    clean_name = " ".join(name.split())
    if not clean_name or len(clean_name) > NAME_MAX:
        errors["name"] = [_("Enter your name (at most 50 characters).")]
    number = digits = ""
    village: Region | None = None
    try:
        number = id_number_check(id_number).number
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        digits = phone_check(phone)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        village = village_check(village_code)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if risk_type not in RiskType.values:
        errors["risk_type"] = [_("Choose what the hardship is about.")]
    description = description.strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = [_("Describe the hardship in at most 500 characters.")]
    if not consent:
        errors["consent"] = [_("Your consent is needed before the village can verify your declaration.")]
    kept: ContentFile[bytes] | None = None
    try:
        kept = photo_check(photo)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors or village is None:
        raise ValidationError(errors)

    attempt_count(limit=DECLARE_PER_IP, value=client_ip)
    attempt_count(limit=DECLARE_PER_PHONE, value=digits)

    keys = field_keys()
    now = timezone.now()
    with transaction.atomic():
        declaration = Declaration(
            receipt=receipt_new(),
            village=village,
            name_enc=encrypt(clean_name, keys=keys, purpose=NAME_PURPOSE),
            name_masked=mask_name(clean_name),
            phone_enc=encrypt(digits, keys=keys, purpose=PHONE_ENC_PURPOSE),
            phone_index=blind_index(digits, keys=keys, purpose=PHONE_PURPOSE),
            phone_masked=mask_number(digits),
            id_number_enc=encrypt(number, keys=keys, purpose=ID_ENC_PURPOSE),
            id_number_index=blind_index(number, keys=keys, purpose=ID_PURPOSE),
            id_number_masked=mask_id_number(number),
            risk_type=risk_type,
            description_enc=encrypt(description, keys=keys, purpose=DESCRIPTION_PURPOSE)
            if description
            else "",
            language=language[:8],
            consent_at=now,
            created_at=now,
        )
        # The registered member with this ID, in a household of this village, under this name.
        member = (
            Member.objects.select_related("household")
            .filter(id_number_index=declaration.id_number_index, household__village=village)
            .first()
        )
        if member is not None and member.household is not None and member.name.strip() == clean_name:
            declaration.household = member.household
            declaration.status = DeclarationStatus.MATCHED
        if kept is not None:
            # The file is written (sealed) before its row: a rollback leaves an orphan for attachments_prune.
            declaration.photo.save(kept.name or "photo.jpg", kept, save=False)
        declaration.save()
        if declaration.household is not None:
            declaration.lead = _raise_lead(declaration, declaration.household)
            declaration.save(update_fields=["lead"])
    return Declared(receipt=declaration.receipt)


def decoy_submit(*, client_ip: str | None) -> Declared:
    """What a filled honeypot gets: the same limits and a receipt that looks real, and nothing stored."""
    attempt_count(limit=DECLARE_PER_IP, value=client_ip)
    return Declared(receipt=receipt_new())


def _open_declaration(actor: User, declaration_id: int) -> Declaration:
    # Locked until the decision commits: a second click (or a colleague) waits, then finds it decided.
    declaration = gate.access(
        Declaration.objects.select_for_update(of=("self",)).select_related("village"),
        actor,
        action="change",
        pk=declaration_id,
    )
    if declaration.status != DeclarationStatus.UNMATCHED:
        raise ValidationError(_("This declaration has been dealt with already."))
    return declaration


@transaction.atomic
def declaration_link(*, actor: User, declaration_id: int, household_id: int) -> Declaration:
    """Link an unmatched declaration to a registered household of its village, and raise the lead."""
    declaration = _open_declaration(actor, declaration_id)
    household = (
        selectors.link_candidates(viewer=actor, declaration=declaration).filter(pk=household_id).first()
    )
    if household is None:
        raise ValidationError({"household": _("Choose a registered household of the declaration's village.")})
    declaration.household = household
    declaration.status = DeclarationStatus.LINKED
    declaration.decided_by, declaration.decided_at = actor, timezone.now()
    declaration.lead = _raise_lead(declaration, household)
    declaration.save(update_fields=["household", "status", "decided_by", "decided_at", "lead"])
    return declaration


@transaction.atomic
def declaration_dismiss(*, actor: User, declaration_id: int, reason: str) -> Declaration:
    """Dismiss an unmatched declaration (a duplicate, a test, not from this village), with the reason."""
    declaration = _open_declaration(actor, declaration_id)
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Say why the declaration is dismissed.")})
    declaration.status = DeclarationStatus.DISMISSED
    declaration.dismiss_reason = reason[:200]
    declaration.decided_by, declaration.decided_at = actor, timezone.now()
    declaration.save(update_fields=["status", "dismiss_reason", "decided_by", "decided_at"])
    return declaration


def declaration_phone_reveal(*, actor: User, declaration_id: int, request: HttpRequest | None = None) -> str:
    """The declarant's phone in the clear, to call them back: an audit event for each reveal, and counted
    against the same hourly allowance as the archive's reveals (PermissionDenied past it)."""
    reveal_allowance_check(actor=actor, request=request)
    declaration = gate.access(
        Declaration.objects.all(), actor, action="reveal", request=request, pk=declaration_id
    )
    value = decrypt(declaration.phone_enc, keys=field_keys(), purpose=PHONE_ENC_PURPOSE)
    event_record(
        kind=EventKind.REVEAL,
        user=actor,
        request=request,
        target=f"declaration:{declaration.pk}:phone",
        about=declaration,
    )
    return value


@transaction.atomic
def declaration_register(
    *,
    actor: User,
    declaration_id: int,
    household_type: str,
    housing_grade: str,
    labour: str,
    education: str,
    village_group: str = "",
) -> Declaration:
    """建档并关联: register a household of the declaration's village with the declarant as its head (their name,
    ID number and phone as declared, through the registry's services), link the declaration and raise the lead.

    All or nothing: a person registered already, or a field the registry refuses, leaves nothing behind."""
    declaration = _open_declaration(actor, declaration_id)
    keys = field_keys()
    household = household_register(
        actor=actor,
        village=declaration.village,
        household_type=household_type,
        housing_grade=housing_grade,
        village_group=village_group.strip(),
        phone=decrypt(declaration.phone_enc, keys=keys, purpose=PHONE_ENC_PURPOSE),
    )
    member_register(
        actor=actor,
        household_id=household.pk,
        name=decrypt(declaration.name_enc, keys=keys, purpose=NAME_PURPOSE),
        id_number=decrypt(declaration.id_number_enc, keys=keys, purpose=ID_ENC_PURPOSE),
        relation=Relation.HEAD,
        labour=labour,
        education=education,
    )
    declaration.household = household
    declaration.status = DeclarationStatus.LINKED
    declaration.decided_by, declaration.decided_at = actor, timezone.now()
    declaration.lead = _raise_lead(declaration, household)
    declaration.save(update_fields=["household", "status", "decided_by", "decided_at", "lead"])
    return declaration
