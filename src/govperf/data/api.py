"""API of the data app: values (read, push with an Idempotency-Key), the status workflow,
period locks, corrections, validation rules, evidence and the quality screen."""

import json
from typing import Any

import numpy as np
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status
from ninja.pagination import paginate

from govperf.core.errors import DomainError, ErrorDetail, NotFound, ValidationFailed
from govperf.core.pagination import Pagination
from govperf.core.schemas import ERRORS
from govperf.data import idempotency, selectors, services
from govperf.data.batch import ValueBatch
from govperf.data.schemas import (
    ChangeOut,
    CorrectionDecisionIn,
    CorrectionFilter,
    CorrectionIn,
    CorrectionOut,
    EvidenceOut,
    FlagFilter,
    FlagOut,
    LockIn,
    LockOut,
    PushIn,
    PushOut,
    ResultOut,
    RuleIn,
    RuleOut,
    RulePatch,
    RunIn,
    RunOut,
    TransitionOut,
    UnlockIn,
    ValueFilter,
    ValueOut,
    ValueTransitionIn,
)
from govperf.indicators.models import Indicator
from govperf.orgs import policy
from govperf.orgs.models import Unit
from govperf.orgs.policy import Action

router = Router(tags=["data"])

PUSH_PATH = "/data/values"


def _period(code: str | None, field: str):
    return services.parse_period(code, field) if code else None


def _indicator(code: str, field: str = "indicator") -> Indicator:
    found = Indicator.objects.filter(code=code).first()
    if found is None:
        raise ValidationFailed(
            _("Unknown indicator."),
            [ErrorDetail(field=field, value=code, message=_("Unknown indicator."))],
        )
    return found


# --- values -----------------------------------------------------------------------------------


@router.get(
    "/data/values",
    response={200: list[ValueOut], **ERRORS},
    summary="Values the caller may see",
)
@paginate(Pagination)
def list_values(request: HttpRequest, filters: Query[ValueFilter]):
    user = request.user
    policy.require(user, Action.VIEW_DATA)
    unit = selectors.get_unit_by_code(user, filters.unit) if filters.unit else None
    return selectors.visible_values(
        user,
        indicator=filters.indicator,
        unit=unit,
        subtree=filters.subtree,
        period_from=_period(filters.period_from, "period_from"),
        period_to=_period(filters.period_to, "period_to"),
        status=filters.status,
        source=filters.source,
    )


@router.get("/data/values/{value_id}", response={200: ValueOut, **ERRORS}, summary="One value")
def get_value(request: HttpRequest, value_id: int):
    return selectors.get_value(request.user, value_id)


@router.get(
    "/data/values/{value_id}/history",
    response={200: list[ChangeOut], **ERRORS},
    summary="Every change of a value",
)
@paginate(Pagination)
def value_history(request: HttpRequest, value_id: int):
    return selectors.history(selectors.get_value(request.user, value_id))


@router.get(
    "/data/values/{value_id}/evidence",
    response={200: list[EvidenceOut], **ERRORS},
    summary="Evidence files of a value (downloaded from their url, signed in)",
)
def value_evidence(request: HttpRequest, value_id: int):
    return list(selectors.evidence(selectors.get_value(request.user, value_id)))


