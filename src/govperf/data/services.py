"""Writes of the data app: entry, the status workflow, locks, corrections, rules, evidence.

One function per step, keyword-only with ``actor`` first, one transaction each.
Every value write goes through ``data.writer.write_batch`` (permission, locks,
status, validation rules, history, audit, formula recomputation); the workflow
steps here move statuses by the table in ``data.workflow``, lock the rows they
move in primary-key order, keep a ``DataValueChange`` per value, record one
audit entry per step (last) and notify the people concerned on commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from govperf.audit.services import record, snapshot
from govperf.core.errors import Conflict, ErrorDetail, Forbidden, ValidationFailed
from govperf.core.notifications import notify
from govperf.core.validation import CONTROL_RE
from govperf.data import conf, locks, validation, workflow
from govperf.data.batch import ValueBatch
from govperf.data.models import (
    CorrectionRequest,
    DataValue,
    DataValueChange,
    EvidenceFile,
    PeriodLock,
    QualityRun,
    ValidationRule,
)
from govperf.engine.periods import Period
from govperf.indicators.models import Indicator
from govperf.orgs import policy
from govperf.orgs.models import Person, Unit
from govperf.orgs.policy import Action
from govperf.orgs.roles import Role
from govperf.orgs.selectors import office_people

S = DataValue.Status
RULE_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# NUMERIC(24, 6): eighteen digits before the point.
VALUE_LIMIT = Decimal("1e18")


# --- helpers -----------------------------------------------------------------------------------


def parse_period(code: Any, field: str = "period") -> Period:
    try:
        return Period.parse(str(code or "").strip())
    except (TypeError, ValueError):
        raise ValidationFailed(
            _("Not a period code (e.g. 2026, 2026Q1, 202603)."),
            [ErrorDetail(field=field, value=code, message=_("Not a period code."))],
        ) from None


def clean_number(raw: Any) -> Decimal | None:
    """A value as typed: "" is no value; anything else must be a decimal within range.

    Raises ``ValueError`` with a translated message when it is not.
    """
    if raw is None:
        return None
    text = str(raw).strip().replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("Not a number.")) from None
    if not number.is_finite() or abs(number) >= VALUE_LIMIT:
        raise ValueError(_("Not a number within the allowed range."))
    if number.as_tuple().exponent < -6 and number != number.quantize(Decimal("0.000001")):
        raise ValueError(_("At most 6 decimal places."))
    return number


def _text(value: Any, field: str, *, max_length: int, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if CONTROL_RE.search(text):
        raise ValidationFailed(
            _("Remove the control characters from this text."),
            [ErrorDetail(field=field, message=_("Remove the control characters from this text."))],
        )
    if required and not text:
        raise ValidationFailed(
            _("A reason is required.") if field == "reason" else _("This is required."),
            [ErrorDetail(field=field, message=_("This is required."))],
        )
    if len(text) > max_length:
        raise ValidationFailed(
            _("At most %(n)d characters.") % {"n": max_length},
            [ErrorDetail(field=field, message=_("At most %(n)d characters.") % {"n": max_length})],
        )
    return text


def _write(batch: ValueBatch, *, actor: Person, source: str, batch_id: str = "", reason: str = ""):
    """Write through the one writer; a refusal becomes the domain error (nothing written)."""
    # Imported when used: the writer imports this app's validation and formulas in turn.
    from govperf.data.writer import write_batch

    result = write_batch(batch, actor=actor, source=source, batch_id=batch_id, reason=reason)
    result.raise_for_errors()
    return result


def push_values(*, actor: Person, batch: ValueBatch, batch_id: str = ""):
    """Values pushed by a department's system through the API (all or nothing)."""
    policy.require(actor, Action.ENTER_DATA)
    return _write(batch, actor=actor, source=DataValue.Source.API, batch_id=batch_id)


def _people(unit_ids: Iterable[int], roles: Sequence[str]) -> QuerySet[Person]:
    return Person.objects.filter(
        is_active=True, memberships__unit_id__in=list(unit_ids), memberships__role__in=roles
    ).distinct()


def approvers(unit: Unit) -> QuerySet[Person]:
    """Unit leaders of the unit or of a unit above it: they approve its values."""
    return _people([*unit.ancestor_ids(), unit.pk], [Role.UNIT_LEADER])


def entry_url(unit: Unit, period: str) -> str:
    return reverse("data:entry", args=[unit.pk, period])


# --- entry -------------------------------------------------------------------------------------


@dataclass
class Entry:
    """One cell of the entry form: a number as typed, or a rubric level."""

    indicator_id: int
    value: str = ""
    level: str = ""
    comment: str = ""
    version: int | None = None  # the version the editor saw; None for a value not stored yet


