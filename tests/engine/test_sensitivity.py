"""Rank intervals under random weight perturbations."""

from __future__ import annotations

import numpy as np
import pytest

from govperf.engine.errors import EngineInputError
from govperf.engine.scheme import parse_scheme
from govperf.engine.scoring import Units, evaluate
from govperf.engine.sensitivity import rank_intervals, result_rank_intervals

COMPONENTS = np.array([[90.0, 70.0], [80.0, 80.0], [70.0, 90.0], [60.0, 60.0]])


def test_without_spread_the_interval_is_the_rank_itself() -> None:
    r = rank_intervals(COMPONENTS, [50, 50], spread=0.0, draws=20)
    # composites 80, 80, 80, 60 → ranks 1, 1, 1, 4
    assert r.base.tolist() == [1, 1, 1, 4]
    assert r.min_rank.tolist() == r.max_rank.tolist() == [1, 1, 1, 4]


def test_moving_weights_spread_the_tied_units_but_not_the_clear_last() -> None:
    r = rank_intervals(COMPONENTS, [50, 50], spread=0.2, draws=500, seed=3)
    # U1 and U3 trade places as the weights tilt; U2 stays at 80 in every draw.
    assert r.min_rank.tolist() == [1, 1, 1, 4]
    assert r.max_rank.tolist() == [3, 2, 3, 4]
    assert r.width.tolist() == [2, 1, 2, 0]


def test_the_same_seed_gives_the_same_intervals() -> None:
    a = rank_intervals(COMPONENTS, [40, 60], spread=0.3, draws=300, seed=9)
    b = rank_intervals(COMPONENTS, [40, 60], spread=0.3, draws=300, seed=9)
    assert np.array_equal(a.min_rank, b.min_rank) and np.array_equal(a.max_rank, b.max_rank)


def test_vetoed_units_stay_last_under_any_weights() -> None:
    r = rank_intervals(COMPONENTS, [50, 50], vetoed=[False, False, False, True], spread=0.5)
    assert r.min_rank[3] == r.max_rank[3] == 4


def test_an_evaluation_result_is_analysed_with_its_own_weights_and_groups() -> None:
    scheme = parse_scheme(
        {
            "grades": [{"name": "A", "min": 0}],
            "components": [
                {"code": "p", "weight": 50, "panel": {"aggregate": "mean"}},
                {"code": "q", "weight": 50, "panel": {"aggregate": "mean"}},
            ],
        }
    )
    units = Units.of(["a", "b", "c", "d"], ["g1", "g1", "g2", "g2"])
    result = evaluate(
        scheme,
        units,
        np.zeros((4, 0)),
        panels={"p": COMPONENTS[:, :1], "q": COMPONENTS[:, 1:]},
    )
    r = result_rank_intervals(result, spread=0.2, draws=200)
    assert r.base.tolist() == result.rank.tolist() == [1, 1, 1, 2]
    assert r.max_rank.tolist() == [2, 2, 1, 2]


@pytest.mark.parametrize(
    "kwargs", [{"spread": 1.0}, {"draws": 0}, {"weights": [50, 50, 0]}, {"weights": [-1, 101]}]
)
def test_bad_arguments_are_refused(kwargs: dict) -> None:
    args = {"weights": [50, 50], **kwargs}
    with pytest.raises(EngineInputError):
        rank_intervals(COMPONENTS, **args)
