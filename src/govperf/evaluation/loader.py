"""Loading a round's inputs in bulk, for one call of the engine.

Everything is read set-wise, never per unit: the round's units; the data values of
every library indicator the scheme reads (one query, on PostgreSQL streamed with
``COPY … TO STDOUT (FORMAT BINARY)`` and decoded by NumPy as fixed-width records),
aggregated over the round's period by each indicator's time aggregate with the
engine's ``aggregate_periods``; plan targets for the round's period; imported
values; submitted scoring tasks; bonus points and vetoes.

Only values whose period lies inside the round's period count, plain values only
(no disaggregation), in the statuses the office set (approved and locked by default).
A column whose rule takes its target from the plan is put on the common scale of
``evaluation.schemes`` here; ``LoadedRound.actual`` keeps the unit's own numbers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection
from django.utils.translation import gettext as _

from govperf.core.errors import ErrorDetail, ValidationFailed
from govperf.engine.aggregation import aggregate_periods
from govperf.engine.periods import Period, PeriodKind
from govperf.engine.scoring import Units
from govperf.evaluation.explaining import PlanColumn
from govperf.evaluation.models import (
    Adjustment,
    ImportedValue,
    Round,
    RoundUnit,
    ScoringTask,
)
from govperf.evaluation.schemes import IndicatorSpec, SchemeSpec
from govperf.orgs.models import ComparableGroup

FloatArray = npt.NDArray[np.float64]
EPOCH = dt.date(2000, 1, 1)  # PostgreSQL's binary dates count days from here
MAX_PROBLEMS = 200
# One COPY record: field count, then (length, value) for int8 indicator, int8 unit,
# int4 day, float8 value; big-endian as PostgreSQL sends it.
_RECORD = np.dtype(
    [
        ("n", ">i2"),
        ("l1", ">i4"),
        ("indicator", ">i8"),
        ("l2", ">i4"),
        ("unit", ">i8"),
        ("l3", ">i4"),
        ("day", ">i4"),
        ("l4", ">i4"),
        ("value", ">f8"),
    ]
)
_COPY_HEADER = 19  # signature (11), flags (4), header extension length (4)


@dataclass
class LoadedRound:
    spec: SchemeSpec
    units: Units
    unit_ids: list[int]
    values: FloatArray  # units × indicators, what the engine scores (plan columns normalised)
    actual: FloatArray  # the same, in the units' own numbers
    levels: dict[str, list[str | None]]
    panels: dict[str, list[list[float]]]
    bonus: FloatArray
    veto: list[str | None]
    # Per from-plan indicator: the rule fields of every unit (NaN where not needed).
    plan_params: dict[str, dict[str, FloatArray]] = field(default_factory=dict)
    values_read: int = 0

    def plan_columns(self) -> list[PlanColumn]:
        """The from-plan columns, so that each unit's breakdown shows its own target."""
        return [
            PlanColumn(
                code=ind.code,
                column=ind.column,
                rule=ind.rule,
                params=self.plan_params[ind.code],
                actual=self.actual[:, ind.column],
            )
            for ind in self.spec.indicators
            if ind.plan_fields
        ]


class _Problems:
    def __init__(self) -> None:
        self.details: list[ErrorDetail] = []
        self.more = 0

    def add(self, field_path: str, message: str) -> None:
        if len(self.details) < MAX_PROBLEMS:
            self.details.append(ErrorDetail(field=field_path, message=message))
        else:
            self.more += 1

    def raise_if_any(self) -> None:
        if not self.details:
            return
        details = list(self.details)
        if self.more:
            details.append(
                ErrorDetail(message=_("%(n)d more problems not listed.") % {"n": self.more})
            )
        raise ValidationFailed(_("The round's inputs are not complete."), details)


def period_codes(period: Period) -> list[str]:
    """Every period code of a kind a value may have inside ``period`` (itself included)."""
    codes: list[str] = []
    for kind in (
        PeriodKind.YEARLY,
        PeriodKind.SIX_MONTHLY,
        PeriodKind.QUARTERLY,
        PeriodKind.MONTHLY,
        PeriodKind.WEEKLY,
    ):
        if kind.rank > period.kind.rank:
            continue
        try:
            codes += [p.code for p in period.children(kind)]
        except ValueError:  # weeks only split a year
            continue
    return codes


