"""Worker tasks of the data app: large imports and connectors.

Each task calls one service and nothing more; each is safe to run twice.
"""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

CONNECTOR_RETRIES = 2
CONNECTOR_RETRY_DELAY = 300  # seconds


@db_task()
def run_import_job(job_id: int) -> None:
    from govperf.data.exchange.jobs import run_job

    run_job(job_id)


@db_task(retries=CONNECTOR_RETRIES, retry_delay=CONNECTOR_RETRY_DELAY, context=True)
def run_connector(connector_id: int, run_id: int | None = None, task=None) -> None:
    """One attempt; a source that cannot be read raises, and huey tries again later.

    ``run_id`` is the run that "run now" queued; the first attempt fills it in.
    """
    from govperf.data.exchange import connectors

    left = task.retries if task is not None else 0
    connectors.run_task(
        connector_id, run_id=run_id, attempt=CONNECTOR_RETRIES - left + 1, final=left == 0
    )


@db_periodic_task(crontab(minute="*"))
def dispatch_connectors() -> None:
    """Each minute, start the connectors whose schedule says now (once, whatever the workers)."""
    from govperf.data.exchange.connectors import is_due
    from govperf.data.models import Connector

    now = timezone.now()
    minute = now.replace(second=0, microsecond=0)
    for connector in Connector.objects.filter(is_active=True):
        if not is_due(connector, now):
            continue
        # Claim the minute with a conditional update, so that two dispatchers start it once.
        claimed = (
            Connector.objects.filter(pk=connector.pk)
            .exclude(last_run_at__gte=minute)
            .update(last_run_at=now)
        )
        if claimed:
            run_connector(connector.pk)


# --- the data-quality screen -----------------------------------------------------------------


@db_task()
def run_quality_screen(run_id: int) -> None:
    """Screen one queued run; a run already claimed or finished is left alone."""
    from govperf.data.quality import execute

    execute(run_id)


@db_periodic_task(crontab(day="1", hour="3", minute="30"))
def monthly_quality_screen() -> None:
    """Re-verify the year's data each month (R002), for every unit."""
    from govperf.data.services import start_quality_run

    start_quality_run(actor=None, period=str(timezone.localdate().year))


@db_periodic_task(crontab(minute="17"))
def purge_idempotency_keys() -> None:
    """Drop expired Idempotency-Keys every hour."""
    from govperf.data.idempotency import purge_expired

    purge_expired()
