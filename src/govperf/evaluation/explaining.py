"""Every unit's breakdown, as the engine explains it, ready to store.

``explain_unit`` (the engine) costs a few milliseconds per unit in pure Python; a
province's thousands of units are shared out among worker processes. The workers
import the engine only (no Django), so they start quickly; each gets the result once
and returns the breakdowns of its rows as JSON text.

A column scored against each unit's plan target was put on a common scale before the
engine saw it; here its entry gets the unit's own value, rule and text back, from the
engine's own rule (``parse_rule`` of the unit's numbers and its ``explain``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

import numpy as np

from govperf.engine._text import bilingual, fmt
from govperf.engine.errors import ErrorList
from govperf.engine.rules import parse_rule
from govperf.engine.scoring import EvaluationResult


@dataclass(frozen=True)
class PlanColumn:
    """A from-plan indicator: its column, stored rule and every unit's own rule fields."""

    code: str
    column: int
    rule: Mapping[str, Any]
    params: Mapping[str, np.ndarray]
    actual: np.ndarray

    def unit_rule(self, i: int) -> dict[str, Any]:
        rule = dict(self.rule)
        for name, values in self.params.items():
            rule[name] = float(values[i])
        return rule


def explain_one(result: EvaluationResult, i: int, plan: Sequence[PlanColumn]) -> dict[str, Any]:
    breakdown = result.breakdown(i)
    for column in plan:
        _restore(result, i, column, breakdown["indicators"][column.code])
    return breakdown


def _restore(result: EvaluationResult, i: int, column: PlanColumn, entry: dict[str, Any]) -> None:
    actual = float(column.actual[i])
    errors = ErrorList()
    rule = parse_rule(column.unit_rule(i), "rule", errors)
    if rule is None or math.isnan(actual):
        return  # a missing value keeps the engine's text
    ind = result.scheme.indicators[column.column]
    precision = result.scheme.precision
    pct = float(result.pct[i, column.column])
    points = float(result.points[i, column.column])
    zh, en = rule.explain(actual, pct, ind.weight)
    zh_tail = f"{fmt(pct)} × 权重 {fmt(ind.weight)} = {fmt(points, precision)}"
    en_tail = f"{fmt(pct)} × weight {fmt(ind.weight)} = {fmt(points, precision)}"
    entry["value"] = actual
    entry["rule"] = rule.to_dict()
    entry["from_plan"] = True
    entry["text"] = bilingual(f"{zh}；{zh_tail}", f"{en}; {en_tail}")


# --- worker processes --------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(result: EvaluationResult, plan: Sequence[PlanColumn]) -> None:
    _WORKER["result"] = result
    _WORKER["plan"] = plan


def _explain_chunk(rows: Sequence[int]) -> list[str]:
    result, plan = _WORKER["result"], _WORKER["plan"]
    return [dumps(explain_one(result, i, plan)) for i in rows]


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def explain_chunks(
    result: EvaluationResult,
    plan: Sequence[PlanColumn] = (),
    *,
    workers: int = 1,
    parallel_from: int = 1000,
    chunk: int = 250,
) -> Iterator[list[str]]:
    """Every unit's breakdown as JSON text, in row order, ``chunk`` units at a time.

    With ``workers`` > 1 and at least ``parallel_from`` units, the chunks are explained
    by worker processes in the background while the caller consumes the first ones
    (and does other work: storing the indicator rows, for one).
    """
    n = len(result.units)
    chunks = [list(range(start, min(n, start + chunk))) for start in range(0, n, chunk)]
    if workers <= 1 or n < parallel_from:
        for rows in chunks:
            yield [dumps(explain_one(result, i, plan)) for i in rows]
        return
    # spawn, not fork: the caller may be a threaded worker holding locks a fork would copy.
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=_init_worker,
        initargs=(result, tuple(plan)),
    )
    try:
        futures = [pool.submit(_explain_chunk, rows) for rows in chunks]
        for future in futures:
            yield future.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def explain_all(
    result: EvaluationResult, plan: Sequence[PlanColumn] = (), **options: Any
) -> list[str]:
    """The breakdown of every unit as JSON text, in row order."""
    return [text for part in explain_chunks(result, plan, **options) for text in part]
