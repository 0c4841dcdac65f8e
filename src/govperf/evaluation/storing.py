"""Writing a result set's rows in bulk: one per unit × indicator, one per unit.

On PostgreSQL the rows go in with ``COPY … FROM STDIN`` in text format (a province's
180,000 indicator rows in about a second); elsewhere with ``bulk_create`` in
batches. The indicator rows need no explanation, so they are written first, while
worker processes may still be explaining; then the unit rows, chunk by chunk as the
breakdowns come. The caller holds the transaction: a failure part-way leaves nothing.
``progress(done, total)`` is called after every chunk.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import connection

from govperf.engine.explain import PCT_DECIMALS
from govperf.engine.rounding import round_half_up
from govperf.engine.scoring import EvaluationResult
from govperf.evaluation.loader import LoadedRound
from govperf.evaluation.models import IndicatorResult, ResultSet, UnitResult

CHUNK = 20_000
Progress = Callable[[int, int], None]


def _text(value: str) -> str:
    """COPY's text format: backslash, tab, newline and carriage return escaped. Chained
    ``replace`` calls, each skipped when not needed: far faster than ``translate`` on the
    megabytes of a province's breakdowns."""
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\t" in value:
        value = value.replace("\t", "\\t")
    if "\n" in value:
        value = value.replace("\n", "\\n")
    if "\r" in value:
        value = value.replace("\r", "\\r")
    return value


def _number(value: float) -> str:
    """A finite float as COPY text; NaN as NULL."""
    return "\\N" if value != value else repr(float(value))


def store_results(
    result_set: ResultSet,
    result: EvaluationResult,
    loaded: LoadedRound,
    breakdowns: Iterable[list[str]],
    *,
    progress: Progress | None = None,
) -> None:
    """Write every indicator row and every unit's result of ``result_set``;
    ``breakdowns`` gives the units' breakdowns (JSON text) in row order, in chunks."""
    scheme = result.scheme
    precision = scheme.precision
    n, k = len(loaded.unit_ids), len(scheme.indicators)
    total = n + n * k
    comp_codes = [c.code for c in scheme.components]
    components = round_half_up(result.components, precision)
    bonus = round_half_up(result.bonus_applied, precision)
    grades = result.grades
    ranks = result.ranks
    pct = round_half_up(result.pct, PCT_DECIMALS)
    points = round_half_up(result.points, precision)
    actual = loaded.actual
    rules = [json.dumps(ind.rule.to_dict(), ensure_ascii=False) for ind in scheme.indicators]
    planned = {ind.column: ind for ind in loaded.spec.indicators if ind.plan_fields}

    def unit_row(i: int, breakdown: str) -> tuple:
        return (
            loaded.unit_ids[i],
            i,
            loaded.units.groups[i] or "",
            float(result.composite[i]),
            grades[i] or "",
            ranks[i],
            result.inputs.veto[i] or "",
            float(bonus[i]),
            {code: float(components[i, c]) for c, code in enumerate(comp_codes)},
            {
                "components": [float(x) for x in result.components[i]],
                "bonus_applied": float(result.bonus_applied[i]),
                "vetoed": bool(result.vetoed[i]),
            },
            breakdown,
        )

    def rule_of(i: int, j: int) -> str:
        ind = planned.get(j)
        if ind is None:
            return rules[j]
        rule = dict(ind.rule)
        for name, values in loaded.plan_params[ind.code].items():
            value = values[i]
            rule[name] = None if value != value else float(value)
        return json.dumps(rule, ensure_ascii=False)

    level_cols = {
        j: loaded.levels.get(ind.code)
        for j, ind in enumerate(scheme.indicators)
        if ind.code in loaded.levels
    }

    def unit_chunks():
        row = 0
        for part in breakdowns:
            yield [unit_row(row + k, text) for k, text in enumerate(part)]
            row += len(part)

    if connection.vendor == "postgresql":
        done = _copy_indicators(
            result_set, result, loaded, pct, points, actual, rule_of, level_cols, n, k, total,
            progress,
        )  # fmt: skip
        for rows in unit_chunks():
            _copy_units(result_set, rows)
            done += len(rows)
            if progress:
                progress(done, total)
        return
    done = 0
    batch: list[IndicatorResult] = []
    for i in range(n):
        for j, ind in enumerate(scheme.indicators):
            level = level_cols[j][i] if j in level_cols else None
            batch.append(
                IndicatorResult(
                    result_set=result_set,
                    unit_id=loaded.unit_ids[i],
                    code=ind.code,
                    component=ind.component,
                    position=j,
                    value=None if np.isnan(actual[i, j]) else _dec(actual[i, j]),
                    level=level or "",
                    rule=json.loads(rule_of(i, j)),
                    pct=_dec(pct[i, j]),
                    points=_dec(points[i, j]),
                )
            )
        if len(batch) >= CHUNK or i == n - 1:
            IndicatorResult.objects.bulk_create(batch, batch_size=1000)
            done += len(batch)
            batch = []
            if progress:
                progress(done, total)
    for rows in unit_chunks():
        UnitResult.objects.bulk_create(
            [
                UnitResult(
                    result_set=result_set,
                    unit_id=row[0],
                    position=row[1],
                    group=row[2],
                    composite=_dec(row[3]),
                    grade=row[4],
                    rank=row[5],
                    veto=row[6],
                    bonus=_dec(row[7]),
                    components=row[8],
                    raw=row[9],
                    breakdown=json.loads(row[10]),
                )
                for row in rows
            ],
            batch_size=500,
        )
        done += len(rows)
        if progress:
            progress(done, total)


