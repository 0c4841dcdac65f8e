"""Evaluate a scheme over many units at once: the engine's bulk API.

``evaluate(scheme, units, values, panels=..., bonus=..., veto=...)`` takes a
units × indicators matrix (or units × indicators × periods, aggregated first
by each indicator's ``time_aggregate``), NaN marking a missing value, and
returns an ``EvaluationResult`` of arrays: pct, points, component scores,
composite, grade, rank. ``EvaluationResult.breakdown(i)`` explains every point
of unit i on demand; ``EvaluationResult.update(rows, ...)`` re-scores only the
changed units and redoes the cross-unit steps (grades, quota, ranks), giving
exactly what a full run would.

Inputs are validated once, here at the boundary, with every problem named by
its field (``values.U1.A1``); past that point the code trusts its arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from govperf.engine.aggregation import aggregate_checked, panel_scores, weighted_columns
from govperf.engine.errors import ErrorList, describe
from govperf.engine.grading import (
    NO_GRADE,
    QuotaTally,
    RankKeys,
    apply_quota,
    assign_grades,
    competition_rank,
)
from govperf.engine.rounding import round_half_up
from govperf.engine.rules import Rubric
from govperf.engine.scheme import Scheme

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

PANEL_MIN, PANEL_MAX = 0.0, 100.0
COMPONENT_CAP = 100.0


@dataclass(frozen=True)
class Units:
    """The evaluated units: codes (unique) and ranking groups (None = no group).

    ``group_labels`` names groups for explanations (经济发展类部门 for ``econ``).
    """

    codes: tuple[str, ...]
    groups: tuple[str | None, ...]
    group_labels: Mapping[str | None, str] = field(default_factory=dict, compare=False)

    @classmethod
    def of(
        cls,
        codes: Sequence[str],
        groups: Sequence[str | None] | None = None,
        group_labels: Mapping[str | None, str] | None = None,
    ) -> Units:
        codes = tuple(codes)
        groups = tuple(groups) if groups is not None else (None,) * len(codes)
        return cls(codes, groups, dict(group_labels or {}))

    def __len__(self) -> int:
        return len(self.codes)

    def subset(self, rows: Sequence[int]) -> Units:
        rows = list(rows)
        sub = Units(_pick(self.codes, rows), _pick(self.groups, rows), self.group_labels)
        if self.__dict__.get("unique") and len(set(rows)) == len(rows):
            sub.__dict__["unique"] = True  # distinct rows of unique codes: known, not counted
        return sub

    @cached_property
    def unique(self) -> bool:
        return len(set(self.codes)) == len(self.codes)

    @cached_property
    def group_ids(self) -> IntArray:
        """Dense integer ids of the groups, for vectorised ranking."""
        index: dict[str | None, int] = {}
        return np.array([index.setdefault(g, len(index)) for g in self.groups], dtype=np.int64)


@dataclass(frozen=True)
class UnitInputs:
    """Validated per-unit inputs in array form (n units).

    ``actual`` is units × indicators after period aggregation, NaN where missing;
    for a rubric indicator it holds the pct and ``levels`` the level names.
    ``panels`` maps a panel component to its raters' scores, NaN-padded.
    """

    actual: FloatArray
    panels: Mapping[str, FloatArray]
    bonus: FloatArray
    veto: tuple[str | None, ...]
    levels: Mapping[str, tuple[str | None, ...]] = field(default_factory=dict)
    # True when ``actual`` is known to hold no NaN (False: it may), so that scoring
    # need not look again.
    complete: bool = False
    # Which units have a veto; computed from ``veto`` unless given.
    vetoed: BoolArray = field(default=None, repr=False, compare=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.vetoed is None:
            vetoed = np.array([v is not None for v in self.veto], dtype=bool)
            object.__setattr__(self, "vetoed", vetoed)


class _Checked(NamedTuple):
    """An input of ``update`` that keeps what was stored, checked when first given."""

    value: Any


@dataclass(frozen=True)
class _RowScores:
    """The per-unit stage: depends on each unit's own inputs only."""

    pct: FloatArray
    points: FloatArray
    component_sums: FloatArray  # before the cap of 100 (NaN for panels)
    components: FloatArray
    bonus_applied: FloatArray
    composite_raw: FloatArray
    composite: FloatArray
    vetoed: BoolArray


