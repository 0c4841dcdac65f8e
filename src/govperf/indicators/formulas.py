"""Checking an indicator's formula against the library: the language, the references, cycles.

The language itself is ``govperf.engine.formula`` (parser, printer, dependency
graph); this module only adds what the library knows: which codes exist and
are active, and which formulas the current versions already have. The
indicator editor's live check, the services and the import all call
:func:`check_formula`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from govperf.engine.formula import (
    BinOp,
    Call,
    Expr,
    FormulaSyntaxError,
    Reference,
    UnaryOp,
    find_cycle,
    parse,
    references,
    to_text,
)

# The code a formula of an indicator not yet saved stands under in the graph.
NEW = "\x00new"


@dataclass(frozen=True)
class FormulaProblem:
    """One located problem: ``position`` is the 1-based column in the formula text."""

    position: int | None
    message: str
    code: str | None = None  # the reference concerned, if any

    def as_dict(self) -> dict[str, Any]:
        return {"position": self.position, "message": self.message}


@dataclass
class FormulaCheck:
    ok: bool
    text: str  # canonical text ("" for no formula, the input when it does not parse)
    references: list[str] = field(default_factory=list)  # keys: A, A@prev, A@lastyear
    codes: list[str] = field(default_factory=list)  # distinct indicator codes referred to
    errors: list[FormulaProblem] = field(default_factory=list)
    cycle: list[str] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "text": self.text,
            "references": self.references,
            "errors": [e.as_dict() for e in self.errors],
        }


@dataclass
class Library:
    """What a formula may refer to: every code, the active ones, and the current formulas."""

    known: set[str]
    active: set[str]
    graph: dict[str, set[str]]

    @classmethod
    def load(cls) -> Library:
        from govperf.indicators.models import Indicator, IndicatorVersion

        known: set[str] = set()
        active: set[str] = set()
        for code, is_active in Indicator.objects.values_list("code", "is_active"):
            known.add(code)
            if is_active:
                active.add(code)
        graph: dict[str, set[str]] = {}
        edges = IndicatorVersion.inputs.through.objects.filter(
            indicatorversion_id__in=Indicator.objects.filter(current__isnull=False).values(
                "current_id"
            )
        ).values_list("indicatorversion__indicator__code", "indicator__code")
        for source, target in edges:
            graph.setdefault(source, set()).add(target)
        return cls(known=known, active=active, graph=graph)


def engine_message(message: str) -> str:
    """The engine writes "中文 / English"; show the half in the reader's language."""
    chinese, sep, english = message.partition(" / ")
    if not sep:
        return message
    language = translation.get_language() or ""
    return chinese if language.startswith("zh") else english


def _reference_positions(expr: Expr) -> dict[str, int]:
    """The first position at which each code is referred to."""
    found: dict[str, int] = {}
    stack: list[Expr] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Reference):
            if node.code not in found or node.position < found[node.code]:
                found[node.code] = node.position
        elif isinstance(node, UnaryOp):
            stack.append(node.operand)
        elif isinstance(node, BinOp):
            stack.extend((node.left, node.right))
        elif isinstance(node, Call):
            stack.extend(node.args)
    return found


def _cycle_through(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """A cycle reachable from ``start``, rotated to begin there when it passes through it."""
    reachable: dict[str, set[str]] = {}
    pending = [start]
    while pending:
        code = pending.pop()
        if code in reachable:
            continue
        reachable[code] = graph.get(code, set())
        pending.extend(reachable[code])
    cycle = find_cycle(reachable)
    if cycle is None or start not in cycle[:-1]:
        return cycle
    at = cycle.index(start)
    loop = cycle[:-1]
    rotated = loop[at:] + loop[:at]
    return [*rotated, start]


def check_formula(
    text: str, *, own_code: str | None = None, library: Library | None = None
) -> FormulaCheck:
    """Parse ``text`` and check its references and cycles against ``library`` (loaded when None).

    ``own_code`` is the indicator the formula belongs to (None for one not saved
    yet): its formula in the library is replaced by this one for the cycle check.
    """
    # Positions count from the text as written, so it is parsed unstripped.
    text = text or ""
    if not text.strip():
        return FormulaCheck(ok=True, text="")
    try:
        expr = parse(text)
    except FormulaSyntaxError as exc:
        return FormulaCheck(
            ok=False,
            text=text,
            errors=[FormulaProblem(i.position, engine_message(i.message)) for i in exc.issues],
        )
    library = library if library is not None else Library.load()
    refs = references(expr)
    positions = _reference_positions(expr)
    codes = sorted(positions)
    errors: list[FormulaProblem] = []
    for code in sorted(codes, key=lambda c: positions[c]):
        if code not in library.known:
            errors.append(
                FormulaProblem(
                    positions[code],
                    _("Column %(position)d: there is no indicator with the code %(code)s.")
                    % {"position": positions[code], "code": code},
                    code,
                )
            )
        elif code not in library.active:
            errors.append(
                FormulaProblem(
                    positions[code],
                    _("Column %(position)d: the indicator %(code)s is inactive.")
                    % {"position": positions[code], "code": code},
                    code,
                )
            )
    me = own_code or NEW
    graph = {**library.graph, me: set(codes)}
    cycle = _cycle_through(graph, me)
    if cycle is not None:
        shown = [c if c != NEW else _("(this indicator)") for c in cycle]
        first = cycle[1] if cycle[0] == me and len(cycle) > 1 else None
        position = positions.get(first) if first else None
        errors.append(
            FormulaProblem(
                position,
                _("The formula refers back to itself: %(path)s.") % {"path": " → ".join(shown)},
                first,
            )
        )
    return FormulaCheck(
        ok=not errors,
        text=to_text(expr),
        references=sorted(r.key for r in refs),
        codes=codes,
        errors=errors,
        cycle=cycle,
    )


def overlay(library: Library, formulas: Iterable[tuple[str, Iterable[str], bool]]) -> Library:
    """``library`` with some indicators added or replaced: (code, codes referred to, active)."""
    known, active, graph = set(library.known), set(library.active), dict(library.graph)
    for code, codes, is_active in formulas:
        known.add(code)
        if is_active:
            active.add(code)
        else:
            active.discard(code)
        graph[code] = set(codes)
    return Library(known=known, active=active, graph=graph)
