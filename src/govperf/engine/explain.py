"""Breakdowns that trace each point of a unit's result to its value and rule.

Built on demand for one unit (``EvaluationResult.breakdown(i)``), never for a
whole province at once. Every step carries a short text in Chinese and
English, e.g. ``"92 ÷ 目标值 100 = 0.92；0.92 × 权重 60 = 55.2"``. Texts show
numbers half-up rounded to 4 decimals (points to the scheme's precision); the
composite is computed from unrounded component scores, so its text shows them
to 4 decimals, enough to check the sum by hand.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from govperf.engine._text import bilingual, fmt
from govperf.engine.grading import NO_GRADE
from govperf.engine.rounding import round_half_up
from govperf.engine.rules import Rubric

if TYPE_CHECKING:
    from govperf.engine.scheme import Component
    from govperf.engine.scoring import EvaluationResult

PCT_DECIMALS = 4


def explain_unit(result: EvaluationResult, i: int) -> dict[str, Any]:
    """Breakdown of unit ``i``: indicators, components, composite, grade, rank."""
    scheme = result.scheme
    components: dict[str, Any] = {}
    col = 0
    for c, comp in enumerate(scheme.components):
        if comp.panel is not None:
            components[comp.code] = _panel(result, i, c, comp)
        else:
            components[comp.code] = _summed(result, i, c, comp, col)
            col += len(comp.indicators)
    return {
        "indicators": {
            ind.code: explain_indicator(result, i, j) for j, ind in enumerate(scheme.indicators)
        },
        "components": components,
        "composite": _composite(result, i),
        "grade": _grade(result, i),
        "rank": _rank(result, i),
    }


def explain_indicator(result: EvaluationResult, i: int, j: int) -> dict[str, Any]:
    """Value, rule, weight, pct and points of indicator ``j`` for unit ``i``."""
    ind = result.scheme.indicators[j]
    precision = result.scheme.precision
    actual = float(result.inputs.actual[i, j])
    pct = float(result.pct[i, j])
    points = float(result.points[i, j])
    level = result.inputs.levels.get(ind.code, (None,) * (i + 1))[i]
    value: Any
    if math.isnan(actual):
        value = None
        zh, en = "缺失值按0分计", "missing value scores 0"
    else:
        value = {"level": level, "pct": actual} if isinstance(ind.rule, Rubric) else actual
        zh, en = ind.rule.explain(actual, pct, ind.weight, level)
    zh_tail = f"{fmt(pct)} × 权重 {fmt(ind.weight)} = {fmt(points, precision)}"
    en_tail = f"{fmt(pct)} × weight {fmt(ind.weight)} = {fmt(points, precision)}"
    return {
        "component": ind.component,
        "value": value,
        "rule": ind.rule.to_dict(),
        "weight": ind.weight,
        "pct": round_half_up(pct, PCT_DECIMALS),
        "points": round_half_up(points, precision),
        "text": bilingual(f"{zh}；{zh_tail}", f"{en}; {en_tail}"),
    }


def _summed(result: EvaluationResult, i: int, c: int, comp: Component, col: int) -> dict[str, Any]:
    precision = result.scheme.precision
    points = result.points[i, col : col + len(comp.indicators)]
    total = float(result.component_sums[i, c])
    score = float(result.components[i, c])
    terms = " + ".join(
        f"{ind.code} {fmt(p, precision)}" for ind, p in zip(comp.indicators, points, strict=True)
    )
    zh = en = f"{terms} = {fmt(total, precision)}"
    capped = total > score
    if capped:
        zh += f"，超过 {fmt(score)} 按 {fmt(score)} 计"
        en += f", capped at {fmt(score)}"
    return {
        "kind": "indicators",
        "weight": comp.weight,
        "sum": round_half_up(total, precision),
        "capped": capped,
        "score": round_half_up(score, precision),
        "text": bilingual(zh, en),
    }


def _panel(result: EvaluationResult, i: int, c: int, comp: Component) -> dict[str, Any]:
    assert comp.panel is not None
    precision = result.scheme.precision
    row = result.inputs.panels[comp.code][i]
    scores = row[~np.isnan(row)]
    ordered = np.sort(scores)
    trim = comp.panel.trim
    low, high = ordered[:trim], ordered[len(ordered) - trim :]  # both empty for trim 0
    kept = ordered[len(low) : len(ordered) - len(high)]
    score = float(result.components[i, c])
    if len(scores) == 0:
        zh, en = "无评分，按0分计", "no scores: 0"
    else:
        formula = f"({' + '.join(fmt(x) for x in kept)}) ÷ {len(kept)} = {fmt(score, precision)}"
        if trim:
            zh = (
                f"截尾平均：去掉最高 {'、'.join(fmt(x) for x in high)}，"
                f"最低 {'、'.join(fmt(x) for x in low)}，{formula}"
            )
            en = (
                f"trimmed mean: drop highest {', '.join(fmt(x) for x in high)} and lowest "
                f"{', '.join(fmt(x) for x in low)}, {formula}"
            )
        else:
            zh, en = f"平均：{formula}", f"mean: {formula}"
    return {
        "kind": "panel",
        "weight": comp.weight,
        "aggregate": comp.panel.aggregate,
        "trim": trim,
        "scores": scores.tolist(),
        "kept": kept.tolist(),
        "dropped": [*low.tolist(), *high.tolist()],
        "score": round_half_up(score, precision),
        "text": bilingual(zh, en),
    }


def _composite(result: EvaluationResult, i: int) -> dict[str, Any]:
    scheme = result.scheme
    precision = scheme.precision
    terms = " + ".join(
        f"{comp.label or comp.code} {fmt(result.components[i, c])} × {fmt(comp.weight)}%"
        for c, comp in enumerate(scheme.components)
    )
    given = float(result.inputs.bonus[i])
    applied = float(result.bonus_applied[i])
    raw = float(result.composite_raw[i])
    shown = fmt(result.composite[i], precision)
    zh_terms, en_terms = terms, terms
    if given != 0:
        zh_terms += f" + 加分 {fmt(applied)}"
        en_terms += f" + bonus {fmt(applied)}"
    zh = f"{zh_terms} = {fmt(raw)}，四舍五入为 {shown}"
    en = f"{en_terms} = {fmt(raw)}, rounded half-up to {shown}"
    capped = applied < given
    if capped:
        zh += f"（加分 {fmt(given)} 超过上限，按 {fmt(applied)} 计）"
        en += f" (bonus {fmt(given)} capped at {fmt(applied)})"
    return {
        "value": float(result.composite[i]),
        "bonus": given,
        "bonus_applied": applied,
        "bonus_capped": capped,
        "text": bilingual(zh, en),
    }


def _grade(result: EvaluationResult, i: int) -> dict[str, Any]:
    scheme = result.scheme
    grades = scheme.grades
    idx = int(result.grade_index[i])
    name = grades[idx].name if idx != NO_GRADE else None
    shown = fmt(result.composite[i], scheme.precision)
    reason = result.inputs.veto[i]
    if reason is not None:
        zh = f"一票否决（{reason}）：定为最低等次「{name}」"
        en = f"veto ({reason}): the lowest grade, {name}"
    elif idx == NO_GRADE:
        zh = f"{shown} 低于所有等次的下限，不定等次"
        en = f"{shown} is below every grade's minimum: no grade"
    elif result.quota_dropped[i]:
        quota = scheme.quota
        assert quota is not None
        top = grades[idx - 1]
        n = len(result.units)
        seats = quota.seats(n)
        zh = (
            f"{shown} ≥ {fmt(top.min)} 达到「{top.name}」，但「{top.name}」限额 "
            f"floor({fmt(quota.max_share)} × {n}) = {seats} 个已由更高分者占满"
            f"（与分数线并列者一并顺延），定为「{name}」"
        )
        en = (
            f"{shown} ≥ {fmt(top.min)} reaches {top.name}, but its quota "
            f"floor({fmt(quota.max_share)} × {n}) = {seats} is taken by higher composites "
            f"(units tied at the cut all drop): {name}"
        )
    else:
        zh = f"{shown} ≥ {fmt(grades[idx].min)}：「{name}」"
        en = f"{shown} ≥ {fmt(grades[idx].min)}: {name}"
    return {
        "name": name,
        "veto": reason,
        "quota_dropped": bool(result.quota_dropped[i]),
        "text": bilingual(zh, en),
    }


def _rank(result: EvaluationResult, i: int) -> dict[str, Any]:
    scheme = result.scheme
    rank = int(result.rank[i])
    if scheme.ranking == "none":
        return {"value": None, "text": bilingual("本方案不排名", "this scheme ranks no unit")}
    if scheme.ranking == "group":
        same = result.units.group_ids == result.units.group_ids[i]
        group = result.units.groups[i]
        label = result.units.group_labels.get(group)
        if label:  # a name reads as it is: 经济发展类部门共 15 个单位中第 10 名
            where_zh, where_en = label, f"group {label}"
        elif group is not None:
            where_zh, where_en = f"{group} 组", f"group {group}"
        else:
            where_zh, where_en = "未分组单位", "units without a group"
    else:
        same = np.ones(len(result.units), dtype=bool)
        where_zh, where_en = "全部单位", "all units"
    total = int(same.sum())
    zh = f"{where_zh}共 {total} 个单位中第 {rank} 名"
    en = f"rank {rank} of {total} among {where_en}"
    if result.vetoed[i]:
        zh += "；一票否决，排在未被否决的单位之后"
        en += "; vetoed, so ranked after every unit not vetoed"
    return {"value": rank, "text": bilingual(zh, en)}
