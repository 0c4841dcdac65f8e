"""API schemas of the data app. Request bodies subclass ``InputSchema``; numbers and flags
in bodies are strict (``false`` is not 0)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import StrictBool, StrictFloat, StrictInt, StrictStr

from govperf.core.schemas import ErrorDetailOut, InputSchema, api_enum
from govperf.data.models import (
    Connector,
    ConnectorRun,
    CorrectionRequest,
    DataValue,
    QualityFlag,
    QualityRun,
    ValidationRule,
)

Code = Annotated[str, Field(min_length=1, max_length=64)]
PeriodCode = Annotated[
    str, Field(min_length=4, max_length=16, description="A period code: 2026, 2026Q1, 202603.")
]
Text = Annotated[str, Field(max_length=2000)]
# A value as the client has it: decimal text ("12.5") or a JSON number; null or "" for none.
ValueText = StrictStr | StrictInt | StrictFloat | None


def _decimal(value) -> str | None:
    if value is None:
        return None
    return format(value.normalize(), "f")


def error_items(errors: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Stored located errors (``ErrorDetail.as_dict``) as ``ErrorDetailOut``: values as text."""
    return [
        {**e, "value": None if e.get("value") is None else str(e["value"])} for e in errors or []
    ]


# --- values ----------------------------------------------------------------------------------


ValueStatus = api_enum(DataValue.Status, "ValueStatus")
ValueSource = api_enum(DataValue.Source, "ValueSource")
CorrectionStatus = api_enum(CorrectionRequest.Status, "CorrectionStatus")
RuleKind = api_enum(ValidationRule.Kind, "RuleKind")
QualityRunStatus = api_enum(QualityRun.Status, "QualityRunStatus")
QualityFlagKind = api_enum(QualityFlag.Kind, "QualityFlagKind")


class ValueOut(Schema):
    id: int
    indicator: str
    unit: str
    period: str
    category: str
    attribute: str
    value: str | None = Field(description="Exact decimal text, or null.")
    level: str
    comment: str
    status: ValueStatus
    source: ValueSource
    version: int
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    approved_at: dt.datetime | None

    @staticmethod
    def resolve_indicator(obj: DataValue) -> str:
        return obj.indicator.code

    @staticmethod
    def resolve_unit(obj: DataValue) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_value(obj: DataValue) -> str | None:
        return _decimal(obj.value)


class ValueFilter(Schema):
    indicator: str | None = Field(None, max_length=64, description="Indicator code.")
    unit: str | None = Field(None, max_length=64, description="Unit code (its own values only).")
    subtree: bool = Field(False, description="With unit: also the units below it.")
    period_from: str | None = Field(None, max_length=16, description="First period (inclusive).")
    period_to: str | None = Field(None, max_length=16, description="Last period (inclusive).")
    status: ValueStatus | None = None
    source: ValueSource | None = None


class ChangeOut(Schema):
    id: int
    old_value: str | None
    new_value: str | None
    old_level: str
    new_level: str
    old_status: str
    new_status: str
    source: str
    reason: str
    actor: str | None
    batch: str
    changed_at: dt.datetime

    @staticmethod
    def resolve_old_value(obj) -> str | None:
        return _decimal(obj.old_value)

    @staticmethod
    def resolve_new_value(obj) -> str | None:
        return _decimal(obj.new_value)

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return obj.actor.username if obj.actor_id else None


class ValueIn(InputSchema):
    indicator: Code
    unit: Code
    period: PeriodCode
    value: ValueText = None
    level: str = Field(
        "", max_length=64, description="A rubric level, for a qualitative indicator."
    )
    category: str = Field("", max_length=64)
    attribute: str = Field("", max_length=64)
    comment: str = Field("", max_length=2000)


class PushIn(InputSchema):
    values: list[ValueIn] = Field(min_length=1, max_length=10_000)


class PushOut(Schema):
    batch: str
    rows: int
    created: int
    updated: int
    unchanged: int
    recomputed: int
    warnings: list[ErrorDetailOut] = []


# --- the workflow ------------------------------------------------------------------------------


class ValueTransitionIn(InputSchema):
    unit: Code
    period: PeriodCode
    values: list[StrictInt] | None = Field(
        None,
        max_length=10_000,
        description="Value ids; all of the unit's values in the period when absent.",
    )
    comment: Text = ""


class TransitionOut(Schema):
    verb: str
    status: str
    count: int
    values: list[int]


class LockIn(InputSchema):
    period: PeriodCode
    unit: Code | None = Field(
        None, description="Lock one unit and its subtree; every unit when absent."
    )
    reason: Annotated[str, Field(max_length=500)] = ""


class UnlockIn(InputSchema):
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class LockOut(Schema):
    id: int
    period: str
    unit: str | None
    reason: str
    locked_at: dt.datetime
    locked_by: str | None
    unlocked_at: dt.datetime | None
    active: bool

    @staticmethod
    def resolve_unit(obj) -> str | None:
        return obj.unit.code if obj.unit_id else None

    @staticmethod
    def resolve_locked_by(obj) -> str | None:
        return obj.locked_by.username if obj.locked_by_id else None

    @staticmethod
    def resolve_active(obj) -> bool:
        return obj.unlocked_at is None


