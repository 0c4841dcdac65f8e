"""Reads of the organisation, always scoped by the permission policy."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from govperf.core.errors import NotFound
from govperf.orgs import policy
from govperf.orgs.models import ComparableGroup, Membership, Person, Unit
from govperf.orgs.policy import Action
from govperf.orgs.roles import Role


def memberships_of(person: Person) -> QuerySet[Membership]:
    return person.memberships.select_related("unit").order_by("unit__path", "role")


def get_unit(user, pk: int | str, action: Action = Action.VIEW_UNITS) -> Unit:
    """The unit if ``user`` may take ``action`` on it; outsiders get not-found."""
    unit = Unit.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if unit is None or not policy.can_see(user, unit):
        raise NotFound(_("Unit not found."))
    policy.require(user, action, unit)
    return unit


def get_unit_by_code(user, code: str, action: Action = Action.VIEW_UNITS) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None or not policy.can_see(user, unit):
        raise NotFound(_("Unit not found."))
    policy.require(user, action, unit)
    return unit


def visible_units(
    user, *, search: str = "", kind: str = "", group: str = "", active: bool | None = None
) -> QuerySet[Unit]:
    qs = policy.units(user, Action.VIEW_UNITS)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__icontains=search))
    if kind:
        qs = qs.filter(kind=kind)
    if group:
        qs = qs.filter(groups__code=group)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("path")


def tree_roots(user) -> list[Unit]:
    """The highest visible units: those whose parent the user cannot see."""
    scope = policy.unit_scope(user, Action.VIEW_UNITS)
    if scope.everything:
        return list(_with_child_counts(Unit.objects.filter(parent__isnull=True)))
    visible = list(policy.units(user).only("pk", "path"))
    ids = {u.pk for u in visible}
    root_ids = [u.pk for u in visible if not (set(u.ancestor_ids()) & ids)]
    return list(_with_child_counts(Unit.objects.filter(pk__in=root_ids)))


def children(user, unit: Unit) -> list[Unit]:
    return list(_with_child_counts(policy.units(user).filter(parent=unit)))


def _with_child_counts(qs: QuerySet[Unit]) -> QuerySet[Unit]:
    return qs.annotate(child_count=Count("children", distinct=True)).order_by("sort_order", "code")


def ancestors(unit: Unit) -> list[Unit]:
    ids = unit.ancestor_ids()
    by_id = Unit.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def unit_members(user, unit: Unit) -> QuerySet[Membership]:
    if not policy.can(user, Action.VIEW_PEOPLE, unit):
        return Membership.objects.none()
    return unit.memberships.select_related("person").order_by("role", "person__name")


def visible_people(
    user, *, search: str = "", unit: Unit | None = None, role: str = "", active: bool | None = None
):
    qs = policy.people(user)
    if search:
        qs = qs.filter(
            Q(name__icontains=search)
            | Q(username__icontains=search)
            | Q(employee_no__icontains=search)
        )
    if unit is not None:
        qs = qs.filter(memberships__unit__path__startswith=unit.path)
    if role:
        qs = qs.filter(memberships__role=role)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.distinct().order_by("username")


def get_person(user, pk: int | str) -> Person:
    person = policy.people(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if person is None:
        raise NotFound(_("Person not found."))
    return person


def get_membership(user, pk: int | str) -> Membership:
    membership = (
        Membership.objects.select_related("unit", "person").filter(pk=pk).first()
        if str(pk).isdigit()
        else None
    )
    if membership is None or not policy.can(user, Action.VIEW_PEOPLE, membership.unit):
        raise NotFound(_("Membership not found."))
    return membership


def groups() -> QuerySet[ComparableGroup]:
    return ComparableGroup.objects.annotate(unit_count=Count("units")).order_by("code")


def office_people() -> QuerySet[Person]:
    """The active members of the performance office: whom plans, data and evaluations notify."""
    return Person.objects.filter(
        is_active=True, memberships__role=Role.PERF_OFFICE, memberships__unit__is_active=True
    ).distinct()
