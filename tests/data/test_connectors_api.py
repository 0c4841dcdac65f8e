"""Connectors through the API: the office keeps them (credentials never answered back), runs
one now against a local HTTP server and follows its run; others are refused and nothing
changes."""

from __future__ import annotations

import base64
import datetime
import json
import socket

import pytest
from huey.contrib.djhuey import HUEY

from govperf.audit.models import AuditEntry
from govperf.core.models import Notification
from govperf.data.models import Connector, ConnectorRun, DataValue
from govperf.data.tasks import CONNECTOR_RETRIES
from tests.data.test_idempotency import token_client
from tests.helpers import signed_in

URL = "/api/v1/data/connectors"
FIELDS = {"indicator": "ind", "unit": "org", "period": "pe", "value": "val"}
PASSWORD = "pw-Secret-771"
TOKEN = "tok-Secret-9931"
API_KEY = "hdr-Secret-4417"
SECRETS = (PASSWORD, TOKEN, API_KEY)


@pytest.fixture(autouse=True)
def no_retry_left_behind():
    """A failed run schedules its retry in the (in-memory) task store; drop what is left."""
    yield
    HUEY.storage.flush_schedule()


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


def body(base: str, **extra) -> dict:
    return {
        "name": "stats",
        "kind": "http",
        "url": f"{base.replace('//', f'//robot:{PASSWORD}@')}/v?token={TOKEN}&year=2026",
        "headers": {"X-Api-Key": API_KEY, "Accept": "application/json"},
        "field_map": FIELDS,
        "minute": "15",
        "hour": "*",
        **extra,
    }


def created(client, base: str, **extra) -> dict:
    response = post(client, URL, body(base, **extra))
    assert response.status_code == 201, response.content
    return response.json()


def state() -> tuple:
    """Everything a connector request could change."""
    return (
        list(Connector.objects.values_list("pk", "name", "version", "is_active", "url")),
        ConnectorRun.objects.count(),
        DataValue.objects.count(),
        AuditEntry.objects.filter(action__startswith="data.connector").count(),
    )


def test_the_office_creates_reads_and_lists_without_credentials(org, server):
    client = signed_in(org.office)
    out = created(client, server.base)
    port = server.server_port
    assert out["url"] == f"http://robot:********@127.0.0.1:{port}/v?token=********&year=2026"
    assert out["headers"] == {"X-Api-Key": "********", "Accept": "********"}
    assert (out["owner"], out["schedule"], out["version"], out["last_run_status"]) == (
        "office",
        "15 * * * *",
        1,
        None,
    )
    stored = Connector.objects.get()
    assert stored.url == f"http://robot:{PASSWORD}@127.0.0.1:{port}/v?token={TOKEN}&year=2026"
    assert stored.headers["X-Api-Key"] == API_KEY
    listed = client.get(URL)
    one = client.get(f"{URL}/{stored.pk}")
    assert listed.json()["count"] == 1 and listed.json()["items"][0] == out == one.json()
    audit = AuditEntry.objects.get(action="data.connector.create")
    for text in (listed.content.decode(), one.content.decode(), audit.after):
        assert not [s for s in SECRETS if s in text]


def test_list_is_paginated_and_filtered(org, server):
    client = signed_in(org.office)
    for n in range(3):
        created(client, server.base, name=f"c{n}", is_active=n != 1)
    page = client.get(f"{URL}?page=2&page_size=2").json()
    assert (page["count"], [c["name"] for c in page["items"]]) == (3, ["c2"])
    active = client.get(f"{URL}?is_active=true").json()
    assert [c["name"] for c in active["items"]] == ["c0", "c2"]


def test_masked_credentials_sent_back_keep_the_stored_ones(org, server):
    client = signed_in(org.office)
    out = created(client, server.base)
    changed = patch(
        client,
        f"{URL}/{out['id']}",
        {
            "version": 1,
            "url": out["url"],
            "headers": {**out["headers"], "X-Year": "2026"},
            "records_path": "data",
        },
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["version"], changed.json()["records_path"]) == (2, "data")
    stored = Connector.objects.get()
    assert PASSWORD in stored.url and TOKEN in stored.url
    assert stored.headers == {
        "X-Api-Key": API_KEY,
        "Accept": "application/json",
        "X-Year": "2026",
    }
    # A masked value for a header not stored is refused.
    refused = patch(client, f"{URL}/{out['id']}", {"version": 2, "headers": {"X-New": "********"}})
    assert refused.status_code == 422
    assert refused.json()["details"][0]["field"] == "headers"


def test_a_stale_version_is_409_and_changes_nothing(org, server):
    client = signed_in(org.office)
    out = created(client, server.base)
    assert patch(client, f"{URL}/{out['id']}", {"version": 1, "hour": "3"}).status_code == 200
    before = state()
    stale = patch(client, f"{URL}/{out['id']}", {"version": 1, "hour": "4"})
    assert (stale.status_code, stale.json()["code"]) == (409, "conflict")
    assert state() == before and Connector.objects.get().hour == "3"


