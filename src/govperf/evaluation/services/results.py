"""Computing a round's results (in the worker) and the result workflow: draft → reviewed → published → locked."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from govperf.audit.services import record
from govperf.core.errors import (
    Conflict,
    DomainError,
)
from govperf.core.notifications import notify
from govperf.engine.errors import EngineInputError
from govperf.engine.scoring import evaluate
from govperf.evaluation import conf, explaining, loader, storing, workdays
from govperf.evaluation.models import (
    Appeal,
    ComputeJob,
    ResultSet,
    Round,
    UnitResult,
)
from govperf.evaluation.services.common import (
    Problems,
    check_version,
    lock_row,
    log,
    require_office,
    round_spec,
    touch,
    unit_people,
)
from govperf.orgs.models import Person

# --- computing results ----------------------------------------------------------------------------


def start_computation(
    *,
    actor: Person,
    round_: Round,
    reason: str = "",
    appeal: Appeal | None = None,
    enqueue: bool = True,
) -> ComputeJob:
    """Queue a computation of the round's results (``evaluation.tasks.compute_results``)."""
    require_office(actor)
    p = Problems()
    reason = p.text(reason, "reason", max_length=300)
    p.raise_if_any(_("The computation could not be started."))
    with transaction.atomic():
        lock_row(Round, round_)
        if round_.jobs.filter(
            status__in=(ComputeJob.Status.QUEUED, ComputeJob.Status.RUNNING)
        ).exists():
            raise Conflict(_("A computation of this round is already under way."), code="busy")
        job = ComputeJob.objects.create(
            round=round_, reason=reason, appeal=appeal, requested_by=actor
        )
        record(
            action="evaluation.compute.start",
            actor=actor,
            obj=job,
            after={"round": round_.pk, "reason": reason},
        )
        if enqueue:
            from govperf.evaluation.tasks import compute_results

            transaction.on_commit(lambda: compute_results(job.pk))
    return job


def _stage(job: ComputeJob, stage: str, done: int = 0, total: int = 0) -> None:
    ComputeJob.objects.filter(pk=job.pk).update(
        stage=stage, progress_done=done, progress_total=total
    )


def run_computation(
    job_id: int, *, progress: Callable[[int, int], None] | None = None
) -> ComputeJob | None:
    """Compute and store a new result set for the job's round. A job already claimed or
    finished is left alone. ``progress(done, total)`` sees every chunk stored."""
    claimed = ComputeJob.objects.filter(pk=job_id, status=ComputeJob.Status.QUEUED).update(
        status=ComputeJob.Status.RUNNING, started_at=timezone.now(), stage="loading"
    )
    if not claimed:
        return None
    job = ComputeJob.objects.select_related(
        "round", "round__scheme_version", "requested_by", "appeal"
    ).get(pk=job_id)
    try:
        result_set = compute_results(job, progress=progress)
    except (DomainError, EngineInputError) as exc:
        if isinstance(exc, EngineInputError):
            details = [{"field": e.get("field"), "message": e.get("message")} for e in exc.errors]
            message = _("The engine refused the round's inputs.")
        else:
            details = [d.as_dict() for d in exc.details]
            message = str(exc.message)
        _fail(job, message, details)
        return ComputeJob.objects.get(pk=job_id)
    except Exception:
        log.exception("computation %s failed", job_id)
        _fail(job, _("An unexpected error stopped the computation; it has been logged."), [])
        return ComputeJob.objects.get(pk=job_id)
    ComputeJob.objects.filter(pk=job.pk).update(
        status=ComputeJob.Status.DONE,
        stage="done",
        progress_done=F("progress_total"),
        finished_at=timezone.now(),
        result_set=result_set,
    )
    return ComputeJob.objects.get(pk=job_id)


def _fail(job: ComputeJob, message: str, details: list[dict[str, Any]]) -> None:
    ComputeJob.objects.filter(pk=job.pk).update(
        status=ComputeJob.Status.FAILED,
        error=message[:2000],
        details=details[:200],
        finished_at=timezone.now(),
    )
    with transaction.atomic():
        record(
            action="evaluation.compute.fail",
            actor=job.requested_by,
            obj=job,
            after={"error": message[:500], "problems": len(details)},
            result="failed",
        )
    if job.requested_by_id:
        notify(
            [job.requested_by_id],
            _("The computation of %(round)s failed: %(error)s")
            % {"round": job.round.name, "error": message[:200]},
            url=reverse("evaluation:round", args=[job.round_id]),
            kind="evaluation.compute",
        )


