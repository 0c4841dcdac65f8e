"""Formula indicators, recomputed from their inputs whenever an input changes.

``data.writer.write_batch`` calls :func:`recompute` after it has written a batch,
inside its transaction, with the indicators, units and periods it touched. Every
formula that reads a touched indicator — directly or through other formulas —
is evaluated again, in dependency order (``engine.formula.evaluation_order``),
with ``engine.formula.evaluate_array``: the code path the engine and the
indicator editor use.

A formula is computed in periods of its indicator's frequency, for each unit, from
plain values (no disaggregation) of the same unit. A reference reads:

* an input of the same frequency in the same period (``@prev`` / ``@lastyear``
  move that period first);
* an input of a coarser frequency in the period containing it (a monthly
  completion rate reads the yearly planned amount);
* an input of a finer frequency rolled up by the input's time aggregation — sum,
  average or last value — over the periods present (a yearly coverage rate reads
  the last monthly count).

So a change moves the work to every formula period that reads it: next month's
``#{A@prev}``, next year's ``#{A@lastyear}``, each month of the year a yearly
input is changed in, the year a monthly input rolls up into.

A missing input gives no value: a formula value that loses an input is cleared,
never left stale. A formula value is only as far along the workflow as its
inputs: its status is the least advanced status among the values it reads in its
own period.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.utils import timezone

from govperf.engine.formula import (
    Expr,
    FormulaCycleError,
    FormulaSyntaxError,
    Reference,
    dependency_graph,
    evaluate_array,
    evaluation_order,
    parse,
    references,
)
from govperf.engine.periods import Period, PeriodKind
from govperf.engine.rounding import round_half_up

log = logging.getLogger(__name__)

STATUS_RANK = {"draft": 0, "submitted": 1, "approved": 2, "locked": 3}
RANK_STATUS = {rank: status for status, rank in STATUS_RANK.items()}
# NUMERIC(24, 6) holds 18 digits before the point.
LIMIT = 1e18
REASON = "recomputed from its inputs"


@dataclass(frozen=True)
class Formula:
    indicator_id: int
    code: str
    frequency: str
    expr: Expr


@dataclass(frozen=True)
class Input:
    """What a formula needs to know of an indicator it refers to."""

    id: int
    frequency: str
    aggregation: str


def load_formulas() -> dict[str, Formula]:
    """The formulas of the current versions of active indicators, by indicator code."""
    from govperf.indicators.models import Indicator

    out: dict[str, Formula] = {}
    rows = Indicator.objects.filter(is_active=True, current__isnull=False).exclude(
        current__formula=""
    )
    for pk, code, text, frequency in rows.values_list(
        "pk", "code", "current__formula", "current__frequency"
    ):
        try:
            out[code] = Formula(pk, code, frequency, parse(text))
        except FormulaSyntaxError:  # refused when saved; a broken old one computes nothing
            log.warning("formula of %s does not parse; not recomputed", code)
    return out


def load_inputs(codes: Iterable[str]) -> dict[str, Input]:
    from govperf.indicators.models import Indicator

    rows = Indicator.objects.filter(code__in=set(codes), current__isnull=False).values_list(
        "code", "pk", "current__frequency", "current__time_aggregation"
    )
    return {code: Input(pk, freq, agg) for code, pk, freq, agg in rows}


# --- periods ------------------------------------------------------------------------------------


def _parse(code: str) -> Period | None:
    try:
        return Period.parse(code)
    except ValueError:
        return None


def _offset(period: Period, offset: str, *, forward: bool = False) -> Period | None:
    """``period`` moved by a reference's offset (forward: the period that reads it)."""
    try:
        if not offset:
            return period
        if offset == "prev":
            return period.next() if forward else period.prev()
        return period.next_year() if forward else period.last_year()
    except ValueError:
        return None


def _rank(kind: str) -> int:
    return PeriodKind(kind).rank


def sources(period: Period, ref: Reference, source: Input) -> list[Period]:
    """The periods of ``source`` that ``ref`` reads when its formula is computed for ``period``."""
    base = _offset(period, ref.offset or "")
    if base is None:
        return []
    try:
        if source.frequency == base.kind:
            return [base]
        if _rank(source.frequency) > base.kind.rank:
            return [base.parent(PeriodKind(source.frequency))]
        return base.children(PeriodKind(source.frequency))
    except ValueError:
        return []


