"""Cycles, goals and targets, and their decomposition by level, time and content."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from govperf.audit.services import record, snapshot
from govperf.core.errors import (
    Conflict,
    ErrorDetail,
    Forbidden,
    ValidationFailed,
)
from govperf.core.validation import check_version, touch
from govperf.engine.periods import Period, PeriodKind
from govperf.orgs import policy
from govperf.orgs.models import Person, Unit
from govperf.orgs.policy import Action
from govperf.plans import workflow
from govperf.plans.models import (
    Cycle,
    Decomposition,
    Goal,
    Plan,
    PlanItem,
    Target,
)
from govperf.plans.services.common import (
    CODE_RE,
    LEVEL_ORDER,
    UNSET,
    Problems,
)

# --- cycles ------------------------------------------------------------------------------------


CYCLE_FIELDS = ("code", "name", "period", "start_date", "end_date", "status")


def _validate_cycle(p: Problems, *, name, status, start_date, end_date) -> str:
    name = p.text(name, "name", max_length=100, required=True)
    if status not in Cycle.Status.values:
        p.add("status", _("Unknown status."), status)
    if start_date and end_date and end_date < start_date:
        p.add("end_date", _("The end date is before the start date."))
    return name


def create_cycle(
    *,
    actor: Person,
    code: str,
    name: str,
    period: str,
    status: str = Cycle.Status.PLANNING,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
) -> Cycle:
    policy.require_everything(
        actor, Action.MANAGE_GOALS, _("Only the performance office manages cycles.")
    )
    p = Problems()
    code = (code or "").strip()
    if not CODE_RE.match(code):
        p.add("code", _("Use 1–32 letters, digits, '_' or '-'."), code)
    elif Cycle.objects.filter(code=code).exists():
        p.add("code", _("This code is already used by another cycle."), code)
    parsed = p.period(period, "period")
    start_date = start_date or (parsed.start if parsed else None)
    end_date = end_date or (parsed.end if parsed else None)
    name = _validate_cycle(p, name=name, status=status, start_date=start_date, end_date=end_date)
    p.raise_if_any(_("The cycle could not be saved."))
    with transaction.atomic():
        cycle = Cycle.objects.create(
            code=code,
            name=name,
            period=parsed.code,
            start_date=start_date,
            end_date=end_date,
            status=status,
        )
        record(action="cycle.create", actor=actor, obj=cycle, after=snapshot(cycle, CYCLE_FIELDS))
    return cycle


def update_cycle(
    *,
    actor: Person,
    cycle: Cycle,
    expected_version: int | None,
    name: str,
    status: str,
    start_date: dt.date,
    end_date: dt.date,
) -> Cycle:
    policy.require_everything(
        actor, Action.MANAGE_GOALS, _("Only the performance office manages cycles.")
    )
    p = Problems()
    name = _validate_cycle(p, name=name, status=status, start_date=start_date, end_date=end_date)
    p.raise_if_any(_("The cycle could not be saved."))
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        check_version(cycle, expected_version, _("The cycle"))
        before = snapshot(cycle, CYCLE_FIELDS)
        cycle.name, cycle.status, cycle.start_date, cycle.end_date = (
            name,
            status,
            start_date,
            end_date,
        )
        touch(cycle, "name", "status", "start_date", "end_date")
        record(
            action="cycle.update",
            actor=actor,
            obj=cycle,
            before=before,
            after=snapshot(cycle, CYCLE_FIELDS),
        )
    return cycle


# --- goals -----------------------------------------------------------------------------------------

GOAL_FIELDS = (
    "parent",
    "level",
    "decomposition",
    "owner_unit",
    "responsible",
    "title",
    "description",
    "completion_standard",
    "measures",
    "indicator",
    "dimension",
    "target_value",
    "unit_of_measure",
    "start_period",
    "end_period",
    "deadline",
    "sort_order",
)


def _require_rights(actor: Person, unit: Unit, *, strategic: bool) -> None:
    """Strategic goals and their targets are the office's (MANAGE_GOALS); other goals and
    targets also their unit's (EDIT_PLAN). Everyone who sees plans sees the strategic ones,
    so they are refused, not hidden."""
    if policy.can(actor, Action.MANAGE_GOALS, unit):
        return
    if not strategic:
        policy.require(actor, Action.EDIT_PLAN, unit)
        return
    if policy.can(actor, Action.VIEW_PLANS):
        raise Forbidden(
            _("Only the performance office changes strategic goals and their targets."),
            action=str(Action.MANAGE_GOALS),
            target=f"orgs.unit:{unit.pk}",
        )
    policy.require(actor, Action.MANAGE_GOALS, unit)


def require_goal_rights(actor: Person, goal: Goal) -> None:
    """May ``actor`` change ``goal`` (and decompose it)?"""
    _require_rights(actor, goal.owner_unit, strategic=goal.level == Goal.Level.STRATEGIC)


def require_target_rights(actor: Person, target: Target) -> None:
    strategic = target.goal_id is not None and target.goal.level == Goal.Level.STRATEGIC
    _require_rights(actor, target.unit, strategic=strategic)


def _inside(unit: Unit, ancestor: Unit, *, strictly: bool) -> bool:
    return unit.path.startswith(ancestor.path) and (not strictly or unit.pk != ancestor.pk)


def _validate_goal_values(p: Problems, values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    out["title"] = p.text(values.get("title"), "title", max_length=200, required=True)
    for name, limit in (("description", 5000), ("completion_standard", 5000), ("measures", 5000)):
        out[name] = p.text(values.get(name), name, max_length=limit)
    out["unit_of_measure"] = p.text(values.get("unit_of_measure"), "unit_of_measure", max_length=32)
    out["target_value"] = p.amount(values.get("target_value"), "target_value")
    start = p.period(values.get("start_period"), "start_period")
    end = p.period(values.get("end_period") or values.get("start_period"), "end_period")
    if start and end and end.end < start.start:
        p.add("end_period", _("The end period is before the start period."), end.code)
    out["start_period"] = start.code if start else ""
    out["end_period"] = end.code if end else ""
    out["_span"] = (start, end)
    indicator = values.get("indicator")
    if indicator is not None and (not indicator.is_active or not indicator.current_id):
        p.add("indicator", _("This indicator is inactive or has no definition."), indicator.code)
    try:
        out["sort_order"] = int(values.get("sort_order") or 0)
    except (TypeError, ValueError):
        p.add("sort_order", _("Not a whole number."))
    return out


def _validate_goal_place(
    p: Problems,
    *,
    parent: Goal | None,
    level: str,
    decomposition: str,
    owner_unit: Unit,
    span: tuple[Period | None, Period | None],
) -> None:
    if level not in Goal.Level.values:
        p.add("level", _("Unknown goal level."), level)
        return
    if parent is None:
        if decomposition:
            p.add("decomposition", _("A goal without a parent is not decomposed from anything."))
        return
    if decomposition not in Decomposition.values:
        p.add("decomposition", _("Say how the goal is decomposed: by level, time or content."))
        return
    step = LEVEL_ORDER[level] - LEVEL_ORDER[parent.level]
    if decomposition == Decomposition.LEVEL:
        if step <= 0:
            p.add("level", _("A goal decomposed by level sits a level below its parent."), level)
        if not _inside(owner_unit, parent.owner_unit, strictly=True):
            p.add(
                "owner_unit",
                _("By level, the owner must be a unit below the parent goal's owner."),
                owner_unit.code,
            )
    else:
        if step < 0:
            p.add("level", _("A sub-goal cannot sit above its parent's level."), level)
        if not _inside(owner_unit, parent.owner_unit, strictly=False):
            p.add(
                "owner_unit",
                _("The owner must be the parent goal's owner or a unit below it."),
                owner_unit.code,
            )
    start, end = span
    outer = (period_or_none(parent.start_period), period_or_none(parent.end_period))
    if (
        start
        and end
        and outer[0]
        and outer[1]
        and (start.start < outer[0].start or end.end > outer[1].end)
    ):
        p.add("start_period", _("A sub-goal lies within its parent's span."), start.code)


def period_or_none(code: str) -> Period | None:
    try:
        return Period.parse(code)
    except (TypeError, ValueError):
        return None


def create_goal(
    *,
    actor: Person,
    owner_unit: Unit,
    level: str,
    title: str,
    start_period: str,
    end_period: str = "",
    parent: Goal | None = None,
    decomposition: str = "",
    description: str = "",
    completion_standard: str = "",
    measures: str = "",
    indicator=None,
    dimension=None,
    target_value: Any = None,
    unit_of_measure: str = "",
    deadline: dt.date | None = None,
    responsible: Person | None = None,
    sort_order: int = 0,
) -> Goal:
    _require_rights(actor, owner_unit, strategic=level == Goal.Level.STRATEGIC)
    p = Problems()
    values = _validate_goal_values(
        p,
        {
            "title": title,
            "description": description,
            "completion_standard": completion_standard,
            "measures": measures,
            "unit_of_measure": unit_of_measure,
            "target_value": target_value,
            "start_period": start_period,
            "end_period": end_period,
            "indicator": indicator,
            "sort_order": sort_order,
        },
    )
    _validate_goal_place(
        p,
        parent=parent,
        level=level,
        decomposition=decomposition,
        owner_unit=owner_unit,
        span=values.pop("_span"),
    )
    p.raise_if_any(_("The goal could not be saved."))
    with transaction.atomic():
        goal = Goal.objects.create(
            parent=parent,
            level=level,
            decomposition=decomposition,
            owner_unit=owner_unit,
            responsible=responsible,
            dimension=dimension,
            deadline=deadline,
            **values,
        )
        record(action="goal.create", actor=actor, obj=goal, after=snapshot(goal, GOAL_FIELDS))
    return goal


def update_goal(*, actor: Person, goal: Goal, expected_version: int | None, **changes: Any) -> Goal:
    """Change a goal's content; its place in the tree (parent, level, owner) stays."""
    allowed = set(GOAL_FIELDS) - {"parent", "level", "decomposition", "owner_unit"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed."),
            [ErrorDetail(field=f, message=_("Unknown field.")) for f in sorted(unknown)],
        )
    require_goal_rights(actor, goal)
    current = {f: getattr(goal, f) for f in allowed}
    current.update(changes)
    p = Problems()
    values = _validate_goal_values(p, current)
    _validate_goal_place(
        p,
        parent=goal.parent,
        level=goal.level,
        decomposition=goal.decomposition,
        owner_unit=goal.owner_unit,
        span=values.pop("_span"),
    )
    p.raise_if_any(_("The goal could not be saved."))
    with transaction.atomic():
        goal = Goal.objects.select_for_update().get(pk=goal.pk)
        check_version(goal, expected_version, _("The goal"))
        before = snapshot(goal, GOAL_FIELDS)
        for name in allowed:
            setattr(goal, name, values.get(name, current[name]))
        touch(goal, *sorted(allowed))
        record(
            action="goal.update",
            actor=actor,
            obj=goal,
            before=before,
            after=snapshot(goal, GOAL_FIELDS),
        )
    return goal


