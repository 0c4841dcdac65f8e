"""Reads of goals, targets and plans, always scoped by the permission policy.

Plans, and the goals and targets of a unit, are seen by those whose
``VIEW_PLANS`` reaches the unit. Strategic goals (and their targets) are the
city's compass and are seen by everyone who sees any plan. A plan open for
comment is readable by every signed-in person while the window lasts, and by
the public when opened to the public.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from govperf.core.errors import NotFound
from govperf.engine.periods import Period, PeriodKind
from govperf.orgs import policy
from govperf.orgs.policy import Action
from govperf.plans import checker, rollup
from govperf.plans.models import Cycle, Goal, Plan, PlanComment, PlanEvent, PlanItem, Target

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
GOAL_RELATED = ("owner_unit", "responsible", "indicator__current", "dimension", "parent")
TARGET_RELATED = (
    "indicator",
    "indicator_version",
    "unit",
    "goal",
    "responsible",
)


# --- cycles -----------------------------------------------------------------------------------


def cycles() -> QuerySet[Cycle]:
    return Cycle.objects.order_by("-start_date", "code")


def current_cycle() -> Cycle | None:
    """The active cycle (the latest, if several), else the latest in planning, else the latest."""
    for status in (Cycle.Status.ACTIVE, Cycle.Status.PLANNING, None):
        qs = cycles() if status is None else cycles().filter(status=status)
        found = qs.first()
        if found is not None:
            return found
    return None


def get_cycle(code: str) -> Cycle:
    cycle = Cycle.objects.filter(code=code).first() if CODE_RE.match(code or "") else None
    if cycle is None:
        raise NotFound(_("Cycle not found."))
    return cycle


def cycle_or_current(code: str | None) -> Cycle | None:
    return get_cycle(code) if code else current_cycle()


# --- plans --------------------------------------------------------------------------------------


def visible_plans(
    user, *, cycle: Cycle | None = None, status: str = "", unit=None, search: str = ""
) -> QuerySet[Plan]:
    scope = policy.unit_scope(user, Action.VIEW_PLANS)
    qs = Plan.objects.filter(scope.q("unit__")).select_related("unit", "cycle")
    if cycle is not None:
        qs = qs.filter(cycle=cycle)
    if status:
        qs = qs.filter(status=status)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if search:
        qs = qs.filter(Q(unit__name__icontains=search) | Q(unit__code__icontains=search))
    # Subqueries, not joins: a join of items and comments would multiply the weight sum.
    items = PlanItem.objects.filter(plan=OuterRef("pk")).values("plan")
    pending = PlanComment.objects.filter(
        plan=OuterRef("pk"), status=PlanComment.Status.PENDING
    ).values("plan")
    return qs.annotate(
        item_count=Subquery(items.annotate(n=Count("pk")).values("n")),
        weight_sum=Subquery(items.annotate(s=Sum("weight")).values("s")),
        pending_comments=Subquery(pending.annotate(n=Count("pk")).values("n")),
    ).order_by("cycle__start_date", "unit__path")


def can_read_plan(user, plan: Plan) -> bool:
    if policy.can(user, Action.VIEW_PLANS, plan.unit):
        return True
    return bool(getattr(user, "is_authenticated", False)) and plan.comments_open()


def get_plan(user, pk: Any, action: Action = Action.VIEW_PLANS) -> Plan:
    """The plan if ``user`` may read it (and take ``action`` on it); outsiders get not-found."""
    plan = (
        Plan.objects.select_related("unit", "cycle").filter(pk=pk).first()
        if str(pk).isdigit()
        else None
    )
    if plan is None or not can_read_plan(user, plan):
        raise NotFound(_("Plan not found."))
    if action != Action.VIEW_PLANS:
        policy.require(user, action, plan.unit)
    return plan


def plan_items(plan: Plan) -> list[PlanItem]:
    return list(
        plan.items.select_related(
            "target__indicator",
            "target__indicator_version__collecting_unit",
            "target__goal",
            "target__responsible",
        ).order_by("sort_order", "pk")
    )


def get_item(plan: Plan, pk: Any) -> PlanItem:
    item = (
        plan.items.select_related("target__indicator_version", "plan__unit").filter(pk=pk).first()
        if str(pk).isdigit()
        else None
    )
    if item is None:
        raise NotFound(_("Plan item not found."))
    return item


def events(plan: Plan) -> QuerySet[PlanEvent]:
    return plan.events.select_related("actor").order_by("created_at", "pk")


def comments(plan: Plan, *, public_only: bool = False) -> QuerySet[PlanComment]:
    qs = plan.comments.select_related("item__target__indicator_version", "answered_by")
    if public_only:
        qs = qs.filter(status=PlanComment.Status.PUBLISHED)
    return qs.order_by("created_at", "pk")


def get_comment(plan: Plan, pk: Any) -> PlanComment:
    comment = plan.comments.filter(pk=pk).first() if str(pk).isdigit() else None
    if comment is None:
        raise NotFound(_("Comment not found."))
    comment.plan = plan
    return comment


def public_plan(pk: Any) -> Plan:
    """A plan open to public comment, for the unauthenticated public page."""
    plan = (
        Plan.objects.select_related("unit", "cycle").filter(pk=pk).first()
        if str(pk).isdigit()
        else None
    )
    if plan is None or not (plan.comment_public and plan.comment_open_until is not None):
        raise NotFound(_("Plan not found."))
    return plan


def weight_total(items: list[PlanItem]):
    return sum((i.weight for i in items), 0)


# --- masking for public views ----------------------------------------------------------------------


def mask_name(name: str) -> str:
    """张三丰 → 张**: a commenter's name is shown by its first character only (its length
    is not shown either)."""
    name = (name or "").strip()
    return name[0] + "**" if name else ""


def mask_contact(contact: str) -> str:
    """13812345678 → 138****5678; a.person@example.cn → a***@example.cn; else stars."""
    contact = (contact or "").strip()
    if not contact:
        return ""
    if "@" in contact:
        local, _at, domain = contact.partition("@")
        return f"{local[:1]}***@{domain}"
    digits = [c for c in contact if c.isdigit()]
    if len(digits) >= 7:
        return "".join(digits[:3]) + "****" + "".join(digits[-4:])
    return "***"


# --- goals and targets -------------------------------------------------------------------------------


def _goal_filter(user) -> Q | None:
    scope = policy.unit_scope(user, Action.VIEW_PLANS)
    if scope.empty:
        return None
    if scope.everything:  # Q() | x would narrow to x
        return Q()
    return Q(level=Goal.Level.STRATEGIC) | scope.q("owner_unit__")


def visible_goals(user, cycle: Cycle | None = None) -> list[Goal]:
    cond = _goal_filter(user)
    if cond is None:
        return []
    qs = Goal.objects.filter(cond).select_related(*GOAL_RELATED).order_by("sort_order", "pk")
    return checker.goals_overlapping(cycle.period, qs) if cycle is not None else list(qs)


def get_goal(user, pk: Any) -> Goal:
    cond = _goal_filter(user)
    goal = (
        Goal.objects.filter(cond).select_related(*GOAL_RELATED).filter(pk=pk).first()
        if cond is not None and str(pk).isdigit()
        else None
    )
    if goal is None:
        raise NotFound(_("Goal not found."))
    return goal


def _target_filter(user) -> Q | None:
    scope = policy.unit_scope(user, Action.VIEW_PLANS)
    if scope.empty:
        return None
    if scope.everything:
        return Q()
    return Q(goal__level=Goal.Level.STRATEGIC) | scope.q("unit__")


def visible_targets(
    user, *, unit=None, indicator=None, period: str = "", goal=None, parent=None
) -> QuerySet[Target]:
    cond = _target_filter(user)
    if cond is None:
        return Target.objects.none()
    qs = Target.objects.filter(cond).select_related(*TARGET_RELATED)
    if unit is not None:
        qs = qs.filter(unit=unit)
    if indicator is not None:
        qs = qs.filter(indicator=indicator)
    if period:
        qs = qs.filter(period=period)
    if goal is not None:
        qs = qs.filter(goal=goal)
    if parent is not None:
        qs = qs.filter(parent=parent)
    return qs.order_by("unit__path", "indicator__code", "period")


def get_target(user, pk: Any) -> Target:
    cond = _target_filter(user)
    target = (
        Target.objects.filter(cond).select_related(*TARGET_RELATED).filter(pk=pk).first()
        if cond is not None and str(pk).isdigit()
        else None
    )
    if target is None:
        raise NotFound(_("Target not found."))
    return target


def children_by_time(target: Target) -> list[dict[str, Any]]:
    """A target's parts by time, in period order, with running totals for a sum indicator."""
    parts = sorted(
        target.children.filter(decomposition="time").select_related("indicator_version"),
        key=lambda t: Period.parse(t.period),
    )
    rule = target.indicator_version.time_aggregation
    running = rollup.cumulative([(Period.parse(t.period), t.target) for t in parts], rule)
    return [{"target": t, "cumulative": c} for t, c in zip(parts, running, strict=True)]


