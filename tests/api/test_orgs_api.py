"""Units, people and memberships through the API, end to end."""

import json

from govperf.audit.models import AuditEntry
from govperf.orgs.models import Membership, Person, Unit
from tests.helpers import signed_in


def body(response):
    return json.loads(response.content)


def test_create_move_deactivate_unit(org):
    client = signed_in(org.office)
    created = client.post(
        "/api/v1/units",
        {
            "code": "edu-s9",
            "name": "督导科",
            "kind": "section",
            "parent": "edu",
            "groups": ["social"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    data = body(created)
    assert (data["parent_code"], data["groups"], data["depth"], data["version"]) == (
        "edu",
        ["social"],
        2,
        1,
    )
    moved = client.patch(
        "/api/v1/units/edu-s9", {"version": 1, "parent": "health"}, content_type="application/json"
    )
    assert body(moved)["parent_code"] == "health"
    off = client.patch(
        "/api/v1/units/edu-s9",
        {"version": body(moved)["version"], "is_active": False},
        content_type="application/json",
    )
    assert body(off)["is_active"] is False
    assert list(
        AuditEntry.objects.filter(object_id=str(data["id"]))
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["unit.create", "unit.move", "unit.deactivate"]


def test_delete_unit(org):
    client = signed_in(org.admin)
    assert client.delete("/api/v1/units/edu").status_code == 409
    client.post(
        "/api/v1/units",
        {"code": "tmp", "name": "t", "kind": "post", "parent": "health"},
        content_type="application/json",
    )
    assert client.delete("/api/v1/units/tmp").status_code == 204
    assert not Unit.objects.filter(code="tmp").exists()


def test_people_and_memberships(org):
    client = signed_in(org.admin)
    created = client.post(
        "/api/v1/people",
        {"username": "qian.qi", "name": "钱七", "password": "Another#Pass99"},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert Person.objects.get(username="qian.qi").must_change_password
    member = client.post(
        "/api/v1/memberships",
        {"username": "qian.qi", "unit": "edu-s1", "role": "staff"},
        content_type="application/json",
    )
    assert member.status_code == 201
    assert body(member)["unit_code"] == "edu-s1"
    listed = body(client.get("/api/v1/memberships?username=qian.qi"))
    assert [(m["unit_code"], m["role"]) for m in listed["items"]] == [("edu-s1", "staff")]
    patched = client.patch(
        "/api/v1/people/qian.qi", {"version": 1, "phone": "123"}, content_type="application/json"
    )
    assert body(patched)["phone"] == "123"
    assert client.delete(f"/api/v1/memberships/{body(member)['id']}").status_code == 204
    assert not Membership.objects.filter(person__username="qian.qi").exists()


def test_people_visibility_follows_the_policy(org):
    names = [p["username"] for p in body(signed_in(org.edu_leader).get("/api/v1/people"))["items"]]
    assert names == ["edu_coord", "edu_leader", "edu_staff"]
    names = [p["username"] for p in body(signed_in(org.edu_staff).get("/api/v1/people"))["items"]]
    assert names == ["edu_staff"]
    assert signed_in(org.edu_staff).get("/api/v1/people/health_leader").status_code == 404


def test_me(org):
    data = body(signed_in(org.edu_coord).get("/api/v1/me"))
    assert data["roles"] == ["unit_coordinator"]
    assert data["memberships"][0]["unit_code"] == "edu"