def delete_goal(*, actor: Person, goal: Goal) -> None:
    require_goal_rights(actor, goal)
    with transaction.atomic():
        goal = Goal.objects.select_for_update().get(pk=goal.pk)
        if goal.children.exists() or goal.targets.exists():
            raise Conflict(
                _("This goal still has sub-goals or targets; remove them first."), code="in_use"
            )
        before, pk = snapshot(goal, GOAL_FIELDS), goal.pk
        goal.delete()
        record(
            action="goal.delete",
            actor=actor,
            object_type="plans.goal",
            object_id=pk,
            object_repr=before["title"],
            before=before,
        )


# --- targets ---------------------------------------------------------------------------------------

TARGET_FIELDS = (
    "indicator",
    "indicator_version",
    "unit",
    "period",
    "goal",
    "parent",
    "decomposition",
    "baseline",
    "floor",
    "target",
    "challenge",
    "responsible",
    "deadline",
    "basis",
)
_FREQUENCY_RANK = {
    "Weekly": PeriodKind.WEEKLY.rank,
    "Monthly": PeriodKind.MONTHLY.rank,
    "Quarterly": PeriodKind.QUARTERLY.rank,
    "SixMonthly": PeriodKind.SIX_MONTHLY.rank,
    "Yearly": PeriodKind.YEARLY.rank,
}