_ROW_FIELDS = tuple(_RowScores.__dataclass_fields__)


def _row_arrays(scores: _RowScores) -> tuple[Any, ...]:
    """The row stage's arrays in field order, as ``EvaluationResult`` takes them after
    ``inputs`` (``dataclasses.astuple`` would copy them)."""
    return tuple(getattr(scores, name) for name in _ROW_FIELDS)


@dataclass(frozen=True)
class EvaluationResult:
    """Arrays over units (rows in input order) plus what explains them.

    ``components`` and ``composite_raw`` are unrounded; ``composite`` is rounded
    half-up to the scheme's precision and is what grades and ranks use.
    ``grade_index`` indexes ``scheme.grades`` (-1: below every grade); ``rank``
    is 0 when the scheme ranks none.
    """

    scheme: Scheme
    units: Units
    inputs: UnitInputs
    pct: FloatArray
    points: FloatArray
    component_sums: FloatArray
    components: FloatArray
    bonus_applied: FloatArray
    composite_raw: FloatArray
    composite: FloatArray
    vetoed: BoolArray
    grade_index: IntArray
    quota_dropped: BoolArray
    rank: IntArray
    # The ranking's sorted keys and the quota grade's tally, which let ``update``
    # re-rank and find the quota's cut without going over every unit again.
    rank_keys: RankKeys | None = field(default=None, repr=False, compare=False)
    quota_tally: QuotaTally | None = field(default=None, repr=False, compare=False)
    # Set by an in-place update: this result's arrays then hold the new result's rows.
    spent: bool = field(default=False, init=False, repr=False, compare=False)

    @property
    def grades(self) -> list[str | None]:
        names = [g.name for g in self.scheme.grades]
        return [names[i] if i != NO_GRADE else None for i in self.grade_index]

    @property
    def ranks(self) -> list[int | None]:
        return [int(r) if r > 0 else None for r in self.rank]

    def index_of(self, code: str) -> int:
        return self.units.codes.index(code)

    def breakdown(self, i: int) -> dict[str, Any]:
        """Every point of unit ``i`` traced back to its value and rule."""
        # Imported here: explain needs this module's types, this module needs it only here.
        from govperf.engine.explain import explain_unit

        return explain_unit(self, i)

    def update(
        self,
        rows: Sequence[int] | npt.NDArray[np.integer],
        *,
        values: npt.ArrayLike | None = None,
        panels: Mapping[str, Any] | None = None,
        bonus: npt.ArrayLike | None = None,
        veto: Sequence[str | None] | None = None,
        levels: Mapping[str, Sequence[str | None]] | None = None,
        inplace: bool = False,
    ) -> EvaluationResult:
        """Re-score the units at ``rows`` with new inputs; others keep theirs.

        Each argument holds the new inputs of those rows only, in ``rows`` order;
        None keeps the stored ones (for ``panels`` and ``levels``, so does any
        code left out). The result equals a full ``evaluate`` of the new inputs.
        The per-unit arrays are copied first unless ``inplace``: then this
        result's arrays are overwritten and shared with the one returned, which
        saves copying a province's arrays when the old result is discarded anyway;
        it cannot be updated again (``ValueError``), as its arrays no longer match
        its ranking and quota.
        """
        if self.spent:
            raise ValueError("this result was updated in place: update the result it returned")
        idx = np.asarray(rows, dtype=np.intp)
        picked = idx.tolist()
        distinct = len(set(picked)) == len(picked)
        if not distinct or (picked and not 0 <= min(picked) <= max(picked) < len(self.units)):
            raise IndexError("rows must be distinct indices of evaluated units")
        old = self.inputs
        # What is not given keeps the stored inputs, checked when they were first given.
        sub_panels = {code: arr[idx] for code, arr in old.panels.items()}
        sub_panels.update(panels or {})
        sub_levels = {code: _pick(v, picked) for code, v in old.levels.items()}
        sub_levels.update({code: tuple(v) for code, v in (levels or {}).items()})
        sub_inputs = _prepare_checked(
            self.scheme,
            self.units.subset(picked),
            old.actual[idx] if values is None else values,
            sub_panels if panels else _Checked(sub_panels),
            _Checked(old.bonus[idx]) if bonus is None else bonus,
            _Checked(_pick(old.veto, picked)) if veto is None else veto,
            sub_levels if levels else _Checked(sub_levels),
            vetoed=old.vetoed[idx] if veto is None else None,
        )
        sub = _score_rows(self.scheme, sub_inputs)

        def keep(full: np.ndarray) -> np.ndarray:
            return full if inplace else full.copy()

        def splice(full: np.ndarray, part: np.ndarray) -> np.ndarray:
            out = keep(full)
            out[idx] = part
            return out

        # Only the changed units' grades before the quota can change: the others' are
        # their final grades with the quota's drop undone.
        grades = self.grade_index - self.quota_dropped
        sub_grades = assign_grades(sub.composite, self.scheme.grade_mins, sub.vetoed)
        quota = self.scheme.quota_index
        tally = self.quota_tally and self.quota_tally.update(
            self.composite[idx], grades[idx] == quota, sub.composite, sub_grades == quota
        )
        grades[idx] = sub_grades
        ranked = self.rank_keys and self.rank_keys.update(
            idx, sub.composite, sub.vetoed, keep(self.rank)
        )
        rank_keys, rank = ranked or (None, None)
        if inplace:
            object.__setattr__(self, "spent", True)

        # Bonus and veto not given are the stored ones: their rows need no writing.
        unchanged = {"bonus_applied"} if bonus is None else set()
        if veto is None:
            unchanged.add("vetoed")

        inputs = UnitInputs(
            actual=splice(old.actual, sub_inputs.actual),
            panels={
                code: _splice_padded(old.panels[code], sub_inputs.panels[code], idx, inplace)
                for code in old.panels
            },
            bonus=keep(old.bonus) if bonus is None else splice(old.bonus, sub_inputs.bonus),
            # Unchanged vetoes and levels keep their tuples: rebuilding them is not free.
            veto=old.veto if veto is None else _splice_tuple(old.veto, sub_inputs.veto, idx),
            levels={
                **old.levels,
                **{
                    code: _splice_tuple(
                        old.levels.get(code, (None,) * len(self.units)),
                        sub_inputs.levels[code],
                        idx,
                    )
                    for code in levels or {}
                },
            },
            complete=old.complete and sub_inputs.complete,
            vetoed=keep(old.vetoed) if veto is None else splice(old.vetoed, sub_inputs.vetoed),
        )
        scores = _RowScores(
            *(
                keep(getattr(self, name))
                if name in unchanged
                else splice(getattr(self, name), getattr(sub, name))
                for name in _ROW_FIELDS
            )
        )
        return _finish(
            self.scheme,
            self.units,
            inputs,
            scores,
            grades=grades,
            quota_tally=tally,
            rank_keys=rank_keys,
            rank=rank,
        )


