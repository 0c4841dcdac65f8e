"""Reads of the evaluation app, scoped by the permission policy.

Who sees what:

- the performance office (``MANAGE_EVALUATION`` everywhere) sees everything;
- an evaluator sees their own scoring tasks and nothing of other people's;
- people with ``VIEW_RESULTS`` see published result sets (the ranking of every unit
  evaluated) and the breakdown of the units within their reach;
- drafts and reviewed sets are the office's until published.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from govperf.core.errors import NotFound
from govperf.evaluation.models import (
    Appeal,
    ComputeJob,
    ConflictDeclaration,
    ResultSet,
    Round,
    RoundUnit,
    Scheme,
    SchemeVersion,
    ScoringTask,
    UnitResult,
)
from govperf.evaluation.schemes import LibraryIndicator, SchemeSpec, check_definition
from govperf.evaluation.schemes import referenced_codes as _referenced
from govperf.orgs import policy
from govperf.orgs.models import ComparableGroup, Unit
from govperf.orgs.policy import Action

PUBLIC = (ResultSet.Status.PUBLISHED, ResultSet.Status.LOCKED, ResultSet.Status.SUPERSEDED)


def is_office(user) -> bool:
    return policy.unit_scope(user, Action.MANAGE_EVALUATION).everything


def require_reader(user) -> None:
    """Schemes are read by the office and by those who read results."""
    if not (is_office(user) or policy.can(user, Action.VIEW_RESULTS)):
        policy.require(user, Action.MANAGE_EVALUATION)


def group_names() -> dict[str, str]:
    """Comparable groups' names by code, for ranking tables and exports."""
    return dict(ComparableGroup.objects.values_list("code", "name"))


# --- the library, and a scheme compiled against it -----------------------------------------


def library_for(codes: Iterable[str]) -> dict[str, LibraryIndicator]:
    from govperf.indicators.models import Indicator

    wanted = sorted({c for c in codes if isinstance(c, str)})
    if not wanted:
        return {}
    out: dict[str, LibraryIndicator] = {}
    for ind in Indicator.objects.filter(code__in=wanted, current__isnull=False).select_related(
        "current", "current__rubric"
    ):
        version = ind.current
        rubric = version.rubric
        out[ind.code] = LibraryIndicator(
            id=ind.pk,
            code=ind.code,
            name=version.name,
            time_aggregation=version.time_aggregation,
            kind=version.kind,
            rubric_levels=rubric.engine_levels() if rubric else None,
            rubric_descriptions={lv["name"]: lv.get("description", "") for lv in rubric.levels}
            if rubric
            else None,
        )
    return out


def spec_of(definition: Any) -> SchemeSpec:
    """A stored definition validated against today's library."""
    return check_definition(definition, library_for(_referenced(definition)))


# --- schemes ---------------------------------------------------------------------------------


def schemes() -> QuerySet[Scheme]:
    return Scheme.objects.select_related("current").annotate(n_versions=Count("versions"))


def get_scheme(pk: Any) -> Scheme:
    scheme = (
        Scheme.objects.select_related("current").filter(pk=pk).first()
        if str(pk).isdigit()
        else None
    )
    if scheme is None:
        raise NotFound(_("Scheme not found."))
    return scheme


def get_scheme_by_code(code: str) -> Scheme:
    scheme = Scheme.objects.select_related("current").filter(code=code).first()
    if scheme is None:
        raise NotFound(_("Scheme not found."))
    return scheme


def versions(scheme: Scheme) -> list[SchemeVersion]:
    return list(
        scheme.versions.select_related("created_by")
        .annotate(n_rounds=Count("rounds"))
        .order_by("-number")
    )


def get_version(scheme: Scheme, number: Any) -> SchemeVersion:
    found = scheme.versions.filter(number=number).first() if str(number).isdigit() else None
    if found is None:
        raise NotFound(_("Scheme version not found."))
    return found


def version_in_use(version: SchemeVersion) -> bool:
    return Round.objects.filter(scheme_version=version).exists()


# --- rounds ------------------------------------------------------------------------------------


