"""Nightly verification of the audit chain; a break alerts the security auditors."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from govperf.audit import context
from govperf.audit.models import AuditEntry
from govperf.audit.services import record
from govperf.audit.verify import verify_chain
from govperf.core.notifications import notify

log = logging.getLogger(__name__)

VERIFY_ACTION = "audit.verify"


def run_verification() -> dict[str, Any]:
    """Verify the whole chain and record the outcome in the chain itself.

    A break is logged as an error at once, every active security auditor gets a
    notification, and the auditor's search page shows the newest outcome.
    """
    # The problem text goes into the hash chain and the log: one language, whatever is active.
    with context.using(context.AuditContext(via="task")), translation.override("en"):
        report = verify_chain()
        record(
            action=VERIFY_ACTION,
            actor_label="system",
            object_type="audit.chain",
            object_id=report.head_seq,
            object_repr=report.problem[:255],
            after=report.as_dict(),
            result=AuditEntry.Result.OK if report.ok else AuditEntry.Result.FAILED,
        )
    if not report.ok:
        log.error("Audit chain broken at #%s: %s", report.broken_seq, report.problem)
        _alert_auditors(report.broken_seq)
    return report.as_dict()


def _alert_auditors(seq: int | None) -> None:
    from govperf.orgs.models import Person
    from govperf.orgs.roles import Role

    auditors = Person.objects.filter(
        is_active=True, memberships__role=Role.SECURITY_AUDITOR
    ).distinct()
    # Stored as text: in the installation's language, as the auditor reads it.
    with translation.override(settings.LANGUAGE_CODE):
        message = _(
            "The nightly check found the audit log's hash chain broken at entry #%(seq)s. "
            "Open the audit log and verify the chain."
        ) % {"seq": seq if seq is not None else "?"}
    notify(auditors, message, url=reverse("audit:search"), kind="audit.chain_broken")


@db_periodic_task(crontab(hour="2", minute="17"))
def nightly_audit_verification() -> dict[str, Any]:
    return run_verification()
