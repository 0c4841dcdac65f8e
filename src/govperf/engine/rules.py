"""Scoring rules: the share ``pct`` of an indicator's weight that a unit earns.

Each rule is a small frozen dataclass parsed from the scheme's ``rule`` object
(``{"kind": "higher_better", "target": 100}``), validated once, then applied
to a whole block of units × indicators of the same kind at once
(``pct_block``), so that a province's 6,000 units cost one NumPy call per rule
kind rather than one per unit. ``explain`` spells out the arithmetic for one
value in Chinese and English. The formulas are those of ``CASES.md``.

Missing values are NaN here; the caller overwrites their pct (error or zero
before this point), so the rules need not care what NaN turns into.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, ClassVar, TypeGuard

import numpy as np
import numpy.typing as npt

from govperf.engine._text import fmt
from govperf.engine.errors import ErrorList, describe, is_finite_number

FloatArray = npt.NDArray[np.float64]

DEFAULT_LEVELS: Mapping[str, tuple[float, float]] = {
    "达成": (0.8, 1.0),
    "部分达成": (0.6, 0.8),
    "未达成": (0.0, 0.6),
}


def _number(
    data: Mapping[str, Any],
    key: str,
    field_path: str,
    errors: ErrorList,
    *,
    default: float | None = None,
) -> float | None:
    """Read a finite number ``data[key]``; record an error and return None if bad."""
    if key not in data or data[key] is None:
        if default is not None:
            return default
        errors.add(f"{field_path}.{key}", f"缺少 {key}", f"{key} is required")
        return None
    value = data[key]
    if not is_finite_number(value):
        errors.add(
            f"{field_path}.{key}",
            f"{key} 须为有限数值（实际 {describe(value)}）",
            f"{key} must be a finite number (got {describe(value)})",
        )
        return None
    return float(value)


def _column(rules: Sequence[Any], name: str) -> FloatArray:
    """One parameter of each rule of a block, read-only, shaped (rules, 1) to broadcast
    over a block's rows of units."""
    out = np.array([[getattr(r, name)] for r in rules], dtype=np.float64)
    out.flags.writeable = False
    return out


def _positive(
    value: float | None, key: str, field_path: str, errors: ErrorList
) -> TypeGuard[float]:
    if value is None:
        return False
    if value <= 0:
        errors.add(
            f"{field_path}.{key}",
            f"{key} 须大于0（实际 {fmt(value)}）",
            f"{key} must be > 0 (got {fmt(value)})",
        )
        return False
    return True


class Rule:
    """Base of the rule kinds; subclasses are frozen dataclasses."""

    kind: ClassVar[str]
    # Whether check_values looks at the values (so callers may skip the call).
    checks_values: ClassVar[bool] = False

    @classmethod
    def parse(cls, data: Mapping[str, Any], field_path: str, errors: ErrorList) -> Rule | None:
        raise NotImplementedError

    @classmethod
    def block_params(cls, rules: Sequence[Any]) -> Any:
        """What ``pct_block`` needs of ``rules``, as arrays over their columns: made once
        per scheme (``Scheme.rule_groups``), as a province's updates re-score a handful
        of units at a time and would otherwise rebuild them every time."""
        return rules

    @staticmethod
    def pct_block(params: Any, actual: FloatArray, weights: FloatArray, out: FloatArray) -> None:
        """Write into ``out`` the pct of ``actual``, rules × units (a row per rule: a block
        of a few rules and many units then is contiguous, and each NumPy call runs over
        long rows); ``params`` is what ``block_params`` made of the rules, ``weights`` the
        rules' weights, both shaped (rules, 1)."""
        raise NotImplementedError

    def explain(
        self, actual: float, pct: float, weight: float, level: str | None = None
    ) -> tuple[str, str]:
        """How ``pct`` follows from ``actual``: (Chinese, English)."""
        raise NotImplementedError

    def params(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.params()}

    def check_values(
        self,
        actual: FloatArray,
        present: npt.NDArray[np.bool_],
        levels: Sequence[str | None] | None,
        field_of: Callable[[int], str],
        errors: ErrorList,
    ) -> None:
        """Rule-specific checks of present values; ``field_of(i)`` names unit i's value."""

    @classmethod
    def check_block(
        cls,
        rules: Sequence[Any],
        actual: FloatArray,
        present: npt.NDArray[np.bool_] | None,
        levels: Sequence[Sequence[str | None] | None],
        field_of: Callable[[int, int], str],
        errors: ErrorList,
    ) -> None:
        """``check_values`` for each column of a units × rules block of one kind;
        ``present`` None: every value is there."""
        if present is None:
            present = np.ones(actual.shape, dtype=bool)
        for j, rule in enumerate(rules):
            rule.check_values(
                actual[:, j], present[:, j], levels[j], lambda i, j=j: field_of(i, j), errors
            )