def load_round(
    round_: Round, spec: SchemeSpec, *, statuses: Sequence[str], on_stage=None
) -> LoadedRound:
    """Every input of ``round_`` as the engine takes them.

    Raises
    ------
    ValidationFailed
        A plan target missing or unusable, named ``targets.UNIT.INDICATOR.FIELD``.
    """
    period = Period.parse(round_.period)
    members = list(
        RoundUnit.objects.filter(round=round_)
        .order_by("unit__path")
        .values_list("unit_id", "unit__code", "group")
    )
    unit_ids = [m[0] for m in members]
    codes = [m[1] for m in members]
    groups = [m[2] or None for m in members]
    labels = dict(ComparableGroup.objects.filter(code__in=set(groups)).values_list("code", "name"))
    units = Units.of(codes, groups, labels)
    n, k = len(members), len(spec.indicators)
    row_of = {uid: i for i, uid in enumerate(unit_ids)}
    actual = np.full((n, k), np.nan)
    levels: dict[str, list[str | None]] = {
        ind.code: [None] * n for ind in spec.indicators if ind.kind == "rubric"
    }
    panels: dict[str, list[list[float]]] = {p.code: [[] for _ in range(n)] for p in spec.panels}
    problems = _Problems()

    # --- data values ----------------------------------------------------------------------
    data_cols = [
        ind for ind in spec.indicators if ind.source == "data" and ind.link and ind.kind != "rubric"
    ]
    data_panels = [p for p in spec.panels if p.source == "indicator" and p.link]
    columns: list[tuple[int, str]] = [(ind.link.id, ind.time_aggregate) for ind in data_cols]
    columns += [(p.link.id, p.link.time_aggregation) for p in data_panels]
    values_read = 0
    if columns and n:
        if on_stage:
            on_stage("loading")
        aggregated, values_read = _aggregate_data(
            round_.pk, row_of, columns, period_codes(period), statuses, n
        )
        for c, ind in enumerate(data_cols):
            actual[:, ind.column] = aggregated[:, c]
        for c, panel in enumerate(data_panels, start=len(data_cols)):
            for i in np.flatnonzero(~np.isnan(aggregated[:, c])).tolist():
                panels[panel.code][i] = [float(aggregated[i, c])]
    rubric_data = [
        ind for ind in spec.indicators if ind.source == "data" and ind.link and ind.kind == "rubric"
    ]
    if rubric_data and n:
        _load_rubric_data(round_, spec, rubric_data, period, statuses, row_of, actual, levels)

    # --- imported values and targets --------------------------------------------------------
    by_code = {ind.code: ind for ind in spec.indicators}
    imported_targets: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    for unit_id, code, position, value, level in (
        ImportedValue.objects.filter(round=round_)
        .order_by("unit_id", "code", "position")
        .values_list("unit_id", "code", "position", "value", "level")
    ):
        i = row_of.get(unit_id)
        if i is None:
            continue
        ind = by_code.get(code)
        if ind is not None and ind.source == "import":
            if ind.kind == "rubric":
                _set_rubric(spec, ind, i, level, value, actual, levels)
            elif value is not None and position == 0:
                actual[i, ind.column] = float(value)
            continue
        panel = spec.panel(code)
        if panel is not None and panel.source == "import":
            if value is not None:
                panels[code][i].append(float(value))
            continue
        base, _dot, field_name = code.rpartition(".")
        if base in by_code and field_name in by_code[base].plan_fields and value is not None:
            imported_targets[(base, field_name)][i] = float(value)

    # --- scoring tasks --------------------------------------------------------------------
    task_panels = {p.code: p for p in spec.panels if p.source == "tasks"}
    task_rubrics = [ind for ind in spec.indicators if ind.source == "tasks"]
    if task_panels or task_rubrics:
        shares: dict[tuple[str, int], list[float]] = defaultdict(list)
        for unit_id, component, kind, score, items in (
            ScoringTask.objects.filter(round=round_, status=ScoringTask.Status.SUBMITTED)
            .order_by("pk")
            .values_list("unit_id", "component", "kind", "score", "items")
        ):
            i = row_of.get(unit_id)
            if i is None:
                continue
            panel = task_panels.get(component)
            if panel is not None and kind in panel.evaluators and score is not None:
                panels[component][i].append(float(score))
            for ind in task_rubrics:
                if ind.component == component and kind in ind.evaluators:
                    item = (items or {}).get(ind.code)
                    if isinstance(item, dict) and item.get("pct") is not None:
                        shares[(ind.code, i)].append(float(item["pct"]))
        for (code, i), pcts in shares.items():
            ind = by_code[code]
            mean = float(np.mean(pcts))
            actual[i, ind.column] = mean
            levels[code][i] = _level_holding(spec, ind, mean)

    # --- bonus and veto -------------------------------------------------------------------
    bonus = np.zeros(n)
    vetoes: list[list[str]] = [[] for _ in range(n)]
    for unit_id, kind, points, reason in Adjustment.objects.filter(round=round_).values_list(
        "unit_id", "kind", "points", "reason"
    ):
        i = row_of.get(unit_id)
        if i is None:
            continue
        if kind == Adjustment.Kind.BONUS and points is not None:
            bonus[i] += float(points)
        elif kind == Adjustment.Kind.VETO:
            vetoes[i].append(reason)
    veto = ["；".join(v) if v else None for v in vetoes]

    # --- targets from the plan --------------------------------------------------------------
    values = actual.copy()
    plan_params: dict[str, dict[str, FloatArray]] = {}
    planned = [ind for ind in spec.indicators if ind.plan_fields]
    if planned and n:
        plan_params = _plan_params(round_, planned, row_of, n, imported_targets, codes, problems)
        for ind in planned:
            _normalise(ind, actual, values, plan_params[ind.code], codes, problems)
    problems.raise_if_any()
    return LoadedRound(
        spec=spec,
        units=units,
        unit_ids=unit_ids,
        values=values,
        actual=actual,
        levels=levels,
        panels=panels,
        bonus=bonus,
        veto=veto,
        plan_params=plan_params,
        values_read=values_read,
    )


