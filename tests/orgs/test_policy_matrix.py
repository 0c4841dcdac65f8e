"""The permission policy, walked over every role × action × unit position.

The table below is the specification, written out by hand: for each role, the
actions it may take on its own unit, on a unit below its own, and on a unit
elsewhere in the tree. Every cell is asserted, allowed and denied alike.
"""

import pytest

from govperf.orgs import policy
from govperf.orgs.policy import Action
from govperf.orgs.roles import Role
from tests.helpers import make_person, make_unit

# role: {action: "own below other"} with Y/n; actions not listed are denied everywhere.
TABLE = {
    Role.SYSTEM_ADMIN: {
        Action.VIEW_UNITS: "Y Y Y",
        Action.MANAGE_UNITS: "Y Y Y",
        Action.VIEW_PEOPLE: "Y Y Y",
        Action.MANAGE_PEOPLE: "Y Y Y",
        Action.MANAGE_MEMBERSHIPS: "Y Y Y",
        Action.MANAGE_TOKENS: "Y Y Y",
    },
    Role.SECURITY_AUDITOR: {
        Action.VIEW_UNITS: "Y Y Y",
        Action.VIEW_PEOPLE: "Y Y Y",
        Action.VIEW_AUDIT: "Y Y Y",
    },
    Role.PERF_OFFICE: {
        Action.VIEW_UNITS: "Y Y Y",
        Action.MANAGE_UNITS: "Y Y Y",
        Action.VIEW_PEOPLE: "Y Y Y",
        Action.MANAGE_LIBRARY: "Y Y Y",
        Action.REVIEW_PLAN: "Y Y Y",
        Action.MANAGE_GOALS: "Y Y Y",
        Action.LOCK_PERIOD: "Y Y Y",
        Action.VIEW_DATA: "Y Y Y",
        Action.IMPORT_DATA: "Y Y Y",
        Action.VIEW_QUALITY: "Y Y Y",
        Action.REVIEW_QUALITY: "Y Y Y",
        Action.VIEW_RESULTS: "Y Y Y",
        Action.MANAGE_EVALUATION: "Y Y Y",
        Action.VIEW_PLANS: "Y Y Y",
    },
    Role.LEADER: {
        Action.VIEW_UNITS: "Y Y Y",
        Action.VIEW_PEOPLE: "Y Y Y",
        Action.VIEW_DATA: "Y Y Y",
        Action.VIEW_QUALITY: "Y Y Y",
        Action.VIEW_RESULTS: "Y Y Y",
        Action.VIEW_PLANS: "Y Y Y",
        Action.SCORE: "Y Y Y",
    },
    Role.UNIT_LEADER: {
        Action.VIEW_UNITS: "Y Y n",
        Action.VIEW_PEOPLE: "Y Y n",
        Action.EDIT_PLAN: "Y Y n",
        Action.SUBMIT_PLAN: "Y Y n",
        Action.ENTER_DATA: "Y Y n",
        Action.APPROVE_DATA: "Y Y n",
        Action.VIEW_DATA: "Y Y n",
        Action.VIEW_QUALITY: "Y Y n",
        Action.VIEW_RESULTS: "Y Y n",
        Action.SCORE: "Y Y n",
        Action.APPEAL: "Y Y n",
        Action.VIEW_PLANS: "Y Y n",
    },
    Role.UNIT_COORDINATOR: {
        Action.VIEW_UNITS: "Y Y n",
        Action.VIEW_PEOPLE: "Y Y n",
        Action.EDIT_PLAN: "Y Y n",
        Action.SUBMIT_PLAN: "Y Y n",
        Action.ENTER_DATA: "Y Y n",
        Action.VIEW_DATA: "Y Y n",
        Action.VIEW_RESULTS: "Y Y n",
        Action.SCORE: "Y Y n",
        Action.VIEW_PLANS: "Y Y n",
    },
    Role.STAFF: {
        Action.VIEW_UNITS: "Y Y n",
        Action.VIEW_PEOPLE: "Y n n",
        Action.ENTER_DATA: "Y n n",
        Action.VIEW_DATA: "Y n n",
        Action.VIEW_RESULTS: "Y n n",
        Action.VIEW_PLANS: "Y n n",
    },
    Role.EVALUATOR: {Action.VIEW_UNITS: "Y n n", Action.SCORE: "Y n n"},
    Role.THIRD_PARTY_EVALUATOR: {Action.VIEW_UNITS: "Y n n", Action.SCORE: "Y n n"},
}

CELLS = [
    (role, action, position)
    for role in Role
    for action in Action
    for position in ("own", "below", "other")
]


@pytest.fixture
def tree(db):
    city = make_unit("city", "city")
    dept = make_unit("dept", "department", city)
    section = make_unit("sec", "section", dept)
    other = make_unit("other", "department", city)
    return {"own": dept, "below": section, "other": other}


def expected(role: Role, action: Action, position: str) -> bool:
    row = TABLE[role].get(action, "n n n").split()
    return row[("own", "below", "other").index(position)] == "Y"


def test_table_covers_every_role():
    assert set(TABLE) == set(Role)


@pytest.mark.parametrize(("role", "action", "position"), CELLS, ids=lambda v: str(v))
def test_cell(tree, role, action, position):
    person = make_person(f"p-{role}", (role, tree["own"]))
    assert policy.can(person, action, tree[position]) is expected(role, action, position)


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_action_anywhere_matches_table(tree, role):
    person = make_person(f"p-{role}", (role, tree["own"]))
    for action in Action:
        anywhere = any(expected(role, action, p) for p in ("own", "below", "other"))
        assert policy.can(person, action) is anywhere, action


def test_inactive_person_and_inactive_unit_grant_nothing(tree):
    person = make_person("p", (Role.UNIT_LEADER, tree["own"]))
    person.is_active = False
    assert not policy.can(person, Action.VIEW_UNITS, tree["own"])
    person = make_person("q", (Role.UNIT_LEADER, tree["other"]))
    tree["other"].is_active = False
    tree["other"].save()
    assert not policy.can(person, Action.VIEW_UNITS, tree["other"])


def test_anonymous_gets_nothing(tree):
    from django.contrib.auth.models import AnonymousUser

    assert not any(policy.can(AnonymousUser(), a) for a in Action)
    assert policy.units(AnonymousUser()).count() == 0


def test_grants_union_over_memberships(tree):
    person = make_person("two", (Role.STAFF, tree["own"]), (Role.UNIT_LEADER, tree["other"]))
    assert policy.can(person, Action.APPROVE_DATA, tree["other"])
    assert not policy.can(person, Action.APPROVE_DATA, tree["own"])
    assert set(policy.units(person).values_list("code", flat=True)) == {"dept", "sec", "other"}


def test_visible_units_queryset_matches_can(tree):
    for role in Role:
        person = make_person(f"v-{role}", (role, tree["own"]))
        listed = set(policy.units(person).values_list("pk", flat=True))
        for position, unit in tree.items():
            assert (unit.pk in listed) is expected(role, Action.VIEW_UNITS, position), (
                role,
                position,
            )


def test_writes_are_the_non_view_actions():
    assert Action.VIEW_AUDIT not in policy.WRITES
    assert Action.MANAGE_UNITS in policy.WRITES
    assert Action.ENTER_DATA in policy.WRITES