@dataclass(frozen=True)
class HigherBetter(Rule):
    """pct = min(actual ÷ target, 1), never below 0."""

    kind: ClassVar[str] = "higher_better"
    target: float

    @classmethod
    def parse(cls, data: Mapping[str, Any], field_path: str, errors: ErrorList) -> Rule | None:
        target = _number(data, "target", field_path, errors)
        return cls(target) if _positive(target, "target", field_path, errors) else None

    @classmethod
    def block_params(cls, rules: Sequence[Any]) -> FloatArray:
        return _column(rules, "target")

    @staticmethod
    def pct_block(
        params: FloatArray, actual: FloatArray, weights: FloatArray, out: FloatArray
    ) -> None:
        np.divide(actual, params, out=out)
        # clip(out, 0, 1) in two ufuncs: the same floats, without clip's own overhead.
        np.maximum(out, 0.0, out=out)
        np.minimum(out, 1.0, out=out)

    def explain(
        self, actual: float, pct: float, weight: float, level: str | None = None
    ) -> tuple[str, str]:
        ratio = actual / self.target
        zh = f"越高越好：{fmt(actual)} ÷ 目标值 {fmt(self.target)} = {fmt(ratio)}"
        en = f"higher is better: {fmt(actual)} ÷ target {fmt(self.target)} = {fmt(ratio)}"
        if ratio > 1:
            zh, en = zh + "，封顶为 1", en + ", capped at 1"
        elif ratio < 0:
            zh, en = zh + "，不低于 0", en + ", floored at 0"
        return zh, en

    def params(self) -> dict[str, Any]:
        return {"target": self.target}


@dataclass(frozen=True)
class LowerBetter(Rule):
    """pct = 1 up to target, 1 − (actual − target) ÷ target below 2 × target, 0 beyond."""

    kind: ClassVar[str] = "lower_better"
    target: float

    @classmethod
    def parse(cls, data: Mapping[str, Any], field_path: str, errors: ErrorList) -> Rule | None:
        target = _number(data, "target", field_path, errors)
        return cls(target) if _positive(target, "target", field_path, errors) else None

    @classmethod
    def block_params(cls, rules: Sequence[Any]) -> FloatArray:
        return _column(rules, "target")

    @staticmethod
    def pct_block(
        params: FloatArray, actual: FloatArray, weights: FloatArray, out: FloatArray
    ) -> None:
        target = params
        # 1 − (actual − target) ÷ target, capped at 1 and floored at 0: the formula is
        # ≥ 1 exactly up to the target and ≤ 0 exactly from twice the target (rounding
        # is monotone), so these are the floats of the three-way definition. NaN stays
        # NaN: the caller scores a missing value.
        np.subtract(actual, target, out=out)
        out /= target
        np.subtract(1.0, out, out=out)
        np.minimum(out, 1.0, out=out)
        np.maximum(out, 0.0, out=out)

    def explain(
        self, actual: float, pct: float, weight: float, level: str | None = None
    ) -> tuple[str, str]:
        a, t = fmt(actual), fmt(self.target)
        if actual <= self.target:
            return (
                f"越低越好：{a} ≤ 目标值 {t}，得分率 1",
                f"lower is better: {a} ≤ target {t}, pct 1",
            )
        if actual < 2 * self.target:
            formula = f"1 − ({a} − {t}) ÷ {t} = {fmt(pct)}"
            return f"越低越好：{formula}", f"lower is better: {formula}"
        return (
            f"越低越好：{a} ≥ 2 × 目标值 {t}，得分率 0",
            f"lower is better: {a} ≥ 2 × target {t}, pct 0",
        )

    def params(self) -> dict[str, Any]:
        return {"target": self.target}


