"""Connectors: HTTP JSON, HTTP CSV and SQL sources (a local server and a local database file),
every run logged, sources that fail retried, the owner told."""

from __future__ import annotations

import datetime
import json
import os
import sqlite3

import pytest

from govperf.core.models import Notification
from govperf.data.exchange import connectors
from govperf.data.models import Connector, ConnectorRun, DataValue

FIELDS = {"indicator": "ind", "unit": "org", "period": "pe", "value": "val"}


def make(org, **fields) -> Connector:
    defaults = {"name": "c", "kind": "http", "owner": org.office, "field_map": FIELDS}
    return Connector.objects.create(**{**defaults, **fields})


def test_http_json(org, lib, server):
    body = {"data": {"items": [{"ind": "ENR", "org": "edu", "pe": "202603", "val": 12}]}}
    server.routes["/v"] = (200, "application/json", json.dumps(body).encode())
    run = connectors.run(make(org, url=server.base + "/v", records_path="data.items"))
    assert (run.status, run.rows, run.counts["created"]) == ("ok", 1, 1)
    value = DataValue.objects.get(indicator=lib.enr)
    assert (value.value, value.source) == (12, "connector")


def test_http_csv(org, lib, server):
    server.routes["/v.csv"] = (
        200,
        "text/csv",
        b"ind,org,pe,val\nENR,edu,202603,3\nCAP,edu,202603,4\n",
    )
    run = connectors.run(make(org, url=server.base + "/v.csv", response_format="csv"))
    assert (run.status, run.counts["created"]) == ("ok", 2)


def test_sql_source_is_read_only(org, lib, tmp_path, settings):
    path = tmp_path / "src.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE v (ind text, org text, pe text, val real)")
        db.execute("INSERT INTO v VALUES ('ENR', 'edu', '202603', 9.5)")
    settings.DATA_CONNECTOR_DATABASES = {"stats": f"sqlite:///{path}"}
    run = connectors.run(
        make(org, kind="sql", database="stats", query="SELECT ind, org, pe, val FROM v")
    )
    assert (run.status, run.counts["created"]) == ("ok", 1)
    with pytest.raises(connectors.SourceUnavailable):
        connectors.run(make(org, name="w", kind="sql", database="stats", query="DELETE FROM v"))
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM v").fetchone() == (1,)


@pytest.mark.postgres
def test_sql_source_on_postgresql(org, lib, settings):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("PostgreSQL only")
    from django.db import connection

    settings.DATA_CONNECTOR_DATABASES = {"pg": url}
    run = connectors.run(
        make(
            org,
            kind="sql",
            database="pg",
            query="SELECT 'ENR' AS ind, 'edu' AS org, '202603' AS pe, 4 AS val",
        )
    )
    assert (run.status, run.counts["created"]) == ("ok", 1)
    assert connection.vendor == "postgresql"


def test_refused_data_is_logged_and_the_owner_told_without_retry(
    org, lib, server, django_capture_on_commit_callbacks
):
    server.routes["/bad"] = (
        200,
        "application/json",
        b'[{"ind": "ENR", "org": "edu", "pe": "202603", "val": "x"}]',
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = connectors.run(make(org, url=server.base + "/bad"))
    assert run.status == "refused" and run.errors[0]["row"] == 1
    assert Notification.objects.filter(recipient=org.office, kind="data.connector").count() == 1
    assert DataValue.objects.count() == 0


def test_a_failing_source_is_retried_and_the_owner_told_after_the_last_attempt(
    org, lib, server, django_capture_on_commit_callbacks
):
    from huey.contrib.djhuey import HUEY

    from govperf.data.tasks import CONNECTOR_RETRIES, run_connector

    connector = make(org, url=server.base + "/missing")
    with django_capture_on_commit_callbacks(execute=True):
        run_connector(connector.pk)  # the first attempt fails; huey schedules the retry
        for _ in range(CONNECTOR_RETRIES):
            # The retry waits its delay; run it now.
            for task in HUEY.read_schedule(datetime.datetime(2100, 1, 1)):
                task.eta = None
                HUEY.execute(task)
    runs = list(
        ConnectorRun.objects.filter(connector=connector)
        .order_by("attempt")
        .values_list("attempt", "status")
    )
    assert runs == [(1, "failed"), (2, "failed"), (3, "failed")]
    notes = Notification.objects.filter(recipient=org.office, kind="data.connector")
    assert notes.count() == 1 and "after 3 attempts" in notes.get().message


def test_dispatch_starts_due_connectors_once(org, lib, server):
    from govperf.data.tasks import dispatch_connectors

    server.routes["/v"] = (200, "application/json", b"[]")
    make(org, url=server.base + "/v", minute="*", hour="*")
    make(org, name="later", url=server.base + "/v", minute="0", hour="0", day="1", month="1")
    dispatch_connectors.call_local()
    dispatch_connectors.call_local()
    assert list(ConnectorRun.objects.values_list("connector__name", "status")) == [("c", "ok")]


def test_an_unexpected_failure_is_logged_as_failed_and_retried(org, lib, server, monkeypatch):
    import requests

    def broken(*args, **kwargs):
        raise UnicodeError("the client library broke")

    monkeypatch.setattr(requests, "request", broken)
    connector = make(org, url=server.base + "/v")
    with pytest.raises(connectors.SourceUnavailable):
        connectors.run(connector, attempt=1, final=False)
    run = ConnectorRun.objects.get(connector=connector)
    assert (run.status, run.message) == ("failed", "UnicodeError: the client library broke")
    assert run.finished_at is not None