def save_draft(*, actor: Person, unit: Unit, period: str, entries: Sequence[Entry]):
    """Write the cells of one unit and period as draft values (through the writer).

    Refuses, naming each row, a value someone else changed since the form was
    opened (``version``) or one no longer a draft. Returns the writer's result.
    """
    policy.require(actor, Action.ENTER_DATA, unit)
    code = parse_period(period).code
    if not entries:
        raise ValidationFailed(_("Nothing to save."))
    details = []
    for n, entry in enumerate(entries, start=1):
        try:
            clean_number(entry.value)
        except ValueError as exc:
            details.append(ErrorDetail(row=n, column="value", value=entry.value, message=str(exc)))
    if details:
        raise ValidationFailed(_("Some values are not valid."), details)
    with transaction.atomic():
        stored = {
            v.indicator_id: v
            for v in DataValue.objects.select_for_update()
            .filter(
                unit=unit,
                period=code,
                category="",
                attribute="",
                indicator_id__in=[e.indicator_id for e in entries],
            )
            .order_by("pk")
        }
        conflicts = []
        for n, entry in enumerate(entries, start=1):
            current = stored.get(entry.indicator_id)
            if current is None:
                continue
            if entry.version is not None and current.version != entry.version:
                conflicts.append(
                    ErrorDetail(
                        row=n,
                        column="value",
                        value=entry.value,
                        message=_("Changed by someone else since you opened the form."),
                    )
                )
            elif current.status not in workflow.WRITABLE:
                conflicts.append(
                    ErrorDetail(
                        row=n,
                        column="value",
                        value=entry.value,
                        message=_("Already %(status)s; it can no longer be edited here.")
                        % {"status": current.get_status_display()},
                    )
                )
        if conflicts:
            raise Conflict(
                _("Some values were changed or moved on since you opened the form."),
                details=conflicts,
            )
        batch = ValueBatch(
            indicator_ids=np.asarray([e.indicator_id for e in entries], dtype=np.int64),
            unit_ids=np.full(len(entries), unit.pk, dtype=np.int64),
            periods=[code] * len(entries),
            values=[_decimal_text(e.value) for e in entries],
            levels=[e.level or "" for e in entries],
            comments=[e.comment or "" for e in entries],
            rows=list(range(1, len(entries) + 1)),
        )
        return _write(batch, actor=actor, source=DataValue.Source.FORM)


def _decimal_text(raw: str) -> str:
    number = clean_number(raw)
    return "" if number is None else format(number, "f")


# --- the status workflow -----------------------------------------------------------------------


def _scoped_values(unit: Unit, period: str, value_ids: Sequence[int] | None) -> QuerySet[DataValue]:
    qs = DataValue.objects.filter(unit=unit, period=period)
    if value_ids is not None:
        qs = qs.filter(pk__in=list(value_ids))
    return qs


def _move(
    *,
    actor: Person,
    verb: str,
    unit: Unit,
    period: str,
    value_ids: Sequence[int] | None = None,
    comment: str = "",
    check=None,
) -> list[DataValue]:
    """Move the values of ``unit`` × ``period`` (or those listed) by ``verb``, or refuse."""
    policy.require(actor, workflow.VERBS[verb], unit)
    code = parse_period(period).code
    comment = _text(comment, "comment", max_length=2000)
    lock = locks.covering_lock(unit, code)
    if lock is not None:
        raise Conflict(
            _("The period %(period)s is locked; values change only through a correction.")
            % {"period": lock.period},
            code="locked",
        )
    with transaction.atomic():
        rows = list(_scoped_values(unit, code, value_ids).select_for_update().order_by("pk"))
        sources = workflow.sources(verb)
        movable = [v for v in rows if v.status in sources]
        if value_ids is not None and len(movable) != len(set(value_ids)):
            stuck = [v for v in rows if v.status not in sources]
            raise Conflict(
                _("Some values are not in a state that allows this; reload the page."),
                code="invalid_state",
                details=[
                    ErrorDetail(
                        field="values",
                        value=v.pk,
                        message=_("This value is %(status)s.") % {"status": v.get_status_display()},
                    )
                    for v in stuck
                ]
                or [ErrorDetail(field="values", message=_("Unknown value."))],
            )
        if not movable:
            raise Conflict(
                _("There are no values to be %(verb)s for %(period)s.")
                % {"verb": workflow.VERB_LABELS[verb], "period": code},
                code="invalid_state",
            )
        if check is not None:
            check(movable)
        before = {"period": code, "status": sorted({v.status for v in movable})}
        _apply_status(movable, verb, actor=actor, reason=comment)
        record(
            action=f"data.{verb}",
            actor=actor,
            obj=unit,
            object_repr=f"{unit.name} · {code}",
            before=before,
            after={
                "period": code,
                "status": workflow.target(verb),
                "values": [v.pk for v in movable],
                "comment": comment,
            },
        )
    return movable


