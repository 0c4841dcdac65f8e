"""Pages of goals and targets: the goal tree with drill-down, goal and target pages, and
decomposition by level, time and content."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from govperf.core.errors import Conflict, NotFound, ValidationFailed
from govperf.core.forms import apply_errors
from govperf.engine.periods import Period, PeriodKind
from govperf.orgs import policy
from govperf.orgs.models import Unit
from govperf.orgs.policy import Action
from govperf.plans import selectors, services
from govperf.plans.forms import GoalForm, TargetForm
from govperf.plans.models import Decomposition, Goal, Target
from govperf.plans.rollup import number

CHART_HEIGHTS = ((12, "s"), (30, "m"), (60, "l"), (100, "xl"))


def _can_edit_unit(user, unit: Unit, level: str = Goal.Level.UNIT) -> bool:
    if level == Goal.Level.STRATEGIC:
        return policy.can(user, Action.MANAGE_GOALS, unit)
    return policy.can(user, Action.MANAGE_GOALS, unit) or policy.can(user, Action.EDIT_PLAN, unit)


def _editable_units(user):
    manage = policy.unit_scope(user, Action.MANAGE_GOALS)
    if manage.everything:
        return Unit.objects.filter(is_active=True)
    edit = policy.unit_scope(user, Action.EDIT_PLAN)
    cond = edit.q()
    if not manage.empty:
        cond = manage.q() | cond  # neither is the match-all Q() here
    return Unit.objects.filter(cond, is_active=True)


def _people(user):
    return policy.people(user).filter(is_active=True).order_by("username")


# --- the tree -----------------------------------------------------------------------------------


@login_required
def goals(request: HttpRequest) -> HttpResponse:
    user = request.user
    policy.require(user, Action.VIEW_PLANS)
    cycle = selectors.cycle_or_current(request.GET.get("cycle") or None)
    tree = selectors.goal_tree(user, cycle)
    leaves = selectors.leaf_count(tree)
    height = next((name for limit, name in CHART_HEIGHTS if leaves <= limit), "xxl")
    title = cycle.name if cycle else _("Goals")
    context = {
        "cycles": selectors.cycles(),
        "cycle": cycle,
        "tree": tree,
        "chart": selectors.chart_option(tree, title),
        "chart_height": height,
        "cycle_issues": tree["issues"],
        "can_create": bool(_editable_units(user).exists()),
        "selected": False,
    }
    if request.GET.get("goal", "").isdigit():
        context.update(_goal_context(request, selectors.get_goal(user, request.GET["goal"])))
        context["selected"] = True
    return render(request, "plans/goals.html", context)


def _goal_context(request: HttpRequest, goal: Goal) -> dict[str, Any]:
    user = request.user
    targets = list(goal.targets.select_related(*selectors.TARGET_RELATED).order_by("period"))
    issues = selectors.goal_issues(goal)
    return {
        "goal": goal,
        "issues": issues,
        "child_issues": {i.node_id: i for i in issues if i.node == "goal" and i.node_id != goal.pk},
        "children": list(goal.children.select_related("owner_unit").order_by("sort_order", "pk")),
        "targets": targets,
        "timeline": selectors.goal_targets_by_time(goal, targets),
        "can_edit": _can_edit_unit(user, goal.owner_unit, goal.level),
        "can_decompose": _editable_units(user)
        .filter(path__startswith=goal.owner_unit.path)
        .exists(),
    }


@login_required
def goal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    goal = selectors.get_goal(request.user, pk)
    template = "plans/goal_detail.html#panel" if request.htmx else "plans/goal_detail.html"
    return render(request, template, _goal_context(request, goal))


def _goal_initial(parent: Goal | None) -> dict[str, Any]:
    if parent is None:
        return {"level": Goal.Level.UNIT}
    nxt = {
        Goal.Level.STRATEGIC: Goal.Level.UNIT,
        Goal.Level.UNIT: Goal.Level.SECTION,
        Goal.Level.SECTION: Goal.Level.POST,
    }.get(parent.level, parent.level)
    return {
        "level": nxt,
        "decomposition": Decomposition.LEVEL,
        "start_period": parent.start_period,
        "end_period": parent.end_period,
        "indicator": parent.indicator_id,
        "unit_of_measure": parent.unit_of_measure,
        "dimension": parent.dimension_id,
    }


@login_required
def goal_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    units = _editable_units(user)
    if not units.exists():
        policy.require(user, Action.EDIT_PLAN)
    parent = (
        selectors.get_goal(user, request.GET["parent"])
        if request.GET.get("parent", "").isdigit()
        else None
    )
    form = GoalForm(
        request.POST or None, initial=_goal_initial(parent), units=units, people=_people(user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            goal = services.create_goal(
                actor=user,
                owner_unit=data["owner_unit"],
                level=data["level"],
                parent=parent,
                decomposition=data["decomposition"] or "",
                title=data["title"],
                start_period=data["start_period"],
                end_period=data["end_period"] or data["start_period"],
                indicator=data["indicator"],
                target_value=data["target_value"],
                unit_of_measure=data["unit_of_measure"],
                dimension=data["dimension"],
                deadline=data["deadline"],
                responsible=data["responsible"],
                description=data["description"],
                completion_standard=data["completion_standard"],
                measures=data["measures"],
                sort_order=data["sort_order"] or 0,
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Goal saved."))
            return redirect("plans:goal", goal.pk)
    return render(request, "plans/goal_form.html", {"form": form, "parent": parent})


@login_required
def goal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    goal = selectors.get_goal(user, pk)
    services.require_goal_rights(user, goal)
    initial = {
        name: getattr(goal, name)
        for name in (
            "title",
            "level",
            "decomposition",
            "start_period",
            "end_period",
            "target_value",
            "unit_of_measure",
            "deadline",
            "description",
            "completion_standard",
            "measures",
            "sort_order",
            "version",
        )
    }
    initial.update(
        owner_unit=goal.owner_unit_id,
        indicator=goal.indicator_id,
        dimension=goal.dimension_id,
        responsible=goal.responsible_id,
    )
    form = GoalForm(
        request.POST or None,
        initial=initial,
        units=Unit.objects.filter(pk=goal.owner_unit_id),
        people=_people(user),
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_goal(
                actor=user,
                goal=goal,
                expected_version=data["version"],
                title=data["title"],
                start_period=data["start_period"],
                end_period=data["end_period"] or data["start_period"],
                indicator=data["indicator"],
                target_value=data["target_value"],
                unit_of_measure=data["unit_of_measure"],
                dimension=data["dimension"],
                deadline=data["deadline"],
                responsible=data["responsible"],
                description=data["description"],
                completion_standard=data["completion_standard"],
                measures=data["measures"],
                sort_order=data["sort_order"] or 0,
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Goal saved."))
            return redirect("plans:goal", goal.pk)
    return render(request, "plans/goal_form.html", {"form": form, "goal": goal})


@login_required
def goal_targets(request: HttpRequest, pk: int) -> HttpResponse:
    """Decompose a goal by time: one target per period of its span (50 → 20 / 15 / 15)."""
    user = request.user
    goal = selectors.get_goal(user, pk)
    if goal.indicator_id is None:
        messages.error(request, _("Give the goal an indicator first."))
        return redirect("plans:goal", goal.pk)
    kind = request.GET.get("kind", PeriodKind.YEARLY)
    kind = kind if kind in (PeriodKind.YEARLY, PeriodKind.QUARTERLY) else PeriodKind.YEARLY
    start, end = Period.parse(goal.start_period), Period.parse(goal.end_period)
    periods = Period.range(Period.containing(kind, start.start), Period.containing(kind, end.end))
    existing = {
        t.period: t for t in goal.targets.filter(indicator=goal.indicator, unit=goal.owner_unit)
    }
    rows = [{"period": p.code, "target": existing.get(p.code)} for p in periods]
    error = None
    if request.method == "POST":
        parts = []
        for index, row in enumerate(rows):
            value = request.POST.get(f"part-{index}-target", "").strip()
            if row["target"] is None and value:
                parts.append(
                    {
                        "period": row["period"],
                        "target": value,
                        "floor": request.POST.get(f"part-{index}-floor", "").strip() or None,
                        "challenge": request.POST.get(f"part-{index}-challenge", "").strip()
                        or None,
                    }
                )
        try:
            services.decompose_goal_by_time(actor=user, goal=goal, parts=parts)
        except ValidationFailed as exc:
            error = exc
        else:
            messages.success(request, _("Targets saved."))
            return redirect("plans:goal", goal.pk)
    return render(
        request,
        "plans/goal_targets.html",
        {"goal": goal, "rows": rows, "kind": kind, "error": error, "posted": request.POST},
    )


# --- targets -----------------------------------------------------------------------------------------


def _target_context(request: HttpRequest, target: Target) -> dict[str, Any]:
    user = request.user
    return {
        "target": target,
        "issues": selectors.target_issues(target),
        "by_time": selectors.children_by_time(target),
        "by_level": list(
            target.children.filter(decomposition=Decomposition.LEVEL)
            .select_related("unit")
            .order_by("unit__path")
        ),
        "locked_by": services.target_lock(target),
        "can_edit": _can_edit_unit(user, target.unit),
        "aggregation": target.indicator_version.get_time_aggregation_display(),
    }


@login_required
def target_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.get_target(request.user, pk)
    template = "plans/target_detail.html#panel" if request.htmx else "plans/target_detail.html"
    return render(request, template, _target_context(request, target))


@login_required
def target_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    units = _editable_units(user)
    if not units.exists():
        policy.require(user, Action.EDIT_PLAN)
    goal = (
        selectors.get_goal(user, request.GET["goal"])
        if request.GET.get("goal", "").isdigit()
        else None
    )
    initial: dict[str, Any] = {"period": request.GET.get("period", "")}
    if goal is not None:
        initial.update(unit=goal.owner_unit_id, indicator=goal.indicator_id)
    form = TargetForm(request.POST or None, initial=initial, units=units, people=_people(user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            target = services.create_target(
                actor=user,
                indicator=data["indicator"],
                unit=data["unit"],
                period=data["period"],
                goal=goal,
                baseline=data["baseline"],
                floor=data["floor"],
                target=data["target"],
                challenge=data["challenge"],
                deadline=data["deadline"],
                responsible=data["responsible"],
                basis=data["basis"],
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Target saved."))
            return redirect("plans:target", target.pk)
    return render(request, "plans/target_form.html", {"form": form, "goal": goal})


@login_required
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    target = selectors.get_target(user, pk)
    services.require_target_rights(user, target)
    initial = {
        "indicator": target.indicator_id,
        "unit": target.unit_id,
        "period": target.period,
        "baseline": target.baseline,
        "floor": target.floor,
        "target": target.target,
        "challenge": target.challenge,
        "deadline": target.deadline,
        "responsible": target.responsible_id,
        "basis": target.basis,
        "version": target.version,
    }
    form = TargetForm(
        request.POST or None,
        initial=initial,
        units=Unit.objects.filter(pk=target.unit_id),
        people=_people(user),
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_target(
                actor=user,
                target=target,
                expected_version=data["version"],
                baseline=data["baseline"],
                floor=data["floor"],
                target_value=data["target"],
                challenge=data["challenge"],
                deadline=data["deadline"],
                responsible=data["responsible"],
                basis=data["basis"],
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Target saved."))
            return redirect("plans:target", target.pk)
    return render(request, "plans/target_form.html", {"form": form, "target": target})


def _even_split(total: Decimal | None, n: int, rule: str) -> list[str]:
    """A suggestion to start from: whole numbers spread evenly for a sum, the value for a mean."""
    if total is None or n == 0:
        return [""] * n
    if rule == "mean":
        return [number(total)] * n
    if rule == "last":
        return [""] * (n - 1) + [number(total)]
    if total != total.to_integral_value():
        return [""] * n
    whole = int(total)
    base, extra = divmod(whole, n)
    return [str(base + (1 if i < extra else 0)) for i in range(n)]


@login_required
def target_decompose(request: HttpRequest, pk: int) -> HttpResponse:
    """Split a target by time (into its months or quarters) or by level (into units below)."""
    user = request.user
    target = selectors.get_target(user, pk)
    services.require_target_rights(user, target)
    kind = request.GET.get("kind") or request.POST.get("kind") or Decomposition.TIME
    if kind not in (Decomposition.TIME, Decomposition.LEVEL):
        raise NotFound(_("Unknown decomposition."))
    into = request.GET.get("into") or request.POST.get("into") or PeriodKind.MONTHLY
    rows: list[dict[str, Any]] = []
    rule = target.indicator_version.time_aggregation
    if kind == Decomposition.TIME:
        try:
            children = Period.parse(target.period).children(PeriodKind(into))
        except ValueError:
            children = []
        taken = set(target.children.values_list("period", flat=True))
        suggestions = _even_split(target.target, len(children), rule)
        rows = [
            {"key": p.code, "label": p.code, "suggest": s}
            for p, s in zip(children, suggestions, strict=True)
            if p.code != target.period and p.code not in taken
        ]
    else:
        taken_units = set(target.children.values_list("unit_id", flat=True))
        below = (
            _editable_units(user)
            .filter(parent=target.unit)
            .exclude(pk__in=taken_units)
            .order_by("sort_order", "code")
        )
        rows = [{"key": u.code, "label": u.name, "suggest": ""} for u in below]
    error = None
    if request.method == "POST":
        parts = []
        units = {u.code: u for u in Unit.objects.filter(code__in=[r["key"] for r in rows])}
        for index, row in enumerate(rows):
            value = request.POST.get(f"part-{index}-target", "").strip()
            if not value:
                continue
            part = {
                "target": value,
                "floor": request.POST.get(f"part-{index}-floor", "").strip() or None,
                "challenge": request.POST.get(f"part-{index}-challenge", "").strip() or None,
                "deadline": None,
            }
            if kind == Decomposition.TIME:
                part["period"] = row["key"]
            else:
                part["unit"] = units[row["key"]]
            parts.append(part)
        try:
            services.decompose_target(actor=user, target=target, kind=kind, parts=parts)
        except (ValidationFailed, Conflict) as exc:
            error = exc
        else:
            messages.success(request, _("Target decomposed."))
            return redirect("plans:target", target.pk)
    return render(
        request,
        "plans/target_decompose.html",
        {
            "target": target,
            "kind": kind,
            "into": into,
            "rows": rows,
            "error": error,
            "posted": request.POST,
            "period_kinds": [PeriodKind.MONTHLY, PeriodKind.QUARTERLY],
        },
    )