def readers(changed: Period, ref: Reference, formula_kind: str) -> list[Period]:
    """The formula periods (of ``formula_kind``) whose ``ref`` reads the ``changed`` period."""
    try:
        kind = PeriodKind(formula_kind)
        if changed.kind is kind:
            bases = [changed]
        elif changed.kind.rank > kind.rank:
            bases = changed.children(kind)
        else:
            bases = [changed.parent(kind)]
    except ValueError:
        return []
    out = []
    for base in bases:
        moved = _offset(base, ref.offset or "", forward=True)
        if moved is not None:
            out.append(moved)
    return out


def _roll_up(values: list[float], aggregation: str) -> float:
    present = [v for v in values if not np.isnan(v)]
    if not present:
        return np.nan
    if aggregation == "sum":
        return float(np.sum(present))
    if aggregation == "mean":
        return float(np.mean(present))
    return present[-1]  # the last value present, in period order


# --- evaluation -----------------------------------------------------------------------------------


@dataclass
class Evaluation:
    """A formula evaluated over units × periods: one element per point."""

    units: np.ndarray
    periods: list[str]
    values: np.ndarray
    statuses: np.ndarray  # STATUS_RANK of the least advanced input read in the same period


def evaluate(
    formula: Formula,
    unit_ids: Iterable[int],
    periods: Iterable[str],
    inputs: dict[str, Input],
) -> Evaluation:
    """Evaluate ``formula`` for every unit × period from the stored values."""
    from govperf.data.models import DataValue

    units = sorted(set(unit_ids))
    period_list = sorted(set(periods))
    parsed = [_parse(p) for p in period_list]
    n = len(units) * len(period_list)
    p_unit = np.repeat(np.asarray(units, dtype=np.int64), len(period_list))
    p_per = period_list * len(units)
    refs = sorted(references(formula.expr), key=lambda r: r.key)
    # For each reference and formula period: the source periods it reads.
    reads: dict[tuple[str, str], list[str]] = {}
    wanted: dict[int, set[str]] = {}
    for ref in refs:
        source = inputs.get(ref.code)
        for code, period in zip(period_list, parsed, strict=True):
            found = [] if source is None or period is None else sources(period, ref, source)
            reads[(ref.key, code)] = [p.code for p in found]
            if source is not None:
                wanted.setdefault(source.id, set()).update(p.code for p in found)
    stored: dict[tuple[int, int, str], tuple[float, int]] = {}
    for indicator_id, codes in wanted.items():
        if not codes or not units:
            continue
        rows = DataValue.objects.filter(
            indicator_id=indicator_id,
            unit_id__in=units,
            period__in=sorted(codes),
            category="",
            attribute="",
        ).values_list("unit_id", "period", "value", "status")
        for unit, period, value, status in rows:
            stored[(indicator_id, unit, period)] = (
                np.nan if value is None else float(value),
                STATUS_RANK.get(status, 0),
            )
    arrays: dict[str, np.ndarray] = {}
    status = np.full(n, 99, dtype=np.int64)
    for ref in refs:
        source = inputs.get(ref.code)
        column = np.full(n, np.nan)
        if source is not None:
            for k in range(n):
                unit = int(p_unit[k])
                found = [stored.get((source.id, unit, c)) for c in reads[(ref.key, p_per[k])]]
                column[k] = _roll_up(
                    [np.nan if f is None else f[0] for f in found], source.aggregation
                )
                if not ref.offset:
                    ranks = [f[1] for f in found if f is not None and not np.isnan(f[0])]
                    if ranks:
                        status[k] = min(status[k], *ranks)
        arrays[ref.key] = column
    result = evaluate_array(formula.expr, arrays, shape=(n,)).value
    result = np.where(np.abs(result) < LIMIT, result, np.nan)
    status = np.where(status == 99, 0, status)
    return Evaluation(p_unit, p_per, result, status)


