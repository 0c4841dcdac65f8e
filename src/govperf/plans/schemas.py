from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from govperf.core.schemas import api_enum
from govperf.plans.models import CheckerSetting, Cycle, Goal, Plan, PlanComment
from govperf.plans.rollup import number

# What NUMERIC(20, 6) holds; numbers come back as exact decimal strings ("20", "0.5").
Amount = Annotated[
    Decimal,
    Field(
        ge=Decimal("-99999999999999"),
        le=Decimal("99999999999999"),
        max_digits=20,
        decimal_places=6,
        allow_inf_nan=False,
    ),
]
Text = Annotated[str, Field(max_length=5000)]
Period = Annotated[
    str,
    Field(
        min_length=4,
        max_length=16,
        pattern=r"^[0-9A-Za-z]+$",
        description="A period code: 2026, 2026Q1, 202603.",
    ),
]
# Codes and usernames are plain ASCII identifiers: anything else is refused at the boundary.
CODE = r"^[A-Za-z0-9][A-Za-z0-9_.@+-]*$"
OPTIONAL_CODE = r"^([A-Za-z0-9][A-Za-z0-9_.@+-]*)?$"
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=CODE)]
Username = Annotated[str, Field(min_length=1, max_length=150, pattern=CODE)]


def _n(value) -> str | None:
    return number(value) if value is not None else None


# --- cycles -------------------------------------------------------------------------------


CycleStatus = api_enum(Cycle.Status, "CycleStatus")
PlanStatus = api_enum(Plan.Status, "PlanStatus")
CommentSource = api_enum(PlanComment.Source, "CommentSource")
CommentStatus = api_enum(PlanComment.Status, "CommentStatus")


class CycleOut(Schema):
    id: int
    code: str
    name: str
    period: str
    start_date: dt.date
    end_date: dt.date
    status: CycleStatus
    version: int


class CycleIn(Schema):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    period: Period
    status: CycleStatus = CycleStatus.PLANNING
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class CyclePatch(Schema):
    version: int
    name: str | None = Field(None, min_length=1, max_length=100)
    status: CycleStatus | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None


# --- goals --------------------------------------------------------------------------------------


class GoalOut(Schema):
    id: int
    parent_id: int | None
    level: Goal.Level
    decomposition: str
    owner_unit: str
    owner_unit_name: str
    responsible: str | None
    title: str
    description: str
    completion_standard: str
    measures: str
    indicator: str | None
    dimension_id: int | None
    target_value: str | None
    unit_of_measure: str
    start_period: str
    end_period: str
    deadline: dt.date | None
    sort_order: int
    version: int

    @staticmethod
    def resolve_owner_unit(obj) -> str:
        return obj.owner_unit.code

    @staticmethod
    def resolve_owner_unit_name(obj) -> str:
        return obj.owner_unit.name

    @staticmethod
    def resolve_responsible(obj) -> str | None:
        return obj.responsible.username if obj.responsible_id else None

    @staticmethod
    def resolve_indicator(obj) -> str | None:
        return obj.indicator.code if obj.indicator_id else None

    @staticmethod
    def resolve_target_value(obj) -> str | None:
        return _n(obj.target_value)


class GoalFields(Schema):
    description: Text = ""
    completion_standard: Text = ""
    measures: Text = ""
    indicator: Code | None = Field(None, description="Indicator code.")
    dimension_id: int | None = Field(
        None, description="A category (tag) of the dimension taxonomy."
    )
    target_value: Amount | None = None
    unit_of_measure: str = Field("", max_length=32)
    deadline: dt.date | None = None
    responsible: Username | None = Field(None, description="Username.")
    sort_order: int = Field(0, ge=-1_000_000, le=1_000_000)


class GoalIn(GoalFields):
    parent: int | None = Field(None, description="Id of the parent goal.")
    level: Goal.Level
    decomposition: Literal["", "level", "time", "content"] = ""
    owner_unit: Code = Field(description="Unit code.")
    title: str = Field(min_length=1, max_length=200)
    start_period: Period
    end_period: Period | None = None


class GoalPatch(Schema):
    version: int
    title: str | None = Field(None, min_length=1, max_length=200)
    description: Text | None = None
    completion_standard: Text | None = None
    measures: Text | None = None
    indicator: Code | None = None
    dimension_id: int | None = None
    target_value: Amount | None = None
    unit_of_measure: str | None = Field(None, max_length=32)
    start_period: Period | None = None
    end_period: Period | None = None
    deadline: dt.date | None = None
    responsible: Username | None = None
    sort_order: int | None = Field(None, ge=-1_000_000, le=1_000_000)