# --- data values -----------------------------------------------------------------------------


def _aggregate_data(
    round_id: int,
    row_of: dict[int, int],
    columns: list[tuple[int, str]],
    periods: list[str],
    statuses: Sequence[str],
    n: int,
) -> tuple[FloatArray, int]:
    """Units × columns: each column's values over the period, aggregated by its method."""
    indicator_ids = sorted({c[0] for c in columns})
    ind_arr, unit_arr, day_arr, val_arr = _fetch_values(round_id, indicator_ids, periods, statuses)
    if not len(val_arr):
        return np.full((n, len(columns)), np.nan), 0
    unit_keys = np.array(sorted(row_of), dtype=np.int64)
    unit_rows = np.array([row_of[u] for u in unit_keys], dtype=np.intp)
    rows = unit_rows[np.searchsorted(unit_keys, unit_arr)]
    days, slot = np.unique(day_arr, return_inverse=True)
    known = np.array(indicator_ids, dtype=np.int64)  # sorted
    cube = np.full((n, len(known), len(days)), np.nan)
    cube[rows, np.searchsorted(known, ind_arr), slot] = val_arr
    picked = cube[:, [int(np.searchsorted(known, c[0])) for c in columns]]
    return aggregate_periods(picked, [method for _id, method in columns]), len(val_arr)


