"""The performance office's pages: period locks, the correction queue, validation rules."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govperf.core.errors import Conflict, Forbidden, ValidationFailed
from govperf.core.forms import apply_errors
from govperf.data import selectors, services
from govperf.data.entry_views import flash_error
from govperf.data.forms import DecisionForm, LockForm, RuleForm, UnlockForm
from govperf.data.models import CorrectionRequest
from govperf.indicators.models import Indicator
from govperf.orgs import policy
from govperf.orgs.policy import Action


def _lockable_units(user):
    return policy.units(user, Action.LOCK_PERIOD).filter(is_active=True).order_by("path")


# --- locks ---------------------------------------------------------------------------------------


@login_required
def lock_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    policy.require(user, Action.LOCK_PERIOD)
    form = LockForm(request.POST or None, units=_lockable_units(user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lock = services.lock_period(
                actor=user, period=data["period"].strip(), unit=data["unit"], reason=data["reason"]
            )
        except (ValidationFailed, Conflict, Forbidden) as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(period)s locked: %(n)d approved values locked, %(m)d not approved.")
                % {"period": lock.period, "n": lock.locked_count, "m": lock.unapproved_count},
            )
            return redirect("data:locks")
    context = {
        "form": form,
        "locks": list(selectors.period_locks()[:200]),
        "unlock_form": UnlockForm(),
    }
    return render(request, "data/locks.html", context)


@login_required
@require_POST
def unlock(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    policy.require(user, Action.LOCK_PERIOD)
    lock = selectors.get_lock(user, pk)
    form = UnlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for lifting the lock."))
        return redirect("data:locks")
    try:
        services.unlock_period(actor=user, lock=lock, reason=form.cleaned_data["reason"])
    except (ValidationFailed, Conflict) as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("The lock of %(period)s was lifted.") % {"period": lock.period})
    return redirect("data:locks")


# --- corrections ---------------------------------------------------------------------------------


@login_required
def correction_queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    policy.require(user, Action.VIEW_DATA)
    status = request.GET.get("status", CorrectionRequest.Status.PENDING)
    status = status if status in CorrectionRequest.Status.values else ""
    requests = list(selectors.corrections(user, status=status or None)[:200])
    for r in requests:
        r.can_decide = r.status == CorrectionRequest.Status.PENDING and policy.can(
            user, Action.LOCK_PERIOD, r.data_value.unit
        )
        r.form = DecisionForm(initial={"version": r.version}, prefix=f"c{r.pk}")
    context = {"requests": requests, "status": status, "statuses": CorrectionRequest.Status.choices}
    return render(request, "data/corrections.html", context)


@login_required
@require_POST
def correction_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    found = selectors.get_correction(user, pk)
    if request.POST.get("withdraw"):
        try:
            services.withdraw_correction(actor=user, request=found)
        except (Conflict, Forbidden) as exc:
            flash_error(request, exc)
        else:
            messages.success(request, _("Request withdrawn."))
        return redirect("data:value", found.data_value_id)
    form = DecisionForm(request.POST, prefix=f"c{found.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("data:corrections")
    try:
        services.decide_correction(
            actor=user,
            request=found,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
            expected_version=form.cleaned_data.get("version"),
        )
    except (ValidationFailed, Conflict) as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("data:corrections")


# --- validation rules ------------------------------------------------------------------------------


def _indicators():
    return Indicator.objects.filter(is_active=True, current__isnull=False).select_related("current")


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    policy.require(user, Action.VIEW_DATA)
    context = {
        "rules": list(selectors.rules()),
        "can_manage": policy.unit_scope(user, Action.MANAGE_LIBRARY).everything,
    }
    return render(request, "data/rules.html", context)


@login_required
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    policy.require(user, Action.MANAGE_LIBRARY)
    rule = selectors.get_rule(pk) if pk is not None else None
    initial = RuleForm.initial_for(rule) if rule else {"severity": "block", "is_active": True}
    form = RuleForm(
        request.POST or None, initial=initial, indicators=_indicators(), editing=rule is not None
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {name: data[name] for name in ("name", "kind", "indicator", "severity", "message")}
        fields.update(params=form.params(), is_active=data["is_active"])
        try:
            if rule is None:
                saved = services.create_rule(actor=user, code=data["code"], **fields)
            else:
                saved = services.update_rule(
                    actor=user, rule=rule, expected_version=data.get("version"), **fields
                )
        except (ValidationFailed, Conflict) as exc:
            for d in exc.details:
                if d.field and d.field.startswith("params."):
                    d.field = d.field.split(".", 1)[1]
            apply_errors(form, exc)
        else:
            messages.success(request, _("Rule %(code)s saved.") % {"code": saved.code})
            return redirect("data:rules")
    return render(request, "data/rule_form.html", {"form": form, "rule": rule})


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    policy.require(request.user, Action.MANAGE_LIBRARY)
    rule = selectors.get_rule(pk)
    services.delete_rule(actor=request.user, rule=rule)
    messages.success(request, _("Rule %(code)s deleted.") % {"code": rule.code})
    return redirect("data:rules")
