"""Password rules beyond Django's own: characters from at least three of four classes, and no username."""

from __future__ import annotations

import string
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    """Require lower case, upper case, digits and symbols: at least ``min_classes`` of the four."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(c in string.punctuation or not c.isascii() for c in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(
                _(
                    "The password must mix at least %(n)d of: lower-case letters, upper-case letters, "
                    "digits, symbols."
                ),
                code="password_too_simple",
                params={"n": self.min_classes},
            )

    def get_help_text(self) -> str:
        return _("Mix at least %(n)d of: lower-case letters, upper-case letters, digits, symbols.") % {
            "n": self.min_classes
        }


class UsernameValidator:
    """Refuse a password that contains the username, in any case (Django's similarity check misses it when
    the rest of the password is long enough)."""

    def __init__(self, min_length: int = 3) -> None:
        self.min_length = min_length  # a one- or two-letter username is in too many good passwords

    def validate(self, password: str, user: Any = None) -> None:
        username = str(getattr(user, "username", "") or "")
        if len(username) >= self.min_length and username.casefold() in password.casefold():
            raise ValidationError(
                _("The password must not contain the username."), code="password_contains_username"
            )

    def get_help_text(self) -> str:
        return _("The password must not contain the username.")
