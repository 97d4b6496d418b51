"""Writes for accounts: staff users and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from bottomline.accounts import gate, selectors
from bottomline.accounts.models import ROLE_LEVEL, ApiToken, EnrolmentCode, Role, TokenScope, User
from bottomline.audit.models import EventKind
from bottomline.audit.services import event_record
from bottomline.regions.models import Region

TOKEN_PREFIX = "bl_"  # noqa: S105  (a public marker, not a secret)


class AccountEvent(StrEnum):
    """Audit events about accounts, recorded in the affected account's region (the audit app shows the raw
    kind until its EventKind has a label for it)."""

    CREATED = "account_created"
    CHANGED = "account_changed"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105  (an event's name, not a password)
    ENROLMENT_ISSUED = "enrolment_issued"
    ENROLMENT_USED = "enrolment_used"


PASSWORD_MARK_SALT = "bottomline.accounts.ApiToken.password_mark"  # noqa: S105  (a salt that names the use, public)


def token_digest(raw: str) -> str:
    """The stored form of a token: SHA-256 suffices for 256-bit random secrets."""
    return hashlib.sha256(raw.encode()).hexdigest()


def token_password_mark(user: User) -> str:
    """A keyed hash of the user's password hash: it changes, and ends their tokens, when the password does."""
    return salted_hmac(PASSWORD_MARK_SALT, user.password, algorithm="sha256").hexdigest()