def rounds_for(user) -> QuerySet[Round]:
    """Rounds the user has anything to do with: all for the office and readers of results,
    those with a task of theirs for an evaluator."""
    qs = Round.objects.select_related("cycle", "scheme_version__scheme").annotate(
        n_units=Count("round_units", distinct=True)
    )
    if is_office(user) or policy.can(user, Action.VIEW_RESULTS):
        return qs
    return qs.filter(pk__in=ScoringTask.objects.filter(evaluator=user).values("round_id"))


def with_members(rounds: QuerySet[Round]) -> QuerySet[Round]:
    """``rounds`` with each one's units fetched for all of them at once (``round.members``,
    in path order), for lists that show them."""
    members = RoundUnit.objects.select_related("unit").order_by("unit__path")
    return rounds.prefetch_related(Prefetch("round_units", queryset=members, to_attr="members"))


def get_round(user, pk: Any) -> Round:
    found = rounds_for(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        raise NotFound(_("Evaluation round not found."))
    return found


def round_units(round_: Round) -> QuerySet[Unit]:
    return Unit.objects.filter(pk__in=round_.round_units.values("unit_id")).order_by("path")


def task_counts(round_: Round) -> dict[str, int]:
    rows = round_.tasks.values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    overdue = round_.tasks.filter(
        status=ScoringTask.Status.PENDING, deadline__lt=timezone.localdate()
    ).count()
    return {
        "pending": counts.get("pending", 0),
        "submitted": counts.get("submitted", 0),
        "cancelled": counts.get("cancelled", 0),
        "overdue": overdue,
        "total": sum(counts.values()),
    }


def progress_by_component(round_: Round) -> list[dict[str, Any]]:
    rows = (
        round_.tasks.exclude(status=ScoringTask.Status.CANCELLED)
        .values("component", "kind")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(status="submitted")))
        .order_by("component", "kind")
    )
    return list(rows)


def latest_job(round_: Round) -> ComputeJob | None:
    return round_.jobs.order_by("-created_at", "-pk").first()


def get_job(user, pk: Any) -> ComputeJob:
    job = (
        ComputeJob.objects.select_related("round").filter(pk=pk).first()
        if str(pk).isdigit()
        else None
    )
    if job is None or not is_office(user):
        raise NotFound(_("Computation not found."))
    return job


# --- tasks -------------------------------------------------------------------------------------


def _tasks() -> QuerySet[ScoringTask]:
    return ScoringTask.objects.select_related("round", "round__scheme_version", "unit", "evaluator")


def my_tasks(user, *, status: str = "") -> QuerySet[ScoringTask]:
    qs = _tasks().filter(evaluator=user).exclude(status=ScoringTask.Status.CANCELLED)
    if status:
        qs = qs.filter(status=status)
    return qs


def round_tasks(user, round_: Round) -> QuerySet[ScoringTask]:
    """Every task of the round for the office; the user's own otherwise."""
    qs = _tasks().filter(round=round_)
    return qs if is_office(user) else qs.filter(evaluator=user)


def get_task(user, pk: Any) -> ScoringTask:
    """A task: its assignee and the office see it; to anyone else it does not exist."""
    task = _tasks().filter(pk=pk).first() if str(pk).isdigit() else None
    if task is None or not (task.evaluator_id == getattr(user, "pk", None) or is_office(user)):
        raise NotFound(_("Scoring task not found."))
    return task


def conflicts_of(user) -> QuerySet[ConflictDeclaration]:
    qs = ConflictDeclaration.objects.select_related("unit", "person")
    if is_office(user):
        return qs
    return qs.filter(person=user)


# --- results -----------------------------------------------------------------------------------


def scheme_sets(user, scheme: Scheme) -> QuerySet[ResultSet]:
    """The result sets computed with any version of ``scheme`` that ``user`` may see,
    newest period first."""
    qs = ResultSet.objects.filter(round__scheme_version__scheme=scheme).select_related("round")
    if not is_office(user):
        qs = qs.filter(status__in=PUBLIC)
    return qs.order_by("-round__period", "-number")


def visible_sets(user, round_: Round) -> QuerySet[ResultSet]:
    qs = round_.result_sets.select_related("computed_by", "published_by")
    if is_office(user):
        return qs.order_by("-number")
    if not policy.can(user, Action.VIEW_RESULTS):
        return qs.none()
    return qs.filter(status__in=PUBLIC).order_by("-number")


