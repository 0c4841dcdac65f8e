"""Progress lights."""

from __future__ import annotations

import numpy as np
import pytest

from govperf.engine.errors import EngineInputError
from govperf.engine.lights import SMALL, THREE_LIGHTS, LightPlan, LightScale, progress_lights


def test_default_thresholds_at_their_edges() -> None:
    # annual target 100, half the year gone: expected 50; ratio = actual ÷ 50 × 100
    actual = np.array([29.99, 30, 39.99, 40, 47.49, 47.5, 64.99, 65])
    lights = progress_lights(actual, 100, 0.5)
    assert lights.ratio.tolist() == [59.98, 60, 79.98, 80, 94.98, 95, 129.98, 130]
    assert lights.names().tolist() == [
        "red", "yellow", "yellow", "blue", "blue", "green", "green", "green",
    ]  # fmt: skip
    assert lights.far_ahead.tolist() == [False] * 7 + [True]


def test_a_ratio_rounding_to_the_threshold_takes_the_better_light() -> None:
    # 59.996 is shown as 60.00: yellow, not red
    lights = progress_lights(59.996, 100, 1.0)
    assert lights.ratio.tolist() == 60.0 and lights.names().tolist() == "yellow"


def test_a_quantitative_zero_is_red_even_on_a_lenient_scale() -> None:
    lenient = LightScale((-1.0,), ("red", "green"))
    assert progress_lights([0.0, 1.0], 100, 0.5, scale=lenient).names().tolist() == ["red", "green"]


def test_lower_better_mirrors_the_scoring_rule() -> None:
    # expected 6 incidents by mid-year: (2 − actual ÷ 6) × 100
    lights = progress_lights([0, 3, 6, 8.4, 12, 20], 12, 0.5, lower_better=True)
    assert lights.ratio.tolist() == [200, 150, 100, 60, 0, 0]
    assert lights.names().tolist() == ["green", "green", "green", "yellow", "red", "red"]
    assert lights.far_ahead.tolist() == [True, True, False, False, False, False]


def test_a_three_light_scale_and_broadcasting_over_indicators() -> None:
    actual = np.array([[50.0, 10.0], [90.0, 3.0]])  # units × indicators
    lights = progress_lights(
        actual, [100, 10], [1.0, 0.5], lower_better=[False, True], scale=THREE_LIGHTS
    )
    # (50, 2 − 10 ÷ 5 = 0 → 0), (90, 2 − 3 ÷ 5 = 1.4 → 140)
    assert lights.ratio.tolist() == [[50, 0], [90, 140]]
    assert lights.names().tolist() == [["red", "red"], ["yellow", "green"]]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (([np.nan], 100, 0.5), "actual[0]"),
        (([1.0], 0, 0.5), "annual_target[0]"),
        (([1.0], 100, 0.0), "elapsed_share[0]"),
        (([1.0], 100, 1.5), "elapsed_share[0]"),
    ],
)
def test_degenerate_input_is_refused(args, field: str) -> None:
    with pytest.raises(EngineInputError) as caught:
        progress_lights(*args)
    assert caught.value.errors[0]["field"] == field


def test_a_scale_needs_increasing_bounds() -> None:
    with pytest.raises(ValueError):
        LightScale((80.0, 60.0), ("red", "yellow", "green"))


def test_a_zero_alone_is_red_on_a_lenient_scale() -> None:
    lenient = LightScale((-1.0,), ("red", "green"))
    assert progress_lights(0.0, 100, 0.5, scale=lenient).names().tolist() == "red"


def test_a_province_is_lit_as_its_units_are_one_by_one() -> None:
    """Large blocks count bounds by comparisons, a few rows by binary search: the same."""
    rng = np.random.default_rng(7)
    actual = rng.uniform(0, 160, (600, 12))
    actual[rng.random(actual.shape) < 0.05] = 0.0
    lower = np.arange(12) % 3 == 0
    plan = LightPlan.of(np.full(12, 100.0), 0.75, lower_better=lower, scale=THREE_LIGHTS)
    whole = plan.lights(actual)
    assert actual.size > SMALL
    for i in range(0, 600, 50):
        part = plan.lights(actual[i : i + 50])
        assert np.array_equal(part.ratio, whole.ratio[i : i + 50])
        assert np.array_equal(part.light, whole.light[i : i + 50])
        assert np.array_equal(part.far_ahead, whole.far_ahead[i : i + 50])
    one_off = progress_lights(actual, 100.0, 0.75, lower_better=lower, scale=THREE_LIGHTS)
    assert np.array_equal(one_off.light, whole.light)


def test_a_plan_refuses_its_targets_once_and_the_actuals_at_each_call() -> None:
    with pytest.raises(EngineInputError) as caught:
        LightPlan.of([100.0, -1.0], 0.5)
    assert caught.value.errors[0]["field"] == "annual_target[1]"
    plan = LightPlan.of([100.0, 50.0], 0.5)
    with pytest.raises(EngineInputError) as caught:
        plan.lights([[1.0, np.inf]])
    assert caught.value.errors[0]["field"] == "actual[0, 1]"
