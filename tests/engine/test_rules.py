"""Scoring rules: hand-computed pct values, validation, and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from govperf.engine.errors import ErrorList
from govperf.engine.rules import (
    Deduction,
    HigherBetter,
    Interpolate,
    LowerBetter,
    Rubric,
    parse_rule,
)


def pct(rule, actual: float, weight: float = 100.0) -> float:
    kind = type(rule)
    out = np.empty((1, 1))
    kind.pct_block(kind.block_params([rule]), np.array([[actual]]), np.array([[weight]]), out)
    return float(out[0, 0])


def parse(data: dict) -> tuple[object, list[dict[str, str]]]:
    errors = ErrorList()
    rule = parse_rule(data, "rule", errors)
    return rule, errors.items


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
positive = st.floats(min_value=1e-3, max_value=1e6)


def test_higher_better_at_92_percent_of_target() -> None:
    # 92 ÷ 100 = 0.92; × weight 60 = 55.2
    rule = HigherBetter(target=100)
    assert pct(rule, 92) == pytest.approx(0.92)
    assert pct(rule, 92) * 60 == pytest.approx(55.2)


def test_higher_better_caps_at_1_and_floors_at_0() -> None:
    rule = HigherBetter(target=100)
    assert pct(rule, 130) == 1.0
    assert pct(rule, -5) == 0.0


def test_lower_better_at_150_percent_of_target() -> None:
    # actual 15 vs target 10: 1 − (15 − 10) ÷ 10 = 0.5
    rule = LowerBetter(target=10)
    assert pct(rule, 15) == pytest.approx(0.5)
    assert pct(rule, 8) == 1.0  # ≤ target: full
    assert pct(rule, 20) == 0.0  # 2 × target on: 0
    assert pct(rule, 19) == pytest.approx(0.1)  # 1 − 9 ÷ 10


def test_the_budget_part_is_higher_better_with_weight_10() -> None:
    # min(executed ÷ budget × 10, 10): 850 of 1000 → 0.85 × 10 = 8.5; 1200 → capped at 10
    rule = HigherBetter(target=1000)
    assert pct(rule, 850) * 10 == pytest.approx(8.5)
    assert pct(rule, 1200) * 10 == 10.0


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (79.9, 0.0),  # below floor
        (80, 0.6),  # at floor: floor_pct
        (90, 0.6 + 0.4 * 10 / 15),  # 0.6 + (1 − 0.6) × (90 − 80) ÷ (95 − 80) = 0.8667
        (95, 1.0),  # at target
        (97, 1.1),  # 1 + (1.2 − 1) × (97 − 95) ÷ (99 − 95) = 1.1
        (99, 1.2),  # at challenge: challenge_pct
        (120, 1.2),  # above challenge
    ],
)
def test_interpolate_at_floor_target_challenge_and_between(actual: float, expected: float) -> None:
    rule = Interpolate(floor=80, target=95, challenge=99)
    assert pct(rule, actual) == pytest.approx(expected)


def test_interpolate_with_custom_shares() -> None:
    # floor_pct 0.5: at 87.5, 0.5 + 0.5 × 7.5 ÷ 15 = 0.75; challenge_pct 1.5 at 99
    rule = Interpolate(floor=80, target=95, challenge=99, floor_pct=0.5, challenge_pct=1.5)
    assert pct(rule, 87.5) == pytest.approx(0.75)
    assert pct(rule, 99) == pytest.approx(1.5)


def test_bands_pick_the_band_with_lo_le_actual_lt_hi() -> None:
    rule, errors = parse({"kind": "bands", "bands": [[90, None, 1], [80, 90, 0.8], [60, 80, 0.5]]})
    assert errors == []
    assert [pct(rule, x) for x in (95, 90, 89.99, 80, 60, 59.9)] == [1, 1, 0.8, 0.8, 0.5, 0]


def test_deduction_takes_per_points_per_incident_off_the_weight() -> None:
    # weight 20, 5 points per incident: 3 incidents → max(0, 1 − 5 × 3 ÷ 20) = 0.25; 5 → 0
    rule = Deduction(per=5)
    assert pct(rule, 3, weight=20) == pytest.approx(0.25)
    assert pct(rule, 5, weight=20) == 0.0
    assert pct(rule, 0, weight=20) == 1.0


def test_a_qualitative_partial_achievement() -> None:
    # 部分达成 ranges over [0.6, 0.8]: the evaluator's 0.7 × weight 100 = 70 points
    rule = Rubric()
    assert rule.levels["部分达成"] == (0.6, 0.8)
    assert pct(rule, 0.7) * 100 == pytest.approx(70.0)


def test_a_rubric_pct_outside_its_level_is_refused_naming_the_range() -> None:
    errors = ErrorList()
    Rubric().check_values(
        np.array([0.85, 0.7]),
        np.array([True, True]),
        ["部分达成", "部分达成"],
        lambda i: f"values.U{i + 1}.X",
        errors,
    )
    assert [e["field"] for e in errors.items] == ["values.U1.X.pct"]
    assert "[0.6, 0.8]" in errors.items[0]["message"]


def test_an_unknown_rubric_level_is_refused() -> None:
    errors = ErrorList()
    Rubric().check_values(
        np.array([0.9]), np.array([True]), ["优秀"], lambda i: "values.U1.X", errors
    )
    assert errors.items[0]["field"] == "values.U1.X.level"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "higher_better", "target": 0}, "rule.target"),
        ({"kind": "higher_better"}, "rule.target"),
        ({"kind": "lower_better", "target": -1}, "rule.target"),
        ({"kind": "lower_better", "target": "10"}, "rule.target"),
        ({"kind": "interpolate", "floor": 95, "target": 90, "challenge": 99}, "rule.target"),
        ({"kind": "interpolate", "floor": 80, "target": 90, "challenge": 90}, "rule.target"),
        (
            {"kind": "interpolate", "floor": 80, "target": 90, "challenge": 99, "floor_pct": 2},
            "rule.floor_pct",
        ),
        ({"kind": "bands", "bands": []}, "rule.bands"),
        ({"kind": "bands", "bands": [[10, 5, 1]]}, "rule.bands[0]"),
        ({"kind": "bands", "bands": [[0, 10, -1]]}, "rule.bands[0][2]"),
        ({"kind": "bands", "bands": [[0, 10, 1], [5, 20, 0.5]]}, "rule.bands"),
        ({"kind": "deduction", "per": 0}, "rule.per"),
        ({"kind": "rubric", "levels": {"好": [0.9, 0.5]}}, "rule.levels.好"),
        ({"kind": "rising"}, "rule.kind"),
        ({}, "rule.kind"),
    ],
)
def test_bad_rule_fields_are_named(data: dict, field: str) -> None:
    rule, errors = parse(data)
    assert rule is None
    assert field in [e["field"] for e in errors]


def test_rules_round_trip_through_to_dict() -> None:
    for data in (
        {"kind": "higher_better", "target": 100.0},
        {"kind": "interpolate", "floor": 1.0, "target": 2.0, "challenge": 3.0,
         "floor_pct": 0.6, "challenge_pct": 1.2},
        {"kind": "bands", "bands": [[None, 60.0, 0.0], [60.0, None, 1.0]]},
        {"kind": "deduction", "per": 2.0},
    ):  # fmt: skip
        rule, errors = parse(data)
        assert errors == [] and rule.to_dict() == data


@given(target=positive, actual=finite)
def test_higher_and_lower_better_stay_within_0_and_1(target: float, actual: float) -> None:
    assert 0.0 <= pct(HigherBetter(target), actual) <= 1.0
    assert 0.0 <= pct(LowerBetter(target), actual) <= 1.0


@given(
    floor=finite,
    gaps=st.tuples(positive, positive),
    shares=st.tuples(st.floats(0, 1), st.floats(1, 3)),
    actual=finite,
)
def test_interpolate_stays_within_0_and_challenge_pct(floor, gaps, shares, actual) -> None:
    rule = Interpolate(floor, floor + gaps[0], floor + gaps[0] + gaps[1], *shares)
    assert 0.0 <= pct(rule, actual) <= shares[1] + 1e-12


@given(target=positive, a=finite, b=finite)
def test_higher_better_rises_and_lower_better_falls(target: float, a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert pct(HigherBetter(target), low) <= pct(HigherBetter(target), high)
    assert pct(LowerBetter(target), low) >= pct(LowerBetter(target), high)


@given(per=positive, weight=positive, count=st.floats(0, 1e6))
def test_deduction_stays_within_0_and_1(per: float, weight: float, count: float) -> None:
    assert 0.0 <= pct(Deduction(per), count, weight) <= 1.0
