"""Configuration of the data app: Django settings first, then the environment, then defaults.

Read when used, never at import, so that tests and operators can change them.

================================  ================================  =======
setting                           environment                       default
================================  ================================  =======
``DATA_EVIDENCE_MAX_BYTES``       ``GOVPERF_EVIDENCE_MAX_MB`` (MB)  20 MB
``DATA_IDEMPOTENCY_HOURS``        ``GOVPERF_IDEMPOTENCY_HOURS``     24
``DATA_DUE_DAYS``                 ``GOVPERF_DATA_DUE_DAYS``         10
``DATA_IMPORT_MAX_BYTES``         ``GOVPERF_IMPORT_MAX_MB`` (MB)    200 MB
``DATA_IMPORT_TASK_BYTES``        ``GOVPERF_IMPORT_TASK_KB`` (KB)   2 MB
``DATA_IMPORT_TASK_ROWS``         ``GOVPERF_IMPORT_TASK_ROWS``      5000
``DATA_CONNECTOR_DATABASES``      ``GOVPERF_CONNECTOR_DATABASES``   none
``DATA_CONNECTOR_TIMEOUT``        ``GOVPERF_CONNECTOR_TIMEOUT`` (s) 30
================================  ================================  =======

A file larger than ``DATA_IMPORT_TASK_BYTES``, or with more rows than
``DATA_IMPORT_TASK_ROWS``, is imported by the worker with a progress bar.
``DATA_CONNECTOR_DATABASES`` names the databases SQL connectors may read, as
``name=DSN,name=DSN`` (``sqlite:///path/file.db`` or ``postgres://…``); they are
opened read-only.

``DATA_DUE_DAYS`` (*ours*): a value is due this many days after its period ends
(the 10th of the next month for a monthly value), unless its target sets a later
deadline; the quality screen measures timeliness against it.
"""

from __future__ import annotations

from django.conf import settings

from govperf.core.env import env_int
from govperf.core.http import XLSX

# Evidence types: extension → the content type it is served as.
EVIDENCE_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "xlsx": XLSX,
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv",
}


def evidence_max_bytes() -> int:
    value = getattr(settings, "DATA_EVIDENCE_MAX_BYTES", None)
    if value is not None:
        return int(value)
    return env_int("GOVPERF_EVIDENCE_MAX_MB", 20, minimum=1) * 1024 * 1024


def idempotency_hours() -> int:
    value = getattr(settings, "DATA_IDEMPOTENCY_HOURS", None)
    if value is not None:
        return int(value)
    return env_int("GOVPERF_IDEMPOTENCY_HOURS", 24, minimum=1)


def due_days() -> int:
    value = getattr(settings, "DATA_DUE_DAYS", None)
    if value is not None:
        return int(value)
    return env_int("GOVPERF_DATA_DUE_DAYS", 10, minimum=0)


def _setting_int(name: str, env: str, default: int, scale: int = 1) -> int:
    value = getattr(settings, name, None)
    if value is not None:
        return int(value)
    return env_int(env, default, minimum=1) * scale


def import_max_bytes() -> int:
    return _setting_int("DATA_IMPORT_MAX_BYTES", "GOVPERF_IMPORT_MAX_MB", 200, 1024 * 1024)


def import_task_bytes() -> int:
    return _setting_int("DATA_IMPORT_TASK_BYTES", "GOVPERF_IMPORT_TASK_KB", 2048, 1024)


def import_task_rows() -> int:
    return _setting_int("DATA_IMPORT_TASK_ROWS", "GOVPERF_IMPORT_TASK_ROWS", 5000)


def connector_timeout() -> int:
    return _setting_int("DATA_CONNECTOR_TIMEOUT", "GOVPERF_CONNECTOR_TIMEOUT", 30)


def connector_databases() -> dict[str, str]:
    """Databases SQL connectors may read: name → DSN."""
    value = getattr(settings, "DATA_CONNECTOR_DATABASES", None)
    if value is not None:
        return dict(value)
    import os

    out: dict[str, str] = {}
    for part in os.environ.get("GOVPERF_CONNECTOR_DATABASES", "").split(","):
        name, sep, dsn = part.partition("=")
        if sep and name.strip() and dsn.strip():
            out[name.strip()] = dsn.strip()
    return out
