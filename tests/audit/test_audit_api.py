"""The audit API: /api/v1/audit/entries, /head and /verify, for the security auditor only."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from govperf.accounts import services as account_services
from govperf.audit.models import AuditEntry
from govperf.audit.services import current_head, record
from tests.helpers import signed_in

OTHERS = [
    "admin",
    "office",
    "leader",
    "edu_leader",
    "edu_coord",
    "edu_staff",
    "health_leader",
    "evaluator",
    "expert",
]


@pytest.fixture
def entries(org):
    record(action="login.ok", actor=org.edu_staff)
    record(action="login.failed", actor=org.edu_staff, result="failed")
    record(action="unit.update", actor=org.office, before={"name": "a"}, after={"name": "b"})
    return AuditEntry.objects.count()


def _get(client: Client, url: str, **query):
    response = client.get(url, query)
    return response.status_code, json.loads(response.content)


def test_the_auditor_lists_entries_newest_first(org, entries):
    status, body = _get(signed_in(org.auditor), "/api/v1/audit/entries")

    assert status == 200
    assert body["count"] == entries
    assert [e["seq"] for e in body["items"]] == list(range(entries, 0, -1))
    newest = body["items"][0]
    assert {k: newest[k] for k in ("action", "actor_label", "before", "after", "result")} == {
        "action": "unit.update",
        "actor_label": "office",
        "before": '{"name":"a"}',
        "after": '{"name":"b"}',
        "result": "ok",
    }


@pytest.mark.parametrize(
    ("query", "actions"),
    [
        ({"actor": "edu_staff"}, ["login.failed", "login.ok"]),
        ({"action": "unit"}, ["unit.update"]),
        ({"result": "failed"}, ["login.failed"]),
        ({"q": '"b"'}, ["unit.update"]),
    ],
)
def test_filters(org, entries, query, actions):
    _status, body = _get(signed_in(org.auditor), "/api/v1/audit/entries", **query)

    assert [e["action"] for e in body["items"]] == actions


def test_date_range(org, entries):
    today = timezone.localdate()
    day = dt.timedelta(days=1)
    client = signed_in(org.auditor)

    def count(**query) -> int:
        return _get(
            client, "/api/v1/audit/entries", **{k: v.isoformat() for k, v in query.items()}
        )[1]["count"]

    assert count(since=today, until=today) == entries
    assert count(since=today + day) == 0
    assert count(until=today - day) == 0


def test_head_and_verify(org, entries):
    client = signed_in(org.auditor)

    status, head = _get(client, "/api/v1/audit/head")
    response = client.post(
        "/api/v1/audit/verify", {"anchor": head}, content_type="application/json"
    )

    assert (status, head) == (200, current_head().as_dict())
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "ok": True,
        "checked": entries,
        "head": head,
        "first_broken": None,
        "warnings": [],
    }


def test_verify_reports_a_cut_tail_against_the_anchor(org, entries):
    response = signed_in(org.auditor).post(
        "/api/v1/audit/verify",
        {"anchor": {"seq": entries + 5, "hash": "a" * 64}},
        content_type="application/json",
    )

    body = json.loads(response.content)
    assert (body["ok"], body["first_broken"]["seq"]) == (False, entries + 1)


def test_the_auditor_reads_with_a_read_only_token(org, entries):
    _token, secret = account_services.create_token(
        actor=org.auditor, owner=org.auditor, name="SIEM", can_write=False, units=[]
    )

    response = Client().get("/api/v1/audit/entries", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 200
    assert json.loads(response.content)["count"] == entries + 1  # and the token's creation


@pytest.mark.parametrize("who", OTHERS)
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/audit/entries"),
        ("get", "/api/v1/audit/head"),
        ("post", "/api/v1/audit/verify"),
    ],
)
def test_everyone_else_is_refused(org, entries, who, method, url):
    client = signed_in(org.people()[who])

    response = (
        client.post(url, {}, content_type="application/json")
        if method == "post"
        else client.get(url)
    )

    assert response.status_code == 403
    assert json.loads(response.content)["code"] == "forbidden"
    assert list(AuditEntry.objects.filter(seq__gt=entries).values_list("action", "result")) == [
        ("denied:view_audit", "denied")
    ]


def test_the_system_admin_token_is_refused_too(org, entries):
    _token, secret = account_services.create_token(
        actor=org.admin, owner=org.admin, name="t", can_write=True, units=[]
    )

    response = Client().get("/api/v1/audit/entries", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 403


def test_anonymous_requests_are_unauthenticated(db):
    response = Client().get("/api/v1/audit/entries")

    assert response.status_code == 401
    assert json.loads(response.content)["code"] == "unauthenticated"
