"""How stable is the ranking when the component weights move?

``rank_intervals`` draws N weight vectors, each weight multiplied by a factor
uniform in [1 − spread, 1 + spread] and the vector renormalised to the same
total, recomputes every unit's composite for every draw at once (a draws ×
units matrix), ranks each draw, and reports each unit's best and worst rank
(including the rank under the unperturbed weights). A seeded generator makes
the result reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from govperf.engine.errors import ErrorList
from govperf.engine.grading import competition_rank
from govperf.engine.rounding import round_half_up
from govperf.engine.scoring import EvaluationResult

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Draws per block: bounds memory at CHUNK × units floats (256 × 6,000 × 8 B ≈ 12 MB).
CHUNK = 256


@dataclass(frozen=True)
class RankIntervals:
    """Per unit: the rank under the given weights and the best and worst rank seen."""

    base: IntArray
    min_rank: IntArray
    max_rank: IntArray
    draws: int
    spread: float
    seed: int

    @property
    def width(self) -> IntArray:
        return self.max_rank - self.min_rank


def rank_intervals(
    components: npt.ArrayLike,
    weights: npt.ArrayLike,
    *,
    bonus: npt.ArrayLike | None = None,
    vetoed: npt.ArrayLike | None = None,
    groups: npt.ArrayLike | None = None,
    spread: float = 0.1,
    draws: int = 1000,
    seed: int = 0,
    precision: int = 2,
) -> RankIntervals:
    """Rank intervals of units under ±``spread`` random perturbations of ``weights``.

    Parameters
    ----------
    components
        (n, c) component scores (unrounded).
    weights
        (c,) component weights (any total; perturbed vectors keep that total).
    bonus, vetoed, groups
        (n,) as in the evaluation: bonus added after the weighted sum, vetoed
        units ranked last, ranks within integer group ids.
    spread
        Relative perturbation, 0 ≤ spread < 1 (0.1 is ±10 %).

    Examples
    --------
    >>> r = rank_intervals([[90.0, 70], [80, 80], [70, 90]], [50, 50], spread=0.3, seed=1)
    >>> r.base.tolist(), r.min_rank.tolist(), r.max_rank.tolist()
    ([1, 1, 1], [1, 1, 1], [3, 2, 3])
    """
    comps = np.asarray(components, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    errors = ErrorList()
    if comps.ndim != 2 or w.shape != (comps.shape[1],):
        errors.add("weights", "权重个数须等于组成部分数", "one weight per component is needed")
    if not 0 <= spread < 1:
        errors.add("spread", "扰动幅度须在 [0, 1) 内", "spread must lie within [0, 1)")
    if draws < 1:
        errors.add("draws", "抽样次数须至少为 1", "draws must be ≥ 1")
    if not np.isfinite(comps).all() or not np.isfinite(w).all() or (w < 0).any():
        errors.add(
            "components",
            "得分与权重须为有限数值，权重非负",
            "scores and weights must be finite, weights ≥ 0",
        )
    errors.raise_if_any()
    n = comps.shape[0]
    extra = np.zeros(n) if bonus is None else np.asarray(bonus, dtype=np.float64)
    veto = None if vetoed is None else np.asarray(vetoed, dtype=bool)
    group_ids = None if groups is None else np.asarray(groups, dtype=np.int64)

    def ranks(weight_rows: FloatArray) -> IntArray:
        # The evaluation ranks the rounded composite; so must the perturbed runs.
        composite = round_half_up(weight_rows @ comps.T / 100.0 + extra, precision)
        return competition_rank(composite, group_ids, veto, decimals=precision)

    base = ranks(w[None, :])[0]
    low, high = base.copy(), base.copy()
    rng = np.random.default_rng(seed)
    for start in range(0, draws, CHUNK):
        size = min(CHUNK, draws - start)
        factors = rng.uniform(1.0 - spread, 1.0 + spread, size=(size, len(w)))
        moved = w * factors
        moved *= w.sum() / moved.sum(axis=1, keepdims=True)
        r = ranks(moved)
        low = np.minimum(low, r.min(axis=0))
        high = np.maximum(high, r.max(axis=0))
    return RankIntervals(base, low, high, draws, spread, seed)


def result_rank_intervals(
    result: EvaluationResult, *, spread: float = 0.1, draws: int = 1000, seed: int = 0
) -> RankIntervals:
    """``rank_intervals`` for an evaluation, grouped as its scheme ranks (none: all)."""
    scheme = result.scheme
    return rank_intervals(
        result.components,
        [c.weight for c in scheme.components],
        bonus=result.bonus_applied,
        vetoed=result.vetoed,
        groups=result.units.group_ids if scheme.ranking == "group" else None,
        spread=spread,
        draws=draws,
        seed=seed,
        precision=scheme.precision,
    )