@dataclass(frozen=True)
class Interpolate(Rule):
    """Linear from floor_pct at floor to 1 at target to challenge_pct at challenge."""

    kind: ClassVar[str] = "interpolate"
    floor: float
    target: float
    challenge: float
    floor_pct: float = 0.6
    challenge_pct: float = 1.2

    @classmethod
    def parse(cls, data: Mapping[str, Any], field_path: str, errors: ErrorList) -> Rule | None:
        n_before = len(errors)
        floor = _number(data, "floor", field_path, errors)
        target = _number(data, "target", field_path, errors)
        challenge = _number(data, "challenge", field_path, errors)
        floor_pct = _number(data, "floor_pct", field_path, errors, default=0.6)
        challenge_pct = _number(data, "challenge_pct", field_path, errors, default=1.2)
        if len(errors) > n_before:
            return None
        assert floor is not None and target is not None and challenge is not None
        assert floor_pct is not None and challenge_pct is not None
        ok = True
        if not floor < target < challenge:
            errors.add(
                f"{field_path}.target",
                f"须满足 floor < target < challenge（实际 {fmt(floor)}, {fmt(target)}, "
                f"{fmt(challenge)}）",
                f"floor < target < challenge is required (got {fmt(floor)}, {fmt(target)}, "
                f"{fmt(challenge)})",
            )
            ok = False
        if not 0 <= floor_pct <= 1:
            errors.add(
                f"{field_path}.floor_pct",
                f"floor_pct 须在 0 到 1 之间（实际 {fmt(floor_pct)}）",
                f"floor_pct must lie within [0, 1] (got {fmt(floor_pct)})",
            )
            ok = False
        if challenge_pct < 1:
            errors.add(
                f"{field_path}.challenge_pct",
                f"challenge_pct 不得小于 1（实际 {fmt(challenge_pct)}）",
                f"challenge_pct must be ≥ 1 (got {fmt(challenge_pct)})",
            )
            ok = False
        return cls(floor, target, challenge, floor_pct, challenge_pct) if ok else None

    @classmethod
    def block_params(cls, rules: Sequence[Any]) -> tuple[FloatArray, ...]:
        names = ("floor", "target", "challenge", "floor_pct", "challenge_pct")
        f, t, c, fp, cp = (_column(rules, name) for name in names)
        return f, t, c, fp, cp, cp - 1.0, c - t, 1.0 - fp, t - f

    @staticmethod
    def pct_block(
        params: tuple[FloatArray, ...], actual: FloatArray, weights: FloatArray, out: FloatArray
    ) -> None:
        f, t, c, fp, cp, cp_rise, c_span, fp_rise, f_span = params
        # np.select([a < f, a < t, a < c], [0, rising, beyond], default=cp), built in place
        # from the last choice to the first; the same floats with fewer temporaries.
        np.subtract(actual, t, out=out)
        out *= cp_rise
        out /= c_span
        out += 1.0
        np.copyto(out, cp, where=actual >= c)  # NaN: any pct, the caller scores it
        rising = actual - f
        rising *= fp_rise
        rising /= f_span
        rising += fp
        np.putmask(out, actual < t, rising)  # same shapes: copyto(where=) is slower
        np.putmask(out, actual < f, 0.0)

    def explain(
        self, actual: float, pct: float, weight: float, level: str | None = None
    ) -> tuple[str, str]:
        a, f, t, c = fmt(actual), fmt(self.floor), fmt(self.target), fmt(self.challenge)
        fp, cp = fmt(self.floor_pct), fmt(self.challenge_pct)
        if actual < self.floor:
            return f"插值：{a} < 下限 {f}，得分率 0", f"interpolate: {a} < floor {f}, pct 0"
        if actual < self.target:
            formula = f"{fp} + (1 − {fp}) × ({a} − {f}) ÷ ({t} − {f}) = {fmt(pct)}"
            return f"插值（下限至目标）：{formula}", f"interpolate (floor to target): {formula}"
        if actual < self.challenge:
            formula = f"1 + ({cp} − 1) × ({a} − {t}) ÷ ({c} − {t}) = {fmt(pct)}"
            return (
                f"插值（目标至挑战值）：{formula}",
                f"interpolate (target to challenge): {formula}",
            )
        return (
            f"插值：{a} ≥ 挑战值 {c}，得分率 {cp}",
            f"interpolate: {a} ≥ challenge {c}, pct {cp}",
        )

    def params(self) -> dict[str, Any]:
        return {
            "floor": self.floor,
            "target": self.target,
            "challenge": self.challenge,
            "floor_pct": self.floor_pct,
            "challenge_pct": self.challenge_pct,
        }


