"""AHP, entropy, CRITIC, equal and expert weights."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from govperf.engine.errors import EngineInputError
from govperf.engine.weighting import (
    RANDOM_INDEX,
    ahp,
    critic_weights,
    entropy_weights,
    equal_weights,
    expert_average,
)

# Coffee, wine, tea, beer, sodas, milk, water: "which drink is consumed more in the U.S.?"
DRINKS = [
    [1, 9, 5, 2, 1, 1, 1 / 2],
    [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
    [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
    [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [1, 9, 4, 2, 1, 2, 1 / 2],
    [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [2, 9, 9, 3, 2, 3, 1],
]


def fields(exc: pytest.ExceptionInfo[EngineInputError]) -> list[str]:
    return [e["field"] for e in exc.value.errors]


def test_ahp_reproduces_saatys_drink_consumption_example() -> None:
    """Saaty (2008), "Decision making with the analytic hierarchy process",
    Int. J. Services Sciences 1(1), 83–98: the 7 × 7 drink-consumption matrix and
    its derived priorities .177, .019, .042, .116, .190, .129, .327 (to 3 decimals).
    CR 0.022 with Saaty's RI(7) = 1.32 is the figure AHPy's test suite pins for the
    same matrix; it is checked here as an independent cross-check, not as a number
    quoted from the paper.
    """
    result = ahp(DRINKS)

    assert result.weights.round(3).tolist() == [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]
    assert round(result.cr, 3) == 0.022
    assert result.ri == 1.32
    # CI = (λmax − 7) ÷ 6 and CR = CI ÷ 1.32, by definition
    assert result.ci == pytest.approx((result.lambda_max - 7) / 6)
    assert result.cr == pytest.approx(result.ci / 1.32)
    assert result.consistent and result.inconsistent_pair is None


def test_the_random_index_is_saatys_table() -> None:
    assert RANDOM_INDEX == (
        0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59
    )  # fmt: skip


def test_two_criteria_have_cr_0() -> None:
    result = ahp([[1, 3], [1 / 3, 1]])
    # w = (3, 1) ÷ 4; λmax = 2 exactly for any 2 × 2 reciprocal matrix
    assert result.weights.tolist() == pytest.approx([0.75, 0.25])
    assert (result.ci, result.ri, result.cr) == (0.0, 0.0, 0.0)


def test_an_inconsistent_matrix_names_the_judgement_that_differs_most() -> None:
    # Consistent with w = (8, 4, 2, 1) except a_03, flipped from 8 to 1/8.
    w = np.array([8.0, 4.0, 2.0, 1.0])
    a = w[:, None] / w[None, :]
    a[0, 3], a[3, 0] = 1 / 8, 8
    result = ahp(a)
    assert result.cr >= 0.1
    assert result.inconsistent_pair == (0, 3)
    assert result.to_dict()["inconsistent_pair"] == [0, 3]


@pytest.mark.parametrize(
    ("matrix", "field"),
    [
        ([[1, 3], [3, 1]], "matrix[0][1]"),  # not reciprocal
        ([[1, 0], [0, 1]], "matrix[0][1]"),  # not positive
        ([[1, -2], [-0.5, 1]], "matrix[1][0]"),
        ([[2, 1], [1, 1]], "matrix[0][0]"),  # diagonal
        ([[1, 2, 3], [0.5, 1, 2]], "matrix"),  # not square
        (np.ones((16, 16)), "matrix"),  # n > 15
    ],
)
def test_bad_ahp_matrices_name_the_cell(matrix, field: str) -> None:
    with pytest.raises(EngineInputError) as caught:
        ahp(matrix)
    assert field in fields(caught)


@given(st.lists(st.floats(0.1, 9.0), min_size=1, max_size=15))
def test_ahp_recovers_the_weights_of_a_consistent_matrix(raw: list[float]) -> None:
    w = np.array(raw)
    result = ahp(w[:, None] / w[None, :])
    np.testing.assert_allclose(result.weights, w / w.sum(), rtol=1e-6)
    assert result.cr == pytest.approx(0.0, abs=1e-9)
    assert result.weights.sum() == pytest.approx(1.0)


def test_entropy_reproduces_published_examples() -> None:
    """The textbook entropy weights (p = x ÷ Σx on the raw values) of two published
    examples, to the 4 decimals printed:

    - Xu (2004), "A note on the subjective and objective integrated approach to
      determine attribute weights", European Journal of Operational Research 156(2),
      530–532: 4 alternatives × 4 attributes, weights 0.4630, 0.3992, 0.1378, 0.0000
      (the last attribute barely varies);
    - Zavadskas & Podvezko (2016), "Integrated determination of objective criteria
      weights in MCDM", Int. J. Information Technology & Decision Making 15(2),
      267–283: weights 0.1146, 0.1981, 0.4185, 0.2689.

    CASES.md names Elsayed et al. (2017), IJETT 46(2), 60–66; its decision matrix
    could not be retrieved offline, so these two published examples stand in for it.
    """
    xu = [[30, 30, 38, 29], [19, 54, 86, 29], [19, 15, 85, 28.9], [68, 70, 60, 29]]
    assert entropy_weights(xu).round(4).tolist() == [0.4630, 0.3992, 0.1378, 0.0]
    zp = [[3.0, 100, 10, 7], [2.5, 80, 8, 5], [1.8, 50, 20, 11], [2.2, 70, 12, 9]]
    assert entropy_weights(zp).round(4).tolist() == [0.1146, 0.1981, 0.4185, 0.2689]


def test_critic_reproduces_tus_and_adali() -> None:
    """Tuş & Aytaç Adalı (2019), "The new combination with CRITIC and WASPAS methods
    for the time and attendance software selection problem", Opsearch 56(2), 528–538:
    5 software packages × 6 criteria (price first), CRITIC weights 0.157, 0.249, 0.168,
    0.121, 0.154, 0.151 as printed (every column min-max normalised as a benefit; the
    crispyn library's test of the same example pins the same figures).
    """
    software = [
        [5000, 3, 3, 4, 3, 2],
        [680, 5, 3, 2, 2, 1],
        [2000, 3, 2, 3, 4, 3],
        [600, 4, 3, 1, 2, 2],
        [800, 2, 4, 3, 3, 4],
    ]
    weights = critic_weights(software)
    assert weights.round(3).tolist() == [0.157, 0.249, 0.168, 0.121, 0.154, 0.151]
    assert weights.sum() == pytest.approx(1.0)


def test_entropy_weights_by_hand() -> None:
    """An independent check computed by hand (the published example of Elsayed
    et al. 2017, IJETT 46(2), could not be retrieved here, so no number of theirs
    is quoted).

    A = (1, 2, 3): p = 1/6, 1/3, 1/2; −Σ p ln p = ln6/6 + ln3/3 + ln2/2
      = 0.298627 + 0.366204 + 0.346574 = 1.011404; e = 1.011404 ÷ ln 3 (1.098612)
      = 0.920620; 1 − e = 0.079380.
    B = (10, 10.5, 11): p = 0.317460, 0.333333, 0.349206;
      −Σ p ln p = 0.364255 + 0.366204 + 0.367397 = 1.097856; e = 0.999312; 1 − e = 0.000688.
    w = 0.079380 ÷ 0.080068 = 0.99141 and 0.00859.
    """
    w = entropy_weights([[1, 10], [2, 10.5], [3, 11]])
    assert w.tolist() == pytest.approx([0.99141, 0.00859], abs=2e-5)


def test_entropy_with_a_lower_column_reverses_and_uses_0_ln_0() -> None:
    """A lower-better: min-max reversed (1, 0.5, 0) → p = 2/3, 1/3, 0 (0 ln 0 = 0);
    −Σ p ln p = (2/3) ln 1.5 + (1/3) ln 3 = 0.270310 + 0.366204 = 0.636514;
    e = 0.579380; 1 − e = 0.420620. B stays raw: 1 − e = 0.000688 (above).
    w_A = 0.420620 ÷ 0.421308 = 0.998367.
    """
    w = entropy_weights([[1, 10], [2, 10.5], [3, 11]], lower=[0])
    assert w[0] == pytest.approx(0.998367, abs=2e-6)


def test_critic_weights_by_hand() -> None:
    """An independent check computed by hand (the published example of Tuş &
    Adalı 2019, Opsearch 56(2), could not be retrieved here).

    Columns A (1, 2, 3, 4), B (4, 3, 2, 1), C (1, 3, 2, 4), min-max normalised:
    A (0, 1/3, 2/3, 1), B (1, 2/3, 1/3, 0), C (0, 2/3, 1/3, 1). Each has the same
    sample σ = sqrt(0.555556 ÷ 3) = 0.430331. r_AB = −1, r_AC = 0.444444 ÷ 0.555556
    = 0.8, r_BC = −0.8. Σ_k (1 − r): A 0 + 2 + 0.2 = 2.2, B 2 + 0 + 1.8 = 3.8,
    C 0.2 + 1.8 + 0 = 2.0; total 8 → w = 0.275, 0.475, 0.25.
    With B lower-better it is reversed to A's column: Σ = 0.2, 0.2, 0.4 → 0.25, 0.25, 0.5.
    """
    x = [[1, 4, 1], [2, 3, 3], [3, 2, 2], [4, 1, 4]]
    assert critic_weights(x).tolist() == pytest.approx([0.275, 0.475, 0.25])
    assert critic_weights(x, lower=[1]).tolist() == pytest.approx([0.25, 0.25, 0.5])


@pytest.mark.parametrize("method", [entropy_weights, critic_weights])
def test_a_constant_column_is_refused_by_name(method) -> None:
    with pytest.raises(EngineInputError) as caught:
        method([[1, 5], [2, 5], [3, 5]], codes=["gdp", "flat"])
    assert fields(caught) == ["columns.flat"]


@pytest.mark.parametrize("method", [entropy_weights, critic_weights])
def test_fewer_than_two_rows_are_refused(method) -> None:
    with pytest.raises(EngineInputError) as caught:
        method([[1, 2]])
    assert fields(caught) == ["data"]


def test_a_negative_value_is_refused_for_raw_entropy_only() -> None:
    data = [[-1, 2], [2, 3], [3, 5]]
    with pytest.raises(EngineInputError) as caught:
        entropy_weights(data, codes=["a", "b"])
    assert fields(caught) == ["columns.a"]
    assert entropy_weights(data, minmax=True).sum() == pytest.approx(1.0)


def test_perfectly_correlated_criteria_cannot_be_weighted_by_critic() -> None:
    with pytest.raises(EngineInputError):
        critic_weights([[1, 2], [2, 4], [3, 6]])


def test_one_criterion_takes_all_the_weight() -> None:
    assert critic_weights([[1], [2]]).tolist() == [1.0]
    assert entropy_weights([[1], [2]]).tolist() == [1.0]


def test_equal_and_expert_weights() -> None:
    assert equal_weights(4).tolist() == [0.25] * 4
    # expert 1 (50, 30, 20) → (0.5, 0.3, 0.2); expert 2 (0.4, 0.4, 0.2); mean (0.45, 0.35, 0.2)
    assert expert_average([[50, 30, 20], [0.4, 0.4, 0.2]]).tolist() == pytest.approx(
        [0.45, 0.35, 0.2]
    )
    with pytest.raises(EngineInputError):
        expert_average([[1, -1, 0]])


matrices = st.integers(2, 12).flatmap(
    lambda m: st.lists(
        st.lists(st.floats(0, 1e4, allow_nan=False), min_size=m, max_size=m),
        min_size=2,
        max_size=6,
    ).map(lambda cols: np.array(cols).T)
)


@given(matrices)
def test_objective_weights_sum_to_1(x: np.ndarray) -> None:
    if (np.ptp(x, axis=0) == 0).any():
        with pytest.raises(EngineInputError):
            entropy_weights(x)
        return
    for w in (entropy_weights(x), entropy_weights(x, minmax=True)):
        assert math.isclose(w.sum(), 1.0) and (w >= 0).all()
    try:
        w = critic_weights(x)
    except EngineInputError:  # every column perfectly correlated
        return
    assert math.isclose(w.sum(), 1.0) and (w >= -1e-12).all()
