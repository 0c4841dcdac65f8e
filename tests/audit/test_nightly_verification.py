"""The scheduled audit-chain verification records its outcome and alerts on a break."""

import datetime as dt
import json
import logging

from django.db import connection

from govperf.audit.models import AuditEntry
from govperf.audit.services import record
from govperf.audit.tasks import nightly_audit_verification, run_verification
from tests.helpers import signed_in


def test_it_runs_nightly():
    task = nightly_audit_verification.task_class()

    assert task.validate_datetime(dt.datetime(2026, 3, 2, 2, 17)) is True
    assert task.validate_datetime(dt.datetime(2026, 3, 2, 3, 17)) is False


def test_an_intact_chain_is_recorded_as_checked(db):
    for i in range(3):
        record(action=f"test.{i}", actor_label="t")

    nightly_audit_verification()  # huey runs it at once in the tests

    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.seq, entry.action, entry.result, entry.via) == (4, "audit.verify", "ok", "task")
    assert json.loads(entry.after)["checked"] == 3


def test_a_break_is_recorded_logged_and_shown_to_the_auditor(org, caplog):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
    for i in range(3):
        record(action=f"test.{i}", actor_label="t")
    AuditEntry.objects.filter(seq=2).update(actor_label="nobody")

    with caplog.at_level(logging.ERROR, logger="govperf.audit.tasks"):
        outcome = run_verification()

    assert outcome["first_broken"]["seq"] == 2
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.result) == ("audit.verify", "failed")
    assert "#2" in entry.object_repr
    assert [r.getMessage()[:30] for r in caplog.records] == ["Audit chain broken at #2: entr"]
    page = signed_in(org.auditor).get("/audit/").content.decode()
    assert 'data-testid="chain-broken"' in page
