"""``govperf evaluate CASE.json``: a self-contained scoring case, as ``CASES.md`` specifies.

A thin adapter: the JSON case becomes a ``Scheme``, ``Units`` and arrays for
``scoring.evaluate``, and the result becomes the output JSON, one record per
unit in input order, with the breakdown of every point as extra fields.
Bad input of any kind (unreadable file, invalid JSON, a bad scheme or value)
prints ``{"errors": [...]}`` on stdout and exits 2.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from govperf.engine._cli import (
    EXIT_OK,
    ArgumentParser,
    UsageError,
    fail,
    file_error,
    print_json,
    read_text,
    usage_error,
)
from govperf.engine.errors import (
    EngineInputError,
    ErrorList,
    describe,
    is_finite_number,
    is_number,
)
from govperf.engine.explain import PCT_DECIMALS
from govperf.engine.rounding import round_half_up
from govperf.engine.rules import Rubric
from govperf.engine.scheme import Scheme, parse_scheme
from govperf.engine.scoring import (
    EvaluationResult,
    UnitInputs,
    Units,
    evaluate_inputs,
    prepare_inputs,
)


def load_case(case: Any) -> tuple[Scheme, Units, UnitInputs]:
    """Validate a case object and turn it into the engine's typed inputs.

    Raises
    ------
    EngineInputError
        With every problem of the case, each naming its field.
    """
    errors = ErrorList()
    if not isinstance(case, Mapping):
        errors.add("", "用例须为 JSON 对象", "the case must be a JSON object")
        errors.raise_if_any()
    scheme: Scheme | None = None
    try:
        scheme = parse_scheme(case.get("scheme"))
    except EngineInputError as exc:
        errors.extend(exc.errors)
    units = _check_units(case.get("units"), errors)
    values = _object(case, "values", errors)
    bonus = _object(case, "bonus", errors)
    veto = _object(case, "veto", errors)
    if units is not None:
        for name, mapping in (("values", values), ("bonus", bonus), ("veto", veto)):
            for code in mapping:
                if code not in units.codes:
                    errors.add(
                        f"{name}.{code}",
                        f"单位 {code} 不在 units 列表中",
                        f"unit {code} is not listed in units",
                    )
    if scheme is None or units is None:
        errors.raise_if_any()
    assert scheme is not None and units is not None

    bad_fields: set[str] = set()
    arrays = _build_arrays(scheme, units, values, bonus, veto, errors, bad_fields)
    inputs, problems = prepare_inputs(scheme, units, arrays.pop("values"), **arrays)
    # A value already refused for its type would also read as missing: report it once.
    errors.extend(p for p in problems if not _covered(p["field"], bad_fields))
    errors.raise_if_any()
    assert inputs is not None
    return scheme, units, inputs


def evaluate_case(case: Any, *, explain: bool = True) -> dict[str, Any]:
    """Evaluate a case object and return the output object of ``CASES.md``."""
    scheme, units, inputs = load_case(case)
    result = evaluate_inputs(scheme, units, inputs)
    return {"units": [unit_record(result, i, explain=explain) for i in range(len(units))]}


def _covered(field: str, bad_fields: set[str]) -> bool:
    parts = field.split(".")
    return any(".".join(parts[:k]) in bad_fields for k in range(1, len(parts) + 1))


def unit_record(result: EvaluationResult, i: int, *, explain: bool = True) -> dict[str, Any]:
    """The output record of unit ``i``; ``explain`` adds the breakdown fields."""
    scheme = result.scheme
    precision = scheme.precision
    record: dict[str, Any] = {
        "unit": result.units.codes[i],
        "group": result.units.groups[i],
        "composite": float(result.composite[i]),
        "grade": result.grades[i],
        "rank": result.ranks[i],
        "veto": result.inputs.veto[i],
        "bonus": round_half_up(float(result.bonus_applied[i]), precision),
        "components": {
            comp.code: round_half_up(float(result.components[i, c]), precision)
            for c, comp in enumerate(scheme.components)
        },
    }
    if not explain:
        record["indicators"] = {
            ind.code: {
                "pct": round_half_up(float(result.pct[i, j]), PCT_DECIMALS),
                "points": round_half_up(float(result.points[i, j]), precision),
            }
            for j, ind in enumerate(scheme.indicators)
        }
        return record
    breakdown = result.breakdown(i)
    record["indicators"] = breakdown.pop("indicators")
    record["explain"] = breakdown
    return record


def main(argv: Sequence[str]) -> int:
    """Entry point of ``govperf evaluate``; returns the exit code."""
    parser = ArgumentParser(
        prog="govperf evaluate",
        description="Score a self-contained case file (CASES.md) and print the result as JSON.",
    )
    parser.add_argument("case", help="the case file (JSON); - reads standard input")
    parser.add_argument(
        "--no-explain", action="store_true", help="leave out the breakdown of each point"
    )
    try:
        args = parser.parse_args(list(argv))
    except UsageError as exc:
        return usage_error(exc)
    try:
        text = read_text(args.case)
    except (OSError, UnicodeDecodeError) as exc:
        return file_error(args.case, exc)
    try:
        case = json.loads(text)
    except json.JSONDecodeError as exc:
        return fail(
            [
                {
                    "field": "file",
                    "message": f"不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）/ "
                    f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}",
                }
            ]
        )
    try:
        output = evaluate_case(case, explain=not args.no_explain)
    except EngineInputError as exc:
        return fail(exc.errors)
    print_json(output)
    return EXIT_OK


# --- building arrays from the JSON case -----------------------------------------------


def _check_units(value: Any, errors: ErrorList) -> Units | None:
    if not isinstance(value, list) or not value:
        errors.add("units", "units 须为非空列表", "units must be a non-empty list")
        return None
    codes: list[str] = []
    groups: list[str | None] = []
    ok = True
    for i, item in enumerate(value):
        path = f"units[{i}]"
        if (
            not isinstance(item, Mapping)
            or not isinstance(item.get("code"), str)
            or not item["code"]
        ):
            errors.add(f"{path}.code", "单位须有代码 code", "a unit needs a code")
            ok = False
            continue
        code, group = item["code"], item.get("group")
        if code in codes:
            errors.add(f"{path}.code", f"单位代码 {code} 重复", f"unit code {code} is repeated")
            ok = False
        if isinstance(group, bool) or not isinstance(group, str | int | None):
            errors.add(
                f"{path}.group",
                f"分组须为文字（实际 {describe(group)}）",
                f"a group must be text (got {describe(group)})",
            )
            ok = False
        codes.append(code)
        groups.append(None if group is None else str(group))
    return Units(tuple(codes), tuple(groups)) if ok else None


def _object(case: Mapping[str, Any], key: str, errors: ErrorList) -> Mapping[str, Any]:
    value = case.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        errors.add(key, f"{key} 须为对象（按单位代码）", f"{key} must be an object keyed by unit")
        return {}
    return value


def _build_arrays(
    scheme: Scheme,
    units: Units,
    values: Mapping[str, Any],
    bonus: Mapping[str, Any],
    veto: Mapping[str, Any],
    errors: ErrorList,
    bad_fields: set[str],
) -> dict[str, Any]:
    n, indicators = len(units), scheme.indicators
    known = set(scheme.indicator_codes) | {c.code for c in scheme.panels}
    actual = np.full((n, len(indicators)), np.nan)
    levels = {ind.code: [None] * n for ind in indicators if isinstance(ind.rule, Rubric)}
    panels: dict[str, list[list[float] | None]] = {c.code: [None] * n for c in scheme.panels}

    def bad(path: str, zh: str, en: str) -> None:
        errors.add(path, zh, en)
        bad_fields.add(path)

    for i, code in enumerate(units.codes):
        row = values.get(code, {})
        if not isinstance(row, Mapping):
            bad(f"values.{code}", "须为对象（按指标代码）", "must be an object keyed by code")
            continue
        for key in row:
            if key not in known:
                errors.add(
                    f"values.{code}.{key}",
                    f"{key} 不是方案中的指标或评议部分",
                    f"{key} is not an indicator or panel of the scheme",
                )
        for j, ind in enumerate(indicators):
            raw, path = row.get(ind.code), f"values.{code}.{ind.code}"
            if raw is None:
                continue  # missing: prepare_inputs reports it unless the scheme says zero
            if isinstance(ind.rule, Rubric):
                if not (
                    isinstance(raw, Mapping)
                    and isinstance(raw.get("level"), str)
                    and is_finite_number(raw.get("pct"))
                ):
                    bad(
                        path,
                        f'定性指标的值须为 {{"level": 等级, "pct": 得分率}}'
                        f"（实际 {describe(raw)}）",
                        f'a rubric value must be {{"level": name, "pct": share}} '
                        f"(got {describe(raw)})",
                    )
                    continue
                actual[i, j] = float(raw["pct"])
                levels[ind.code][i] = raw["level"]
            elif is_finite_number(raw):
                actual[i, j] = float(raw)
            else:
                what = ("有限数值", "a finite number") if is_number(raw) else ("数值", "a number")
                bad(
                    path,
                    f"值须为{what[0]}（实际 {describe(raw)}）",
                    f"the value must be {what[1]} (got {describe(raw)})",
                )
        for comp in scheme.panels:
            raw, path = row.get(comp.code), f"values.{code}.{comp.code}"
            if raw is None:
                continue
            scores = [raw] if is_number(raw) else raw
            if not isinstance(scores, list) or not all(is_finite_number(s) for s in scores):
                bad(
                    path,
                    f"评分须为数值列表（实际 {describe(raw)}）",
                    f"scores must be a list of numbers (got {describe(raw)})",
                )
                continue
            panels[comp.code][i] = [float(s) for s in scores]

    bonus_arr = np.zeros(n)
    veto_list: list[str | None] = [None] * n
    for i, code in enumerate(units.codes):
        if bonus.get(code) is not None:
            if is_finite_number(bonus[code]):
                bonus_arr[i] = float(bonus[code])
            else:
                bad(
                    f"bonus.{code}",
                    f"加分须为数值（实际 {describe(bonus[code])}）",
                    f"a bonus must be a number (got {describe(bonus[code])})",
                )
        reason = veto.get(code)
        if isinstance(reason, str) and reason.strip():
            veto_list[i] = reason
        elif reason is not None:
            bad(
                f"veto.{code}",
                f"否决理由须为非空文字（实际 {describe(reason)}）",
                f"a veto reason must be non-empty text (got {describe(reason)})",
            )
    return {
        "values": actual,
        "panels": panels,
        "bonus": bonus_arr,
        "veto": veto_list,
        "levels": levels,
    }