def check_target_order(direction: str, values: dict[str, Decimal | None]) -> list[ErrorDetail]:
    """Floor ≤ target ≤ challenge when higher is better, the reverse when lower is better."""
    floor, target, challenge = values.get("floor"), values.get("target"), values.get("challenge")
    problems = []
    if direction == "higher":
        if floor is not None and target is not None and floor > target:
            problems.append(
                ErrorDetail(
                    field="floor",
                    value=str(floor),
                    message=_("Higher is better: the floor must not be above the target."),
                )
            )
        if challenge is not None and target is not None and challenge < target:
            problems.append(
                ErrorDetail(
                    field="challenge",
                    value=str(challenge),
                    message=_("Higher is better: the challenge must not be below the target."),
                )
            )
        if target is None and floor is not None and challenge is not None and floor > challenge:
            problems.append(
                ErrorDetail(
                    field="challenge",
                    value=str(challenge),
                    message=_("Higher is better: the challenge must not be below the floor."),
                )
            )
    elif direction == "lower":
        if floor is not None and target is not None and floor < target:
            problems.append(
                ErrorDetail(
                    field="floor",
                    value=str(floor),
                    message=_("Lower is better: the floor must not be below the target."),
                )
            )
        if challenge is not None and target is not None and challenge > target:
            problems.append(
                ErrorDetail(
                    field="challenge",
                    value=str(challenge),
                    message=_("Lower is better: the challenge must not be above the target."),
                )
            )
        if target is None and floor is not None and challenge is not None and floor < challenge:
            problems.append(
                ErrorDetail(
                    field="challenge",
                    value=str(challenge),
                    message=_("Lower is better: the challenge must not be above the floor."),
                )
            )
    return problems


