"""The evaluation scheme: components, indicators and their rules, grades, quota, ranking.

``parse_scheme`` validates a scheme object (the ``scheme`` of a case file, or a
stored scheme) once and returns a typed, immutable ``Scheme``; every problem is
reported with its JSON path. Extra fields are ignored, so a stored scheme may
carry more than the engine needs.

Defaults and readings of points ``CASES.md`` leaves open:

- ``precision`` 2, ``ranking`` ``group`` (units without a group rank together,
  so a case without groups ranks as ``all``), ``missing`` ``error``, no
  ``bonus_cap`` (bonus uncapped), no quota.
- ``"missing": "zero"`` scores a missing value zero points (pct 0), rather than
  reading it as the value 0, which would give full marks to a lower-better or
  deduction indicator that was never reported.
- Grades may be listed in any order; they are ordered by ``min``, highest first.
  A composite below every ``min`` gets no grade (null).
- ``trimmed_mean`` trims 1 at each end unless ``trim`` says otherwise.
- An indicator may say how its periods combine (``time_aggregate``: sum, mean,
  last, max, min; default sum, last for a rubric) when values come per period.
- ``bands`` take ``null`` for an open end: ``[[null, 60, 0], [60, null, 1]]``.

References
----------
``CASES.md`` (input format and rules); ``PRODUCT.md`` §C6 (presets).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from govperf.engine._text import fmt
from govperf.engine.errors import ErrorList, describe, is_finite_number, is_number
from govperf.engine.rules import Rubric, Rule, parse_rule

Ranking = Literal["group", "all", "none"]
MissingPolicy = Literal["error", "zero"]
PanelAggregate = Literal["mean", "trimmed_mean"]

TIME_AGGREGATES = ("sum", "mean", "last", "max", "min")
RANKINGS = ("group", "all", "none")
WEIGHT_TOLERANCE = 1e-6
MAX_PRECISION = 6


class RuleGroup(NamedTuple):
    """The indicators of one rule kind: their columns, rules and ``pct_block`` parameters."""

    kind: type[Rule]
    cols: npt.NDArray[np.intp]
    rules: tuple[Rule, ...]
    params: Any
    weights: npt.NDArray[np.float64]  # shaped (rules, 1), as ``pct_block`` takes them
    codes: tuple[str, ...]


@dataclass(frozen=True)
class Indicator:
    code: str
    weight: float
    rule: Rule
    component: str
    # How monthly (or other period) values combine into the evaluated value.
    time_aggregate: str = "sum"


@dataclass(frozen=True)
class Panel:
    """Raters' 0–100 scores aggregated by mean, or trimmed mean dropping ``trim`` each end."""

    aggregate: PanelAggregate = "mean"
    trim: int = 0

    @property
    def min_scores(self) -> int:
        return 2 * self.trim + 1


@dataclass(frozen=True)
class Component:
    code: str
    weight: float
    indicators: tuple[Indicator, ...] = ()
    panel: Panel | None = None
    # What people call it (社会评价); explanations fall back to the code.
    label: str | None = None

    @property
    def is_panel(self) -> bool:
        return self.panel is not None


@dataclass(frozen=True)
class Grade:
    name: str
    min: float


@dataclass(frozen=True)
class Quota:
    grade: str
    max_share: float

    def seats(self, n_units: int) -> int:
        """floor(max_share × n), on the decimal value of max_share (0.29 × 100 is 29)."""
        return int(self._share * n_units)

    @cached_property
    def _share(self) -> Decimal:
        return Decimal(repr(self.max_share))


