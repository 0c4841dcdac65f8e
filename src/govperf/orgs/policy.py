"""The one permission policy: which units a user may see, which actions a role may take.

Every page, API endpoint, CLI command and task asks here. A grant is
(role, action) → scope, where the scope says which units relative to the
membership's unit the action reaches:

- ``ALL``: every unit;
- ``SUBTREE``: the membership's unit and everything below it;
- ``OWN``: the membership's unit only.

Separated duties (等保 level 3): the system administrator manages accounts and
the organisation but no business data; the security auditor reads the audit
log and changes nothing. An API token narrows its owner's grants to the units
it is scoped to and, when read-only, to actions that do not write.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from govperf.core.errors import Forbidden, NotFound
from govperf.orgs.roles import Role

if TYPE_CHECKING:
    from govperf.orgs.models import Unit


class Scope(enum.IntEnum):
    NONE = 0
    OWN = 1
    SUBTREE = 2
    ALL = 3


class Action(enum.StrEnum):
    """Actions, named verb_object. ``WRITES`` lists those that change data."""

    VIEW_UNITS = "view_units"
    MANAGE_UNITS = "manage_units"
    VIEW_PEOPLE = "view_people"
    MANAGE_PEOPLE = "manage_people"
    MANAGE_MEMBERSHIPS = "manage_memberships"
    MANAGE_TOKENS = "manage_tokens"  # other people's API tokens; one's own are always allowed
    VIEW_AUDIT = "view_audit"
    # Business actions, taken up by the capabilities that follow.
    MANAGE_LIBRARY = "manage_library"
    VIEW_PLANS = "view_plans"
    EDIT_PLAN = "edit_plan"
    SUBMIT_PLAN = "submit_plan"
    REVIEW_PLAN = "review_plan"
    MANAGE_GOALS = "manage_goals"  # strategic goals, cycles, any unit's goals and targets
    ENTER_DATA = "enter_data"
    APPROVE_DATA = "approve_data"
    LOCK_PERIOD = "lock_period"
    VIEW_DATA = "view_data"
    # Import files and run connectors for any unit; keep code mappings and connectors.
    IMPORT_DATA = "import_data"
    VIEW_QUALITY = "view_quality"  # the data-quality screen's scores and flags
    REVIEW_QUALITY = "review_quality"  # run the screen
    VIEW_RESULTS = "view_results"
    MANAGE_EVALUATION = "manage_evaluation"
    SCORE = "score"
    APPEAL = "appeal"


WRITES: frozenset[Action] = frozenset(a for a in Action if not a.value.startswith("view_"))

ALL, SUB, OWN = Scope.ALL, Scope.SUBTREE, Scope.OWN

GRANTS: dict[Role, dict[Action, Scope]] = {
    Role.SYSTEM_ADMIN: {
        Action.VIEW_UNITS: ALL,
        Action.MANAGE_UNITS: ALL,
        Action.VIEW_PEOPLE: ALL,
        Action.MANAGE_PEOPLE: ALL,
        Action.MANAGE_MEMBERSHIPS: ALL,
        Action.MANAGE_TOKENS: ALL,
    },
    Role.SECURITY_AUDITOR: {
        Action.VIEW_UNITS: ALL,
        Action.VIEW_PEOPLE: ALL,
        Action.VIEW_AUDIT: ALL,
    },
    Role.PERF_OFFICE: {
        Action.VIEW_UNITS: ALL,
        Action.MANAGE_UNITS: ALL,
        Action.VIEW_PEOPLE: ALL,
        Action.MANAGE_LIBRARY: ALL,
        Action.REVIEW_PLAN: ALL,
        Action.MANAGE_GOALS: ALL,
        Action.LOCK_PERIOD: ALL,
        Action.VIEW_DATA: ALL,
        Action.IMPORT_DATA: ALL,
        Action.VIEW_QUALITY: ALL,
        Action.REVIEW_QUALITY: ALL,
        Action.VIEW_RESULTS: ALL,
        Action.MANAGE_EVALUATION: ALL,
        Action.VIEW_PLANS: ALL,
    },
    Role.LEADER: {
        Action.VIEW_UNITS: ALL,
        Action.VIEW_PEOPLE: ALL,
        Action.VIEW_DATA: ALL,
        Action.VIEW_QUALITY: ALL,
        Action.VIEW_RESULTS: ALL,
        Action.VIEW_PLANS: ALL,
        # Leaders score as superiors (上级评价) in every round.
        Action.SCORE: ALL,
    },
    Role.UNIT_LEADER: {
        Action.VIEW_UNITS: SUB,
        Action.VIEW_PEOPLE: SUB,
        Action.EDIT_PLAN: SUB,
        Action.SUBMIT_PLAN: SUB,
        Action.ENTER_DATA: SUB,
        Action.APPROVE_DATA: SUB,
        Action.VIEW_DATA: SUB,
        Action.VIEW_QUALITY: SUB,
        Action.VIEW_RESULTS: SUB,
        Action.SCORE: SUB,
        Action.APPEAL: SUB,
        Action.VIEW_PLANS: SUB,
    },
    Role.UNIT_COORDINATOR: {
        Action.VIEW_UNITS: SUB,
        Action.VIEW_PEOPLE: SUB,
        Action.EDIT_PLAN: SUB,
        Action.SUBMIT_PLAN: SUB,
        Action.ENTER_DATA: SUB,
        Action.VIEW_DATA: SUB,
        Action.VIEW_RESULTS: SUB,
        Action.SCORE: SUB,
        Action.VIEW_PLANS: SUB,
    },
    Role.STAFF: {
        Action.VIEW_UNITS: SUB,
        Action.VIEW_PEOPLE: OWN,
        Action.ENTER_DATA: OWN,
        Action.VIEW_DATA: OWN,
        Action.VIEW_RESULTS: OWN,
        Action.VIEW_PLANS: OWN,
    },
    Role.EVALUATOR: {
        Action.VIEW_UNITS: OWN,
        Action.SCORE: OWN,
    },
    Role.THIRD_PARTY_EVALUATOR: {
        Action.VIEW_UNITS: OWN,
        Action.SCORE: OWN,
    },
}


@dataclass(frozen=True)
class _Grant:
    unit_id: int
    unit_path: str


@dataclass(frozen=True)
class UnitScope:
    """The units an action reaches for one user: everything, or these paths/ids."""

    everything: bool
    subtree_paths: frozenset[str]
    unit_ids: frozenset[int]

    @property
    def empty(self) -> bool:
        return not self.everything and not self.subtree_paths and not self.unit_ids

    def contains(self, unit: Unit) -> bool:
        if self.everything:
            return True
        if unit.pk in self.unit_ids:
            return True
        return any(unit.path.startswith(p) for p in self.subtree_paths)

    def q(self, prefix: str = "") -> Q:
        """A filter on Unit (or on a model with a unit foreign key, via ``prefix='unit__'``)."""
        if self.everything:
            return Q()
        if self.empty:
            return Q(pk__in=[]) if not prefix else Q(**{f"{prefix}pk__in": []})
        cond = Q(**{f"{prefix}pk__in": list(self.unit_ids)}) if self.unit_ids else Q()
        for p in sorted(self.subtree_paths):
            cond |= Q(**{f"{prefix}path__startswith": p})
        return cond


def _grants(user) -> list[tuple[Role, _Grant]]:
    """The user's memberships as grants, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_policy_grants", None)
    if cached is None:
        rows = user.memberships.filter(unit__is_active=True).values_list(
            "role", "unit_id", "unit__path"
        )
        cached = [(Role(role), _Grant(unit_id, path)) for role, unit_id, path in rows]
        user._policy_grants = cached
    return cached


