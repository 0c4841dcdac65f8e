"""Reads of data values, history, locks, corrections, rules and the quality screen.

Values are seen by those whose ``VIEW_DATA`` reaches their unit; a value in a unit
the reader cannot see is not found, one they see but may not change is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from govperf.core.errors import NotFound
from govperf.data import locks, validation, workflow
from govperf.data.models import (
    CorrectionRequest,
    DataValue,
    DataValueChange,
    EvidenceFile,
    PeriodLock,
    QualityFlag,
    QualityResult,
    QualityRun,
    ValidationRule,
)
from govperf.engine.formula import FormulaSyntaxError, parse, references
from govperf.engine.periods import Period, PeriodKind
from govperf.orgs import policy
from govperf.orgs.models import Unit
from govperf.orgs.policy import Action

VALUE_RELATED = ("indicator__current", "unit", "updated_by", "approved_by", "created_by")


def number(value: Decimal | None) -> str:
    """A stored amount as plain text without trailing zeros ("" for none)."""
    return "" if value is None else format(value.normalize(), "f")


# --- units and values ----------------------------------------------------------------------------


def get_unit(user, pk: Any, action: Action = Action.VIEW_DATA) -> Unit:
    """The unit if ``action`` reaches it; a unit the user cannot see is not found."""
    return _reached(user, Unit.objects.filter(pk=pk).first() if str(pk).isdigit() else None, action)


def get_unit_by_code(user, code: str, action: Action = Action.VIEW_DATA) -> Unit:
    return _reached(user, Unit.objects.filter(code=code).first(), action)


def _reached(user, unit: Unit | None, action: Action) -> Unit:
    if unit is None or not (policy.can_see(user, unit) or policy.can(user, Action.VIEW_DATA, unit)):
        raise NotFound(_("Unit not found."))
    policy.require(user, action, unit)
    return unit


def get_value(user, pk: Any, action: Action = Action.VIEW_DATA) -> DataValue:
    value = (
        DataValue.objects.select_related(*VALUE_RELATED).filter(pk=pk).first()
        if str(pk).isdigit()
        else None
    )
    if value is None or not policy.can(user, Action.VIEW_DATA, value.unit):
        raise NotFound(_("Value not found."))
    policy.require(user, action, value.unit)
    return value


def visible_values(
    user,
    *,
    indicator: str | None = None,
    unit: Unit | None = None,
    subtree: bool = False,
    period_from: Period | None = None,
    period_to: Period | None = None,
    status: str | None = None,
    source: str | None = None,
) -> QuerySet[DataValue]:
    qs = DataValue.objects.filter(policy.unit_scope(user, Action.VIEW_DATA).q("unit__"))
    if indicator:
        qs = qs.filter(indicator__code=indicator)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path) if subtree else qs.filter(unit=unit)
    if period_from is not None:
        qs = qs.filter(period_start__gte=period_from.start)
    if period_to is not None:
        qs = qs.filter(period_start__lte=period_to.end)
    if status:
        qs = qs.filter(status=status)
    if source:
        qs = qs.filter(source=source)
    return qs.select_related("indicator", "unit").order_by(
        "unit__path", "indicator__code", "period_start", "pk"
    )


def history(value: DataValue) -> list[DataValueChange]:
    """Every change of ``value``, newest first, ending with its creation.

    The writer records a value's creation on the value row (``created_*``), not as a
    change; it is shown here as the first entry (``id`` 0). Values created otherwise
    (formulas, older data) have their creation among the changes already: the change
    from no status (``old_status`` empty).
    """
    changes = list(value.changes.select_related("actor").order_by("-changed_at", "-id"))
    if not any(c.old_status == "" for c in changes):
        changes.append(creation(value, changes[-1] if changes else None))
    return changes


def creation(value: DataValue, first: DataValueChange | None) -> DataValueChange:
    """A value's creation as a change (not stored): what it was created with is the first
    change's old value, or, never changed since, the value as it is."""
    if first is not None:
        number, level, status = first.old_value, first.old_level, first.old_status
    else:
        number, level, status = value.value, value.level, value.status
    return DataValueChange(
        id=0,
        data_value=value,
        old_value=None,
        new_value=number,
        old_level="",
        new_level=level,
        old_status="",
        new_status=status,
        source=value.created_source,
        reason="",
        actor_id=value.created_by_id,
        batch=value.created_batch,
        changed_at=value.created_at,
    )


