"""Errors of the formula language. Evaluation never raises: it gives no value with a reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["FormulaCycleError", "FormulaSyntaxError", "Issue", "UnknownFunctionError"]


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in a formula's text.

    ``position`` is the 1-based column of the first character that cannot be
    parsed (the length of the text + 1 when the text ends too early). ``kind``
    is ``syntax``, ``unknown_function``, ``arity``, ``argument``, ``offset``,
    ``number`` or ``depth``, for the indicator editor to react to.
    """

    position: int
    message: str
    kind: str = "syntax"

    def as_dict(self) -> dict[str, object]:
        return {"position": self.position, "message": self.message, "kind": self.kind}


class FormulaSyntaxError(ValueError):
    """A formula that cannot be parsed or refers to something the language lacks.

    ``position`` and ``message`` describe the first issue (leftmost); ``issues``
    lists every issue found, at least one.
    """

    def __init__(self, issues: Sequence[Issue]) -> None:
        if not issues:
            raise ValueError("a FormulaSyntaxError needs at least one issue")
        self.issues: tuple[Issue, ...] = tuple(issues)
        self.position: int = self.issues[0].position
        self.message: str = self.issues[0].message
        super().__init__(self.message)


class UnknownFunctionError(FormulaSyntaxError):
    """The first issue is a call of a function the language does not have."""

    def __init__(self, issues: Sequence[Issue], name: str) -> None:
        super().__init__(issues)
        self.name = name


class FormulaCycleError(ValueError):
    """Formulas that refer to themselves, directly or through others.

    ``path`` is the cycle, first code repeated at the end: ``["A", "B", "A"]``.
    """

    def __init__(self, path: Sequence[str]) -> None:
        self.path: list[str] = list(path)
        chain = " → ".join(self.path)
        super().__init__(f"公式循环引用 / formulas refer to themselves: {chain}")
