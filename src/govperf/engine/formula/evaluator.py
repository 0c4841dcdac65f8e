"""Evaluation over NumPy float64 arrays, NaN meaning "no value".

One evaluator serves a single unit (0-d arrays, through :func:`evaluate`) and
thousands of units at once (:func:`evaluate_array`): the same code path.

Rules (FORMULAS.md §Meaning):

* A missing reference, a division by zero and an overflow give no value.
* Arithmetic, comparisons, ``and``/``or``/``not``, ``abs`` and ``round`` give
  no value when an operand has none.
* ``sum``, ``avg``, ``min``, ``max`` skip no-values; no value only when every
  argument has none.
* ``if(c, a, b)``: no value when ``c`` has none, else ``a`` where ``c`` is
  non-zero and ``b`` elsewhere; the branch not taken cannot spoil the result,
  so ``if(#{B} != 0, #{A} / #{B}, 0)`` is 0 when B is 0.
* Comparisons and logic give 1 or 0; any non-zero number is true.
* ``==`` and friends treat numbers within a relative 1e-12 as equal, so that
  ``0.1 + 0.2 == 0.3`` holds as it does on paper (validation rules compare
  sums of decimal data).

When asked to explain, each element that has no value carries the reason of
its first cause, leftmost first: ``#{B} 无数据 / no value for #{B}``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from govperf.engine.formula.nodes import BinOp, Call, Expr, Number, Reference, UnaryOp
from govperf.engine.formula.parser import parse
from govperf.engine.rounding import round_half_up

__all__ = ["ArrayResult", "Result", "evaluate", "evaluate_array"]

FloatArray = npt.NDArray[np.float64]
# Reason codes: 0 where a value exists, else an index into the reason table.
CodeArray = npt.NDArray[np.intp]

# Relative tolerance of equality in comparisons (see module docstring).
EQUALITY_TOLERANCE = 1e-12


@dataclass(frozen=True, slots=True)
class Result:
    """The value of a formula for one unit and period, or None with the reason."""

    value: float | None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ArrayResult:
    """Values (NaN = no value) and, when explained, a reason per NaN element (else None)."""

    value: FloatArray
    reason: npt.NDArray[np.object_] | None = None


def evaluate(expr: Expr | str, values: Mapping[str, float | None]) -> Result:
    """Evaluate a formula for one unit.

    ``values`` maps reference keys (``"A"``, ``"A@prev"``, ``"A@lastyear"``) to
    numbers; a missing key or None is no value.

    Examples
    --------
    >>> evaluate("#{A} - #{A@prev}", {"A": 10, "A@prev": 8})
    Result(value=2.0, reason=None)
    >>> evaluate("#{A} / #{B}", {"A": 10})
    Result(value=None, reason='#{B} 无数据 / no value for #{B}')
    """
    arrays = {
        key: np.asarray(np.nan if v is None else v, dtype=np.float64) for key, v in values.items()
    }
    result = evaluate_array(expr, arrays, shape=(), explain=True)
    value = float(result.value)
    if np.isnan(value):
        assert result.reason is not None
        return Result(None, str(result.reason[()]))
    return Result(value)


def evaluate_array(
    expr: Expr | str,
    values: Mapping[str, npt.ArrayLike],
    *,
    shape: tuple[int, ...] | None = None,
    explain: bool = False,
) -> ArrayResult:
    """Evaluate a formula elementwise over arrays, e.g. one element per unit.

    ``values`` maps reference keys to arrays that broadcast together (NaN or a
    missing key is no value). The result has their broadcast shape, or
    ``shape`` when given. With ``explain``, ``reason`` holds a string for every
    element without a value and None elsewhere.

    Examples
    --------
    >>> r = evaluate_array("#{A} / #{B}", {"A": [1.0, 2.0, 3.0], "B": [2.0, 0.0, np.nan]})
    >>> r.value
    array([0.5, nan, nan])
    """
    if isinstance(expr, str):
        expr = parse(expr)
    arrays = {key: _as_values(key, array) for key, array in values.items()}
    if shape is None:
        shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    evaluator = _Evaluator(arrays, explain)
    with np.errstate(all="ignore"):  # NaN and division by zero are handled, not warned about
        value, codes = evaluator.eval(expr)
    value = np.array(np.broadcast_to(value, shape), dtype=np.float64)
    if not explain:
        return ArrayResult(value)
    table = np.array([None, *evaluator.reasons], dtype=object)
    return ArrayResult(value, np.array(table[np.broadcast_to(codes, shape)], dtype=object))


def _as_values(key: str, array: npt.ArrayLike) -> FloatArray:
    try:
        out = np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{key!r} 的值不是数字 / values of {key!r} are not numbers") from None
    # An infinite input has no meaning in an indicator; treat it as absent.
    return np.where(np.isfinite(out), out, np.nan)


class _Evaluator:
    """Walks the tree once; every node gives (values, reason codes).

    Invariant: a reason code is non-zero exactly where the value is NaN. When
    not explaining, codes are a scalar 0 and cost nothing.
    """

    def __init__(self, values: Mapping[str, FloatArray], explain: bool) -> None:
        self.values = values
        self.explain = explain
        self.reasons: list[str] = []
        self._codes: dict[str, int] = {}

    def code(self, reason: str) -> int:
        if reason not in self._codes:
            self.reasons.append(reason)
            self._codes[reason] = len(self.reasons)
        return self._codes[reason]

    def eval(self, node: Expr) -> tuple[FloatArray, CodeArray]:
        match node:
            case Number(value=value):
                return np.asarray(value, dtype=np.float64), _NONE
            case Reference():
                return self._reference(node)
            case UnaryOp(op=op, operand=operand):
                value, codes = self.eval(operand)
                if op == "-":
                    return -value, codes
                return np.where(np.isnan(value), np.nan, (value == 0).astype(np.float64)), codes
            case BinOp(op=op, left=left, right=right):
                return self._binary(node, self.eval(left), self.eval(right))
            case Call(args=args):
                return self._call(node, [self.eval(arg) for arg in args])
        raise TypeError(f"not a formula node: {node!r}")

    def _reference(self, node: Reference) -> tuple[FloatArray, CodeArray]:
        value = self.values.get(node.key)
        if value is None:
            value = np.asarray(np.nan)
        return value, self._mark(np.isnan(value), f"{node} 无数据 / no value for {node}")

    def _binary(
        self,
        node: BinOp,
        left: tuple[FloatArray, CodeArray],
        right: tuple[FloatArray, CodeArray],
    ) -> tuple[FloatArray, CodeArray]:
        (a, a_codes), (b, b_codes) = left, right
        codes = self._first(a_codes, b_codes)
        missing = np.isnan(a) | np.isnan(b)
        op = node.op
        if op in ("+", "-", "*", "/"):
            if op == "+":
                out = a + b
            elif op == "-":
                out = a - b
            elif op == "*":
                out = a * b
            else:
                zero = (b == 0) & ~missing
                out = np.where(zero, np.nan, a / b)
                reason = _located(node, "除数为零", "division by zero")
                codes = self._first(codes, self._mark(zero, reason))
            return self._overflow(node, out, codes)
        if op in ("and", "or"):
            a_true, b_true = a != 0, b != 0
            truth = (a_true & b_true) if op == "and" else (a_true | b_true)
        else:
            truth = _compare(op, a, b)
        return np.where(missing, np.nan, truth.astype(np.float64)), codes

    def _call(
        self, node: Call, args: list[tuple[FloatArray, CodeArray]]
    ) -> tuple[FloatArray, CodeArray]:
        name = node.name
        values = [value for value, _ in args]
        if name in ("sum", "avg", "min", "max"):
            stacked = np.stack(np.broadcast_arrays(*values))
            present = ~np.isnan(stacked)
            count = present.sum(axis=0)
            if name == "min":
                out = functools.reduce(np.fmin, values)  # fmin/fmax skip NaN
            elif name == "max":
                out = functools.reduce(np.fmax, values)
            else:
                total = np.where(present, stacked, 0.0).sum(axis=0)
                # max(count, 1) only avoids 0/0 where the result is NaN anyway.
                out = total if name == "sum" else total / np.maximum(count, 1)
                out = np.where(count > 0, out, np.nan)
            # No value only where every argument has none: the first one's reason.
            codes = np.where(count > 0, 0, args[0][1]) if self.explain else _NONE
            return self._overflow(node, out, codes)
        if name == "abs":
            ((value, codes),) = args
            return np.abs(value), codes
        if name == "round":
            (value, codes), (digits, _) = args
            # The parser admits only a literal whole number of digits.
            ndigits = int(digits)
            rounded = np.asarray(round_half_up(value, ndigits), dtype=np.float64)
            # Beyond 2**52 at the rounding scale a float has no fraction left to
            # round, and scaling it up could overflow: keep it as it is.
            whole = np.abs(value) * 10.0**ndigits >= 2.0**52
            return np.where(whole, value, rounded), codes
        if name == "if":
            (cond, c_codes), (then, t_codes), (other, o_codes) = args
            missing = np.isnan(cond)
            chosen = cond != 0
            out = np.where(missing, np.nan, np.where(chosen, then, other))
            if not self.explain:
                return out, _NONE
            return out, np.where(missing, c_codes, np.where(chosen, t_codes, o_codes))
        raise ValueError(f"未知函数 / unknown function: {name!r}")

    def _overflow(
        self, node: Expr, out: FloatArray, codes: CodeArray
    ) -> tuple[FloatArray, CodeArray]:
        # Operands are always finite or NaN, so any infinity is new: float64 overflowed.
        infinite = np.isinf(out)
        if not infinite.any():
            return out, codes
        reason = _located(node, "数值溢出", "numeric overflow")
        return np.where(infinite, np.nan, out), self._first(codes, self._mark(infinite, reason))

    def _mark(self, where: npt.NDArray[np.bool_], reason: str) -> CodeArray:
        if not self.explain or not where.any():
            return _NONE
        return np.where(where, self.code(reason), 0)

    def _first(self, first: CodeArray, second: CodeArray) -> CodeArray:
        """Elementwise the first non-zero reason code."""
        if not self.explain:
            return _NONE
        return np.where(first != 0, first, second)


_NONE: CodeArray = np.asarray(0, dtype=np.intp)


def _located(node: Expr, zh: str, en: str) -> str:
    """A reason with the column of the operator at fault, when the tree came from text."""
    if node.position:
        return f"第 {node.position} 列{zh} / {en} at column {node.position}"
    return f"{zh} / {en}"


def _compare(op: str, a: FloatArray, b: FloatArray) -> npt.NDArray[np.bool_]:
    equal = np.abs(a - b) <= EQUALITY_TOLERANCE * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))
    if op == "==":
        return equal
    if op == "!=":
        return ~equal
    if op == "<":
        return (a < b) & ~equal
    if op == "<=":
        return (a < b) | equal
    if op == ">":
        return (a > b) & ~equal
    if op == ">=":
        return (a > b) | equal
    raise ValueError(f"unknown operator {op!r}")
