"""Pages for units: the data home, the entry grid (with its cell check), approval, a value's
history with its evidence and corrections. The office's pages are in ``office_views``,
the quality screen in ``quality_views``."""

from __future__ import annotations

import numpy as np
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from govperf.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from govperf.core.forms import flash_error as core_flash_error
from govperf.data import locks, selectors, services, workflow
from govperf.data.batch import ValueBatch
from govperf.data.exchange import jobs
from govperf.data.forms import CommentForm, CorrectionForm, EvidenceForm
from govperf.data.models import CorrectionRequest, DataValue
from govperf.data.validation import validate_batch
from govperf.engine.periods import Period, PeriodKind
from govperf.orgs import policy
from govperf.orgs.policy import Action

KINDS = (
    (PeriodKind.MONTHLY, gettext_lazy("Monthly")),
    (PeriodKind.QUARTERLY, gettext_lazy("Quarterly")),
    (PeriodKind.YEARLY, gettext_lazy("Yearly")),
)


def flash_error(request: HttpRequest, exc: DomainError) -> None:
    # An import can be refused for thousands of rows: the first 20 say enough on a page.
    core_flash_error(request, exc, limit=20)


def _flash_form_errors(request: HttpRequest, form) -> None:
    for errors in form.errors.values():
        for e in errors:
            messages.error(request, e)


def _period(code: str) -> Period:
    try:
        return Period.parse(code)
    except ValueError:
        raise NotFound(_("Not a period code (e.g. 2026, 2026Q1, 202603).")) from None


# --- home ----------------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    policy.require(user, Action.VIEW_DATA)
    period = request.GET.get("period") or selectors.default_period()
    try:
        period = Period.parse(period).code
    except ValueError:
        period = selectors.default_period()
    units = list(selectors.enterable_units(user)[:200]) or list(selectors.planned_units(user)[:200])
    counts = selectors.status_counts(units, period)
    office = policy.unit_scope(user, Action.LOCK_PERIOD).everything
    context = {
        "period": period,
        "periods": selectors.entry_periods(PeriodKind.MONTHLY)
        + selectors.entry_periods(PeriodKind.QUARTERLY)[:4]
        + selectors.entry_periods(PeriodKind.YEARLY),
        "units": [(u, counts.get(u.pk, {})) for u in units],
        "queue": selectors.approval_queue(user),
        "can_approve": policy.can(user, Action.APPROVE_DATA),
        "is_office": office,
        "can_rules": policy.unit_scope(user, Action.MANAGE_LIBRARY).everything,
        "can_quality": policy.can(user, Action.VIEW_QUALITY),
        "can_import": jobs.may_import(user),
        "can_exchange": policy.can(user, Action.IMPORT_DATA),
        "pending_corrections": selectors.corrections(
            user, status=CorrectionRequest.Status.PENDING
        ).count()
        if office
        else 0,
        "statuses": DataValue.Status.choices,
    }
    return render(request, "data/home.html", context)


# --- the entry grid ------------------------------------------------------------------------------


def _grid_context(request: HttpRequest, unit, period: Period, **extra) -> dict:
    user = request.user
    grid = selectors.entry_grid(unit, period)
    can_enter = policy.can(user, Action.ENTER_DATA, unit)
    try:
        prev_code, next_code = period.prev().code, period.next().code
    except ValueError:
        prev_code = next_code = ""
    posted = extra.pop("posted", {})
    errors = extra.pop("errors", {})
    for row in grid.rows:
        row.posted = posted.get(row.indicator.pk)
        row.errors = errors.get(row.indicator.pk, [])
    return {
        "unit": unit,
        "period": period,
        "grid": grid,
        "counts": grid.counts(),
        "can_enter": can_enter and grid.lock is None,
        "can_approve": policy.can(user, Action.APPROVE_DATA, unit),
        "prev": prev_code,
        "next": next_code,
        "kinds": KINDS,
        "kind": str(period.kind),
        "kind_periods": {
            str(k): selectors.entry_periods(k)[1 if k == PeriodKind.MONTHLY else 0]
            for k, _l in KINDS
        },
        "editable": any(r.editable for r in grid.rows) and can_enter,
        **extra,
    }


