"""Appeals (申诉): filed within the window after publication, decided within the deadline, in working days."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from govperf.audit.services import record, snapshot
from govperf.core.errors import (
    Conflict,
    ErrorDetail,
    ValidationFailed,
)
from govperf.core.notifications import notify
from govperf.evaluation import conf, workdays
from govperf.evaluation.models import (
    Appeal,
    ResultSet,
)
from govperf.evaluation.services.common import (
    Problems,
    check_version,
    office_people,
    require_office,
    touch,
    unit_people,
)
from govperf.evaluation.services.results import start_computation
from govperf.orgs import policy
from govperf.orgs.models import Person, Unit
from govperf.orgs.policy import Action

# --- appeals ---------------------------------------------------------------------------------------


def _appeal_state(appeal: Appeal) -> dict[str, Any]:
    return snapshot(
        appeal,
        [
            "result_set",
            "unit",
            "status",
            "reason",
            "requested_change",
            "due_date",
            "decision",
            "recomputed",
        ],
    )


def file_appeal(
    *,
    actor: Person,
    result_set: ResultSet,
    unit: Unit,
    reason: str,
    requested_change: str = "",
    today: dt.date | None = None,
) -> Appeal:
    """A unit appeals its published result within the window (working days); the office's
    decision is due ``decision_days`` working days after ``today``."""
    policy.require(actor, Action.APPEAL, unit)
    p = Problems()
    reason = p.text(reason, "reason", max_length=5000, required=True)
    requested_change = p.text(requested_change, "requested_change", max_length=5000)
    p.raise_if_any(_("The appeal could not be filed."))
    settings_row = conf.office_settings()
    today = today or timezone.localdate()
    try:
        with transaction.atomic():
            rs = (
                ResultSet.objects.select_for_update(of=("self",))
                .select_related("round")
                .get(pk=result_set.pk)
            )
            if rs.status != ResultSet.Status.PUBLISHED:
                raise Conflict(_("Only published results can be appealed."), code="invalid_state")
            if rs.appeal_until is None or today > rs.appeal_until:
                raise Conflict(
                    _("The appeal window closed on %(date)s.") % {"date": rs.appeal_until},
                    code="window_closed",
                )
            if not rs.units.filter(unit=unit).exists():
                raise ValidationFailed(
                    _("The appeal could not be filed."),
                    [ErrorDetail(field="unit", message=_("The unit is not in these results."))],
                )
            appeal = Appeal.objects.create(
                result_set=rs,
                round=rs.round,
                unit=unit,
                reason=reason,
                requested_change=requested_change,
                filed_by=actor,
                due_date=workdays.add_workdays(today, settings_row.decision_days),
            )
            record(
                action="evaluation.appeal.file",
                actor=actor,
                obj=appeal,
                after=_appeal_state(appeal),
            )
            notify(
                office_people(),
                _("%(unit)s appealed its result in %(round)s; decide by %(date)s.")
                % {"unit": unit.name, "round": rs.round.name, "date": appeal.due_date.isoformat()},
                url=reverse("evaluation:appeal", args=[appeal.pk]),
                kind="evaluation.appeal",
            )
    except IntegrityError as exc:
        raise Conflict(_("This unit already has an appeal waiting for a decision.")) from exc
    return appeal


DECISIONS = (Appeal.Status.UPHELD, Appeal.Status.PARTLY_UPHELD, Appeal.Status.REJECTED)


def decide_appeal(
    *,
    actor: Person,
    appeal: Appeal,
    outcome: str,
    decision: str,
    recompute: bool = False,
    expected_version: int | None = None,
) -> Appeal:
    """The office's decision. With ``recompute`` (after correcting the inputs) a new
    result set is computed; the appeal points to it."""
    require_office(actor)
    p = Problems()
    if outcome not in DECISIONS:
        p.add("outcome", _("Upheld, partly upheld or rejected."), outcome)
    decision = p.text(decision, "decision", max_length=5000, required=True)
    if recompute and outcome == Appeal.Status.REJECTED:
        p.add("recompute", _("A rejected appeal changes no result."))
    p.raise_if_any(_("The decision could not be saved."))
    with transaction.atomic():
        appeal = (
            Appeal.objects.select_for_update(of=("self",))
            .select_related("round", "unit")
            .get(pk=appeal.pk)
        )
        if not appeal.is_open:
            raise Conflict(_("This appeal was decided already."), code="invalid_state")
        check_version(appeal, expected_version, _("The appeal"))
        before = _appeal_state(appeal)
        appeal.status = outcome
        appeal.decision = decision
        appeal.decided_by = actor
        appeal.decided_at = timezone.now()
        touch(appeal, "status", "decision", "decided_by", "decided_at")
        record(
            action="evaluation.appeal.decide",
            actor=actor,
            obj=appeal,
            before=before,
            after=_appeal_state(appeal),
        )
        notify(
            unit_people([appeal.unit_id]),
            _("Your appeal about %(round)s was decided: %(outcome)s.")
            % {"round": appeal.round.name, "outcome": appeal.get_status_display()},
            url=reverse("evaluation:appeal", args=[appeal.pk]),
            kind="evaluation.appeal",
        )
        if recompute:
            start_computation(
                actor=actor,
                round_=appeal.round,
                reason=_("Appeal #%(n)s") % {"n": appeal.pk},
                appeal=appeal,
            )
    return appeal


def withdraw_appeal(*, actor: Person, appeal: Appeal) -> Appeal:
    policy.require(actor, Action.APPEAL, appeal.unit)
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if not appeal.is_open:
            raise Conflict(_("This appeal was decided already."), code="invalid_state")
        before = _appeal_state(appeal)
        appeal.status = Appeal.Status.WITHDRAWN
        touch(appeal, "status")
        record(
            action="evaluation.appeal.withdraw",
            actor=actor,
            obj=appeal,
            before=before,
            after=_appeal_state(appeal),
        )
    return appeal
