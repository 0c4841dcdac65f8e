"""The office's presets, the working-day calendar, and the reminders the worker sends."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from govperf.audit.services import record, snapshot
from govperf.core.errors import (
    ErrorDetail,
    ValidationFailed,
)
from govperf.core.notifications import notify
from govperf.evaluation import conf
from govperf.evaluation.models import (
    Appeal,
    EvaluationSettings,
    Round,
    ScoringTask,
    WorkdayCorrection,
)
from govperf.evaluation.services.common import (
    SCORE_PLACES,
    Problems,
    check_version,
    office_people,
    require_office,
    touch,
)
from govperf.orgs.models import Person

# --- the office's presets and the calendar ---------------------------------------------------------

SETTINGS_FIELDS = (
    "appeal_days",
    "decision_days",
    "comment_at_or_above",
    "comment_below",
    "reminder_days",
    "value_statuses",
)


def update_settings(
    *, actor: Person, expected_version: int | None = None, **changes: Any
) -> EvaluationSettings:
    require_office(actor)
    p = Problems()
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in SETTINGS_FIELDS:
            p.add(name, _("Unknown setting."))
        elif name in ("appeal_days", "decision_days", "reminder_days"):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 60:
                p.add(name, _("A whole number from 0 to 60."), value)
            else:
                clean[name] = value
        elif name in ("comment_at_or_above", "comment_below"):
            number = p.number(value, name, places=SCORE_PLACES)
            if number is not None and not Decimal(0) <= number <= Decimal(100):
                p.add(name, _("A score from 0 to 100."), value)
            elif number is not None:
                clean[name] = number
        else:
            statuses = [s.strip() for s in str(value).split(",") if s.strip()]
            if not statuses or any(s not in conf.VALUE_STATUSES for s in statuses):
                p.add(
                    name, _("Statuses among: %(s)s.") % {"s": ", ".join(conf.VALUE_STATUSES)}, value
                )
            else:
                clean[name] = ",".join(dict.fromkeys(statuses))
    low = clean.get("comment_below")
    high = clean.get("comment_at_or_above")
    p.raise_if_any(_("The settings could not be saved."))
    conf.office_settings()
    with transaction.atomic():
        row = EvaluationSettings.objects.select_for_update().get(pk=1)
        check_version(row, expected_version, _("The settings"))
        low = low if low is not None else row.comment_below
        high = high if high is not None else row.comment_at_or_above
        if low > high:
            raise ValidationFailed(
                _("The settings could not be saved."),
                [
                    ErrorDetail(
                        field="comment_below",
                        message=_("The low mark cannot exceed the high mark."),
                    )
                ],
            )
        before = snapshot(row, SETTINGS_FIELDS)
        for name, value in clean.items():
            setattr(row, name, value)
        row.updated_by = actor
        touch(row, *clean, "updated_by")
        record(
            action="evaluation.settings",
            actor=actor,
            obj=row,
            before=before,
            after=snapshot(row, SETTINGS_FIELDS),
        )
    return row


def save_workday(
    *, actor: Person, date: dt.date, is_workday: bool, note: str = ""
) -> WorkdayCorrection:
    require_office(actor)
    p = Problems()
    note = p.text(note, "note", max_length=100)
    if not isinstance(date, dt.date):
        p.add("date", _("A date is required."))
    if not isinstance(is_workday, bool):
        p.add("is_workday", _("Working day or day off."))
    p.raise_if_any(_("The correction could not be saved."))
    with transaction.atomic():
        row, created = WorkdayCorrection.objects.update_or_create(
            date=date, defaults={"is_workday": is_workday, "note": note, "created_by": actor}
        )
        record(
            action="evaluation.workday",
            actor=actor,
            obj=row,
            after={
                "date": date.isoformat(),
                "is_workday": is_workday,
                "note": note,
                "created": created,
            },
        )
    return row


def delete_workday(*, actor: Person, correction: WorkdayCorrection) -> None:
    require_office(actor)
    with transaction.atomic():
        before = {"date": correction.date.isoformat(), "is_workday": correction.is_workday}
        pk = correction.pk
        correction.delete()
        record(
            action="evaluation.workday.delete",
            actor=actor,
            object_type="evaluation.workdaycorrection",
            object_id=pk,
            before=before,
        )


# --- reminders --------------------------------------------------------------------------------------


def send_task_reminders(today: dt.date | None = None) -> dict[str, int]:
    """Remind assignees of tasks due within ``reminder_days`` and of overdue tasks; each
    reminder once (claimed with a conditional update, so two workers send it once)."""
    today = today or timezone.localdate()
    days = conf.office_settings().reminder_days
    now = timezone.now()
    counts = {"due_soon": 0, "overdue": 0}
    url = reverse("evaluation:tasks")
    base = ScoringTask.objects.filter(
        status=ScoringTask.Status.PENDING, round__status=Round.Status.OPEN
    )
    soon = list(
        base.filter(
            reminded_at__isnull=True,
            deadline__gte=today,
            deadline__lte=today + dt.timedelta(days=days),
        ).values_list("pk", "evaluator_id", "deadline")
    )
    overdue = list(
        base.filter(overdue_notified_at__isnull=True, deadline__lt=today).values_list(
            "pk", "evaluator_id", "deadline"
        )
    )
    with transaction.atomic():
        for pk, person_id, deadline in soon:
            if ScoringTask.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now):
                counts["due_soon"] += 1
                notify(
                    [person_id],
                    _("A scoring task of yours is due on %(date)s.")
                    % {"date": deadline.isoformat()},
                    url=url,
                    kind="evaluation.reminder",
                )
        office = list(office_people().values_list("pk", flat=True))
        for pk, person_id, deadline in overdue:
            if ScoringTask.objects.filter(pk=pk, overdue_notified_at__isnull=True).update(
                overdue_notified_at=now
            ):
                counts["overdue"] += 1
                notify(
                    [person_id],
                    _("A scoring task of yours was due on %(date)s and is overdue.")
                    % {"date": deadline.isoformat()},
                    url=url,
                    kind="evaluation.overdue",
                )
        if counts["overdue"]:
            notify(
                office,
                _("%(n)d scoring tasks became overdue.") % {"n": counts["overdue"]},
                url=reverse("evaluation:home"),
                kind="evaluation.overdue",
            )
    return counts


def flag_overdue_appeals(today: dt.date | None = None) -> int:
    """Tell the office, once per appeal, that a decision is overdue."""
    today = today or timezone.localdate()
    now = timezone.now()
    count = 0
    with transaction.atomic():
        overdue = list(
            Appeal.objects.filter(
                status=Appeal.Status.FILED, due_date__lt=today, overdue_notified_at__isnull=True
            ).select_related("unit", "round")
        )
        office = list(office_people()) if overdue else []
        for appeal in overdue:
            if Appeal.objects.filter(pk=appeal.pk, overdue_notified_at__isnull=True).update(
                overdue_notified_at=now
            ):
                count += 1
                notify(
                    office,
                    _("The decision on %(unit)s's appeal about %(round)s was due on %(date)s.")
                    % {
                        "unit": appeal.unit.name,
                        "round": appeal.round.name,
                        "date": appeal.due_date.isoformat(),
                    },
                    url=reverse("evaluation:appeal", args=[appeal.pk]),
                    kind="evaluation.appeal_overdue",
                )
    return count
