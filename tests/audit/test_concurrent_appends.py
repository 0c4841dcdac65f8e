"""Concurrent appends on PostgreSQL never fork the chain, and verification during them
reports no false break."""

import threading

import pytest
from django.db import connection, connections

from govperf.audit import context
from govperf.audit.models import GENESIS_HASH, AuditEntry
from govperf.audit.services import record
from govperf.audit.verify import verify_chain

THREADS = 6
APPENDS = 25

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer, so there is no race")


def _append_many(worker: int, start: threading.Barrier, errors: list) -> None:
    try:
        start.wait()
        with context.using(context.AuditContext(client_ip=f"10.0.0.{worker}", via="task")):
            for i in range(APPENDS):
                record(action="test.concurrent", actor_label=f"w{worker}", after={"i": i})
    except Exception as exc:  # reported by the test, not lost in the thread
        errors.append(exc)
    finally:
        connections.close_all()  # this thread's own connection


def test_concurrent_appends_form_one_linear_chain():
    start = threading.Barrier(THREADS + 1)
    errors: list[Exception] = []
    threads = [
        threading.Thread(target=_append_many, args=(w, start, errors)) for w in range(THREADS)
    ]
    for t in threads:
        t.start()
    start.wait()
    # Verify while the others append: a walk that races them must not report a break.
    during = []
    while any(t.is_alive() for t in threads):
        during.append(verify_chain())
    for t in threads:
        t.join()

    assert errors == []
    rows = list(AuditEntry.objects.order_by("seq").values_list("seq", "prev_hash", "hash"))
    total = THREADS * APPENDS
    assert [seq for seq, _p, _h in rows] == list(range(1, total + 1))
    prev = GENESIS_HASH
    for _seq, prev_hash, digest in rows:
        assert prev_hash == prev
        prev = digest
    assert len({h for _s, _p, h in rows}) == total
    for w in range(THREADS):
        assert AuditEntry.objects.filter(actor_label=f"w{w}").count() == APPENDS
    assert [r.problem for r in during if not r.ok] == []
    final = verify_chain()
    assert (final.ok, final.checked, final.head_hash) == (True, total, prev)
