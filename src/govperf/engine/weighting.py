"""Weights of criteria: AHP, entropy, CRITIC, equal, and the average of experts.

Each function validates its input once (``_check_*``), raising
``EngineInputError`` with the offending cell or column named, then computes
in float64. Weights come back normalised to sum 1.

References
----------
.. [1] T. L. Saaty, "Decision making with the analytic hierarchy process",
   Int. J. Services Sciences 1(1), 83–98, 2008.
.. [2] C. E. Shannon's entropy as a weighting method, e.g. Elsayed et al.,
   "Evaluating alternatives through the application of TOPSIS method with
   entropy weight", IJETT 46(2), 60–66, 2017.
.. [3] D. Diakoulaki, G. Mavrotas, L. Papayannakis, "Determining objective
   weights in multiple criteria problems: the CRITIC method", Computers &
   Operations Research 22(7), 763–770, 1995; Tuş & Adalı, Opsearch 56(2), 2019.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from govperf.engine._text import fmt
from govperf.engine.errors import ErrorList

FloatArray = npt.NDArray[np.float64]

# Saaty's random consistency index for n = 1…15 (CASES.md).
RANDOM_INDEX = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56,
                1.57, 1.59)  # fmt: skip
MAX_AHP_SIZE = len(RANDOM_INDEX)
CR_LIMIT = 0.1
# a_ij × a_ji may miss 1 by this much: judgements typed as 0.33 for 1/3 are still reciprocal.
RECIPROCAL_TOLERANCE = 0.02


@dataclass(frozen=True)
class AhpResult:
    """Priority weights of a pairwise comparison matrix and its consistency.

    ``inconsistent_pair`` is set when CR ≥ 0.1: the (i, j), i < j, whose judgement
    a_ij is furthest from the ratio of the derived weights, measured as
    |ln(a_ij × w_j ÷ w_i)| (a factor of 3 too high and of 3 too low count alike).
    """

    weights: FloatArray
    lambda_max: float
    ci: float
    ri: float
    cr: float
    inconsistent_pair: tuple[int, int] | None

    @property
    def consistent(self) -> bool:
        return self.cr < CR_LIMIT

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "weights": self.weights.tolist(),
            "lambda_max": self.lambda_max,
            "ci": self.ci,
            "ri": self.ri,
            "cr": self.cr,
        }
        if self.inconsistent_pair is not None:
            out["inconsistent_pair"] = list(self.inconsistent_pair)
        return out


def ahp(matrix: npt.ArrayLike) -> AhpResult:
    """AHP weights from the principal eigenvector of a reciprocal matrix.

    Parameters
    ----------
    matrix
        n × n, n ≤ 15, positive, a_ji = 1 ÷ a_ij.

    Returns
    -------
    AhpResult
        Weights (sum 1), λmax, CI = (λmax − n) ÷ (n − 1), RI (Saaty), CR = CI ÷ RI
        (0 for n ≤ 2), and the most inconsistent pair when CR ≥ 0.1.

    Examples
    --------
    >>> r = ahp([[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]])
    >>> r.weights.round(4).tolist(), round(r.cr, 6)
    ([0.5714, 0.2857, 0.1429], 0.0)
    """
    a = _check_ahp_matrix(matrix)
    n = a.shape[0]
    eigenvalues, eigenvectors = np.linalg.eig(a)
    k = int(np.argmax(eigenvalues.real))
    # The Perron vector has one sign; abs() fixes the arbitrary sign eig returns.
    vector = np.abs(eigenvectors[:, k].real)
    weights = vector / vector.sum()
    lambda_max = float(eigenvalues[k].real)
    # λmax ≥ n for any positive reciprocal matrix; a tiny negative CI is rounding noise.
    ci = max(0.0, (lambda_max - n) / (n - 1)) if n > 1 else 0.0
    ri = RANDOM_INDEX[n - 1]
    cr = ci / ri if n > 2 else 0.0
    pair = _most_inconsistent_pair(a, weights) if cr >= CR_LIMIT else None
    return AhpResult(weights, lambda_max, ci, ri, cr, pair)


def _most_inconsistent_pair(a: FloatArray, weights: FloatArray) -> tuple[int, int]:
    deviation = np.abs(np.log(a * weights[None, :] / weights[:, None]))
    deviation[np.tril_indices_from(deviation)] = -1.0  # each pair once, i < j
    i, j = np.unravel_index(int(np.argmax(deviation)), deviation.shape)
    return int(i), int(j)


def _check_ahp_matrix(matrix: npt.ArrayLike) -> FloatArray:
    errors = ErrorList()
    a = np.asarray(matrix, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        errors.add("matrix", f"须为 n × n 方阵（实际 {a.shape}）", f"must be n × n (got {a.shape})")
        errors.raise_if_any()
    n = a.shape[0]
    if n > MAX_AHP_SIZE:
        errors.add(
            "matrix",
            f"至多 {MAX_AHP_SIZE} 个比较对象（实际 {n}）",
            f"at most {MAX_AHP_SIZE} criteria (got {n})",
        )
        errors.raise_if_any()
    for i, j in zip(*np.nonzero(~(np.isfinite(a) & (a > 0))), strict=True):
        errors.add(
            f"matrix[{i}][{j}]",
            f"第 {i + 1} 行第 {j + 1} 列须为正数（实际 {fmt(a[i, j])}）",
            f"row {i + 1}, column {j + 1} must be positive (got {fmt(a[i, j])})",
        )
    errors.raise_if_any()
    product = a * a.T
    for i, j in zip(*np.nonzero(np.abs(product - 1) > RECIPROCAL_TOLERANCE), strict=True):
        if i == j:
            errors.add(
                f"matrix[{i}][{j}]",
                f"对角线须为 1（第 {i + 1} 行实际 {fmt(a[i, j])}）",
                f"the diagonal must be 1 (row {i + 1} has {fmt(a[i, j])})",
            )
        elif i < j:  # each pair once, at its upper cell
            errors.add(
                f"matrix[{i}][{j}]",
                f"第 {i + 1} 行第 {j + 1} 列与第 {j + 1} 行第 {i + 1} 列不互为倒数"
                f"（{fmt(a[i, j])} × {fmt(a[j, i])} ≠ 1）",
                f"row {i + 1}, column {j + 1} and row {j + 1}, column {i + 1} are not "
                f"reciprocal ({fmt(a[i, j])} × {fmt(a[j, i])} ≠ 1)",
            )
    errors.raise_if_any()
    return a


def entropy_weights(
    data: npt.ArrayLike,
    *,
    lower: Sequence[int] = (),
    minmax: bool = False,
    codes: Sequence[str] | None = None,
) -> FloatArray:
    """Entropy weights of the columns of ``data`` (rows: units, columns: criteria).

    p_ij = x_ij ÷ Σ_i x_ij on the raw non-negative values (the textbook form);
    with ``minmax`` every column, and always each ``lower`` column (reversed),
    is min-max normalised first. e_j = −Σ_i p_ij ln p_ij ÷ ln m (0 ln 0 = 0),
    w_j ∝ 1 − e_j.

    Raises
    ------
    EngineInputError
        Fewer than 2 rows, a constant column, or a negative raw value.

    Examples
    --------
    >>> entropy_weights([[1, 10], [2, 10.5], [3, 11]]).round(4).tolist()
    [0.9914, 0.0086]
    """
    x, names = _check_data(data, codes)
    reversed_ = _columns_mask(lower, x.shape[1])
    normalise = reversed_ | minmax
    errors = ErrorList()
    for j in np.flatnonzero(~normalise & (x < 0).any(axis=0)):
        errors.add(
            f"columns.{names[j]}",
            f"列 {names[j]} 有负值：原值熵权法要求非负（可用 --minmax）",
            f"column {names[j]} has a negative value: raw entropy needs x ≥ 0 (try --minmax)",
        )
    errors.raise_if_any()
    x = np.where(normalise, _minmax(x, reversed_), x)
    p = x / x.sum(axis=0)
    # 0 ln 0 = 0: the limit of p ln p as p → 0.
    plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    e = -plogp.sum(axis=0) / math.log(x.shape[0])
    return _normalised(1.0 - e)


def critic_weights(
    data: npt.ArrayLike, *, lower: Sequence[int] = (), codes: Sequence[str] | None = None
) -> FloatArray:
    """CRITIC weights: w_j ∝ σ_j × Σ_k (1 − r_jk) on min-max normalised columns.

    σ is the sample standard deviation (ddof = 1) and r Pearson's correlation;
    ``lower`` columns are reversed when normalised. One criterion gets weight 1.

    Raises
    ------
    EngineInputError
        Fewer than 2 rows, a constant column, or all criteria perfectly correlated.

    Examples
    --------
    >>> critic_weights([[0, 0], [1, 2], [2, 1]]).round(4).tolist()
    [0.5, 0.5]
    """
    x, _ = _check_data(data, codes)
    if x.shape[1] == 1:
        # Σ_k (1 − r_jk) is 0 for a lone criterion; it takes all the weight.
        return np.ones(1)
    z = _minmax(x, _columns_mask(lower, x.shape[1]))
    sigma = z.std(axis=0, ddof=1)
    r = np.corrcoef(z, rowvar=False)
    information = sigma * (1.0 - r).sum(axis=0)
    if information.sum() <= 0:
        errors = ErrorList()
        errors.add(
            "columns",
            "各列完全相关，CRITIC 无法区分权重",
            "every column is perfectly correlated: CRITIC cannot tell them apart",
        )
        errors.raise_if_any()
    return _normalised(information)


def equal_weights(n: int) -> FloatArray:
    """n equal weights summing to 1."""
    if n < 1:
        raise ValueError("n must be ≥ 1")
    return np.full(n, 1.0 / n)


def expert_average(vectors: npt.ArrayLike) -> FloatArray:
    """Mean of several experts' weight vectors, each normalised first.

    Examples
    --------
    >>> expert_average([[50, 30, 20], [0.4, 0.4, 0.2]]).round(4).tolist()
    [0.45, 0.35, 0.2]
    """
    v = np.asarray(vectors, dtype=np.float64)
    errors = ErrorList()
    if v.ndim != 2 or v.shape[0] == 0 or v.shape[1] == 0:
        errors.add("vectors", "须为专家 × 指标的矩阵", "must be an experts × criteria matrix")
        errors.raise_if_any()
    for e in np.flatnonzero(~np.isfinite(v).all(axis=1) | (v < 0).any(axis=1) | (v.sum(1) <= 0)):
        errors.add(
            f"vectors[{e}]",
            f"第 {e + 1} 位专家的权重须为非负数且不全为0",
            f"expert {e + 1}: weights must be ≥ 0 and not all 0",
        )
    errors.raise_if_any()
    return _normalised((v / v.sum(axis=1, keepdims=True)).mean(axis=0))


def _check_data(data: npt.ArrayLike, codes: Sequence[str] | None) -> tuple[FloatArray, list[str]]:
    errors = ErrorList()
    x = np.asarray(data, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] == 0:
        errors.add("data", "须为单位 × 指标的矩阵", "must be a units × criteria matrix")
        errors.raise_if_any()
    names = list(codes) if codes is not None else [str(j) for j in range(x.shape[1])]
    if x.shape[0] < 2:
        errors.add(
            "data",
            f"至少需要 2 行（实际 {x.shape[0]}）",
            f"needs at least 2 rows (got {x.shape[0]})",
        )
        errors.raise_if_any()
    for i, j in zip(*np.nonzero(~np.isfinite(x)), strict=True):
        errors.add(
            f"columns.{names[j]}[{i}]",
            f"列 {names[j]} 第 {i + 1} 行须为有限数值",
            f"column {names[j]}, row {i + 1}: must be a finite number",
        )
    errors.raise_if_any()
    for j in np.flatnonzero(np.ptp(x, axis=0) == 0):
        errors.add(
            f"columns.{names[j]}",
            f"列 {names[j]} 各值相同，无法据以定权",
            f"column {names[j]} is constant: it cannot inform a weight",
        )
    errors.raise_if_any()
    return x, names


def _columns_mask(columns: Sequence[int], k: int) -> npt.NDArray[np.bool_]:
    mask = np.zeros(k, dtype=bool)
    mask[list(columns)] = True
    return mask


def _minmax(x: FloatArray, reverse: npt.NDArray[np.bool_]) -> FloatArray:
    low, high = x.min(axis=0), x.max(axis=0)
    span = high - low  # never 0: constant columns are refused
    return np.where(reverse, (high - x) / span, (x - low) / span)


def _normalised(w: FloatArray) -> FloatArray:
    return w / w.sum()
