"""The scheme page's tools: AHP refusing inconsistent judgements by the worst pair, entropy
and CRITIC from last cycle's values, equal and expert weights as points summing to 100, and
rank intervals under moving weights."""

import pytest

from govperf.core.errors import ValidationFailed
from govperf.engine import weighting
from govperf.evaluation import weights


def test_points_sum_to_exactly_100():
    assert weights.to_points([1 / 3, 1 / 3, 1 / 3]) == [33.34, 33.33, 33.33]
    assert sum(weights.to_points([0.123456, 0.876544])) == 100


def test_ahp_weights_and_the_refusal_naming_the_pair():
    # Consistent judgements: goal twice social and 6 times leader, social 3 times leader,
    # so the weights are 6 : 3 : 1 and CR is 0.
    got = weights.ahp_weights(
        [[1, 2, 6], [1 / 2, 1, 3], [1 / 6, 1 / 3, 1]], ["goal", "social", "leader"]
    )
    assert got.points == [60.0, 30.0, 10.0] and got.extra["cr"] == 0.0
    with pytest.raises(ValidationFailed) as caught:
        weights.ahp_weights([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]], ["a", "b", "c"])
    (detail,) = caught.value.details
    pair = weighting.ahp([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]).inconsistent_pair
    assert detail.field == f"matrix[{pair[0]}][{pair[1]}]"
    assert detail.message.startswith("The judgement of ")


def test_equal_and_expert_weights():
    assert weights.equal(["a", "b", "c", "d"]).points == [25.0, 25.0, 25.0, 25.0]
    got = weights.expert_average([[50, 30, 20], [0.4, 0.4, 0.2]], ["a", "b", "c"])
    assert got.points == [45.0, 35.0, 20.0]


def test_entropy_and_critic_from_last_cycles_values(world, published):
    scheme = published.round.scheme_version.scheme
    # ENR 110, 90, 96 and WAIT 8, 12, 15 (lower is better, reversed) for the three units.
    data = [[110, 8], [90, 12], [96, 15]]
    entropy = weights.objective("entropy", scheme, ["ENR", "WAIT"], ["WAIT"])
    shares = weighting.entropy_weights(data, lower=[1], minmax=True)
    assert entropy.points == weights.to_points(shares.tolist())
    assert entropy.extra == {"from": "2025年度 · 测试方案 v1", "units": 3}
    critic = weights.objective("critic", scheme, ["ENR", "WAIT"], ["WAIT"])
    assert critic.points == weights.to_points(weighting.critic_weights(data, lower=[1]).tolist())


def test_objective_weights_need_earlier_results(world):
    round_ = world.open_round()
    with pytest.raises(ValidationFailed):
        weights.objective("entropy", round_.scheme_version.scheme, ["ENR", "WAIT"], [])


def test_rank_intervals(world, published):
    rows = weights.sensitivity(published, spread=0.3)
    assert [(r.code, r.base) for r in rows] == [("county", 1), ("edu", 1), ("health", 2)]
    # edu leads health by 13 points in every component: no weight move changes the order.
    assert all(r.low == r.base == r.high for r in rows)