def _push_batch(request: HttpRequest, payload: PushIn) -> ValueBatch:
    """Resolve codes to ids; unknown codes (and units the caller cannot see) are located errors."""
    items = payload.values
    indicator_codes = {v.indicator for v in items}
    unit_codes = {v.unit for v in items}
    indicators = dict(Indicator.objects.filter(code__in=indicator_codes).values_list("code", "pk"))
    visible = policy.units(request.user, Action.VIEW_UNITS) | policy.units(
        request.user, Action.ENTER_DATA
    )
    units = dict(
        Unit.objects.filter(code__in=unit_codes, pk__in=visible.values("pk")).values_list(
            "code", "pk"
        )
    )
    details = []
    for i, item in enumerate(items):
        if item.indicator not in indicators:
            details.append(
                ErrorDetail(
                    row=i,
                    column="indicator",
                    field=f"values.{i}.indicator",
                    value=item.indicator,
                    message=_("Unknown indicator."),
                )
            )
        if item.unit not in units:
            details.append(
                ErrorDetail(
                    row=i,
                    column="unit",
                    field=f"values.{i}.unit",
                    value=item.unit,
                    message=_("Unknown unit."),
                )
            )
    if details:
        raise ValidationFailed(_("The values have errors; nothing was written."), details)
    texts = []
    for item in items:
        value = item.value
        if value is None:
            texts.append("")
        elif isinstance(value, float):
            texts.append(repr(value) if np.isfinite(value) else "nan")
        else:
            texts.append(str(value).strip())
    return ValueBatch(
        indicator_ids=np.asarray([indicators[v.indicator] for v in items], dtype=np.int64),
        unit_ids=np.asarray([units[v.unit] for v in items], dtype=np.int64),
        periods=[v.period for v in items],
        values=texts,
        levels=[v.level for v in items],
        categories=[v.category for v in items],
        attributes=[v.attribute for v in items],
        comments=[v.comment for v in items],
        rows=list(range(len(items))),
    )


def _located(details: list[ErrorDetail], items: list | None = None) -> list[dict[str, Any]]:
    """Errors of the writer name the item (its index in ``values``) and the field; an
    indicator or unit is quoted by the code the client sent, not our internal id."""
    out = []
    for d in details:
        if d.row is not None and d.column and not d.field:
            d.field = f"values.{d.row}.{d.column}"
        if (
            items is not None
            and d.column in ("indicator", "unit")
            and d.row is not None
            and 0 <= d.row < len(items)
        ):
            d.value = getattr(items[d.row], d.column)
        out.append(d.as_dict())
    return out


@router.post(
    "/data/values",
    response={200: PushOut, **ERRORS},
    summary="Create or update values, all or nothing (Idempotency-Key required)",
    description=(
        "Batch upsert on (indicator, unit, period, category, attribute). Send an "
        "`Idempotency-Key` header (draft-ietf-httpapi-idempotency-key-header): the same key "
        "and body again returns the stored response; the same key with another body is 422; "
        "while the first request runs, a duplicate is 409. Keys expire after 24 hours. "
        "Errors name the item: `row` is its index in `values`, `column` the field."
    ),
)
def push_values(
    request: HttpRequest,
    payload: PushIn,
    idempotency_key: str = Header(
        ..., alias="Idempotency-Key", max_length=300, description="A unique key, e.g. a UUID."
    ),
):
    key = idempotency.parse_key(idempotency_key)
    user = request.user
    claimed = idempotency.claim(
        owner=user,
        token=getattr(user, "api_token", None),
        key=key,
        method=request.method,
        path=PUSH_PATH,
        request_hash=idempotency.fingerprint(request.body),
    )
    if isinstance(claimed, idempotency.Replay):
        response = HttpResponse(
            json.dumps(claimed.body, ensure_ascii=False),
            status=claimed.status,
            content_type="application/json",
        )
        response["Idempotent-Replayed"] = "true"
        return response
    try:
        batch = _push_batch(request, payload)
        result = services.push_values(actor=user, batch=batch, batch_id=f"api-{claimed.pk}")
    except DomainError as exc:
        body = exc.as_dict()
        body["details"] = _located(exc.details, payload.values)
        idempotency.finish(claimed, exc.status, body)
        return HttpResponse(
            json.dumps(body, ensure_ascii=False), status=exc.status, content_type="application/json"
        )
    except BaseException:
        idempotency.release(claimed)
        raise
    body = {
        "batch": result.batch_id,
        **result.counts(),
        "warnings": _located(result.warnings, payload.values),
    }
    idempotency.finish(claimed, 200, body)
    return body


# --- the status workflow -------------------------------------------------------------------------