def compute_results(
    job: ComputeJob, *, progress: Callable[[int, int], None] | None = None
) -> ResultSet:
    """Load, score, explain and store; the storing is one transaction. The seconds each
    stage took are kept in the result set's summary."""
    clock = [time.perf_counter()]
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[name] = round(now - clock[0], 3)
        clock[0] = now

    round_ = job.round
    spec = round_spec(round_)
    loaded = loader.load_round(
        round_,
        spec,
        statuses=conf.value_statuses(),
        on_stage=lambda stage: _stage(job, stage),
    )
    lap("load_s")
    _stage(job, "scoring")
    result = evaluate(
        spec.engine,
        loaded.units,
        loaded.values,
        panels=loaded.panels,
        bonus=loaded.bonus,
        veto=loaded.veto,
        levels=loaded.levels,
    )
    lap("score_s")
    n = len(loaded.unit_ids)
    _stage(job, "explaining", 0, n)
    breakdowns = explaining.explain_chunks(
        result,
        loaded.plan_columns(),
        workers=conf.explain_workers(),
        parallel_from=conf.explain_parallel_from(),
    )
    total = n * (1 + len(spec.indicators))
    _stage(job, "storing", 0, total)
    try:
        return store_result_set(
            job, result, loaded, breakdowns, progress=progress, timings=(timings, lap)
        )
    finally:
        breakdowns.close()  # stops the explaining workers when storing failed


def store_result_set(
    job: ComputeJob,
    result,
    loaded: loader.LoadedRound,
    breakdowns: Iterable[list[str]],
    *,
    progress: Callable[[int, int], None] | None = None,
    timings: tuple[dict[str, float], Callable[[str], None]] | None = None,
) -> ResultSet:
    round_ = job.round
    with transaction.atomic():
        round_ = Round.objects.select_for_update().get(pk=round_.pk)
        number = (round_.result_sets.aggregate(m=Max("number"))["m"] or 0) + 1
        previous = (
            round_.result_sets.filter(
                status__in=(ResultSet.Status.PUBLISHED, ResultSet.Status.LOCKED)
            )
            .order_by("-number")
            .first()
            or round_.result_sets.order_by("-number").first()
        )
        reason = job.reason or (_("Appeal #%(n)s") % {"n": job.appeal_id} if job.appeal_id else "")
        result_set = ResultSet.objects.create(
            round=round_,
            number=number,
            scheme_version=round_.scheme_version,
            previous=previous,
            reason=reason,
            computed_by=job.requested_by,
            summary=_summary(result, loaded),
        )
        storing.store_results(result_set, result, loaded, breakdowns, progress=progress)
        result_set.diff = _diff(previous, result, loaded) if previous else []
        if timings is not None:
            times, lap = timings
            lap("explain_and_store_s")
            result_set.summary = {**result_set.summary, "timings": times}
        result_set.save(update_fields=["diff", "summary"])
        if job.appeal_id:
            Appeal.objects.filter(pk=job.appeal_id).update(recomputed=result_set)
        record(
            action="evaluation.compute",
            actor=job.requested_by,
            obj=result_set,
            after={
                "round": round_.pk,
                "number": number,
                "units": len(loaded.unit_ids),
                "values_read": loaded.values_read,
                "previous": previous.number if previous else None,
                "changed_units": len(result_set.diff),
                "reason": reason,
            },
        )
        if job.requested_by_id:
            notify(
                [job.requested_by_id],
                _("Results of %(round)s computed: version %(n)d.")
                % {"round": round_.name, "n": number},
                url=reverse("evaluation:results", args=[result_set.pk]),
                kind="evaluation.compute",
            )
    return result_set


def _summary(result, loaded: loader.LoadedRound) -> dict[str, Any]:
    grades = result.grades
    counts: dict[str, int] = {g.name: 0 for g in result.scheme.grades}
    for grade in grades:
        if grade is not None:
            counts[grade] = counts.get(grade, 0) + 1
    composite = result.composite
    spec = loaded.spec
    labels = {c.code: str(c.label) for c in spec.components}
    labels.update({i.code: str(i.label) for i in spec.indicators})
    return {
        "labels": labels,
        "units": len(loaded.unit_ids),
        "grades": counts,
        "no_grade": sum(1 for g in grades if g is None),
        "vetoed": int(result.vetoed.sum()),
        "mean": round(float(composite.mean()), 2) if len(composite) else None,
        "max": float(composite.max()) if len(composite) else None,
        "min": float(composite.min()) if len(composite) else None,
        "values_read": loaded.values_read,
    }


def _diff(previous: ResultSet, result, loaded: loader.LoadedRound) -> list[dict[str, Any]]:
    """Units whose composite, grade or rank changed against ``previous``."""
    before = {
        unit_id: (composite, grade, rank)
        for unit_id, composite, grade, rank in UnitResult.objects.filter(
            result_set=previous
        ).values_list("unit_id", "composite", "grade", "rank")
    }
    grades, ranks = result.grades, result.ranks
    out = []
    for i, unit_id in enumerate(loaded.unit_ids):
        after = (Decimal(repr(float(result.composite[i]))), grades[i] or "", ranks[i])
        old = before.get(unit_id)
        if old is not None and old[0] == after[0] and old[1] == after[1] and old[2] == after[2]:
            continue
        out.append(
            {
                "unit_id": unit_id,
                "unit": loaded.units.codes[i],
                "composite_before": float(old[0]) if old else None,
                "composite_after": float(result.composite[i]),
                "grade_before": old[1] if old else None,
                "grade_after": grades[i],
                "rank_before": old[2] if old else None,
                "rank_after": ranks[i],
            }
        )
    return out