def evaluate(
    scheme: Scheme,
    units: Units,
    values: npt.ArrayLike,
    *,
    panels: Mapping[str, Any] | None = None,
    bonus: npt.ArrayLike | None = None,
    veto: Sequence[str | None] | None = None,
    levels: Mapping[str, Sequence[str | None]] | None = None,
) -> EvaluationResult:
    """Score every unit under ``scheme``.

    Parameters
    ----------
    scheme
        A validated scheme (``parse_scheme``).
    units
        Unit codes and groups; row i of every array is unit i.
    values
        (n, k) or (n, k, t) with k = len(scheme.indicators) in scheme order; NaN
        is a missing value. A rubric indicator's value is its pct.
    panels
        Per panel component code: its raters' 0–100 scores, either an (n, r)
        array NaN-padded or a list of n sequences (None for no scores).
    bonus
        (n,) bonus points before the scheme's cap; default 0.
    veto
        n reasons (None for no veto).
    levels
        Per rubric indicator code: n level names, checked against the level's range.

    Raises
    ------
    EngineInputError
        Listing every problem in the inputs, each naming unit and field.

    Examples
    --------
    >>> from govperf.engine.scheme import parse_scheme
    >>> scheme = parse_scheme({"grades": [{"name": "A", "min": 90}, {"name": "B", "min": 0}],
    ...     "components": [{"code": "goal", "weight": 100, "indicators": [
    ...         {"code": "X", "weight": 100, "rule": {"kind": "higher_better", "target": 100}}]}]})
    >>> result = evaluate(scheme, Units.of(["U1", "U2"]), [[92.0], [100.0]])
    >>> result.composite.tolist(), result.grades, result.ranks
    ([92.0, 100.0], ['A', 'A'], [2, 1])
    """
    inputs = _prepare_checked(scheme, units, values, panels, bonus, veto, levels)
    return _finish(scheme, units, inputs, _score_rows(scheme, inputs))


