"""API schemas of the evaluation app. Request bodies subclass ``InputSchema``; numbers and
flags in bodies are strict (``false`` is not 0). Scores go out as JSON numbers, rounded
as the engine rounds them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import StrictBool, StrictFloat, StrictInt, StrictStr

from govperf.core.schemas import InputSchema
from govperf.evaluation.models import (
    Adjustment,
    Appeal,
    ComputeJob,
    ConflictDeclaration,
    EvaluatorKind,
    ResultSet,
    Round,
    Scheme,
    SchemeVersion,
    ScoringTask,
    UnitResult,
)

Code = Annotated[str, Field(min_length=1, max_length=64)]
Text = Annotated[str, Field(max_length=5000)]
Number = StrictInt | StrictFloat | StrictStr | None


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


# --- schemes ----------------------------------------------------------------------------------


class SchemeOut(Schema):
    id: int
    code: str
    name: str
    description: str
    is_preset: bool
    current_version: int | None
    version: int
    updated_at: dt.datetime

    @staticmethod
    def resolve_current_version(obj: Scheme) -> int | None:
        return obj.current.number if obj.current_id else None


class SchemeVersionOut(Schema):
    number: int
    definition: dict[str, Any]
    change_note: str
    created_at: dt.datetime
    in_use: bool

    @staticmethod
    def resolve_in_use(obj: SchemeVersion) -> bool:
        return obj.rounds.exists()


class SchemeDetailOut(SchemeOut):
    definition: dict[str, Any] | None
    versions: list[int]

    @staticmethod
    def resolve_definition(obj: Scheme) -> dict[str, Any] | None:
        return obj.current.definition if obj.current_id else None

    @staticmethod
    def resolve_versions(obj: Scheme) -> list[int]:
        return list(obj.versions.order_by("number").values_list("number", flat=True))


class SchemeIn(InputSchema):
    code: Code
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Text = ""
    definition: dict[str, Any]


class SchemePatch(InputSchema):
    version: StrictInt | None = Field(None, description="The scheme's version you edited.")
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    description: Text | None = None
    definition: dict[str, Any] | None = None
    change_note: Annotated[str, Field(max_length=200)] = ""


class DefinitionIn(InputSchema):
    definition: dict[str, Any]


class ComponentOut(Schema):
    code: str
    label: str
    weight: float
    is_panel: bool


class ValidationOut(Schema):
    valid: bool
    components: list[ComponentOut]
    indicators: list[str]
    task_components: list[list[str]]


class WeightsIn(InputSchema):
    method: Annotated[str, Field(description="ahp, entropy, critic, equal or expert")]
    component: Code | None = Field(
        None, description="Weigh this component's indicators; omit to weigh the components."
    )
    matrix: list[list[StrictInt | StrictFloat]] | None = Field(
        None, description="AHP: the reciprocal pairwise comparison matrix.", max_length=15
    )
    vectors: list[list[StrictInt | StrictFloat]] | None = Field(
        None, description="Expert average: one weight vector per expert.", max_length=100
    )


class WeightsOut(Schema):
    method: str
    weights: dict[str, float]
    cr: float | None = None
    lambda_max: float | None = None
    source: str | None = None


class IntervalOut(Schema):
    unit: str
    group: str
    composite: float
    rank: int
    best: int
    worst: int


# --- rounds and tasks -------------------------------------------------------------------------------


class RoundOut(Schema):
    id: int
    name: str
    cycle: str
    period: str
    scheme: str
    scheme_version: int
    status: Round.Status
    deadline: dt.date
    seed: int
    peers_per_unit: int
    experts_per_unit: int
    units: list[str]
    version: int
    created_at: dt.datetime

    @staticmethod
    def resolve_cycle(obj: Round) -> str:
        return obj.cycle.code

    @staticmethod
    def resolve_scheme(obj: Round) -> str:
        return obj.scheme_version.scheme.code

    @staticmethod
    def resolve_scheme_version(obj: Round) -> int:
        return obj.scheme_version.number

    @staticmethod
    def resolve_units(obj: Round) -> list[str]:
        members = getattr(obj, "members", None)  # prefetched for a list (selectors.with_members)
        if members is None:
            return list(obj.round_units.order_by("unit__path").values_list("unit__code", flat=True))
        return [m.unit.code for m in members]


class RoundIn(InputSchema):
    cycle: Code
    period: Annotated[str, Field(min_length=4, max_length=16)]
    scheme: Code
    scheme_version: StrictInt | None = Field(None, description="Default: the current version.")
    units: list[Code] = Field(..., min_length=1, max_length=10000)
    deadline: dt.date
    name: Annotated[str, Field(max_length=200)] = ""
    seed: StrictInt | None = Field(None, ge=0, le=2**62)
    peers_per_unit: StrictInt = Field(3, ge=0, le=20)
    experts_per_unit: StrictInt = Field(2, ge=0, le=50)


class TransitionIn(InputSchema):
    version: StrictInt | None = Field(None, description="The version you saw.")


class ComputeIn(InputSchema):
    reason: Annotated[str, Field(max_length=300)] = ""


class JobOut(Schema):
    id: int
    round: int
    status: ComputeJob.Status
    stage: str
    progress_done: int
    progress_total: int
    percent: int
    error: str
    details: list[dict[str, Any]]
    result_set: int | None
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_round(obj: ComputeJob) -> int:
        return obj.round_id

    @staticmethod
    def resolve_result_set(obj: ComputeJob) -> int | None:
        return obj.result_set_id


class TaskOut(Schema):
    id: int
    round: int
    unit: str
    unit_name: str
    component: str
    kind: EvaluatorKind
    evaluator: str
    status: ScoringTask.Status
    deadline: dt.date
    score: float | None
    level: str
    items: dict[str, Any]
    comment: str
    submitted_at: dt.datetime | None
    version: int

    @staticmethod
    def resolve_round(obj: ScoringTask) -> int:
        return obj.round_id

    @staticmethod
    def resolve_unit(obj: ScoringTask) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj: ScoringTask) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_evaluator(obj: ScoringTask) -> str:
        return obj.evaluator.username

    @staticmethod
    def resolve_score(obj: ScoringTask) -> float | None:
        return _float(obj.score)


class TaskFilter(Schema):
    round: int | None = Field(None, ge=1, le=2**62)
    status: ScoringTask.Status | None = None


class ItemScoreIn(InputSchema):
    level: Annotated[str, Field(max_length=64)]
    pct: Number = Field(
        None, description="Share of the indicator's weight, within the level's range."
    )


class ScoreIn(InputSchema):
    version: StrictInt | None = None
    score: Number = Field(None, description="0–100, at most two decimals.")
    level: Annotated[str, Field(max_length=64)] = ""
    items: dict[str, ItemScoreIn] | None = Field(
        None, description="Rubric indicators: code → level and share."
    )
    comment: Text = ""


class AssignIn(InputSchema):
    unit: Code
    component: Code
    kind: EvaluatorKind
    evaluator: Annotated[str, Field(min_length=1, max_length=150)]


class ReassignIn(InputSchema):
    evaluator: Annotated[str, Field(min_length=1, max_length=150)]
    version: StrictInt | None = None


class ConflictIn(InputSchema):
    unit: Code
    reason: Annotated[str, Field(min_length=1, max_length=300)]


class ConflictOut(Schema):
    id: int
    person: str
    unit: str
    reason: str
    declared_at: dt.datetime
    withdrawn_at: dt.datetime | None

    @staticmethod
    def resolve_person(obj: ConflictDeclaration) -> str:
        return obj.person.username

    @staticmethod
    def resolve_unit(obj: ConflictDeclaration) -> str:
        return obj.unit.code


class ImportRowIn(InputSchema):
    unit: Code
    code: Annotated[str, Field(min_length=1, max_length=64)]
    value: Number = None
    level: Annotated[str, Field(max_length=64)] = ""
    position: StrictInt = Field(0, ge=0, le=999)
    note: Annotated[str, Field(max_length=200)] = ""


class ImportIn(InputSchema):
    rows: list[ImportRowIn] = Field(..., min_length=1, max_length=100000)


class ImportOut(Schema):
    imported: int


class AdjustmentIn(InputSchema):
    unit: Code
    kind: Adjustment.Kind
    points: Number = None
    reason: Annotated[str, Field(min_length=1, max_length=300)]


class AdjustmentOut(Schema):
    id: int
    unit: str
    kind: Adjustment.Kind
    points: float | None
    reason: str
    created_at: dt.datetime

    @staticmethod
    def resolve_unit(obj: Adjustment) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_points(obj: Adjustment) -> float | None:
        return _float(obj.points)


# --- results -----------------------------------------------------------------------------------------


class ResultSetOut(Schema):
    id: int
    round: int
    number: int
    status: ResultSet.Status
    reason: str
    previous: int | None
    computed_at: dt.datetime
    published_at: dt.datetime | None
    appeal_until: dt.date | None
    locked_at: dt.datetime | None
    summary: dict[str, Any]
    version: int

    @staticmethod
    def resolve_round(obj: ResultSet) -> int:
        return obj.round_id

    @staticmethod
    def resolve_previous(obj: ResultSet) -> int | None:
        return obj.previous.number if obj.previous_id else None


class UnitRowOut(Schema):
    unit: str
    unit_name: str
    group: str
    composite: float
    grade: str
    rank: int | None
    veto: str
    bonus: float
    components: dict[str, float]

    @staticmethod
    def resolve_unit(obj: UnitResult) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj: UnitResult) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_composite(obj: UnitResult) -> float:
        return float(obj.composite)

    @staticmethod
    def resolve_bonus(obj: UnitResult) -> float:
        return float(obj.bonus)


class DiffOut(Schema):
    unit: str
    composite_before: float | None
    composite_after: float
    grade_before: str | None
    grade_after: str | None
    rank_before: int | None
    rank_after: int | None


class ResultSetDetailOut(ResultSetOut):
    units: list[UnitRowOut]
    diff: list[DiffOut]

    @staticmethod
    def resolve_units(obj: ResultSet) -> list[UnitResult]:
        return obj.unit_rows


class IndicatorRowOut(Schema):
    code: str
    component: str
    value: float | None
    level: str
    rule: dict[str, Any]
    pct: float
    points: float


class UnitResultOut(UnitRowOut):
    breakdown: dict[str, Any]
    indicators: list[IndicatorRowOut]

    @staticmethod
    def resolve_indicators(obj: UnitResult) -> list[Any]:
        return obj.indicator_rows


# --- appeals, settings ---------------------------------------------------------------------------------


class AppealIn(InputSchema):
    unit: Code
    reason: Annotated[str, Field(min_length=1, max_length=5000)]
    requested_change: Text = ""


class DecisionIn(InputSchema):
    outcome: Annotated[str, Field(description="upheld, partly_upheld or rejected")]
    decision: Annotated[str, Field(min_length=1, max_length=5000)]
    recompute: StrictBool = False
    version: StrictInt | None = None


class AppealOut(Schema):
    id: int
    result_set: int
    round: int
    unit: str
    reason: str
    requested_change: str
    status: Appeal.Status
    filed_at: dt.datetime
    due_date: dt.date
    overdue: bool
    decision: str
    decided_at: dt.datetime | None
    recomputed: int | None
    version: int

    @staticmethod
    def resolve_result_set(obj: Appeal) -> int:
        return obj.result_set_id

    @staticmethod
    def resolve_round(obj: Appeal) -> int:
        return obj.round_id

    @staticmethod
    def resolve_unit(obj: Appeal) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_overdue(obj: Appeal) -> bool:
        return obj.is_overdue()

    @staticmethod
    def resolve_recomputed(obj: Appeal) -> int | None:
        return obj.recomputed_id


class SettingsOut(Schema):
    appeal_days: int
    decision_days: int
    comment_at_or_above: float
    comment_below: float
    reminder_days: int
    value_statuses: str
    version: int


class SettingsPatch(InputSchema):
    version: StrictInt | None = None
    appeal_days: StrictInt | None = Field(None, ge=0, le=60)
    decision_days: StrictInt | None = Field(None, ge=0, le=60)
    comment_at_or_above: StrictInt | StrictFloat | None = Field(None, ge=0, le=100)
    comment_below: StrictInt | StrictFloat | None = Field(None, ge=0, le=100)
    reminder_days: StrictInt | None = Field(None, ge=0, le=60)
    value_statuses: Annotated[str, Field(min_length=1, max_length=64)] | None = None


class WorkdayIn(InputSchema):
    date: dt.date
    is_workday: StrictBool
    note: Annotated[str, Field(max_length=100)] = ""


class WorkdayOut(Schema):
    date: dt.date
    is_workday: bool
    note: str


class CalendarOut(Schema):
    year: int
    working_days: int
    corrections: list[WorkdayOut]