def _band_edge(value: float) -> str:
    return fmt(value) if math.isfinite(value) else ("−∞" if value < 0 else "∞")


@dataclass(frozen=True)
class Bands(Rule):
    """pct of the band with lo ≤ actual < hi; 0 when none matches.

    ``null`` for lo or hi means open-ended (−∞ or ∞).
    """

    kind: ClassVar[str] = "bands"
    bands: tuple[tuple[float, float, float], ...]

    @classmethod
    def parse(cls, data: Mapping[str, Any], field_path: str, errors: ErrorList) -> Rule | None:
        raw = data.get("bands")
        path = f"{field_path}.bands"
        if not isinstance(raw, list) or not raw:
            errors.add(path, "bands 须为非空列表", "bands must be a non-empty list")
            return None
        n_before = len(errors)
        bands: list[tuple[float, float, float]] = []
        for i, band in enumerate(raw):
            bpath = f"{path}[{i}]"
            if not isinstance(band, list) or len(band) != 3:
                errors.add(bpath, "每档须为 [lo, hi, pct]", "each band must be [lo, hi, pct]")
                continue
            lo_raw, hi_raw, p_raw = band
            lo = -math.inf if lo_raw is None else lo_raw
            hi = math.inf if hi_raw is None else hi_raw
            if not all(is_finite_number(x) or x in (-math.inf, math.inf) for x in (lo, hi)):
                errors.add(bpath, "lo、hi 须为数值或 null", "lo and hi must be numbers or null")
                continue
            if not is_finite_number(p_raw) or p_raw < 0:
                errors.add(
                    f"{bpath}[2]",
                    f"pct 须为非负数（实际 {describe(p_raw)}）",
                    f"pct must be a number ≥ 0 (got {describe(p_raw)})",
                )
                continue
            if not lo < hi:
                errors.add(
                    bpath,
                    f"须满足 lo < hi（实际 {_band_edge(lo)}, {_band_edge(hi)}）",
                    f"lo < hi is required (got {_band_edge(lo)}, {_band_edge(hi)})",
                )
                continue
            bands.append((float(lo), float(hi), float(p_raw)))
        if len(errors) > n_before:
            return None
        ordered = sorted(bands)
        for (lo1, hi1, _), (lo2, hi2, _) in pairwise(ordered):
            if lo2 < hi1:
                errors.add(
                    path,
                    f"分档重叠：[{_band_edge(lo1)}, {_band_edge(hi1)}) 与 "
                    f"[{_band_edge(lo2)}, {_band_edge(hi2)})",
                    f"bands overlap: [{_band_edge(lo1)}, {_band_edge(hi1)}) and "
                    f"[{_band_edge(lo2)}, {_band_edge(hi2)})",
                )
                return None
        return cls(tuple(bands))

    @staticmethod
    def pct_block(
        rules: Sequence[Any], actual: FloatArray, weights: FloatArray, out: FloatArray
    ) -> None:
        out[...] = 0.0
        for j, rule in enumerate(rules):
            row = actual[j]
            for lo, hi, p in rule.bands:
                out[j, (row >= lo) & (row < hi)] = p

    def matching_band(self, actual: float) -> tuple[float, float, float] | None:
        return next((b for b in self.bands if b[0] <= actual < b[1]), None)

    def explain(
        self, actual: float, pct: float, weight: float, level: str | None = None
    ) -> tuple[str, str]:
        band = self.matching_band(actual)
        if band is None:
            return (
                f"分档：{fmt(actual)} 不在任何一档内，得分率 0",
                f"bands: {fmt(actual)} falls in no band, pct 0",
            )
        lo, hi, p = band
        where = f"[{_band_edge(lo)}, {_band_edge(hi)})"
        return (
            f"分档：{fmt(actual)} 在 {where} 档，得分率 {fmt(p)}",
            f"bands: {fmt(actual)} in band {where}, pct {fmt(p)}",
        )

    def params(self) -> dict[str, Any]:
        def edge(x: float) -> float | None:
            return x if math.isfinite(x) else None

        return {"bands": [[edge(lo), edge(hi), p] for lo, hi, p in self.bands]}