@login_required
def entry(request: HttpRequest, unit_pk: int, period: str) -> HttpResponse:
    """The grid of one unit and period; POST saves the edited cells as draft."""
    user = request.user
    unit = selectors.get_unit(user, unit_pk, Action.VIEW_DATA)
    p = _period(period)
    if request.method != "POST":
        return render(request, "data/entry.html", _grid_context(request, unit, p))
    grid = selectors.entry_grid(unit, p)
    entries, posted = [], {}
    for row in grid.rows:
        if not row.editable:
            continue
        name = f"v-{row.indicator.pk}"
        if name not in request.POST:
            continue
        raw = request.POST.get(name, "").strip()
        posted[row.indicator.pk] = raw
        level = raw if row.levels else ""
        value = "" if row.levels else raw
        if raw == row.shown:
            continue  # unchanged: not written, so not bumped in version
        version = request.POST.get(f"ver-{row.indicator.pk}", "")
        entries.append(
            services.Entry(
                indicator_id=row.indicator.pk,
                value=value,
                level=level,
                version=int(version) if version.isdigit() else None,
            )
        )
    if not entries:
        messages.info(request, _("Nothing changed."))
        return redirect("data:entry", unit.pk, p.code)
    try:
        result = services.save_draft(actor=user, unit=unit, period=p.code, entries=entries)
    except (ValidationFailed, Conflict) as exc:
        errors: dict[int, list[str]] = {}
        general = [exc.message]
        for d in exc.details:
            if d.row is not None and 1 <= d.row <= len(entries):
                errors.setdefault(entries[d.row - 1].indicator_id, []).append(d.message)
            else:
                general.append(d.message)
        context = _grid_context(request, unit, p, posted=posted, errors=errors)
        context["general"] = general
        return render(request, "data/entry.html", context, status=exc.status)
    messages.success(
        request,
        _("Saved as draft: %(n)d values (%(created)d new, %(updated)d changed).")
        % {"n": result.rows, "created": result.created, "updated": result.updated},
    )
    for w in result.warnings[:20]:
        messages.warning(request, w.message)
    return redirect("data:entry", unit.pk, p.code)


@login_required
@require_POST
def check_cell(request: HttpRequest, unit_pk: int, period: str) -> HttpResponse:
    """htmx: the rules on one cell as the user leaves it; errors and warnings inline."""
    user = request.user
    unit = selectors.get_unit(user, unit_pk, Action.ENTER_DATA)
    p = _period(period)
    # The cell that was left: htmx names it; a plain post sends just the one cell.
    name = request.headers.get("HX-Trigger-Name", "")
    if not name.startswith("v-") or name not in request.POST:
        name = next((k for k in request.POST if k.startswith("v-")), "")
    indicator_id = name[2:]
    grid = selectors.entry_grid(unit, p)
    row = next((r for r in grid.rows if str(r.indicator.pk) == indicator_id), None)
    if row is None:
        raise NotFound(_("This indicator is not in the unit's grid for the period."))
    raw = request.POST.get(name, "").strip()
    errors: list[str] = []
    warnings: list[str] = []
    value = ""
    if row.levels:
        if raw and raw not in row.levels:
            errors.append(_("Not a level of this indicator's rubric."))
    else:
        try:
            number = services.clean_number(raw)
            value = "" if number is None else format(number, "f")
        except ValueError as exc:
            errors.append(str(exc))
    if not errors:
        report = validate_batch(
            ValueBatch(
                indicator_ids=np.asarray([row.indicator.pk], dtype=np.int64),
                unit_ids=np.asarray([unit.pk], dtype=np.int64),
                periods=[p.code],
                values=[value],
                levels=[raw if row.levels else ""],
            )
        )
        errors += [e.message for e in report.errors]
        warnings += [w.message for w in report.warnings]
    return render(
        request,
        "data/entry.html#feedback",
        {"row": row, "errors": errors, "warnings": warnings, "checked": True},
    )


@login_required
@require_POST
def entry_act(request: HttpRequest, unit_pk: int, period: str, verb: str) -> HttpResponse:
    """Submit the unit's drafts (from the grid), or approve / return / reopen them."""
    user = request.user
    if verb not in workflow.VERBS or verb in ("lock", "unlock"):
        raise NotFound(_("Unknown step."))
    unit = selectors.get_unit(user, unit_pk, Action.VIEW_DATA)
    p = _period(period)
    form = CommentForm(request.POST)
    comment = form.data.get("comment", "")
    ids = [int(x) for x in request.POST.getlist("values") if x.isdigit()] or None
    target = request.POST.get("next") == "approval"
    try:
        if verb == "submit":
            moved = services.submit_values(actor=user, unit=unit, period=p.code, comment=comment)
        elif verb == "approve":
            moved = services.approve_values(actor=user, unit=unit, period=p.code, value_ids=ids)
        elif verb == "return":
            moved = services.return_values(
                actor=user, unit=unit, period=p.code, comment=comment, value_ids=ids
            )
        else:
            moved = services.reopen_values(
                actor=user, unit=unit, period=p.code, comment=comment, value_ids=ids
            )
    except (ValidationFailed, Conflict) as exc:
        flash_error(request, exc)
    else:
        messages.success(
            request,
            _("%(n)d values %(verb)s.") % {"n": len(moved), "verb": workflow.VERB_LABELS[verb]},
        )
    if target:
        return redirect("data:approval", unit.pk, p.code)
    return redirect("data:entry", unit.pk, p.code)