def status_change(
    value: DataValue, new_status: str, *, actor, reason: str, when: dt.datetime, batch: str = ""
) -> DataValueChange:
    """The history row of a move of ``value`` (not yet applied) to ``new_status``; its number
    and level stay as they are."""
    return DataValueChange(
        data_value=value,
        old_value=value.value,
        new_value=value.value,
        old_level=value.level,
        new_level=value.level,
        old_status=value.status,
        new_status=new_status,
        reason=reason,
        actor=actor,
        batch=batch,
        changed_at=when,
    )


def _apply_status(
    values: list[DataValue], verb: str, *, actor: Person, reason: str = "", batch: str = ""
) -> None:
    """Set the status of already locked rows and keep a change per value."""
    target = workflow.target(verb)
    now = timezone.now()
    history = []
    fields = ["status", "version", "updated_at"]
    for v in values:
        history.append(
            status_change(
                v,
                target,
                actor=actor,
                reason=reason[:500] or str(workflow.VERB_LABELS[verb]),
                when=now,
                batch=batch,
            )
        )
        v.status = target
        v.version += 1
        v.updated_at = now
        if verb == "submit":
            v.submitted_at = now
        elif verb == "approve":
            v.approved_at, v.approved_by = now, actor
        elif verb in ("return", "reopen"):
            v.approved_at, v.approved_by = None, None
    if verb == "submit":
        fields.append("submitted_at")
    elif verb in ("approve", "return", "reopen"):
        fields += ["approved_at", "approved_by"]
    DataValue.objects.bulk_update(values, fields, batch_size=1000)
    DataValueChange.objects.bulk_create(history, batch_size=1000)


def missing_required(unit: Unit, period: str) -> list[tuple[ValidationRule, Any]]:
    """Required rules broken for ``unit`` × ``period``: a target but no value."""
    from govperf.plans.models import Target

    containing = validation.containing(period)
    rules = list(
        ValidationRule.objects.filter(is_active=True, kind=ValidationRule.Kind.REQUIRED)
        .select_related("indicator__current")
        .order_by("code")
    )
    if not rules:
        return []
    kind = str(Period.parse(period).kind)
    planned = set(
        Target.objects.filter(
            unit=unit, period__in=containing, indicator_id__in=[r.indicator_id for r in rules]
        ).values_list("indicator_id", flat=True)
    )
    present = set(
        DataValue.objects.filter(unit=unit, period=period)
        .filter(Q(value__isnull=False) | ~Q(level=""))
        .values_list("indicator_id", flat=True)
    )
    return [
        (rule, rule.indicator)
        for rule in rules
        if rule.indicator_id in planned
        and rule.indicator_id not in present
        and rule.indicator.current_id
        and rule.indicator.current.frequency == kind
    ]


def submit_values(
    *,
    actor: Person,
    unit: Unit,
    period: str,
    value_ids: Sequence[int] | None = None,
    comment: str = "",
) -> list[DataValue]:
    """Send the unit's draft values of a period to its leader for approval.

    Refused while a blocking rule is broken: a required value missing, or a
    stored value that now breaks a rule.
    """
    code = parse_period(period).code

    def check(values: list[DataValue]) -> None:
        details = [
            ErrorDetail(
                field="values",
                value=indicator.code,
                message=rule.message
                or _("%(indicator)s: a value is required (rule %(code)s).")
                % {"indicator": indicator, "code": rule.code},
            )
            for rule, indicator in missing_required(unit, code)
            if rule.severity == ValidationRule.Severity.BLOCK
        ]
        report = validation.validate_batch(batch_of(values))
        codes = dict(
            Indicator.objects.filter(pk__in={v.indicator_id for v in values}).values_list(
                "pk", "code"
            )
        )
        details += [
            ErrorDetail(
                field="values",
                value=codes.get(values[f.position].indicator_id),
                message=f.message,
            )
            for f in report.findings
            if f.severity == ValidationRule.Severity.BLOCK
        ]
        if details:
            raise ValidationFailed(_("These values cannot be submitted yet."), details)

    values = _move(
        actor=actor,
        verb="submit",
        unit=unit,
        period=code,
        value_ids=value_ids,
        comment=comment,
        check=check,
    )
    notify(
        approvers(unit).exclude(pk=actor.pk),
        _("%(unit)s submitted %(n)d values for %(period)s for your approval.")
        % {"unit": unit.name, "n": len(values), "period": code},
        url=reverse("data:approval", args=[unit.pk, code]),
        kind="data.submit",
    )
    return values


