"""Period aggregation, panels, and column sums."""

from __future__ import annotations

import numpy as np
import pytest

from govperf.engine.aggregation import aggregate_periods, panel_scores, sum_columns

NAN = np.nan


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("sum", [6.0, 4.0, NAN]),  # 1 + 2 + 3; 4 (others missing)
        ("mean", [2.0, 4.0, NAN]),
        ("last", [3.0, 4.0, NAN]),  # the last period with a value
        ("max", [3.0, 4.0, NAN]),
        ("min", [1.0, 4.0, NAN]),
    ],
)
def test_periods_aggregate_skipping_missing_ones(method: str, expected: list[float]) -> None:
    values = np.array([[[1.0, 2.0, 3.0], [NAN, 4.0, NAN], [NAN, NAN, NAN]]])
    got = aggregate_periods(values, [method] * 3)
    np.testing.assert_array_equal(got[0], expected)


def test_each_indicator_keeps_its_own_method() -> None:
    values = np.array([[[1.0, 5.0], [1.0, 5.0]]])
    assert aggregate_periods(values, ["sum", "max"]).tolist() == [[6.0, 5.0]]


def test_a_trimmed_mean_drops_trim_scores_at_each_end() -> None:
    # [88, 90, 70, 95, 91]: drop 95 and 70 → (88 + 90 + 91) ÷ 3 = 89.6667
    got = panel_scores(np.array([[88.0, 90, 70, 95, 91]]), trim=1)
    assert got[0] == pytest.approx(269 / 3)


def test_a_panel_mean_over_rows_of_different_lengths() -> None:
    scores = np.array([[90.0, 80.0, NAN], [70.0, NAN, NAN], [NAN, NAN, NAN]])
    got = panel_scores(scores, trim=0)
    np.testing.assert_array_equal(got, [85.0, 70.0, NAN])


def test_column_sums_do_not_depend_on_trailing_zero_columns() -> None:
    rng = np.random.default_rng(7)
    a = rng.random((50, 9))
    padded = np.hstack([a, np.zeros((50, 5))])
    assert np.array_equal(sum_columns(a), sum_columns(padded))
