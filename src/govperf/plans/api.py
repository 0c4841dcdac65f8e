"""API: cycles, goals, targets, plans and their items, workflow actions, comments, the
checker and roll-up checks, import; and the public comment endpoints."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from govperf.audit import context as audit_context
from govperf.core.errors import ErrorDetail, ValidationFailed
from govperf.core.http import XLSX, attachment
from govperf.core.pagination import Pagination
from govperf.core.schemas import ERRORS, ErrorOut
from govperf.indicators.models import Indicator, Tag
from govperf.orgs import policy
from govperf.orgs import selectors as org_selectors
from govperf.orgs.models import Person
from govperf.orgs.policy import Action
from govperf.plans import checker, importing, selectors, services, snapshots, workflow
from govperf.plans.models import PlanComment
from govperf.plans.rollup import number
from govperf.plans.schemas import (
    AnswerIn,
    CheckerSettingIn,
    CheckerSettingOut,
    CheckOut,
    CommentIn,
    CommentOut,
    CommentWindowIn,
    CycleIn,
    CycleOut,
    CyclePatch,
    DecomposeIn,
    EventOut,
    FindingOut,
    GoalFilter,
    GoalIn,
    GoalOut,
    GoalPatch,
    ItemIn,
    ItemOut,
    ItemPatch,
    ModerateIn,
    PlanDiffOut,
    PlanFilter,
    PlanImportOut,
    PlanIn,
    PlanOut,
    PlanPatch,
    PlanTransitionIn,
    PublicCommentAck,
    PublicCommentIn,
    PublicPlanOut,
    RevisionIn,
    RollupIssueOut,
    TargetFilter,
    TargetIn,
    TargetOut,
    TargetPatch,
    TimelineOut,
)

router = Router(tags=["plans"])
PUBLIC_ERRORS = {**ERRORS, 429: ErrorOut}


def _indicator(code: str | None, field: str = "indicator") -> Indicator | None:
    if not code:
        return None
    found = Indicator.objects.select_related("current").filter(code=code).first()
    if found is None:
        raise ValidationFailed(
            _("Unknown indicator."),
            [ErrorDetail(field=field, value=code, message=_("Unknown indicator."))],
        )
    return found


def _person(username: str | None, field: str = "responsible") -> Person | None:
    if not username:
        return None
    found = Person.objects.filter(username__iexact=username, is_active=True).first()
    if found is None:
        raise ValidationFailed(
            _("Unknown person."),
            [ErrorDetail(field=field, value=username, message=_("Unknown person."))],
        )
    return found


def _tag(pk: int | None) -> Tag | None:
    if pk is None:
        return None
    found = Tag.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationFailed(
            _("Unknown category."),
            [ErrorDetail(field="dimension_id", value=pk, message=_("Unknown category."))],
        )
    return found


def _unit(request: HttpRequest, code: str):
    return org_selectors.get_unit_by_code(request.user, code)


# --- cycles ------------------------------------------------------------------------------------


@router.get("/cycles", response={200: list[CycleOut], **ERRORS}, summary="Performance cycles")
@paginate(Pagination)
def list_cycles(request: HttpRequest):
    policy.require(request.user, Action.VIEW_PLANS)
    return selectors.cycles()


@router.get("/cycles/{code}", response={200: CycleOut, **ERRORS}, summary="One cycle")
def get_cycle(request: HttpRequest, code: str):
    policy.require(request.user, Action.VIEW_PLANS)
    return selectors.get_cycle(code)


@router.post("/cycles", response={201: CycleOut, **ERRORS}, summary="Create a cycle")
def create_cycle(request: HttpRequest, payload: CycleIn):
    cycle = services.create_cycle(actor=request.user, **payload.dict())
    return Status(201, cycle)


@router.patch("/cycles/{code}", response={200: CycleOut, **ERRORS}, summary="Change a cycle")
def patch_cycle(request: HttpRequest, code: str, payload: CyclePatch):
    policy.require(request.user, Action.MANAGE_GOALS)
    cycle = selectors.get_cycle(code)
    return services.update_cycle(
        actor=request.user,
        cycle=cycle,
        expected_version=payload.version,
        name=payload.name if payload.name is not None else cycle.name,
        status=payload.status or cycle.status,
        start_date=payload.start_date or cycle.start_date,
        end_date=payload.end_date or cycle.end_date,
    )


@router.get(
    "/cycles/{code}/gaps",
    response={200: list[FindingOut], **ERRORS},
    summary="Gaps between the cycle's plans: strategic goals no unit plan covers",
)
def cycle_gaps(request: HttpRequest, code: str):
    policy.require(request.user, Action.VIEW_PLANS)
    return [f.as_dict() for f in checker.check_cycle(selectors.get_cycle(code))]


@router.get(
    "/cycles/{code}/rollup",
    response={200: list[RollupIssueOut], **ERRORS},
    summary="Roll-up mismatches among the goals and targets of a cycle that the caller sees",
)
def cycle_rollup(request: HttpRequest, code: str):
    policy.require(request.user, Action.VIEW_PLANS)
    return selectors.rollup_issues(request.user, selectors.get_cycle(code))


# --- goals ------------------------------------------------------------------------------------


@router.get("/goals", response={200: list[GoalOut], **ERRORS}, summary="Goals the caller sees")
@paginate(Pagination)
def list_goals(request: HttpRequest, filters: Query[GoalFilter]):
    policy.require(request.user, Action.VIEW_PLANS)
    cycle = selectors.get_cycle(filters.cycle) if filters.cycle else None
    goals = selectors.visible_goals(request.user, cycle)
    if filters.unit:
        goals = [g for g in goals if g.owner_unit.code == filters.unit]
    if filters.level:
        goals = [g for g in goals if g.level == filters.level]
    if filters.parent is not None:
        goals = [g for g in goals if g.parent_id == filters.parent]
    return goals


@router.get("/goals/{goal_id}", response={200: GoalOut, **ERRORS}, summary="One goal")
def get_goal(request: HttpRequest, goal_id: int):
    return selectors.get_goal(request.user, goal_id)


@router.post("/goals", response={201: GoalOut, **ERRORS}, summary="Create or decompose a goal")
def create_goal(request: HttpRequest, payload: GoalIn):
    user = request.user
    parent = selectors.get_goal(user, payload.parent) if payload.parent else None
    goal = services.create_goal(
        actor=user,
        owner_unit=_unit(request, payload.owner_unit),
        level=payload.level,
        parent=parent,
        decomposition=payload.decomposition,
        title=payload.title,
        description=payload.description,
        completion_standard=payload.completion_standard,
        measures=payload.measures,
        indicator=_indicator(payload.indicator),
        dimension=_tag(payload.dimension_id),
        target_value=payload.target_value,
        unit_of_measure=payload.unit_of_measure,
        start_period=payload.start_period,
        end_period=payload.end_period or payload.start_period,
        deadline=payload.deadline,
        responsible=_person(payload.responsible),
        sort_order=payload.sort_order,
    )
    return Status(201, selectors.get_goal(user, goal.pk))


@router.patch("/goals/{goal_id}", response={200: GoalOut, **ERRORS}, summary="Change a goal")
def patch_goal(request: HttpRequest, goal_id: int, payload: GoalPatch):
    user = request.user
    goal = selectors.get_goal(user, goal_id)
    fields = payload.dict(exclude_unset=True)
    version = fields.pop("version")
    changes = {}
    for name, value in fields.items():
        if name == "indicator":
            changes["indicator"] = _indicator(value)
        elif name == "dimension_id":
            changes["dimension"] = _tag(value)
        elif name == "responsible":
            changes["responsible"] = _person(value)
        elif value is not None or name in ("target_value", "deadline"):
            changes[name] = value
    services.update_goal(actor=user, goal=goal, expected_version=version, **changes)
    return selectors.get_goal(user, goal_id)


@router.delete("/goals/{goal_id}", response={204: None, **ERRORS}, summary="Delete a goal")
def delete_goal(request: HttpRequest, goal_id: int):
    services.delete_goal(actor=request.user, goal=selectors.get_goal(request.user, goal_id))
    return Status(204, None)


@router.get(
    "/goals/{goal_id}/rollup",
    response={200: list[RollupIssueOut], **ERRORS},
    summary="Does the goal's decomposition add up?",
)
def goal_rollup(request: HttpRequest, goal_id: int):
    return selectors.goal_issues(selectors.get_goal(request.user, goal_id))


@router.get(
    "/goals/{goal_id}/timeline",
    response={200: list[TimelineOut], **ERRORS},
    summary="The goal's own targets by period, with running totals",
)
def goal_timeline(request: HttpRequest, goal_id: int):
    goal = selectors.get_goal(request.user, goal_id)
    targets = list(goal.targets.select_related("indicator_version"))
    return [
        {
            "period": row["target"].period,
            "target": number(row["target"].target) or None,
            "cumulative": number(row["cumulative"]) or None,
        }
        for row in selectors.goal_targets_by_time(goal, targets)
    ]


# --- targets ------------------------------------------------------------------------------------


@router.get(
    "/targets", response={200: list[TargetOut], **ERRORS}, summary="Targets the caller sees"
)
@paginate(Pagination)
def list_targets(request: HttpRequest, filters: Query[TargetFilter]):
    user = request.user
    policy.require(user, Action.VIEW_PLANS)
    unit = org_selectors.get_unit_by_code(user, filters.unit) if filters.unit else None
    indicator = _indicator(filters.indicator) if filters.indicator else None
    goal = selectors.get_goal(user, filters.goal) if filters.goal is not None else None
    parent = selectors.get_target(user, filters.parent) if filters.parent is not None else None
    return selectors.visible_targets(
        user, unit=unit, indicator=indicator, period=filters.period, goal=goal, parent=parent
    )


@router.get("/targets/{target_id}", response={200: TargetOut, **ERRORS}, summary="One target")
def get_target(request: HttpRequest, target_id: int):
    return selectors.get_target(request.user, target_id)


@router.post("/targets", response={201: TargetOut, **ERRORS}, summary="Set a target")
def create_target(request: HttpRequest, payload: TargetIn):
    user = request.user
    indicator = _indicator(payload.indicator)
    target = services.create_target(
        actor=user,
        indicator=indicator,
        unit=_unit(request, payload.unit),
        period=payload.period,
        goal=selectors.get_goal(user, payload.goal) if payload.goal else None,
        parent=selectors.get_target(user, payload.parent) if payload.parent else None,
        decomposition=payload.decomposition,
        baseline=payload.baseline,
        floor=payload.floor,
        target=payload.target,
        challenge=payload.challenge,
        deadline=payload.deadline,
        basis=payload.basis,
        responsible=_person(payload.responsible),
    )
    return Status(201, selectors.get_target(user, target.pk))


@router.patch(
    "/targets/{target_id}", response={200: TargetOut, **ERRORS}, summary="Change target values"
)
def patch_target(request: HttpRequest, target_id: int, payload: TargetPatch):
    user = request.user
    target = selectors.get_target(user, target_id)
    fields = payload.dict(exclude_unset=True)
    changes = {
        k: v for k, v in fields.items() if k in ("baseline", "floor", "challenge", "deadline")
    }
    if "target" in fields:
        changes["target_value"] = fields["target"]
    if "basis" in fields:
        changes["basis"] = fields["basis"] or ""
    if "responsible" in fields:
        changes["responsible"] = _person(fields["responsible"])
    services.update_target(actor=user, target=target, expected_version=payload.version, **changes)
    return selectors.get_target(user, target_id)


@router.delete("/targets/{target_id}", response={204: None, **ERRORS}, summary="Delete a target")
def delete_target(request: HttpRequest, target_id: int):
    services.delete_target(actor=request.user, target=selectors.get_target(request.user, target_id))
    return Status(204, None)


@router.post(
    "/targets/{target_id}/decompose",
    response={201: list[TargetOut], **ERRORS},
    summary="Decompose a target by time (periods) or by level (units)",
)
def decompose_target(request: HttpRequest, target_id: int, payload: DecomposeIn):
    user = request.user
    target = selectors.get_target(user, target_id)
    parts = []
    for index, part in enumerate(payload.parts):
        values = part.dict()
        values["unit"] = _unit(request, part.unit) if part.unit else None
        values["responsible"] = _person(part.responsible, f"parts.{index}.responsible")
        parts.append(values)
    created = services.decompose_target(actor=user, target=target, kind=payload.kind, parts=parts)
    return Status(201, [selectors.get_target(user, t.pk) for t in created])


@router.get(
    "/targets/{target_id}/rollup",
    response={200: list[RollupIssueOut], **ERRORS},
    summary="Do the target's parts add up?",
)
def target_rollup(request: HttpRequest, target_id: int):
    return selectors.target_issues(selectors.get_target(request.user, target_id))


@router.get(
    "/targets/{target_id}/timeline",
    response={200: list[TimelineOut], **ERRORS},
    summary="The target's parts by time, with running totals",
)
def target_timeline(request: HttpRequest, target_id: int):
    target = selectors.get_target(request.user, target_id)
    return [
        {
            "period": row["target"].period,
            "target": number(row["target"].target) or None,
            "cumulative": number(row["cumulative"]) or None,
        }
        for row in selectors.children_by_time(target)
    ]


# --- plans ----------------------------------------------------------------------------------------


@router.get("/plans", response={200: list[PlanOut], **ERRORS}, summary="Plans the caller sees")
@paginate(Pagination)
def list_plans(request: HttpRequest, filters: Query[PlanFilter]):
    user = request.user
    policy.require(user, Action.VIEW_PLANS)
    cycle = selectors.get_cycle(filters.cycle) if filters.cycle else None
    unit = org_selectors.get_unit_by_code(user, filters.unit) if filters.unit else None
    return selectors.visible_plans(user, cycle=cycle, status=filters.status or "", unit=unit)


@router.get("/plans/{plan_id}", response={200: PlanOut, **ERRORS}, summary="One plan")
def get_plan(request: HttpRequest, plan_id: int):
    return selectors.get_plan(request.user, plan_id)


@router.post("/plans", response={201: PlanOut, **ERRORS}, summary="Start a unit's plan for a cycle")
def create_plan(request: HttpRequest, payload: PlanIn):
    plan = services.create_plan(
        actor=request.user,
        unit=_unit(request, payload.unit),
        cycle=selectors.get_cycle(payload.cycle),
        measures=payload.measures,
    )
    return Status(201, plan)


@router.patch("/plans/{plan_id}", response={200: PlanOut, **ERRORS}, summary="Change the measures")
def patch_plan(request: HttpRequest, plan_id: int, payload: PlanPatch):
    plan = selectors.get_plan(request.user, plan_id, Action.EDIT_PLAN)
    return services.update_plan(
        actor=request.user, plan=plan, expected_version=payload.version, measures=payload.measures
    )


@router.get(
    "/plans/{plan_id}/items", response={200: list[ItemOut], **ERRORS}, summary="The plan's items"
)
def list_items(request: HttpRequest, plan_id: int):
    return selectors.plan_items(selectors.get_plan(request.user, plan_id))


@router.post(
    "/plans/{plan_id}/items",
    response={201: ItemOut, **ERRORS},
    summary="Add a target, or an indicator (its target is created), to the plan",
)
def add_item(request: HttpRequest, plan_id: int, payload: ItemIn):
    user = request.user
    plan = selectors.get_plan(user, plan_id, Action.EDIT_PLAN)
    if payload.target_id is not None:
        item = services.add_item(
            actor=user,
            plan=plan,
            target=selectors.get_target(user, payload.target_id),
            weight=payload.weight,
            is_core=payload.is_core,
        )
    elif payload.indicator:
        item = services.add_indicator(
            actor=user,
            plan=plan,
            indicator=_indicator(payload.indicator),
            period=payload.period or "",
            goal=selectors.get_goal(user, payload.goal) if payload.goal else None,
            weight=payload.weight,
            is_core=payload.is_core,
            baseline=payload.baseline,
            floor=payload.floor,
            target=payload.target,
            challenge=payload.challenge,
            deadline=payload.deadline,
            basis=payload.basis,
        )
    else:
        raise ValidationFailed(
            _("Name a target or an indicator."),
            [ErrorDetail(field="target_id", message=_("Name a target or an indicator."))],
        )
    return Status(201, selectors.get_item(plan, item.pk))


@router.patch(
    "/plans/{plan_id}/items/{item_id}",
    response={200: ItemOut, **ERRORS},
    summary="Change an item's weight, core flag or target values",
)
def patch_item(request: HttpRequest, plan_id: int, item_id: int, payload: ItemPatch):
    user = request.user
    plan = selectors.get_plan(user, plan_id, Action.EDIT_PLAN)
    item = selectors.get_item(plan, item_id)
    fields = payload.dict(exclude_unset=True)
    version = fields.pop("version")
    changes = {k: v for k, v in fields.items() if k != "target"}
    if "target" in fields:
        changes["target_value"] = fields["target"]
    for name in ("weight", "is_core", "sort_order", "basis"):
        if name in changes and changes[name] is None:
            del changes[name]
    services.update_item(actor=user, item=item, expected_version=version, **changes)
    return selectors.get_item(plan, item_id)


@router.delete(
    "/plans/{plan_id}/items/{item_id}", response={204: None, **ERRORS}, summary="Remove an item"
)
def delete_item(request: HttpRequest, plan_id: int, item_id: int):
    plan = selectors.get_plan(request.user, plan_id, Action.EDIT_PLAN)
    services.remove_item(actor=request.user, item=selectors.get_item(plan, item_id))
    return Status(204, None)


def _act(request: HttpRequest, plan_id: int, verb: str, **kwargs):
    plan = selectors.get_plan(request.user, plan_id)
    return services.TRANSITION_SERVICES[verb](actor=request.user, plan=plan, **kwargs)


@router.post(
    "/plans/{plan_id}/submit",
    response={200: PlanOut, **ERRORS},
    summary="Submit to the office (weights must total 100; blocking findings refuse)",
)
def submit_plan(request: HttpRequest, plan_id: int, payload: PlanTransitionIn):
    return _act(
        request, plan_id, "submit", comment=payload.comment, expected_version=payload.version
    )


@router.post(
    "/plans/{plan_id}/return",
    response={200: PlanOut, **ERRORS},
    summary="Return to the unit with comments (office)",
)
def return_plan(request: HttpRequest, plan_id: int, payload: PlanTransitionIn):
    return _act(
        request, plan_id, "return", comment=payload.comment, expected_version=payload.version
    )


@router.post(
    "/plans/{plan_id}/approve",
    response={200: PlanOut, **ERRORS},
    summary="Approve and file (office); a revision returns to execution",
)
def approve_plan(request: HttpRequest, plan_id: int, payload: PlanTransitionIn):
    return _act(
        request, plan_id, "approve", comment=payload.comment, expected_version=payload.version
    )


@router.post(
    "/plans/{plan_id}/start",
    response={200: PlanOut, **ERRORS},
    summary="Put an approved plan into execution (unit)",
)
def start_plan(request: HttpRequest, plan_id: int, payload: PlanTransitionIn):
    return _act(request, plan_id, "start", expected_version=payload.version)


@router.post(
    "/plans/{plan_id}/request-revision",
    response={200: PlanOut, **ERRORS},
    summary="Reopen a plan in execution for revision, with the reason (unit)",
)
def request_revision(request: HttpRequest, plan_id: int, payload: RevisionIn):
    return _act(
        request,
        plan_id,
        "request_revision",
        reason_kind=payload.reason_kind,
        reason=payload.reason,
        expected_version=payload.version,
    )


@router.get(
    "/plans/{plan_id}/events",
    response={200: list[EventOut], **ERRORS},
    summary="The plan's workflow history",
)
def plan_events(request: HttpRequest, plan_id: int):
    return selectors.events(selectors.get_plan(request.user, plan_id))


@router.get(
    "/plans/{plan_id}/diff",
    response={200: PlanDiffOut, **ERRORS},
    summary="What the plan changes against its approved version",
)
def plan_diff(request: HttpRequest, plan_id: int):
    plan = selectors.get_plan(request.user, plan_id)
    return {
        "approved_at": plan.approved_at,
        "diff": snapshots.diff(plan.approved_snapshot, snapshots.plan_snapshot(plan)),
    }


@router.get(
    "/plans/{plan_id}/check", response={200: CheckOut, **ERRORS}, summary="The plan checker"
)
def plan_check(request: HttpRequest, plan_id: int):
    plan = selectors.get_plan(request.user, plan_id)
    items = selectors.plan_items(plan)
    findings = checker.check_plan(plan, items=None)
    return {
        "findings": [f.as_dict() for f in findings],
        "blocking": sum(1 for f in findings if f.blocking),
        "weight_total": number(selectors.weight_total(items)) or "0",
    }


@router.get(
    "/plans/{plan_id}/allowed",
    response={200: list[str], **ERRORS},
    summary="The workflow actions the caller may take on the plan now",
)
def plan_allowed(request: HttpRequest, plan_id: int):
    plan = selectors.get_plan(request.user, plan_id)
    return [
        verb
        for verb in workflow.verbs_from(plan.status)
        if policy.can(request.user, workflow.VERBS[verb], plan.unit)
    ]


# --- comments ----------------------------------------------------------------------------------


def _comment_out(request: HttpRequest, comment: PlanComment) -> dict:
    data = {
        f: getattr(comment, f) for f in CommentOut.model_fields if f not in ("plan_id", "item_id")
    }
    data["plan_id"], data["item_id"] = comment.plan_id, comment.item_id
    if not policy.can(request.user, Action.REVIEW_PLAN, comment.plan.unit):
        data["contact"] = selectors.mask_contact(comment.contact)
    return data


@router.get(
    "/plans/{plan_id}/comments",
    response={200: list[CommentOut], **ERRORS},
    summary="Comments on the plan (the office also sees those awaiting moderation)",
)
def list_comments(request: HttpRequest, plan_id: int):
    user = request.user
    plan = selectors.get_plan(user, plan_id)
    moderator = policy.can(user, Action.REVIEW_PLAN, plan.unit)
    comments = selectors.comments(plan, public_only=not moderator)
    for c in comments:
        c.plan = plan
    return [_comment_out(request, c) for c in comments]


@router.post(
    "/plans/{plan_id}/comments",
    response={201: CommentOut, **ERRORS},
    summary="Comment as staff while the plan is open for comment",
)
def add_comment(request: HttpRequest, plan_id: int, payload: CommentIn):
    plan = selectors.get_plan(request.user, plan_id)
    item = selectors.get_item(plan, payload.item) if payload.item else None
    comment = services.add_staff_comment(
        actor=request.user, plan=plan, body=payload.body, item=item
    )
    return Status(201, _comment_out(request, comment))


@router.post(
    "/plans/{plan_id}/comments/{comment_id}/moderate",
    response={200: CommentOut, **ERRORS},
    summary="Publish or reject a public comment (office)",
)
def moderate_comment(request: HttpRequest, plan_id: int, comment_id: int, payload: ModerateIn):
    plan = selectors.get_plan(request.user, plan_id)
    comment = services.moderate_comment(
        actor=request.user,
        comment=selectors.get_comment(plan, comment_id),
        publish=payload.publish,
        note=payload.note,
        expected_version=payload.version,
    )
    comment.plan = plan
    return _comment_out(request, comment)


@router.post(
    "/plans/{plan_id}/comments/{comment_id}/answer",
    response={200: CommentOut, **ERRORS},
    summary="Answer a comment and say whether it was adopted (unit)",
)
def answer_comment(request: HttpRequest, plan_id: int, comment_id: int, payload: AnswerIn):
    plan = selectors.get_plan(request.user, plan_id)
    comment = services.answer_comment(
        actor=request.user,
        comment=selectors.get_comment(plan, comment_id),
        answer=payload.answer,
        adopted=payload.adopted,
        not_adopted_reason=payload.not_adopted_reason,
        expected_version=payload.version,
    )
    comment.plan = plan
    return _comment_out(request, comment)


@router.post(
    "/plans/{plan_id}/comment-window",
    response={200: PlanOut, **ERRORS},
    summary="Open the draft plan for comment until a moment (office)",
)
def open_comments(request: HttpRequest, plan_id: int, payload: CommentWindowIn):
    plan = selectors.get_plan(request.user, plan_id)
    return services.open_comments(
        actor=request.user,
        plan=plan,
        until=payload.until,
        public=payload.public,
        expected_version=payload.version,
    )


@router.delete(
    "/plans/{plan_id}/comment-window",
    response={200: PlanOut, **ERRORS},
    summary="Close the comment period now (office)",
)
def close_comments(request: HttpRequest, plan_id: int):
    plan = selectors.get_plan(request.user, plan_id)
    return services.close_comments(actor=request.user, plan=plan)


# --- checker settings ------------------------------------------------------------------------------


def _setting_out(setting: checker.Setting) -> dict:
    rule = checker.RULES[setting.code]
    return {
        "code": setting.code,
        "label": str(rule.label),
        "mode": setting.mode,
        "default_mode": rule.default_mode,
        "params": setting.params,
        "version": setting.version,
    }


@router.get(
    "/plan-checker/settings",
    response={200: list[CheckerSettingOut], **ERRORS},
    summary="Which checker findings block submission and which only warn",
)
def checker_settings(request: HttpRequest):
    policy.require(request.user, Action.VIEW_PLANS)
    return [_setting_out(s) for s in checker.settings().values()]


@router.put(
    "/plan-checker/settings/{code}",
    response={200: CheckerSettingOut, **ERRORS},
    summary="Set how a checker finding is treated (office)",
)
def put_checker_setting(request: HttpRequest, code: str, payload: CheckerSettingIn):
    services.update_checker_setting(
        actor=request.user,
        code=code,
        mode=payload.mode,
        params=payload.params,
        expected_version=payload.version,
    )
    return _setting_out(checker.settings()[code])


# --- import ----------------------------------------------------------------------------------------


XLSX_RESPONSE = {
    "responses": {
        200: {
            "description": "The workbook",
            "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get(
    "/plans/{plan_id}/export",
    response={200: str, **ERRORS},
    summary="The plan's items as .xlsx, in the import's columns (edit and import it back)",
    openapi_extra=XLSX_RESPONSE,
)
def export_plan(request: HttpRequest, plan_id: int):
    plan = selectors.get_plan(request.user, plan_id)
    filename = f"govperf-plan-{plan.unit.code}-{plan.cycle.code}.xlsx"
    return attachment(importing.export_plan(plan), XLSX, filename)


@router.get(
    "/plan-imports/template",
    response={200: str, **ERRORS},
    summary="The plan import template (.xlsx), with the columns in the caller's language",
    openapi_extra=XLSX_RESPONSE,
)
def plan_import_template(request: HttpRequest):
    policy.require(request.user, Action.EDIT_PLAN)
    return attachment(importing.template_workbook(), XLSX, "govperf-plan-template.xlsx")


@router.post(
    "/plan-imports",
    response={200: PlanImportOut, **ERRORS},
    summary="Import plan items from .xlsx or .csv (dry_run=true checks only); all or nothing",
)
def import_plans(request: HttpRequest, file: File[UploadedFile], dry_run: bool = True):
    user = request.user
    data = file.read(5 * 1024 * 1024 + 1)
    plan = importing.plan_file(actor=user, data=data, filename=file.name or "upload.csv")
    if not plan.ok:
        raise ValidationFailed(_("The file has errors; nothing was imported."), plan.errors)
    if dry_run:
        return {**plan.summary(), "imported": False}
    return {
        **importing.apply_import(actor=user, plan=plan, filename=file.name or ""),
        "imported": True,
    }


# --- public ----------------------------------------------------------------------------------------


def _public_plan_out(plan) -> dict:
    items = selectors.plan_items(plan)
    return {
        "id": plan.pk,
        "unit_name": plan.unit.name,
        "cycle_name": plan.cycle.name,
        "measures": plan.measures,
        "comment_open_until": plan.comment_open_until,
        "open": plan.comments_open(),
        "items": [
            {
                "id": i.pk,
                "indicator": i.target.indicator_version.name,
                "unit_of_measure": i.target.indicator_version.unit_of_measure,
                "period": i.target.period,
                "weight": number(i.weight),
                "baseline": number(i.target.baseline) or None,
                "floor": number(i.target.floor) or None,
                "target": number(i.target.target) or None,
                "challenge": number(i.target.challenge) or None,
                "basis": i.target.basis,
            }
            for i in items
        ],
        "comments": [
            {
                "name": selectors.mask_name(c.name),
                "body": c.body,
                "answer": c.answer,
                "adopted": c.adopted,
                "not_adopted_reason": c.not_adopted_reason,
                "created_at": c.created_at,
            }
            for c in selectors.comments(plan, public_only=True)
        ],
    }


@router.get(
    "/public/plans/{plan_id}",
    response={200: PublicPlanOut, **ERRORS},
    auth=None,
    summary="A plan opened for public comment: items, the basis of each target, published comments",
)
def public_plan(request: HttpRequest, plan_id: int):
    return _public_plan_out(selectors.public_plan(plan_id))


@router.post(
    "/public/plans/{plan_id}/comments",
    response={201: PublicCommentAck, **PUBLIC_ERRORS},
    auth=None,
    summary="Comment as a member of the public (shown after moderation; rate-limited)",
)
def public_comment(request: HttpRequest, plan_id: int, payload: PublicCommentIn):
    plan = selectors.public_plan(plan_id)
    item = selectors.get_item(plan, payload.item) if payload.item else None
    comment = services.add_public_comment(
        plan=plan,
        name=payload.name,
        contact=payload.contact,
        body=payload.body,
        item=item,
        client_key=audit_context.client_ip(request) or "",
    )
    return Status(
        201,
        {
            "id": comment.pk,
            "status": comment.status,
            "message": _("Thank you. Your comment will be shown once the office has reviewed it."),
        },
    )
