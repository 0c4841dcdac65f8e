"""Password rules beyond Django's own validators (PRODUCT.md Security)."""

from __future__ import annotations

import datetime as dt
import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

CLASSES = (
    ("lower", string.ascii_lowercase),
    ("upper", string.ascii_uppercase),
    ("digit", string.digits),
)


def character_classes(password: str) -> int:
    found = {name for name, chars in CLASSES for ch in password if ch in chars}
    # Anything else (punctuation, CJK, spaces) counts as the fourth class.
    if any(not any(ch in chars for _n, chars in CLASSES) for ch in password):
        found.add("other")
    return len(found)


class CharacterClassValidator:
    """At least ``min_classes`` of: lower case, upper case, digits, other characters."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_error_message(), code="password_too_simple")

    def get_error_message(self) -> str:
        return ngettext(
            "The password must mix at least %(n)d kind of characters: lower case, upper case, digits, symbols.",
            "The password must mix at least %(n)d kinds of characters: lower case, upper case, digits, symbols.",
            self.min_classes,
        ) % {"n": self.min_classes}

    def get_help_text(self) -> str:
        return self.get_error_message()


def password_expired(person) -> bool:
    """True when the password must be changed now: never set by its owner, or too old."""
    if person.must_change_password:
        return True
    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days:
        return False
    changed = person.password_changed_at
    return changed is None or timezone.now() - changed > dt.timedelta(days=days)


def expiry_message() -> str:
    return _("Your password has expired or was set by an administrator. Please choose a new one.")
