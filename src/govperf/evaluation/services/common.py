"""What the evaluation services share: located problems, version checks, who the office is."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from govperf.core.errors import (
    Conflict,
    ValidationFailed,
)
from govperf.core.validation import Problems as BaseProblems

# Shared with the other apps; the evaluation services import them from here.
from govperf.core.validation import check_version as check_version
from govperf.core.validation import touch as touch
from govperf.evaluation import selectors
from govperf.evaluation.models import (
    Round,
)
from govperf.evaluation.schemes import SchemeSpec
from govperf.orgs import policy
from govperf.orgs.models import Person
from govperf.orgs.policy import Action
from govperf.orgs.roles import Role
from govperf.orgs.selectors import office_people as office_people

log = logging.getLogger(__name__)

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
SCORE_PLACES = Decimal("0.01")
SHARE_PLACES = Decimal("0.0001")
AMOUNT_LIMIT = Decimal("1e14")
UNSET: Any = object()


# --- helpers ---------------------------------------------------------------------------------


class Problems(BaseProblems):
    """Located problems, with the evaluation's number check."""

    def number(self, value: Any, field: str, *, places: Decimal | None = None) -> Decimal | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool):
            self.add(field, _("Not a number."), value)
            return None
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            self.add(field, _("Not a number."), value)
            return None
        if not number.is_finite() or abs(number) >= AMOUNT_LIMIT:
            self.add(field, _("Not a number within the allowed range."), value)
            return None
        if places is not None and number != number.quantize(places):
            self.add(
                field,
                _("At most %(n)d decimal places.") % {"n": -places.as_tuple().exponent},
                value,
            )
            return None
        return number


def require_office(actor: Person) -> None:
    """Schemes, rounds, results and appeal decisions are the performance office's."""
    policy.require_everything(
        actor, Action.MANAGE_EVALUATION, _("Only the performance office manages evaluations.")
    )


def unit_people(unit_ids: Iterable[int]):
    return Person.objects.filter(
        is_active=True,
        memberships__unit_id__in=list(unit_ids),
        memberships__role__in=[Role.UNIT_LEADER, Role.UNIT_COORDINATOR],
    ).distinct()


def lock_row(model, obj):
    return model.objects.select_for_update().get(pk=obj.pk)


def check_definition(definition: Any) -> SchemeSpec:
    try:
        return selectors.spec_of(definition)
    except ValidationFailed as exc:
        exc.message = _("The scheme is not valid.")
        raise


def copy_json(value: Any) -> Any:
    import copy

    return copy.deepcopy(value)


def round_spec(round_: Round) -> SchemeSpec:
    return check_definition(round_.scheme_version.definition)


def refuse_unless_open(round_: Round) -> None:
    if round_.status != Round.Status.OPEN:
        raise Conflict(_("Scoring in this round is closed."), code="invalid_state")


def comment_marks(round_: Round) -> tuple[Decimal, Decimal]:
    rules = round_.rules or {}
    high = Decimal(str(rules.get("comment_at_or_above", "95")))
    low = Decimal(str(rules.get("comment_below", "60")))
    return high, low


def plain_number(value: Any) -> str:
    number = Decimal(str(value)).normalize()
    return format(number, "f")