def return_values(
    *,
    actor: Person,
    unit: Unit,
    period: str,
    comment: str,
    value_ids: Sequence[int] | None = None,
) -> list[DataValue]:
    """Send submitted values back to draft, with a comment for whoever entered them."""
    comment = _text(comment, "comment", max_length=2000, required=True)
    values = _move(
        actor=actor, verb="return", unit=unit, period=period, value_ids=value_ids, comment=comment
    )
    notify(
        {v.updated_by_id for v in values} | set(_people([unit.pk], [Role.UNIT_COORDINATOR])),
        _("Values of %(unit)s for %(period)s were returned: %(comment)s")
        % {"unit": unit.name, "period": values[0].period, "comment": comment},
        url=entry_url(unit, values[0].period),
        kind="data.return",
    )
    return values


def approve_values(
    *, actor: Person, unit: Unit, period: str, value_ids: Sequence[int] | None = None
) -> list[DataValue]:
    """The unit leader approves submitted values."""
    values = _move(actor=actor, verb="approve", unit=unit, period=period, value_ids=value_ids)
    notify(
        {v.updated_by_id for v in values if v.updated_by_id != actor.pk},
        _("Values of %(unit)s for %(period)s were approved.")
        % {"unit": unit.name, "period": values[0].period},
        url=entry_url(unit, values[0].period),
        kind="data.approve",
    )
    return values


def reopen_values(
    *,
    actor: Person,
    unit: Unit,
    period: str,
    comment: str,
    value_ids: Sequence[int] | None = None,
) -> list[DataValue]:
    """Take approved (not locked) values back to draft so that they can be changed."""
    comment = _text(comment, "comment", max_length=2000, required=True)
    return _move(
        actor=actor, verb="reopen", unit=unit, period=period, value_ids=value_ids, comment=comment
    )


def batch_of(values: Sequence[DataValue]) -> ValueBatch:
    """Stored values as a batch (to run the rules on them again)."""
    return ValueBatch(
        indicator_ids=np.asarray([v.indicator_id for v in values], dtype=np.int64),
        unit_ids=np.asarray([v.unit_id for v in values], dtype=np.int64),
        periods=[v.period for v in values],
        values=["" if v.value is None else format(v.value, "f") for v in values],
        levels=[v.level for v in values],
        categories=[v.category for v in values],
        attributes=[v.attribute for v in values],
        rows=[v.pk for v in values],
    )


# --- period locks --------------------------------------------------------------------------------


def lock_period(
    *, actor: Person, period: str, unit: Unit | None = None, reason: str = ""
) -> PeriodLock:
    """Close a period, for every unit or for one unit and its subtree.

    Approved values in it become locked; values not approved stay as they are but
    cannot be written any more. Returns the lock.
    """
    if unit is None:
        policy.require_everything(
            actor,
            Action.LOCK_PERIOD,
            _("Only the performance office locks a period for every unit."),
        )
    else:
        policy.require(actor, Action.LOCK_PERIOD, unit)
    p = parse_period(period)
    reason = _text(reason, "reason", max_length=500)
    with transaction.atomic():
        try:
            with transaction.atomic():
                lock = PeriodLock.objects.create(
                    period=p.code,
                    period_start=p.start,
                    period_end=p.end,
                    unit=unit,
                    reason=reason,
                    locked_by=actor,
                )
        except IntegrityError:
            raise Conflict(_("This period is already locked."), code="already_locked") from None
        covered = locks.covered_values(lock)
        approved = list(covered.filter(status=S.APPROVED).select_for_update().order_by("pk"))
        _apply_status(approved, "lock", actor=actor, reason=reason, batch=f"lock:{lock.pk}")
        unapproved = covered.exclude(status__in=[S.APPROVED, S.LOCKED]).count()
        record(
            action="data.lock",
            actor=actor,
            obj=lock,
            after={
                "period": p.code,
                "unit": unit.pk if unit else None,
                "locked": len(approved),
                "not_approved": unapproved,
                "reason": reason,
            },
        )
        unit_ids = set(covered.values_list("unit_id", flat=True).distinct())
        notify(
            _people(unit_ids, [Role.UNIT_LEADER, Role.UNIT_COORDINATOR]),
            _("The performance office locked %(period)s%(unit)s.")
            % {"period": p.code, "unit": f" ({unit.name})" if unit else ""},
            kind="data.lock",
        )
    lock.locked_count, lock.unapproved_count = len(approved), unapproved
    return lock


