"""What every plans service shares: input checks, version checks, notifications."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from govperf.core.errors import (
    DomainError,
)
from govperf.core.validation import Problems as BaseProblems
from govperf.engine.periods import Period
from govperf.orgs.models import Person, Unit
from govperf.orgs.roles import Role
from govperf.plans.models import (
    Goal,
    Plan,
)

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
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


class Problems(BaseProblems):
    """Located problems, with the plans' number and period checks."""

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


def unit_people(unit: Unit):
    return Person.objects.filter(
        is_active=True,
        memberships__unit=unit,
        memberships__role__in=[Role.UNIT_LEADER, Role.UNIT_COORDINATOR],
    ).distinct()


def plan_url(plan: Plan) -> str:
    return reverse("plans:detail", args=[plan.pk])
