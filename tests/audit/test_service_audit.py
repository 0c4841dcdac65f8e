"""Creates, updates and deletes through the orgs and accounts services land in the log
with their before and after states."""

import datetime as dt
import json

from django.test import Client
from django.utils import timezone

from govperf.accounts import services as account_services
from govperf.audit import context
from govperf.audit.models import AuditEntry
from govperf.audit.services import current_head, snapshot
from govperf.orgs import services


def _only_new(start: int) -> AuditEntry:
    [entry] = AuditEntry.objects.filter(seq__gt=start)
    return entry


def _state(text: str):
    return json.loads(text) if text else None


def test_create_unit(org):
    start = current_head().seq
    with context.using(context.AuditContext(client_ip="198.51.100.4", via="web")):
        unit = services.create_unit(
            actor=org.office,
            code="edu-s2",
            name="职成科",
            kind="section",
            parent=org.edu,
            groups=[org.social],
        )

    entry = _only_new(start)
    assert (entry.action, entry.actor_id, entry.actor_label, entry.result) == (
        "unit.create",
        org.office.pk,
        "office",
        "ok",
    )
    assert (entry.object_type, entry.object_id, entry.object_repr) == (
        "orgs.unit",
        str(unit.pk),
        "职成科",
    )
    assert (entry.client_ip, entry.via) == ("198.51.100.4", "web")
    assert entry.before == ""
    assert _state(entry.after) == {
        "code": "edu-s2",
        "name": "职成科",
        "kind": "section",
        "parent": org.edu.pk,
        "sort_order": 0,
        "is_active": True,
        "groups": ["social"],
    }


def test_update_unit(org):
    start = current_head().seq

    services.update_unit(
        actor=org.office,
        unit=org.health,
        expected_version=1,
        name="卫生健康委员会",
        kind="department",
        sort_order=7,
        groups=[],
    )

    entry = _only_new(start)
    assert entry.action == "unit.update"
    assert (_state(entry.before)["name"], _state(entry.after)["name"]) == (
        "卫健委",
        "卫生健康委员会",
    )
    assert (_state(entry.before)["sort_order"], _state(entry.after)["sort_order"]) == (0, 7)
    assert (_state(entry.before)["groups"], _state(entry.after)["groups"]) == (["social"], [])


def test_move_unit(org):
    start = current_head().seq

    services.move_unit(
        actor=org.admin, unit=org.edu_s1, new_parent=org.county_edu, expected_version=1
    )

    entry = _only_new(start)
    assert (entry.action, entry.actor_label, entry.object_id) == (
        "unit.move",
        "admin",
        str(org.edu_s1.pk),
    )
    assert (_state(entry.before)["parent"], _state(entry.after)["parent"]) == (
        org.edu.pk,
        org.county_edu.pk,
    )


def test_add_membership(org):
    start = current_head().seq

    membership = services.add_membership(
        actor=org.admin, person=org.edu_staff, unit=org.health, role="evaluator", title="评委"
    )

    entry = _only_new(start)
    assert (entry.action, entry.object_type, entry.object_id) == (
        "membership.create",
        "orgs.membership",
        str(membership.pk),
    )
    after = _state(entry.after)
    assert {k: after[k] for k in ("person", "unit", "role", "title")} == {
        "person": org.edu_staff.pk,
        "unit": org.health.pk,
        "role": "evaluator",
        "title": "评委",
    }


def test_remove_membership(org):
    membership = org.edu_staff.memberships.get()
    start = current_head().seq

    services.remove_membership(actor=org.admin, membership=membership)

    entry = _only_new(start)
    assert (entry.action, entry.object_id, entry.after) == (
        "membership.delete",
        str(membership.pk),
        "",
    )
    assert _state(entry.before)["role"] == "staff"


def test_create_person_never_logs_the_password(org):
    start = current_head().seq

    person = services.create_person(
        actor=org.admin, username="newbie", name="新人", password="Another#Pass2026"
    )

    entry = _only_new(start)
    assert (entry.action, entry.object_id) == ("person.create", str(person.pk))
    assert _state(entry.after) == {
        "username": "newbie",
        "name": "新人",
        "email": "",
        "phone": "",
        "employee_no": "",
        "is_active": True,
    }
    assert "Another#Pass2026" not in entry.after
    assert person.password not in entry.after
    assert "password" not in snapshot(person)


def test_create_token(org):
    expires = timezone.now() + dt.timedelta(days=30)
    start = current_head().seq

    token, secret = account_services.create_token(
        actor=org.edu_coord,
        owner=org.edu_coord,
        name="预算系统",
        can_write=True,
        units=[org.edu_s1],
        expires_at=expires,
    )

    entry = _only_new(start)
    assert (entry.action, entry.object_type, entry.object_id) == (
        "token.create",
        "accounts.apitoken",
        str(token.pk),
    )
    after = _state(entry.after)
    assert {k: after[k] for k in ("name", "prefix", "can_write", "owner", "units")} == {
        "name": "预算系统",
        "prefix": token.prefix,
        "can_write": True,
        "owner": org.edu_coord.pk,
        "units": ["edu-s1"],
    }
    assert after["revoked_at"] is None
    assert "key_hash" not in after
    assert secret not in entry.after and token.key_hash not in entry.after


def test_revoke_token(org):
    token, _secret = account_services.create_token(
        actor=org.edu_coord, owner=org.edu_coord, name="t", can_write=False, units=[]
    )
    start = current_head().seq

    account_services.revoke_token(actor=org.admin, token=token)

    entry = _only_new(start)
    assert (entry.action, entry.actor_label, entry.object_id) == (
        "token.revoke",
        "admin",
        str(token.pk),
    )
    assert _state(entry.before)["revoked_at"] is None
    assert _state(entry.after)["revoked_at"] is not None


def test_set_password_and_unlock_are_recorded(org):
    start = current_head().seq

    account_services.set_password(
        actor=org.admin, person=org.edu_staff, new_password="Reset#Pass2027"
    )
    account_services.unlock(actor=org.admin, person=org.edu_staff)

    rows = list(
        AuditEntry.objects.filter(seq__gt=start)
        .order_by("seq")
        .values_list("action", "actor_label", "object_id", "after")
    )
    assert rows == [
        ("password.set_by_admin", "admin", str(org.edu_staff.pk), ""),
        ("login.unlocked", "admin", str(org.edu_staff.pk), '{"attempts_cleared":0}'),
    ]


def test_a_page_write_records_the_request_address_and_channel(org):
    from tests.helpers import signed_in

    client = signed_in(org.admin)
    client.defaults["REMOTE_ADDR"] = "192.0.2.55"
    start = current_head().seq

    response = client.post(
        "/orgs/units/new/?parent=" + str(org.city.pk),
        {"code": "stats", "name": "统计局", "kind": "department", "sort_order": 0},
    )

    assert response.status_code == 302
    entry = _only_new(start)
    assert (entry.action, entry.client_ip, entry.via) == ("unit.create", "192.0.2.55", "web")


def test_an_api_write_records_the_api_channel(org):
    from tests.helpers import signed_in

    client: Client = signed_in(org.admin)
    start = current_head().seq

    response = client.post(
        "/api/v1/units",
        {"code": "stats", "name": "统计局", "kind": "department", "parent": "city"},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    entry = _only_new(start)
    assert (entry.action, entry.client_ip, entry.via) == ("unit.create", "127.0.0.1", "api")
