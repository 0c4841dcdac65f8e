"""Syntax tree → canonical text: single spaces around binary operators, ``, ``
between arguments, and only the parentheses the precedence requires.

``parse(to_text(e)) == e`` for every tree (positions aside).
"""

from __future__ import annotations

from decimal import Decimal

from govperf.engine.formula.nodes import BinOp, Call, Expr, Number, Reference, UnaryOp

__all__ = ["to_text"]

# Binding strength, loosest first, mirroring the rule layers of grammar.lark.
_OR, _AND, _NOT, _COMPARE, _ADD, _MUL, _NEG, _ATOM = range(8)
_BINARY_LEVEL = {
    "or": _OR,
    "and": _AND,
    "<": _COMPARE,
    "<=": _COMPARE,
    ">": _COMPARE,
    ">=": _COMPARE,
    "==": _COMPARE,
    "!=": _COMPARE,
    "+": _ADD,
    "-": _ADD,
    "*": _MUL,
    "/": _MUL,
}


def to_text(expr: Expr) -> str:
    """The canonical text of ``expr``.

    Examples
    --------
    >>> from govperf.engine.formula.parser import parse
    >>> to_text(parse("(( #{A}+2 ))*3 - -1"))
    '(#{A} + 2) * 3 - -1'
    """
    text, _ = _print(expr)
    return text


def format_number(value: float) -> str:
    """A literal as the grammar reads it: plain decimal, no exponent, no trailing zeros."""
    # repr is the shortest text that reads back to the same float; Decimal drops
    # its exponent without changing the value.
    text = format(Decimal(repr(float(value))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _print(expr: Expr) -> tuple[str, int]:
    """Text of ``expr`` and the level of its outermost operator."""
    match expr:
        case Number(value=value):
            return format_number(value), _ATOM
        case Reference():
            return str(expr), _ATOM
        case Call(name=name, args=args):
            return f"{name}({', '.join(to_text(arg) for arg in args)})", _ATOM
        case UnaryOp(op="-", operand=operand):
            # `-(-x)` rather than `--x`, which reads like a typo.
            inner = _wrap(operand, _NEG + (isinstance(operand, UnaryOp)))
            return f"-{inner}", _NEG
        case UnaryOp(op="not", operand=operand):
            return f"not {_wrap(operand, _NOT)}", _NOT
        case BinOp(op=op, left=left, right=right):
            level = _BINARY_LEVEL[op]
            # Left-associative: the right operand needs parentheses at the same level;
            # comparisons do not chain, so neither side may be a bare comparison.
            left_min = level + 1 if level == _COMPARE else level
            return f"{_wrap(left, left_min)} {op} {_wrap(right, level + 1)}", level
    raise TypeError(f"not a formula node: {expr!r}")


def _wrap(expr: Expr, minimum: int) -> str:
    """Text of ``expr``, parenthesised if it binds looser than ``minimum``."""
    text, level = _print(expr)
    return text if level >= minimum else f"({text})"