def goal_targets_by_time(goal: Goal, targets: list[Target]) -> list[dict[str, Any]]:
    """The goal's own targets (its indicator, its unit) in period order, cumulative for sums."""
    own = sorted(
        (
            t
            for t in targets
            if t.parent_id is None
            and goal.indicator_id
            and t.indicator_id == goal.indicator_id
            and t.unit_id == goal.owner_unit_id
        ),
        key=lambda t: Period.parse(t.period),
    )
    if not own:
        return []
    rule = own[0].indicator_version.time_aggregation
    running = rollup.cumulative([(Period.parse(t.period), t.target) for t in own], rule)
    return [{"target": t, "cumulative": c} for t, c in zip(own, running, strict=True)]


# --- roll-up ---------------------------------------------------------------------------------------------


def period_codes_within(code: str) -> list[str]:
    """The codes of ``code`` and of every finer period that rolls up into it (a year: its
    halves, quarters, months, ISO weeks and days)."""
    period = Period.parse(code)
    codes = []
    for kind in PeriodKind:
        try:
            codes += [p.code for p in period.children(kind)]
        except ValueError:  # a kind this period does not split into
            continue
    return codes


def _targets_for(goals: list[Goal], cycle: Cycle | None, user) -> list[Target]:
    """Visible targets of the cycle's periods, and every target of ``goals`` (their spans
    may reach beyond the cycle)."""
    qs = visible_targets(user)
    if cycle is None:
        return list(qs)
    return list(
        qs.filter(
            Q(period__in=period_codes_within(cycle.period)) | Q(goal__in=[g.pk for g in goals])
        )
    )