def prepare_inputs(
    scheme: Scheme,
    units: Units,
    values: npt.ArrayLike,
    *,
    panels: Mapping[str, Any] | None = None,
    bonus: npt.ArrayLike | None = None,
    veto: Sequence[str | None] | None = None,
    levels: Mapping[str, Sequence[str | None]] | None = None,
) -> tuple[UnitInputs | None, list[dict[str, str]]]:
    """Validate and normalise inputs; returns (inputs or None, problems).

    For adapters that add their own problems before raising once
    (``casefile``); ``evaluate`` calls it and raises.
    """
    errors = ErrorList()
    inputs = _check_inputs(scheme, units, values, panels, bonus, veto, levels, errors)
    return (None if errors else inputs), errors.items


def evaluate_inputs(scheme: Scheme, units: Units, inputs: UnitInputs) -> EvaluationResult:
    """Score inputs already returned by ``prepare_inputs`` without problems."""
    return _finish(scheme, units, inputs, _score_rows(scheme, inputs))


def _prepare_checked(
    scheme: Scheme,
    units: Units,
    values: Any,
    panels: Mapping[str, Any] | None,
    bonus: Any,
    veto: Sequence[str | None] | None,
    levels: Mapping[str, Sequence[str | None]] | None,
    vetoed: BoolArray | None = None,
) -> UnitInputs:
    errors = ErrorList()
    inputs = _check_inputs(scheme, units, values, panels, bonus, veto, levels, errors, vetoed)
    errors.raise_if_any()
    assert inputs is not None
    return inputs


# --- validation ----------------------------------------------------------------------


def _check_inputs(
    scheme: Scheme,
    units: Units,
    values: Any,
    panels: Mapping[str, Any] | None,
    bonus: Any,
    veto: Sequence[str | None] | None,
    levels: Mapping[str, Sequence[str | None]] | None,
    errors: ErrorList,
    vetoed: BoolArray | None = None,
) -> UnitInputs | None:
    """Every input checked and normalised; one given as ``_Checked`` is taken as it is."""
    n, k = len(units), len(scheme.indicators)
    if not units.unique:
        errors.add("units", "单位代码重复", "unit codes must be unique")
    actual, finite = _check_values(scheme, units, values, errors)

    def checked(value: Any, check: Callable[[], Any]) -> Any:
        return value.value if isinstance(value, _Checked) else check()

    panel_arrays = checked(panels, lambda: _check_panels(scheme, units, panels or {}, errors))
    bonus_arr = checked(bonus, lambda: _check_bonus(units, bonus, errors))
    veto_t = checked(veto, lambda: _check_veto(units, veto, errors))
    levels_t = checked(levels, lambda: _check_levels(scheme, units, levels or {}, errors))
    if actual is None or actual.shape != (n, k):
        return None
    # One pass answers the usual case (every value there and finite); only otherwise
    # are infinite and missing values looked for one by one.
    complete = finite or bool(np.isfinite(actual).all())
    if not complete:
        _check_finite(scheme, units, actual, errors)
    present = None if complete else ~np.isnan(actual)
    for group in scheme.rule_groups:
        if group.kind.checks_values:

            def field_of(i: int, j: int, codes: tuple[str, ...] = group.codes) -> str:
                return f"values.{units.codes[i]}.{codes[j]}"

            group.kind.check_block(
                group.rules,
                actual[:, group.cols],
                None if present is None else present[:, group.cols],
                [levels_t.get(code) for code in group.codes],
                field_of,
                errors,
            )
    if scheme.missing == "error" and present is not None and not present.all():
        for i, j in np.argwhere(~present):
            unit, code = units.codes[i], scheme.indicators[j].code
            errors.add(
                f"values.{unit}.{code}",
                f"单位 {unit} 缺少指标 {code} 的值",
                f"unit {unit} has no value for indicator {code}",
            )
    return UnitInputs(actual, panel_arrays, bonus_arr, veto_t, levels_t, complete, vetoed)


