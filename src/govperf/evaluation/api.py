"""API of the evaluation app: schemes (with weighting tools and validation), rounds, scoring
tasks and scores, imported values, adjustments, computations, results with breakdowns,
appeals, conflicts of interest, the office's settings and the working-day calendar."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from govperf.core.errors import ErrorDetail, NotFound, ValidationFailed
from govperf.core.pagination import Pagination
from govperf.core.schemas import ERRORS
from govperf.evaluation import conf, selectors, services, weights, workdays
from govperf.evaluation.models import Adjustment, Scheme, WorkdayCorrection
from govperf.evaluation.schemas import (
    AdjustmentIn,
    AdjustmentOut,
    AppealIn,
    AppealOut,
    AssignIn,
    CalendarOut,
    ComputeIn,
    ConflictIn,
    ConflictOut,
    DecisionIn,
    DefinitionIn,
    ImportIn,
    ImportOut,
    IntervalOut,
    JobOut,
    ReassignIn,
    ResultSetDetailOut,
    ResultSetOut,
    RoundIn,
    RoundOut,
    SchemeDetailOut,
    SchemeIn,
    SchemeOut,
    SchemePatch,
    SchemeVersionOut,
    ScoreIn,
    SettingsOut,
    SettingsPatch,
    TaskFilter,
    TaskOut,
    TransitionIn,
    UnitResultOut,
    ValidationOut,
    WeightsIn,
    WeightsOut,
    WorkdayIn,
    WorkdayOut,
)
from govperf.orgs.models import Person, Unit
from govperf.plans.models import Cycle

router = Router(tags=["evaluation"])
PREFIX = "/evaluation"


def _unit(code: str, field: str = "unit") -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise ValidationFailed(
            _("Unknown unit."), [ErrorDetail(field=field, value=code, message=_("Unknown unit."))]
        )
    return unit


def _person(username: str, field: str = "evaluator") -> Person:
    person = Person.objects.filter(username__iexact=username, is_active=True).first()
    if person is None:
        raise ValidationFailed(
            _("Unknown person."),
            [ErrorDetail(field=field, value=username, message=_("Unknown person."))],
        )
    return person


# --- schemes ------------------------------------------------------------------------------------


@router.get(f"{PREFIX}/schemes", response={200: list[SchemeOut], **ERRORS}, summary="Schemes")
@paginate(Pagination)
def list_schemes(request: HttpRequest):
    selectors.require_reader(request.user)
    return selectors.schemes().order_by("code")


@router.post(
    f"{PREFIX}/schemes/validate",
    response={200: ValidationOut, **ERRORS},
    summary="Check a definition without saving it; problems come back located to their JSON path",
)
def validate_scheme(request: HttpRequest, payload: DefinitionIn):
    selectors.require_reader(request.user)
    spec = selectors.spec_of(payload.definition)
    return {
        "valid": True,
        "components": [
            {"code": c.code, "label": str(c.label), "weight": c.weight, "is_panel": c.is_panel}
            for c in spec.components
        ],
        "indicators": [i.code for i in spec.indicators],
        "task_components": [list(pair) for pair in spec.task_components()],
    }


@router.get(
    f"{PREFIX}/schemes/{{code}}", response={200: SchemeDetailOut, **ERRORS}, summary="One scheme"
)
def get_scheme(request: HttpRequest, code: str):
    selectors.require_reader(request.user)
    return selectors.get_scheme_by_code(code)


@router.get(
    f"{PREFIX}/schemes/{{code}}/versions/{{number}}",
    response={200: SchemeVersionOut, **ERRORS},
    summary="One version of a scheme",
)
def get_scheme_version(request: HttpRequest, code: str, number: int):
    selectors.require_reader(request.user)
    return selectors.get_version(selectors.get_scheme_by_code(code), number)


@router.post(
    f"{PREFIX}/schemes", response={201: SchemeDetailOut, **ERRORS}, summary="Create a scheme"
)
def create_scheme(request: HttpRequest, payload: SchemeIn):
    scheme = services.create_scheme(actor=request.user, **payload.dict())
    return Status(201, scheme)


@router.patch(
    f"{PREFIX}/schemes/{{code}}",
    response={200: SchemeDetailOut, **ERRORS},
    summary="Edit a scheme (a used version is kept: the edit becomes a new version)",
)
def patch_scheme(request: HttpRequest, code: str, payload: SchemePatch):
    services.require_office(request.user)
    scheme = selectors.get_scheme_by_code(code)
    changes: dict[str, Any] = {}
    for name in ("name", "description", "definition"):
        value = getattr(payload, name)
        if value is not None:
            changes[name] = value
    return services.update_scheme(
        actor=request.user,
        scheme=scheme,
        expected_version=payload.version,
        change_note=payload.change_note,
        **changes,
    )


@router.post(
    f"{PREFIX}/schemes/{{code}}/weights",
    response={200: WeightsOut, **ERRORS},
    summary="Weights by AHP, entropy, CRITIC, equal or expert average (nothing is saved)",
)
def scheme_weights(request: HttpRequest, code: str, payload: WeightsIn):
    services.require_office(request.user)
    scheme = selectors.get_scheme_by_code(code)
    if scheme.current_id is None:
        raise NotFound(_("Scheme version not found."))
    spec = selectors.spec_of(scheme.current.definition)
    if payload.component:
        items = [i for i in spec.indicators if i.component == payload.component]
        if not items:
            raise ValidationFailed(
                _("The weights could not be computed."),
                [
                    ErrorDetail(
                        field="component", message=_("No indicator component with this code.")
                    )
                ],
            )
        codes = [i.code for i in items]
        lower = [i.code for i in items if i.kind in ("lower_better", "deduction")]
    else:
        codes, lower = [c.code for c in spec.components], []
    result = weights.by_method(
        payload.method,
        scheme,
        codes,
        lower,
        of_component=bool(payload.component),
        matrix=payload.matrix,
        vectors=payload.vectors,
    )
    return {
        "method": result.method,
        "weights": dict(zip(result.codes, result.points, strict=True)),
        "cr": result.extra.get("cr"),
        "lambda_max": result.extra.get("lambda_max"),
        "source": result.extra.get("from"),
    }


# --- rounds ----------------------------------------------------------------------------------------


@router.get(f"{PREFIX}/rounds", response={200: list[RoundOut], **ERRORS}, summary="Rounds")
@paginate(Pagination)
def list_rounds(request: HttpRequest):
    return selectors.with_members(selectors.rounds_for(request.user)).order_by("-created_at", "-pk")


@router.get(
    f"{PREFIX}/rounds/{{round_id}}", response={200: RoundOut, **ERRORS}, summary="One round"
)
def get_round(request: HttpRequest, round_id: int):
    return selectors.get_round(request.user, round_id)


@router.post(
    f"{PREFIX}/rounds",
    response={201: RoundOut, **ERRORS},
    summary="Open a round; its scoring tasks are generated",
)
def open_round(request: HttpRequest, payload: RoundIn):
    services.require_office(request.user)
    cycle = Cycle.objects.filter(code=payload.cycle).first()
    if cycle is None:
        raise ValidationFailed(
            _("The round could not be opened."),
            [ErrorDetail(field="cycle", value=payload.cycle, message=_("Unknown cycle."))],
        )
    scheme = Scheme.objects.filter(code=payload.scheme).first()
    if scheme is None:
        raise ValidationFailed(
            _("The round could not be opened."),
            [ErrorDetail(field="scheme", value=payload.scheme, message=_("Unknown scheme."))],
        )
    version = (
        scheme.versions.filter(number=payload.scheme_version).first()
        if payload.scheme_version is not None
        else scheme.current
    )
    if version is None:
        raise ValidationFailed(
            _("The round could not be opened."),
            [ErrorDetail(field="scheme_version", message=_("Unknown scheme version."))],
        )
    units = [_unit(code, f"units[{i}]") for i, code in enumerate(payload.units)]
    round_ = services.open_round(
        actor=request.user,
        cycle=cycle,
        period=payload.period,
        scheme_version=version,
        units=units,
        deadline=payload.deadline,
        name=payload.name,
        seed=payload.seed,
        peers_per_unit=payload.peers_per_unit,
        experts_per_unit=payload.experts_per_unit,
    )
    return Status(201, round_)


@router.post(
    f"{PREFIX}/rounds/{{round_id}}/close",
    response={200: RoundOut, **ERRORS},
    summary="Close scoring",
)
def close_round(request: HttpRequest, round_id: int, payload: TransitionIn):
    round_ = selectors.get_round(request.user, round_id)
    return services.close_round(actor=request.user, round_=round_, expected_version=payload.version)


@router.post(
    f"{PREFIX}/rounds/{{round_id}}/reopen",
    response={200: RoundOut, **ERRORS},
    summary="Reopen scoring",
)
def reopen_round(request: HttpRequest, round_id: int, payload: TransitionIn):
    round_ = selectors.get_round(request.user, round_id)
    return services.reopen_round(
        actor=request.user, round_=round_, expected_version=payload.version
    )


@router.post(
    f"{PREFIX}/rounds/{{round_id}}/compute",
    response={202: JobOut, **ERRORS},
    summary="Compute the results in the worker; poll the job",
)
def compute(request: HttpRequest, round_id: int, payload: ComputeIn):
    round_ = selectors.get_round(request.user, round_id)
    job = services.start_computation(actor=request.user, round_=round_, reason=payload.reason)
    return Status(202, job)


@router.get(f"{PREFIX}/jobs/{{job_id}}", response={200: JobOut, **ERRORS}, summary="A computation")
def get_job(request: HttpRequest, job_id: int):
    return selectors.get_job(request.user, job_id)


@router.post(
    f"{PREFIX}/rounds/{{round_id}}/imports",
    response={200: ImportOut, **ERRORS},
    summary="Import values: indicators and panels sourced 'import', and targets CODE.target",
)
def import_values(request: HttpRequest, round_id: int, payload: ImportIn):
    round_ = selectors.get_round(request.user, round_id)
    services.require_office(request.user)
    units = {u.code: u for u in Unit.objects.filter(code__in={r.unit for r in payload.rows})}
    rows = []
    for i, row in enumerate(payload.rows):
        unit = units.get(row.unit)
        if unit is None:
            raise ValidationFailed(
                _("The values could not be imported."),
                [ErrorDetail(field=f"rows[{i}].unit", value=row.unit, message=_("Unknown unit."))],
            )
        rows.append(
            services.ImportRow(
                unit=unit,
                code=row.code,
                value=row.value,
                level=row.level,
                position=row.position,
                note=row.note,
                row=i,
            )
        )
    return {"imported": services.import_values(actor=request.user, round_=round_, rows=rows)}


@router.get(
    f"{PREFIX}/rounds/{{round_id}}/adjustments",
    response={200: list[AdjustmentOut], **ERRORS},
    summary="Bonus points and vetoes of a round",
)
def list_adjustments(request: HttpRequest, round_id: int):
    services.require_office(request.user)
    round_ = selectors.get_round(request.user, round_id)
    return list(Adjustment.objects.filter(round=round_).select_related("unit"))


@router.post(
    f"{PREFIX}/rounds/{{round_id}}/adjustments",
    response={201: AdjustmentOut, **ERRORS},
    summary="Add bonus points or a veto",
)
def add_adjustment(request: HttpRequest, round_id: int, payload: AdjustmentIn):
    round_ = selectors.get_round(request.user, round_id)
    adjustment = services.add_adjustment(
        actor=request.user,
        round_=round_,
        unit=_unit(payload.unit),
        kind=payload.kind,
        points=payload.points,
        reason=payload.reason,
    )
    return Status(201, adjustment)


@router.delete(
    f"{PREFIX}/rounds/{{round_id}}/adjustments/{{adjustment_id}}",
    response={204: None, **ERRORS},
    summary="Remove bonus points or a veto",
)
def remove_adjustment(request: HttpRequest, round_id: int, adjustment_id: int):
    round_ = selectors.get_round(request.user, round_id)
    services.require_office(request.user)
    adjustment = Adjustment.objects.filter(pk=adjustment_id, round=round_).first()
    if adjustment is None:
        raise NotFound(_("Adjustment not found."))
    services.remove_adjustment(actor=request.user, adjustment=adjustment)
    return Status(204, None)


# --- tasks and scores ------------------------------------------------------------------------------


@router.get(
    f"{PREFIX}/tasks",
    response={200: list[TaskOut], **ERRORS},
    summary="Your scoring tasks (the office: a round's)",
)
@paginate(Pagination)
def list_tasks(request: HttpRequest, filters: Query[TaskFilter]):
    user = request.user
    if filters.round is not None:
        qs = selectors.round_tasks(user, selectors.get_round(user, filters.round))
    else:
        qs = selectors.my_tasks(user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs.order_by("deadline", "pk")


@router.get(
    f"{PREFIX}/tasks/{{task_id}}", response={200: TaskOut, **ERRORS}, summary="One scoring task"
)
def get_task(request: HttpRequest, task_id: int):
    return selectors.get_task(request.user, task_id)


@router.post(
    f"{PREFIX}/tasks/{{task_id}}/score",
    response={200: TaskOut, **ERRORS},
    summary="Score a task (by the rubric; a comment for extreme scores)",
)
def score_task(request: HttpRequest, task_id: int, payload: ScoreIn):
    task = selectors.get_task(request.user, task_id)
    items = (
        {code: {"level": item.level, "pct": item.pct} for code, item in payload.items.items()}
        if payload.items is not None
        else None
    )
    return services.submit_score(
        actor=request.user,
        task=task,
        score=payload.score,
        level=payload.level,
        items=items,
        comment=payload.comment,
        expected_version=payload.version,
    )


@router.post(
    f"{PREFIX}/rounds/{{round_id}}/tasks",
    response={201: TaskOut, **ERRORS},
    summary="Assign a scoring task by hand",
)
def assign_task(request: HttpRequest, round_id: int, payload: AssignIn):
    round_ = selectors.get_round(request.user, round_id)
    task = services.assign_task(
        actor=request.user,
        round_=round_,
        unit=_unit(payload.unit),
        component=payload.component,
        kind=payload.kind,
        evaluator=_person(payload.evaluator),
    )
    return Status(201, task)


@router.post(
    f"{PREFIX}/tasks/{{task_id}}/reassign",
    response={200: TaskOut, **ERRORS},
    summary="Give a task to another evaluator",
)
def reassign_task(request: HttpRequest, task_id: int, payload: ReassignIn):
    services.require_office(request.user)
    task = selectors.get_task(request.user, task_id)
    return services.reassign_task(
        actor=request.user,
        task=task,
        evaluator=_person(payload.evaluator),
        expected_version=payload.version,
    )


@router.get(
    f"{PREFIX}/conflicts",
    response={200: list[ConflictOut], **ERRORS},
    summary="Conflicts of interest",
)
@paginate(Pagination)
def list_conflicts(request: HttpRequest):
    return selectors.conflicts_of(request.user)


@router.post(
    f"{PREFIX}/conflicts",
    response={201: ConflictOut, **ERRORS},
    summary="Declare a conflict of interest",
)
def declare_conflict(request: HttpRequest, payload: ConflictIn):
    declaration = services.declare_conflict(
        actor=request.user, unit=_unit(payload.unit), reason=payload.reason
    )
    return Status(201, declaration)


@router.post(
    f"{PREFIX}/conflicts/{{conflict_id}}/withdraw",
    response={200: ConflictOut, **ERRORS},
    summary="Withdraw a declaration",
)
def withdraw_conflict(request: HttpRequest, conflict_id: int):
    declaration = (
        selectors.conflicts_of(request.user).filter(pk=conflict_id, person=request.user).first()
    )
    if declaration is None:
        raise NotFound(_("Declaration not found."))
    return services.withdraw_conflict(actor=request.user, declaration=declaration)


# --- results ------------------------------------------------------------------------------------------


@router.get(
    f"{PREFIX}/rounds/{{round_id}}/results",
    response={200: list[ResultSetOut], **ERRORS},
    summary="A round's result sets you may see",
)
def list_result_sets(request: HttpRequest, round_id: int):
    round_ = selectors.get_round(request.user, round_id)
    return list(selectors.visible_sets(request.user, round_).select_related("previous"))


@router.get(
    f"{PREFIX}/results/{{set_id}}",
    response={200: ResultSetDetailOut, **ERRORS},
    summary="A result set: every unit's composite, grade and rank, and the diff against the previous version",
)
def get_result_set(request: HttpRequest, set_id: int):
    rs = selectors.get_set(request.user, set_id)
    rs.unit_rows = selectors.unit_results(rs)
    return rs


@router.get(
    f"{PREFIX}/results/{{set_id}}/units/{{unit_code}}",
    response={200: UnitResultOut, **ERRORS},
    summary="One unit's result with the breakdown of every point",
)
def get_unit_result(request: HttpRequest, set_id: int, unit_code: str):
    rs = selectors.get_set(request.user, set_id)
    unit = Unit.objects.filter(code=unit_code).first()
    if unit is None:
        raise NotFound(_("Result not found."))
    result = selectors.get_unit_result(request.user, rs, unit.pk)
    result.indicator_rows = list(selectors.indicator_rows(rs, unit))
    return result


@router.get(
    f"{PREFIX}/results/{{set_id}}/sensitivity",
    response={200: list[IntervalOut], **ERRORS},
    summary="Rank intervals when the component weights move by up to ±spread %",
)
def sensitivity(request: HttpRequest, set_id: int, spread: int = 10):
    rs = selectors.get_set(request.user, set_id)
    if not 1 <= spread <= 90:
        raise ValidationFailed(
            _("The request is not valid."),
            [ErrorDetail(field="spread", message=_("A whole number from 1 to 90."))],
        )
    return [
        {
            "unit": r.code,
            "group": r.group,
            "composite": r.composite,
            "rank": r.base,
            "best": r.low,
            "worst": r.high,
        }
        for r in weights.sensitivity(rs, spread=spread / 100)
    ]


def _transition(verb):
    def view(request: HttpRequest, set_id: int, payload: TransitionIn):
        rs = selectors.get_set(request.user, set_id)
        step = services.RESULT_STEPS[verb]
        return step(actor=request.user, result_set=rs, expected_version=payload.version)

    view.__name__ = f"{verb}_results"
    return view


for _verb, _summary in (
    ("review", "Mark a draft result set as reviewed"),
    ("publish", "Publish reviewed results (the version published before is superseded)"),
    ("lock", "Lock published results once no appeal waits for a decision"),
):
    router.post(
        f"{PREFIX}/results/{{set_id}}/{_verb}",
        response={200: ResultSetOut, **ERRORS},
        summary=_summary,
    )(_transition(_verb))


# --- appeals -----------------------------------------------------------------------------------------


@router.get(
    f"{PREFIX}/appeals", response={200: list[AppealOut], **ERRORS}, summary="Appeals you may see"
)
@paginate(Pagination)
def list_appeals(request: HttpRequest):
    return selectors.appeals_for(request.user)


@router.get(
    f"{PREFIX}/appeals/{{appeal_id}}", response={200: AppealOut, **ERRORS}, summary="One appeal"
)
def get_appeal(request: HttpRequest, appeal_id: int):
    return selectors.get_appeal(request.user, appeal_id)


@router.post(
    f"{PREFIX}/results/{{set_id}}/appeals",
    response={201: AppealOut, **ERRORS},
    summary="Appeal a published result within the window",
)
def file_appeal(request: HttpRequest, set_id: int, payload: AppealIn):
    rs = selectors.get_set(request.user, set_id)
    appeal = services.file_appeal(
        actor=request.user,
        result_set=rs,
        unit=_unit(payload.unit),
        reason=payload.reason,
        requested_change=payload.requested_change,
    )
    return Status(201, appeal)


@router.post(
    f"{PREFIX}/appeals/{{appeal_id}}/decide",
    response={200: AppealOut, **ERRORS},
    summary="Decide an appeal (optionally recomputing the results)",
)
def decide_appeal(request: HttpRequest, appeal_id: int, payload: DecisionIn):
    appeal = selectors.get_appeal(request.user, appeal_id)
    return services.decide_appeal(
        actor=request.user,
        appeal=appeal,
        outcome=payload.outcome,
        decision=payload.decision,
        recompute=payload.recompute,
        expected_version=payload.version,
    )


@router.post(
    f"{PREFIX}/appeals/{{appeal_id}}/withdraw",
    response={200: AppealOut, **ERRORS},
    summary="Withdraw an appeal",
)
def withdraw_appeal(request: HttpRequest, appeal_id: int):
    appeal = selectors.get_appeal(request.user, appeal_id)
    return services.withdraw_appeal(actor=request.user, appeal=appeal)


# --- settings and the calendar ---------------------------------------------------------------------------


@router.get(
    f"{PREFIX}/settings", response={200: SettingsOut, **ERRORS}, summary="The office's presets"
)
def get_settings(request: HttpRequest):
    services.require_office(request.user)
    return conf.office_settings()


@router.patch(
    f"{PREFIX}/settings",
    response={200: SettingsOut, **ERRORS},
    summary="Change the office's presets",
)
def patch_settings(request: HttpRequest, payload: SettingsPatch):
    changes = {k: v for k, v in payload.dict().items() if k != "version" and v is not None}
    return services.update_settings(actor=request.user, expected_version=payload.version, **changes)


@router.get(
    f"{PREFIX}/workdays/{{year}}",
    response={200: CalendarOut, **ERRORS},
    summary="A year's working days and the office's corrections",
)
def get_calendar(request: HttpRequest, year: int):
    if not 2000 <= year <= 2100:
        raise ValidationFailed(
            _("The request is not valid."),
            [ErrorDetail(field="year", message=_("A year from 2000 to 2100."))],
        )
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    calendar = workdays.Calendar.load(start, end)
    return {
        "year": year,
        "working_days": calendar.between(start - dt.timedelta(days=1), end),
        "corrections": list(WorkdayCorrection.objects.filter(date__range=(start, end))),
    }


@router.post(
    f"{PREFIX}/workdays",
    response={200: WorkdayOut, **ERRORS},
    summary="Correct the calendar: a day off, or a working day",
)
def save_workday(request: HttpRequest, payload: WorkdayIn):
    return services.save_workday(
        actor=request.user, date=payload.date, is_workday=payload.is_workday, note=payload.note
    )
