"""`govperf data connectors` and `govperf data connector-run NAME [--wait]`: one JSON object,
exit 0 for a run that wrote its values, exit 1 with the errors for one that failed."""

from __future__ import annotations

import json

from govperf.audit.models import AuditEntry
from govperf.core.models import Notification
from govperf.data.models import Connector, ConnectorRun, DataValue
from tests.data.conftest import cli

FIELDS = {"indicator": "ind", "unit": "org", "period": "pe", "value": "val"}
VALUES = b'[{"ind": "ENR", "org": "edu", "pe": "202603", "val": 12}]'


def make(org, url: str, **fields) -> Connector:
    defaults = {"name": "stats", "kind": "http", "owner": org.office, "field_map": FIELDS}
    return Connector.objects.create(url=url, **{**defaults, **fields})


def test_connectors_lists_kind_schedule_and_last_run(org, server, capsys):
    later = make(org, server.base, name="b-sql", kind="sql", database="x", query="SELECT 1")
    make(org, server.base, name="a-http", minute="*/5", hour="*", is_active=False)
    ConnectorRun.objects.create(connector=later, status="refused")
    ConnectorRun.objects.create(connector=later, status="ok")
    code, out = cli(capsys, "connectors")
    assert code == 0
    assert [
        (c["name"], c["kind"], c["schedule"], c["active"], c["last_run_status"])
        for c in out["connectors"]
    ] == [
        ("a-http", "http", "*/5 * * * *", False, None),
        ("b-sql", "sql", "0 2 * * *", True, "ok"),
    ]


def test_a_run_writes_the_values_prints_the_counts_and_exits_0(org, lib, server, capsys):
    server.routes["/v"] = (200, "application/json", VALUES)
    connector = make(org, server.base + "/v")
    code, out = cli(capsys, "connector-run", "stats")
    assert code == 0
    run = ConnectorRun.objects.get()
    assert out == {
        "ok": True,
        "connector": "stats",
        "run": run.pk,
        "status": "ok",
        "attempt": 1,
        "rows": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "recomputed": 0,
        "duration_ms": run.duration_ms,
    }
    value = DataValue.objects.get()
    assert (value.indicator.code, value.value, value.source) == ("ENR", 12, "connector")
    entry = AuditEntry.objects.get(action="data.connector.run", object_id=str(connector.pk))
    assert (entry.via, entry.actor_label, entry.actor_id) == ("cli", "system", None)


def test_a_failing_source_exits_1_with_the_error_and_tells_the_owner(
    org, lib, server, capsys, django_capture_on_commit_callbacks
):
    make(org, server.base + "/missing")
    with django_capture_on_commit_callbacks(execute=True):
        code, out = cli(capsys, "connector-run", "stats")
    assert code == 1
    assert (out["ok"], out["status"], out["errors"]) == (False, "failed", [{"message": "HTTP 404"}])
    assert list(ConnectorRun.objects.values_list("attempt", "status")) == [(1, "failed")]
    assert DataValue.objects.count() == 0
    note = Notification.objects.get(recipient=org.office, kind="data.connector")
    assert "after 1 attempts: HTTP 404" in note.message


def test_wait_tries_a_failing_source_again_as_the_worker_would(
    org, lib, server, capsys, django_capture_on_commit_callbacks
):
    make(org, server.base + "/missing")
    with django_capture_on_commit_callbacks(execute=True):
        code, out = cli(capsys, "connector-run", "stats", "--wait", "--retry-delay", "0")
    assert (code, out["attempt"]) == (1, 3)
    runs = list(ConnectorRun.objects.order_by("attempt").values_list("attempt", "status"))
    assert runs == [(1, "failed"), (2, "failed"), (3, "failed")]
    notes = Notification.objects.filter(recipient=org.office, kind="data.connector")
    assert notes.count() == 1 and "after 3 attempts" in notes.get().message


def test_refused_data_exit_1_with_located_errors_and_nothing_written(org, lib, server, capsys):
    server.routes["/bad"] = (
        200,
        "application/json",
        b'[{"ind": "ENR", "org": "edu", "pe": "202603", "val": 1},'
        b' {"ind": "ENR", "org": "edu", "pe": "202603", "val": "x"}]',
    )
    make(org, server.base + "/bad")
    code, out = cli(capsys, "connector-run", "stats")
    assert (code, out["status"], out["message"]) == (1, "refused", "1 errors; nothing was written.")
    assert [(e["row"], e["value"]) for e in out["errors"]] == [(2, "x")]
    assert DataValue.objects.count() == 0


def test_credentials_stay_out_of_the_output(org, lib, capsys):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    make(org, f"http://127.0.0.1:{port}/v?api_key=k-Secret-5521")
    code, out = cli(capsys, "connector-run", "stats")
    assert code == 1 and out["status"] == "failed"
    assert "k-Secret-5521" not in json.dumps(out) and "api_key=********" in out["message"]


def test_an_unknown_or_disabled_connector_exits_1_and_runs_nothing(org, server, capsys):
    make(org, server.base, is_active=False)
    code, out = cli(capsys, "connector-run", "nope")
    assert (code, out["errors"]) == (1, [{"message": "Connector not found."}])
    code, out = cli(capsys, "connector-run", "stats")
    assert (code, out["errors"]) == (
        1,
        [{"message": "This connector is disabled; enable it to run it."}],
    )
    assert ConnectorRun.objects.count() == 0


def test_as_a_person_without_the_right_is_refused(org, server, capsys):
    make(org, server.base + "/v")
    for args in (("connectors",), ("connector-run", "stats")):
        code, out = cli(capsys, *args, "--as", "edu_coord")
        assert (code, out["errors"]) == (1, [{"message": "You do not have permission to do this."}])
    assert ConnectorRun.objects.count() == 0
    assert not AuditEntry.objects.filter(action="data.connector.run").exists()
    code, out = cli(capsys, "connectors", "--as", "office")
    assert (code, [c["name"] for c in out["connectors"]]) == (0, ["stats"])
