"""Writes for accounts: staff users and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from bottomline.accounts import gate
from bottomline.accounts.models import ROLE_LEVEL, ApiToken, Role, User
from bottomline.audit.models import EventKind
from bottomline.audit.services import event_record
from bottomline.regions.models import Region

TOKEN_PREFIX = "bl_"  # noqa: S105  (a public marker, not a secret)


def token_digest(raw: str) -> str:
    """The stored form of a token: SHA-256 suffices for 256-bit random secrets."""
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create an API token for ``user``; the raw token is returned once and never stored."""
    gate.require(user, ApiToken, "add")
    name = name.strip()
    if not name:
        raise ValueError("a token needs a name")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=raw[:8], token_hash=token_digest(raw))
    event_record(kind=EventKind.TOKEN_CREATED, user=user, target=f"apitoken:{token.pk}")
    return token, raw


@transaction.atomic
def token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; revoking twice changes nothing."""
    token = gate.access(ApiToken.objects.select_for_update(), user, action="change", pk=token_id)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        event_record(kind=EventKind.TOKEN_REVOKED, user=user, target=f"apitoken:{token.pk}")
    return token


def token_authenticate(raw: str) -> User | None:
    """The active staff user a bearer token belongs to, or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user", "user__region")
        .filter(token_hash=token_digest(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class UserError(ValueError):
    """A user cannot be created as asked."""


@transaction.atomic
def user_save(
    *, username: str, role: str, region: Region, password: str, department: str = "", full_name: str = ""
) -> User:
    """Create a staff user, or bring an existing one to these values; the role must fit the region's level."""
    level = ROLE_LEVEL[Role(role)]
    if level is not None and region.level != level:
        raise UserError(
            f"a {role} works at level {level.label}, but {region} is {region.get_level_display()}"
        )
    if (role == Role.DEPARTMENT_OFFICER) != bool(department):
        raise UserError("a department data officer, and only one, names a department")
    user = User.objects.filter(username=username).first() or User(username=username)
    user.role, user.region, user.department = role, region, department
    user.last_name = full_name
    validate_password(password, user)
    user.set_password(password)
    user.save()
    return user
