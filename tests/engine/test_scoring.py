"""The bulk API: composite, rounding, veto, quota, ranking, missing values, incremental."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govperf.engine.errors import EngineInputError
from govperf.engine.scheme import parse_scheme
from govperf.engine.scoring import EvaluationResult, Units, evaluate

GRADES = [
    {"name": "优秀", "min": 90},
    {"name": "良好", "min": 80},
    {"name": "合格", "min": 60},
    {"name": "不合格", "min": 0},
]
ONE_INDICATOR = [
    {
        "code": "goal",
        "weight": 100,
        "indicators": [
            {"code": "X", "weight": 100, "rule": {"kind": "higher_better", "target": 100}}
        ],
    }
]
HANGZHOU = {
    "grades": GRADES,
    "ranking": "group",
    "bonus_cap": 3,
    "quota": {"grade": "优秀", "max_share": 0.25},
    "components": [
        {
            "code": "goal",
            "weight": 45,
            "indicators": [
                {
                    "code": "key_tasks",
                    "weight": 50,
                    "rule": {"kind": "higher_better", "target": 100},
                },
                {
                    "code": "on_time",
                    "weight": 30,
                    "rule": {"kind": "interpolate", "floor": 80, "target": 95, "challenge": 99},
                },
                {"code": "incidents", "weight": 20, "rule": {"kind": "deduction", "per": 5}},
            ],
        },
        {"code": "social", "weight": 50, "panel": {"aggregate": "trimmed_mean", "trim": 1}},
        {"code": "leader", "weight": 5, "panel": {"aggregate": "mean"}},
    ],
}


def simple(scores: list[float], **scheme: object) -> EvaluationResult:
    """One higher-better indicator with target 100: the composite equals the value."""
    spec = {"grades": GRADES, "ranking": "all", "components": ONE_INDICATOR, **scheme}
    codes = [f"U{i + 1}" for i in range(len(scores))]
    return evaluate(parse_scheme(spec), Units.of(codes), np.array(scores, dtype=float)[:, None])


def test_a_hangzhou_style_composite_with_a_capped_bonus() -> None:
    # key_tasks 100 → 50; on_time 97 → 1 + 0.2 × (97 − 95) ÷ (99 − 95) = 1.1 × 30 = 33;
    # incidents 0 → 20; goal = 50 + 33 + 20 = 103, capped at 100.
    # social [92, 95, 90, 88, 99] drops 99 and 88: (92 + 95 + 90) ÷ 3 = 92.3333
    # leader (96 + 94) ÷ 2 = 95; bonus 4 capped at 3.
    # composite = 100 × 0.45 + 92.3333 × 0.5 + 95 × 0.05 + 3 = 45 + 46.1667 + 4.75 + 3 = 98.9167
    scheme = parse_scheme(HANGZHOU)
    result = evaluate(
        scheme,
        Units.of(["health"], ["service"]),
        np.array([[100.0, 97.0, 0.0]]),
        panels={"social": [[92, 95, 90, 88, 99]], "leader": [[96, 94]]},
        bonus=[4.0],
    )

    assert result.points[0].tolist() == pytest.approx([50.0, 33.0, 20.0])
    assert result.component_sums[0, 0] == pytest.approx(103.0)
    assert result.components[0].tolist() == pytest.approx([100.0, 92.333333, 95.0])
    assert result.bonus_applied[0] == 3.0
    assert result.composite_raw[0] == pytest.approx(98.916667)
    assert result.composite[0] == 98.92
    # The 优秀 quota is floor(0.25 × 1 unit) = 0 seats, so even 98.92 drops to 良好.
    assert result.grades == ["良好"]
    assert result.quota_dropped.tolist() == [True]


def test_rounding_is_half_up_on_the_decimal_value() -> None:
    # 89.995 is 89.99499999… in float64; the composite is still 90.00, so 优秀.
    result = simple([89.995, 89.994])
    assert result.composite.tolist() == [90.0, 89.99]
    assert result.grades == ["优秀", "良好"]


def test_a_veto_gives_the_lowest_grade_whatever_the_score() -> None:
    result = simple([98.0, 70.0])
    vetoed = result.update([0], veto=["重大安全生产事故"])
    assert vetoed.composite[0] == 98.0
    assert vetoed.grades == ["不合格", "合格"]
    assert vetoed.ranks == [2, 1]


def test_quota_ties_at_the_cut_all_drop_to_the_next_grade() -> None:
    # 5 units, max_share 0.4 → floor(0.4 × 5) = 2 seats for 优秀.
    # 优秀 candidates by composite: 95, 93, 93, 91. The first past the seats is 93 (3rd),
    # so every unit at or below 93 drops: only 95 keeps 优秀; 93, 93, 91 take 良好.
    result = simple([93, 95, 85, 91, 93], quota={"grade": "优秀", "max_share": 0.4})
    assert result.grades == ["良好", "优秀", "良好", "良好", "良好"]
    assert result.quota_dropped.tolist() == [True, False, False, True, True]


def test_quota_keeps_everyone_within_the_seats() -> None:
    # floor(0.5 × 4) = 2 seats, 2 candidates (95, 92): both keep 优秀.
    result = simple([95, 92, 85, 70], quota={"grade": "优秀", "max_share": 0.5})
    assert result.grades == ["优秀", "优秀", "良好", "合格"]


def test_ranks_skip_after_ties() -> None:
    assert simple([95, 90, 90, 80]).ranks == [1, 2, 2, 4]


def test_vetoed_units_rank_after_all_others_among_themselves_by_composite() -> None:
    # Not vetoed: U3 80 → 1. Vetoed after them: U1 99 → 2, U2 50 → 3.
    result = simple([99, 50, 80]).update([0, 1], veto=["a", "b"])
    assert result.ranks == [2, 3, 1]


def test_group_ranking_ranks_within_each_group_and_none_ranks_nobody() -> None:
    scheme = parse_scheme({"grades": GRADES, "ranking": "group", "components": ONE_INDICATOR})
    units = Units.of(["a", "b", "c", "d"], ["econ", "service", "econ", "service"])
    result = evaluate(scheme, units, np.array([[80.0], [70.0], [90.0], [95.0]]))
    assert result.ranks == [2, 2, 1, 1]

    assert simple([80, 90], ranking="none").ranks == [None, None]


def test_a_trimmed_mean_needs_2_trim_plus_1_scores() -> None:
    scheme = parse_scheme(HANGZHOU)
    with pytest.raises(EngineInputError) as caught:
        evaluate(
            scheme,
            Units.of(["U1"]),
            np.array([[100.0, 97.0, 0.0]]),
            panels={"social": [[90, 92]], "leader": [[90]]},
        )
    (error,) = caught.value.errors
    assert error["field"] == "values.U1.social"
    assert "at least 3 scores (got 2)" in error["message"]


def test_a_missing_value_is_an_error_naming_unit_and_indicator() -> None:
    with pytest.raises(EngineInputError) as caught:
        simple([90.0, np.nan])
    (error,) = caught.value.errors
    assert error["field"] == "values.U2.X"
    assert "U2" in error["message"] and "X" in error["message"]


def test_missing_zero_scores_zero_and_never_yields_nan() -> None:
    result = simple([90.0, np.nan], missing="zero")
    assert result.points[:, 0].tolist() == [90.0, 0.0]
    assert result.grades == ["优秀", "不合格"]


@pytest.mark.parametrize(
    ("values", "field"),
    [(np.array([[np.inf]]), "values.U1.X"), (np.zeros((1, 2)), "values"), ([["x"]], "values")],
)
def test_degenerate_values_are_refused(values, field: str) -> None:
    scheme = parse_scheme({"grades": GRADES, "components": ONE_INDICATOR})
    with pytest.raises(EngineInputError) as caught:
        evaluate(scheme, Units.of(["U1"]), values)
    assert caught.value.errors[0]["field"] == field


def test_monthly_values_are_aggregated_by_each_indicator_method() -> None:
    spec = {
        "grades": GRADES,
        "components": [
            {
                "code": "goal",
                "weight": 100,
                "indicators": [
                    {
                        "code": "flow",
                        "weight": 50,
                        "rule": {"kind": "higher_better", "target": 120},
                        "time_aggregate": "sum",
                    },
                    {
                        "code": "rate",
                        "weight": 50,
                        "rule": {"kind": "higher_better", "target": 100},
                        "time_aggregate": "mean",
                    },
                ],
            }
        ],
    }
    # flow: 10 × 11 months + a missing month = 110 → 110 ÷ 120 × 50 = 45.8333
    # rate: mean of 90 and 100 (months without a value skipped) = 95 → 0.95 × 50 = 47.5
    monthly = np.full((1, 2, 12), np.nan)
    monthly[0, 0, :11] = 10.0
    monthly[0, 1, [0, 5]] = [90.0, 100.0]
    result = evaluate(parse_scheme(spec), Units.of(["U1"]), monthly)
    assert result.inputs.actual[0].tolist() == [110.0, 95.0]
    assert result.composite[0] == 93.33  # 45.8333 + 47.5 = 93.3333


def test_the_breakdown_is_available_per_unit() -> None:
    result = simple([92.0])
    assert result.breakdown(0)["indicators"]["X"]["text"]["en"].startswith(
        "higher is better: 92 ÷ target 100 = 0.92"
    )


# --- properties ------------------------------------------------------------------------

values_matrix = st.integers(1, 12).flatmap(
    lambda n: st.lists(
        st.lists(
            st.one_of(st.floats(-50, 250, allow_nan=False), st.just(float("nan"))),
            min_size=3,
            max_size=3,
        ),
        min_size=n,
        max_size=n,
    )
)
panel_rows = st.lists(st.floats(0, 100), min_size=0, max_size=6)


def _hangzhou(n: int, values, social, bonus, veto_mask, groups) -> tuple:
    spec = {**HANGZHOU, "missing": "zero"}
    units = Units.of([f"U{i}" for i in range(n)], groups)
    # A trimmed mean of 1 at each end needs 3 scores: pad short panels from a fixed list.
    social = [row if len(row) >= 3 or not row else [*row, 80.0, 85.0, 90.0] for row in social]
    leader = [[float(i % 100)] for i in range(n)]
    veto = ["否决" if v else None for v in veto_mask]
    values = np.array(values)
    values[:, 2] = np.abs(values[:, 2])  # incidents are counts
    return parse_scheme(spec), units, values, social, leader, bonus, veto


@st.composite
def cases(draw):
    values = draw(values_matrix)
    n = len(values)
    social = draw(st.lists(panel_rows, min_size=n, max_size=n))
    bonus = draw(st.lists(st.floats(-5, 10), min_size=n, max_size=n))
    veto = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    groups = draw(st.lists(st.sampled_from(["a", "b", None]), min_size=n, max_size=n))
    return _hangzhou(n, values, social, bonus, veto, groups)


def _run(case) -> EvaluationResult:
    scheme, units, values, social, leader, bonus, veto = case
    return evaluate(
        scheme, units, values, panels={"social": social, "leader": leader}, bonus=bonus, veto=veto
    )


ARRAYS = (
    "pct", "points", "components", "bonus_applied", "composite_raw", "composite", "vetoed",
    "grade_index", "quota_dropped", "rank",
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(case=cases())
def test_composite_and_every_result_array_is_never_nan(case) -> None:
    result = _run(case)
    for name in ARRAYS:
        assert not np.isnan(np.asarray(getattr(result, name), dtype=float)).any(), name


@settings(max_examples=60, deadline=None)
@given(case=cases(), data=st.data())
def test_reordering_units_does_not_change_any_unit_result(case, data) -> None:
    scheme, units, values, social, leader, bonus, veto = case
    n = len(units)
    perm = data.draw(st.permutations(range(n)))
    base = _run(case)
    moved = _run(
        (
            scheme,
            units.subset(perm),
            values[perm],
            [social[i] for i in perm],
            [leader[i] for i in perm],
            [bonus[i] for i in perm],
            [veto[i] for i in perm],
        )
    )
    for name in ("composite", "rank", "grade_index"):
        assert np.array_equal(getattr(moved, name), getattr(base, name)[perm]), name


@settings(max_examples=60, deadline=None)
@given(case=cases(), data=st.data())
def test_an_incremental_update_equals_a_full_run(case, data) -> None:
    scheme, units, values, social, leader, bonus, veto = case
    n = len(units)
    rows = data.draw(st.lists(st.integers(0, n - 1), unique=True, min_size=1))
    new_values = np.array(data.draw(values_matrix.filter(lambda v: len(v) >= len(rows))))
    new_values = np.abs(new_values[: len(rows)])
    new_bonus = data.draw(st.lists(st.floats(-5, 10), min_size=len(rows), max_size=len(rows)))
    new_social = [[70.0, 75.0, 99.0] for _ in rows]

    updated = _run(case).update(
        rows, values=new_values, bonus=new_bonus, panels={"social": new_social}
    )

    full_values, full_bonus, full_social = values.copy(), list(bonus), list(social)
    for k, i in enumerate(rows):
        full_values[i] = new_values[k]
        full_bonus[i] = new_bonus[k]
        full_social[i] = new_social[k]
    full = _run((scheme, units, full_values, full_social, leader, full_bonus, veto))
    for name in ARRAYS:
        assert np.array_equal(getattr(updated, name), getattr(full, name)), name


@settings(max_examples=40, deadline=None)
@given(case=cases(), data=st.data())
def test_a_chain_of_in_place_updates_equals_full_runs(case, data) -> None:
    """Each update starts from the last one's ranking and quota counts (the changed
    units' vetoes too), never from a full run: every step must still equal one. The
    grades are set low so that the quota (25 %) has more members than seats, and the
    composites whole so that their few ticks are counted (``QuotaTally``)."""
    _, units, values, social, leader, bonus, veto = case
    low = [{**grade, "min": grade["min"] // 3} for grade in GRADES]
    scheme = parse_scheme({**HANGZHOU, "missing": "zero", "grades": low, "precision": 0})
    case = (scheme, units, values, social, leader, bonus, veto)
    n = len(units)
    values, bonus, veto = values.copy(), list(bonus), list(veto)
    result = _run(case)
    for _ in range(3):
        new_values = np.abs(np.array(data.draw(values_matrix)))
        count = min(len(new_values), n)
        rows = data.draw(st.lists(st.integers(0, n - 1), unique=True, min_size=1, max_size=count))
        new_values = new_values[: len(rows)]
        new_bonus = [data.draw(st.floats(-5, 10)) for _ in rows]
        new_veto = [data.draw(st.sampled_from([None, "否决"])) for _ in rows]
        result = result.update(
            rows, values=new_values, bonus=new_bonus, veto=new_veto, inplace=True
        )
        for k, i in enumerate(rows):
            values[i], bonus[i], veto[i] = new_values[k], new_bonus[k], new_veto[k]
        full = _run((scheme, units, values, social, leader, bonus, veto))
        for name in ARRAYS:
            assert np.array_equal(getattr(result, name), getattr(full, name)), name


WIDE = {
    "grades": GRADES,
    "missing": "zero",
    "components": [
        {
            "code": "wide",
            "weight": 70,
            "indicators": [
                {
                    "code": f"W{j}",
                    "weight": 10,
                    "rule": {"kind": "higher_better", "target": 50 + j},
                    "time_aggregate": ("sum", "mean", "last", "max", "min")[j % 5],
                }
                for j in range(10)
            ],
        },
        {
            "code": "narrow",
            "weight": 30,
            "indicators": [
                {"code": "N", "weight": 100, "rule": {"kind": "lower_better", "target": 40}}
            ],
        },
    ],
}


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 40),
    months=st.integers(1, 13),
    seed=st.integers(0, 2**32 - 1),
    data=st.data(),
)
def test_an_incremental_update_of_monthly_values_equals_a_full_run(n, months, seed, data) -> None:
    """Components of more than 8 indicators and every period aggregate, with gaps:
    the paths (einsum, reduceat) whose per-row results must not depend on other rows."""
    rng = np.random.default_rng(seed)
    scheme = parse_scheme(WIDE)
    units = Units.of([f"U{i}" for i in range(n)])

    def monthly(rows: int) -> np.ndarray:
        x = rng.uniform(0, 20, (rows, 11, months)) * 10 ** rng.uniform(-2, 2)
        x[rng.random(x.shape) < 0.15] = np.nan
        return x

    values = monthly(n)
    rows = data.draw(st.lists(st.integers(0, n - 1), unique=True, min_size=1))
    new = monthly(len(rows))

    updated = evaluate(scheme, units, values).update(rows, values=new)
    values[rows] = new
    full = evaluate(scheme, units, values)
    for name in ARRAYS:
        assert np.array_equal(getattr(updated, name), getattr(full, name)), name
    assert np.array_equal(updated.inputs.actual, full.inputs.actual, equal_nan=True)


def test_an_in_place_update_shares_its_arrays_with_the_old_result() -> None:
    before = simple([80.0, 90.0])
    after = before.update([0], values=[[95.0]], inplace=True)
    assert after.composite.tolist() == [95.0, 90.0]
    assert after.pct is before.pct
    copied = after.update([1], values=[[70.0]])
    assert copied.composite.tolist() == [95.0, 70.0]
    assert after.composite.tolist() == [95.0, 90.0]


def test_a_result_updated_in_place_cannot_be_updated_again() -> None:
    # Its arrays hold the new rows while its ranking and quota are the old ones.
    before = simple([80.0, 90.0])
    after = before.update([0], values=[[95.0]], inplace=True)
    with pytest.raises(ValueError, match="updated in place"):
        before.update([1], values=[[70.0]])
    assert after.update([1], values=[[70.0]], inplace=True).ranks == [1, 2]


def test_an_update_far_outside_the_scores_seen_ranks_afresh() -> None:
    before = simple([80.0, 90.0, 85.0], bonus_cap=None)
    near = before.update([0], values=[[100.0]])
    assert near.ranks == [1, 2, 3]
    # 1e9 points leave the room the ranking's packed keys kept around 80–90: the update
    # cannot merge it into them and ranks anew.
    assert before.rank_keys is not None
    assert before.rank_keys.update(np.array([2]), np.array([1e9 + 85]), np.array([False])) is None
    far = before.update([2], bonus=[1e9])
    assert far.ranks == [3, 2, 1] and far.composite[2] == 85.0 + 1e9


def test_a_copied_update_shares_no_array_that_a_later_in_place_one_writes() -> None:
    first = simple([80.0, 90.0], bonus_cap=None)
    second = first.update([0], values=[[85.0]])
    second.update([1], veto=["重大安全生产事故"], bonus=[2.0], inplace=True)
    assert first.vetoed.tolist() == [False, False]
    assert first.inputs.vetoed.tolist() == [False, False]
    assert first.inputs.bonus.tolist() == [0.0, 0.0]
    assert first.bonus_applied.tolist() == [0.0, 0.0]


def test_an_update_of_no_rows_changes_nothing() -> None:
    before = simple([80.0, 90.0])
    after = before.update([])
    assert after.composite.tolist() == [80.0, 90.0] and after.ranks == [2, 1]