def unlock_period(*, actor: Person, lock: PeriodLock, reason: str) -> PeriodLock:
    """Open a locked period again; its locked values go back to approved."""
    if lock.unit_id is None:
        policy.require_everything(
            actor,
            Action.LOCK_PERIOD,
            _("Only the performance office unlocks a period for every unit."),
        )
    else:
        policy.require(actor, Action.LOCK_PERIOD, lock.unit)
    reason = _text(reason, "reason", max_length=500, required=True)
    with transaction.atomic():
        lock = (
            PeriodLock.objects.select_for_update(of=("self",))
            .select_related("unit")
            .get(pk=lock.pk)
        )
        if lock.unlocked_at is not None:
            raise Conflict(_("This lock has already been lifted."), code="invalid_state")
        lock.unlocked_at, lock.unlocked_by = timezone.now(), actor
        lock.save(update_fields=["unlocked_at", "unlocked_by"])
        others = locks.active_locks()
        values = [
            v
            for v in locks.covered_values(lock)
            .filter(status=S.LOCKED)
            .select_for_update()
            .select_related("unit")
            .order_by("pk")
            if not any(locks.lock_covers(o, v.unit.path, v.period) for o in others)
        ]
        _apply_status(values, "unlock", actor=actor, reason=reason, batch=f"unlock:{lock.pk}")
        record(
            action="data.unlock",
            actor=actor,
            obj=lock,
            before={"period": lock.period, "unit": lock.unit_id, "active": True},
            after={"active": False, "unlocked": len(values), "reason": reason},
        )
    return lock


# --- corrections --------------------------------------------------------------------------------


def _correction_state(c: CorrectionRequest) -> dict[str, Any]:
    return snapshot(
        c,
        ("data_value", "old_value", "old_level", "new_value", "new_level", "reason", "status"),
    )


def request_correction(
    *,
    actor: Person,
    data_value: DataValue,
    new_value: Any = None,
    new_level: str = "",
    reason: str,
) -> CorrectionRequest:
    """Ask the office to change a locked value, with a reason."""
    policy.require(actor, Action.ENTER_DATA, data_value.unit)
    reason = _text(reason, "reason", max_length=2000, required=True)
    try:
        number = clean_number(new_value)
    except ValueError as exc:
        raise ValidationFailed(
            str(exc), [ErrorDetail(field="new_value", value=new_value, message=str(exc))]
        ) from None
    new_level = _text(new_level, "new_level", max_length=64)
    if number is None and not new_level:
        raise ValidationFailed(
            _("Give the corrected value."),
            [ErrorDetail(field="new_value", message=_("This is required."))],
        )
    with transaction.atomic():
        value = DataValue.objects.select_for_update().select_related("unit").get(pk=data_value.pk)
        if value.source == DataValue.Source.FORMULA:
            raise Conflict(
                _("This value is computed by its formula; correct its inputs instead."),
                code="formula",
            )
        if value.status != S.LOCKED and locks.covering_lock(value.unit, value.period) is None:
            raise Conflict(
                _("This value is not locked; change it in the entry form."), code="not_locked"
            )
        if number == value.value and new_level == value.level:
            raise ValidationFailed(
                _("The corrected value is the same as the current one."),
                [ErrorDetail(field="new_value", value=new_value, message=_("Nothing changes."))],
            )
        try:
            with transaction.atomic():
                request = CorrectionRequest.objects.create(
                    data_value=value,
                    old_value=value.value,
                    old_level=value.level,
                    new_value=number,
                    new_level=new_level,
                    reason=reason,
                    requested_by=actor,
                )
        except IntegrityError:
            raise Conflict(
                _("A correction of this value is already waiting for a decision."),
                code="pending",
            ) from None
        record(
            action="data.correction_request",
            actor=actor,
            obj=request,
            after=_correction_state(request),
        )
        notify(
            office_people(),
            _("%(unit)s asks to correct a locked value (%(period)s): %(reason)s")
            % {"unit": value.unit.name, "period": value.period, "reason": reason[:200]},
            url=reverse("data:corrections"),
            kind="data.correction_request",
        )
    return request