@dataclass(frozen=True)
class Deduction(Rule):
    """pct = max(0, 1 − per × actual ÷ weight); actual counts incidents."""

    kind: ClassVar[str] = "deduction"
    checks_values: ClassVar[bool] = True
    per: float

    @classmethod
    def parse(cls, data: Mapping[str, Any], field_path: str, errors: ErrorList) -> Rule | None:
        per = _number(data, "per", field_path, errors)
        return cls(per) if _positive(per, "per", field_path, errors) else None

    @classmethod
    def block_params(cls, rules: Sequence[Any]) -> FloatArray:
        return _column(rules, "per")

    @staticmethod
    def pct_block(
        params: FloatArray, actual: FloatArray, weights: FloatArray, out: FloatArray
    ) -> None:
        np.multiply(params, actual, out=out)
        out /= weights
        np.subtract(1.0, out, out=out)
        np.maximum(0.0, out, out=out)

    def explain(
        self, actual: float, pct: float, weight: float, level: str | None = None
    ) -> tuple[str, str]:
        formula = f"max(0, 1 − {fmt(self.per)} × {fmt(actual)} ÷ {fmt(weight)}) = {fmt(pct)}"
        return (
            f"扣分：每次扣 {fmt(self.per)} 分，{formula}",
            f"deduction: {fmt(self.per)} points per incident, {formula}",
        )

    def params(self) -> dict[str, Any]:
        return {"per": self.per}

    @classmethod
    def check_block(
        cls,
        rules: Sequence[Any],
        actual: FloatArray,
        present: npt.NDArray[np.bool_] | None,
        levels: Sequence[Sequence[str | None] | None],
        field_of: Callable[[int, int], str],
        errors: ErrorList,
    ) -> None:
        # One comparison for the whole block in the usual case of no negative count.
        if (actual < 0).any():  # NaN compares False: missing values pass here
            super().check_block(rules, actual, present, levels, field_of, errors)

    def check_values(
        self,
        actual: FloatArray,
        present: npt.NDArray[np.bool_],
        levels: Sequence[str | None] | None,
        field_of: Callable[[int], str],
        errors: ErrorList,
    ) -> None:
        for i in np.flatnonzero(present & (actual < 0)).tolist():
            errors.add(
                field_of(i),
                f"扣分项的次数不能为负（实际 {fmt(actual[i])}）",
                f"a deduction count cannot be negative (got {fmt(actual[i])})",
            )


