"""References and cycles between formula indicators."""

from __future__ import annotations

import pytest

from govperf.engine.formula import (
    FormulaCycleError,
    Offset,
    Reference,
    dependency_graph,
    evaluation_order,
    find_cycle,
    parse,
    references,
)


def test_references_lists_each_code_and_offset_once():
    expr = parse("(#{A} - #{A@lastyear}) / #{A@lastyear} + sum(#{B}, #{A}, #{B@prev})")

    assert references(expr) == {
        Reference("A"),
        Reference("A", Offset.LASTYEAR),
        Reference("B"),
        Reference("B", Offset.PREV),
    }


def test_references_of_a_formula_without_any_is_empty():
    assert references(parse("round(1 / 3, 2)")) == set()


def test_find_cycle_names_the_path():
    graph = {"A": {"B"}, "B": {"C"}, "C": {"A", "X"}, "D": {"A"}}

    assert find_cycle(graph) == ["A", "B", "C", "A"]


def test_find_cycle_sees_a_formula_referring_to_itself():
    assert find_cycle({"A": {"A"}}) == ["A", "A"]
    assert find_cycle({"A": {"X"}, "B": {"Y", "B"}}) == ["B", "B"]


def test_find_cycle_starts_the_path_where_the_cycle_starts():
    # D leads into the cycle but is not part of it.
    assert find_cycle({"D": {"B"}, "B": {"C"}, "C": {"B"}}) == ["B", "C", "B"]


def test_find_cycle_returns_none_without_a_cycle():
    # A diamond is not a cycle; X and Y are data elements (no formula).
    assert find_cycle({"A": {"B", "C"}, "B": {"D"}, "C": {"D"}, "D": {"X", "Y"}}) is None
    assert find_cycle({}) is None


def test_find_cycle_handles_long_chains_without_recursion():
    graph = {f"I{i}": {f"I{i + 1}"} for i in range(5000)}
    assert find_cycle(graph) is None

    graph["I5000"] = {"I0"}
    cycle = find_cycle(graph)
    assert cycle is not None
    assert len(cycle) == 5002
    assert cycle[0] == cycle[-1] == "I0"


def test_dependency_graph_counts_every_period():
    formulas = {
        "RATE": parse("#{A} / #{POP} * 100"),
        "GROWTH": parse("#{RATE} - #{RATE@lastyear}"),
        "RUNNING": parse("#{RUNNING@prev} + #{A}"),
    }

    graph = dependency_graph(formulas)

    assert graph == {"RATE": {"A", "POP"}, "GROWTH": {"RATE"}, "RUNNING": {"RUNNING", "A"}}
    assert find_cycle(graph) == ["RUNNING", "RUNNING"]


def test_evaluation_order_puts_dependencies_first():
    graph = {"C": {"B", "A"}, "B": {"A", "X"}, "A": {"Y"}, "E": set()}

    assert evaluation_order(graph) == ["A", "B", "C", "E"]


def test_evaluation_order_refuses_a_cycle_naming_it():
    with pytest.raises(FormulaCycleError) as info:
        evaluation_order({"A": {"B"}, "B": {"A"}})

    assert info.value.path == ["A", "B", "A"]
    assert "A → B → A" in str(info.value)