def test_invalid_input_is_422_and_located(org, server):
    client = signed_in(org.office)
    bad_cron = post(client, URL, body(server.base, minute="99"))
    assert bad_cron.status_code == 422 and bad_cron.json()["details"][0]["field"] == "minute"
    missing = post(client, URL, body(server.base, field_map={"indicator": "ind"}))
    assert sorted(d["value"] for d in missing.json()["details"]) == ["period", "unit", "value"]
    assert post(client, URL, body(server.base, is_active="true")).status_code == 422  # strict
    sql = post(client, URL, body(server.base, kind="sql", database="nowhere", query=""))
    assert sorted(d["field"] for d in sql.json()["details"]) == ["database", "query"]
    created(client, server.base)
    twin = post(client, URL, body(server.base))
    assert twin.status_code == 422 and twin.json()["details"][0]["field"] == "name"
    assert Connector.objects.count() == 1


def test_run_now_queues_the_run_and_the_worker_writes_the_values(
    org, lib, server, django_capture_on_commit_callbacks
):
    client = signed_in(org.office)
    out = created(client, server.base)
    server.routes[f"/v?token={TOKEN}&year=2026"] = (
        200,
        "application/json",
        b'[{"ind": "ENR", "org": "edu", "pe": "202603", "val": 12},'
        b' {"ind": "CAP", "org": "edu", "pe": "202603", "val": 20}]',
    )
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(f"{URL}/{out['id']}/run")
    assert queued.status_code == 202
    assert (queued.json()["status"], queued.json()["attempt"]) == ("queued", 1)
    run_id = queued.json()["id"]
    run = client.get(f"{URL}/{out['id']}/runs/{run_id}").json()
    assert (run["status"], run["rows"], run["errors"], run["message"]) == ("ok", 2, [], "")
    assert run["counts"] == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0, "recomputed": 2}
    assert sorted(
        DataValue.objects.filter(source="connector").values_list("indicator__code", "value")
    ) == [("CAP", 20), ("ENR", 12)]
    # The stored credentials went to the source.
    sent = server.seen[0][1]
    assert sent["X-Api-Key"] == API_KEY
    assert base64.b64decode(sent["Authorization"].removeprefix("Basic ")) == (
        f"robot:{PASSWORD}".encode()
    )
    runs = client.get(f"{URL}/{out['id']}/runs").json()
    assert (runs["count"], runs["items"][0]["id"]) == (1, run_id)  # filled in, not a second run
    assert client.get(f"{URL}/{out['id']}").json()["last_run_status"] == "ok"
    entry = AuditEntry.objects.get(action="data.connector.run")
    assert (entry.actor_id, json.loads(entry.after)) == (org.office.pk, {"run": run_id})


def test_a_failing_source_gives_a_failed_run_that_is_retried(
    org, lib, server, django_capture_on_commit_callbacks
):
    client = signed_in(org.office)
    out = created(client, server.base, url=server.base + "/missing")
    with django_capture_on_commit_callbacks(execute=True):
        run_id = client.post(f"{URL}/{out['id']}/run").json()["id"]
    run = client.get(f"{URL}/{out['id']}/runs/{run_id}").json()
    assert (run["status"], run["message"], run["counts"]) == ("failed", "HTTP 404", {})
    assert DataValue.objects.count() == 0
    # Not the last attempt yet: the worker tries again before the owner is told.
    assert Notification.objects.filter(kind="data.connector").count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(CONNECTOR_RETRIES):  # each retry waits its delay; run it now
            for task in HUEY.read_schedule(datetime.datetime(2100, 1, 1)):
                task.eta = None
                HUEY.execute(task)
    runs = client.get(f"{URL}/{out['id']}/runs").json()["items"]
    assert [(r["attempt"], r["status"]) for r in runs] == [
        (3, "failed"),
        (2, "failed"),
        (1, "failed"),
    ]
    note = Notification.objects.get(recipient=org.office, kind="data.connector")
    assert "failed after 3 attempts: HTTP 404" in note.message


