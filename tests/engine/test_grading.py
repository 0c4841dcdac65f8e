"""Grades, quota and competition ranking on arrays."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from govperf.engine.grading import (
    NO_GRADE,
    QuotaTally,
    RankKeys,
    apply_quota,
    assign_grades,
    competition_rank,
)

MINS = np.array([90.0, 80.0, 60.0, 0.0])


def test_grades_come_from_the_top() -> None:
    composite = np.array([90.0, 89.99, 80.0, 60.0, 59.99, 0.0])
    vetoed = np.zeros(6, dtype=bool)
    assert assign_grades(composite, MINS, vetoed).tolist() == [0, 1, 1, 2, 3, 3]


def test_a_composite_below_every_minimum_has_no_grade_unless_vetoed() -> None:
    mins = np.array([90.0, 60.0])
    grades = assign_grades(np.array([50.0, 50.0]), mins, np.array([False, True]))
    assert grades.tolist() == [NO_GRADE, 1]


def test_quota_seats_go_to_the_highest_and_ties_at_the_cut_all_drop() -> None:
    # 3 seats; candidates 99, 97, 95, 95, 92 → the 4th (95) sets the cut: 95, 95, 92 drop.
    composite = np.array([95.0, 99.0, 92.0, 97.0, 95.0, 70.0])
    grades = np.array([0, 0, 0, 0, 0, 2])
    new, dropped = apply_quota(composite, grades, 0, 3)
    assert new.tolist() == [1, 0, 1, 0, 1, 2]
    assert dropped.tolist() == [True, False, True, False, True, False]


def test_quota_of_zero_seats_drops_every_candidate() -> None:
    new, dropped = apply_quota(np.array([99.0, 95.0]), np.array([0, 0]), 0, 0)
    assert new.tolist() == [1, 1] and dropped.all()


def test_competition_ranking_1_2_2_4() -> None:
    assert competition_rank(np.array([80.0, 90.0, 95.0, 90.0])).tolist() == [4, 2, 1, 2]


def test_vetoed_units_rank_last_within_their_group() -> None:
    scores = np.array([99.0, 60.0, 70.0, 99.0, 50.0])
    groups = np.array([0, 0, 0, 1, 1])
    vetoed = np.array([True, False, False, True, False])
    # group 0: 70 → 1, 60 → 2, vetoed 99 → 3; group 1: 50 → 1, vetoed 99 → 2
    assert competition_rank(scores, groups, vetoed).tolist() == [3, 2, 1, 2, 1]


def test_ties_among_vetoed_units_share_a_rank() -> None:
    scores = np.array([90.0, 90.0, 80.0])
    vetoed = np.array([True, True, False])
    assert competition_rank(scores, vetoed=vetoed).tolist() == [2, 2, 1]


def test_ranking_runs_along_the_last_axis_for_many_draws_at_once() -> None:
    draws = np.array([[1.0, 2.0, 3.0], [3.0, 3.0, 1.0]])
    assert competition_rank(draws).tolist() == [[3, 2, 1], [1, 1, 3]]


@given(st.lists(st.integers(0, 20), min_size=1, max_size=30))
def test_a_rank_is_one_plus_the_number_of_strictly_better_units(scores: list[int]) -> None:
    s = np.array(scores, dtype=float)
    expected = [1 + int((s > x).sum()) for x in s]
    assert competition_rank(s).tolist() == expected


def test_huge_scores_that_defeat_the_float_key_fall_back_to_an_exact_order() -> None:
    # class × span + distance: at 2e16 a float's step is 4, so 1e16 and 1e16 − 2 collide.
    scores = np.array([0.0, 1e16 - 2, 1e16])
    assert competition_rank(scores, np.array([1, 1, 1])).tolist() == [3, 2, 1]


@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.booleans(), st.floats(-1e6, 1e6)), min_size=1, max_size=40
    )
)
def test_ranks_match_their_definition_with_groups_and_vetoes(units) -> None:
    groups = np.array([g for g, _, _ in units])
    vetoed = np.array([v for _, v, _ in units])
    scores = np.array([s for _, _, s in units])

    def ahead(i: int, j: int) -> bool:  # j ranks strictly ahead of i
        return groups[i] == groups[j] and (
            (vetoed[i] and not vetoed[j]) or (vetoed[i] == vetoed[j] and scores[j] > scores[i])
        )

    expected = [1 + sum(ahead(i, j) for j in range(len(units))) for i in range(len(units))]
    assert competition_rank(scores, groups, vetoed).tolist() == expected


@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.booleans(), st.integers(-20000, 20000)),
        min_size=1,
        max_size=60,
    ),
    st.integers(0, 4),
)
def test_the_packed_integer_order_agrees_with_the_float_order(units, decimals: int) -> None:
    groups = np.array([g for g, _, _ in units])
    vetoed = np.array([v for _, v, _ in units])
    scores = np.array([s / 10**decimals for _, _, s in units])
    expected = competition_rank(scores, groups, vetoed)
    assert competition_rank(scores, groups, vetoed, decimals=decimals).tolist() == expected.tolist()
    draws = np.stack([scores, scores[::-1]])
    assert np.array_equal(
        competition_rank(draws, groups, vetoed, decimals=decimals),
        competition_rank(draws, groups, vetoed),
    )


def test_a_score_range_too_wide_to_pack_falls_back_to_the_float_order() -> None:
    # 1e12 in ticks of 1e-6 needs far more than 62 bits with the unit index.
    scores = np.array([1e12, 0.5, 1e12, 3.0])
    assert competition_rank(scores, decimals=6).tolist() == [1, 4, 1, 3]


rank_units = st.lists(
    st.tuples(st.integers(0, 4), st.booleans(), st.integers(0, 10000)), min_size=1, max_size=50
)


@given(rank_units)
def test_rank_keys_give_the_competition_ranks(units) -> None:
    groups = np.array([g for g, _, _ in units])
    vetoed = np.array([v for _, v, _ in units])
    scores = np.array([s / 100 for _, _, s in units])
    keys = RankKeys.build(scores, groups, vetoed, 2)
    assert keys is not None
    assert keys.ranks().tolist() == competition_rank(scores, groups, vetoed).tolist()


@given(rank_units, st.data())
def test_updated_rank_keys_rank_as_keys_built_afresh(units, data) -> None:
    """A chain of updates: each keeps the keys sorted and the ranks those of a new sort."""
    groups = np.array([g for g, _, _ in units])
    vetoed = np.array([v for _, v, _ in units])
    scores = np.array([s / 100 for _, _, s in units])
    keys = RankKeys.build(scores, groups, vetoed, 2)
    for _ in range(3):
        rows = np.array(
            data.draw(st.lists(st.integers(0, len(units) - 1), unique=True, min_size=1))
        )
        # Moves of up to 150 points: some leave the room the packing kept around the
        # scores seen, and the update says so rather than rank wrongly.
        scores[rows] = [data.draw(st.integers(-5000, 15000)) / 100 for _ in rows]
        vetoed[rows] = [data.draw(st.booleans()) for _ in rows]
        assert keys is not None
        expected = competition_rank(scores, groups, vetoed).tolist()
        updated = keys.update(rows, scores[rows], vetoed[rows], keys.ranks())
        if updated is None:
            keys = RankKeys.build(scores, groups, vetoed, 2)
            assert keys is not None
        else:
            keys, ranks = updated
            # The ranks brought up to date from the old ones are those of a new sort.
            assert ranks is not None and ranks.tolist() == expected
        assert (np.diff(keys.sorted_keys) > 0).all()
        assert keys.ranks().tolist() == expected


def test_a_score_outside_the_packing_is_refused_by_an_update() -> None:
    keys = RankKeys.build(np.array([80.0, 90.0]), None, np.array([False, False]), 2)
    assert keys is not None
    assert keys.update(np.array([0]), np.array([85.0]), np.array([False])) is not None
    assert keys.update(np.array([0]), np.array([1e6]), np.array([False])) is None
    assert keys.update(np.array([0]), np.array([np.nan]), np.array([False])) is None


def test_scores_too_wide_to_pack_have_no_rank_keys() -> None:
    assert RankKeys.build(np.array([1e15, 0.0]), None, np.array([False, False]), 6) is None


@given(
    st.lists(st.integers(-3000, 12000), min_size=1, max_size=60),
    st.integers(0, 60),
    st.sampled_from([0, 1, 2]),
    st.data(),
)
def test_a_quota_counted_in_ticks_cuts_where_the_partition_does(
    ticks: list[int], seats: int, decimals: int, data: st.DataObject
) -> None:
    # Composites as rounding gives them (ticks ÷ 10^decimals): counting them per tick
    # must find the same cut as searching for it, ties and negative scores included,
    # and so must the counts an update adjusts.
    scale = 10.0**decimals
    composite = np.array(ticks, dtype=float) / scale
    grades = np.where(composite >= 0, 0, 1)
    tally = QuotaTally.build(composite, grades == 0, decimals)
    for _ in range(3):
        searched = apply_quota(composite, grades, 0, seats)
        counted = apply_quota(composite, grades, 0, seats, tally=tally)
        assert counted[0].tolist() == searched[0].tolist()
        assert counted[1].tolist() == searched[1].tolist()
        rows = np.array(
            data.draw(st.lists(st.sampled_from(range(len(ticks))), unique=True)), dtype=np.intp
        )
        new = np.array(data.draw(st.lists(st.integers(-3000, 12000), min_size=len(rows),
                                          max_size=len(rows))), dtype=float) / scale  # fmt: skip
        new_grades = np.where(new >= 0, 0, 1)
        updated = tally and tally.update(composite[rows], grades[rows] == 0, new, new_grades == 0)
        composite[rows], grades[rows] = new, new_grades
        # Outside the counts, or with no members before, the tally is made afresh.
        tally = updated or QuotaTally.build(composite, grades == 0, decimals)
        if tally is not None:
            assert tally.members == int((grades == 0).sum())


def test_a_quota_over_a_wide_span_of_ticks_is_searched_not_counted() -> None:
    # 4 decimals over 0–1e6: too many ticks to count, so the cut is searched for.
    composite = np.array([1e6, 0.0001, 500000.1234, 500000.1234, 3.0])
    grades = np.zeros(5, np.int64)
    assert QuotaTally.build(composite, grades == 0, 4) is None
    new, dropped = apply_quota(composite, grades, 0, 2)
    assert dropped.tolist() == [False, True, True, True, True]
    assert new.tolist() == [0, 1, 1, 1, 1]
