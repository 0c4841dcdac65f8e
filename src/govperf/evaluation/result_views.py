"""Result pages: a result set (ranking, grade distribution and ranking charts, the diff
against the previous version, the workflow), a unit's drill-down (composite → component →
indicator → value, with last cycle beside it), exports to Excel and PDF, and appeals."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govperf.core.errors import DomainError, NotFound, ValidationFailed
from govperf.core.forms import apply_errors, flash_error
from govperf.core.http import XLSX, attachment
from govperf.evaluation import exports, selectors, services
from govperf.evaluation.forms import AppealForm, DecisionForm
from govperf.evaluation.models import Appeal, ResultSet
from govperf.orgs import policy
from govperf.orgs.policy import Action


def grade_chart(rs: ResultSet) -> dict:
    counts = (rs.summary or {}).get("grades", {})
    names = list(counts)
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 40, "right": 10, "top": 20, "bottom": 30},
        "xAxis": {"type": "category", "data": names},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "type": "bar",
                "data": [counts[n] for n in names],
                "label": {"show": True, "position": "top"},
            }
        ],
    }


def ranking_chart(rows, names: dict[str, str]) -> dict:
    """Composites best first, coloured by comparable group."""
    ordered = sorted(rows, key=lambda r: (-r.composite, r.position))[:40]
    groups = sorted({r.group or "" for r in ordered})
    series = []
    for group in groups:
        series.append(
            {
                "name": names.get(group, group) or "—",
                "type": "bar",
                "stack": "all",
                "data": [float(r.composite) if (r.group or "") == group else None for r in ordered],
            }
        )
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        # A scrolling legend keeps to one line, above the bars, at phone width too.
        "legend": {"type": "scroll", "data": [names.get(g, g) or "—" for g in groups], "top": 0},
        "grid": {"left": 150, "right": 20, "top": 30, "bottom": 30},
        "xAxis": {"type": "value", "min": 0, "max": 100},
        "yAxis": {"type": "category", "inverse": True, "data": [r.unit.name for r in ordered]},
        "series": series,
    }


@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    rs = selectors.get_set(user, pk)
    rows = selectors.unit_results(rs)
    reach = selectors.units_in_reach(user, [r.unit_id for r in rows])
    office = selectors.is_office(user)
    names = selectors.group_names()
    by_group: dict[str, list] = defaultdict(list)
    for r in rows:
        by_group[names.get(r.group, r.group)].append(r)
    appeals = list(
        selectors.appeals_for(user).filter(result_set__round=rs.round).select_related("unit")
    )
    appealable = (
        rs.status == ResultSet.Status.PUBLISHED and selectors.appealable_units(user, rs).exists()
    )
    today = timezone.localdate()
    context = {
        "rs": rs,
        "round": rs.round,
        "groups": dict(sorted(by_group.items())),
        "reach": reach,
        "office": office,
        "components": selectors.component_columns(rs),
        "grade_chart": grade_chart(rs),
        "ranking_chart": ranking_chart(rows, names),
        "ranking_size": "s" if len(rows) <= 10 else "m" if len(rows) <= 25 else "l",
        "diff": rs.diff[:300] if office or rs.is_public else [],
        "appeals": appeals,
        "appealable": appealable and rs.appeal_until is not None and today <= rs.appeal_until,
        "today": today,
        "versions": list(selectors.visible_sets(user, rs.round)),
        "unit_names": {r.unit_id: r.unit.name for r in rows},
    }
    return render(request, "evaluation/results.html", context)


@login_required
@require_POST
def results_act(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    user = request.user
    rs = selectors.get_set(user, pk)
    action = services.RESULT_STEPS.get(verb)
    if action is None:
        raise NotFound(_("Unknown action."))
    version = request.POST.get("version")
    try:
        action(
            actor=user,
            result_set=rs,
            expected_version=int(version) if version and version.isdigit() else None,
        )
    except DomainError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("Done."))
    return redirect("evaluation:results", rs.pk)


def unit_context(user, rs: ResultSet, unit_pk) -> dict:
    result = selectors.get_unit_result(user, rs, unit_pk)
    breakdown = result.breakdown or {}
    definition = rs.scheme_version.definition
    labels = dict((rs.summary or {}).get("labels", {}))
    components = []
    for comp in definition.get("components", []):
        code = comp.get("code")
        labels.setdefault(code, comp.get("label") or code)
        for ind in comp.get("indicators", []) or []:
            labels.setdefault(ind.get("code"), ind.get("label") or ind.get("code"))
    indicator_rows = {row.code: row for row in selectors.indicator_rows(rs, result.unit)}
    for comp in definition.get("components", []):
        code = comp.get("code")
        entry = breakdown.get("components", {}).get(code, {})
        inds = []
        for ind in comp.get("indicators", []) or []:
            icode = ind.get("code")
            inds.append(
                {
                    "code": icode,
                    "label": labels.get(icode),
                    "explain": breakdown.get("indicators", {}).get(icode, {}),
                    "row": indicator_rows.get(icode),
                }
            )
        components.append(
            {
                "code": code,
                "label": labels.get(code),
                "weight": comp.get("weight"),
                "explain": entry,
                "indicators": inds,
                "score": (result.components or {}).get(code),
            }
        )
    last = selectors.last_cycle(rs, result.unit)
    chart = {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 40, "right": 10, "top": 30, "bottom": 40},
        "xAxis": {"type": "category", "data": [c["label"] for c in components]},
        "yAxis": {"type": "value", "min": 0, "max": 100},
        "series": [
            {
                "name": rs.round.period,
                "type": "bar",
                "data": [c["score"] for c in components],
            }
        ]
        + (
            [
                {
                    "name": last.result_set.round.period,
                    "type": "bar",
                    "data": [(last.components or {}).get(c["code"]) for c in components],
                }
            ]
            if last
            else []
        ),
    }
    return {
        "rs": rs,
        "round": rs.round,
        "result": result,
        "unit": result.unit,
        "breakdown": breakdown,
        "components": components,
        "last": last,
        "change": (result.composite - last.composite) if last else None,
        "chart": chart,
        "bonus_label": definition.get("bonus_label") or _("Bonus"),
        "group_name": selectors.group_names().get(result.group, result.group),
    }


@login_required
def unit_result(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    rs = selectors.get_set(request.user, pk)
    return render(request, "evaluation/unit_result.html", unit_context(request.user, rs, unit_pk))


# --- exports -----------------------------------------------------------------------------------


@login_required
def export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    rs = selectors.get_set(request.user, pk)
    data = exports.results_xlsx(request.user, rs)
    return attachment(
        data,
        XLSX,
        f"results-{rs.round_id}-v{rs.number}.xlsx",
    )


@login_required
def export_indicators_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    rs = selectors.get_set(request.user, pk)
    data = exports.indicators_xlsx(request.user, rs)
    return attachment(
        data,
        XLSX,
        f"indicators-{rs.round_id}-v{rs.number}.xlsx",
    )


@login_required
def export_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    rs = selectors.get_set(request.user, pk)
    data = exports.results_pdf(request, rs)
    return attachment(data, "application/pdf", f"results-{rs.round_id}-v{rs.number}.pdf")


@login_required
def export_unit_pdf(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    rs = selectors.get_set(request.user, pk)
    data = exports.unit_pdf(request, rs, unit_pk)
    return attachment(data, "application/pdf", f"result-{rs.round_id}-v{rs.number}-{unit_pk}.pdf")


# --- appeals -----------------------------------------------------------------------------------


@login_required
def appeal_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    rs = selectors.get_set(user, pk)
    units = selectors.appealable_units(user, rs)
    if not units:
        raise NotFound(_("Results not found."))
    initial = {"unit": units[0].pk} if len(units) == 1 else {}
    form = AppealForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appeal = services.file_appeal(
                actor=user,
                result_set=rs,
                unit=data["unit"],
                reason=data["reason"],
                requested_change=data["requested_change"],
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        except DomainError as exc:
            flash_error(request, exc)
        else:
            messages.success(
                request,
                _("Appeal filed; the office decides by %(date)s.") % {"date": appeal.due_date},
            )
            return redirect("evaluation:appeal", appeal.pk)
    return render(request, "evaluation/appeal_form.html", {"form": form, "rs": rs})


@login_required
def appeals(request: HttpRequest) -> HttpResponse:
    user = request.user
    status = request.GET.get("status", "")
    rows = selectors.appeals_for(user)
    if status in Appeal.Status.values:
        rows = rows.filter(status=status)
    return render(
        request,
        "evaluation/appeals.html",
        {
            "appeals": list(rows[:300]),
            "status": status,
            "statuses": Appeal.Status.choices,
            "today": timezone.localdate(),
            "office": selectors.is_office(user),
        },
    )


@login_required
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    appeal = selectors.get_appeal(user, pk)
    office = selectors.is_office(user)
    form = None
    if office and appeal.is_open:
        form = DecisionForm(request.POST or None, initial={"version": appeal.version})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.decide_appeal(
                    actor=user,
                    appeal=appeal,
                    outcome=data["outcome"],
                    decision=data["decision"],
                    recompute=data["recompute"],
                    expected_version=data["version"],
                )
            except ValidationFailed as exc:
                apply_errors(form, exc)
            except DomainError as exc:
                flash_error(request, exc)
            else:
                messages.success(request, _("Decision recorded."))
                return redirect("evaluation:appeal", appeal.pk)
    result = appeal.result_set.units.filter(unit=appeal.unit).first()
    return render(
        request,
        "evaluation/appeal_detail.html",
        {
            "appeal": appeal,
            "form": form,
            "result": result,
            "office": office,
            "today": timezone.localdate(),
            "can_withdraw": appeal.is_open and policy.can(user, Action.APPEAL, appeal.unit),
        },
    )


@login_required
@require_POST
def appeal_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.get_appeal(request.user, pk)
    try:
        services.withdraw_appeal(actor=request.user, appeal=appeal)
    except DomainError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("Appeal withdrawn."))
    return redirect("evaluation:appeal", appeal.pk)
