"""Properties of the formula language, checked on random trees (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govperf.engine.formula import (
    BinOp,
    Call,
    Expr,
    FormulaSyntaxError,
    Number,
    Offset,
    Reference,
    UnaryOp,
    evaluate,
    evaluate_array,
    parse,
    references,
    to_text,
)

CODES = ["A", "B", "C", "gdp_2026", "经济.01", "x-1"]
BINARY = ["+", "-", "*", "/", "<", "<=", ">", ">=", "==", "!=", "and", "or"]

literals = st.one_of(
    st.integers(0, 1000).map(float),
    st.floats(0, 1e6, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, 0.1, 0.25, 2.345, 1e-7]),
)
refs = st.builds(Reference, st.sampled_from(CODES), st.sampled_from(list(Offset)))


def _digits(d: int) -> Expr:
    return Number(d) if d >= 0 else UnaryOp("-", Number(-d))


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    return st.one_of(
        st.builds(UnaryOp, st.sampled_from(["-", "not"]), children),
        st.builds(BinOp, st.sampled_from(BINARY), children, children),
        st.builds(
            Call,
            st.sampled_from(["sum", "avg", "min", "max"]),
            st.lists(children, min_size=1, max_size=4).map(tuple),
        ),
        st.builds(lambda a: Call("abs", (a,)), children),
        st.builds(lambda a, d: Call("round", (a, _digits(d))), children, st.integers(-3, 6)),
        st.builds(lambda c, a, b: Call("if", (c, a, b)), children, children, children),
    )


exprs = st.recursive(st.one_of(literals.map(Number), refs), _extend, max_leaves=16)


@settings(deadline=None)
@given(exprs)
def test_parse_reads_back_what_to_text_prints(expr: Expr):
    text = to_text(expr)

    assert parse(text) == expr
    assert to_text(parse(text)) == text


# -- evaluation against Python arithmetic ------------------------------------------

Pair = tuple[Expr, float | None]  # a tree and its value computed by Python


def _py_binary(op: str, a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return None
    if op == "/":
        if b == 0:
            return None
        out = a / b
    else:
        out = {"+": a + b, "-": a - b, "*": a * b}[op]
    return out if math.isfinite(out) else None  # overflow has no value


def _py_aggregate(name: str, values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    if not present:
        return None
    out = {"sum": sum, "min": min, "max": max}.get(name, lambda v: sum(v) / len(v))(present)
    return out if math.isfinite(out) else None


def _arith_extend(children: st.SearchStrategy[Pair]) -> st.SearchStrategy[Pair]:
    binary = st.tuples(st.sampled_from("+-*/"), children, children).map(
        lambda t: (BinOp(t[0], t[1][0], t[2][0]), _py_binary(t[0], t[1][1], t[2][1]))
    )
    negation = children.map(lambda c: (UnaryOp("-", c[0]), None if c[1] is None else -c[1]))
    absolute = children.map(lambda c: (Call("abs", (c[0],)), None if c[1] is None else abs(c[1])))
    aggregate = st.tuples(
        st.sampled_from(["sum", "avg", "min", "max"]), st.lists(children, min_size=1, max_size=4)
    ).map(
        lambda t: (Call(t[0], tuple(c[0] for c in t[1])), _py_aggregate(t[0], [c[1] for c in t[1]]))
    )
    return st.one_of(binary, negation, absolute, aggregate)


arith = st.recursive(
    st.one_of(st.integers(0, 100).map(float), st.floats(0, 100, allow_nan=False)).map(
        lambda v: (Number(v), v)
    ),
    _arith_extend,
    max_leaves=12,
)


@settings(deadline=None)
@given(arith)
def test_evaluation_matches_python_arithmetic(pair: Pair):
    expr, expected = pair

    result = evaluate(expr, {})

    if expected is None:
        assert result.value is None
        assert result.reason
    else:
        assert result.value == pytest.approx(expected, rel=1e-9, abs=1e-9)
        assert result.reason is None


@settings(deadline=None)
@given(arith)
def test_printed_formulas_evaluate_like_their_trees(pair: Pair):
    expr, _ = pair

    from_text, from_tree = evaluate(to_text(expr), {}), evaluate(expr, {})

    assert from_text.value == from_tree.value
    # The same reason, located in the text when there is one.
    assert (
        (from_text.reason or "")
        .split(" / ")[-1]
        .startswith((from_tree.reason or "").split(" / ")[-1])
    )


# -- arrays against scalars ------------------------------------------------------------

cell = st.one_of(
    st.none(),
    st.sampled_from([0.0, 1.0, -1.0, 2.5]),
    st.floats(-1e3, 1e3, allow_nan=False),
)


@settings(deadline=None)
@given(exprs, st.integers(1, 6), st.data())
def test_array_evaluation_equals_elementwise_scalar_evaluation(expr: Expr, units: int, data):
    keys = sorted(ref.key for ref in references(expr))
    # Some references get no array at all: missing for every unit.
    given_keys = data.draw(st.lists(st.sampled_from(keys), unique=True)) if keys else []
    columns = {key: data.draw(st.lists(cell, min_size=units, max_size=units)) for key in given_keys}
    arrays = {
        key: np.array([np.nan if v is None else v for v in column])
        for key, column in columns.items()
    }

    result = evaluate_array(expr, arrays, shape=(units,), explain=True)

    assert result.value.shape == (units,)
    assert result.reason is not None
    for i in range(units):
        scalar = evaluate(expr, {key: column[i] for key, column in columns.items()})
        if scalar.value is None:
            assert np.isnan(result.value[i])
        else:
            assert result.value[i] == scalar.value
        assert result.reason[i] == scalar.reason
        # A reason exactly where there is no value.
        assert (scalar.reason is None) == (scalar.value is not None)


@settings(deadline=None)
@given(exprs)
def test_references_are_the_keys_evaluation_reads(expr: Expr):
    keys = {ref.key for ref in references(expr)}

    # With every reference present and non-zero, no reason mentions a missing one.
    result = evaluate(expr, dict.fromkeys(keys, 3.0))

    assert result.reason is None or "无数据" not in result.reason


# -- any text ------------------------------------------------------------------------

alphabet = (
    st.sampled_from(list("0123456789.+-*/<>=!()#{}@,, abcdeilmnorstuvxAB_经（")) | st.characters()
)


@settings(deadline=None)
@given(st.one_of(st.text(alphabet, max_size=30), exprs.map(to_text)), st.data())
def test_any_text_parses_or_fails_with_a_position_inside_it(text: str, data):
    # Damage a valid formula too: one character deleted or inserted.
    if text and data.draw(st.booleans()):
        i = data.draw(st.integers(0, len(text) - 1))
        text = (
            text[:i]
            + data.draw(st.sampled_from(["", "(", ")", "+", ",", "#", "x"]))
            + text[i + 1 :]
        )
    try:
        parse(text)
    except FormulaSyntaxError as exc:
        assert 1 <= exc.position <= len(text) + 1
        assert all(1 <= issue.position <= len(text) + 1 for issue in exc.issues)
        assert " / " in exc.message
