"""The data-quality screen's pages: runs with their progress, scores per unit, flags."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from govperf.core.errors import Forbidden, ValidationFailed
from govperf.core.forms import apply_errors
from govperf.data import conf, selectors, services, statistics
from govperf.data.forms import QualityRunForm
from govperf.data.models import QualityFlag, QualityRun
from govperf.data.templatetags.data_extras import unit_label
from govperf.orgs import policy
from govperf.orgs.policy import Action


@login_required
def quality(request: HttpRequest) -> HttpResponse:
    """Runs, and a form to screen a period now (office)."""
    user = request.user
    policy.require(user, Action.VIEW_QUALITY)
    can_run = policy.can(user, Action.REVIEW_QUALITY)
    form = None
    if can_run:
        units = policy.units(user, Action.REVIEW_QUALITY).filter(is_active=True).order_by("path")
        form = QualityRunForm(
            request.POST or None,
            units=units,
            initial={"period": str(timezone.localdate().year), "due_days": conf.due_days()},
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                run = services.start_quality_run(
                    actor=user,
                    period=data["period"].strip(),
                    unit=data["unit"],
                    due_days=data["due_days"],
                )
            except (ValidationFailed, Forbidden) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The screen is running."))
                return redirect("data:quality_run", run.pk)
    runs = selectors.visible_runs(user)
    latest = runs.filter(status=QualityRun.Status.DONE).first()
    context = {"form": form, "runs": list(runs[:30]), "latest": latest}
    if latest is not None:
        context["results"] = list(selectors.results(user, latest)[:500])
    return render(request, "data/quality.html", context)


def _chart(results) -> dict:
    """Bar chart of the scores, worst first."""
    rows = [r for r in results if r.score is not None][:40]
    return {
        "grid": {"left": 8, "right": 20, "top": 10, "bottom": 30, "containLabel": True},
        "xAxis": {"type": "value", "min": 0, "max": 100},
        "yAxis": {
            "type": "category",
            "inverse": True,
            "data": [unit_label(r.unit) for r in rows],
        },
        "series": [{"type": "bar", "data": [round(r.score, 1) for r in rows]}],
        "tooltip": {"trigger": "axis"},
    }


@login_required
def quality_run(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    run = selectors.get_run(user, pk)
    results = list(selectors.results(user, run)) if run.status == QualityRun.Status.DONE else []
    context = {
        "run": run,
        "results": results,
        "chart": _chart(results),
        "chart_size": "s" if len(results) <= 10 else "m" if len(results) <= 25 else "l",
        "weights": statistics.SCORE_WEIGHTS,
    }
    if request.htmx and request.GET.get("progress"):
        if run.status in (QualityRun.Status.DONE, QualityRun.Status.FAILED):
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"  # the finished page, with its results
            return response
        return render(request, "data/quality_run.html#progress", context)
    return render(request, "data/quality_run.html", context)


@login_required
def quality_unit(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    """Drill-down: one unit's figures and every flag with its reason."""
    user = request.user
    run = selectors.get_run(user, pk)
    unit = selectors.get_unit(user, unit_pk, Action.VIEW_QUALITY)
    result = run.results.filter(unit=unit).first()
    kind = request.GET.get("kind", "")
    kind = kind if kind in QualityFlag.Kind.values else ""
    flags = list(selectors.flags(user, run, unit=unit, kind=kind or None)[:1000])
    benford = None
    if result is not None and result.benford_n:
        n = result.benford_n
        benford = {
            "legend": {"data": [_("observed"), _("Benford")], "top": 0, "left": "center"},
            "grid": {"left": 40, "right": 10, "top": 40, "bottom": 30},
            "xAxis": {"type": "category", "data": [str(d) for d in range(1, 10)]},
            "yAxis": {"type": "value", "axisLabel": {"formatter": "{value}%"}},
            "series": [
                {
                    "name": _("observed"),
                    "type": "bar",
                    "data": [round(c / n * 100, 1) for c in result.benford_digits],
                },
                {
                    "name": _("Benford"),
                    "type": "line",
                    "data": [round(float(p) * 100, 1) for p in statistics.BENFORD],
                },
            ],
            "tooltip": {"trigger": "axis"},
        }
    context = {
        "run": run,
        "unit": unit,
        "result": result,
        "flags": flags,
        "kind": kind,
        "kinds": QualityFlag.Kind.choices,
        "benford": benford,
    }
    return render(request, "data/quality_unit.html", context)
