"""Pages of performance plans: list, plan page, editor grid, office review, workflow,
comments and Excel import/export. Goals and targets are in ``goal_views``; the public
comment pages in ``public_views``; the office's settings in ``office_views``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govperf.core.errors import Conflict, ErrorDetail, NotFound, ValidationFailed
from govperf.core.forms import apply_errors, flash_error
from govperf.orgs import policy
from govperf.orgs.policy import Action
from govperf.plans import checker, selectors, services, snapshots, workflow
from govperf.plans.forms import (
    AddItemForm,
    AnswerForm,
    CommentForm,
    CommentWindowForm,
    MeasuresForm,
    ModerateForm,
    PlanCreateForm,
    RevisionForm,
    TransitionForm,
)
from govperf.plans.models import Plan
from govperf.plans.rollup import number

# Rounds from which the list flags a plan as going back and forth (R003 §4.1.3, *ours*).
ROUNDS_WARNING = 3


# --- list --------------------------------------------------------------------------------------


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    policy.require(user, Action.VIEW_PLANS)
    cycle = selectors.cycle_or_current(request.GET.get("cycle") or None)
    status = request.GET.get("status", "")
    status = status if status in Plan.Status.values else ""
    plans = list(selectors.visible_plans(user, cycle=cycle, status=status)) if cycle else []
    is_office = policy.unit_scope(user, Action.REVIEW_PLAN).everything
    context = {
        "cycles": selectors.cycles(),
        "cycle": cycle,
        "status": status,
        "statuses": Plan.Status.choices,
        "plans": plans,
        "rounds_warning": ROUNDS_WARNING,
        "can_create": policy.can(user, Action.EDIT_PLAN),
        "is_office": is_office,
        "can_manage_cycles": policy.unit_scope(user, Action.MANAGE_GOALS).everything,
        "gaps": checker.check_cycle(cycle) if cycle and is_office else [],
    }
    return render(request, "plans/list.html", context)


@login_required
def plan_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    policy.require(user, Action.EDIT_PLAN)
    units = policy.units(user, Action.EDIT_PLAN).filter(is_active=True)
    form = PlanCreateForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.create_plan(
                actor=user, unit=data["unit"], cycle=data["cycle"], measures=data["measures"]
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Plan created; add its indicators."))
            return redirect("plans:edit", plan.pk)
    return render(request, "plans/plan_form.html", {"form": form})


# --- the plan page ----------------------------------------------------------------------------------


def _plan_context(request: HttpRequest, plan: Plan) -> dict:
    user = request.user
    items = checker.items_for_check(plan)
    findings = checker.check_plan(plan, items=items)
    by_item: dict[int | None, list] = defaultdict(list)
    for f in findings:
        by_item[f.item_id].append(f)
    can_review = policy.can(user, Action.REVIEW_PLAN, plan.unit)
    can_edit = policy.can(user, Action.EDIT_PLAN, plan.unit)
    allowed = [
        verb
        for verb in workflow.verbs_from(plan.status)
        if policy.can(user, workflow.VERBS[verb], plan.unit)
    ]
    # Public comments show once the office has published them, to the unit as to everyone.
    comments = list(selectors.comments(plan, public_only=not can_review))
    for c in comments:
        c.plan = plan
        c.shown_contact = c.contact if can_review else selectors.mask_contact(c.contact)
    change = (
        snapshots.diff(plan.approved_snapshot, snapshots.plan_snapshot(plan))
        if plan.approved_snapshot and plan.status in workflow.IN_REVISION
        else None
    )
    total = sum((i.weight for i in items), Decimal(0))
    return {
        "plan": plan,
        "items": [(i, by_item.get(i.pk, [])) for i in items],
        "findings": findings,
        "plan_findings": by_item.get(None, []),
        "blocking": sum(1 for f in findings if f.blocking),
        "weight_total": number(total) or "0",
        "weight_ok": total == 100,
        "allowed": allowed,
        "can_edit": can_edit and plan.status in workflow.EDITABLE,
        "can_review": can_review,
        "can_answer": can_edit,
        "comments": comments,
        "comment_form": CommentForm(plan=plan) if plan.comments_open() else None,
        "window_form": CommentWindowForm(initial={"version": plan.version})
        if can_review and plan.status in workflow.EDITABLE
        else None,
        "transition_form": TransitionForm(initial={"version": plan.version}),
        "revision_form": RevisionForm(initial={"version": plan.version}),
        "events": selectors.events(plan),
        "diff": change,
        "diff_empty": snapshots.is_empty(change),
        "rounds_warning": ROUNDS_WARNING,
    }


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan(request.user, pk)
    return render(request, "plans/detail.html", _plan_context(request, plan))


@login_required
def plan_review(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan(request.user, pk, Action.REVIEW_PLAN)
    context = _plan_context(request, plan)
    context["moderate_form"] = ModerateForm()
    return render(request, "plans/review.html", context)


@login_required
@require_POST
def plan_act(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """One workflow button: submit, return, approve, start, request_revision."""
    user = request.user
    plan = selectors.get_plan(user, pk)
    if verb not in services.TRANSITION_SERVICES:
        raise NotFound(_("Unknown action."))
    form = (
        RevisionForm(request.POST) if verb == "request_revision" else TransitionForm(request.POST)
    )
    back = "plans:review" if request.POST.get("from") == "review" else "plans:detail"
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect(back, plan.pk)
    data = form.cleaned_data
    kwargs = {"expected_version": data.get("version")}
    if verb == "request_revision":
        kwargs.update(reason_kind=data["reason_kind"], reason=data["reason"])
    elif verb != "start":
        kwargs["comment"] = data["comment"]
    try:
        plan = services.TRANSITION_SERVICES[verb](actor=user, plan=plan, **kwargs)
    except (ValidationFailed, Conflict) as exc:
        context = _plan_context(request, selectors.get_plan(user, pk))
        context["action_error"] = exc
        if back == "plans:review":
            context["moderate_form"] = ModerateForm()
        template = "plans/review.html" if back == "plans:review" else "plans/detail.html"
        return render(request, template, context, status=exc.status)
    messages.success(
        request, _("The plan is now “%(state)s”.") % {"state": plan.get_status_display()}
    )
    return redirect("plans:detail", plan.pk)


# --- the editor grid -----------------------------------------------------------------------------------


def _row_context(item, errors: dict[str, str] | None = None, values: dict | None = None) -> dict:
    target = item.target
    shown = {
        "baseline": number(target.baseline),
        "floor": number(target.floor),
        "target": number(target.target),
        "challenge": number(target.challenge),
        "weight": number(item.weight),
        "deadline": target.deadline.isoformat() if target.deadline else "",
        "is_core": item.is_core,
    }
    shown.update(values or {})
    return {"item": item, "values": shown, "errors": errors or {}, "general": []}


def _editor_context(request: HttpRequest, plan: Plan) -> dict:
    items = selectors.plan_items(plan)
    total = sum((i.weight for i in items), Decimal(0))
    findings = checker.check_plan(plan)
    return {
        "blocking": sum(1 for f in findings if f.blocking),
        "plan": plan,
        "rows": [_row_context(i) for i in items],
        "weight_total": number(total) or "0",
        "weight_ok": total == 100,
        "add_form": AddItemForm(initial={"period": plan.cycle.period}),
        "measures_form": MeasuresForm(initial={"measures": plan.measures, "version": plan.version}),
        "findings": findings,
    }


def _editable_plan(request: HttpRequest, pk: int) -> Plan:
    plan = selectors.get_plan(request.user, pk, Action.EDIT_PLAN)
    if plan.status not in workflow.EDITABLE:
        raise Conflict(
            _("The plan is “%(state)s”; it can be changed only as a draft or when returned.")
            % {"state": plan.get_status_display()},
            code="invalid_state",
        )
    return plan


@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _editable_plan(request, pk)
    return render(request, "plans/edit.html", _editor_context(request, plan))


ROW_FIELDS = ("baseline", "floor", "target", "challenge", "weight", "deadline")


@login_required
def item_row(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """One row of the grid: GET shows it, POST saves it as the user leaves a cell."""
    plan = _editable_plan(request, pk)
    item = selectors.get_item(plan, item_pk)
    if request.method != "POST":
        return render(request, "plans/edit.html#row", _row_context(item))
    posted = {f: request.POST.get(f, "").strip() for f in ROW_FIELDS}
    posted["is_core"] = request.POST.get("is_core") in ("on", "1", "true")
    version = request.POST.get("version")
    context = None
    try:
        deadline = None
        if posted["deadline"]:
            try:
                deadline = dt.date.fromisoformat(posted["deadline"])
            except ValueError as exc:
                raise ValidationFailed(
                    _("The row could not be saved."),
                    [ErrorDetail(field="deadline", message=_("Not a date (YYYY-MM-DD)."))],
                ) from exc
        item = services.update_item(
            actor=request.user,
            item=item,
            expected_version=int(version) if version and version.isdigit() else None,
            weight=posted["weight"] or "0",
            is_core=posted["is_core"],
            baseline=posted["baseline"],
            floor=posted["floor"],
            target_value=posted["target"],
            challenge=posted["challenge"],
            deadline=deadline,
        )
        item = selectors.get_item(plan, item.pk)
        context = _row_context(item)
        context["saved"] = True
    except (ValidationFailed, Conflict) as exc:
        errors = {d.field: d.message for d in exc.details if d.field}
        context = _row_context(selectors.get_item(plan, item.pk), errors, posted)
        context["general"] = [exc.message] + [
            d.message for d in exc.details if not d.field or d.field not in ROW_FIELDS
        ]
        if isinstance(exc, Conflict):
            context["values"] = _row_context(selectors.get_item(plan, item.pk))["values"]
    if not request.htmx:  # a browser without scripts posted the row: back to the grid
        if context["general"]:
            messages.error(request, " ".join(str(g) for g in context["general"]))
            for field, message in context["errors"].items():
                messages.error(request, f"{field}: {message}")
        return redirect("plans:edit", plan.pk)
    context.update(_total_context(plan), oob=True)
    return render(request, "plans/edit.html#row", context)


def _total_context(plan: Plan) -> dict:
    """The running weight total and the checker's findings, refreshed beside a saved row."""
    total = sum(plan.items.values_list("weight", flat=True), Decimal(0))
    findings = checker.check_plan(plan)
    return {
        "weight_total": number(total) or "0",
        "weight_ok": total == 100,
        "findings": findings,
        "blocking": sum(1 for f in findings if f.blocking),
    }