def _fetch_values(
    round_id: int, indicator_ids: Sequence[int], periods: Sequence[str], statuses: Sequence[str]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], FloatArray]:
    from govperf.data.models import DataValue

    table = DataValue._meta.db_table
    members = RoundUnit._meta.db_table
    where = (
        f"dv.indicator_id IN ({_marks(indicator_ids)}) AND dv.period IN ({_marks(periods)}) "
        f"AND dv.status IN ({_marks(statuses)}) AND dv.category = '' AND dv.attribute = '' "
        "AND dv.value IS NOT NULL"
    )
    params: list[Any] = [round_id, *indicator_ids, *periods, *statuses]
    join = f"{table} dv JOIN {members} ru ON ru.unit_id = dv.unit_id AND ru.round_id = %s"
    # Only our own table names and placeholders go into the text; values are parameters.
    if connection.vendor == "postgresql":
        columns = (
            "dv.indicator_id::int8, dv.unit_id::int8, "
            f"(dv.period_start - DATE '{EPOCH.isoformat()}')::int4, dv.value::float8"
        )
        sql = f"COPY (SELECT {columns} FROM {join} WHERE {where}) TO STDOUT (FORMAT BINARY)"  # noqa: S608
        with connection.cursor() as cursor:
            chunks = []
            with cursor.cursor.copy(sql, params) as copy:
                for block in copy:
                    chunks.append(bytes(block))
        data = b"".join(chunks)
        body = data[_COPY_HEADER : len(data) - 2]  # the trailer is a field count of -1
        records = np.frombuffer(body, dtype=_RECORD)
        return (
            records["indicator"].astype(np.int64),
            records["unit"].astype(np.int64),
            records["day"].astype(np.int64),
            records["value"].astype(np.float64),
        )
    sql = f"SELECT dv.indicator_id, dv.unit_id, dv.period_start, dv.value FROM {join} WHERE {where}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros(0)
    ind, unit, start, value = zip(*rows, strict=True)
    days = [_day_number(s) for s in start]
    return (
        np.array(ind, dtype=np.int64),
        np.array(unit, dtype=np.int64),
        np.array(days, dtype=np.int64),
        np.array([float(v) for v in value], dtype=np.float64),
    )


def _day_number(value: Any) -> int:
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return (day - EPOCH).days


def _marks(items: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(items)) if items else "NULL"


def _load_rubric_data(
    round_: Round,
    spec: SchemeSpec,
    columns: list[IndicatorSpec],
    period: Period,
    statuses: Sequence[str],
    row_of: dict[int, int],
    actual: FloatArray,
    levels: dict[str, list[str | None]],
) -> None:
    """Qualitative data values: the level of the latest period inside the round's period."""
    from govperf.data.models import DataValue

    by_link = {ind.link.id: ind for ind in columns if ind.link}
    rows = (
        DataValue.objects.filter(
            indicator_id__in=list(by_link),
            unit_id__in=RoundUnit.objects.filter(round=round_).values("unit_id"),
            period__in=period_codes(period),
            status__in=list(statuses),
            category="",
            attribute="",
        )
        .exclude(level="")
        .order_by("indicator_id", "unit_id", "period_start")
        .values_list("indicator_id", "unit_id", "level", "value")
    )
    for indicator_id, unit_id, level, value in rows:  # the latest period comes last
        i = row_of.get(unit_id)
        if i is not None:
            _set_rubric(spec, by_link[indicator_id], i, level, value, actual, levels)


def _set_rubric(
    spec: SchemeSpec,
    ind: IndicatorSpec,
    i: int,
    level: str,
    value: Any,
    actual: FloatArray,
    levels: dict[str, list[str | None]],
) -> None:
    """A level, with the share given or else the middle of the level's range (*ours*)."""
    ranges = spec.rubric_levels(ind)
    if value is not None:
        share = float(value)
    elif level in ranges:
        low, high = ranges[level]
        share = (low + high) / 2
    else:
        share = 0.0  # an unknown level: the engine names it
    actual[i, ind.column] = share
    levels[ind.code][i] = level


def _level_holding(spec: SchemeSpec, ind: IndicatorSpec, share: float) -> str | None:
    """The best level whose range holds ``share`` (levels may touch at their bounds)."""
    ranges = sorted(spec.rubric_levels(ind).items(), key=lambda kv: -kv[1][1])
    for name, (low, high) in ranges:
        if low - 1e-9 <= share <= high + 1e-9:
            return name
    return None