@dataclass(frozen=True)
class Scheme:
    """A validated scheme. ``grades`` are ordered from the top grade down."""

    components: tuple[Component, ...]
    grades: tuple[Grade, ...]
    precision: int = 2
    quota: Quota | None = None
    ranking: Ranking = "group"
    bonus_cap: float | None = None
    missing: MissingPolicy = "error"

    @cached_property
    def indicators(self) -> tuple[Indicator, ...]:
        """Every indicator, in scheme order: the column order of the values matrix."""
        return tuple(ind for comp in self.components for ind in comp.indicators)

    @cached_property
    def indicator_codes(self) -> tuple[str, ...]:
        return tuple(ind.code for ind in self.indicators)

    @cached_property
    def panels(self) -> tuple[Component, ...]:
        return tuple(comp for comp in self.components if comp.is_panel)

    # Arrays derived once per scheme, so that scoring a few changed units does
    # not rebuild them (incremental recompute is dominated by fixed costs).

    @cached_property
    def indicator_weights(self) -> npt.NDArray[np.float64]:
        return _frozen(np.array([ind.weight for ind in self.indicators], dtype=np.float64))

    @cached_property
    def rule_groups(self) -> tuple[RuleGroup, ...]:
        """The indicators grouped by rule kind, each group with its columns, its rules
        and the parameters its kind's ``pct_block`` takes."""
        groups: dict[type[Rule], list[int]] = {}
        for j, ind in enumerate(self.indicators):
            groups.setdefault(type(ind.rule), []).append(j)
        out = []
        for kind, cols in groups.items():
            rules = tuple(self.indicators[j].rule for j in cols)
            weights = _frozen(np.array([[self.indicators[j].weight] for j in cols]))
            codes = tuple(self.indicators[j].code for j in cols)
            params = kind.block_params(rules)
            out.append(RuleGroup(kind, _frozen(np.array(cols)), rules, params, weights, codes))
        return tuple(out)

    @cached_property
    def time_aggregates(self) -> tuple[str, ...]:
        return tuple(ind.time_aggregate for ind in self.indicators)

    @cached_property
    def kind_order(self) -> tuple[npt.NDArray[np.intp] | None, npt.NDArray[np.intp] | None]:
        """The columns reordered so that each rule kind's are contiguous, and back; (None,
        None) when they already are. Scoring works in that order, so that each kind reads
        and writes a slice of rows rather than gathering and scattering its columns."""
        order = np.concatenate([np.arange(0), *(group.cols for group in self.rule_groups)])
        if (order == np.arange(len(order))).all():
            return None, None
        return _frozen(order), _frozen(np.argsort(order))

    @cached_property
    def summed_components(self) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        """Indices of the indicator (not panel) components and their first columns."""
        index, starts, col = [], [], 0
        for c, comp in enumerate(self.components):
            if not comp.is_panel:
                index.append(c)
                starts.append(col)
                col += len(comp.indicators)
        return _frozen(np.array(index, dtype=np.intp)), _frozen(np.array(starts, dtype=np.intp))

    @cached_property
    def component_weights(self) -> npt.NDArray[np.float64]:
        return _frozen(np.array([c.weight for c in self.components], dtype=np.float64))

    @cached_property
    def grade_mins(self) -> npt.NDArray[np.float64]:
        return _frozen(np.array([g.min for g in self.grades], dtype=np.float64))

    def grade_index(self, name: str) -> int:
        return next(i for i, g in enumerate(self.grades) if g.name == name)

    @cached_property
    def quota_index(self) -> int | None:
        """The index of the quota's grade; None without a quota."""
        return None if self.quota is None else self.grade_index(self.quota.grade)

    @classmethod
    def from_dict(cls, data: Any) -> Scheme:
        return parse_scheme(data)

    def to_dict(self) -> dict[str, Any]:
        """The scheme object as ``CASES.md`` spells it (for export)."""
        out: dict[str, Any] = {
            "precision": self.precision,
            "grades": [{"name": g.name, "min": g.min} for g in self.grades],
            "ranking": self.ranking,
            "missing": self.missing,
            "components": [],
        }
        if self.quota is not None:
            out["quota"] = {"grade": self.quota.grade, "max_share": self.quota.max_share}
        if self.bonus_cap is not None:
            out["bonus_cap"] = self.bonus_cap
        for comp in self.components:
            item: dict[str, Any] = {"code": comp.code, "weight": comp.weight}
            if comp.panel is not None:
                item["panel"] = {"aggregate": comp.panel.aggregate, "trim": comp.panel.trim}
            else:
                item["indicators"] = [
                    {
                        "code": ind.code,
                        "weight": ind.weight,
                        "rule": ind.rule.to_dict(),
                        "time_aggregate": ind.time_aggregate,
                    }
                    for ind in comp.indicators
                ]
            out["components"].append(item)
        return out


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


def parse_scheme(data: Any, *, path: str = "scheme") -> Scheme:
    """Validate a scheme object and build a ``Scheme``.

    Raises
    ------
    EngineInputError
        Listing every problem found, each with its field path under ``path``.
    """
    errors = ErrorList()
    scheme = _parse_scheme(data, path, errors)
    errors.raise_if_any()
    assert scheme is not None
    return scheme


