"""Every role tries every organisation write, on its own unit and on another, through the
API and through the pages: the allowed ones change the database, the denied ones change
nothing and leave a refusal in the audit log."""

import pytest

from govperf.audit.models import AuditEntry
from govperf.orgs.models import Membership, Person, Unit
from tests.helpers import signed_in

ROLES = [
    "admin",
    "auditor",
    "office",
    "leader",
    "edu_leader",
    "edu_coord",
    "edu_staff",
    "health_leader",
    "evaluator",
    "expert",
]
MANAGE_UNITS = {"admin", "office"}
MANAGE_PEOPLE = {"admin"}


def own_unit(org, name):
    return org.people()[name].memberships.get().unit


def other_unit(org, name):
    return org.health if own_unit(org, name).code != "health" else org.edu


def assert_denied(response, before: int, count) -> None:
    assert response.status_code in (403, 404), response.content
    assert count() == before
    if response.status_code == 403:
        assert AuditEntry.objects.filter(result="denied").exists()


@pytest.mark.parametrize("name", ROLES)
@pytest.mark.parametrize("where", ["own", "other"])
def test_create_unit_through_the_api(org, name, where):
    person = org.people()[name]
    parent = own_unit(org, name) if where == "own" else other_unit(org, name)
    before = Unit.objects.count()
    response = signed_in(person).post(
        "/api/v1/units",
        {"code": "new-unit", "name": "新单位", "kind": "section", "parent": parent.code},
        content_type="application/json",
    )
    if name in MANAGE_UNITS:
        assert response.status_code == 201
        assert Unit.objects.get(code="new-unit").parent_id == parent.pk
    else:
        assert_denied(response, before, Unit.objects.count)


@pytest.mark.parametrize("name", ROLES)
@pytest.mark.parametrize("where", ["own", "other"])
def test_create_unit_through_the_page(org, name, where):
    person = org.people()[name]
    parent = own_unit(org, name) if where == "own" else other_unit(org, name)
    before = Unit.objects.count()
    response = signed_in(person).post(
        f"/orgs/units/new/?parent={parent.pk}",
        {"code": "page-unit", "name": "页面单位", "kind": "section", "sort_order": 0},
    )
    if name in MANAGE_UNITS:
        assert response.status_code == 302
        assert Unit.objects.filter(code="page-unit", parent=parent).exists()
    else:
        assert_denied(response, before, Unit.objects.count)


@pytest.mark.parametrize("name", ROLES)
def test_rename_another_unit_through_the_api(org, name):
    person = org.people()[name]
    response = signed_in(person).patch(
        "/api/v1/units/county-edu", {"version": 1, "name": "改名"}, content_type="application/json"
    )
    if name in MANAGE_UNITS:
        assert response.status_code == 200
    else:
        assert response.status_code in (403, 404)
        assert Unit.objects.get(code="county-edu").name == "东城区教育局"


@pytest.mark.parametrize("name", ROLES)
def test_create_person_and_membership(org, name):
    person = org.people()[name]
    client = signed_in(person)
    people_before, members_before = Person.objects.count(), Membership.objects.count()
    created = client.post(
        "/api/v1/people", {"username": "zhou.ba", "name": "周八"}, content_type="application/json"
    )
    member = client.post(
        "/api/v1/memberships",
        {"username": "edu_staff", "unit": "health", "role": "evaluator"},
        content_type="application/json",
    )
    page = client.post("/orgs/people/new/", {"username": "wu.jiu", "name": "吴九"})
    if name in MANAGE_PEOPLE:
        assert (created.status_code, member.status_code, page.status_code) == (201, 201, 302)
        assert Person.objects.count() == people_before + 2
    else:
        assert_denied(created, people_before, Person.objects.count)
        assert_denied(member, members_before, Membership.objects.count)
        assert_denied(page, people_before, Person.objects.count)


@pytest.mark.parametrize("name", ROLES)
def test_read_the_audit_log(org, name):
    client = signed_in(org.people()[name])
    for url in ("/audit/", "/api/v1/audit/entries", "/audit/head.json"):
        status = client.get(url).status_code
        assert status == (200 if name == "auditor" else 403), (url, status)


def test_denied_attempt_is_recorded_with_actor_and_action(org):
    signed_in(org.edu_leader).post(
        "/api/v1/people", {"username": "x.y", "name": "X"}, content_type="application/json"
    )
    entry = AuditEntry.objects.filter(result="denied").latest("seq")
    assert (entry.actor_label, entry.action, entry.via) == (
        "edu_leader",
        "denied:manage_people",
        "api",
    )
