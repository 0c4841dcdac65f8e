"""Half-up rounding, in one place for the whole system.

Scores are rounded half-up on their *decimal* value, as a person checking by
hand would: 89.995 → 90.00 although float64 holds 89.995 as 89.99499999….
Float noise is removed first by rounding the scaled value to 6 decimals, which
is far below any precision a scheme states and far above float64's error for
the magnitudes scores and indicator values take.
"""

from __future__ import annotations

import math
from typing import overload

import numpy as np
import numpy.typing as npt

_NOISE_DECIMALS = 6
_NOISE_SCALE = 10.0**_NOISE_DECIMALS


@overload
def round_half_up(x: float, ndigits: int = 2) -> float: ...
@overload
def round_half_up(
    x: npt.NDArray[np.float64], ndigits: int = 2, *, out: npt.NDArray[np.float64] | None = None
) -> npt.NDArray[np.float64]: ...


def round_half_up(x, ndigits: int = 2, *, out=None):
    """Round half away from zero to ``ndigits`` decimals.

    Works on a float or an array (NaN stays NaN). ``out``, a float64 array of the
    same shape (``x`` itself allowed), receives the result of an array: rounding a
    province's values in place spares allocating arrays as large as it.

    Examples
    --------
    >>> round_half_up(89.995, 2)
    90.0
    >>> round_half_up(2.345, 2)
    2.35
    >>> round_half_up(-2.5, 0)
    -3.0
    """
    scale = 10.0**ndigits
    if out is None and isinstance(x, (float, int)) and not isinstance(x, bool):
        return _round_scalar(float(x), scale)
    arr = np.asarray(x, dtype=np.float64)
    # out= keeps 0-d inputs arrays too (a ufunc returns a scalar for them otherwise).
    work = np.empty_like(arr) if out is None else out
    # np.round(arr * scale, 6) step by step, in place: the same float operations
    # (multiply, rint, divide).
    np.multiply(arr, scale, out=work)
    work *= _NOISE_SCALE
    np.rint(work, out=work)
    work /= _NOISE_SCALE
    # sign × floor(|scaled| + 0.5): copying the sign back gives the same float as
    # multiplying by it (and is several times faster than a masked negation).
    magnitude = np.abs(work, out=np.empty_like(work))
    magnitude += 0.5
    np.floor(magnitude, out=magnitude)
    np.copysign(magnitude, work, out=work)
    work /= scale
    # -0.0 reads badly in JSON and reports.
    work += 0.0
    if out is None and work.ndim == 0:
        return float(work)
    return work


def _round_scalar(x: float, scale: float) -> float:
    """The same steps as the array path, on one float, without NumPy's per-call cost.

    Explaining a result rounds thousands of single numbers; every step here is the
    float operation NumPy performs (``round()`` of a float is round-half-even, as
    ``np.rint``), so both paths give identical results (tests/engine/test_rounding.py).
    """
    if not math.isfinite(x):
        return x
    scaled = round(x * scale * _NOISE_SCALE) / _NOISE_SCALE
    magnitude = math.floor(abs(scaled) + 0.5)
    if scaled > 0:
        return magnitude / scale + 0.0
    if scaled < 0:
        return -magnitude / scale + 0.0
    return 0.0
