"""Progress lights (红黄蓝绿灯) for monitoring, vectorised over units × indicators.

The progress ratio compares the actual value with the share of the annual
target that should be reached by now::

    ratio = actual ÷ (annual target × elapsed share) × 100

Defaults: red below 60, yellow 60–80, blue 80–95, green from 95 (a scale is
configurable, including three lights), and a "far ahead" flag from 130, the
point past which PRODUCT.md asks for an explanation. A quantitative actual of
zero is red whatever the thresholds.

Lower-is-better indicators (incidents, complaints, spending against a cap)
mirror the lower_better scoring rule: ratio = (2 − actual ÷ expected) × 100,
floored at 0. Being exactly on plan gives 100, zero gives 200 (green, far
ahead), 1.4 × the plan gives 60. Zero is not red for them: it is the best
outcome. For a rate or level indicator (not cumulative) pass an elapsed share
of 1, so the ratio is against the target itself.

The ratio is rounded half-up to 2 decimals and the light read from that
rounded value, so a ratio shown as 60.00 is never red.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from govperf.engine.errors import ErrorList
from govperf.engine.rounding import round_half_up

FloatArray = npt.NDArray[np.float64]
RATIO_DECIMALS = 2
SMALL = 4096  # below this many values, the fewest NumPy calls win; above, the fewest passes


@dataclass(frozen=True)
class LightScale:
    """Light names from worst to best and the ratios (percent) where each next one starts."""

    bounds: tuple[float, ...] = (60.0, 80.0, 95.0)
    names: tuple[str, ...] = ("red", "yellow", "blue", "green")
    far_ahead: float = 130.0

    def __post_init__(self) -> None:
        if len(self.names) != len(self.bounds) + 1:
            raise ValueError("a light scale needs one more name than bounds")
        if any(b >= c for b, c in pairwise(self.bounds)):
            raise ValueError("light bounds must increase")


FOUR_LIGHTS = LightScale()
THREE_LIGHTS = LightScale((60.0, 95.0), ("red", "yellow", "green"))


@dataclass(frozen=True)
class Lights:
    """``ratio`` (percent, 2 decimals), ``light`` (index into ``scale.names``), ``far_ahead``."""

    ratio: FloatArray
    light: npt.NDArray[np.int64]
    far_ahead: npt.NDArray[np.bool_]
    scale: LightScale

    def names(self) -> npt.NDArray[np.str_]:
        return np.asarray(self.scale.names)[self.light]


@dataclass(frozen=True, eq=False)
class LightPlan:
    """What the actuals are compared with, checked once: the expected value by now
    (annual target × elapsed share) and which indicators are lower-is-better.

    Monitoring holds one per cycle and month and lights a whole province with it,
    then only the units whose data changed.
    """

    expected: FloatArray
    lower: npt.NDArray[np.bool_]
    scale: LightScale = FOUR_LIGHTS

    @classmethod
    def of(
        cls,
        annual_target: npt.ArrayLike,
        elapsed_share: npt.ArrayLike,
        *,
        lower_better: npt.ArrayLike = False,
        scale: LightScale = FOUR_LIGHTS,
    ) -> LightPlan:
        """Raises ``EngineInputError`` for a target ≤ 0 or an elapsed share outside (0, 1]."""
        target = np.asarray(annual_target, dtype=np.float64)
        share = np.asarray(elapsed_share, dtype=np.float64)
        _check_progress(None, target, share)
        return cls(target * share, np.asarray(lower_better, dtype=bool), scale)

    def lights(self, actual: npt.ArrayLike) -> Lights:
        """Lights for every actual, broadcast against the plan.

        Raises ``EngineInputError`` for an actual that is not finite: a missing value
        has no light.
        """
        a = np.asarray(actual, dtype=np.float64)
        if not np.isfinite(a).all():
            _check_progress(a, None, None)
        lower, scale = self.lower, self.scale
        shape = np.broadcast(a, self.expected, lower).shape
        # In place: fresh arrays of a province's size cost more in page faults than the
        # arithmetic done on them. Finite actuals over positive expectations: no NaN.
        ratio = np.multiply(a, 100.0, out=np.empty(shape))
        ratio /= self.expected
        if lower.ndim == 1 and ratio.ndim == 2 and lower.shape[0] == ratio.shape[1]:
            # One flag per indicator (the usual call): mirror those columns only. (A
            # masked ufunc, where=, is several times slower than gathering them.)
            cols = self._lower_columns
            if len(cols):
                ratio[:, cols] = np.maximum(200.0 - ratio[:, cols], 0.0)
        elif lower.any():
            # (2 − a ÷ e) × 100 = 200 − a × 100 ÷ e: the same ratio, mirrored, floored at 0.
            np.copyto(ratio, np.maximum(200.0 - ratio, 0.0), where=lower)
        round_half_up(ratio, RATIO_DECIMALS, out=ratio)
        # The number of bounds each ratio reaches. Over a province, a handful of
        # comparisons counted in int8 beat a binary search several times; over a few
        # units' rows, one call beats eight.
        if ratio.size <= SMALL:
            light = np.asarray(np.searchsorted(scale.bounds, ratio, side="right"))
        else:
            counted = np.zeros(shape, dtype=np.int8)
            for bound in scale.bounds:
                np.add(counted, ratio >= bound, out=counted, casting="unsafe")
            light = counted.astype(np.int64)
        if scale.bounds[0] <= 0:
            # A quantitative zero is red. Its ratio is 0, red already on any scale whose
            # first bound is above 0; only a more lenient scale needs telling.
            zero = a == 0
            if zero.any():
                np.copyto(light, 0, where=zero & ~lower)
        return Lights(ratio, light, ratio >= scale.far_ahead, scale)

    @cached_property
    def _lower_columns(self) -> npt.NDArray[np.intp]:
        return np.flatnonzero(self.lower)


def progress_lights(
    actual: npt.ArrayLike,
    annual_target: npt.ArrayLike,
    elapsed_share: npt.ArrayLike,
    *,
    lower_better: npt.ArrayLike = False,
    scale: LightScale = FOUR_LIGHTS,
) -> Lights:
    """Lights for every actual value; the other arguments broadcast against it.

    Raises
    ------
    EngineInputError
        An actual that is not finite (a missing value has no light), a target
        ≤ 0, or an elapsed share outside (0, 1].

    Examples
    --------
    >>> lower = [False, False, False, True]
    >>> lights = progress_lights([30, 45, 0, 70], 100, 0.5, lower_better=lower)
    >>> lights.ratio.tolist(), lights.names().tolist(), lights.far_ahead.tolist()
    ([60.0, 90.0, 0.0, 60.0], ['yellow', 'blue', 'red', 'yellow'], [False, False, False, False])
    """
    plan = LightPlan.of(annual_target, elapsed_share, lower_better=lower_better, scale=scale)
    return plan.lights(actual)


def _check_progress(
    actual: FloatArray | None, target: FloatArray | None, share: FloatArray | None
) -> None:
    """Raise, naming every bad element, if any given array holds one."""
    errors = ErrorList()
    checks = (
        ("actual", actual, lambda x: ~np.isfinite(x), "实际值须为有限数值",
         "the actual value must be finite"),
        ("annual_target", target, lambda x: ~(np.isfinite(x) & (x > 0)), "年度目标须大于0",
         "the annual target must be > 0"),
        ("elapsed_share", share, lambda x: ~((x > 0) & (x <= 1)), "时间进度须在 (0, 1] 内",
         "the elapsed share must lie in (0, 1]"),
    )  # fmt: skip
    for name, values, bad_of, zh, en in checks:
        if values is None:
            continue
        for idx in np.argwhere(np.atleast_1d(bad_of(values))):
            errors.add(f"{name}[{', '.join(map(str, idx.tolist()))}]", zh, en)
    errors.raise_if_any()