def _check_values(
    scheme: Scheme, units: Units, values: Any, errors: ErrorList
) -> tuple[FloatArray | None, bool]:
    """The values as a units × indicators array (None if malformed), and whether they
    are known to be all finite (False: not known)."""
    n, k = len(units), len(scheme.indicators)
    try:
        arr = np.ascontiguousarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        errors.add("values", f"值矩阵须为数值数组（{exc}）", f"values must be numeric ({exc})")
        return None, False
    if arr.ndim not in (2, 3) or arr.shape[:2] != (n, k):
        errors.add(
            "values",
            f"值矩阵须为 {n} × {k}（或再加期间维）（实际 {arr.shape}）",
            f"values must be {n} × {k} (optionally × periods) (got {arr.shape})",
        )
        return None, False
    if arr.ndim == 3:
        return aggregate_checked(arr, scheme.time_aggregates)
    return arr, False


def _check_finite(scheme: Scheme, units: Units, actual: FloatArray, errors: ErrorList) -> None:
    for i, j in zip(*np.nonzero(np.isinf(actual)), strict=True):
        code = scheme.indicators[j].code
        errors.add(
            f"values.{units.codes[i]}.{code}",
            f"单位 {units.codes[i]} 指标 {code} 的值须为有限数值",
            f"unit {units.codes[i]}, indicator {code}: the value must be finite",
        )


def _check_panels(
    scheme: Scheme, units: Units, panels: Mapping[str, Any], errors: ErrorList
) -> dict[str, FloatArray]:
    n = len(units)
    known = [c.code for c in scheme.panels]
    for code in panels:
        if code not in known:
            errors.add(
                f"panels.{code}",
                f"{code} 不是评议类组成部分",
                f"{code} is not a panel component of the scheme",
            )
    out: dict[str, FloatArray] = {}
    for comp in scheme.panels:
        assert comp.panel is not None
        arr = _padded(panels.get(comp.code), n)
        if arr is None:
            errors.add(
                f"panels.{comp.code}",
                f"{comp.code} 的评分须为每个单位一组数值",
                f"{comp.code}: scores must be one sequence of numbers per unit",
            )
            continue
        count: npt.NDArray[np.intp] = (~np.isnan(arr)).sum(axis=1)
        out_of_range: BoolArray = np.any((arr < PANEL_MIN) | (arr > PANEL_MAX), axis=1)
        empty = (count == 0) if scheme.missing == "error" else np.zeros(n, dtype=bool)
        too_few = (count > 0) & (count < comp.panel.min_scores)
        for i in np.flatnonzero(out_of_range | empty | too_few).tolist():
            unit, fld = units.codes[i], f"values.{units.codes[i]}.{comp.code}"
            if out_of_range[i]:
                errors.add(
                    fld,
                    f"单位 {unit} 的 {comp.code} 评分须在 0 到 100 之间",
                    f"unit {unit}, {comp.code}: every score must lie within [0, 100]",
                )
            if empty[i]:
                errors.add(
                    fld,
                    f"单位 {unit} 缺少 {comp.code} 的评分",
                    f"unit {unit} has no scores for {comp.code}",
                )
            if too_few[i]:
                trim, need = comp.panel.trim, comp.panel.min_scores
                errors.add(
                    fld,
                    f"单位 {unit} 的 {comp.code} 为截尾平均（去掉最高、最低各 {trim} 个），"
                    f"至少需要 {need} 个评分（实际 {count[i]} 个）",
                    f"unit {unit}, {comp.code}: a trimmed mean dropping {trim} at each end "
                    f"needs at least {need} scores (got {count[i]})",
                )
        out[comp.code] = arr
    return out


