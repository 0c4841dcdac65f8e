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
    composite: FloatArray,
    grade_idx: IntArray,
    quota_idx: int,
    seats: int,
    *,
    tally: QuotaTally | None = None,
) -> tuple[IntArray, BoolArray]:
    """Keep at most ``seats`` units in grade ``quota_idx``, highest composites first.

    Units tied at the cut all drop; those who drop take the next grade.
    Returns the new grade indices and a mask of the units that dropped.
    ``tally``, the grade's members counted per score (``QuotaTally``), finds the
    cut faster than searching the composites for it.

    Examples
    --------
    >>> apply_quota(np.array([95.0, 93, 93, 85]), np.array([0, 0, 0, 1]), 0, 2)
    (array([0, 1, 1, 1]), array([False,  True,  True, False]))
    """
    members = grade_idx == quota_idx
    if (np.count_nonzero(members) if tally is None else tally.members) <= seats:
        return grade_idx.astype(np.int64), np.zeros(len(grade_idx), dtype=bool)
    # The first unit past the seats sets the cut: everyone at or below it drops, which
    # also drops anyone tied with it inside the seats.
    if tally is not None:
        cut = tally.cut(seats)
    else:
        candidates = composite[members]
        past = len(candidates) - seats - 1  # the (seats + 1)-th highest, from below
        candidates.partition(past)  # a fresh array: partitioned in place
        cut = float(candidates[past])
    dropped = members & (composite <= cut)
    return (grade_idx + dropped).astype(np.int64, copy=False), dropped


@dataclass(frozen=True)
class QuotaTally:
    """The quota grade's members counted per score, so that the cut is counted off
    rather than searched for, and an update adjusts the counts of the changed units
    instead of counting every unit again.

    Scores are rounded composites, whole numbers of ticks (10^-decimals): ``counts[k]``
    is how many members score ``top - k`` ticks. The counts leave room around the
    scores seen, so that changed scores usually fall inside them.
    """

    counts: IntArray
    top: int
    scale: float
    members: int

    @classmethod
    def build(cls, composite: FloatArray, members: BoolArray, decimals: int) -> QuotaTally | None:
        """The tally of ``composite`` (rounded to ``decimals``) where ``members``; None
        when there are none, or their scores span too many ticks to count cheaply."""
        scale = 10.0**decimals
        ticks = np.rint(composite[members] * scale)
        if not len(ticks):
            return None
        low, high = float(ticks.min()), float(ticks.max())
        room = max(high - low, 10.0 * scale)
        if high - low + 2 * room > 4 * len(composite) + 4096:
            return None
        top = high + room
        counts = np.bincount((top - ticks).astype(np.intp), minlength=int(top - low + room) + 1)
        return cls(counts, int(top), scale, len(ticks))

    def update(
        self,
        old_composite: FloatArray,
        old_members: BoolArray,
        new_composite: FloatArray,
        new_members: BoolArray,
    ) -> QuotaTally | None:
        """The tally after some units' composites and membership change from old to
        new; None when a new member's score falls outside the counts (tally afresh)."""
        new = self.top - np.rint(new_composite[new_members] * self.scale)
        size = len(self.counts)
        if len(new) and not (new.min() >= 0 and new.max() < size):  # NaN fails both
            return None
        old = self.top - np.rint(old_composite[old_members] * self.scale)
        counts = self.counts + np.bincount(new.astype(np.intp), minlength=size)
        counts -= np.bincount(old.astype(np.intp), minlength=size)
        return QuotaTally(counts, self.top, self.scale, self.members + len(new) - len(old))

    def cut(self, seats: int) -> float:
        """The (seats + 1)-th highest score of more than ``seats`` members: the tick at
        which the members counted from the top first pass the seats, as the float that
        rounding gives for it (ticks ÷ 10^decimals)."""
        at_or_above = np.cumsum(self.counts)
        return (self.top - int(at_or_above.searchsorted(seats + 1))) / self.scale


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
        """Competition ranks of every unit, read off the sorted keys.

        Along the sorted keys a rank steps only where a run of equal scores starts: by
        the previous run's length, or back to 1 where a group starts. So the ranks are
        a running sum of those steps, placed at the runs' starts (a running sum is
        several times cheaper in NumPy than the running maximum of the starts).
        """
        keys = self.sorted_keys
        n = len(keys)
        value = keys >> self.index_bits  # all but the index: equal when tied
        new_run = np.empty(n, bool)
        new_run[:1] = True
        np.not_equal(value[1:], value[:-1], out=new_run[1:])
        starts = np.flatnonzero(new_run)
        step = np.zeros(n, np.int64)
        step[0] = 1
        step[starts[1:]] = np.diff(starts)
        # Every group's first key starts a run (the group is in its bits). There the
        # rank falls back to 1 from the previous run's, which is that run's start less
        # its group's start, plus one.
        group_starts = keys.searchsorted(self.group_floors)
        later = group_starts[1:][group_starts[1:] < n]
        if len(later):
            previous_run = starts[starts.searchsorted(later) - 1]
            earlier = group_starts[group_starts.searchsorted(later) - 1]
            step[later] = earlier - previous_run
        np.cumsum(step, out=step)
        ranks = np.empty(n, np.int64)
        ranks[keys & ((1 << self.index_bits) - 1)] = step
        return ranks

    def update(
        self,
        rows: npt.NDArray[np.intp],
        scores: FloatArray,
        vetoed: BoolArray,
        ranks: IntArray | None = None,
    ) -> tuple[RankKeys, IntArray | None] | None:
        """The keys after units ``rows`` take new ``scores`` and veto flags, and, given
        the ``ranks`` these keys had, the new ranks (written into ``ranks``); None when a
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
        keys = RankKeys(merged, unit_keys, *self._packing)
        return keys, None if ranks is None else keys._reranked(rows, old, new, ranks)

    def _reranked(
        self, rows: npt.NDArray[np.intp], old: IntArray, new: IntArray, ranks: IntArray
    ) -> IntArray:
        """``ranks`` (as they were before units ``rows`` changed their keys from ``old``
        to ``new``) brought up to date in place, without ranking every unit again.

        An unchanged unit's rank counts the units of its group that score higher: it
        gains one for every changed unit now above it and loses one for every one that
        was.
        Along the sorted keys, "above it" holds from the first key past the changed
        key's score to its group's end, so the gains and losses are steps at those
        places (the group's end cancels: a unit keeps its group), and their running
        sum is each sorted unit's change of rank.
        """
        keys, n, index = self.sorted_keys, len(self.sorted_keys), (1 << self.index_bits) - 1
        # Keys whose score is tied with a key k run from k with its index cleared to k
        # with its index bits all set: the first key past them is the first above that.
        change = np.bincount(keys.searchsorted(new | index, side="right"), minlength=n + 1)
        change -= np.bincount(keys.searchsorted(old | index, side="right"), minlength=n + 1)
        change = np.cumsum(change[:n], out=change[:n])
        np.add.at(ranks, keys & index, change)  # cheaper than a gather, add and scatter
        # The changed units themselves: one plus the keys of their group scoring higher,
        # the keys from their group's floor to their own score's first.
        group = new >> (self.tick_bits + self.index_bits + 1)
        ranks[rows] = keys.searchsorted(new & ~index) - keys.searchsorted(self.group_floors[group])
        ranks[rows] += 1
        return ranks

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
