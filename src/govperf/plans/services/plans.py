"""Plans, their items, and the workflow of ``plans.workflow``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govperf.audit.services import record, snapshot
from govperf.core.errors import (
    Conflict,
    ErrorDetail,
    ValidationFailed,
)
from govperf.core.notifications import notify
from govperf.core.validation import check_version, touch
from govperf.engine.periods import Period
from govperf.orgs import policy
from govperf.orgs.models import Person, Unit
from govperf.orgs.policy import Action
from govperf.orgs.selectors import office_people
from govperf.plans import checker, snapshots, workflow
from govperf.plans.models import (
    Cycle,
    Goal,
    Plan,
    PlanEvent,
    PlanItem,
    Target,
)
from govperf.plans.services.common import (
    HUNDRED,
    UNSET,
    Problems,
    plan_url,
    unit_people,
)
from govperf.plans.services.goals import (
    TARGET_FIELDS,
    apply_target_values,
    create_target,
    period_or_none,
)

# --- plans ----------------------------------------------------------------------------------------

PLAN_FIELDS = (
    "unit",
    "cycle",
    "status",
    "round",
    "measures",
    "revision_reason_kind",
    "revision_reason",
    "comment_open_until",
    "comment_public",
)


def plan_state(plan: Plan) -> dict[str, Any]:
    return snapshot(plan, PLAN_FIELDS)


def lock_plan(plan: Plan) -> Plan:
    # Lock the plan row only, not the unit and cycle joined for display.
    return (
        Plan.objects.select_for_update(of=("self",)).select_related("unit", "cycle").get(pk=plan.pk)
    )


def _refuse_unless_editable(plan: Plan) -> None:
    if plan.status not in workflow.EDITABLE:
        raise Conflict(
            _("The plan is “%(state)s”; it can be changed only as a draft or when returned.")
            % {"state": plan.get_status_display()},
            code="invalid_state",
        )


def create_plan(*, actor: Person, unit: Unit, cycle: Cycle, measures: str = "") -> Plan:
    policy.require(actor, Action.EDIT_PLAN, unit)
    p = Problems()
    measures = p.text(measures, "measures", max_length=20000)
    if cycle.status == Cycle.Status.CLOSED:
        p.add("cycle", _("The cycle is closed."), cycle.code)
    if Plan.objects.filter(unit=unit, cycle=cycle).exists():
        p.add("unit", _("This unit already has a plan for this cycle."), unit.code)
    p.raise_if_any(_("The plan could not be created."))
    try:
        with transaction.atomic():
            plan = Plan.objects.create(unit=unit, cycle=cycle, measures=measures)
            record(action="plan.create", actor=actor, obj=plan, after=plan_state(plan))
    except IntegrityError as exc:
        raise ValidationFailed(
            _("The plan could not be created."),
            [ErrorDetail(field="unit", message=_("This unit already has a plan for this cycle."))],
        ) from exc
    return plan


def update_plan(*, actor: Person, plan: Plan, expected_version: int | None, measures: str) -> Plan:
    policy.require(actor, Action.EDIT_PLAN, plan.unit)
    p = Problems()
    measures = p.text(measures, "measures", max_length=20000)
    p.raise_if_any(_("The plan could not be saved."))
    with transaction.atomic():
        plan = lock_plan(plan)
        check_version(plan, expected_version, _("The plan"))
        _refuse_unless_editable(plan)
        before = plan_state(plan)
        plan.measures = measures
        touch(plan, "measures")
        record(action="plan.update", actor=actor, obj=plan, before=before, after=plan_state(plan))
    return plan


ITEM_FIELDS = ("plan", "target", "weight", "is_core", "sort_order")


def _weight(p: Problems, value: Any) -> Decimal:
    weight = p.amount(value, "weight")
    if weight is None:
        return Decimal(0)
    if weight < 0 or weight > HUNDRED:
        p.add("weight", _("A weight lies between 0 and 100."), str(weight))
    return weight


def add_item(
    *,
    actor: Person,
    plan: Plan,
    target: Target,
    weight: Any = 0,
    is_core: bool = False,
    sort_order: int | None = None,
) -> PlanItem:
    policy.require(actor, Action.EDIT_PLAN, plan.unit)
    p = Problems()
    weight = _weight(p, weight)
    if target.unit_id != plan.unit_id:
        p.add("target", _("The target belongs to another unit."), target.pk)
    cycle_period = Period.parse(plan.cycle.period)
    own = period_or_none(target.period)
    if own is None or not cycle_period.contains(own):
        p.add("target", _("The target's period lies outside the cycle."), target.period)
    p.raise_if_any(_("The item could not be added."))
    with transaction.atomic():
        plan = lock_plan(plan)
        _refuse_unless_editable(plan)
        if plan.items.filter(target=target).exists():
            raise ValidationFailed(
                _("The item could not be added."),
                [ErrorDetail(field="target", message=_("This target is already in the plan."))],
            )
        if sort_order is None:
            last = plan.items.order_by("-sort_order").values_list("sort_order", flat=True).first()
            sort_order = (last or 0) + 10
        item = PlanItem.objects.create(
            plan=plan, target=target, weight=weight, is_core=bool(is_core), sort_order=sort_order
        )
        record(action="plan.item.add", actor=actor, obj=item, after=snapshot(item, ITEM_FIELDS))
    return item


def add_indicator(
    *,
    actor: Person,
    plan: Plan,
    indicator,
    period: str = "",
    goal: Goal | None = None,
    weight: Any = 0,
    is_core: bool = False,
    baseline: Any = None,
    floor: Any = None,
    target: Any = None,
    challenge: Any = None,
    deadline: dt.date | None = None,
    basis: str = "",
) -> PlanItem:
    """Add an indicator to the plan: its target for the unit and period, created if missing."""
    policy.require(actor, Action.EDIT_PLAN, plan.unit)
    p = Problems()
    parsed = p.period(period or plan.cycle.period, "period")
    p.raise_if_any(_("The item could not be added."))
    with transaction.atomic():
        existing = Target.objects.filter(
            indicator=indicator, unit=plan.unit, period=parsed.code
        ).first()
        if existing is None:
            existing = create_target(
                actor=actor,
                indicator=indicator,
                unit=plan.unit,
                period=parsed.code,
                goal=goal,
                baseline=baseline,
                floor=floor,
                target=target,
                challenge=challenge,
                deadline=deadline,
                basis=basis,
            )
        return add_item(actor=actor, plan=plan, target=existing, weight=weight, is_core=is_core)


def update_item(
    *,
    actor: Person,
    item: PlanItem,
    expected_version: int | None,
    weight: Any = UNSET,
    is_core: Any = UNSET,
    sort_order: Any = UNSET,
    baseline: Any = UNSET,
    floor: Any = UNSET,
    target_value: Any = UNSET,
    challenge: Any = UNSET,
    deadline: Any = UNSET,
    basis: Any = UNSET,
) -> PlanItem:
    """One row of the plan editor: the item's weight and flag and its target's values."""
    policy.require(actor, Action.EDIT_PLAN, item.plan.unit)
    p = Problems()
    new_weight = _weight(p, weight) if weight is not UNSET else UNSET
    if sort_order is not UNSET:
        try:
            sort_order = int(sort_order)
        except (TypeError, ValueError):
            p.add("sort_order", _("Not a whole number."))
    p.raise_if_any(_("The row could not be saved."))
    with transaction.atomic():
        plan = lock_plan(item.plan)
        item = (
            PlanItem.objects.select_for_update(of=("self",))
            .select_related("target__indicator_version", "target__indicator")
            .get(pk=item.pk)
        )
        check_version(item, expected_version, _("The row"))
        _refuse_unless_editable(plan)
        before = {**snapshot(item, ITEM_FIELDS), "values": snapshot(item.target, TARGET_FIELDS)}
        target_changes = {
            "baseline": baseline,
            "floor": floor,
            "target": target_value,
            "challenge": challenge,
            "deadline": deadline,
            "basis": basis,
        }
        if any(v is not UNSET for v in target_changes.values()):
            target = (
                Target.objects.select_for_update(of=("self",))
                .select_related("indicator_version", "indicator")
                .get(pk=item.target_id)
            )
            apply_target_values(target, target_changes)
            item.target = target
        if new_weight is not UNSET:
            item.weight = new_weight
        if is_core is not UNSET:
            item.is_core = bool(is_core)
        if sort_order is not UNSET:
            item.sort_order = sort_order
        touch(item, "weight", "is_core", "sort_order")
        record(
            action="plan.item.update",
            actor=actor,
            obj=item,
            before=before,
            after={**snapshot(item, ITEM_FIELDS), "values": snapshot(item.target, TARGET_FIELDS)},
        )
    return item


def remove_item(*, actor: Person, item: PlanItem) -> None:
    policy.require(actor, Action.EDIT_PLAN, item.plan.unit)
    with transaction.atomic():
        plan = lock_plan(item.plan)
        _refuse_unless_editable(plan)
        item = PlanItem.objects.select_for_update().get(pk=item.pk)
        before, pk = snapshot(item, ITEM_FIELDS), item.pk
        label = str(item)
        item.delete()
        record(
            action="plan.item.remove",
            actor=actor,
            object_type="plans.planitem",
            object_id=pk,
            object_repr=label,
            before=before,
        )


# --- the workflow ---------------------------------------------------------------------------------

VERB_LABELS = {
    "submit": lambda: _("submitted"),
    "return": lambda: _("returned"),
    "approve": lambda: _("approved"),
    "start": lambda: _("put into execution"),
    "request_revision": lambda: _("sent for revision"),
}


def _transition(
    *,
    actor: Person,
    plan: Plan,
    verb: str,
    comment: str = "",
    expected_version: int | None = None,
    prepare: Callable[[Plan, PlanEvent], None] | None = None,
    recipients: Callable[[Plan], Any] | None = None,
    message: Callable[[Plan], str] | None = None,
) -> Plan:
    """Move ``plan`` by ``verb`` as the table in ``plans.workflow`` allows, or refuse."""
    policy.require(actor, workflow.VERBS[verb], plan.unit)
    with transaction.atomic():
        plan = lock_plan(plan)
        step = workflow.find(verb, plan.status)
        if step is None:
            raise Conflict(
                _(
                    "The plan is now “%(state)s”, so it cannot be %(verb)s. Someone may have acted on it "
                    "just now; reload the page to see its current state."
                )
                % {"state": plan.get_status_display(), "verb": VERB_LABELS[verb]()},
                code="invalid_state",
            )
        check_version(plan, expected_version, _("The plan"))
        before = plan_state(plan)
        event = PlanEvent(
            plan=plan,
            action=verb,
            from_status=plan.status,
            to_status=step.target,
            actor=actor,
            comment=comment,
        )
        if prepare is not None:
            prepare(plan, event)
        plan.status = step.target
        event.round = plan.round
        touch(
            plan,
            "status",
            "round",
            "approved_snapshot",
            "approved_at",
            "revision_reason_kind",
            "revision_reason",
        )
        event.save()
        record(action=f"plan.{verb}", actor=actor, obj=plan, before=before, after=plan_state(plan))
        if recipients is not None and message is not None:
            notify(recipients(plan), message(plan), url=plan_url(plan), kind=f"plan.{verb}")
    return plan


def _comment_text(comment: str, *, required: bool) -> str:
    p = Problems()
    text = p.text(comment, "comment", max_length=5000, required=required)
    p.raise_if_any(_("A comment is required.") if required else _("The comment is not valid."))
    return text


def submit_plan(
    *, actor: Person, plan: Plan, comment: str = "", expected_version: int | None = None
) -> Plan:
    """Send the plan to the office; refused while weights do not total 100 or a blocking finding stands."""
    comment = _comment_text(comment, required=False)

    def prepare(locked: Plan, event: PlanEvent) -> None:
        items = checker.items_for_check(locked)
        if not items:
            raise ValidationFailed(
                _("The plan has no items."),
                [ErrorDetail(field="items", message=_("Add at least one indicator."))],
            )
        total = sum((i.weight for i in items), Decimal(0))
        details = []
        if total != HUNDRED:
            details.append(
                ErrorDetail(
                    field="weight",
                    value=snapshots.number(total),
                    message=_("The weights total %(total)s; they must total 100.")
                    % {"total": snapshots.number(total)},
                )
            )
        findings = checker.check_plan(locked, items=items)
        details += [
            ErrorDetail(field=f.field or f.code, value=f.indicator, message=f.message)
            for f in findings
            if f.blocking
        ]
        if details:
            raise ValidationFailed(
                _("The plan cannot be submitted yet."), details, code="plan_not_ready"
            )
        locked.round += 1
        event.findings = [f.as_dict() for f in findings]
        event.diff = snapshots.diff(locked.approved_snapshot, snapshots.plan_snapshot(locked))

    return _transition(
        actor=actor,
        plan=plan,
        verb="submit",
        comment=comment,
        expected_version=expected_version,
        prepare=prepare,
        recipients=lambda p: office_people(),
        message=lambda p: (
            _("%(unit)s submitted its plan for %(cycle)s (round %(round)d).")
            % {"unit": p.unit.name, "cycle": p.cycle.name, "round": p.round}
        ),
    )


def return_plan(
    *, actor: Person, plan: Plan, comment: str, expected_version: int | None = None
) -> Plan:
    """Send the plan back to the unit with the office's comments (required)."""
    comment = _comment_text(comment, required=True)
    return _transition(
        actor=actor,
        plan=plan,
        verb="return",
        comment=comment,
        expected_version=expected_version,
        recipients=lambda p: unit_people(p.unit),
        message=lambda p: (
            _("The office returned your plan for %(cycle)s with comments: %(c)s")
            % {"cycle": p.cycle.name, "c": comment[:200]}
        ),
    )