def decide_correction(
    *,
    actor: Person,
    request: CorrectionRequest,
    approve: bool,
    comment: str = "",
    expected_version: int | None = None,
) -> CorrectionRequest:
    """The office approves (the value changes, through the writer) or rejects a correction."""
    value = request.data_value
    policy.require(actor, Action.LOCK_PERIOD, value.unit)
    comment = _text(comment, "comment", max_length=2000, required=not approve)
    with transaction.atomic():
        request = (
            CorrectionRequest.objects.select_for_update()
            .select_related("data_value__unit")
            .get(pk=request.pk)
        )
        if expected_version is not None and request.version != expected_version:
            raise Conflict(_("The request was changed since you opened it; reload the page."))
        if request.status != CorrectionRequest.Status.PENDING:
            raise Conflict(
                _("This request has already been decided (%(status)s).")
                % {"status": request.get_status_display()},
                code="invalid_state",
            )
        before = _correction_state(request)
        value = request.data_value
        if approve:
            key = (value.indicator_id, value.unit_id, value.period, value.category, value.attribute)
            batch = ValueBatch(
                indicator_ids=np.asarray([value.indicator_id], dtype=np.int64),
                unit_ids=np.asarray([value.unit_id], dtype=np.int64),
                periods=[value.period],
                values=["" if request.new_value is None else format(request.new_value, "f")],
                levels=[request.new_level],
                categories=[value.category],
                attributes=[value.attribute],
            )
            batch.keep_comments = True
            # The office writes the approved change itself: the writer lets exactly this key
            # through the lock, the status check and the unit-permission check (the office
            # does not enter data otherwise). Who asked is on the request.
            reason = _("Correction #%(n)d, approved by %(who)s: %(reason)s") % {
                "n": request.pk,
                "who": actor.name or actor.username,
                "reason": request.reason,
            }
            with locks.applying_corrections([key]):
                _write(
                    batch,
                    actor=actor,
                    source=DataValue.Source.FORM,
                    batch_id=f"correction-{request.pk}",
                    reason=reason[:500],
                )
        request.status = (
            CorrectionRequest.Status.APPROVED if approve else CorrectionRequest.Status.REJECTED
        )
        request.decided_by, request.decided_at = actor, timezone.now()
        request.decision_comment = comment
        request.version += 1
        request.save(
            update_fields=["status", "decided_by", "decided_at", "decision_comment", "version"]
        )
        record(
            action="data.correction_approve" if approve else "data.correction_reject",
            actor=actor,
            obj=request,
            before=before,
            after=_correction_state(request),
        )
        notify(
            [request.requested_by_id],
            (
                _("Your correction of %(period)s was approved.")
                if approve
                else _("Your correction of %(period)s was rejected: %(comment)s")
            )
            % {"period": value.period, "comment": comment},
            url=reverse("data:value", args=[value.pk]),
            kind="data.correction_decided",
        )
    return request


def withdraw_correction(*, actor: Person, request: CorrectionRequest) -> CorrectionRequest:
    """The requester takes back a request not decided yet."""
    with transaction.atomic():
        request = CorrectionRequest.objects.select_for_update().get(pk=request.pk)
        if request.requested_by_id != actor.pk:
            raise Forbidden(_("Only the person who asked may withdraw the request."))
        if request.status != CorrectionRequest.Status.PENDING:
            raise Conflict(_("This request has already been decided."), code="invalid_state")
        before = _correction_state(request)
        request.status = CorrectionRequest.Status.WITHDRAWN
        request.version += 1
        request.save(update_fields=["status", "version"])
        record(
            action="data.correction_withdraw",
            actor=actor,
            obj=request,
            before=before,
            after=_correction_state(request),
        )
    return request


# --- validation rules ------------------------------------------------------------------------


RULE_FIELDS = ("code", "name", "kind", "indicator", "params", "severity", "message", "is_active")


def _require_office(actor: Person) -> None:
    policy.require_everything(
        actor, Action.MANAGE_LIBRARY, _("Only the performance office manages validation rules.")
    )


def _clean_rule(
    *, code: str, name: str, kind: str, params: dict, severity: str, message: str, exclude=None
) -> tuple[str, str, dict, str]:
    details: list[ErrorDetail] = []
    code = (code or "").strip()
    if not RULE_CODE_RE.match(code):
        details.append(
            ErrorDetail(
                field="code", value=code, message=_("Use 1–64 letters, digits, '_' or '-'.")
            )
        )
    elif ValidationRule.objects.filter(code=code).exclude(pk=exclude).exists():
        details.append(
            ErrorDetail(field="code", value=code, message=_("This code is already used."))
        )
    name = (name or "").strip()
    if not name:
        details.append(ErrorDetail(field="name", message=_("This is required.")))
    elif len(name) > 200 or CONTROL_RE.search(name):
        details.append(ErrorDetail(field="name", message=_("At most 200 characters.")))
    if severity not in ValidationRule.Severity.values:
        details.append(ErrorDetail(field="severity", value=severity, message=_("Block or warn.")))
    if kind not in ValidationRule.Kind.values:
        details.append(ErrorDetail(field="kind", value=kind, message=_("Unknown rule kind.")))
        cleaned: dict = {}
    else:
        cleaned, problems = validation.clean_params(kind, params or {})
        details += problems
    message = (message or "").strip()
    if len(message) > 300 or CONTROL_RE.search(message):
        details.append(ErrorDetail(field="message", message=_("At most 300 characters.")))
    if details:
        raise ValidationFailed(_("The rule could not be saved."), details)
    return code, name, cleaned, message