def rollup_issues(user, cycle: Cycle | None) -> list[rollup.RollupIssue]:
    goals = visible_goals(user, cycle)
    return rollup.issues_for(goals, _targets_for(goals, cycle, user))


def goal_issues(goal: Goal) -> list[rollup.RollupIssue]:
    children = list(goal.children.select_related(*GOAL_RELATED))
    targets = list(goal.targets.select_related(*TARGET_RELATED))
    versions = {goal.indicator_id: goal.indicator.current} if goal.indicator_id else {}
    return rollup.check_goal(goal, children, targets, versions)


def target_issues(target: Target) -> list[rollup.RollupIssue]:
    return rollup.check_target(target, target.children.select_related("indicator_version"))


# --- the goal tree chart -------------------------------------------------------------------------------


def goal_tree(user, cycle: Cycle | None) -> dict[str, Any]:
    """Roots and children of the visible goals of ``cycle``, with roll-up issue counts."""
    goals = visible_goals(user, cycle)
    ids = {g.pk for g in goals}
    issues = rollup.issues_for(goals, _targets_for(goals, cycle, user))
    flagged: dict[int, int] = defaultdict(int)
    for issue in issues:
        if issue.node == "goal":
            flagged[issue.node_id] += 1
    children: dict[int | None, list[Goal]] = defaultdict(list)
    for g in goals:
        children[g.parent_id if g.parent_id in ids else None].append(g)
    return {
        "roots": children[None],
        "children": children,
        "flagged": flagged,
        "count": len(goals),
        "issues": issues,
    }


def chart_option(tree: dict[str, Any], title: str) -> dict[str, Any]:
    """An ECharts tree: one virtual root (the cycle), goals below, click → drill-down URL."""

    def node(goal: Goal) -> dict[str, Any]:
        kids = tree["children"].get(goal.pk, [])
        label = goal.title if len(goal.title) <= 14 else goal.title[:13] + "…"
        data: dict[str, Any] = {
            "name": label,
            "id": str(goal.pk),
            "url": reverse("plans:goal", args=[goal.pk]),
            "value": rollup.number(goal.target_value) or None,
            "children": [node(k) for k in kids],
        }
        if tree["flagged"].get(goal.pk):
            data["itemStyle"] = {"color": "#d32f2f", "borderColor": "#d32f2f"}
            data["label"] = {"color": "#b3261e", "fontWeight": "bold"}
        return data

    root = {"name": title, "children": [node(g) for g in tree["roots"]]}
    return {
        "tooltip": {"trigger": "item", "triggerOn": "mousemove"},
        "series": [
            {
                "type": "tree",
                "data": [root],
                "top": "2%",
                "left": "16%",
                "bottom": "2%",
                "right": "24%",
                "symbolSize": 10,
                "initialTreeDepth": 3,
                "expandAndCollapse": True,
                "label": {
                    "position": "left",
                    "verticalAlign": "middle",
                    "align": "right",
                    "fontSize": 12,
                },
                "leaves": {
                    "label": {"position": "right", "verticalAlign": "middle", "align": "left"}
                },
                "animationDuration": 300,
            }
        ],
    }


def leaf_count(tree: dict[str, Any]) -> int:
    def leaves(goal: Goal) -> int:
        kids = tree["children"].get(goal.pk, [])
        return sum(leaves(k) for k in kids) if kids else 1

    return sum(leaves(g) for g in tree["roots"]) or 1