def evidence(value: DataValue) -> QuerySet[EvidenceFile]:
    return value.evidence.select_related("uploaded_by").order_by("uploaded_at", "pk")


def get_evidence(user, pk: Any) -> EvidenceFile:
    """The file if its value is visible to ``user``; otherwise not found."""
    found = (
        EvidenceFile.objects.select_related("data_value__unit").filter(pk=pk).first()
        if str(pk).isdigit()
        else None
    )
    if found is None or not policy.can(user, Action.VIEW_DATA, found.data_value.unit):
        raise NotFound(_("File not found."))
    return found


# --- the entry grid ---------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the entry grid."""

    indicator: Any
    version: Any
    target: Any = None
    value: DataValue | None = None
    last: DataValue | None = None
    is_formula: bool = False
    is_input: bool = False  # read by a formula of the plan, not in the plan itself
    locked: bool = False
    levels: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.value.status if self.value is not None else ""

    @property
    def editable(self) -> bool:
        return (
            not self.is_formula
            and not self.locked
            and (self.value is None or self.value.status in workflow.WRITABLE)
        )

    @property
    def shown(self) -> str:
        if self.value is None:
            return ""
        return self.value.level or number(self.value.value)


@dataclass
class Grid:
    unit: Unit
    period: Period
    rows: list[Row]
    lock: PeriodLock | None
    cycle: Any = None

    def counts(self) -> dict[str, int]:
        out = {status: 0 for status in DataValue.Status.values}
        out["empty"] = 0
        for row in self.rows:
            out[row.status or "empty"] += 1
        return out

    @property
    def can_submit(self) -> bool:
        return any(r.status == DataValue.Status.DRAFT for r in self.rows)


def _cycle_for(period: Period):
    from govperf.plans.models import Cycle

    for cycle in Cycle.objects.order_by("-start_date"):
        try:
            if Period.parse(cycle.period).contains(period):
                return cycle
        except ValueError:
            continue
    return None


def planned_targets(unit: Unit, period: Period, cycle) -> list:
    """The unit's targets that cover ``period``: from its plan for ``cycle``, else any target."""
    from govperf.plans.models import Plan, Target

    containing = validation.containing(period.code)
    plan = Plan.objects.filter(unit=unit, cycle=cycle).first() if cycle else None
    qs = Target.objects.filter(unit=unit, period__in=containing).select_related(
        "indicator__current__rubric"
    )
    if plan is not None:
        qs = qs.filter(plan_items__plan=plan)
    return sorted(qs, key=lambda t: (t.indicator.code, containing.index(t.period)))