def create_rule(
    *,
    actor: Person,
    code: str,
    name: str,
    kind: str,
    indicator,
    params: dict | None = None,
    severity: str = ValidationRule.Severity.BLOCK,
    message: str = "",
    is_active: bool = True,
) -> ValidationRule:
    _require_office(actor)
    code, name, params, message = _clean_rule(
        code=code,
        name=name,
        kind=kind,
        params=params or {},
        severity=severity,
        message=message,
    )
    with transaction.atomic():
        rule = ValidationRule.objects.create(
            code=code,
            name=name,
            kind=kind,
            indicator=indicator,
            params=params,
            severity=severity,
            message=message,
            is_active=is_active,
            updated_by=actor,
        )
        record(action="data.rule_create", actor=actor, obj=rule, after=snapshot(rule, RULE_FIELDS))
    return rule


def update_rule(
    *,
    actor: Person,
    rule: ValidationRule,
    expected_version: int | None,
    name: str,
    kind: str,
    indicator,
    params: dict,
    severity: str,
    message: str = "",
    is_active: bool = True,
) -> ValidationRule:
    _require_office(actor)
    _code, name, params, message = _clean_rule(
        code=rule.code,
        name=name,
        kind=kind,
        params=params,
        severity=severity,
        message=message,
        exclude=rule.pk,
    )
    with transaction.atomic():
        rule = ValidationRule.objects.select_for_update().get(pk=rule.pk)
        if expected_version is not None and rule.version != expected_version:
            raise Conflict(_("The rule was changed by someone else; reload it."))
        before = snapshot(rule, RULE_FIELDS)
        rule.name, rule.kind, rule.indicator, rule.params = name, kind, indicator, params
        rule.severity, rule.message, rule.is_active = severity, message, is_active
        rule.version += 1
        rule.updated_at, rule.updated_by = timezone.now(), actor
        rule.save(
            update_fields=[
                "name",
                "kind",
                "indicator",
                "params",
                "severity",
                "message",
                "is_active",
                "version",
                "updated_at",
                "updated_by",
            ]
        )
        record(
            action="data.rule_update",
            actor=actor,
            obj=rule,
            before=before,
            after=snapshot(rule, RULE_FIELDS),
        )
    return rule


def delete_rule(*, actor: Person, rule: ValidationRule) -> None:
    _require_office(actor)
    with transaction.atomic():
        rule = ValidationRule.objects.select_for_update().get(pk=rule.pk)
        before = snapshot(rule, RULE_FIELDS)
        pk = rule.pk
        rule.delete()
        record(
            action="data.rule_delete",
            actor=actor,
            object_type="data.validationrule",
            object_id=pk,
            object_repr=before["code"],
            before=before,
        )


# --- evidence -------------------------------------------------------------------------------------


def _looks_like(ext: str, path_or_file) -> bool:
    """Does the content match its extension? Checked on the bytes, not the name or header."""
    path_or_file.seek(0)
    head = path_or_file.read(8192)
    path_or_file.seek(0)
    if ext == "pdf":
        return head.startswith(b"%PDF-")
    if ext in ("jpg", "jpeg"):
        return head[:3] == b"\xff\xd8\xff"
    if ext == "png":
        return head[:8] == b"\x89PNG\r\n\x1a\n"
    if ext in ("xlsx", "docx"):
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(path_or_file) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        finally:
            path_or_file.seek(0)
        part = "xl/workbook.xml" if ext == "xlsx" else "word/document.xml"
        return "[Content_Types].xml" in names and part in names
    if ext == "csv":
        if b"\x00" in head:
            return False
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                head.decode(encoding)
                return True
            except UnicodeDecodeError:
                # The cut at 8 KiB may split a character: allow a few trailing bytes.
                try:
                    head[:-4].decode(encoding)
                    return True
                except UnicodeDecodeError:
                    continue
        return False
    return False