# --- the result workflow ---------------------------------------------------------------------------


def _move_set(
    actor: Person,
    result_set: ResultSet,
    expected_version: int | None,
    *,
    verb: str,
    allowed_from: Sequence[str],
    to: str,
    prepare: Callable[[ResultSet], None] | None = None,
) -> ResultSet:
    require_office(actor)
    with transaction.atomic():
        result_set = (
            ResultSet.objects.select_for_update(of=("self",))
            .select_related("round")
            .get(pk=result_set.pk)
        )
        if result_set.status not in allowed_from:
            raise Conflict(
                _("The results are now “%(state)s”, so they cannot be %(verb)s.")
                % {"state": result_set.get_status_display(), "verb": verb},
                code="invalid_state",
            )
        check_version(result_set, expected_version, _("The results"))
        before = {"status": result_set.status}
        if prepare is not None:
            prepare(result_set)
        result_set.status = to
        touch(
            result_set,
            "status",
            "reviewed_at",
            "reviewed_by",
            "published_at",
            "published_by",
            "appeal_until",
            "locked_at",
            "locked_by",
        )
        record(
            action=f"evaluation.results.{verb}",
            actor=actor,
            obj=result_set,
            before=before,
            after={"status": to, "appeal_until": str(result_set.appeal_until or "")},
        )
    return result_set


def review_results(
    *, actor: Person, result_set: ResultSet, expected_version: int | None = None
) -> ResultSet:
    def prepare(rs: ResultSet) -> None:
        rs.reviewed_at, rs.reviewed_by = timezone.now(), actor

    return _move_set(
        actor, result_set, expected_version, verb="reviewed",
        allowed_from=(ResultSet.Status.DRAFT,), to=ResultSet.Status.REVIEWED, prepare=prepare,
    )  # fmt: skip


def publish_results(
    *,
    actor: Person,
    result_set: ResultSet,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> ResultSet:
    """Publish: units see their results and may appeal for ``appeal_days`` working days
    after ``today``; the version published before is superseded. Once a version of the
    round is locked its results are final: no other version is published over it."""
    settings_row = conf.office_settings()
    day = today or timezone.localdate()

    def prepare(rs: ResultSet) -> None:
        today = day
        older = list(
            ResultSet.objects.select_for_update()
            .filter(
                round=rs.round, status__in=(ResultSet.Status.PUBLISHED, ResultSet.Status.LOCKED)
            )
            .exclude(pk=rs.pk)
            .order_by("pk")
        )
        locked = next((o for o in older if o.status == ResultSet.Status.LOCKED), None)
        if locked is not None:
            raise Conflict(
                _("Version %(n)d of these results is locked: they are final.")
                % {"n": locked.number},
                code="locked",
            )
        rs.published_at, rs.published_by = timezone.now(), actor
        rs.appeal_until = workdays.add_workdays(today, settings_row.appeal_days)
        for old in older:
            old.status = ResultSet.Status.SUPERSEDED
            touch(old, "status")
        unit_ids = list(rs.units.values_list("unit_id", flat=True))
        notify(
            unit_people(unit_ids),
            _("The results of %(round)s are published; appeals are open until %(date)s.")
            % {"round": rs.round.name, "date": rs.appeal_until.isoformat()},
            url=reverse("evaluation:results", args=[rs.pk]),
            kind="evaluation.published",
        )

    return _move_set(
        actor, result_set, expected_version, verb="published",
        allowed_from=(ResultSet.Status.REVIEWED,), to=ResultSet.Status.PUBLISHED, prepare=prepare,
    )  # fmt: skip


def lock_results(
    *, actor: Person, result_set: ResultSet, expected_version: int | None = None
) -> ResultSet:
    """Lock the published results once no appeal is waiting for a decision."""

    def prepare(rs: ResultSet) -> None:
        if rs.appeals.filter(status=Appeal.Status.FILED).exists():
            raise Conflict(_("Appeals are still waiting for a decision."), code="appeals_open")
        rs.locked_at, rs.locked_by = timezone.now(), actor

    return _move_set(
        actor, result_set, expected_version, verb="locked",
        allowed_from=(ResultSet.Status.PUBLISHED,), to=ResultSet.Status.LOCKED, prepare=prepare,
    )  # fmt: skip


# The workflow's steps by the verb pages and the API name them with.
RESULT_STEPS = {"review": review_results, "publish": publish_results, "lock": lock_results}