@dataclass(frozen=True)
class Rubric(Rule):
    """Qualitative: the value is a level and a pct within that level's range."""

    kind: ClassVar[str] = "rubric"
    checks_values: ClassVar[bool] = True
    levels: Mapping[str, tuple[float, float]] = field(default_factory=lambda: dict(DEFAULT_LEVELS))

    @classmethod
    def parse(cls, data: Mapping[str, Any], field_path: str, errors: ErrorList) -> Rule | None:
        raw = data.get("levels")
        if raw is None:
            return cls()
        path = f"{field_path}.levels"
        if not isinstance(raw, Mapping) or not raw:
            errors.add(path, "levels 须为非空对象", "levels must be a non-empty object")
            return None
        levels: dict[str, tuple[float, float]] = {}
        for name, rng in raw.items():
            lpath = f"{path}.{name}"
            if (
                not isinstance(rng, list)
                or len(rng) != 2
                or not all(is_finite_number(x) for x in rng)
                or not 0 <= rng[0] <= rng[1]
            ):
                errors.add(
                    lpath,
                    f"等级范围须为 [lo, hi]，0 ≤ lo ≤ hi（实际 {describe(rng)}）",
                    f"a level's range must be [lo, hi] with 0 ≤ lo ≤ hi (got {describe(rng)})",
                )
                continue
            levels[str(name)] = (float(rng[0]), float(rng[1]))
        return cls(levels) if len(levels) == len(raw) else None

    @staticmethod
    def pct_block(
        rules: Sequence[Any], actual: FloatArray, weights: FloatArray, out: FloatArray
    ) -> None:
        # The value already is the pct; its level range was checked at the boundary.
        out[...] = actual

    def explain(
        self, actual: float, pct: float, weight: float, level: str | None = None
    ) -> tuple[str, str]:
        if level is None:
            return f"定性评价：得分率 {fmt(pct)}", f"rubric: pct {fmt(pct)}"
        lo, hi = self.levels[level]
        where = f"[{fmt(lo)}, {fmt(hi)}]"
        return (
            f"定性评价：等级「{level}」{where}，得分率 {fmt(pct)}",
            f"rubric: level {level} {where}, pct {fmt(pct)}",
        )

    def params(self) -> dict[str, Any]:
        return {"levels": {name: [lo, hi] for name, (lo, hi) in self.levels.items()}}

    def check_values(
        self,
        actual: FloatArray,
        present: npt.NDArray[np.bool_],
        levels: Sequence[str | None] | None,
        field_of: Callable[[int], str],
        errors: ErrorList,
    ) -> None:
        if levels is None:
            # Bulk callers may pass bare pcts: then only the overall range can be checked.
            lo = min(r[0] for r in self.levels.values())
            hi = max(r[1] for r in self.levels.values())
            for i in np.flatnonzero(present & ((actual < lo) | (actual > hi))).tolist():
                errors.add(
                    field_of(i),
                    f"得分率须在 [{fmt(lo)}, {fmt(hi)}] 之间（实际 {fmt(actual[i])}）",
                    f"pct must lie within [{fmt(lo)}, {fmt(hi)}] (got {fmt(actual[i])})",
                )
            return
        names = np.asarray(levels, dtype=object)
        low_of, high_of = np.full(len(names), np.nan), np.full(len(names), np.nan)
        known = np.zeros(len(names), dtype=bool)
        for name, (low, high) in self.levels.items():
            match = names == name
            low_of[match], high_of[match] = low, high
            known |= match
        for i in np.flatnonzero(present & ~known).tolist():
            errors.add(
                f"{field_of(i)}.level",
                f"未知等级 {describe(names[i])}（可选：{'、'.join(self.levels)}）",
                f"unknown level {describe(names[i])} (one of: {', '.join(self.levels)})",
            )
        outside = present & known & ((actual < low_of) | (actual > high_of))
        for i in np.flatnonzero(outside).tolist():
            where = f"[{fmt(low_of[i])}, {fmt(high_of[i])}]"
            errors.add(
                f"{field_of(i)}.pct",
                f"{field_of(i)}：等级「{names[i]}」的得分率须在 {where} 之间"
                f"（实际 {fmt(actual[i])}）",
                f"{field_of(i)}: pct for level {names[i]} must lie within {where} "
                f"(got {fmt(actual[i])})",
            )


RULE_KINDS: Mapping[str, type[Rule]] = {
    cls.kind: cls for cls in (HigherBetter, LowerBetter, Interpolate, Bands, Deduction, Rubric)
}


def parse_rule(data: Any, field_path: str, errors: ErrorList) -> Rule | None:
    """Parse a scheme's ``rule`` object; problems go to ``errors``."""
    if not isinstance(data, Mapping):
        errors.add(field_path, "缺少评分规则（rule 对象）", "a rule object is required")
        return None
    kind = data.get("kind")
    cls = RULE_KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        errors.add(
            f"{field_path}.kind",
            f"未知的规则类型 {describe(kind)}（可选：{', '.join(RULE_KINDS)}）",
            f"unknown rule kind {describe(kind)} (one of: {', '.join(RULE_KINDS)})",
        )
        return None
    return cls.parse(data, field_path, errors)
