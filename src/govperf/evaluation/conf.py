"""Configuration of the evaluation app.

The office's presets (*config*) live in the one ``EvaluationSettings`` row, edited on
the settings page: the appeal window (3 working days), the decision deadline (10
working days), the scores that need a comment (≥ 95 or < 60), reminder lead time
(3 days) and which data values results use (approved and locked). Deployment
settings are read when used, from Django settings first, then the environment:

============================  ===============================  =========================
setting                       environment                      default
============================  ===============================  =========================
``EVALUATION_EXPLAIN_WORKERS``  ``GOVPERF_EXPLAIN_WORKERS``    the machine's CPUs (≤ 4)
``EVALUATION_EXPLAIN_PARALLEL_FROM``  —                        1000 units
============================  ===============================  =========================

Explaining every point of every unit is pure Python and costs milliseconds per unit;
from ``EVALUATION_EXPLAIN_PARALLEL_FROM`` units on it runs in that many worker
processes.
"""

from __future__ import annotations

import os

from django.conf import settings

from govperf.core.env import env_int

VALUE_STATUSES = ("draft", "submitted", "approved", "locked")


def office_settings():
    """The office's presets (created with the defaults the first time)."""
    from govperf.evaluation.models import EvaluationSettings

    row = EvaluationSettings.objects.filter(pk=1).first()
    if row is None:
        row, _created = EvaluationSettings.objects.get_or_create(pk=1)
    return row


def value_statuses(row=None) -> tuple[str, ...]:
    row = row or office_settings()
    return tuple(s for s in (x.strip() for x in row.value_statuses.split(",")) if s)


def explain_workers() -> int:
    value = getattr(settings, "EVALUATION_EXPLAIN_WORKERS", None)
    if value is not None:
        return max(1, int(value))
    return env_int("GOVPERF_EXPLAIN_WORKERS", min(4, os.cpu_count() or 1), minimum=1)


def explain_parallel_from() -> int:
    return int(getattr(settings, "EVALUATION_EXPLAIN_PARALLEL_FROM", 1000))
