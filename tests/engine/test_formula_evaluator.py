"""Evaluating formulas: arithmetic, logic, functions, no-value rules, arrays."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from govperf.engine.formula import Offset, Result, evaluate, evaluate_array, parse
from govperf.engine.periods import Period

VALUES = {"A": 10.0, "A@prev": 8.0, "A@lastyear": 5.0, "B": 0.0, "C": -3.5, "N": None}


def value(text: str, values: dict[str, float | None] = VALUES) -> float | None:
    return evaluate(parse(text), values).value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 + 3 * 4", 14),
        ("(2 + 3) * 4", 20),
        ("10 / 4", 2.5),
        ("10 - 4 - 3", 3),
        ("2 / 2 / 2", 0.5),
        ("2 * 3 / 4", 1.5),
        ("-2 * 3", -6),
        ("2 * -3", -6),
        ("2 - -3", 5),
        ("--2", 2),
        ("-(2 + 3) * 2", -10),
        ("1 + 2 * 3 - 4 / 2", 5),
        ("0.1 + 0.2", 0.1 + 0.2),
        ("#{A} * 1.5 + #{C}", 11.5),
        ("#{A} - #{A@prev}", 2),
        ("(#{A} - #{A@lastyear}) / #{A@lastyear} * 100", 100),
    ],
)
def test_arithmetic(text: str, expected: float):
    assert value(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 < 2", 1),
        ("2 < 1", 0),
        ("2 <= 2", 1),
        ("3 > 2", 1),
        ("2 >= 3", 0),
        ("2 == 2", 1),
        ("2 != 2", 0),
        ("#{A} > #{A@prev} * 1.2", 1),
        ("1 + 1 == 2", 1),
        ("(1 < 2) + (2 < 3)", 2),
        # Equal within a relative 1e-12, as on paper.
        ("0.1 + 0.2 == 0.3", 1),
        ("0.1 + 0.2 != 0.3", 0),
        ("0.1 + 0.2 <= 0.3", 1),
        ("0.1 + 0.2 > 0.3", 0),
        ("0.3 >= 0.1 + 0.2", 1),
        ("0.3 < 0.1 + 0.2", 0),
        ("1000000 == 1000000.0001", 0),
        ("123456789.12 == 123456789.13", 0),
        ("123456789.12 + 0.01 == 123456789.13", 1),
    ],
)
def test_comparisons_give_one_or_zero(text: str, expected: float):
    assert value(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 and 1", 1),
        ("1 and 0", 0),
        ("0 or 2", 1),
        ("0 or 0", 0),
        ("not 0", 1),
        ("not 5", 0),
        ("not -0.5", 0),
        ("not 1 < 2", 0),
        ("not 0 and 0", 0),
        ("1 or 0 and 0", 1),
        ("#{A} > 5 and #{C} < 0", 1),
        ("#{A} > 50 or #{C} < 0 and #{B} == 0", 1),
    ],
)
def test_logic_treats_non_zero_as_true(text: str, expected: float):
    assert value(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sum(1, 2, 3)", 6),
        ("sum(#{A})", 10),
        ("avg(1, 2, 3, 4)", 2.5),
        ("min(3, #{C}, 7)", -3.5),
        ("max(3, #{C}, 7)", 7),
        ("abs(#{C})", 3.5),
        ("abs(-0)", 0),
        ("round(2.345, 2)", 2.35),
        ("round(2.344, 2)", 2.34),
        ("round(-2.345, 2)", -2.35),
        ("round(89.995, 2)", 90),
        ("round(2.5, 0)", 3),
        ("round(1234.5, -2)", 1200),
        ("round(1 / 3 * 100, 1)", 33.3),
        ("if(#{A} > 5, 1, 0)", 1),
        ("if(#{A} > 50, 1, 0)", 0),
        ("if(-0.1, 1, 2)", 1),
        ("max(abs(#{C}), round(avg(#{A}, #{A@prev}) / 4, 1))", 3.5),
        ("sum(if(#{A} > 5, #{A}, 0), min(1, 2)) * 2", 22),
    ],
)
def test_functions(text: str, expected: float):
    assert value(text) == pytest.approx(expected)


def test_round_is_half_up_on_the_decimal_value():
    # float64 holds 1.005 as 1.00499999999999989...; Python's round gives 1.0.
    assert round(1.005, 2) == 1.0
    assert value("round(1.005, 2)") == 1.01
    assert value("round(#{X}, 2)", {"X": 0.125}) == 0.13


def test_round_keeps_numbers_too_large_to_have_decimals():
    assert value("round(#{X}, 15)", {"X": 1e300}) == 1e300


# -- no value ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("#{X}", "#{X} 无数据 / no value for #{X}"),
        ("#{N}", "#{N} 无数据 / no value for #{N}"),
        ("#{X@prev} + 1", "#{X@prev} 无数据 / no value for #{X@prev}"),
        ("#{A} / #{B}", "第 6 列除数为零 / division by zero at column 6"),
        ("1 + 1 / 0", "第 7 列除数为零 / division by zero at column 7"),
        ("0 / 0", "第 3 列除数为零 / division by zero at column 3"),
        ("#{A} / (#{A} - 10)", "第 6 列除数为零 / division by zero at column 6"),
        # The leftmost cause wins.
        ("#{X} / #{B}", "#{X} 无数据 / no value for #{X}"),
        ("#{B} / #{B} + #{X}", "第 6 列除数为零 / division by zero at column 6"),
        ("#{X} + #{Y}", "#{X} 无数据 / no value for #{X}"),
        ("#{Y} * #{X}", "#{Y} 无数据 / no value for #{Y}"),
        ("-#{X}", "#{X} 无数据 / no value for #{X}"),
        ("#{X} > 1", "#{X} 无数据 / no value for #{X}"),
        ("#{X} == #{X}", "#{X} 无数据 / no value for #{X}"),
        ("not #{X}", "#{X} 无数据 / no value for #{X}"),
        ("#{X} and 0", "#{X} 无数据 / no value for #{X}"),
        ("1 or #{X}", "#{X} 无数据 / no value for #{X}"),
        ("abs(#{X})", "#{X} 无数据 / no value for #{X}"),
        ("round(#{X}, 2)", "#{X} 无数据 / no value for #{X}"),
        ("if(#{X} > 1, 1, 0)", "#{X} 无数据 / no value for #{X}"),
        ("if(1, #{X}, 0)", "#{X} 无数据 / no value for #{X}"),
        ("if(0, 1, 5 / #{B})", "第 12 列除数为零 / division by zero at column 12"),
        ("sum(#{X}, #{Y})", "#{X} 无数据 / no value for #{X}"),
        ("avg(#{Y}, #{X})", "#{Y} 无数据 / no value for #{Y}"),
        ("min(#{X}, 1 / #{B})", "#{X} 无数据 / no value for #{X}"),
        ("max(#{A} / #{B}, #{X})", "第 10 列除数为零 / division by zero at column 10"),
    ],
)
def test_no_value_propagates_with_its_reason(text: str, reason: str):
    assert evaluate(parse(text), VALUES) == Result(None, reason)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sum(#{A}, #{X})", 10),
        ("sum(#{X}, #{A}, #{N}, 2)", 12),
        ("avg(#{A}, #{X}, #{A@prev})", 9),
        ("avg(#{X}, 4)", 4),
        ("min(#{X}, #{A}, #{A@prev})", 8),
        ("max(1 / #{B}, #{C})", -3.5),
        ("sum(#{A} / #{B}, 1)", 1),
    ],
)
def test_aggregate_functions_skip_no_values(text: str, expected: float):
    assert value(text) == expected


def test_the_branch_not_taken_cannot_spoil_if():
    assert value("if(#{B} != 0, #{A} / #{B}, 0)") == 0
    assert value("if(#{B} == 0, #{A}, #{X})") == 10


def test_overflow_gives_no_value():
    big = "9" * 300

    result = evaluate(parse(f"{big} * {big}"), {})

    assert result.value is None
    assert result.reason == "第 302 列数值溢出 / numeric overflow at column 302"
    assert evaluate(parse("sum(#{X}, #{X})"), {"X": 1e308}).value is None


def test_infinite_and_nan_inputs_are_no_value():
    assert value("#{X} + 1", {"X": float("inf")}) is None
    assert value("#{X} + 1", {"X": float("nan")}) is None


def test_evaluate_accepts_text_and_never_warns():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert evaluate("1 / 0 + avg(#{X}) + 0 / 0", {}).value is None


def test_offsets_read_the_period_they_name():
    march = Period.parse("202603")

    assert Offset.CURRENT.shift(march) == march
    assert Offset.PREV.shift(march) == Period.parse("202602")
    assert Offset.LASTYEAR.shift(march) == Period.parse("202503")


# -- arrays ----------------------------------------------------------------------


def test_one_call_evaluates_many_units():
    a = np.array([10.0, 20.0, np.nan, 5.0, 1.0])
    b = np.array([2.0, 0.0, 1.0, np.nan, 4.0])

    result = evaluate_array(parse("#{A} / #{B}"), {"A": a, "B": b}, explain=True)

    np.testing.assert_array_equal(result.value, [5.0, np.nan, np.nan, np.nan, 0.25])
    assert result.reason is not None
    assert list(result.reason) == [
        None,
        "第 6 列除数为零 / division by zero at column 6",
        "#{A} 无数据 / no value for #{A}",
        "#{B} 无数据 / no value for #{B}",
        None,
    ]


def test_arrays_broadcast_and_constants_fill_the_shape():
    units = np.arange(4.0)

    assert evaluate_array("#{A} + #{K}", {"A": units, "K": 10}).value.tolist() == [
        10,
        11,
        12,
        13,
    ]
    assert evaluate_array("1 + 1", {"A": units}).value.tolist() == [2, 2, 2, 2]
    assert evaluate_array("1 + 1", {}, shape=(2, 3)).value.shape == (2, 3)
    missing = evaluate_array("#{Z}", {"A": units})
    assert np.isnan(missing.value).all()
    assert missing.reason is None  # reasons only when asked


def test_aggregate_functions_skip_no_values_per_element():
    a = np.array([1.0, np.nan, np.nan])
    b = np.array([3.0, 4.0, np.nan])

    for name, expected in [("sum", [4, 4, None]), ("avg", [2, 4, None]), ("min", [1, 4, None])]:
        result = evaluate_array(f"{name}(#{{A}}, #{{B}})", {"A": a, "B": b}, explain=True)
        assert [None if np.isnan(v) else v for v in result.value] == expected
        assert result.reason is not None
        assert result.reason[2] == "#{A} 无数据 / no value for #{A}"


def test_if_chooses_per_element():
    b = np.array([0.0, 2.0, np.nan])

    result = evaluate_array("if(#{B} != 0, 10 / #{B}, -1)", {"B": b}, explain=True)

    np.testing.assert_array_equal(result.value, [-1.0, 5.0, np.nan])
    assert result.reason is not None
    assert list(result.reason) == [None, None, "#{B} 无数据 / no value for #{B}"]


def test_array_values_must_be_numbers():
    with pytest.raises(ValueError, match="'A'"):
        evaluate_array("#{A}", {"A": ["x", "y"]})