# --- approval ------------------------------------------------------------------------------------


@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    user = request.user
    policy.require(user, Action.APPROVE_DATA)
    return render(request, "data/approvals.html", {"queue": selectors.approval_queue(user)})


@login_required
def approval(request: HttpRequest, unit_pk: int, period: str) -> HttpResponse:
    """The unit leader's page: submitted values with their checks, approve or return."""
    user = request.user
    unit = selectors.get_unit(user, unit_pk, Action.APPROVE_DATA)
    p = _period(period)
    values = list(selectors.submitted_values(unit, p.code))
    report = validate_batch(services.batch_of(values)) if values else None
    findings = {}
    if report is not None:
        for f in report.findings:
            findings.setdefault(values[f.position].pk, []).append(f)
    grid = {r.indicator.pk: r for r in selectors.entry_grid(unit, p).rows}
    rows = [
        {
            "value": v,
            "findings": findings.get(v.pk, []),
            "target": grid[v.indicator_id].target if v.indicator_id in grid else None,
            "last": grid[v.indicator_id].last if v.indicator_id in grid else None,
        }
        for v in values
    ]
    context = {
        "unit": unit,
        "period": p,
        "rows": rows,
        "submitted": sum(1 for v in values if v.status == DataValue.Status.SUBMITTED),
        "approved": sum(1 for v in values if v.status == DataValue.Status.APPROVED),
        "lock": locks.covering_lock(unit, p.code),
        "comment_form": CommentForm(),
    }
    return render(request, "data/approval.html", context)


# --- one value -----------------------------------------------------------------------------------


def _levels(value: DataValue) -> list[str]:
    version = value.indicator.current
    rubric = version.rubric if version is not None else None
    return [level["name"] for level in (rubric.levels if rubric else [])]


@login_required
def value_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    value = selectors.get_value(user, pk)
    levels = _levels(value)
    can_enter = policy.can(user, Action.ENTER_DATA, value.unit)
    lock = locks.covering_lock(value.unit, value.period)
    locked = value.status == DataValue.Status.LOCKED or lock is not None
    context = {
        "value": value,
        "changes": list(selectors.history(value)[:200]),
        "evidence": list(selectors.evidence(value)),
        "corrections": list(value.corrections.select_related("requested_by", "decided_by")),
        "can_upload": can_enter and value.status != DataValue.Status.LOCKED,
        "can_delete_evidence": can_enter and value.status in workflow.WRITABLE,
        "evidence_form": EvidenceForm(),
        "can_correct": can_enter
        and locked
        and value.source != DataValue.Source.FORMULA
        and not value.corrections.filter(status=CorrectionRequest.Status.PENDING).exists(),
        "correction_form": CorrectionForm(levels=levels),
        "lock": lock,
        "shown": value.level or selectors.number(value.value),
    }
    return render(request, "data/value.html", context)


@login_required
@require_POST
def evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    value = selectors.get_value(user, pk, Action.ENTER_DATA)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        _flash_form_errors(request, form)
        return redirect("data:value", value.pk)
    try:
        services.add_evidence(
            actor=user,
            data_value=value,
            upload=form.cleaned_data["file"],
            description=form.cleaned_data["description"],
        )
    except (ValidationFailed, Conflict) as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("File attached."))
    return redirect("data:value", value.pk)


@login_required
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Streams the file to those who may see its value; the file has no public URL."""
    found = selectors.get_evidence(request.user, pk)
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.name,
        content_type=found.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_evidence(request.user, pk)
    try:
        services.delete_evidence(actor=request.user, evidence=found)
    except Conflict as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("File removed."))
    return redirect("data:value", found.data_value_id)


@login_required
@require_POST
def correction_request(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    value = selectors.get_value(user, pk, Action.ENTER_DATA)
    levels = _levels(value)
    form = CorrectionForm(request.POST, levels=levels)
    if not form.is_valid():
        _flash_form_errors(request, form)
        return redirect("data:value", value.pk)
    try:
        services.request_correction(
            actor=user,
            data_value=value,
            new_value=form.cleaned_data.get("new_value", ""),
            new_level=form.cleaned_data.get("new_level", ""),
            reason=form.cleaned_data["reason"],
        )
    except (ValidationFailed, Conflict) as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("Correction requested; the performance office will decide."))
    return redirect("data:value", value.pk)