def _target_values(p: Problems, raw: dict[str, Any], direction: str) -> dict[str, Any]:
    values = {f: p.amount(raw.get(f), f) for f in ("baseline", "floor", "target", "challenge")}
    p.details += check_target_order(direction, values)
    values["basis"] = p.text(raw.get("basis"), "basis", max_length=5000)
    values["deadline"] = raw.get("deadline")
    values["responsible"] = raw.get("responsible")
    return values


def target_lock(target: Target) -> Plan | None:
    """The plan that holds ``target`` in a state where it may not change, if any."""
    item = (
        PlanItem.objects.filter(target=target)
        .exclude(plan__status__in=workflow.EDITABLE)
        .select_related("plan__unit", "plan__cycle")
        .first()
    )
    return item.plan if item else None


def _refuse_locked(target: Target) -> None:
    plan = target_lock(target)
    if plan is not None:
        raise Conflict(
            _(
                "This target is part of the plan of %(unit)s, which is “%(state)s”; request a revision first."
            )
            % {"unit": plan.unit.name, "state": plan.get_status_display()},
            code="locked",
        )


def create_target(
    *,
    actor: Person,
    indicator,
    unit: Unit,
    period: str,
    goal: Goal | None = None,
    parent: Target | None = None,
    decomposition: str = "",
    baseline: Any = None,
    floor: Any = None,
    target: Any = None,
    challenge: Any = None,
    responsible: Person | None = None,
    deadline: dt.date | None = None,
    basis: str = "",
) -> Target:
    _require_rights(actor, unit, strategic=goal is not None and goal.level == Goal.Level.STRATEGIC)
    p = Problems()
    version = indicator.current if indicator.current_id else None
    if version is None or not indicator.is_active:
        p.add("indicator", _("This indicator is inactive or has no definition."), indicator.code)
        p.raise_if_any(_("The target could not be saved."))
    parsed = p.period(period, "period")
    values = _target_values(
        p,
        {
            "baseline": baseline,
            "floor": floor,
            "target": target,
            "challenge": challenge,
            "basis": basis,
            "deadline": deadline,
            "responsible": responsible,
        },
        version.direction,
    )
    if parsed is not None:
        if parsed.kind.rank < _FREQUENCY_RANK.get(version.frequency, 0):
            p.add(
                "period",
                _("The indicator is collected %(freq)s; a target cannot be finer than that.")
                % {"freq": version.get_frequency_display()},
                parsed.code,
            )
        elif Target.objects.filter(indicator=indicator, unit=unit, period=parsed.code).exists():
            p.add(
                "period",
                _("This unit already has a target for this indicator and period."),
                parsed.code,
            )
    if goal is not None and not _inside(unit, goal.owner_unit, strictly=False):
        p.add("goal", _("The goal belongs to a unit this unit is not part of."), goal.pk)
    if parent is None and decomposition:
        p.add("decomposition", _("A target without a parent is not decomposed from anything."))
    if parent is not None and parsed is not None:
        _validate_target_child(p, parent, indicator, unit, parsed, decomposition)
        if goal is None and decomposition == Decomposition.TIME:
            goal = parent.goal  # monthly milestones belong to the year's goal
    p.raise_if_any(_("The target could not be saved."))
    try:
        with transaction.atomic():
            created = Target.objects.create(
                indicator=indicator,
                indicator_version=version,
                unit=unit,
                period=parsed.code,
                goal=goal,
                parent=parent,
                decomposition=decomposition,
                **values,
            )
            record(
                action="target.create",
                actor=actor,
                obj=created,
                after=snapshot(created, TARGET_FIELDS),
            )
    except IntegrityError as exc:  # a concurrent create of the same indicator × unit × period
        raise ValidationFailed(
            _("The target could not be saved."),
            [
                ErrorDetail(
                    field="period",
                    message=_("This unit already has a target for this indicator and period."),
                )
            ],
        ) from exc
    return created