class CorrectionIn(InputSchema):
    new_value: ValueText = None
    new_level: str = Field("", max_length=64)
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class CorrectionDecisionIn(InputSchema):
    approve: StrictBool
    comment: Text = ""
    version: StrictInt | None = Field(None, description="The version you read; a newer one is 409.")


class CorrectionOut(Schema):
    id: int
    value_id: int
    indicator: str
    unit: str
    period: str
    old_value: str | None
    new_value: str | None
    old_level: str
    new_level: str
    reason: str
    status: CorrectionStatus
    requested_by: str | None
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_comment: str
    version: int

    @staticmethod
    def resolve_value_id(obj) -> int:
        return obj.data_value_id

    @staticmethod
    def resolve_indicator(obj) -> str:
        return obj.data_value.indicator.code

    @staticmethod
    def resolve_unit(obj) -> str:
        return obj.data_value.unit.code

    @staticmethod
    def resolve_period(obj) -> str:
        return obj.data_value.period

    @staticmethod
    def resolve_old_value(obj) -> str | None:
        return _decimal(obj.old_value)

    @staticmethod
    def resolve_new_value(obj) -> str | None:
        return _decimal(obj.new_value)

    @staticmethod
    def resolve_requested_by(obj) -> str | None:
        return obj.requested_by.username if obj.requested_by_id else None

    @staticmethod
    def resolve_decided_by(obj) -> str | None:
        return obj.decided_by.username if obj.decided_by_id else None


class CorrectionFilter(Schema):
    status: CorrectionStatus | None = None


# --- rules ---------------------------------------------------------------------------------------


class RuleOut(Schema):
    id: int
    code: str
    name: str
    kind: RuleKind
    indicator: str
    params: dict[str, Any]
    severity: ValidationRule.Severity
    message: str
    is_active: bool
    version: int

    @staticmethod
    def resolve_indicator(obj) -> str:
        return obj.indicator.code


class RuleIn(InputSchema):
    code: Code
    name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: RuleKind
    indicator: Code
    params: dict[str, StrictStr | StrictInt | StrictFloat] = Field(
        default_factory=dict,
        description='range: {"min", "max"}; expression: {"left", "op", "right"}; '
        'jump: {"compare": "prev"|"lastyear", "max_percent"}.',
    )
    severity: ValidationRule.Severity = ValidationRule.Severity.BLOCK
    message: Annotated[str, Field(max_length=300)] = ""
    is_active: StrictBool = True


class RulePatch(InputSchema):
    version: StrictInt
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    params: dict[str, StrictStr | StrictInt | StrictFloat] | None = None
    severity: ValidationRule.Severity | None = None
    message: Annotated[str, Field(max_length=300)] | None = None
    is_active: StrictBool | None = None


# --- evidence --------------------------------------------------------------------------------------


class EvidenceOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    description: str
    uploaded_by: str | None
    uploaded_at: dt.datetime
    url: str

    @staticmethod
    def resolve_uploaded_by(obj) -> str | None:
        return obj.uploaded_by.username if obj.uploaded_by_id else None

    @staticmethod
    def resolve_url(obj) -> str:
        from django.urls import reverse

        return reverse("data:evidence", args=[obj.pk])


# --- the quality screen ----------------------------------------------------------------------------


class RunIn(InputSchema):
    period: PeriodCode
    unit: Code | None = Field(
        None, description="Screen one unit's subtree; every unit when absent."
    )
    due_days: StrictInt | None = Field(
        None, ge=0, le=366, description="Days after a period's end a value is due."
    )


class RunOut(Schema):
    id: int
    period: str
    unit: str | None
    status: QualityRunStatus
    progress_done: int
    progress_total: int
    percent: int
    params: dict[str, Any]
    error: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_unit(obj) -> str | None:
        return obj.unit.code if obj.unit_id else None


class ResultOut(Schema):
    unit: str
    unit_name: str
    period: str
    score: float | None
    expected: int
    present: int
    on_time: int
    late: int
    completeness: float | None
    timeliness: float | None
    violations: int
    outliers: int
    contradictions: int
    smooth_series: int
    benford_n: int
    benford_p: float | None
    benford_mad: float | None
    benford_conformity: str
    benford_flagged: bool

    @staticmethod
    def resolve_unit(obj) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.unit.name


class FlagOut(Schema):
    id: int
    unit: str
    kind: QualityFlagKind
    indicator: str | None
    period: str
    value: str | None
    value_id: int | None
    reason: str
    details: dict[str, Any]

    @staticmethod
    def resolve_unit(obj) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_indicator(obj) -> str | None:
        return obj.indicator.code if obj.indicator_id else None

    @staticmethod
    def resolve_value(obj) -> str | None:
        return _decimal(obj.value)

    @staticmethod
    def resolve_value_id(obj) -> int | None:
        return obj.data_value_id


class FlagFilter(Schema):
    unit: str | None = Field(None, max_length=64)
    kind: QualityFlagKind | None = None


# --- connectors ------------------------------------------------------------------------------------


