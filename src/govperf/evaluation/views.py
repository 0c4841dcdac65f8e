"""Pages of the evaluation app: the home page, an evaluator's tasks and scoring form, and
conflict declarations. Schemes are in ``scheme_views``, rounds in ``round_views``, results
and appeals in ``result_views``, the office's settings in ``office_views``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govperf.core.errors import DomainError, ValidationFailed
from govperf.core.forms import apply_errors, flash_error
from govperf.evaluation import selectors, services
from govperf.evaluation.forms import AssignForm, ConflictForm, ScoreForm
from govperf.evaluation.models import Appeal, ScoringTask
from govperf.orgs import policy
from govperf.orgs.policy import Action


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What the user has to do here: tasks to score, rounds, results, appeals."""
    user = request.user
    office = selectors.is_office(user)
    can_view = policy.can(user, Action.VIEW_RESULTS)
    tasks = list(selectors.my_tasks(user, status=ScoringTask.Status.PENDING)[:10])
    rounds = list(selectors.rounds_for(user)[:20]) if (office or can_view) else []
    current = selectors.current_sets(rounds, user)
    for r in rounds:
        r.current = current.get(r.pk)
    appeals = (
        list(selectors.appeals_for(user).filter(status=Appeal.Status.FILED)[:20])
        if (office or policy.can(user, Action.APPEAL))
        else []
    )
    today = timezone.localdate()
    context = {
        "office": office,
        "tasks": tasks,
        "task_total": selectors.my_tasks(user).count(),
        "pending_total": selectors.my_tasks(user, status=ScoringTask.Status.PENDING).count(),
        "rounds": rounds,
        "appeals": appeals,
        "today": today,
        "can_score": policy.can(user, Action.SCORE),
    }
    return render(request, "evaluation/home.html", context)


@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    user = request.user
    status = request.GET.get("status", "")
    status = status if status in ScoringTask.Status.values else ""
    rows = list(selectors.my_tasks(user, status=status))
    return render(
        request,
        "evaluation/tasks.html",
        {
            "tasks": rows,
            "status": status,
            "statuses": [(v, lbl) for v, lbl in ScoringTask.Status.choices if v != "cancelled"],
            "today": timezone.localdate(),
        },
    )


def _task_context(task: ScoringTask) -> dict:
    spec = services.round_spec(task.round)
    panel = spec.panel(task.component)
    component = spec.component(task.component)
    items = []
    if panel is None:
        for ind in spec.task_indicators(task.component, task.kind):
            items.append(
                {
                    "code": ind.code,
                    "label": ind.label,
                    "weight": ind.weight,
                    "levels": spec.rubric_levels(ind),
                    "descriptions": ind.rubric,
                    "current": (task.items or {}).get(ind.code, {}),
                }
            )
    high, low = services.comment_marks(task.round)
    return {
        "task": task,
        "component": component,
        "panel": panel,
        "rubric": panel.rubric if panel else (),
        "items": items,
        "high": high,
        "low": low,
    }


@login_required
def task(request: HttpRequest, pk: int) -> HttpResponse:
    """The scoring form, with the rubric; the assignee scores, the office reads."""
    user = request.user
    found = selectors.get_task(user, pk)
    context = _task_context(found)
    mine = found.evaluator_id == user.pk
    initial = {
        "version": found.version,
        "score": found.score,
        "level": found.level,
        "comment": found.comment,
    }
    for item in context["items"]:
        initial[f"level__{item['code']}"] = item["current"].get("level", "")
        initial[f"pct__{item['code']}"] = item["current"].get("pct")
    form = ScoreForm(
        request.POST or None,
        initial=initial,
        levels=context["rubric"],
        items=context["items"],
    )
    if request.method == "POST":
        if not mine:
            return redirect("evaluation:task", found.pk)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.submit_score(
                    actor=user,
                    task=found,
                    score=data.get("score"),
                    level=data.get("level") or "",
                    items=form.items() if context["items"] else None,
                    comment=data.get("comment", ""),
                    expected_version=data["version"],
                )
            except ValidationFailed as exc:
                _place_item_errors(form, exc)
            except DomainError as exc:
                flash_error(request, exc)
            else:
                messages.success(request, _("Score saved."))
                return redirect("evaluation:tasks")
    office = selectors.is_office(user)
    context.update(
        {
            "form": form,
            "mine": mine,
            "assign_form": AssignForm(
                initial={"evaluator": found.evaluator_id, "version": found.version}
            )
            if office
            and found.status != ScoringTask.Status.SUBMITTED
            and found.round.status == "open"
            else None,
            "editable": mine
            and found.round.status == "open"
            and found.status != ScoringTask.Status.CANCELLED,
        }
    )
    return render(request, "evaluation/task.html", context)


def _place_item_errors(form: ScoreForm, exc: ValidationFailed) -> None:
    for d in exc.details:
        name = d.field or ""
        if name.startswith("items."):
            _items, code, part = ([*name.split("."), "", ""])[:3]
            key = f"{part}__{code}"
            form.add_error(key if key in form.fields else None, d.message)
        elif name in form.fields:
            form.add_error(name, d.message)
        else:
            form.add_error(None, d.message)


@login_required
def conflicts(request: HttpRequest) -> HttpResponse:
    user = request.user
    policy.require(user, Action.SCORE)
    form = ConflictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.declare_conflict(
                actor=user, unit=form.cleaned_data["unit"], reason=form.cleaned_data["reason"]
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        except DomainError as exc:
            flash_error(request, exc)
        else:
            messages.success(request, _("Conflict of interest declared."))
            return redirect("evaluation:conflicts")
    rows = list(selectors.conflicts_of(user)[:200])
    return render(request, "evaluation/conflicts.html", {"form": form, "declarations": rows})


@login_required
@require_POST
def conflict_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = selectors.conflicts_of(request.user).filter(pk=pk, person=request.user).first()
    if declaration is None:
        from govperf.core.errors import NotFound

        raise NotFound(_("Declaration not found."))
    try:
        services.withdraw_conflict(actor=request.user, declaration=declaration)
    except DomainError as exc:
        flash_error(request, exc)
    return redirect("evaluation:conflicts")
