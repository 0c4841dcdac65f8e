"""Housekeeping tasks of the worker."""

from django.db import close_old_connections
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, on_startup

from govperf.core.models import WorkerHeartbeat

HEARTBEAT_NAME = "worker"


def beat() -> None:
    WorkerHeartbeat.objects.update_or_create(
        name=HEARTBEAT_NAME, defaults={"seen_at": timezone.now()}
    )


@db_periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    beat()


@on_startup()
def heartbeat_on_start() -> None:
    # So that /healthz sees the worker at once, not at the next whole minute.
    close_old_connections()
    beat()
    close_old_connections()