ConnectorKind = api_enum(Connector.Kind, "ConnectorKind")
ConnectorFormat = api_enum(Connector.Format, "ConnectorFormat")
ConnectorRunStatus = api_enum(ConnectorRun.Status, "ConnectorRunStatus")
Cron = Annotated[StrictStr, Field(min_length=1, max_length=64)]
ConnectorName = Annotated[StrictStr, Field(min_length=1, max_length=100)]
SourceUrl = Annotated[StrictStr, Field(max_length=500)]
RecordsPath = Annotated[StrictStr, Field(max_length=200)]
DatabaseName = Annotated[StrictStr, Field(max_length=64)]
SqlQuery = Annotated[StrictStr, Field(max_length=20_000)]
HttpMethod = Literal["GET", "POST"]
Headers = Annotated[
    dict[StrictStr, StrictStr],
    Field(
        max_length=50,
        description="Request headers. Answers show every value as ********; sending ******** "
        "back keeps the stored value.",
    ),
]
FieldMap = Annotated[
    dict[StrictStr, StrictStr],
    Field(
        max_length=8,
        description="Our field → the source's field: indicator, unit, period and value "
        "(required); level, comment, category, attribute (optional).",
    ),
]
URL_HELP = (
    "http(s) address (HTTP kind). A password or a token in the query is shown as ********; "
    "sent back unchanged, the stored one is kept."
)


class ConnectorIn(InputSchema):
    name: ConnectorName
    kind: ConnectorKind
    is_active: StrictBool = True
    minute: Cron = "0"
    hour: Cron = "2"
    day: Cron = "*"
    month: Cron = "*"
    day_of_week: Cron = "*"
    url: SourceUrl = Field("", description=URL_HELP)
    method: HttpMethod = "GET"
    headers: Headers = Field(default_factory=dict)
    response_format: ConnectorFormat = ConnectorFormat.JSON
    records_path: RecordsPath = Field(
        "", description="Dotted path to the list of records in a JSON answer, e.g. data.items."
    )
    database: DatabaseName = Field("", description="A configured database (SQL kind).")
    query: SqlQuery = Field("", description="The query (SQL kind); run read-only.")
    field_map: FieldMap


class ConnectorPatch(InputSchema):
    version: StrictInt = Field(description="The version you read; a newer one is 409.")
    name: ConnectorName | None = None
    owner: Annotated[StrictStr, Field(min_length=1, max_length=150)] | None = Field(
        None,
        description="The username of whoever is told when a run fails; they must be able to "
        "manage connectors.",
    )
    kind: ConnectorKind | None = None
    is_active: StrictBool | None = Field(None, description="false disables the schedule.")
    minute: Cron | None = None
    hour: Cron | None = None
    day: Cron | None = None
    month: Cron | None = None
    day_of_week: Cron | None = None
    url: SourceUrl | None = Field(None, description=URL_HELP)
    method: HttpMethod | None = None
    headers: Headers | None = None
    response_format: ConnectorFormat | None = None
    records_path: RecordsPath | None = None
    database: DatabaseName | None = None
    query: SqlQuery | None = None
    field_map: FieldMap | None = None


class ConnectorFilter(Schema):
    kind: ConnectorKind | None = None
    is_active: bool | None = None


class ConnectorOut(Schema):
    id: int
    name: str
    kind: ConnectorKind
    owner: str
    is_active: bool
    minute: str
    hour: str
    day: str
    month: str
    day_of_week: str
    schedule: str = Field(description="The crontab: minute hour day month day-of-week.")
    url: str = Field(description="Credentials shown as ********.")
    method: str
    headers: dict[str, str] = Field(description="Every value shown as ********.")
    response_format: ConnectorFormat
    records_path: str
    database: str
    query: str
    field_map: dict[str, Any]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    last_run_at: dt.datetime | None
    last_run_status: ConnectorRunStatus | None

    @staticmethod
    def resolve_owner(obj) -> str:
        return obj.owner.username

    @staticmethod
    def resolve_url(obj) -> str:
        from govperf.data.exchange.connectors import public_url

        return public_url(obj.url)

    @staticmethod
    def resolve_headers(obj) -> dict[str, str]:
        from govperf.data.exchange.connectors import public_headers

        return public_headers(obj.headers)

    @staticmethod
    def resolve_last_run_status(obj) -> str | None:
        if hasattr(obj, "last_run_status"):
            return obj.last_run_status
        return obj.runs.values_list("status", flat=True).first()


class ConnectorRunOut(Schema):
    id: int
    connector: int
    attempt: int
    status: ConnectorRunStatus
    started_at: dt.datetime
    finished_at: dt.datetime | None
    duration_ms: int
    rows: int
    counts: dict[str, int] = Field(description="rows, created, updated, unchanged, recomputed.")
    errors: list[ErrorDetailOut]
    message: str

    @staticmethod
    def resolve_connector(obj) -> int:
        return obj.connector_id

    @staticmethod
    def resolve_errors(obj) -> list[dict[str, Any]]:
        return error_items(obj.errors)

    @staticmethod
    def resolve_message(obj) -> str:
        from govperf.data.exchange.connectors import redact

        return redact(obj.connector, obj.message)
