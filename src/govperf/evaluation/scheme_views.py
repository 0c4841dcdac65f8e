"""Scheme pages: the list, a scheme with its versions, the JSON editor with located errors,
the weighting tools (AHP, entropy, CRITIC, equal, expert average) and the sensitivity view."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govperf.core.errors import DomainError, ValidationFailed
from govperf.core.forms import apply_errors, flash_error
from govperf.evaluation import selectors, services, weights
from govperf.evaluation.forms import (
    AhpForm,
    ExpertForm,
    SchemeEditForm,
    SchemeForm,
    SensitivityForm,
)


@login_required
def scheme_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    selectors.require_reader(user)
    if request.method == "POST":
        try:
            created = services.load_presets(actor=user)
        except DomainError as exc:
            flash_error(request, exc)
        else:
            messages.success(
                request,
                _("%(n)d preset schemes loaded.") % {"n": len(created)}
                if created
                else _("The presets are loaded already."),
            )
        return redirect("evaluation:schemes")
    return render(
        request,
        "evaluation/schemes.html",
        {"schemes": list(selectors.schemes()), "office": selectors.is_office(user)},
    )


@login_required
def scheme_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    services.require_office(user)
    form = SchemeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            scheme = services.create_scheme(
                actor=user,
                code=data["code"],
                name=data["name"],
                description=data["description"],
                definition=data["definition"],
            )
        except ValidationFailed as exc:
            _definition_errors(form, exc)
        else:
            messages.success(request, _("Scheme created."))
            return redirect("evaluation:scheme", scheme.pk)
    return render(request, "evaluation/scheme_form.html", {"form": form, "scheme": None})


def _definition_errors(form, exc: ValidationFailed) -> None:
    """Errors located in the JSON go under the editor, each with its path."""
    for d in exc.details:
        if d.field and d.field.startswith("scheme"):
            form.add_error("definition", f"{d.field}: {d.message}")
        elif d.field in form.fields:
            form.add_error(d.field, d.message)
        else:
            form.add_error(None, d.message)


def _components(spec) -> list[dict]:
    rows = []
    for comp in spec.components:
        panel = spec.panel(comp.code)
        inds = [i for i in spec.indicators if i.component == comp.code]
        rows.append({"comp": comp, "panel": panel, "indicators": inds})
    return rows


@login_required
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    selectors.require_reader(user)
    scheme = selectors.get_scheme(pk)
    number = request.GET.get("v")
    version = selectors.get_version(scheme, number) if number else scheme.current
    spec = None
    problem = None
    if version is not None:
        try:
            spec = selectors.spec_of(version.definition)
        except ValidationFailed as exc:  # the library changed under an old version
            problem = exc
    office = selectors.is_office(user)
    sets = selectors.scheme_sets(user, scheme)
    context = {
        "scheme": scheme,
        "version": version,
        "versions": selectors.versions(scheme),
        "spec": spec,
        "problem": problem,
        "components": _components(spec) if spec else [],
        "definition": json.dumps(version.definition, ensure_ascii=False, indent=2)
        if version
        else "",
        "office": office,
        "in_use": version is not None and selectors.version_in_use(version),
        "is_current": version is not None and version.pk == scheme.current_id,
        "ahp_form": AhpForm(),
        "expert_form": ExpertForm(),
        "sensitivity_form": SensitivityForm(sets=sets, initial={"spread": 10})
        if sets.exists()
        else None,
        "targets": _targets(spec) if spec else [],
    }
    return render(request, "evaluation/scheme_detail.html", context)


def _targets(spec) -> list[dict]:
    """What the weighting tools can weigh: the components, and each indicator component."""
    out = [
        {
            "value": "",
            "label": _("Components"),
            "codes": [c.code for c in spec.components],
            "labels": [c.label for c in spec.components],
        }
    ]
    for comp in spec.components:
        inds = [i for i in spec.indicators if i.component == comp.code]
        if len(inds) > 1:
            out.append(
                {
                    "value": comp.code,
                    "label": _("Indicators of %(c)s") % {"c": comp.label},
                    "codes": [i.code for i in inds],
                    "labels": [i.label for i in inds],
                    "lower": [i.code for i in inds if i.kind in ("lower_better", "deduction")],
                }
            )
    return out


@login_required
def scheme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    services.require_office(user)
    scheme = selectors.get_scheme(pk)
    current = scheme.current
    form = SchemeEditForm(
        request.POST or None,
        initial={
            "version": scheme.version,
            "name": scheme.name,
            "description": scheme.description,
            "definition": json.dumps(current.definition, ensure_ascii=False, indent=2)
            if current
            else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_scheme(
                actor=user,
                scheme=scheme,
                expected_version=data["version"],
                name=data["name"],
                description=data["description"],
                definition=data["definition"],
                change_note=data["change_note"],
            )
        except ValidationFailed as exc:
            _definition_errors(form, exc)
        except DomainError as exc:
            flash_error(request, exc)
        else:
            messages.success(request, _("Scheme saved."))
            return redirect("evaluation:scheme", scheme.pk)
    in_use = current is not None and selectors.version_in_use(current)
    return render(
        request,
        "evaluation/scheme_form.html",
        {"form": form, "scheme": scheme, "in_use": in_use},
    )


@login_required
@require_POST
def scheme_weights(request: HttpRequest, pk: int, method: str) -> HttpResponse:
    """Run a weighting tool; the answer is a fragment with the weights and a button to apply."""
    user = request.user
    services.require_office(user)
    scheme = selectors.get_scheme(pk)
    spec = selectors.spec_of(scheme.current.definition)
    target_value = request.POST.get("target", "")
    target = next((t for t in _targets(spec) if t["value"] == target_value), None)
    result = None
    error = None
    if target is None:
        error = ValidationFailed(_("Choose what to weigh."))
    else:
        try:
            matrix = vectors = None
            if method == "ahp" and (form := AhpForm(request.POST)).is_valid():
                matrix = weights.parse_matrix(form.cleaned_data["matrix"])
            if method == "expert" and (form := ExpertForm(request.POST)).is_valid():
                vectors = weights.parse_matrix(form.cleaned_data["vectors"])
            result = weights.by_method(
                method,
                scheme,
                target["codes"],
                target.get("lower", []),
                of_component=bool(target["value"]),
                matrix=matrix,
                vectors=vectors,
            )
        except ValidationFailed as exc:
            error = exc
    context = {
        "scheme": scheme,
        "target": target,
        "result": result,
        "rows": list(zip(target["codes"], target["labels"], result.points, strict=True))
        if result and target
        else [],
        "error": error,
        "method": method,
    }
    template = "evaluation/_weights_result.html" if request.htmx else "evaluation/weights_page.html"
    return render(request, template, context)


@login_required
@require_POST
def scheme_apply_weights(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    scheme = selectors.get_scheme(pk)
    target = request.POST.get("target", "") or None
    codes = request.POST.getlist("code")
    values = request.POST.getlist("weight")
    try:
        given = {c: float(v) for c, v in zip(codes, values, strict=True)}
        services.set_component_weights(
            actor=user,
            scheme=scheme,
            expected_version=int(request.POST.get("version") or scheme.version),
            component=target,
            weights=given,
            note=request.POST.get("note", "")[:200],
        )
    except (ValueError, TypeError):
        messages.error(request, _("The weights are not numbers."))
    except DomainError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("Weights applied."))
    return redirect("evaluation:scheme", scheme.pk)


@login_required
def scheme_sensitivity(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    selectors.require_reader(user)
    scheme = selectors.get_scheme(pk)
    sets = selectors.scheme_sets(user, scheme)
    latest = sets.first()
    # The latest results at ±10 % unless the user chose otherwise: the page shows something.
    data = request.GET or ({"result_set": latest.pk, "spread": 10} if latest else None)
    form = SensitivityForm(data, sets=sets)
    rows, chart = [], None
    if form.is_valid():
        rs = form.cleaned_data["result_set"]
        spread = form.cleaned_data["spread"] / 100
        try:
            rows = weights.sensitivity(rs, spread=spread)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        chart = _interval_chart(rows[:60]) if rows else None
    return render(
        request,
        "evaluation/sensitivity.html",
        {
            "scheme": scheme,
            "form": form,
            "rows": rows,
            "chart": chart,
            "chart_rows": min(len(rows), 60),
            "group_names": selectors.group_names(),
        },
    )


def _interval_chart(rows) -> dict:
    """Each unit's rank interval as a bar from its best to its worst rank, base rank marked."""
    names = [f"{r.name}" for r in rows]
    return {
        "grid": {"left": 150, "right": 20, "top": 30, "bottom": 30},
        "legend": {"type": "scroll", "top": 0, "data": [_("rank interval"), _("rank")]},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "value", "minInterval": 1, "inverse": False},
        "yAxis": {"type": "category", "inverse": True, "data": names},
        "series": [
            {
                "type": "bar",
                "stack": "r",
                "silent": True,
                "itemStyle": {"color": "transparent"},
                "data": [r.low - 0.5 for r in rows],
            },
            {
                "name": _("rank interval"),
                "type": "bar",
                "stack": "r",
                "data": [r.width + 1 for r in rows],
            },
            {
                "name": _("rank"),
                "type": "scatter",
                "data": [[r.base, i] for i, r in enumerate(rows)],
            },
        ],
    }
