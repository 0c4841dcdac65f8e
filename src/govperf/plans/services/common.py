"""What every plans service shares: input checks, version checks, notifications."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from govperf.core.errors import (
    Conflict,
    DomainError,
    ErrorDetail,
    Forbidden,
    ValidationFailed,
)
from govperf.engine.periods import Period
from govperf.orgs import policy
from govperf.orgs.models import Person, Unit
from govperf.orgs.policy import Action
from govperf.orgs.roles import Role
from govperf.plans.models import (
    Goal,
    Plan,
)

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# NUMERIC(20, 6): fourteen digits before the point.
AMOUNT_LIMIT = Decimal("1e14")
LEVEL_ORDER = {
    Goal.Level.STRATEGIC: 0,
    Goal.Level.UNIT: 1,
    Goal.Level.SECTION: 2,
    Goal.Level.POST: 3,
}
HUNDRED = Decimal(100)
# Public comments: at most this many per client in this many seconds (*ours*).
PUBLIC_COMMENT_LIMIT = (5, 600)
UNSET: Any = object()


class RateLimited(DomainError):
    def __init__(self, message: str):
        super().__init__(message=message, code="rate_limited", status=429)


# --- checking input ----------------------------------------------------------------------


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

    def amount(self, value: Any, field: str) -> Decimal | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            self.add(field, _("Not a number."), value)
            return None
        if not number.is_finite() or abs(number) >= AMOUNT_LIMIT:
            self.add(field, _("Not a number within the allowed range."), value)
            return None
        if number.as_tuple().exponent < -6 and number != number.quantize(Decimal("0.000001")):
            self.add(field, _("At most 6 decimal places."), value)
            return None
        return number

    def period(self, code: Any, field: str) -> Period | None:
        try:
            return Period.parse(str(code or "").strip())
        except (TypeError, ValueError):
            self.add(field, _("Not a period code (e.g. 2026, 2026Q1, 202603)."), code)
            return None

    def raise_if_any(self, message: str) -> None:
        if self.details:
            raise ValidationFailed(message, self.details)


def check_version(obj: Any, expected: int | None, what: str) -> None:
    if expected is not None and obj.version != expected:
        raise Conflict(
            _(
                "%(what)s was changed by someone else since you opened it (version %(seen)s, now %(now)s). "
                "Reload it and make your change again."
            )
            % {"what": what, "seen": expected, "now": obj.version}
        )


def require_everything(actor: Person, action: Action, message: str) -> None:
    policy.require(actor, action)
    if not policy.unit_scope(actor, action).everything:
        raise Forbidden(message, action=str(action))


def touch(obj: Any, *fields: str) -> None:
    obj.version += 1
    if hasattr(obj, "updated_at"):
        obj.updated_at = timezone.now()
        fields = (*fields, "updated_at")
    obj.save(update_fields=[*fields, "version"])


def office_people():
    return Person.objects.filter(
        is_active=True, memberships__role=Role.PERF_OFFICE, memberships__unit__is_active=True
    ).distinct()


def unit_people(unit: Unit):
    return Person.objects.filter(
        is_active=True,
        memberships__unit=unit,
        memberships__role__in=[Role.UNIT_LEADER, Role.UNIT_COORDINATOR],
    ).distinct()


def plan_url(plan: Plan) -> str:
    return reverse("plans:detail", args=[plan.pk])
