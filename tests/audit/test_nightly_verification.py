"""The scheduled audit-chain verification records its outcome and alerts on a break."""

import datetime as dt
import json
import logging

from django.db import connection

from govperf.audit.models import AuditEntry
from govperf.audit.services import record
from govperf.audit.tasks import nightly_audit_verification, run_verification
from govperf.core.models import Notification
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


def test_a_break_is_recorded_logged_and_shown_to_the_auditor(
    org, caplog, django_capture_on_commit_callbacks, settings
):
    settings.LANGUAGE_CODE = "zh-hans"  # the installation's language (the audit tests use "en")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
    for i in range(3):
        record(action=f"test.{i}", actor_label="t")
    AuditEntry.objects.filter(seq=2).update(actor_label="nobody")

    with (
        caplog.at_level(logging.ERROR, logger="govperf.audit.tasks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        outcome = run_verification()

    assert outcome["first_broken"]["seq"] == 2
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.result) == ("audit.verify", "failed")
    assert "#2" in entry.object_repr
    assert [r.getMessage()[:30] for r in caplog.records] == ["Audit chain broken at #2: entr"]
    page = signed_in(org.auditor).get("/audit/").content.decode()
    assert 'data-testid="chain-broken"' in page
    # Every security auditor, and nobody else, is told, in the installation's language.
    alerts = Notification.objects.filter(kind="audit.chain_broken")
    assert [(n.recipient, n.url) for n in alerts] == [(org.auditor, "/audit/")]
    assert alerts[0].message.startswith("夜间校验发现审计日志哈希链在第 #2 条记录处断开")


def test_an_intact_chain_alerts_nobody(org, django_capture_on_commit_callbacks):
    for i in range(2):
        record(action=f"test.{i}", actor_label="t")

    with django_capture_on_commit_callbacks(execute=True):
        run_verification()

    assert not Notification.objects.exists()
