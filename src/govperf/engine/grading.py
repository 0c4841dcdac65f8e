"""Grades, the top-grade quota, and competition ranking, vectorised over units.

All three work on the *rounded* composite, as ``CASES.md`` asks: two units
shown with the same score must get the same grade and share a rank.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

NO_GRADE = -1


def assign_grades(composite: FloatArray, mins: FloatArray, vetoed: BoolArray) -> IntArray:
    """Index of the first grade from the top whose min ≤ composite.

    ``mins`` are the grades' minimums ordered from the top grade down. A unit
    below every minimum gets ``NO_GRADE``; a vetoed unit gets the lowest grade.

    Examples
    --------
    >>> assign_grades(np.array([95.0, 80.0, 79.99, 10.0]), np.array([90.0, 80, 60, 0]),
    ...               np.array([False, False, False, True]))
    array([0, 1, 2, 3])
    """
    ascending = mins[::-1]
    pos = np.searchsorted(ascending, composite, side="right") - 1
    idx = np.where(pos >= 0, len(mins) - 1 - pos, NO_GRADE)
    return np.where(vetoed, len(mins) - 1, idx).astype(np.int64)


def apply_quota(
    composite: FloatArray, grade_idx: IntArray, quota_idx: int, seats: int
) -> tuple[IntArray, BoolArray]:
    """Keep at most ``seats`` units in grade ``quota_idx``, highest composites first.

    Units tied at the cut all drop; those who drop take the next grade.
    Returns the new grade indices and a mask of the units that dropped.

    Examples
    --------
    >>> apply_quota(np.array([95.0, 93, 93, 85]), np.array([0, 0, 0, 1]), 0, 2)
    (array([0, 1, 1, 1]), array([False,  True,  True, False]))
    """
    members = grade_idx == quota_idx
    candidates = composite[members]
    if len(candidates) <= seats:
        return grade_idx.astype(np.int64), np.zeros(len(grade_idx), dtype=bool)
    # The first unit past the seats sets the cut: everyone at or below it drops, which
    # also drops anyone tied with it inside the seats. A partition finds it in O(n).
    past = len(candidates) - seats - 1  # the (seats + 1)-th highest, counted from below
    candidates.partition(past)  # a fresh array: partitioned in place
    cut = candidates[past]
    dropped = members & (composite <= cut)
    return (grade_idx + dropped).astype(np.int64, copy=False), dropped


def competition_rank(
    scores: FloatArray,
    group_ids: IntArray | None = None,
    vetoed: BoolArray | None = None,
    *,
    decimals: int | None = None,
) -> IntArray:
    """Competition ranks (1, 2, 2, 4), higher score first, within each group.

    ``scores`` is (n,) or (draws, n); ranking runs along the last axis.
    Vetoed units rank after every other unit of their group, among themselves
    by score. ``decimals`` says the scores are rounded to that many decimals
    (as composites are), which allows an exact and faster integer sort.

    Examples
    --------
    >>> competition_rank(np.array([90.0, 95, 90, 80]))
    array([2, 1, 2, 4])
    >>> competition_rank(np.array([95.0, 90, 90, 80]), decimals=2)
    array([1, 2, 2, 4])
    >>> competition_rank(np.array([99.0, 80, 70]), vetoed=np.array([True, False, False]))
    array([3, 1, 2])
    """
    scores = np.asarray(scores, dtype=np.float64)
    n = scores.shape[-1]
    shape = scores.shape
    groups = np.zeros(n, np.int64) if group_ids is None else np.asarray(group_ids, np.int64)
    veto = np.zeros(n, np.int64) if vetoed is None else np.asarray(vetoed, np.int64)
    # One class per (group, vetoed), vetoed after the rest of their group.
    classes = np.broadcast_to(groups * 2 + veto, shape)
    ordered = _packed_order(scores, classes, decimals) if decimals is not None else None
    order, s, c = ordered if ordered is not None else _float_order(scores, classes)
    pos = np.arange(n)
    new_group = np.ones(shape, bool)
    new_group[..., 1:] = (c[..., 1:] >> 1) != (c[..., :-1] >> 1)
    new_run = np.ones(shape, bool)
    new_run[..., 1:] = (c[..., 1:] != c[..., :-1]) | (s[..., 1:] != s[..., :-1])
    group_start = np.maximum.accumulate(np.where(new_group, pos, 0), axis=-1)
    run_start = np.maximum.accumulate(np.where(new_run, pos, 0), axis=-1)
    ranks = np.empty(shape, np.int64)
    if ranks.ndim == 1:  # plain indexing: noticeably cheaper for the common case
        ranks[order] = run_start - group_start + 1
    else:
        np.put_along_axis(ranks, order, run_start - group_start + 1, axis=-1)
    return ranks


_Order = tuple[npt.NDArray[np.intp], np.ndarray, IntArray]


def _packed_order(scores: FloatArray, classes: IntArray, decimals: int) -> _Order | None:
    """Order from one int64 sort of (class, score in ticks of 10^-decimals, index).

    Sorting packed keys is several times faster than argsort, and exact: the
    scores are whole numbers of ticks. None when the key would not fit in 62 bits.
    """
    ticks = np.rint(scores * 10.0**decimals)
    top = ticks.max(axis=-1, keepdims=True)
    width = top - ticks.min(axis=-1, keepdims=True) + 1.0
    bits = max(1, (scores.shape[-1] - 1).bit_length())
    if (
        not np.isfinite(width).all()
        or (int(classes.max()) + 1) * width.max() * 2.0**bits >= 2.0**62
    ):
        return None
    key = (classes * width + (top - ticks)).astype(np.int64) << bits
    key |= np.arange(scores.shape[-1])
    key.sort(axis=-1)
    order = key & ((1 << bits) - 1)
    # Ties are judged on the ticks, the same values the order was built from.
    return order, _take(ticks, order), _take(classes, order)


def _float_order(scores: FloatArray, classes: IntArray) -> _Order:
    """Order by class, then score descending, for scores of any precision.

    A single float key (class × span + distance below the top score) sorts several
    times faster than lexsort. Float rounding could in principle swap two close
    scores of a large key, so the order is checked and lexsort used if it fails.
    """
    top = scores.max(axis=-1, keepdims=True)
    span = top - scores.min(axis=-1, keepdims=True) + 1.0
    order = np.argsort(classes * span + (top - scores), axis=-1)
    s, c = _take(scores, order), _take(classes, order)
    ordered = (c[..., 1:] > c[..., :-1]) | (
        (c[..., 1:] == c[..., :-1]) & (s[..., 1:] <= s[..., :-1])
    )
    if not ordered.all():
        order = np.lexsort((-scores, classes), axis=-1)
        s, c = _take(scores, order), _take(classes, order)
    return order, s, c


def _take(values: np.ndarray, order: npt.NDArray[np.intp]) -> np.ndarray:
    return values[order] if order.ndim == 1 else np.take_along_axis(values, order, axis=-1)


@dataclass(frozen=True)
class RankKeys:
    """A ranking kept as sorted int64 keys, so that re-ranking a few changed units is a
    merge into the sorted keys instead of a new sort.

    A unit's key packs, from the high bits down, its group, whether it is vetoed, its
    score in ticks below ``top`` and its index: ascending keys run group by group, the
    vetoed after the rest, higher scores first, and tied units differ only in the index.
    The tick field leaves room around the scores seen, so that changed scores usually
    fit the same packing.
    """

    sorted_keys: IntArray
    unit_keys: IntArray
    # The groups' ids, ascending, in the key's top bits: the least key each group can have.
    group_floors: IntArray
    scale: float
    top: int
    tick_bits: int
    index_bits: int

    @classmethod
    def build(
        cls, scores: FloatArray, group_ids: IntArray | None, vetoed: BoolArray, decimals: int
    ) -> RankKeys | None:
        """Keys of 1-D ``scores`` rounded to ``decimals``; None if they cannot be packed
        (more than 62 bits, or a negative group id)."""
        n = len(scores)
        groups = np.zeros(n, np.int64) if group_ids is None else np.asarray(group_ids, np.int64)
        if n == 0 or not np.isfinite(scores).all() or groups.min() < 0:
            return None
        scale = 10.0**decimals
        ticks = np.rint(scores * scale)
        low, high = float(ticks.min()), float(ticks.max())
        room = max(high - low, 10.0 * scale)
        tick_bits = int(high - low + 2 * room + 1).bit_length()
        index_bits = max(1, (n - 1).bit_length())
        used = np.bincount(groups) > 0
        if not used.all():  # ids 0..g-1 (as Units gives them) index the groups' starts
            groups = (np.cumsum(used) - 1)[groups]
        classes = groups * 2 + vetoed
        if int(classes.max()).bit_length() + tick_bits + index_bits > 62:
            return None
        top = int(high + room)
        unit_keys = _pack(classes, ticks, np.arange(n), top, tick_bits, index_bits)
        floors = np.arange(int(groups.max()) + 1) << (1 + tick_bits + index_bits)
        return cls(np.sort(unit_keys), unit_keys, floors, scale, top, tick_bits, index_bits)

    def ranks(self) -> IntArray:
        """Competition ranks of every unit, read off the sorted keys: a unit's rank is
        where its run of equal scores starts, less where its group starts, plus one."""
        n = len(self.sorted_keys)
        group_start = self.sorted_keys.searchsorted(self.group_floors)[
            self.sorted_keys >> (self.tick_bits + self.index_bits + 1)
        ]
        value = self.sorted_keys >> self.index_bits  # all but the index: equal when tied
        new_run = np.empty(n, bool)
        new_run[:1] = True
        np.not_equal(value[1:], value[:-1], out=new_run[1:])
        run_start = np.arange(n)
        run_start *= new_run
        np.maximum.accumulate(run_start, out=run_start)
        run_start -= group_start
        run_start += 1
        ranks = np.empty(n, np.int64)
        ranks[self.sorted_keys & ((1 << self.index_bits) - 1)] = run_start
        return ranks

    def update(
        self, rows: npt.NDArray[np.intp], scores: FloatArray, vetoed: BoolArray
    ) -> RankKeys | None:
        """The keys after units ``rows`` take new ``scores`` and veto flags; None when a
        new score falls outside the packing (rank afresh then)."""
        below = self.top - np.rint(scores * self.scale)
        # NaN fails both comparisons.
        if len(below) and not (below.min() >= 0 and below.max() < (1 << self.tick_bits)):
            return None
        old = self.unit_keys[rows]
        classes = (old >> (self.tick_bits + self.index_bits)) & ~1 | vetoed
        new = classes << self.tick_bits
        new |= below.astype(np.int64)
        new <<= self.index_bits
        new |= rows
        unit_keys = self.unit_keys.copy()
        unit_keys[rows] = new
        # The new keys take the old ones' places (each key is unique: it holds its unit's
        # index), and a stable sort, a merge of sorted runs, puts the few moved keys back
        # in order: fewer and cheaper steps than taking them out and inserting them.
        merged = self.sorted_keys.copy()
        merged[self.sorted_keys.searchsorted(old)] = new
        merged.sort(kind="stable")
        return RankKeys(merged, unit_keys, *self._packing)

    @property
    def _packing(self) -> tuple[IntArray, float, int, int, int]:
        return self.group_floors, self.scale, self.top, self.tick_bits, self.index_bits


def _pack(
    classes: IntArray,
    ticks: FloatArray,
    index: npt.ArrayLike,
    top: int,
    tick_bits: int,
    index_bits: int,
) -> IntArray:
    """Rank keys: class (group × 2 + vetoed), ticks below ``top``, index, high bits first."""
    key = classes << tick_bits
    key |= (top - ticks).astype(np.int64)
    key <<= index_bits
    key |= index
    return key