def _validate_target_child(
    p: Problems, parent: Target, indicator, unit: Unit, period: Period, decomposition: str
) -> None:
    if indicator.pk != parent.indicator_id:
        p.add("indicator", _("A decomposed target measures the same indicator as its parent."))
    outer = period_or_none(parent.period)
    if decomposition == Decomposition.TIME:
        if unit.pk != parent.unit_id:
            p.add("unit", _("By time, the target stays with its parent's unit."), unit.code)
        if outer is None or period == outer or not outer.contains(period):
            p.add("period", _("By time, the period lies within the parent's period."), period.code)
        sibling = parent.children.filter(decomposition=Decomposition.TIME).first()
        if sibling is not None:
            other = period_or_none(sibling.period)
            if other is not None and other.kind is not period.kind:
                p.add(
                    "period",
                    _("The other parts of this target are %(kind)s periods; use the same type.")
                    % {"kind": other.kind},
                    period.code,
                )
    elif decomposition == Decomposition.LEVEL:
        if period.code != parent.period:
            p.add("period", _("By level, the target keeps its parent's period."), period.code)
        if not _inside(unit, parent.unit, strictly=True):
            p.add("unit", _("By level, the unit lies below the parent's unit."), unit.code)
    else:
        p.add(
            "decomposition",
            _("Targets decompose by level or by time; use sub-goals to decompose by content."),
            decomposition,
        )


def update_target(
    *,
    actor: Person,
    target: Target,
    expected_version: int | None,
    baseline: Any = UNSET,
    floor: Any = UNSET,
    target_value: Any = UNSET,
    challenge: Any = UNSET,
    responsible: Any = UNSET,
    deadline: Any = UNSET,
    basis: Any = UNSET,
) -> Target:
    """Change a target's values; refused while a plan that holds it is under review or approved."""
    require_target_rights(actor, target)
    with transaction.atomic():
        target = (
            Target.objects.select_for_update(of=("self",))
            .select_related("indicator_version", "unit")
            .get(pk=target.pk)
        )
        check_version(target, expected_version, _("The target"))
        _refuse_locked(target)
        before = apply_target_values(
            target,
            {
                "baseline": baseline,
                "floor": floor,
                "target": target_value,
                "challenge": challenge,
                "responsible": responsible,
                "deadline": deadline,
                "basis": basis,
            },
        )
        record(
            action="target.update",
            actor=actor,
            obj=target,
            before=before,
            after=snapshot(target, TARGET_FIELDS),
        )
    return target