def test_refused_data_give_a_refused_run_with_located_errors(
    org, lib, server, django_capture_on_commit_callbacks
):
    client = signed_in(org.office)
    out = created(client, server.base, url=server.base + "/bad")
    server.routes["/bad"] = (
        200,
        "application/json",
        b'[{"ind": "ENR", "org": "edu", "pe": "202603", "val": 1},'
        b' {"ind": "ENR", "org": "nowhere", "pe": "202603", "val": 2}]',
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_id = client.post(f"{URL}/{out['id']}/run").json()["id"]
    run = client.get(f"{URL}/{out['id']}/runs/{run_id}").json()
    assert (run["status"], run["message"]) == ("refused", "1 errors; nothing was written.")
    assert [(e["row"], e["value"]) for e in run["errors"]] == [(2, "nowhere")]
    assert DataValue.objects.count() == 0


def test_a_run_message_never_shows_a_credential(org, lib, django_capture_on_commit_callbacks):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = signed_in(org.office)
    out = created(client, f"http://127.0.0.1:{port}")
    with django_capture_on_commit_callbacks(execute=True):
        run_id = client.post(f"{URL}/{out['id']}/run").json()["id"]
    stored = ConnectorRun.objects.get(pk=run_id)
    answered = client.get(f"{URL}/{out['id']}/runs/{run_id}")
    assert stored.status == "failed" and stored.message.startswith("ConnectionError")
    assert "token=********" in answered.json()["message"]
    for text in (stored.message, answered.content.decode()):
        assert not [s for s in SECRETS if s in text]


def test_a_disabled_connector_does_not_run(org, server):
    client = signed_in(org.office)
    out = created(client, server.base)
    disabled = patch(client, f"{URL}/{out['id']}", {"version": 1, "is_active": False})
    assert disabled.json()["is_active"] is False
    refused = client.post(f"{URL}/{out['id']}/run")
    assert (refused.status_code, ConnectorRun.objects.count()) == (409, 0)


def test_delete_keeps_the_audit_of_it(org, server):
    client = signed_in(org.office)
    out = created(client, server.base)
    ConnectorRun.objects.create(connector_id=out["id"], status="ok")
    assert client.delete(f"{URL}/{out['id']}").status_code == 204
    assert (Connector.objects.count(), ConnectorRun.objects.count()) == (0, 0)
    entry = AuditEntry.objects.get(action="data.connector.delete")
    assert entry.object_repr == "stats" and PASSWORD not in entry.before
    assert client.get(f"{URL}/{out['id']}").status_code == 404


def test_unknown_connectors_and_other_connectors_runs_are_not_found(org, server):
    client = signed_in(org.office)
    first, second = created(client, server.base), created(client, server.base, name="other")
    run = ConnectorRun.objects.create(connector_id=second["id"], status="ok")
    assert client.get(f"{URL}/999999").status_code == 404
    assert client.post(f"{URL}/999999/run").status_code == 404
    assert client.get(f"{URL}/{first['id']}/runs/{run.pk}").status_code == 404
    assert client.get(f"{URL}/{second['id']}/runs/{run.pk}").status_code == 200


@pytest.mark.parametrize("who", ["edu_coord", "edu_leader", "health_leader", "auditor", "admin"])
def test_without_the_right_everything_is_403_and_nothing_changes(org, server, who):
    out = created(signed_in(org.office), server.base)
    ConnectorRun.objects.create(connector_id=out["id"], status="ok")
    before = state()
    client = signed_in(getattr(org, who))
    answers = [
        client.get(URL),
        client.get(f"{URL}/{out['id']}"),
        client.get(f"{URL}/{out['id']}/runs"),
        post(client, URL, body(server.base, name="mine")),
        patch(client, f"{URL}/{out['id']}", {"version": 1, "hour": "1"}),
        client.post(f"{URL}/{out['id']}/run"),
        client.delete(f"{URL}/{out['id']}"),
    ]
    assert [a.status_code for a in answers] == [403] * 7
    assert state() == before


def test_an_office_token_limited_to_some_units_may_not_use_connectors(org, server):
    out = created(signed_in(org.office), server.base)
    before = state()
    narrow = token_client(org.office, units=[org.edu])
    assert narrow.get(URL).status_code == 403
    assert narrow.post(f"{URL}/{out['id']}/run").status_code == 403
    assert state() == before
    whole = token_client(org.office)
    assert whole.get(URL).json()["count"] == 1
    read_only = token_client(org.office, can_write=False)
    assert read_only.post(f"{URL}/{out['id']}/run").status_code == 403
    assert state() == before


def test_a_run_queued_before_the_connector_was_disabled_is_closed_unread(
    org, server, django_capture_on_commit_callbacks
):
    client = signed_in(org.office)
    out = created(client, server.base)
    with django_capture_on_commit_callbacks() as queued_tasks:
        run_id = client.post(f"{URL}/{out['id']}/run").json()["id"]
    patch(client, f"{URL}/{out['id']}", {"version": 1, "is_active": False})
    for start in queued_tasks:  # the worker picks the task up only now
        start()
    run = client.get(f"{URL}/{out['id']}/runs/{run_id}").json()
    assert (run["status"], run["message"]) == (
        "failed",
        "The connector was disabled before the run started.",
    )
    assert server.seen == []


def test_the_owner_is_handed_over_to_someone_who_can_keep_connectors(org, server):
    from tests.helpers import make_person

    client = signed_in(org.office)
    out = created(client, server.base)
    url = f"{URL}/{out['id']}"
    colleague = make_person("office2", ("perf_office", org.office_unit), name="绩效办二")
    before = state()
    # Nobody by that name, and someone who may not keep connectors: refused, located.
    for name in ("nobody", org.edu_coord.username):
        refused = patch(client, url, {"version": 1, "owner": name})
        assert refused.status_code == 422, refused.content
        assert refused.json()["details"][0]["field"] == "owner"
    assert state() == before
    handed = patch(client, url, {"version": 1, "owner": "OFFICE2"})
    assert handed.status_code == 200, handed.content
    assert handed.json()["owner"] == "office2"
    assert Connector.objects.get().owner == colleague
    entry = AuditEntry.objects.filter(action="data.connector.update").latest("pk")
    assert json.loads(entry.before)["owner"] != json.loads(entry.after)["owner"]