class GoalFilter(Schema):
    cycle: str = Field("", pattern=OPTIONAL_CODE, description="Cycle code; goals overlapping it.")
    unit: str = Field("", pattern=OPTIONAL_CODE, description="Owner unit code.")
    level: Goal.Level | None = None
    parent: int | None = None


# --- targets ---------------------------------------------------------------------------------


class TargetOut(Schema):
    id: int
    indicator: str
    indicator_name: str
    indicator_version: int
    unit: str
    unit_name: str
    period: str
    goal_id: int | None
    parent_id: int | None
    decomposition: str
    baseline: str | None
    floor: str | None
    target: str | None
    challenge: str | None
    responsible: str | None
    deadline: dt.date | None
    basis: str
    version: int

    @staticmethod
    def resolve_indicator(obj) -> str:
        return obj.indicator.code

    @staticmethod
    def resolve_indicator_name(obj) -> str:
        return obj.indicator_version.name

    @staticmethod
    def resolve_indicator_version(obj) -> int:
        return obj.indicator_version.number

    @staticmethod
    def resolve_unit(obj) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_responsible(obj) -> str | None:
        return obj.responsible.username if obj.responsible_id else None

    @staticmethod
    def resolve_baseline(obj) -> str | None:
        return _n(obj.baseline)

    @staticmethod
    def resolve_floor(obj) -> str | None:
        return _n(obj.floor)

    @staticmethod
    def resolve_target(obj) -> str | None:
        return _n(obj.target)

    @staticmethod
    def resolve_challenge(obj) -> str | None:
        return _n(obj.challenge)


class TargetValues(Schema):
    baseline: Amount | None = None
    floor: Amount | None = None
    target: Amount | None = None
    challenge: Amount | None = None
    deadline: dt.date | None = None
    basis: Text = ""
    responsible: Username | None = Field(None, description="Username.")


class TargetIn(TargetValues):
    indicator: Code = Field(description="Indicator code.")
    unit: Code = Field(description="Unit code (the owner).")
    period: Period
    goal: int | None = None
    parent: int | None = None
    decomposition: Literal["", "level", "time"] = ""


class TargetPatch(Schema):
    version: int
    baseline: Amount | None = None
    floor: Amount | None = None
    target: Amount | None = None
    challenge: Amount | None = None
    deadline: dt.date | None = None
    basis: Text | None = None
    responsible: Username | None = None


class TargetFilter(Schema):
    unit: str = Field("", pattern=OPTIONAL_CODE)
    indicator: str = Field("", pattern=OPTIONAL_CODE)
    period: str = Field("", pattern=r"^[0-9A-Za-z]*$")
    goal: int | None = None
    parent: int | None = None


class PartIn(TargetValues):
    period: Period | None = Field(None, description="By time: the part's period.")
    unit: Code | None = Field(None, description="By level: the part's unit code.")


class DecomposeIn(Schema):
    kind: Literal["time", "level"]
    parts: list[PartIn] = Field(min_length=1, max_length=400)


class RollupIssueOut(Schema):
    node: str
    node_id: int
    kind: str
    rule: str
    expected: str | None
    actual: str | None
    difference: str | None
    message: str
    children: list[int]
    missing_periods: list[str]

    @staticmethod
    def resolve_expected(obj) -> str | None:
        return _n(obj.expected)

    @staticmethod
    def resolve_actual(obj) -> str | None:
        return _n(obj.actual)

    @staticmethod
    def resolve_difference(obj) -> str | None:
        return _n(obj.difference)


class TimelineOut(Schema):
    period: str
    target: str | None
    cumulative: str | None


# --- plans ------------------------------------------------------------------------------------


class PlanOut(Schema):
    id: int
    unit: str
    unit_name: str
    cycle: str
    status: PlanStatus
    round: int
    measures: str
    weight_total: str
    approved_at: dt.datetime | None
    revision_reason_kind: str
    revision_reason: str
    comment_open_until: dt.datetime | None
    comment_public: bool
    version: int

    @staticmethod
    def resolve_unit(obj) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_cycle(obj) -> str:
        return obj.cycle.code

    @staticmethod
    def resolve_weight_total(obj) -> str:
        total = getattr(obj, "weight_sum", None)
        if total is None:
            total = sum(obj.items.values_list("weight", flat=True), Decimal(0))
        return number(Decimal(total))


class PlanIn(Schema):
    unit: Code = Field(description="Unit code.")
    cycle: str = Field(min_length=1, max_length=32, pattern=CODE, description="Cycle code.")
    measures: str = Field("", max_length=20000)


class PlanPatch(Schema):
    version: int
    measures: str = Field(max_length=20000)


