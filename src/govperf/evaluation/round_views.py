"""Round pages: the list, opening a round, a round with its task progress, imported values,
adjustments and computations (progress polled by htmx), and the office's task list."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govperf.core.errors import DomainError, NotFound, ValidationFailed
from govperf.core.forms import apply_errors, flash_error
from govperf.evaluation import selectors, services
from govperf.evaluation.forms import AdjustmentForm, AssignForm, ImportForm, RoundForm
from govperf.evaluation.models import Adjustment, EvaluatorKind, ImportedValue, Round, ScoringTask
from govperf.orgs import policy
from govperf.orgs.policy import Action


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    rounds = list(selectors.rounds_for(user)[:100])
    current = selectors.current_sets(rounds, user)
    for r in rounds:
        r.current = current.get(r.pk)
    return render(
        request,
        "evaluation/rounds.html",
        {"rounds": rounds, "office": selectors.is_office(user)},
    )


@login_required
def round_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    services.require_office(user)
    units = policy.units(user, Action.MANAGE_EVALUATION).filter(is_active=True).order_by("path")
    today = timezone.localdate()
    form = RoundForm(
        request.POST or None,
        units=units,
        initial={"period": str(today.year), "deadline": today + dt.timedelta(days=30)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = services.open_round(
                actor=user,
                cycle=data["cycle"],
                period=data["period"],
                scheme_version=data["scheme_version"],
                units=list(data["units"]),
                deadline=data["deadline"],
                name=data["name"],
                seed=data["seed"],
                peers_per_unit=data["peers_per_unit"],
                experts_per_unit=data["experts_per_unit"],
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Round opened; the scoring tasks are assigned."))
            return redirect("evaluation:round", round_.pk)
    return render(request, "evaluation/round_form.html", {"form": form})


def _round_context(request: HttpRequest, round_: Round) -> dict:
    user = request.user
    office = selectors.is_office(user)
    sets = list(selectors.visible_sets(user, round_))
    context = {
        "round": round_,
        "office": office,
        "sets": sets,
        "units": list(selectors.round_units(round_)),
        "job": selectors.latest_job(round_) if office else None,
    }
    if office:
        spec = services.round_spec(round_)
        context.update(
            {
                "counts": selectors.task_counts(round_),
                "progress": _labelled(selectors.progress_by_component(round_), spec),
                "gaps": _labelled((round_.rules or {}).get("gaps", []), spec),
                "imported": list(
                    ImportedValue.objects.filter(round=round_)
                    .select_related("unit")
                    .order_by("code", "unit__path", "position")[:300]
                ),
                "imported_total": ImportedValue.objects.filter(round=round_).count(),
                "import_codes": spec.import_codes(),
                "adjustments": list(Adjustment.objects.filter(round=round_).select_related("unit")),
                "import_form": ImportForm(),
                "adjust_form": AdjustmentForm(units=selectors.round_units(round_)),
                "bonus_label": spec.bonus_label,
            }
        )
    else:
        context["my_tasks"] = list(selectors.round_tasks(user, round_))
    return context


def _labelled(rows: list[dict], spec) -> list[dict]:
    """Rows naming a component and an evaluator kind by code, with their labels added."""
    kinds = dict(EvaluatorKind.choices)
    out = []
    for row in rows:
        component = spec.component(row.get("component", ""))
        out.append(
            {
                **row,
                "component_label": component.label if component else row.get("component"),
                "kind_label": kinds.get(row.get("kind"), row.get("kind")),
            }
        )
    return out


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = selectors.get_round(request.user, pk)
    return render(request, "evaluation/round_detail.html", _round_context(request, round_))


@login_required
def job_progress(request: HttpRequest, pk: int, job_pk: int) -> HttpResponse:
    """The progress bar, polled every second while the job runs; reloads the page when done."""
    job = selectors.get_job(request.user, job_pk)
    if job.round_id != pk:
        raise NotFound(_("Computation not found."))
    if request.htmx and job.finished:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "evaluation/round_detail.html#job", {"job": job, "round": job.round})


@login_required
@require_POST
def round_act(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    user = request.user
    round_ = selectors.get_round(user, pk)
    version = request.POST.get("version")
    expected = int(version) if version and version.isdigit() else None
    try:
        if verb == "close":
            services.close_round(actor=user, round_=round_, expected_version=expected)
            messages.success(request, _("Scoring closed."))
        elif verb == "reopen":
            services.reopen_round(actor=user, round_=round_, expected_version=expected)
            messages.success(request, _("Scoring reopened."))
        elif verb == "compute":
            services.start_computation(
                actor=user, round_=round_, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("Computing the results."))
        else:
            raise NotFound(_("Unknown action."))
    except DomainError as exc:
        flash_error(request, exc)
    return redirect("evaluation:round", round_.pk)


@login_required
@require_POST
def round_import(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    round_ = selectors.get_round(user, pk)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a spreadsheet to import."))
        return redirect("evaluation:round", round_.pk)
    upload = form.cleaned_data["file"]
    try:
        count = services.import_values_file(
            actor=user, round_=round_, data=upload.read(), filename=upload.name
        )
    except DomainError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("%(n)d values imported.") % {"n": count})
    return redirect("evaluation:round", round_.pk)


@login_required
@require_POST
def round_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    round_ = selectors.get_round(user, pk)
    form = AdjustmentForm(request.POST, units=selectors.round_units(round_))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_adjustment(
                actor=user,
                round_=round_,
                unit=data["unit"],
                kind=data["kind"],
                points=data["points"],
                reason=data["reason"],
            )
        except DomainError as exc:
            flash_error(request, exc)
        else:
            messages.success(request, _("Adjustment saved."))
    else:
        messages.error(request, _("The adjustment is not complete."))
    return redirect("evaluation:round", round_.pk)


@login_required
@require_POST
def adjustment_remove(request: HttpRequest, pk: int, adj_pk: int) -> HttpResponse:
    user = request.user
    round_ = selectors.get_round(user, pk)
    adjustment = Adjustment.objects.filter(pk=adj_pk, round=round_).first()
    if adjustment is None:
        raise NotFound(_("Adjustment not found."))
    try:
        services.remove_adjustment(actor=user, adjustment=adjustment)
    except DomainError as exc:
        flash_error(request, exc)
    return redirect("evaluation:round", round_.pk)


@login_required
def round_tasks(request: HttpRequest, pk: int) -> HttpResponse:
    """Every task of the round, for the office to follow up and reassign."""
    user = request.user
    services.require_office(user)
    round_ = selectors.get_round(user, pk)
    status = request.GET.get("status", "")
    rows = selectors.round_tasks(user, round_)
    if status in ScoringTask.Status.values:
        rows = rows.filter(status=status)
    elif status == "overdue":
        rows = rows.filter(status=ScoringTask.Status.PENDING, deadline__lt=timezone.localdate())
    return render(
        request,
        "evaluation/round_tasks.html",
        {
            "round": round_,
            "tasks": list(rows[:1000]),
            "status": status,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def task_reassign(request: HttpRequest, pk: int, task_pk: int) -> HttpResponse:
    user = request.user
    round_ = selectors.get_round(user, pk)
    task = selectors.round_tasks(user, round_).filter(pk=task_pk).first()
    if task is None:
        raise NotFound(_("Scoring task not found."))
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            services.reassign_task(
                actor=user,
                task=task,
                evaluator=form.cleaned_data["evaluator"],
                expected_version=form.cleaned_data.get("version"),
            )
        except DomainError as exc:
            flash_error(request, exc)
        else:
            messages.success(request, _("Task reassigned."))
    return redirect("evaluation:round_tasks", round_.pk)
