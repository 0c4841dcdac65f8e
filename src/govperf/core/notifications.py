"""Telling people what concerns them: one helper, deferred until the change is committed.

A workflow step calls ``notify`` inside its transaction; nothing is written if the
step rolls back, and a failure to notify never undoes the step.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from govperf.core.models import Notification

log = logging.getLogger(__name__)


def notify(recipients: Iterable, message: str, *, url: str = "", kind: str = "") -> None:
    """Queue a message for each recipient (people, or person ids), written on commit."""
    ids = sorted({getattr(r, "pk", r) for r in recipients if r is not None})
    if not ids:
        return
    text = str(message)[:500]

    def write() -> None:
        try:
            Notification.objects.bulk_create(
                [
                    Notification(recipient_id=pk, message=text, url=url[:300], kind=kind[:64])
                    for pk in ids
                ]
            )
        except Exception:  # a lost notification must not break the step it reports
            log.exception("could not write notifications %r", kind)

    transaction.on_commit(write)


def unread_count(person) -> int:
    return Notification.objects.filter(recipient=person, read_at__isnull=True).count()


def mark_read(person, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=person, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