def add_evidence(
    *, actor: Person, data_value: DataValue, upload, description: str = ""
) -> EvidenceFile:
    """Attach a file to a value: whitelisted type, checked content, bounded size."""
    policy.require(actor, Action.ENTER_DATA, data_value.unit)
    description = _text(description, "description", max_length=300)
    name = (getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    limit = conf.evidence_max_bytes()
    if ext not in conf.EVIDENCE_TYPES:
        raise ValidationFailed(
            _("This type of file is not accepted."),
            [
                ErrorDetail(
                    field="file",
                    value=name,
                    message=_("Accepted: %(types)s.")
                    % {"types": ", ".join(sorted(set(conf.EVIDENCE_TYPES) - {"jpeg"}))},
                )
            ],
        )
    if upload.size > limit:
        raise ValidationFailed(
            _("The file is too large."),
            [
                ErrorDetail(
                    field="file",
                    value=name,
                    message=_("At most %(mb)s MB.") % {"mb": round(limit / 1024 / 1024, 1)},
                )
            ],
        )
    if upload.size == 0 or not _looks_like(ext, upload):
        raise ValidationFailed(
            _("The file's content does not match its type."),
            [
                ErrorDetail(
                    field="file", value=name, message=_("Not a valid %(ext)s file.") % {"ext": ext}
                )
            ],
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        value = DataValue.objects.select_for_update().select_related("unit").get(pk=data_value.pk)
        if value.status == S.LOCKED:
            raise Conflict(_("The value is locked; its evidence can no longer change."))
        evidence = EvidenceFile(
            data_value=value,
            name=name or f"{uuid.uuid4().hex}.{ext}",
            content_type=conf.EVIDENCE_TYPES[ext],
            size=upload.size,
            sha256=digest.hexdigest(),
            description=description,
            uploaded_by=actor,
        )
        evidence.file.save(name, upload, save=False)
        try:
            evidence.save()
            record(
                action="data.evidence_add",
                actor=actor,
                obj=evidence,
                after={
                    "value": value.pk,
                    "name": evidence.name,
                    "size": evidence.size,
                    "sha256": evidence.sha256,
                },
            )
        except Exception:
            evidence.file.delete(save=False)
            raise
    return evidence


def delete_evidence(*, actor: Person, evidence: EvidenceFile) -> None:
    value = evidence.data_value
    policy.require(actor, Action.ENTER_DATA, value.unit)
    with transaction.atomic():
        value = DataValue.objects.select_for_update().get(pk=value.pk)
        if value.status not in workflow.WRITABLE:
            raise Conflict(
                _("Evidence can be removed only while the value is a draft."),
                code="invalid_state",
            )
        evidence = EvidenceFile.objects.select_for_update().get(pk=evidence.pk)
        before = {"value": value.pk, "name": evidence.name, "sha256": evidence.sha256}
        pk, stored = evidence.pk, evidence.file.name
        evidence.delete()
        record(
            action="data.evidence_delete",
            actor=actor,
            object_type="data.evidencefile",
            object_id=pk,
            object_repr=before["name"],
            before=before,
        )
        storage = EvidenceFile._meta.get_field("file").storage
        transaction.on_commit(lambda: storage.delete(stored))


# --- the quality screen --------------------------------------------------------------------------


def start_quality_run(
    *,
    actor: Person | None,
    period: str,
    unit: Unit | None = None,
    due_days: int | None = None,
    enqueue: bool = True,
) -> QualityRun:
    """Queue a run of the quality screen (``data.tasks.run_quality_screen``)."""
    if actor is not None:
        if unit is None:
            policy.require_everything(
                actor, Action.REVIEW_QUALITY, _("Only the performance office screens every unit.")
            )
        else:
            policy.require(actor, Action.REVIEW_QUALITY, unit)
    code = parse_period(period).code
    days = conf.due_days() if due_days is None else due_days
    if not 0 <= days <= 366:
        raise ValidationFailed(
            _("The deadline must be 0–366 days after the period."),
            [ErrorDetail(field="due_days", value=days, message=_("0–366 days."))],
        )
    with transaction.atomic():
        run = QualityRun.objects.create(
            period=code, unit=unit, params={"due_days": days}, requested_by=actor
        )
        record(
            action="data.quality_run",
            actor=actor,
            obj=run,
            after={"period": code, "unit": unit.pk if unit else None, "due_days": days},
        )
        if enqueue:
            from govperf.data.tasks import run_quality_screen

            transaction.on_commit(lambda: run_quality_screen(run.pk))
    return run


def today() -> dt.date:
    return timezone.localdate()