def _transition(request: HttpRequest, payload: ValueTransitionIn, verb: str) -> dict[str, Any]:
    user = request.user
    unit = selectors.get_unit_by_code(user, payload.unit, Action.VIEW_DATA)
    common = {"actor": user, "unit": unit, "period": payload.period, "value_ids": payload.values}
    if verb == "submit":
        moved = services.submit_values(**common, comment=payload.comment)
    elif verb == "approve":
        moved = services.approve_values(**common)
    elif verb == "return":
        moved = services.return_values(**common, comment=payload.comment)
    else:
        moved = services.reopen_values(**common, comment=payload.comment)
    return {
        "verb": verb,
        "status": moved[0].status,
        "count": len(moved),
        "values": [v.pk for v in moved],
    }


@router.post(
    "/data/submit",
    response={200: TransitionOut, **ERRORS},
    summary="Submit a unit's draft values of a period for approval",
)
def submit_values(request: HttpRequest, payload: ValueTransitionIn):
    return _transition(request, payload, "submit")


@router.post(
    "/data/approve",
    response={200: TransitionOut, **ERRORS},
    summary="Approve submitted values (unit leader)",
)
def approve_values(request: HttpRequest, payload: ValueTransitionIn):
    return _transition(request, payload, "approve")


@router.post(
    "/data/return",
    response={200: TransitionOut, **ERRORS},
    summary="Return submitted values to draft, with a comment",
)
def return_values(request: HttpRequest, payload: ValueTransitionIn):
    return _transition(request, payload, "return")


@router.post(
    "/data/reopen",
    response={200: TransitionOut, **ERRORS},
    summary="Reopen approved (not locked) values as draft, with a comment",
)
def reopen_values(request: HttpRequest, payload: ValueTransitionIn):
    return _transition(request, payload, "reopen")


# --- locks ----------------------------------------------------------------------------------------


@router.get("/data/locks", response={200: list[LockOut], **ERRORS}, summary="Period locks")
@paginate(Pagination)
def list_locks(request: HttpRequest):
    policy.require(request.user, Action.LOCK_PERIOD)
    return selectors.period_locks()


@router.post("/data/locks", response={201: LockOut, **ERRORS}, summary="Lock a period")
def create_lock(request: HttpRequest, payload: LockIn):
    user = request.user
    unit = (
        selectors.get_unit_by_code(user, payload.unit, Action.LOCK_PERIOD) if payload.unit else None
    )
    lock = services.lock_period(actor=user, period=payload.period, unit=unit, reason=payload.reason)
    return Status(201, lock)


@router.post(
    "/data/locks/{lock_id}/unlock",
    response={200: LockOut, **ERRORS},
    summary="Lift a period lock, with a reason",
)
def unlock(request: HttpRequest, lock_id: int, payload: UnlockIn):
    user = request.user
    policy.require(user, Action.LOCK_PERIOD)
    lock = selectors.get_lock(user, lock_id)
    return services.unlock_period(actor=user, lock=lock, reason=payload.reason)


# --- corrections ------------------------------------------------------------------------------------


@router.get(
    "/data/corrections",
    response={200: list[CorrectionOut], **ERRORS},
    summary="Correction requests the caller may see",
)
@paginate(Pagination)
def list_corrections(request: HttpRequest, filters: Query[CorrectionFilter]):
    return selectors.corrections(request.user, status=filters.status)


@router.post(
    "/data/values/{value_id}/corrections",
    response={201: CorrectionOut, **ERRORS},
    summary="Ask to correct a locked value, with a reason",
)
def request_correction(request: HttpRequest, value_id: int, payload: CorrectionIn):
    user = request.user
    value = selectors.get_value(user, value_id, Action.ENTER_DATA)
    created = services.request_correction(
        actor=user,
        data_value=value,
        new_value=payload.new_value,
        new_level=payload.new_level,
        reason=payload.reason,
    )
    return Status(201, selectors.get_correction(user, created.pk))


@router.post(
    "/data/corrections/{correction_id}/decision",
    response={200: CorrectionOut, **ERRORS},
    summary="Approve (the value changes) or reject a correction (office)",
)
def decide_correction(request: HttpRequest, correction_id: int, payload: CorrectionDecisionIn):
    user = request.user
    found = selectors.get_correction(user, correction_id)
    services.decide_correction(
        actor=user,
        request=found,
        approve=payload.approve,
        comment=payload.comment,
        expected_version=payload.version,
    )
    return selectors.get_correction(user, correction_id)


