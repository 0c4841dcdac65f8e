"""Worker tasks of the evaluation app; each calls one service and is safe to run twice."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def compute_results(job_id: int) -> None:
    """Compute one queued job; a job already claimed or finished is left alone."""
    from govperf.evaluation.services import run_computation

    run_computation(job_id)


@db_periodic_task(crontab(hour="8", minute="30"))
def remind_scoring_tasks() -> None:
    """Each morning: tasks due within the reminder lead time, and tasks overdue."""
    from govperf.evaluation.services import send_task_reminders

    send_task_reminders()


@db_periodic_task(crontab(hour="8", minute="40"))
def flag_overdue_appeals() -> None:
    from govperf.evaluation.services import flag_overdue_appeals as flag

    flag()
