"""The engine's one input error, carrying every problem found at the boundary.

Each problem names the field it is about (a JSON path such as
``scheme.components[0].indicators[1].rule.target`` or ``values.U1.A1``) and a
bilingual message, Chinese first: ``"指标权重之和须为100 / indicator weights must
total 100 (got 90)"``. The CLI prints them as ``{"errors": [...]}``; the Django
app maps the exception to its one error body.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Real
from typing import Any, TypeGuard

# A bulk call with a bad column could otherwise produce one item per unit.
MAX_ERRORS = 200


class EngineInputError(ValueError):
    """Bad input to the engine; ``errors`` lists ``{"field", "message"}`` items."""

    def __init__(self, errors: Iterable[dict[str, str]]) -> None:
        self.errors: list[dict[str, str]] = list(errors)
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in self.errors[:5])
        more = len(self.errors) - 5
        super().__init__(summary + (f"; … {more} more" if more > 0 else ""))


class ErrorList:
    """Collects problems so that one pass over an input reports all of them."""

    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []
        self._dropped = 0

    def add(self, field: str, zh: str, en: str) -> None:
        """Record a problem with ``field``; the message reads ``"zh / en"``."""
        if len(self.items) >= MAX_ERRORS:
            self._dropped += 1
            return
        self.items.append({"field": field, "message": f"{zh} / {en}"})

    def extend(self, items: Iterable[dict[str, str]]) -> None:
        for item in items:
            if len(self.items) >= MAX_ERRORS:
                self._dropped += 1
            else:
                self.items.append(item)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def raise_if_any(self) -> None:
        if not self.items:
            return
        items = list(self.items)
        if self._dropped:
            items.append(
                {
                    "field": "",
                    "message": f"另有 {self._dropped} 个问题未列出 / "
                    f"{self._dropped} more problems not listed",
                }
            )
        raise EngineInputError(items)


def is_number(value: Any) -> TypeGuard[float]:
    """True for an int or float that is not a bool (JSON ``true`` is not a score)."""
    return isinstance(value, Real) and not isinstance(value, bool)


def is_finite_number(value: Any) -> TypeGuard[float]:
    return is_number(value) and math.isfinite(float(value))


def describe(value: Any) -> str:
    """A short rendering of a bad value for a message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