def get_set(user, pk: Any) -> ResultSet:
    rs = (
        ResultSet.objects.select_related(
            "round", "round__cycle", "scheme_version__scheme", "previous"
        )
        .filter(pk=pk)
        .first()
        if str(pk).isdigit()
        else None
    )
    if rs is None or not visible_sets(user, rs.round).filter(pk=rs.pk).exists():
        raise NotFound(_("Results not found."))
    return rs


def current_sets(rounds: Iterable[Round], user) -> dict[int, ResultSet]:
    """Each round's current results, in one query: the newest published (or locked)
    version; for the office, the newest of any status."""
    ids = [r.pk for r in rounds]
    qs = ResultSet.objects.filter(round_id__in=ids).order_by("round_id", "-number")
    office = is_office(user)
    out: dict[int, ResultSet] = {}
    for rs in qs:
        if rs.round_id in out:
            continue
        if office or rs.status in (ResultSet.Status.PUBLISHED, ResultSet.Status.LOCKED):
            out[rs.round_id] = rs
    return out


def component_columns(rs: ResultSet) -> list[tuple[str, str, Any]]:
    """(code, label, weight) of each component of the scheme ``rs`` was computed with,
    labelled as at computation."""
    labels = (rs.summary or {}).get("labels", {})
    return [
        (
            c.get("code"),
            labels.get(c.get("code")) or c.get("label") or c.get("code"),
            c.get("weight"),
        )
        for c in rs.scheme_version.definition.get("components", [])
    ]


def unit_results(rs: ResultSet) -> list[UnitResult]:
    """The ranking table: every unit's result, best first within each group."""
    return list(
        rs.units.select_related("unit").defer("breakdown").order_by("group", "rank", "position")
    )


def can_see_unit_result(user, rs: ResultSet, unit: Unit) -> bool:
    if is_office(user):
        return True
    return rs.is_public and policy.can(user, Action.VIEW_RESULTS, unit)


def get_unit_result(user, rs: ResultSet, unit_pk: Any) -> UnitResult:
    found = (
        rs.units.select_related("unit").filter(unit_id=unit_pk).first()
        if str(unit_pk).isdigit()
        else None
    )
    if found is None or not can_see_unit_result(user, rs, found.unit):
        raise NotFound(_("Result not found."))
    return found


def indicator_rows(rs: ResultSet, unit: Unit):
    return rs.indicators.filter(unit=unit).order_by("position")


def last_cycle(rs: ResultSet, unit: Unit) -> UnitResult | None:
    """The unit's result in the newest published round of an earlier period, same scheme."""
    earlier = (
        ResultSet.objects.filter(
            status__in=(ResultSet.Status.PUBLISHED, ResultSet.Status.LOCKED),
            round__scheme_version__scheme_id=rs.scheme_version.scheme_id,
            round__period__lt=rs.round.period,
            units__unit=unit,
        )
        .order_by("-round__period", "-number")
        .first()
    )
    if earlier is None:
        return None
    return earlier.units.select_related("result_set__round").filter(unit=unit).first()


def units_in_reach(user, unit_ids: Iterable[int]) -> set[int]:
    """Of ``unit_ids``, those whose breakdown ``user`` may open."""
    ids = list(unit_ids)
    if is_office(user):
        return set(ids)
    scope = policy.unit_scope(user, Action.VIEW_RESULTS)
    return set(Unit.objects.filter(scope.q(), pk__in=ids).values_list("pk", flat=True))


# --- appeals -------------------------------------------------------------------------------------


def appeals_for(user) -> QuerySet[Appeal]:
    qs = Appeal.objects.select_related("unit", "round", "result_set", "filed_by", "decided_by")
    if is_office(user):
        return qs
    scope = policy.unit_scope(user, Action.VIEW_RESULTS)
    return qs.filter(scope.q("unit__"))


def get_appeal(user, pk: Any) -> Appeal:
    found = appeals_for(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        raise NotFound(_("Appeal not found."))
    return found


def appealable_units(user, rs: ResultSet) -> QuerySet[Unit]:
    """Units of ``rs`` the user may appeal for."""
    scope = policy.unit_scope(user, Action.APPEAL)
    if scope.empty:
        return Unit.objects.none()
    return Unit.objects.filter(scope.q(), pk__in=rs.units.values("unit_id")).order_by("path")