# --- plan targets ---------------------------------------------------------------------------


def _plan_params(
    round_: Round,
    planned: list[IndicatorSpec],
    row_of: dict[int, int],
    n: int,
    imported: dict[tuple[str, str], dict[int, float]],
    codes: Sequence[str],
    problems: _Problems,
) -> dict[str, dict[str, FloatArray]]:
    from govperf.plans.models import Target

    out: dict[str, dict[str, FloatArray]] = {}
    linked = {ind.link.id: ind for ind in planned if ind.link}
    found: dict[tuple[str, int], dict[str, Any]] = {}
    if linked:
        for indicator_id, unit_id, floor, target, challenge in Target.objects.filter(
            indicator_id__in=list(linked),
            period=round_.period,
            unit_id__in=RoundUnit.objects.filter(round=round_).values("unit_id"),
        ).values_list("indicator_id", "unit_id", "floor", "target", "challenge"):
            i = row_of.get(unit_id)
            if i is not None:
                found[(linked[indicator_id].code, i)] = {
                    "floor": floor,
                    "target": target,
                    "challenge": challenge,
                }
    for ind in planned:
        params = {name: np.full(n, np.nan) for name in ind.plan_fields}
        for name in ind.plan_fields:
            for i in range(n):
                if ind.link is not None:
                    value = found.get((ind.code, i), {}).get(name)
                else:
                    value = imported.get((ind.code, name), {}).get(i)
                if value is None:
                    what = _("plan target") if ind.link is not None else _("imported target")
                    problems.add(
                        f"targets.{codes[i]}.{ind.code}.{name}",
                        _("Unit %(unit)s has no %(field)s for %(code)s in its %(what)s.")
                        % {"unit": codes[i], "field": name, "code": ind.code, "what": what},
                    )
                else:
                    params[name][i] = float(value)
        out[ind.code] = params
    return out


def _normalise(
    ind: IndicatorSpec,
    actual: FloatArray,
    values: FloatArray,
    params: dict[str, FloatArray],
    codes: Sequence[str],
    problems: _Problems,
) -> None:
    """Put a from-plan column on the common scale; the unit's own rule must be valid."""
    rule = ind.rule
    col = actual[:, ind.column]

    def resolved(name: str) -> FloatArray:
        if name in params:
            return params[name]
        return np.full(len(col), float(rule[name]))

    if ind.kind in ("higher_better", "lower_better"):
        target = resolved("target")
        bad = target <= 0
        for i in np.flatnonzero(bad).tolist():
            problems.add(
                f"targets.{codes[i]}.{ind.code}.target",
                _("The target of %(code)s for %(unit)s must be above 0 (it is %(value)s).")
                % {"code": ind.code, "unit": codes[i], "value": _num(target[i])},
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            values[:, ind.column] = np.where(bad, np.nan, col / np.where(bad, 1.0, target))
        return
    floor, target, challenge = resolved("floor"), resolved("target"), resolved("challenge")
    ordered = (floor < target) & (target < challenge)
    present = ~(np.isnan(floor) | np.isnan(target) | np.isnan(challenge))
    for i in np.flatnonzero(present & ~ordered).tolist():
        problems.add(
            f"targets.{codes[i]}.{ind.code}",
            _(
                "%(code)s for %(unit)s needs floor < target < challenge (it has %(f)s, %(t)s, %(c)s)."
            )
            % {
                "code": ind.code,
                "unit": codes[i],
                "f": _num(floor[i]),
                "t": _num(target[i]),
                "c": _num(challenge[i]),
            },
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        below = (col - floor) / (target - floor)
        above = 1.0 + (col - target) / (challenge - target)
        beyond = 2.0 + (col - challenge) / (challenge - target)
        scaled = np.where(col < target, below, np.where(col < challenge, above, beyond))
    values[:, ind.column] = np.where(ordered, scaled, np.nan)


def _num(value: float) -> str:
    if np.isnan(value):
        return "—"
    return f"{value:g}"