def entry_grid(unit: Unit, period: Period) -> Grid:
    """The unit's indicators for the period: its plan's, with the inputs its formulas read."""
    from govperf.indicators.models import Indicator

    cycle = _cycle_for(period)
    targets = planned_targets(unit, period, cycle)
    by_indicator: dict[int, Any] = {}
    for t in targets:
        by_indicator.setdefault(t.indicator_id, t)
    indicators = {t.indicator_id: t.indicator for t in targets}
    kind = str(period.kind)
    # Inputs of the plan's formulas, however deep: one query per level of depth.
    pending = [i for i in indicators.values() if i.current and i.current.formula]
    inputs: set[int] = set()
    seen_codes: set[str] = set()
    while pending:
        codes: set[str] = set()
        for formula_indicator in pending:
            try:
                codes |= {r.code for r in references(parse(formula_indicator.current.formula))}
            except FormulaSyntaxError:
                continue
        codes -= seen_codes
        seen_codes |= codes
        pending = []
        for ind in Indicator.objects.filter(code__in=codes, is_active=True).select_related(
            "current__rubric"
        ):
            if ind.pk not in indicators:
                indicators[ind.pk] = ind
                inputs.add(ind.pk)
            if ind.current and ind.current.formula:
                pending.append(ind)
    chosen = [
        ind
        for ind in indicators.values()
        if ind.current is not None and ind.current.frequency == kind and ind.is_active
    ]
    values = {
        v.indicator_id: v
        for v in DataValue.objects.filter(
            unit=unit, period=period.code, category="", attribute=""
        ).select_related("updated_by")
    }
    try:
        prev_code = period.prev().code
    except ValueError:
        prev_code = ""
    last = {
        v.indicator_id: v
        for v in DataValue.objects.filter(unit=unit, period=prev_code, category="", attribute="")
    }
    lock = locks.covering_lock(unit, period.code)
    rows = []
    for ind in chosen:
        version = ind.current
        rows.append(
            Row(
                indicator=ind,
                version=version,
                target=by_indicator.get(ind.pk),
                value=values.get(ind.pk),
                last=last.get(ind.pk),
                is_formula=bool(version.formula),
                is_input=ind.pk in inputs,
                locked=lock is not None,
                levels=[lvl["name"] for lvl in (version.rubric.levels if version.rubric else [])],
            )
        )
    # Inputs first within the plan's order would hide the plan; the plan's own, then inputs.
    rows.sort(key=lambda r: (r.is_input, r.is_formula, r.indicator.code))
    return Grid(unit=unit, period=period, rows=rows, lock=lock, cycle=cycle)


def entry_periods(kind: str = PeriodKind.MONTHLY, *, today: dt.date | None = None) -> list[str]:
    """Recent periods to offer in the entry form, newest first."""
    today = today or timezone.localdate()
    current = Period.containing(PeriodKind(kind), today)
    out = [current]
    for _i in range({"Monthly": 23, "Quarterly": 7, "Yearly": 2}.get(kind, 6)):
        out.append(out[-1].prev())
    return [p.code for p in out]


def default_period(today: dt.date | None = None) -> str:
    """The month just ended: what is being reported now."""
    today = today or timezone.localdate()
    return Period.containing(PeriodKind.MONTHLY, today).prev().code


def enterable_units(user) -> QuerySet[Unit]:
    return policy.units(user, Action.ENTER_DATA).filter(is_active=True).order_by("path")


def planned_units(user) -> QuerySet[Unit]:
    """Units with targets whose data the user may see (the office's and leaders' list)."""
    from govperf.plans.models import Target

    return (
        policy.units(user, Action.VIEW_DATA)
        .filter(is_active=True, pk__in=Target.objects.values("unit_id"))
        .order_by("path")
    )


def status_counts(units: list[Unit], period: str) -> dict[int, dict[str, int]]:
    """Values per status for each unit in a period."""
    out: dict[int, dict[str, int]] = {u.pk: {} for u in units}
    rows = (
        DataValue.objects.filter(unit__in=units, period=period)
        .values("unit_id", "status")
        .annotate(n=Count("id"))
    )
    for row in rows:
        out[row["unit_id"]][row["status"]] = row["n"]
    return out


# --- approval ----------------------------------------------------------------------------------------


def approval_queue(user) -> list[dict[str, Any]]:
    """Unit × period pairs with submitted values the user may approve."""
    scope = policy.unit_scope(user, Action.APPROVE_DATA)
    if scope.empty:
        return []
    rows = (
        DataValue.objects.filter(scope.q("unit__"), status=DataValue.Status.SUBMITTED)
        .values("unit_id", "unit__name", "unit__path", "period")
        .annotate(n=Count("id"))
        .order_by("unit__path", "period")
    )
    return list(rows)