class PlanFilter(Schema):
    cycle: str = Field("", pattern=OPTIONAL_CODE)
    unit: str = Field("", pattern=OPTIONAL_CODE, description="Unit code: plans of it and below.")
    status: PlanStatus | None = None


class ItemOut(Schema):
    id: int
    plan_id: int
    target: TargetOut
    weight: str
    is_core: bool
    sort_order: int
    version: int

    @staticmethod
    def resolve_weight(obj) -> str:
        return number(obj.weight)


class ItemIn(TargetValues):
    target_id: int | None = Field(None, description="An existing target of the unit.")
    indicator: Code | None = Field(None, description="Or an indicator code: its target is made.")
    period: Period | None = Field(None, description="Period of a new target (default: the cycle).")
    goal: int | None = None
    weight: Amount = Decimal(0)
    is_core: bool = False


class ItemPatch(Schema):
    version: int
    weight: Amount | None = None
    is_core: bool | None = None
    sort_order: int | None = Field(None, ge=-1_000_000, le=1_000_000)
    baseline: Amount | None = None
    floor: Amount | None = None
    target: Amount | None = None
    challenge: Amount | None = None
    deadline: dt.date | None = None
    basis: Text | None = None


class PlanTransitionIn(Schema):
    comment: Text = ""
    version: int | None = Field(
        None, description="The version you read; a newer one is a conflict."
    )


class RevisionIn(Schema):
    reason_kind: Plan.RevisionReason
    reason: Text
    version: int | None = None


class EventOut(Schema):
    id: int
    action: str
    from_status: str
    to_status: str
    actor: str | None
    comment: str
    reason_kind: str
    round: int
    diff: dict[str, Any] | None
    findings: list[dict[str, Any]] | None
    created_at: dt.datetime

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return obj.actor.username if obj.actor_id else None


class FindingOut(Schema):
    code: str
    severity: str
    message: str
    item_id: int | None
    field: str | None
    indicator: str | None


class CheckOut(Schema):
    findings: list[FindingOut]
    blocking: int
    weight_total: str


class PlanDiffOut(Schema):
    approved_at: dt.datetime | None
    diff: dict[str, Any] | None


# --- comments -----------------------------------------------------------------------------------


class CommentOut(Schema):
    id: int
    plan_id: int
    item_id: int | None
    source: CommentSource
    name: str
    contact: str
    body: str
    status: CommentStatus
    moderation_note: str
    answer: str
    adopted: bool | None
    not_adopted_reason: str
    answered_at: dt.datetime | None
    created_at: dt.datetime
    version: int


class CommentIn(Schema):
    body: str = Field(min_length=1, max_length=2000)
    item: int | None = None


class PublicCommentIn(Schema):
    name: str = Field(min_length=1, max_length=50)
    contact: str = Field("", max_length=100)
    body: str = Field(min_length=1, max_length=2000)
    item: int | None = None


class PublicCommentAck(Schema):
    id: int
    status: CommentStatus
    message: str


class ModerateIn(Schema):
    publish: bool
    note: str = Field("", max_length=200)
    version: int | None = None


class AnswerIn(Schema):
    answer: Text
    adopted: bool
    not_adopted_reason: Text = ""
    version: int | None = None


class CommentWindowIn(Schema):
    until: dt.datetime
    public: bool = False
    version: int | None = None


class PublicItemOut(Schema):
    id: int
    indicator: str
    unit_of_measure: str
    period: str
    weight: str
    baseline: str | None
    floor: str | None
    target: str | None
    challenge: str | None
    basis: str


class PublicCommentOut(Schema):
    name: str
    body: str
    answer: str
    adopted: bool | None
    not_adopted_reason: str
    created_at: dt.datetime


class PublicPlanOut(Schema):
    id: int
    unit_name: str
    cycle_name: str
    measures: str
    comment_open_until: dt.datetime | None
    open: bool
    items: list[PublicItemOut]
    comments: list[PublicCommentOut]


# --- checker settings ----------------------------------------------------------------------------


class CheckerSettingOut(Schema):
    code: str
    label: str
    mode: CheckerSetting.Mode
    default_mode: CheckerSetting.Mode
    params: dict[str, Any]
    version: int


class CheckerSettingIn(Schema):
    mode: CheckerSetting.Mode
    params: dict[str, Any] | None = None
    version: int | None = Field(
        None, description="0 for a rule never saved; a stale one is a conflict."
    )


# --- import ---------------------------------------------------------------------------------------


class PlanImportOut(Schema):
    rows: int
    plans: int
    create: int
    update: int
    remove: int
    imported: bool
