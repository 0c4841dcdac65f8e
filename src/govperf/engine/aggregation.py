"""Aggregation over periods, panels of raters, and weighted sums.

Incremental recompute re-scores a subset of units and must get bit-identical
results to a full run, so every step here computes a row from that row alone
with the same sequence of float operations whatever the number of rows. The
NumPy kernels used (einsum and reduceat along the last axis) were checked to
behave so, and the tests keep checking it; the weighted sums add one column at
a time rather than use a matrix product, whose BLAS blocking may change with
the shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def aggregate_periods(values: FloatArray, methods: Sequence[str]) -> FloatArray:
    """Combine a units × indicators × periods array into units × indicators.

    Parameters
    ----------
    values
        Shape (n, k, t); NaN marks a period with no value.
    methods
        One of ``sum``, ``mean``, ``last``, ``max``, ``min`` per indicator. Missing
        periods are skipped (``last`` is the last period with a value); a cell
        with no value in any period stays NaN.

    Examples
    --------
    >>> x = np.array([[[1.0, 2.0, np.nan], [5.0, np.nan, np.nan]]])
    >>> aggregate_periods(x, ["sum", "last"])
    array([[3., 5.]])
    """
    return aggregate_checked(values, methods)[0]


def aggregate_checked(values: FloatArray, methods: Sequence[str]) -> tuple[FloatArray, bool]:
    """``aggregate_periods``, and whether every result is finite (False: some may not
    be), learnt on the way at no extra cost: the caller need not look again."""
    n, k, t = values.shape
    groups = _method_columns(tuple(methods))
    if any(method in ("sum", "mean") for method, _ in groups):
        # Every column's total at once: einsum reduces a short period axis several times
        # faster than sum(), and each cell's total depends on its own periods only (tested
        # row by row). Sum columns keep it as it is; the others are overwritten below.
        out = np.einsum("ijk->ij", values)
    else:
        out = np.empty((n, k))
    for method, cols in groups:
        if method == "mean":
            out[:, cols] /= t
        elif method == "last":
            out[:, cols] = values[:, cols, -1]
        elif method == "max":
            out[:, cols] = values[:, cols].max(axis=-1)
        elif method == "min":
            out[:, cols] = values[:, cols].min(axis=-1)
    # The plain forms propagate NaN: only cells with a missing period are redone. Most
    # inputs have none, and all() is several times cheaper than nonzero() to learn that.
    if np.isfinite(out).all():
        return out, True
    gaps = np.isnan(out)
    if gaps.any():
        gap_i, gap_j = np.nonzero(gaps)
        for method, cols in groups:
            mine = np.isin(gap_j, cols)
            if mine.any():
                i, j = gap_i[mine], gap_j[mine]
                out[i, j] = _skip_missing(values[i, j], method)
    return out, False


@lru_cache(maxsize=64)
def _method_columns(methods: tuple[str, ...]) -> tuple[tuple[str, npt.NDArray[np.intp]], ...]:
    """The columns of each method in use; cached, as a scheme asks the same every time."""
    return tuple(
        (method, np.array([j for j, m in enumerate(methods) if m == method], dtype=np.intp))
        for method in dict.fromkeys(methods)
    )


def _skip_missing(rows: FloatArray, method: str) -> FloatArray:
    """Aggregate (m, t) rows skipping NaN; a row with no value gives NaN."""
    present = ~np.isnan(rows)
    count = present.sum(axis=-1)
    zeroed = np.where(present, rows, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "sum":
            out = zeroed.sum(axis=-1)
        elif method == "mean":
            out = zeroed.sum(axis=-1) / count
        elif method == "last":
            last = rows.shape[-1] - 1 - np.argmax(present[:, ::-1], axis=-1)
            out = rows[np.arange(len(rows)), last]
        elif method == "max":
            out = np.where(present, rows, -np.inf).max(axis=-1)
        else:
            out = np.where(present, rows, np.inf).min(axis=-1)
    return np.where(count > 0, out, np.nan)


def panel_scores(scores: FloatArray, trim: int) -> FloatArray:
    """Mean of each row's raters, dropping ``trim`` highest and ``trim`` lowest.

    ``scores`` is (n, r), NaN-padded for units with fewer raters. Rows with no
    score give NaN; rows with fewer than 2 × trim + 1 scores must have been
    refused at the boundary (they give NaN here).

    Examples
    --------
    >>> panel_scores(np.array([[88.0, 90, 70, 95, 91], [90, 92, 94, np.nan, np.nan]]), 1)
    array([89.66666667, 92.        ])
    """
    ordered = np.sort(scores, axis=1)  # NaN sorts last
    count = (~np.isnan(ordered)).sum(axis=1)
    pos = np.arange(ordered.shape[1])
    keep = (pos >= trim) & (pos[None, :] < (count - trim)[:, None])
    kept = keep.sum(axis=1)
    # Column by column: the padded width differs between a full run and an
    # incremental one, and trailing zeros must not change the summation order.
    total = sum_columns(np.where(keep, ordered, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(kept > 0, total / kept, np.nan)


def weighted_columns(
    columns: FloatArray, weights: npt.ArrayLike, divisor: float = 1.0
) -> FloatArray:
    """Σ_j columns[:, j] × weights[j] ÷ divisor, added one column at a time."""
    # Each term as columns[:, j] × w ÷ divisor would give it, all terms in two passes.
    terms = columns * weights
    terms /= divisor
    return sum_columns(terms)


def sum_columns(columns: FloatArray) -> FloatArray:
    """Row sums added one column at a time, left to right (see the module note)."""
    if columns.shape[1] < 2:
        return columns.sum(axis=1) + 0.0
    total = columns[:, 0] + columns[:, 1]
    for j in range(2, columns.shape[1]):
        total += columns[:, j]
    return total
