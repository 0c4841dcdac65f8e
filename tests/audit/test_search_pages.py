"""The security auditor's pages: /audit/, /audit/verify/, /audit/head.json."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

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
    record(action="unit.update", actor=org.office, object_type="orgs.unit", object_id=5)
    record(action="unit.create", actor=org.office, object_type="orgs.unit", object_id=6)
    record(action="denied:manage_units", actor=org.auditor, result="denied")
    return AuditEntry.objects.count()


def _seqs(response) -> list[int]:
    return [e.seq for e in response.context["page"]]


def test_the_auditor_sees_every_entry_newest_first(org, entries):
    response = signed_in(org.auditor).get("/audit/")

    assert response.status_code == 200
    assert _seqs(response) == list(range(entries, 0, -1))
    assert "unit.update" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "actions"),
    [
        ({"actor": "EDU_STAFF"}, ["login.failed", "login.ok"]),
        ({"action": "unit."}, ["unit.create", "unit.update"]),
        ({"action": "login"}, ["login.failed", "login.ok"]),
        ({"result": "failed"}, ["login.failed"]),
        ({"result": "denied"}, ["denied:manage_units"]),
        ({"actor": "office", "action": "unit.create"}, ["unit.create"]),
        ({"object_type": "orgs.unit", "object_id": "5"}, ["unit.update"]),
    ],
)
def test_filters(org, entries, query, actions):
    response = signed_in(org.auditor).get("/audit/", query)

    assert [e.action for e in response.context["page"]] == actions


def test_date_range(org, entries):
    today = timezone.localdate()
    day = dt.timedelta(days=1)
    client = signed_in(org.auditor)

    def count(**query):
        return len(
            client.get("/audit/", {k: v.isoformat() for k, v in query.items()}).context["page"]
        )

    assert count(since=today, until=today) == entries
    assert count(since=today - day) == entries
    assert count(since=today + day) == 0
    assert count(until=today - day) == 0


def test_an_unreadable_filter_shows_nothing_rather_than_everything(org, entries):
    response = signed_in(org.auditor).get("/audit/", {"since": "yesterday", "actor": "office"})

    assert response.status_code == 200
    assert "since" in response.context["form"].errors
    assert _seqs(response) == []


def test_an_htmx_search_returns_the_results_fragment(org, entries):
    response = signed_in(org.auditor).get("/audit/", {"action": "unit."}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="audit-table"' in body
    assert "<html" not in body


def test_the_search_page_shows_the_last_scheduled_verification(org, entries):
    from govperf.audit.tasks import run_verification

    run_verification()
    response = signed_in(org.auditor).get("/audit/")

    assert 'data-testid="chain-checked"' in response.content.decode()


def test_the_verify_page_reports_an_intact_chain(org, entries):
    client = signed_in(org.auditor)

    assert client.get("/audit/verify/").status_code == 200
    response = client.post("/audit/verify/", {"anchor": json.dumps(current_head().as_dict())})

    assert response.status_code == 200
    assert response.context["report"].ok is True
    assert response.context["report"].checked == entries
    assert 'data-testid="verify-ok"' in response.content.decode()


def test_the_verify_page_names_the_first_broken_entry(org, entries):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
    AuditEntry.objects.filter(seq=3).update(object_id="7")

    response = signed_in(org.auditor).post("/audit/verify/", {"anchor": ""})

    assert response.context["report"].broken_seq == 3
    assert 'data-testid="verify-broken"' in response.content.decode()


def test_the_verify_page_refuses_a_malformed_anchor(org, entries):
    response = signed_in(org.auditor).post("/audit/verify/", {"anchor": '{"seq": "x"}'})

    assert response.context["anchor_error"] == "invalid"
    assert response.context["report"] is None


def test_the_head_export(org, entries):
    response = signed_in(org.auditor).get("/audit/head.json")

    body = json.loads(response.content)
    assert response.status_code == 200
    assert {k: body[k] for k in ("seq", "hash")} == current_head().as_dict() | {"seq": entries}
    assert set(body) == {"seq", "hash", "exported_at"}
    assert response["Content-Disposition"] == (
        f'attachment; filename="govperf-audit-head-{entries}.json"'
    )


@pytest.mark.parametrize("who", OTHERS)
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/audit/"),
        ("get", "/audit/verify/"),
        ("post", "/audit/verify/"),
        ("get", "/audit/head.json"),
    ],
)
def test_everyone_else_is_refused_and_only_the_refusal_is_recorded(org, entries, who, method, url):
    person = org.people()[who]
    before = list(AuditEntry.objects.values_list("seq", "hash"))

    response = getattr(signed_in(person), method)(url)

    assert response.status_code == 403
    assert "unit.update" not in response.content.decode()
    assert list(AuditEntry.objects.filter(seq__lte=entries).values_list("seq", "hash")) == before
    [refusal] = AuditEntry.objects.filter(seq__gt=entries)
    assert (refusal.action, refusal.actor_label, refusal.result) == (
        "denied:view_audit",
        who,
        "denied",
    )


def test_an_anonymous_visitor_is_sent_to_sign_in(db):
    response = Client().get("/audit/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