# --- validation rules -----------------------------------------------------------------------------


def _rule(request: HttpRequest, code: str):
    """The rule named ``code``, for those who may change rules."""
    policy.require(request.user, Action.MANAGE_LIBRARY)
    rule = selectors.rules().filter(code=code).first()
    if rule is None:
        raise NotFound(_("Rule not found."))
    return rule


@router.get("/data/rules", response={200: list[RuleOut], **ERRORS}, summary="Validation rules")
@paginate(Pagination)
def list_rules(request: HttpRequest):
    policy.require(request.user, Action.VIEW_DATA)
    return selectors.rules()


@router.post("/data/rules", response={201: RuleOut, **ERRORS}, summary="Create a validation rule")
def create_rule(request: HttpRequest, payload: RuleIn):
    rule = services.create_rule(
        actor=request.user,
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        indicator=_indicator(payload.indicator),
        params=payload.params,
        severity=payload.severity,
        message=payload.message,
        is_active=payload.is_active,
    )
    return Status(201, rule)


@router.patch(
    "/data/rules/{code}", response={200: RuleOut, **ERRORS}, summary="Change a validation rule"
)
def patch_rule(request: HttpRequest, code: str, payload: RulePatch):
    rule = _rule(request, code)
    return services.update_rule(
        actor=request.user,
        rule=rule,
        expected_version=payload.version,
        name=payload.name if payload.name is not None else rule.name,
        kind=rule.kind,
        indicator=rule.indicator,
        params=payload.params if payload.params is not None else rule.params,
        severity=payload.severity or rule.severity,
        message=payload.message if payload.message is not None else rule.message,
        is_active=payload.is_active if payload.is_active is not None else rule.is_active,
    )


@router.delete(
    "/data/rules/{code}", response={204: None, **ERRORS}, summary="Delete a validation rule"
)
def delete_rule(request: HttpRequest, code: str):
    rule = _rule(request, code)
    services.delete_rule(actor=request.user, rule=rule)
    return Status(204, None)


# --- the quality screen ----------------------------------------------------------------------------


@router.get(
    "/data/quality/runs",
    response={200: list[RunOut], **ERRORS},
    summary="Runs of the data-quality screen",
)
@paginate(Pagination)
def list_runs(request: HttpRequest):
    policy.require(request.user, Action.VIEW_QUALITY)
    return selectors.visible_runs(request.user)


@router.post(
    "/data/quality/runs",
    response={201: RunOut, **ERRORS},
    summary="Screen a period (runs in the background; poll the run)",
)
def start_run(request: HttpRequest, payload: RunIn):
    user = request.user
    unit = (
        selectors.get_unit_by_code(user, payload.unit, Action.REVIEW_QUALITY)
        if payload.unit
        else None
    )
    run = services.start_quality_run(
        actor=user, period=payload.period, unit=unit, due_days=payload.due_days
    )
    run.refresh_from_db()
    return Status(201, run)


@router.get(
    "/data/quality/runs/{run_id}",
    response={200: RunOut, **ERRORS},
    summary="One run and its progress",
)
def get_run(request: HttpRequest, run_id: int):
    return selectors.get_run(request.user, run_id)


@router.get(
    "/data/quality/runs/{run_id}/results",
    response={200: list[ResultOut], **ERRORS},
    summary="Data-quality score and figures per unit, worst first",
)
@paginate(Pagination)
def run_results(request: HttpRequest, run_id: int):
    user = request.user
    return selectors.results(user, selectors.get_run(user, run_id))


@router.get(
    "/data/quality/runs/{run_id}/flags",
    response={200: list[FlagOut], **ERRORS},
    summary="Flagged values, each with its reason",
)
@paginate(Pagination)
def run_flags(request: HttpRequest, run_id: int, filters: Query[FlagFilter]):
    user = request.user
    run = selectors.get_run(user, run_id)
    unit = (
        selectors.get_unit_by_code(user, filters.unit, Action.VIEW_QUALITY)
        if filters.unit
        else None
    )
    return selectors.flags(user, run, unit=unit, kind=filters.kind)
