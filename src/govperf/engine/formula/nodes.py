"""The formula syntax tree: frozen dataclasses that carry their source position.

``position`` is the 1-based column (character offset + 1) of a node's anchor:
the operator of a unary or binary operation, the name of a call, the ``#`` of
a reference, the first digit of a number. Positions take no part in equality
or hashing, so a tree parsed from the canonical text equals the original.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from govperf.engine.periods import Period

__all__ = [
    "ARITHMETIC",
    "COMPARISONS",
    "FUNCTIONS",
    "LOGIC",
    "BinOp",
    "Call",
    "Expr",
    "Number",
    "Offset",
    "Reference",
    "UnaryOp",
]

# Inclusive (minimum, maximum) argument counts; None means any number.
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "sum": (1, None),
    "avg": (1, None),
    "min": (1, None),
    "max": (1, None),
    "abs": (1, 1),
    "round": (2, 2),
    "if": (3, 3),
}

ArithmeticOp = Literal["+", "-", "*", "/"]
ComparisonOp = Literal["<", "<=", ">", ">=", "==", "!="]
LogicOp = Literal["and", "or"]
BinaryOperator = ArithmeticOp | ComparisonOp | LogicOp
UnaryOperator = Literal["-", "not"]

ARITHMETIC: frozenset[str] = frozenset({"+", "-", "*", "/"})
COMPARISONS: frozenset[str] = frozenset({"<", "<=", ">", ">=", "==", "!="})
LOGIC: frozenset[str] = frozenset({"and", "or"})

# The same character class as CODE in grammar.lark (`\w` is Unicode-aware in Python).
CODE_PATTERN = re.compile(r"[\w.\-]+")


class Offset(StrEnum):
    """Which period a reference reads, relative to the period being computed."""

    CURRENT = ""
    PREV = "prev"
    LASTYEAR = "lastyear"

    def shift(self, period: Period) -> Period:
        """The period this offset reads when computing ``period``."""
        if self is Offset.PREV:
            return period.prev()
        if self is Offset.LASTYEAR:
            return period.last_year()
        return period


def _position() -> int:
    # 0 marks a node built in code rather than parsed from text.
    return field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Number:
    """A decimal literal; never negative (``-2`` is ``UnaryOp("-", Number(2))``)."""

    value: float
    position: int = _position()

    def __post_init__(self) -> None:
        value = float(self.value)
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"a literal is a finite non-negative number, got {self.value!r}")
        object.__setattr__(self, "value", value)


@dataclass(frozen=True, slots=True)
class Reference:
    """``#{CODE}``, ``#{CODE@prev}`` or ``#{CODE@lastyear}``."""

    code: str
    offset: Offset = Offset.CURRENT
    position: int = _position()

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not CODE_PATTERN.fullmatch(self.code):
            raise ValueError(f"invalid code {self.code!r}: letters, digits, '_', '.', '-'")
        object.__setattr__(self, "offset", Offset(self.offset))

    @property
    def key(self) -> str:
        """The key of this reference in a values mapping: ``A``, ``A@prev``, ``A@lastyear``."""
        return f"{self.code}@{self.offset}" if self.offset else self.code

    @classmethod
    def from_key(cls, key: str) -> Reference:
        """Inverse of :attr:`key`; ``ValueError`` for a malformed key."""
        code, _, offset = key.partition("@")
        try:
            return cls(code, Offset(offset))
        except ValueError:
            raise ValueError(f"无效的引用 / invalid reference key: {key!r}") from None

    def __str__(self) -> str:
        return f"#{{{self.key}}}"


@dataclass(frozen=True, slots=True)
class UnaryOp:
    """Negation ``-x`` or logical ``not x``."""

    op: UnaryOperator
    operand: Expr
    position: int = _position()

    def __post_init__(self) -> None:
        if self.op not in ("-", "not"):
            raise ValueError(f"unknown unary operator {self.op!r}")


@dataclass(frozen=True, slots=True)
class BinOp:
    """An arithmetic, comparison or logic operation."""

    op: BinaryOperator
    left: Expr
    right: Expr
    position: int = _position()

    def __post_init__(self) -> None:
        if self.op not in ARITHMETIC | COMPARISONS | LOGIC:
            raise ValueError(f"unknown binary operator {self.op!r}")


@dataclass(frozen=True, slots=True)
class Call:
    """A function call such as ``sum(a, b)``; ``name`` is one of :data:`FUNCTIONS`."""

    name: str
    args: tuple[Expr, ...]
    position: int = _position()

    def __post_init__(self) -> None:
        object.__setattr__(self, "args", tuple(self.args))


Expr = Number | Reference | UnaryOp | BinOp | Call
