"""What a formula reads, and whether formulas refer to themselves (a cycle).

A graph maps each formula indicator's code to the codes its formula refers to;
codes that are not keys (data elements) are leaves.
"""

from __future__ import annotations

from collections.abc import Mapping, Set

from govperf.engine.formula.errors import FormulaCycleError
from govperf.engine.formula.nodes import BinOp, Call, Expr, Reference, UnaryOp

__all__ = ["dependency_graph", "evaluation_order", "find_cycle", "references"]


def references(expr: Expr) -> set[Reference]:
    """Every distinct reference in ``expr`` (code and offset; positions ignored).

    Examples
    --------
    >>> from govperf.engine.formula.parser import parse
    >>> sorted(r.key for r in references(parse("#{A} - #{A@prev} + #{A}")))
    ['A', 'A@prev']
    """
    found: set[Reference] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        match node:
            case Reference():
                found.add(Reference(node.code, node.offset))
            case UnaryOp(operand=operand):
                stack.append(operand)
            case BinOp(left=left, right=right):
                stack.extend((left, right))
            case Call(args=args):
                stack.extend(args)
    return found


def dependency_graph(formulas: Mapping[str, Expr]) -> dict[str, set[str]]:
    """Codes each formula refers to, in any period.

    A reference to another period counts: ``#{A@prev}`` in A's own formula is
    refused as a cycle too, because an indicator defined through its own past
    values never settles once one period is corrected.
    """
    return {code: {ref.code for ref in references(expr)} for code, expr in formulas.items()}


def find_cycle(graph: Mapping[str, Set[str]]) -> list[str] | None:
    """A cycle in ``graph`` as a path whose first code is repeated at the end, or None.

    Deterministic: codes and their dependencies are visited in sorted order.

    Examples
    --------
    >>> find_cycle({"A": {"B"}, "B": {"C"}, "C": {"A", "X"}})
    ['A', 'B', 'C', 'A']
    >>> find_cycle({"A": {"B"}, "B": {"X"}}) is None
    True
    """
    done: set[str] = set()
    for root in sorted(graph):
        if root in done:
            continue
        # Iterative depth-first search; `path` holds the codes being visited.
        path: list[str] = [root]
        on_path = {root}
        pending = [iter(sorted(graph.get(root, ())))]
        while pending:
            child = next(pending[-1], None)
            if child is None:
                pending.pop()
                finished = path.pop()
                on_path.discard(finished)
                done.add(finished)
            elif child in on_path:
                return [*path[path.index(child) :], child]
            elif child not in done:
                path.append(child)
                on_path.add(child)
                pending.append(iter(sorted(graph.get(child, ()))))
    return None


def evaluation_order(graph: Mapping[str, Set[str]]) -> list[str]:
    """The codes of ``graph`` ordered so that each comes after those it refers to.

    Raises :class:`FormulaCycleError` naming the path when there is a cycle.

    Examples
    --------
    >>> evaluation_order({"C": {"B"}, "B": {"A"}, "A": {"X"}})
    ['A', 'B', 'C']
    """
    cycle = find_cycle(graph)
    if cycle is not None:
        raise FormulaCycleError(cycle)
    order: list[str] = []
    placed: set[str] = set()
    for root in sorted(graph):
        stack = [(root, iter(sorted(graph[root])))]
        if root in placed:
            continue
        while stack:
            code, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                if code not in placed:
                    placed.add(code)
                    order.append(code)
            elif child in graph and child not in placed:
                stack.append((child, iter(sorted(graph[child]))))
    return order
