"""POST /api/v1/data/values with an Idempotency-Key (draft-ietf-httpapi-idempotency-key-header)."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone

from govperf.accounts.services import create_token
from govperf.audit.models import AuditEntry, AuditHead
from govperf.data import idempotency
from govperf.data.models import DataValue, DataValueChange, IdempotencyRecord

URL = "/api/v1/data/values"


def token_client(person, *, units=(), can_write=True) -> Client:
    _token, secret = create_token(
        actor=person, owner=person, name="push", can_write=can_write, units=list(units)
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def push(client, values, key="k-1", **headers):
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(
        URL, json.dumps({"values": values}), content_type="application/json", **headers
    )


def one(value="90", unit="edu", period="202603", indicator="ENR"):
    return {"indicator": indicator, "unit": unit, "period": period, "value": value}


def written():
    return (DataValue.objects.count(), DataValueChange.objects.count(), AuditEntry.objects.count())


def test_the_same_key_again_returns_the_stored_response_without_writing(org, lib):
    client = token_client(org.edu_coord)
    first = push(client, [one("90"), one("120", indicator="CAP")], key='"8e03978e-40d5-43e8"')
    assert first.status_code == 200
    body = first.json()
    assert {k: body[k] for k in ("rows", "created", "updated", "unchanged", "recomputed")} == {
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "recomputed": 2,
    }
    assert "Idempotent-Replayed" not in first
    before = written()
    # Same body, keys in another order and other spacing: the same request.
    again = client.post(
        URL,
        '{"values": [{"period": "202603", "value": "90", "unit": "edu", "indicator": "ENR"},'
        ' {"indicator": "CAP", "unit": "edu", "period": "202603", "value": "120"}]}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY='"8e03978e-40d5-43e8"',
    )
    assert again.status_code == 200
    assert again.json() == body
    assert again["Idempotent-Replayed"] == "true"
    assert written() == before


def test_the_same_key_with_another_body_is_422(org, lib):
    client = token_client(org.edu_coord)
    push(client, [one("90")])
    before = written()
    response = push(client, [one("91")])
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert written() == before
    assert DataValue.objects.get(indicator=lib.enr).value == 90


def test_a_duplicate_while_the_first_is_in_progress_is_409(org, lib):
    client = token_client(org.edu_coord)
    body = json.dumps({"values": [one("90")]}).encode()
    idempotency.claim(
        owner=org.edu_coord,
        token=None,
        key="k-1",
        method="POST",
        path="/data/values",
        request_hash=idempotency.fingerprint(body),
    )
    response = push(client, [one("90")])
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_in_progress"
    assert DataValue.objects.count() == 0


def test_a_refusal_is_stored_and_replayed_too(org, lib):
    client = token_client(org.edu_coord)
    first = push(client, [one("90"), one("abc", indicator="CAP")])
    assert first.status_code == 422
    assert first.json()["details"] == [
        {
            "message": "Not a number with at most 18 digits before and 6 after the point.",
            "row": 1,
            "column": "value",
            "field": "values.1.value",
            "value": "abc",
        }
    ]
    again = push(client, [one("90"), one("abc", indicator="CAP")])
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (
        422,
        first.json(),
        "true",
    )
    assert DataValue.objects.count() == 0


def test_a_key_is_required_and_well_formed(org, lib):
    client = token_client(org.edu_coord)
    missing = push(client, [one()], key=None)
    assert missing.status_code in (400, 422)
    assert push(client, [one()], key="").status_code == 400
    assert push(client, [one()], key="has space").status_code == 400
    assert push(client, [one()], key="x" * 256).status_code in (400, 422)
    assert DataValue.objects.count() == 0 and IdempotencyRecord.objects.count() == 0


def test_keys_are_per_owner(org, lib):
    push(token_client(org.edu_coord), [one("90")])
    response = push(token_client(org.edu_leader), [one("95")])
    assert response.status_code == 200
    assert DataValue.objects.get(indicator=lib.enr).value == 95


def test_an_expired_key_is_claimed_anew(org, lib, settings):
    client = token_client(org.edu_coord)
    push(client, [one("90")])
    IdempotencyRecord.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = push(client, [one("91")])
    assert response.status_code == 200 and "Idempotent-Replayed" not in response
    assert DataValue.objects.get(indicator=lib.enr).value == 91


def test_keys_expire_after_the_configured_hours(org, lib, settings):
    settings.DATA_IDEMPOTENCY_HOURS = 2
    push(token_client(org.edu_coord), [one("90")])
    record = IdempotencyRecord.objects.get()
    assert dt.timedelta(hours=2) - (record.expires_at - record.created_at) < dt.timedelta(seconds=5)
    assert idempotency.purge_expired(record.expires_at + dt.timedelta(seconds=1)) == 1


def test_a_server_failure_releases_the_key(org, lib, monkeypatch):
    client = token_client(org.edu_coord)
    body = json.dumps({"values": [one()]}).encode()
    claimed = idempotency.claim(
        owner=org.edu_coord,
        token=None,
        key="k-9",
        method="POST",
        path="/data/values",
        request_hash=idempotency.fingerprint(body),
    )
    idempotency.release(claimed)
    assert push(client, [one()], key="k-9").status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_on_postgresql_one_writes_the_other_gets_409():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer")
    from govperf.audit.services import record
    from tests.data.conftest import Library
    from tests.helpers import Org

    org = Org()
    lib = Library(org)
    record(action="test.start")  # the chain's head row exists from here on
    client_a = token_client(org.edu_coord)
    client_b = token_client(org.edu_coord)
    results: dict[str, int] = {}
    errors: list[Exception] = []
    started = threading.Event()

    def first() -> None:
        try:
            results["first"] = push(client_a, [one("90")], key="race").status_code
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    # Hold the audit chain's head: the first request claims its key, writes its values and then
    # waits at its audit entry, in progress, until this transaction ends.
    with transaction.atomic():
        AuditHead.objects.select_for_update().get(pk=1)
        thread = threading.Thread(target=first)
        thread.start()
        for _ in range(200):
            if IdempotencyRecord.objects.filter(key="race").exists():
                started.set()
                break
            threading.Event().wait(0.05)
        assert started.is_set()
        results["second"] = _in_thread(lambda: push(client_b, [one("90")], key="race").status_code)
    thread.join(timeout=30)
    assert errors == []
    assert results == {"first": 200, "second": 409}
    assert DataValue.objects.filter(indicator=lib.enr).count() == 1
    assert push(client_b, [one("90")], key="race")["Idempotent-Replayed"] == "true"


def _in_thread(call):
    out: list = []

    def run():
        try:
            out.append(call())
        finally:
            connections.close_all()

    t = threading.Thread(target=run)
    t.start()
    t.join(timeout=30)
    return out[0]