def _parse_scheme(data: Any, path: str, errors: ErrorList) -> Scheme | None:
    if not isinstance(data, Mapping):
        errors.add(path, "方案须为对象", "the scheme must be an object")
        return None
    precision = _check_precision(data.get("precision", 2), f"{path}.precision", errors)
    grades = _check_grades(data.get("grades"), f"{path}.grades", errors)
    components = _check_components(data.get("components"), f"{path}.components", errors)
    ranking = data.get("ranking", "group")
    if ranking not in RANKINGS:
        errors.add(
            f"{path}.ranking",
            f"ranking 须为 group、all 或 none（实际 {describe(ranking)}）",
            f"ranking must be group, all or none (got {describe(ranking)})",
        )
    missing = data.get("missing", "error")
    if missing not in ("error", "zero"):
        errors.add(
            f"{path}.missing",
            f"missing 须为 error 或 zero（实际 {describe(missing)}）",
            f"missing must be error or zero (got {describe(missing)})",
        )
    bonus_cap = data.get("bonus_cap")
    if bonus_cap is not None and not (is_finite_number(bonus_cap) and bonus_cap >= 0):
        errors.add(
            f"{path}.bonus_cap",
            f"加分上限须为非负数（实际 {describe(bonus_cap)}）",
            f"bonus_cap must be a number ≥ 0 (got {describe(bonus_cap)})",
        )
    quota = _check_quota(data.get("quota"), grades, f"{path}.quota", errors)
    if errors or grades is None or components is None:
        return None
    return Scheme(
        components=components,
        grades=grades,
        precision=precision,
        quota=quota,
        ranking=ranking,
        bonus_cap=None if bonus_cap is None else float(bonus_cap),
        missing=missing,
    )


def _check_precision(value: Any, path: str, errors: ErrorList) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_PRECISION:
        errors.add(
            path,
            f"precision 须为 0 到 {MAX_PRECISION} 的整数（实际 {describe(value)}）",
            f"precision must be an integer from 0 to {MAX_PRECISION} (got {describe(value)})",
        )
        return 2
    return value


def _check_grades(value: Any, path: str, errors: ErrorList) -> tuple[Grade, ...] | None:
    if not isinstance(value, list) or not value:
        errors.add(path, "须列出等次（grades）", "grades must be a non-empty list")
        return None
    grades: list[Grade] = []
    for i, item in enumerate(value):
        gpath = f"{path}[{i}]"
        if not isinstance(item, Mapping):
            errors.add(gpath, "等次须为对象 {name, min}", "a grade must be an object {name, min}")
            continue
        name, low = item.get("name"), item.get("min")
        if not isinstance(name, str) or not name:
            errors.add(f"{gpath}.name", "等次名称不能为空", "a grade needs a name")
            continue
        if not is_finite_number(low):
            errors.add(
                f"{gpath}.min",
                f"等次下限须为数值（实际 {describe(low)}）",
                f"a grade's min must be a number (got {describe(low)})",
            )
            continue
        grades.append(Grade(name, float(low)))
    names = [g.name for g in grades]
    mins = [g.min for g in grades]
    if len(set(names)) != len(names):
        errors.add(path, "等次名称重复", "grade names must be unique")
    if len(set(mins)) != len(mins):
        errors.add(path, "等次下限重复", "grade mins must be unique")
    if errors:
        return None
    # "The first grade, from the top, whose min ≤ composite": order by min, highest first.
    return tuple(sorted(grades, key=lambda g: -g.min))


def _check_weight(value: Any, path: str, errors: ErrorList) -> float | None:
    if not is_finite_number(value) or value < 0:
        errors.add(
            path,
            f"权重须为非负数（实际 {describe(value)}）",
            f"a weight must be a number ≥ 0 (got {describe(value)})",
        )
        return None
    return float(value)


def _check_total(
    weights: list[float], codes: list[str], path: str, what: tuple[str, str], errors: ErrorList
) -> None:
    total = sum(weights)
    if abs(total - 100) > WEIGHT_TOLERANCE:
        terms = " + ".join(f"{c} {fmt(w)}" for c, w in zip(codes, weights, strict=True))
        errors.add(
            path,
            f"{what[0]}权重之和须为100（实际 {fmt(total)}：{terms}）",
            f"{what[1]} weights must total 100 (got {fmt(total)}: {terms})",
        )


def _check_components(value: Any, path: str, errors: ErrorList) -> tuple[Component, ...] | None:
    if not isinstance(value, list) or not value:
        errors.add(path, "须列出组成部分（components）", "components must be a non-empty list")
        return None
    n_before = len(errors)
    components: list[Component] = []
    seen: dict[str, str] = {}  # code -> path, across components and indicators

    def claim(code: Any, cpath: str) -> bool:
        if not isinstance(code, str) or not code:
            errors.add(cpath, "代码不能为空", "a code is required")
            return False
        if code in seen:
            errors.add(
                cpath,
                f"代码 {code} 重复（已用于 {seen[code]}）",
                f"code {code} is used twice (also at {seen[code]})",
            )
            return False
        seen[code] = cpath
        return True

    for i, item in enumerate(value):
        cpath = f"{path}[{i}]"
        if not isinstance(item, Mapping):
            errors.add(cpath, "组成部分须为对象", "a component must be an object")
            continue
        code = item.get("code")
        claim(code, f"{cpath}.code")
        weight = _check_weight(item.get("weight"), f"{cpath}.weight", errors)
        label = item.get("label") if isinstance(item.get("label"), str) else None
        has_ind, has_panel = "indicators" in item, "panel" in item
        if has_ind == has_panel:
            errors.add(
                cpath,
                f"组成部分 {describe(code)} 须有且只有 indicators 或 panel 之一",
                f"component {describe(code)} needs exactly one of indicators or panel",
            )
            continue
        if has_panel:
            panel = _check_panel(item["panel"], f"{cpath}.panel", errors)
            if panel is not None and weight is not None:
                components.append(Component(str(code), weight, panel=panel, label=label))
            continue
        indicators = _check_indicators(item["indicators"], str(code), cpath, claim, errors)
        if indicators is not None and weight is not None:
            components.append(Component(str(code), weight, indicators=indicators, label=label))
    if len(errors) > n_before:
        return None
    _check_total(
        [c.weight for c in components],
        [c.code for c in components],
        path,
        ("组成部分", "component"),
        errors,
    )
    return tuple(components)


