"""Checks every service layer makes: located input problems, stale versions, bumping a version.

Services collect every problem of an input before refusing it (``Problems``), refuse an
edit made on a version someone else has since changed (``check_version``), and save a
changed row with its version bumped (``touch``).
"""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from govperf.core.errors import Conflict, ErrorDetail, ValidationFailed

# C0 control characters other than tab, newline and carriage return, and DEL.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Problems:
    """Collects located problems; raises them together."""

    def __init__(self) -> None:
        self.details: list[ErrorDetail] = []

    def add(self, field: str, message: str, value: Any = None) -> None:
        self.details.append(ErrorDetail(field=field, message=message, value=value))

    def text(self, value: Any, field: str, *, max_length: int, required: bool = False) -> str:
        text = "" if value is None else str(value).strip()
        if CONTROL_RE.search(text):
            self.add(field, _("Remove the control characters from this text."))
            return ""
        if required and not text:
            self.add(field, _("This is required."))
        elif len(text) > max_length:
            self.add(field, _("At most %(n)d characters.") % {"n": max_length})
        return text

    def raise_if_any(self, message: str) -> None:
        if self.details:
            raise ValidationFailed(message, self.details)


def check_version(obj: Any, expected: int | None, what: str) -> None:
    """Refuse an edit made on ``expected`` when ``obj`` has moved on (None: not checked)."""
    if expected is not None and obj.version != expected:
        raise Conflict(
            _(
                "%(what)s was changed by someone else since you opened it (version %(seen)s, "
                "now %(now)s). Reload it and make your change again."
            )
            % {"what": what, "seen": expected, "now": obj.version}
        )


def touch(obj: Any, *fields: str) -> None:
    """Save ``fields`` of ``obj`` with its version bumped (and ``updated_at``, if it has one)."""
    obj.version += 1
    names = [*fields, "version"]
    if hasattr(obj, "updated_at"):
        obj.updated_at = timezone.now()
        names.append("updated_at")
    obj.save(update_fields=names)