def _dec(value: float) -> Decimal:
    return Decimal(repr(float(value))).quantize(Decimal("0.000001"))


def _copy_units(result_set: ResultSet, rows: list[tuple]) -> None:
    table = UnitResult._meta.db_table
    columns = (
        'result_set_id, unit_id, position, "group", composite, grade, rank, veto, bonus, '
        "components, raw, breakdown"
    )
    lines = []
    for row in rows:
        lines.append(
            "\t".join(
                (
                    str(result_set.pk),
                    str(row[0]),
                    str(row[1]),
                    _text(row[2]),
                    _number(row[3]),
                    _text(row[4]),
                    "\\N" if row[5] is None else str(row[5]),
                    _text(row[6]),
                    _number(row[7]),
                    _text(json.dumps(row[8], ensure_ascii=False)),
                    _text(json.dumps(row[9])),
                    _text(row[10]),
                )
            )
        )
    _copy(f"COPY {table} ({columns}) FROM STDIN", lines)


def _copy_indicators(
    result_set: ResultSet,
    result: EvaluationResult,
    loaded: LoadedRound,
    pct: np.ndarray,
    points: np.ndarray,
    actual: np.ndarray,
    rule_of: Callable[[int, int], str],
    level_cols: dict[int, Any],
    n: int,
    k: int,
    total: int,
    progress: Progress | None,
) -> int:
    table = IndicatorResult._meta.db_table
    columns = "result_set_id, unit_id, code, component, position, value, level, rule, pct, points"
    scheme = result.scheme
    fixed = [
        (_text(ind.code), _text(ind.component), str(j)) for j, ind in enumerate(scheme.indicators)
    ]
    rs = str(result_set.pk)
    pct_text = [[_number(x) for x in row] for row in pct.tolist()]
    points_text = [[_number(x) for x in row] for row in points.tolist()]
    actual_list = actual.tolist()
    done = 0
    lines: list[str] = []
    for i in range(n):
        unit = str(loaded.unit_ids[i])
        row_actual, row_pct, row_points = actual_list[i], pct_text[i], points_text[i]
        for j in range(k):
            code, component, position = fixed[j]
            level = level_cols[j][i] if j in level_cols else None
            lines.append(
                f"{rs}\t{unit}\t{code}\t{component}\t{position}\t{_number(row_actual[j])}\t"
                f"{_text(level or '')}\t{_text(rule_of(i, j))}\t{row_pct[j]}\t{row_points[j]}"
            )
        if len(lines) >= CHUNK or i == n - 1:
            _copy(f"COPY {table} ({columns}) FROM STDIN", lines)
            done += len(lines)
            lines = []
            if progress:
                progress(done, total)
    return done


def _copy(sql: str, lines: list[str]) -> None:
    if not lines:
        return
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write("\n".join(lines) + "\n")
