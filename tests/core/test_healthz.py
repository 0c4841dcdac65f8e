"""GET /healthz: 200 with the database and worker status, 503 without a database."""

import datetime as dt
import json
from unittest import mock

from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone

from govperf import __version__
from govperf.core.models import WorkerHeartbeat
from govperf.core.tasks import HEARTBEAT_NAME, heartbeat
from tests.helpers import signed_in


def _health(client: Client | None = None) -> tuple[int, dict]:
    response = (client or Client()).get("/healthz")
    assert response["Content-Type"] == "application/json"
    return response.status_code, json.loads(response.content)


def test_a_worker_never_seen_is_unknown(db):
    assert _health() == (
        200,
        {
            "status": "ok",
            "version": __version__,
            "database": "ok",
            "worker": {"status": "unknown"},
        },
    )


def test_the_worker_is_ok_after_its_heartbeat(db):
    heartbeat.call_local()

    status, body = _health()

    assert status == 200
    assert body["worker"]["status"] == "ok"
    assert body["worker"]["seconds_since"] == 0
    seen = WorkerHeartbeat.objects.get(name=HEARTBEAT_NAME).seen_at
    assert body["worker"]["last_seen"] == seen.isoformat()


def test_the_heartbeat_runs_as_a_task(db):
    heartbeat()  # immediate mode in the tests: the task runs at once

    assert _health()[1]["worker"]["status"] == "ok"
    assert WorkerHeartbeat.objects.count() == 1


def test_a_worker_silent_for_more_than_three_minutes_is_stale(db):
    WorkerHeartbeat.objects.create(
        name=HEARTBEAT_NAME, seen_at=timezone.now() - dt.timedelta(minutes=4)
    )

    status, body = _health()

    assert status == 200
    assert body["worker"]["status"] == "stale"
    assert 239 <= body["worker"]["seconds_since"] <= 241


def test_a_worker_seen_two_minutes_ago_is_ok(db):
    WorkerHeartbeat.objects.create(
        name=HEARTBEAT_NAME, seen_at=timezone.now() - dt.timedelta(minutes=2)
    )

    assert _health()[1]["worker"]["status"] == "ok"


def test_503_when_the_database_cannot_be_reached(db):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("no route to host")):
        status, body = _health()

    assert status == 503
    assert body == {
        "status": "unavailable",
        "version": __version__,
        "database": "unavailable",
        "worker": {"status": "unknown"},
        "error": "OperationalError",
    }


def test_it_is_never_cached(db):
    response = Client().get("/healthz")

    assert "no-cache" in response["Cache-Control"]


def test_it_answers_whatever_the_session_still_owes(org):
    org.edu_staff.must_change_password = True
    org.edu_staff.save(update_fields=["must_change_password"])

    assert _health(signed_in(org.edu_staff))[0] == 200


def test_it_only_answers_get(db):
    assert Client().post("/healthz").status_code == 405
