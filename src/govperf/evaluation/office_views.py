"""The office's presets for evaluation and the working-day corrections."""

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
from govperf.evaluation import conf, services, workdays
from govperf.evaluation.forms import SettingsForm, WorkdayForm
from govperf.evaluation.models import WorkdayCorrection


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    services.require_office(user)
    row = conf.office_settings()
    form = SettingsForm(
        request.POST if request.POST.get("form") == "settings" else None,
        initial={
            "version": row.version,
            **{name: getattr(row, name) for name in services.SETTINGS_FIELDS},
        },
    )
    day_form = WorkdayForm(request.POST if request.POST.get("form") == "workday" else None)
    if request.method == "POST":
        if request.POST.get("form") == "settings" and form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                services.update_settings(actor=user, expected_version=version, **data)
            except ValidationFailed as exc:
                apply_errors(form, exc)
            except DomainError as exc:
                flash_error(request, exc)
            else:
                messages.success(request, _("Settings saved."))
                return redirect("evaluation:settings")
        elif request.POST.get("form") == "workday" and day_form.is_valid():
            data = day_form.cleaned_data
            try:
                services.save_workday(
                    actor=user, date=data["date"], is_workday=data["is_workday"], note=data["note"]
                )
            except ValidationFailed as exc:
                apply_errors(day_form, exc)
            else:
                messages.success(request, _("Correction saved."))
                return redirect("evaluation:settings")
    today = timezone.localdate()
    year = (
        int(request.GET.get("year", today.year))
        if str(request.GET.get("year", "")).isdigit()
        else today.year
    )
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    calendar = workdays.Calendar.load(start, end)
    context = {
        "form": form,
        "day_form": day_form,
        "corrections": list(WorkdayCorrection.objects.filter(date__range=(start, end))),
        "year": year,
        "years": [year - 1, year, year + 1],
        "workdays_in_year": calendar.between(start - dt.timedelta(days=1), end),
        "example_until": workdays.add_workdays(today, row.appeal_days),
        "example_due": workdays.add_workdays(today, row.decision_days),
        "today": today,
        "row": row,
    }
    return render(request, "evaluation/settings.html", context)


@login_required
@require_POST
def workday_delete(request: HttpRequest, pk: int) -> HttpResponse:
    correction = WorkdayCorrection.objects.filter(pk=pk).first()
    if correction is None:
        raise NotFound(_("Correction not found."))
    try:
        services.delete_workday(actor=request.user, correction=correction)
    except DomainError as exc:
        flash_error(request, exc)
    return redirect("evaluation:settings")