def _padded(scores: Any, n: int) -> FloatArray | None:
    """(n, r) float array from an array or n sequences; None if malformed."""
    if scores is None:
        return np.full((n, 1), np.nan)
    if isinstance(scores, np.ndarray):
        arr = scores.astype(np.float64, copy=False)
        if arr.ndim != 2 or arr.shape[0] != n or np.isinf(arr).any():
            return None
        return arr
    if len(scores) != n:
        return None
    rows = [[] if row is None else list(row) for row in scores]
    width = max((len(r) for r in rows), default=0) or 1
    out = np.full((n, width), np.nan)
    try:
        for i, row in enumerate(rows):
            out[i, : len(row)] = np.asarray(row, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return None if np.isinf(out).any() else out


def _check_bonus(units: Units, bonus: Any, errors: ErrorList) -> FloatArray:
    n = len(units)
    if bonus is None:
        return np.zeros(n)
    arr = np.asarray(bonus, dtype=np.float64)
    if arr.shape != (n,):
        errors.add("bonus", f"加分须为 {n} 个数值", f"bonus must hold {n} numbers")
        return np.zeros(n)
    finite = np.isfinite(arr)
    if finite.all():
        return arr
    for i in np.flatnonzero(~finite).tolist():
        errors.add(
            f"bonus.{units.codes[i]}",
            f"单位 {units.codes[i]} 的加分须为有限数值",
            f"unit {units.codes[i]}: bonus must be a finite number",
        )
    return np.where(finite, arr, 0.0)


def _check_veto(
    units: Units, veto: Sequence[str | None] | None, errors: ErrorList
) -> tuple[str | None, ...]:
    n = len(units)
    if veto is None:
        return (None,) * n
    if len(veto) != n:
        errors.add("veto", f"否决须为 {n} 项", f"veto must hold {n} entries")
        return (None,) * n
    for i, reason in enumerate(veto):
        if reason is not None and (not isinstance(reason, str) or not reason.strip()):
            errors.add(
                f"veto.{units.codes[i]}",
                f"否决理由须为非空文字（实际 {describe(reason)}）",
                f"a veto reason must be non-empty text (got {describe(reason)})",
            )
    return tuple(veto)


def _check_levels(
    scheme: Scheme, units: Units, levels: Mapping[str, Sequence[str | None]], errors: ErrorList
) -> dict[str, tuple[str | None, ...]]:
    out: dict[str, tuple[str | None, ...]] = {}
    if not levels:
        return out
    rubric_codes = {ind.code for ind in scheme.indicators if isinstance(ind.rule, Rubric)}
    for code, names in levels.items():
        if code not in rubric_codes or len(names) != len(units):
            errors.add(
                f"levels.{code}",
                f"{code} 须为定性指标，且每个单位一个等级",
                f"{code} must be a rubric indicator with one level per unit",
            )
            continue
        out[code] = tuple(names)
    return out


# --- computation ---------------------------------------------------------------------


def _score_rows(scheme: Scheme, inputs: UnitInputs) -> _RowScores:
    actual = inputs.actual
    n = actual.shape[0]
    weights = scheme.indicator_weights
    order, back = scheme.kind_order
    # Rules × units, each kind's rows contiguous: one transposing copy in and one out
    # cost less than a kernel call per kind over strided columns.
    by_kind = np.ascontiguousarray(actual.T) if order is None else actual.T[order]
    pct_t = np.empty_like(by_kind)
    start = 0
    for group in scheme.rule_groups:
        rows = slice(start, start + len(group.cols))
        group.kind.pct_block(group.params, by_kind[rows], group.weights, pct_t[rows])
        start = rows.stop
    pct = np.ascontiguousarray((pct_t if back is None else pct_t[back]).T)
    if not inputs.complete:
        missing = np.isnan(actual)
        if missing.any():
            # Only reachable with "missing": "zero": a missing value earns nothing.
            pct[missing] = 0.0
    points = pct * weights

    summed, starts = scheme.summed_components
    # reduceat adds each component's contiguous columns; like every step here it gives a
    # row the same value whatever the other rows (tested).
    if not scheme.panels:
        component_sums = np.add.reduceat(points, starts, axis=1)
        components = np.minimum(component_sums, COMPONENT_CAP)
    else:
        components = np.empty((n, len(scheme.components)))
        component_sums = np.full_like(components, np.nan)
        if len(summed):
            sums = np.add.reduceat(points, starts, axis=1)
            component_sums[:, summed] = sums
            components[:, summed] = np.minimum(sums, COMPONENT_CAP)
        for c, comp in enumerate(scheme.components):
            if comp.panel is not None:
                score = panel_scores(inputs.panels[comp.code], comp.panel.trim)
                components[:, c] = np.where(np.isnan(score), 0.0, score)

    bonus = inputs.bonus
    bonus_applied = bonus if scheme.bonus_cap is None else np.minimum(bonus, scheme.bonus_cap)
    composite_raw = weighted_columns(components, scheme.component_weights, 100.0) + bonus_applied
    return _RowScores(
        pct=pct,
        points=points,
        component_sums=component_sums,
        components=components,
        bonus_applied=bonus_applied,
        composite_raw=composite_raw,
        composite=round_half_up(composite_raw, scheme.precision),
        vetoed=inputs.vetoed,
    )


def _finish(
    scheme: Scheme,
    units: Units,
    inputs: UnitInputs,
    scores: _RowScores,
    *,
    grades: IntArray | None = None,
    quota_tally: QuotaTally | None = None,
    rank_keys: RankKeys | None = None,
    rank: IntArray | None = None,
) -> EvaluationResult:
    """The cross-unit stage: grades, quota and ranks on the rounded composite.

    ``grades`` (before the quota), ``quota_tally``, ``rank_keys`` and ``rank``, when an
    update already has them, spare computing them again for every unit.
    """
    if grades is None:
        grades = assign_grades(scores.composite, scheme.grade_mins, scores.vetoed)
    if scheme.quota is not None:
        quota = scheme.quota_index
        assert quota is not None  # set exactly when there is a quota
        if quota_tally is None:
            quota_tally = QuotaTally.build(scores.composite, grades == quota, scheme.precision)
        grades, dropped = apply_quota(
            scores.composite, grades, quota, scheme.quota.seats(len(units)), tally=quota_tally
        )
    else:
        dropped = np.zeros(len(units), dtype=bool)
    if scheme.ranking == "none":
        rank = np.zeros(len(units), dtype=np.int64)
    elif rank is None:
        groups = units.group_ids if scheme.ranking == "group" else None
        if rank_keys is None:
            rank_keys = RankKeys.build(scores.composite, groups, scores.vetoed, scheme.precision)
        rank = (
            rank_keys.ranks()
            if rank_keys is not None
            else competition_rank(scores.composite, groups, scores.vetoed)
        )
    return EvaluationResult(
        scheme,
        units,
        inputs,
        *_row_arrays(scores),
        grades,
        dropped,
        rank,
        rank_keys,
        quota_tally,
    )


def _splice_padded(
    full: FloatArray, part: FloatArray, idx: npt.NDArray[np.intp], inplace: bool
) -> FloatArray:
    if inplace and part.shape[1] <= full.shape[1]:
        out = full
    else:
        out = np.full((full.shape[0], max(full.shape[1], part.shape[1])), np.nan)
        out[:, : full.shape[1]] = full
    out[idx] = np.nan
    out[idx, : part.shape[1]] = part
    return out


def _pick(items: tuple, rows: list[int]) -> tuple:
    """``items`` at ``rows``, by a C-level gather: subsets are taken on every update."""
    if len(rows) > 1:
        return itemgetter(*rows)(items)
    return tuple(items[i] for i in rows)


def _splice_tuple(full: tuple, part: tuple, idx: npt.NDArray[np.intp]) -> tuple:
    out = list(full)
    for i, value in zip(idx.tolist(), part, strict=True):
        out[i] = value
    return tuple(out)
