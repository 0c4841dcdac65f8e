"""Housekeeping tasks of the worker."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from govperf.core.models import WorkerHeartbeat

HEARTBEAT_NAME = "worker"


@db_periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    WorkerHeartbeat.objects.update_or_create(
        name=HEARTBEAT_NAME, defaults={"seen_at": timezone.now()}
    )
