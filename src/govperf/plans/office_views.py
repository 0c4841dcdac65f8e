"""The office's pages for plans: cycles and the checker's settings; Excel import and export."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govperf.core.errors import Conflict, NotFound, ValidationFailed
from govperf.core.forms import apply_errors
from govperf.core.http import XLSX, attachment
from govperf.orgs import policy
from govperf.orgs.policy import Action
from govperf.plans import checker, importing, selectors, services
from govperf.plans.forms import CycleForm, ImportForm
from govperf.plans.models import CheckerSetting


@login_required
def cycles(request: HttpRequest) -> HttpResponse:
    user = request.user
    policy.require(user, Action.VIEW_PLANS)
    can_manage = policy.unit_scope(user, Action.MANAGE_GOALS).everything
    form = CycleForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if form is None:
            policy.require(user, Action.MANAGE_GOALS)
            raise NotFound(_("Not found."))
        if form.is_valid():
            try:
                services.create_cycle(actor=user, **form.cleaned_data)
            except ValidationFailed as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Cycle created."))
                return redirect("plans:cycles")
    return render(request, "plans/cycles.html", {"cycles": selectors.cycles(), "form": form})


@login_required
def checker_settings(request: HttpRequest) -> HttpResponse:
    """Which findings block submission and which only warn (the office's choice)."""
    user = request.user
    policy.require(user, Action.VIEW_PLANS)
    can_manage = policy.unit_scope(user, Action.REVIEW_PLAN).everything
    rows = [
        {"rule": checker.RULES[code], "setting": setting}
        for code, setting in checker.settings().items()
    ]
    return render(
        request,
        "plans/checker.html",
        {"rows": rows, "can_manage": can_manage, "modes": CheckerSetting.Mode.choices},
    )


def _param_value(raw: str, default):
    if isinstance(default, bool):
        return raw in ("on", "1", "true")
    if isinstance(default, int | float):
        try:
            number = float(raw)
        except ValueError:
            return raw
        return int(number) if number.is_integer() else number
    return raw


@login_required
@require_POST
def checker_setting_save(request: HttpRequest, code: str) -> HttpResponse:
    rule = checker.RULES.get(code)
    if rule is None:
        raise NotFound(_("Unknown checker rule."))
    params = {
        key: _param_value(request.POST.get(f"param-{key}", ""), default)
        for key, default in rule.default_params.items()
    }
    version = request.POST.get("version", "")
    try:
        services.update_checker_setting(
            actor=request.user,
            code=code,
            mode=request.POST.get("mode", ""),
            params=params,
            expected_version=int(version) if version.isdigit() else None,
        )
    except (ValidationFailed, Conflict) as exc:
        messages.error(request, exc.message)
        for d in exc.details:
            messages.error(request, d.message)
    else:
        messages.success(request, _("Setting saved: %(rule)s.") % {"rule": rule.label})
    return redirect("plans:checker")


# --- import and export -------------------------------------------------------------------------

IMPORT_STASH_KEY = "plans_import_stash"


def _stash(request: HttpRequest, filename: str, data: bytes) -> str:
    """Keep a previewed file until it is confirmed, so the user does not upload it twice."""
    folder = settings.MEDIA_ROOT / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    stash_id = secrets.token_hex(16)
    (folder / stash_id).write_bytes(data)
    request.session[IMPORT_STASH_KEY] = {"id": stash_id, "filename": filename}
    return stash_id


def _take(request: HttpRequest, stash_id: str) -> tuple[str, bytes] | None:
    stash = request.session.get(IMPORT_STASH_KEY)
    if not stash or stash["id"] != stash_id:
        return None
    path = settings.MEDIA_ROOT / "imports" / stash["id"]
    if not path.exists():
        return None
    data = path.read_bytes()
    path.unlink()
    del request.session[IMPORT_STASH_KEY]
    return stash["filename"], data


@login_required
def import_view(request: HttpRequest) -> HttpResponse:
    """Upload → preview (nothing written) → confirm (all or nothing)."""
    user = request.user
    policy.require(user, Action.EDIT_PLAN)
    confirming = request.method == "POST" and "stash" in request.POST
    form = ImportForm(
        None if confirming else (request.POST or None),
        None if confirming else (request.FILES or None),
    )
    context: dict = {"form": form}
    try:
        if confirming:
            taken = _take(request, request.POST["stash"])
            if taken is None:
                messages.error(request, _("The previewed file has expired; upload it again."))
                return redirect("plans:import")
            filename, data = taken
            plan = importing.plan_file(actor=user, data=data, filename=filename)
            context["imported"] = importing.apply_import(actor=user, plan=plan, filename=filename)
        elif request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            plan = importing.plan_file(actor=user, data=data, filename=upload.name)
            context["plan"] = plan
            if plan.ok:
                context["stash"] = _stash(request, upload.name, data)
    except ValidationFailed as exc:
        context["error"] = exc
    return render(request, "plans/import.html", context)


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Action.EDIT_PLAN)
    return attachment(importing.template_workbook(), XLSX, "govperf-plan-template.xlsx")


@login_required
def plan_export(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan(request.user, pk)
    filename = f"govperf-plan-{plan.unit.code}-{plan.cycle.code}.xlsx"
    return attachment(importing.export_plan(plan), XLSX, filename)