def forget(user) -> None:
    """Drop the cached grants after the user's memberships changed."""
    if hasattr(user, "_policy_grants"):
        del user._policy_grants


def roles(user) -> set[Role]:
    return {role for role, _grant in _grants(user)}


def has_role(user, *wanted: Role) -> bool:
    return bool(roles(user) & set(wanted))


def _token(user):
    return getattr(user, "api_token", None)


def unit_scope(user, action: Action) -> UnitScope:
    """Which units ``action`` reaches for ``user``: the union over memberships, narrowed by a token."""
    token = _token(user)
    if token is not None and action in WRITES and not token.can_write:
        return UnitScope(False, frozenset(), frozenset())
    # A token scoped to units reaches only their subtrees; None means all of its owner's units.
    token_paths: list[str] | None = token.unit_paths() if token is not None else None

    def inside_token(path: str) -> bool:
        return token_paths is None or any(path.startswith(t) for t in token_paths)

    everything = False
    paths: set[str] = set()
    ids: set[int] = set()
    for role, grant in _grants(user):
        scope = GRANTS.get(role, {}).get(action, Scope.NONE)
        if scope == Scope.ALL:
            if token_paths is None:
                everything = True
            else:
                paths.update(token_paths)
        elif scope == Scope.SUBTREE:
            if inside_token(grant.unit_path):
                paths.add(grant.unit_path)
            else:  # the token may name a unit deeper inside this subtree
                paths.update(t for t in token_paths or () if t.startswith(grant.unit_path))
        elif scope == Scope.OWN and inside_token(grant.unit_path):
            ids.add(grant.unit_id)
    return UnitScope(everything, frozenset(paths), frozenset(ids))


def can(user, action: Action, unit: Unit | None = None) -> bool:
    """May ``user`` take ``action`` on ``unit`` (or anywhere, when no unit is given)?"""
    scope = unit_scope(user, action)
    if unit is None:
        return not scope.empty
    return scope.contains(unit)


def can_see(user, unit: Unit) -> bool:
    return can(user, Action.VIEW_UNITS, unit)


def require(user, action: Action, unit: Unit | None = None) -> None:
    """Refuse unless allowed. A unit the user cannot even see is reported as not found."""
    if can(user, action, unit):
        return
    if unit is not None and not can_see(user, unit):
        raise NotFound(_("Unit not found."))
    raise Forbidden(
        _("You do not have permission to do this."),
        action=str(action),
        target=f"orgs.unit:{unit.pk}" if unit is not None else "",
    )


def require_everything(user, action: Action, message: str) -> None:
    """Refuse unless ``action`` reaches every unit (the office's city-wide steps: locking a
    period, running the quality screen, managing cycles), saying ``message``."""
    require(user, action)
    if not unit_scope(user, action).everything:
        raise Forbidden(message, action=str(action))


def units(user, action: Action = Action.VIEW_UNITS) -> QuerySet[Unit]:
    """The units ``action`` reaches for ``user``, as a queryset."""
    from govperf.orgs.models import Unit

    return Unit.objects.filter(unit_scope(user, action).q())


def people(user, action: Action = Action.VIEW_PEOPLE):
    """People with a membership in a unit ``action`` reaches (everyone, for ALL scope)."""
    from govperf.orgs.models import Person

    scope = unit_scope(user, action)
    if scope.everything:
        return Person.objects.all()
    if scope.empty:
        return Person.objects.none()
    return Person.objects.filter(
        pk__in=Person.objects.filter(scope.q("memberships__unit__")).values("pk")
    )
