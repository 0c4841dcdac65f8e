"""The one input error and its collector."""

from __future__ import annotations

import pytest

from govperf.engine.errors import MAX_ERRORS, EngineInputError, ErrorList, is_number


def test_problems_are_collected_and_raised_once() -> None:
    errors = ErrorList()
    errors.add("a", "甲", "first")
    errors.add("b", "乙", "second")
    with pytest.raises(EngineInputError) as caught:
        errors.raise_if_any()
    assert caught.value.errors == [
        {"field": "a", "message": "甲 / first"},
        {"field": "b", "message": "乙 / second"},
    ]
    assert str(caught.value) == "a: 甲 / first; b: 乙 / second"


def test_a_flood_of_problems_is_capped_with_a_count_of_the_rest() -> None:
    errors = ErrorList()
    for i in range(MAX_ERRORS + 7):
        errors.add(f"f{i}", "错", "bad")
    with pytest.raises(EngineInputError) as caught:
        errors.raise_if_any()
    assert len(caught.value.errors) == MAX_ERRORS + 1
    assert caught.value.errors[-1]["message"].endswith("7 more problems not listed")


def test_nothing_is_raised_without_problems() -> None:
    ErrorList().raise_if_any()


def test_a_boolean_is_not_a_number() -> None:
    assert is_number(3) and is_number(2.5)
    assert not is_number(True) and not is_number("3")