@login_required
@require_POST
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _editable_plan(request, pk)
    form = AddItemForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_indicator(
                actor=request.user,
                plan=plan,
                indicator=data["indicator"],
                period=data["period"] or plan.cycle.period,
                weight=data["weight"] or Decimal(0),
                is_core=data["is_core"],
            )
        except ValidationFailed as exc:
            flash_error(request, exc)
        else:
            messages.success(request, _("Indicator added."))
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
    return redirect("plans:edit", plan.pk)


@login_required
@require_POST
def item_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    plan = _editable_plan(request, pk)
    services.remove_item(actor=request.user, item=selectors.get_item(plan, item_pk))
    if request.htmx:  # the row disappears; the total and the findings follow
        context = {**_total_context(plan), "oob": True}
        return HttpResponse(
            render_to_string("plans/edit.html#total", context, request)
            + render_to_string("plans/edit.html#findings", context, request)
        )
    messages.success(request, _("Item removed."))
    return redirect("plans:edit", plan.pk)


@login_required
@require_POST
def plan_measures(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _editable_plan(request, pk)
    form = MeasuresForm(request.POST)
    if form.is_valid():
        try:
            services.update_plan(
                actor=request.user,
                plan=plan,
                expected_version=form.cleaned_data["version"],
                measures=form.cleaned_data["measures"],
            )
        except (ValidationFailed, Conflict) as exc:
            flash_error(request, exc)
        else:
            messages.success(request, _("Measures saved."))
    return redirect("plans:edit", plan.pk)


# --- comments -------------------------------------------------------------------------------------------


@login_required
@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan(request.user, pk)
    form = CommentForm(request.POST, plan=plan)
    if form.is_valid():
        try:
            services.add_staff_comment(
                actor=request.user,
                plan=plan,
                body=form.cleaned_data["body"],
                item=form.cleaned_data["item"],
            )
        except (ValidationFailed, Conflict) as exc:
            flash_error(request, exc)
        else:
            messages.success(request, _("Comment added."))
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
    return redirect("plans:detail", plan.pk)


@login_required
@require_POST
def comment_moderate(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    plan = selectors.get_plan(request.user, pk, Action.REVIEW_PLAN)
    comment = selectors.get_comment(plan, comment_pk)
    form = ModerateForm(request.POST)
    if form.is_valid():
        try:
            services.moderate_comment(
                actor=request.user,
                comment=comment,
                publish=form.cleaned_data["publish"],
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            )
        except (ValidationFailed, Conflict) as exc:
            flash_error(request, exc)
        else:
            messages.success(request, _("Comment moderated."))
    return redirect("plans:review", plan.pk)


@login_required
@require_POST
def comment_answer(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    plan = selectors.get_plan(request.user, pk, Action.EDIT_PLAN)
    comment = selectors.get_comment(plan, comment_pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.answer_comment(
                actor=request.user,
                comment=comment,
                answer=data["answer"],
                adopted=data["adopted"],
                not_adopted_reason=data["not_adopted_reason"],
                expected_version=data["version"],
            )
        except (ValidationFailed, Conflict) as exc:
            flash_error(request, exc)
        else:
            messages.success(request, _("Answer saved."))
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
    return redirect("plans:detail", plan.pk)


@login_required
@require_POST
def comment_window(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan(request.user, pk, Action.REVIEW_PLAN)
    if request.POST.get("close"):
        services.close_comments(actor=request.user, plan=plan)
        messages.success(request, _("The comment period is closed."))
        return redirect("plans:detail", plan.pk)
    form = CommentWindowForm(request.POST)
    if form.is_valid():
        try:
            services.open_comments(
                actor=request.user,
                plan=plan,
                until=form.cleaned_data["until"],
                public=form.cleaned_data["public"],
                expected_version=form.cleaned_data["version"],
            )
        except (ValidationFailed, Conflict) as exc:
            flash_error(request, exc)
        else:
            messages.success(request, _("The plan is open for comment."))
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
    return redirect("plans:detail", plan.pk)