def submitted_values(unit: Unit, period: str) -> QuerySet[DataValue]:
    return (
        DataValue.objects.filter(unit=unit, period=period)
        .select_related("indicator__current", "updated_by", "approved_by")
        .order_by("indicator__code", "category", "attribute")
    )


# --- locks and corrections -------------------------------------------------------------------------


def period_locks(*, active_only: bool = False) -> QuerySet[PeriodLock]:
    qs = PeriodLock.objects.select_related("unit", "locked_by", "unlocked_by")
    if active_only:
        qs = qs.filter(unlocked_at__isnull=True)
    return qs.order_by("-locked_at", "-pk")


def get_lock(user, pk: Any) -> PeriodLock:
    lock = (
        PeriodLock.objects.select_related("unit").filter(pk=pk).first()
        if str(pk).isdigit()
        else None
    )
    if lock is None or not policy.can(user, Action.LOCK_PERIOD, lock.unit):
        raise NotFound(_("Lock not found."))
    return lock


def corrections(user, *, status: str | None = None) -> QuerySet[CorrectionRequest]:
    """Requests the user may decide (the office) or has made or may see for their units."""
    qs = CorrectionRequest.objects.select_related(
        "data_value__indicator__current", "data_value__unit", "requested_by", "decided_by"
    )
    scope = policy.unit_scope(user, Action.LOCK_PERIOD)
    view = policy.unit_scope(user, Action.VIEW_DATA)
    # An empty Q() means "everything" but vanishes in an OR: test for it first.
    if not (scope.everything or view.everything):
        seen = Q(requested_by=user)
        for s in (scope, view):
            if not s.empty:
                seen |= s.q("data_value__unit__")
        qs = qs.filter(seen)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-requested_at", "-pk")


def get_correction(user, pk: Any) -> CorrectionRequest:
    found = corrections(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        raise NotFound(_("Correction request not found."))
    return found


# --- rules ------------------------------------------------------------------------------------------


def rules() -> QuerySet[ValidationRule]:
    return ValidationRule.objects.select_related("indicator__current").order_by(
        "indicator__code", "code"
    )


def get_rule(pk: Any) -> ValidationRule:
    rule = rules().filter(pk=pk).first() if str(pk).isdigit() else None
    if rule is None:
        raise NotFound(_("Rule not found."))
    return rule


# --- the quality screen --------------------------------------------------------------------------


def runs() -> QuerySet[QualityRun]:
    return QualityRun.objects.select_related("unit", "requested_by").order_by("-created_at", "-pk")


def visible_runs(user) -> QuerySet[QualityRun]:
    """Runs of the units whose quality the user may view (the office: every run)."""
    return runs().filter(policy.unit_scope(user, Action.VIEW_QUALITY).q("unit__"))


def get_run(user, pk: Any) -> QualityRun:
    run = runs().filter(pk=pk).first() if str(pk).isdigit() else None
    if run is None or not policy.can(user, Action.VIEW_QUALITY, run.unit):
        raise NotFound(_("Quality screen run not found."))
    return run


def results(user, run: QualityRun) -> QuerySet[QualityResult]:
    scope = policy.unit_scope(user, Action.VIEW_QUALITY)
    return (
        run.results.filter(scope.q("unit__"))
        .select_related("unit__parent")
        .annotate(flag_count=Count("flags"))
        .order_by("score", "unit__path")
    )


def flags(
    user, run: QualityRun, *, unit: Unit | None = None, kind: str | None = None
) -> QuerySet[QualityFlag]:
    scope = policy.unit_scope(user, Action.VIEW_QUALITY)
    qs = run.flags.filter(scope.q("unit__")).select_related(
        "unit__parent", "indicator__current", "data_value"
    )
    if unit is not None:
        qs = qs.filter(unit=unit)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("unit__path", "kind", "period", "pk")