@transaction.atomic
def token_create(
    *, user: User, name: str, scope: str = TokenScope.WRITE, days: int | None = None
) -> tuple[ApiToken, str]:
    """Create an API token for ``user`` that lives ``days``; the raw token is returned once and never stored.

    Without a scope the token may write (what every token could before scopes); the tokens page asks.
    """
    gate.require(user, ApiToken, "add")
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name.")})
    if scope not in TokenScope.values:
        raise ValidationError({"scope": _("A token reads, or reads and writes.")})
    days = settings.API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError(
            {"days": _("A token lives 1 to %(max)d days.") % {"max": settings.API_TOKEN_MAX_DAYS}}
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=raw[:8],
        token_hash=token_digest(raw),
        scope=scope,
        expires_at=timezone.now() + timedelta(days=days),
        password_mark=token_password_mark(user),
    )
    event_record(
        kind=EventKind.TOKEN_CREATED,
        user=user,
        target=f"apitoken:{token.pk}",
        detail={"scope": scope, "days": days},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke a token: the owner's own, or, for a system administrator, any of their region's accounts'.

    Revoking twice changes nothing. The event carries the owner's region, so that its auditors see it.
    """
    gate.require(user, ApiToken, "change")
    token = get_object_or_404(
        selectors.token_revocable(viewer=user).select_for_update().select_related("user"), pk=token_id
    )
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        event_record(
            kind=EventKind.TOKEN_REVOKED,
            user=user,
            target=f"apitoken:{token.pk}",
            region=token.user.region,
            detail={"owner": token.user.username},
        )
    return token


@transaction.atomic
def token_revoke_all(*, user: User, account_id: int) -> int:
    """Revoke every live token of an account in the administrator's region; the number revoked."""
    account = gate.access(User.objects.all(), user, action="change", pk=account_id)
    live = account.api_tokens.filter(revoked_at__isnull=True).values_list("pk", flat=True)
    ids = list(live)
    for token_id in ids:
        token_revoke(user=user, token_id=token_id)
    return len(ids)


def token_authenticate(raw: str) -> ApiToken | None:
    """The live token (not revoked, not expired, owner active and of the same password), or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user", "user__region")
        .filter(
            token_hash=token_digest(raw),
            revoked_at__isnull=True,
            expires_at__gt=now,
            user__is_active=True,
        )
        .first()
    )
    if token is None or not constant_time_compare(token.password_mark, token_password_mark(token.user)):
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def password_change(
    *, user: User, old_password: str, new_password: str, request: HttpRequest | None = None
) -> None:
    """Change one's own password: the current one first, then the password rules; the user's tokens end."""
    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("That is not your current password.")})
    try:
        validate_password(new_password, user)
    except ValidationError as error:
        raise ValidationError({"new_password1": error.messages}) from None
    user.set_password(new_password)
    user.save(update_fields=["password"])
    event_record(
        kind=AccountEvent.PASSWORD_CHANGED,
        user=user,
        request=request,
        target=f"user:{user.pk}",
        region=user.region,
    )


def user_rules_check(*, role: str, region: Region | None, department: str) -> None:
    """Raise ValidationError, by field, unless the role fits the region's level and a department its role."""
    errors: dict[str, str] = {}
    if role not in Role.values:
        errors["role"] = _("Choose a role.")
    else:
        level = ROLE_LEVEL[Role(role)]
        if region is not None and level is not None and region.level != level:
            errors["role"] = _(
                "A %(role)s works at %(level)s level, but %(region)s is at %(actual)s level."
            ) % {
                "role": Role(role).label,
                "level": level.label,
                "region": region.name,
                "actual": region.get_level_display(),
            }
    if (role == Role.DEPARTMENT_OFFICER) != bool(department):
        errors["department"] = _("A department data officer, and only one, names a department.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def user_save(
    *,
    username: str,
    role: str,
    region: Region,
    password: str,
    department: str = "",
    full_name: str = "",
    post: str = "",
) -> User:
    """Create a staff user, or bring an existing one to these values; the role must fit the region's level."""
    user_rules_check(role=role, region=region, department=department)
    user = User.objects.filter(username=username).first() or User(username=username)
    user.role, user.region, user.department = role, region, department
    user.last_name = full_name
    user.post = post
    validate_password(password, user)
    user.set_password(password)
    user.save()
    return user


# Who someone is in the region gate: no administrator changes these on their own account (MLPS level 3 keeps
# system, security and audit administration apart; an administrator who could make themselves a county
# officer could read every ID number of the county).
SELF_LOCKED = frozenset({"role", "region", "department", "is_active", "is_staff", "is_superuser"})
# The fields an account change is checked for; the audit keeps old and new values of the gate's ones only
# (names and e-mail addresses are personal data: only that they changed).
ACCOUNT_FIELDS = ("username", "first_name", "last_name", "email", *sorted(SELF_LOCKED))
AUDITED_VALUES = frozenset({"role", "department", "is_active", "is_staff", "is_superuser"})


def _field_value(user: User, field: str) -> object:
    return user.region_id if field == "region" else getattr(user, field)


@transaction.atomic
def account_save(*, actor: User, account: User, request: HttpRequest | None = None) -> User:
    """Create or change a staff account as the system administrator of its region, audited in its region.

    The role must fit the region, the region lie inside the administrator's, and nobody changes who they are
    in the gate on their own account. A move records the event in the old and the new region.
    """
    gate.require(actor, User, "change" if account.pk else "add", request)
    before = None
    if account.pk is not None:
        before = gate.access(
            User.objects.select_for_update().select_related("region"), actor, action="change", pk=account.pk
        )
    if not gate.restrict(Region.objects.filter(pk=account.region_id), actor).exists():
        gate.deny(actor, f"region:{account.region_id}", request)
    user_rules_check(role=account.role, region=account.region, department=account.department)
    changed = [
        field
        for field in ACCOUNT_FIELDS
        if before is None or _field_value(before, field) != _field_value(account, field)
    ]
    if before is not None and before.pk == actor.pk and SELF_LOCKED.intersection(changed):
        gate.deny(actor, f"user:{actor.pk}:self", request)
    account.save()
    target = f"user:{account.pk}"
    if before is None:
        detail: dict[str, object] = {
            "username": account.username,
            "role": account.role,
            "region": account.region.code,
            "department": account.department,
        }
        event_record(
            kind=AccountEvent.CREATED,
            user=actor,
            request=request,
            target=target,
            region=account.region,
            detail=detail,
        )
    elif changed:
        detail = {"fields": changed}
        detail.update({f: [getattr(before, f), getattr(account, f)] for f in changed if f in AUDITED_VALUES})
        if "region" in changed:
            detail["region"] = [before.region.code, account.region.code]
        for region in {before.region, account.region}:
            event_record(
                kind=AccountEvent.CHANGED,
                user=actor,
                request=request,
                target=target,
                region=region,
                detail=detail,
            )
    return account


def password_reset_audit(*, actor: User, account: User, request: HttpRequest | None = None) -> None:
    """Record that an administrator set another account's password (or disabled it), in that account's region."""
    event_record(
        kind=AccountEvent.PASSWORD_CHANGED,
        user=actor,
        request=request,
        target=f"user:{account.pk}",
        region=account.region,
        detail={"by_administrator": True, "usable": account.has_usable_password()},
    )


# Enrolment codes: 12 characters of an alphabet without look-alikes (0/O, 1/I/L), about 58 bits, shown in groups
# of four; five wrong tries spend the code, so that guessing it online is hopeless.
ENROLMENT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ENROLMENT_LENGTH = 12
ENROLMENT_TRIES = 5
ENROLMENT_SALT = "bottomline.accounts.EnrolmentCode"


def _enrolment_digest(code: str) -> str:
    normal = "".join(ch for ch in code.upper() if ch.isalnum())
    return salted_hmac(ENROLMENT_SALT, normal, algorithm="sha256").hexdigest()


@transaction.atomic
def enrolment_issue(*, actor: User, account_id: int, request: HttpRequest | None = None) -> str:
    """Issue a one-time second-factor enrolment code for an account of the administrator's region; returned once.

    A new code replaces any unused one; an administrator never issues one for their own account.
    """
    account = gate.access(User.objects.select_related("region"), actor, action="change", pk=account_id)
    if account.pk == actor.pk:
        gate.deny(actor, f"user:{actor.pk}:enrolment", request)
    return _enrolment_new(account=account, actor=actor, request=request)


@transaction.atomic
def enrolment_issue_by_operator(*, username: str) -> str:
    """Issue an enrolment code from the server's command line (``manage.py enrolment_code``): for the first
    administrator, whom no other administrator can enrol. Shell access to the server is the out-of-band channel."""
    account = User.objects.select_related("region").filter(username=username, is_active=True).first()
    if account is None:
        raise ValidationError({"username": _("No active account has that username.")})
    return _enrolment_new(account=account, actor=None, request=None)


def _enrolment_new(*, account: User, actor: User | None, request: HttpRequest | None) -> str:
    now = timezone.now()
    EnrolmentCode.objects.filter(user=account, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    raw = "".join(secrets.choice(ENROLMENT_ALPHABET) for _ in range(ENROLMENT_LENGTH))
    EnrolmentCode.objects.create(
        user=account,
        code_hash=_enrolment_digest(raw),
        issued_by=actor,
        expires_at=now + timedelta(hours=settings.ENROLMENT_CODE_HOURS),
    )
    event_record(
        kind=AccountEvent.ENROLMENT_ISSUED,
        user=actor,
        username="" if actor else "manage.py enrolment_code",
        request=request,
        target=f"user:{account.pk}",
        region=account.region,
        detail={"hours": settings.ENROLMENT_CODE_HOURS},
    )
    return "-".join(raw[i : i + 4] for i in range(0, ENROLMENT_LENGTH, 4))


@transaction.atomic
def enrolment_redeem(*, user: User, code: str, request: HttpRequest | None = None) -> bool:
    """Spend the account's live enrolment code if ``code`` is it; a wrong code counts a try against it."""
    now = timezone.now()
    live = (
        EnrolmentCode.objects.select_for_update()
        .filter(user=user, used_at__isnull=True, expires_at__gt=now, failures__lt=ENROLMENT_TRIES)
        .first()
    )
    if live is None:
        return False
    if not constant_time_compare(live.code_hash, _enrolment_digest(code)):
        live.failures += 1
        live.save(update_fields=["failures"])
        return False
    live.used_at = now
    live.save(update_fields=["used_at"])
    event_record(
        kind=AccountEvent.ENROLMENT_USED,
        user=user,
        request=request,
        target=f"user:{user.pk}",
        region=user.region,
    )
    return True
