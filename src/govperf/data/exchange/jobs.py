"""Import jobs: an uploaded file checked (dry run), then imported, inline or by the worker.

A small file runs inside the request; a large one (``conf.import_task_bytes`` /
``conf.import_task_rows``) is queued for the worker, which writes its progress
to the job between chunks, so the page's progress bar moves. The file waits under
``MEDIA_ROOT/imports/`` between check and import, and is removed once imported.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from govperf.core.errors import Conflict, NotFound
from govperf.data import conf
from govperf.data.exchange.readers import check_size
from govperf.data.models import ImportJob
from govperf.orgs import policy
from govperf.orgs.policy import Action

S = ImportJob.Status


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def job_path(job: ImportJob) -> Path:
    return _folder() / f"job-{job.pk}-{job.sha256[:16]}"


def may_import(user) -> bool:
    return policy.can(user, Action.ENTER_DATA) or policy.can(user, Action.IMPORT_DATA)


def require_import(user) -> None:
    if not may_import(user):
        policy.require(user, Action.ENTER_DATA)


def visible_jobs(user) -> QuerySet[ImportJob]:
    """One's own jobs; the office (``IMPORT_DATA``) sees everyone's."""
    qs = ImportJob.objects.select_related("actor")
    if policy.can(user, Action.IMPORT_DATA):
        return qs
    return qs.filter(actor=user)


def get_job(user, pk: Any) -> ImportJob:
    try:
        return visible_jobs(user).get(pk=int(pk))
    except (ImportJob.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("Import job not found.")) from None


def is_large(size: int, rows: int) -> bool:
    return size > conf.import_task_bytes() or rows > conf.import_task_rows()


def create_job(
    *,
    actor,
    data: bytes,
    filename: str,
    fmt: str | None = None,
    unit: str | None = None,
    period: str | None = None,
    mapping_rows: list[list[str]] | None = None,
) -> ImportJob:
    """Keep the upload and check it (a dry run): inline when small, by the worker when large."""
    from govperf.data import importing

    require_import(actor)
    check_size(io.BytesIO(data), conf.import_max_bytes())
    fmt = fmt or importing.detect_format(filename, data[:4096])
    job = ImportJob.objects.create(
        actor=actor,
        filename=filename[:200],
        format=fmt,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        options={"unit": unit or "", "period": period or "", "mapping": mapping_rows or []},
        dry_run=True,
        progress_total=importing.count_rows(io.BytesIO(data), fmt),
    )
    job_path(job).write_bytes(data)
    _dispatch(job)
    job.refresh_from_db()
    return job


def confirm_job(*, actor, job: ImportJob) -> ImportJob:
    """Import a checked file for real, all or nothing."""
    if job.actor_id != getattr(actor, "pk", None):
        raise NotFound(_("Import job not found."))
    updated = ImportJob.objects.filter(pk=job.pk, status=S.CHECKED, dry_run=True).update(
        dry_run=False, status=S.QUEUED, progress_done=0, phase=""
    )
    if not updated:
        raise Conflict(
            _("This file is not ready to import (it has errors, or it was imported already).")
        )
    job.refresh_from_db()
    _dispatch(job)
    job.refresh_from_db()
    return job


def _dispatch(job: ImportJob) -> None:
    if is_large(job.size, job.progress_total):
        from govperf.data.tasks import run_import_job

        run_import_job(job.pk)
    else:
        run_job(job.pk)


def run_job(job_id: int) -> None:
    """Run a queued job (inline or in the worker); idempotent: a job not queued is left alone."""
    from govperf.audit import context
    from govperf.data import importing

    claimed = ImportJob.objects.filter(pk=job_id, status=S.QUEUED).update(
        status=S.RUNNING, started_at=timezone.now(), phase="reading"
    )
    if not claimed:
        return
    job = ImportJob.objects.select_related("actor").get(pk=job_id)
    path = job_path(job)

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(
            progress_done=done, progress_total=max(done, job.progress_total)
        )

    try:
        with context.using(context.AuditContext(via=context.current().via or "task")):
            outcome = importing.import_file(
                actor=job.actor,
                stream=path,
                filename=job.filename,
                fmt=job.format,
                unit=job.options.get("unit") or None,
                period=job.options.get("period") or None,
                mapping_rows=job.options.get("mapping") or None,
                dry_run=job.dry_run,
                batch_id=job.batch_id,
                progress=progress,
            )
    except Exception as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=S.FAILED,
            finished_at=timezone.now(),
            errors=[{"message": _("The import failed unexpectedly; nothing was written.")}],
            phase=type(exc).__name__[:16],
        )
        raise
    result = outcome.result
    if not outcome.ok:
        status = S.REFUSED
    elif job.dry_run:
        status = S.CHECKED
    else:
        status = S.DONE
    ImportJob.objects.filter(pk=job.pk).update(
        status=status,
        phase="",
        finished_at=timezone.now(),
        counts={**result.counts(), "blank": outcome.blank, "more_errors": result.more_errors},
        errors=[d.as_dict() for d in result.errors],
        warnings=[d.as_dict() for d in result.warnings[:200]],
        preview=outcome.preview if job.dry_run else job.preview,
        progress_done=result.rows + outcome.blank,
        progress_total=max(result.rows + outcome.blank, 1),
    )
    if status in (S.DONE, S.REFUSED):  # the file is needed only between check and import
        path.unlink(missing_ok=True)