def approve_plan(
    *, actor: Person, plan: Plan, comment: str = "", expected_version: int | None = None
) -> Plan:
    """Approve and file the plan (审核备案); its items become the approved version."""
    comment = _comment_text(comment, required=False)

    def prepare(locked: Plan, event: PlanEvent) -> None:
        current = snapshots.plan_snapshot(locked)
        event.diff = snapshots.diff(locked.approved_snapshot, current)
        event.reason_kind = locked.revision_reason_kind
        locked.approved_snapshot = current
        locked.approved_at = timezone.now()
        locked.revision_reason_kind, locked.revision_reason = "", ""

    return _transition(
        actor=actor,
        plan=plan,
        verb="approve",
        comment=comment,
        expected_version=expected_version,
        prepare=prepare,
        recipients=lambda p: unit_people(p.unit),
        message=lambda p: (
            _("The office approved your plan for %(cycle)s.") % {"cycle": p.cycle.name}
        ),
    )


def start_execution(*, actor: Person, plan: Plan, expected_version: int | None = None) -> Plan:
    return _transition(actor=actor, plan=plan, verb="start", expected_version=expected_version)


def request_revision(
    *,
    actor: Person,
    plan: Plan,
    reason_kind: str,
    reason: str,
    expected_version: int | None = None,
) -> Plan:
    """Reopen a plan in execution for revision; allowed on a policy change, a market change
    or an emergency (R003 §4.1.6), with the reason explained."""
    p = Problems()
    if reason_kind not in Plan.RevisionReason.values:
        p.add(
            "reason_kind",
            _("Choose the reason: policy change, market change or emergency."),
            reason_kind,
        )
    reason = p.text(reason, "reason", max_length=5000, required=True)
    p.raise_if_any(_("A revision needs its reason."))

    def prepare(locked: Plan, event: PlanEvent) -> None:
        locked.revision_reason_kind, locked.revision_reason = reason_kind, reason
        event.reason_kind = reason_kind

    return _transition(
        actor=actor,
        plan=plan,
        verb="request_revision",
        comment=reason,
        expected_version=expected_version,
        prepare=prepare,
        recipients=lambda p: office_people(),
        message=lambda p: (
            _("%(unit)s requested a revision of its plan for %(cycle)s: %(r)s")
            % {"unit": p.unit.name, "cycle": p.cycle.name, "r": reason[:200]}
        ),
    )


TRANSITION_SERVICES = {
    "submit": submit_plan,
    "return": return_plan,
    "approve": approve_plan,
    "start": start_execution,
    "request_revision": request_revision,
}
