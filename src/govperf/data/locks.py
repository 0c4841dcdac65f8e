"""Which values a period lock covers, and what a writer must therefore refuse.

A lock (``PeriodLock``) covers every value whose period lies inside the locked
period, for every unit or for one unit and its subtree. The one exception is an
approved correction request being applied: ``data.services.decide_correction``
writes it through ``data.writer.write_batch`` inside :func:`applying_corrections`,
and the writer lets exactly those keys (:func:`correction_keys`) through.

The writer checks a batch against :func:`active_locks` in SQL; :func:`locked_mask`
answers the same for a batch in memory (a boolean per row).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import numpy as np
import numpy.typing as npt

from govperf.data.batch import ValueBatch
from govperf.data.models import DataValue, PeriodLock
from govperf.engine.periods import Period

# (indicator id, unit id, period, category, attribute) of corrections being applied.
Key = tuple[int, int, str, str, str]
_applying: contextvars.ContextVar[frozenset[Key]] = contextvars.ContextVar(
    "data_corrections_applying", default=frozenset()
)


@contextmanager
def applying_corrections(keys: Iterable[Key]) -> Iterator[None]:
    """Let the writer change these locked values (an approved correction) while inside."""
    token = _applying.set(frozenset(keys))
    try:
        yield
    finally:
        _applying.reset(token)


def correction_keys() -> frozenset[Key]:
    return _applying.get()


def active_locks() -> list[PeriodLock]:
    return list(PeriodLock.objects.filter(unlocked_at__isnull=True).select_related("unit"))


def _span(code: str) -> tuple | None:
    try:
        period = Period.parse(code)
    except ValueError:
        return None
    return period.start, period.end


def lock_covers(lock: PeriodLock, unit_path: str, period_code: str) -> bool:
    span = _span(period_code)
    if span is None:
        return False
    inside = lock.period_start <= span[0] and span[1] <= lock.period_end
    return inside and (lock.unit_id is None or unit_path.startswith(lock.unit.path))


def covering_lock(unit, period_code: str) -> PeriodLock | None:
    """The active lock that covers ``unit`` in ``period_code``, if any."""
    for lock in active_locks():
        if lock_covers(lock, unit.path, period_code):
            return lock
    return None


def locked_mask(batch: ValueBatch) -> npt.NDArray[np.bool_]:
    """True for each row of ``batch`` that a period lock covers (and no correction frees)."""
    from govperf.orgs.models import Unit

    n = len(batch)
    mask = np.zeros(n, dtype=bool)
    locks = active_locks()
    if not n or not locks:
        return mask
    periods = sorted(set(batch.periods))
    period_index = {code: i for i, code in enumerate(periods)}
    per = np.fromiter((period_index[p] for p in batch.periods), dtype=np.int64, count=n)
    units = np.asarray(batch.unit_ids, dtype=np.int64)
    unit_values, unit_idx = np.unique(units, return_inverse=True)
    paths = dict(Unit.objects.filter(pk__in=unit_values.tolist()).values_list("pk", "path"))
    spans = [_span(code) for code in periods]
    for lock in locks:
        per_ok = np.array(
            [s is not None and lock.period_start <= s[0] and s[1] <= lock.period_end for s in spans]
        )
        if not per_ok.any():
            continue
        if lock.unit_id is None:
            unit_ok = np.ones(len(unit_values), dtype=bool)
        else:
            prefix = lock.unit.path
            unit_ok = np.array([paths.get(u, "").startswith(prefix) for u in unit_values.tolist()])
        mask |= per_ok[per] & unit_ok[unit_idx]
    freed = _applying.get()
    if freed and mask.any():
        for pos in np.flatnonzero(mask).tolist():
            key = (
                int(batch.indicator_ids[pos]),
                int(batch.unit_ids[pos]),
                batch.periods[pos],
                batch.categories[pos],
                batch.attributes[pos],
            )
            if key in freed:
                mask[pos] = False
    return mask


def covered_values(lock: PeriodLock):
    """The values a lock covers, as a queryset."""
    qs = DataValue.objects.all()
    if lock.unit_id is not None:
        qs = qs.filter(unit__path__startswith=lock.unit.path)
    return values_inside(qs, lock.period_start, lock.period_end)


def values_inside(qs, start, end):
    """The values of ``qs`` whose period lies inside ``start`` … ``end`` (a year: its months,
    quarters … too); the few distinct period codes are parsed, not every row."""
    qs = qs.filter(period_start__gte=start, period_start__lte=end)
    codes = [
        code
        for code in qs.values_list("period", flat=True).distinct()
        if (span := _span(code)) is not None and span[1] <= end
    ]
    return qs.filter(period__in=codes)