def _write(formula: Formula, ev: Evaluation, *, actor, batch_id: str) -> tuple[int, set[str]]:
    """Store what changed; returns how many values changed, and in which periods."""
    from govperf.data.models import DataValue, DataValueChange

    existing = {
        (v.unit_id, v.period): v
        for v in DataValue.objects.filter(
            indicator_id=formula.indicator_id,
            unit_id__in=sorted(set(ev.units.tolist())),
            period__in=sorted(set(ev.periods)),
            category="",
            attribute="",
        )
    }
    now = timezone.now()
    person = actor if getattr(actor, "pk", None) else None
    rounded = round_half_up(ev.values, 6)
    new_rows: list[DataValue] = []
    changed_rows: list[tuple[DataValue, Decimal | None, str]] = []
    for k in range(len(ev.periods)):
        unit, period = int(ev.units[k]), ev.periods[k]
        number = None if np.isnan(rounded[k]) else Decimal(f"{rounded[k]:.6f}")
        status = RANK_STATUS[int(ev.statuses[k])]
        current = existing.get((unit, period))
        if current is None:
            if number is None:
                continue
            new_rows.append(
                DataValue(
                    indicator_id=formula.indicator_id,
                    unit_id=unit,
                    period=period,
                    period_start=Period.parse(period).start,
                    value=number,
                    status=status,
                    source=DataValue.Source.FORMULA,
                    created_at=now,
                    updated_at=now,
                    updated_by=person,
                )
            )
            continue
        if current.value == number and current.status == status:
            continue
        changed_rows.append((current, current.value, current.status))
        current.value = number
        current.status = status
        current.source = DataValue.Source.FORMULA
        current.version += 1
        current.updated_at = now
        current.updated_by = person
    if new_rows:
        DataValue.objects.bulk_create(new_rows, batch_size=2000)
    if changed_rows:
        DataValue.objects.bulk_update(
            [row for row, _v, _s in changed_rows],
            ["value", "status", "source", "version", "updated_at", "updated_by"],
            batch_size=2000,
        )
    actor_id = getattr(person, "pk", None)
    history = [
        DataValueChange(
            data_value=row,
            old_value=old_value,
            new_value=row.value,
            old_status=old_status,
            new_status=row.status,
            source=DataValue.Source.FORMULA,
            reason=REASON,
            actor_id=actor_id,
            batch=batch_id[:64],
            changed_at=now,
        )
        for row, old_value, old_status in [*((r, None, "") for r in new_rows), *changed_rows]
    ]
    DataValueChange.objects.bulk_create(history, batch_size=2000)
    periods = {row.period for row in new_rows} | {row.period for row, _v, _s in changed_rows}
    return len(history), periods


def recompute(
    *,
    indicator_ids: Iterable[int],
    unit_ids: Iterable[int],
    periods: Iterable[str],
    actor,
    batch_id: str,
) -> int:
    """Recompute every formula that reads these indicators, for these units and periods.

    Returns the number of formula values created, changed or cleared. Runs in the
    caller's transaction.
    """
    indicator_ids = {int(i) for i in indicator_ids}
    units = sorted({int(u) for u in unit_ids})
    periods = set(periods)
    if not indicator_ids or not units or not periods:
        return 0
    formulas = load_formulas()
    if not formulas:
        return 0
    graph = dependency_graph({code: f.expr for code, f in formulas.items()})
    try:
        order = evaluation_order(graph)
    except FormulaCycleError as exc:  # refused when saved; never loop on old data
        log.error("formula cycle, nothing recomputed: %s", exc)
        return 0
    inputs = load_inputs(set().union(*graph.values()) | set(graph))
    changed: dict[str, set[str]] = {
        code: set(periods) for code, source in inputs.items() if source.id in indicator_ids
    }
    written = 0
    for code in order:
        formula = formulas[code]
        targets: set[str] = set()
        for ref in references(formula.expr):
            for changed_code in changed.get(ref.code, ()):
                period = _parse(changed_code)
                if period is not None:
                    targets.update(p.code for p in readers(period, ref, formula.frequency))
        if not targets:
            continue
        evaluation = evaluate(formula, units, targets, inputs)
        count, touched = _write(formula, evaluation, actor=actor, batch_id=batch_id)
        if touched:
            changed.setdefault(code, set()).update(touched)
            written += count
    return written