def apply_target_values(target: Target, changes: dict[str, Any]) -> dict[str, Any]:
    """Validate and save changed values on a locked target (``UNSET`` keeps a value);
    returns the state before."""
    raw = {
        f: getattr(target, f) if changes.get(f, UNSET) is UNSET else changes[f]
        for f in ("baseline", "floor", "target", "challenge", "responsible", "deadline", "basis")
    }
    p = Problems()
    values = _target_values(p, raw, target.indicator_version.direction)
    p.raise_if_any(_("The target could not be saved."))
    before = snapshot(target, TARGET_FIELDS)
    for name, value in values.items():
        setattr(target, name, value)
    touch(target, *values.keys())
    return before


def delete_target(*, actor: Person, target: Target) -> None:
    require_target_rights(actor, target)
    with transaction.atomic():
        target = Target.objects.select_for_update().get(pk=target.pk)
        if target.children.exists() or target.plan_items.exists():
            raise Conflict(
                _("This target is decomposed further or part of a plan; remove those first."),
                code="in_use",
            )
        before, pk = snapshot(target, TARGET_FIELDS), target.pk
        label = str(target)
        target.delete()
        record(
            action="target.delete",
            actor=actor,
            object_type="plans.target",
            object_id=pk,
            object_repr=label,
            before=before,
        )


def decompose_target(
    *, actor: Person, target: Target, kind: str, parts: list[dict[str, Any]]
) -> list[Target]:
    """Create the parts of ``target`` (by time: ``period``; by level: ``unit``) in one step.

    Each part is a dict with ``period`` or ``unit`` and any of baseline, floor, target,
    challenge, deadline, responsible, basis. All parts are created or none.
    """
    if kind not in (Decomposition.TIME, Decomposition.LEVEL):
        raise ValidationFailed(
            _("Targets decompose by level or by time; use sub-goals to decompose by content."),
            [ErrorDetail(field="kind", value=kind, message=_("Choose by level or by time."))],
        )
    if not parts:
        raise ValidationFailed(
            _("Give at least one part."), [ErrorDetail(field="parts", message=_("No parts."))]
        )
    created = []
    with transaction.atomic():
        for index, part in enumerate(parts):
            try:
                created.append(
                    create_target(
                        actor=actor,
                        indicator=target.indicator,
                        unit=part.get("unit") or target.unit,
                        period=part.get("period") or target.period,
                        parent=target,
                        decomposition=kind,
                        goal=part.get("goal"),
                        baseline=part.get("baseline"),
                        floor=part.get("floor"),
                        target=part.get("target"),
                        challenge=part.get("challenge"),
                        deadline=part.get("deadline"),
                        responsible=part.get("responsible"),
                        basis=part.get("basis", ""),
                    )
                )
            except ValidationFailed as exc:
                raise ValidationFailed(
                    _("Part %(n)d could not be saved; nothing was saved.") % {"n": index + 1},
                    [
                        ErrorDetail(
                            field=f"parts.{index}.{d.field or 'target'}",
                            value=d.value,
                            message=d.message,
                        )
                        for d in exc.details
                    ],
                ) from exc
    return created


def decompose_goal_by_time(
    *, actor: Person, goal: Goal, parts: list[dict[str, Any]]
) -> list[Target]:
    """Targets of the goal's indicator for its unit, one per period of its span
    (50 communities in 2026–2028 as 20 / 15 / 15); all are created or none."""
    if goal.indicator_id is None:
        raise ValidationFailed(
            _("Give the goal an indicator first."),
            [ErrorDetail(field="indicator", message=_("The goal has no indicator."))],
        )
    created = []
    with transaction.atomic():
        for index, part in enumerate(parts):
            try:
                created.append(
                    create_target(
                        actor=actor,
                        indicator=goal.indicator,
                        unit=goal.owner_unit,
                        period=part.get("period") or "",
                        goal=goal,
                        baseline=part.get("baseline"),
                        floor=part.get("floor"),
                        target=part.get("target"),
                        challenge=part.get("challenge"),
                        deadline=part.get("deadline"),
                        responsible=part.get("responsible"),
                        basis=part.get("basis", ""),
                    )
                )
            except ValidationFailed as exc:
                raise ValidationFailed(
                    _("Part %(n)d could not be saved; nothing was saved.") % {"n": index + 1},
                    [
                        ErrorDetail(
                            field=f"parts.{index}.{d.field or 'target'}",
                            value=d.value,
                            message=d.message,
                        )
                        for d in exc.details
                    ],
                ) from exc
    return created