def _check_indicators(
    value: Any, comp_code: str, cpath: str, claim: Any, errors: ErrorList
) -> tuple[Indicator, ...] | None:
    path = f"{cpath}.indicators"
    if not isinstance(value, list) or not value:
        errors.add(
            path,
            f"组成部分 {comp_code} 须列出指标",
            f"component {comp_code} needs a non-empty list of indicators",
        )
        return None
    n_before = len(errors)
    indicators: list[Indicator] = []
    for j, item in enumerate(value):
        ipath = f"{path}[{j}]"
        if not isinstance(item, Mapping):
            errors.add(ipath, "指标须为对象", "an indicator must be an object")
            continue
        code = item.get("code")
        claim(code, f"{ipath}.code")
        weight = _check_weight(item.get("weight"), f"{ipath}.weight", errors)
        rule = parse_rule(item.get("rule"), f"{ipath}.rule", errors)
        default_agg = "last" if isinstance(rule, Rubric) else "sum"
        time_aggregate = item.get("time_aggregate", default_agg)
        if time_aggregate not in TIME_AGGREGATES:
            errors.add(
                f"{ipath}.time_aggregate",
                f"time_aggregate 须为 {'、'.join(TIME_AGGREGATES)} 之一",
                f"time_aggregate must be one of {', '.join(TIME_AGGREGATES)}",
            )
            continue
        if weight is not None and rule is not None and isinstance(code, str):
            indicators.append(Indicator(code, weight, rule, comp_code, time_aggregate))
    if len(errors) > n_before:
        return None
    _check_total(
        [i.weight for i in indicators],
        [i.code for i in indicators],
        path,
        (f"组成部分 {comp_code} 的指标", f"component {comp_code}: indicator"),
        errors,
    )
    return tuple(indicators)


def _check_panel(value: Any, path: str, errors: ErrorList) -> Panel | None:
    if not isinstance(value, Mapping):
        errors.add(path, "panel 须为对象", "panel must be an object")
        return None
    aggregate = value.get("aggregate", "mean")
    if aggregate not in ("mean", "trimmed_mean"):
        errors.add(
            f"{path}.aggregate",
            f"aggregate 须为 mean 或 trimmed_mean（实际 {describe(aggregate)}）",
            f"aggregate must be mean or trimmed_mean (got {describe(aggregate)})",
        )
        return None
    if aggregate == "mean":
        return Panel("mean", 0)
    trim = value.get("trim", 1)
    if not (is_number(trim) and float(trim).is_integer() and trim >= 0):
        errors.add(
            f"{path}.trim",
            f"trim 须为非负整数（实际 {describe(trim)}）",
            f"trim must be a whole number ≥ 0 (got {describe(trim)})",
        )
        return None
    return Panel("trimmed_mean", int(trim))


def _check_quota(
    value: Any, grades: tuple[Grade, ...] | None, path: str, errors: ErrorList
) -> Quota | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        errors.add(path, "quota 须为对象 {grade, max_share}", "quota must be {grade, max_share}")
        return None
    grade, share = value.get("grade"), value.get("max_share")
    ok = True
    if not (is_finite_number(share) and 0 <= share <= 1):
        errors.add(
            f"{path}.max_share",
            f"max_share 须在 0 到 1 之间（实际 {describe(share)}）",
            f"max_share must lie within [0, 1] (got {describe(share)})",
        )
        ok = False
    if grades is not None:
        names = [g.name for g in grades]
        if grade not in names:
            errors.add(
                f"{path}.grade",
                f"限额等次 {describe(grade)} 不在等次表中",
                f"quota grade {describe(grade)} is not one of the grades",
            )
            ok = False
        elif names.index(grade) == len(names) - 1:
            errors.add(
                f"{path}.grade",
                "最低等次不能设限额（超额者无处可降）",
                "the lowest grade cannot have a quota (there is no grade to drop to)",
            )
            ok = False
    if not (ok and grades is not None and is_finite_number(share)):
        return None
    return Quota(str(grade), float(share))
