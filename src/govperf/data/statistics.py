"""The statistics of the data-quality screen, on plain arrays (no Django).

* :func:`modified_z` — robust outliers by median and MAD (Iglewicz & Hoaglin 1993).
* :func:`benford_first_digit` — the first-digit test: chi-square (SciPy) and MAD
  conformity (Nigrini 2012).
* :func:`smoothness` — growth too regular to be measured: real monthly flows are noisy.
* :func:`quality_score` — the data-quality score of a unit.

References
----------
B. Iglewicz and D. C. Hoaglin, *How to Detect and Handle Outliers*, ASQC 1993.
M. J. Nigrini, *Benford's Law: Applications for Forensic Accounting, Auditing, and
Fraud Detection*, Wiley 2012 (first-digit MAD thresholds, table 7.1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

FloatArray = npt.NDArray[np.float64]

# Iglewicz & Hoaglin: |M| > 3.5 is a potential outlier; 0.6745 makes MAD comparable
# to a standard deviation under normality.
OUTLIER_THRESHOLD = 3.5
_MAD_SCALE = 0.6745
# The smallest spreads that matter (*ours*): 2% for changes in log scale, and for values
# 1% of their median size or half a unit, whichever is larger.
MIN_LOG_SCALE = 0.02
MIN_RELATIVE_SCALE = 0.01
MIN_UNIT_SCALE = 0.5
# When half the values are equal the MAD is 0; the mean absolute deviation,
# scaled by 1.253314 (√(π/2)), stands in for it (IBM SPSS's convention).
_MEAN_AD_SCALE = 1.253314

BENFORD = np.log10(1.0 + 1.0 / np.arange(1, 10))
BENFORD_MIN_N = 100
BENFORD_ALPHA = 0.01
# Nigrini's first-digit MAD bounds: close, acceptable, marginally acceptable conformity.
BENFORD_MAD_BOUNDS = ((0.006, "close"), (0.012, "acceptable"), (0.015, "marginal"))

# A flow whose month-on-month changes vary by less than this (standard deviation of
# log changes) over at least SMOOTH_MIN_N values is too smooth to be measured (*ours*).
SMOOTH_MAX_SD = 0.01
SMOOTH_MIN_N = 12

# Weights of the data-quality score (*ours*), see quality_score.
SCORE_WEIGHTS = {
    "completeness": 0.30,
    "timeliness": 0.20,
    "rules": 0.20,
    "outliers": 0.15,
    "contradictions": 0.15,
}
PATTERN_PENALTY = 10.0


def modified_z(values: npt.ArrayLike, *, min_scale: float = 0.0) -> FloatArray:
    """Modified z-scores ``0.6745 (x − median) / MAD``; NaN stays NaN.

    Zero where every value is the same. Uses the scaled mean absolute deviation
    when the MAD is 0 but the values are not all equal. ``min_scale`` floors the
    spread: data that hardly vary (whole counts that repeat) would otherwise make a
    difference of one an outlier, so a caller states the smallest spread that matters.

    Examples
    --------
    >>> modified_z([10.0, 11.0, 9.0, 10.0, 50.0]).round(2).tolist()
    [0.0, 0.67, -0.67, 0.0, 26.98]
    """
    x = np.asarray(values, dtype=np.float64)
    present = x[~np.isnan(x)]
    out = np.full(x.shape, np.nan)
    if present.size == 0:
        return out
    median = np.median(present)
    mad = np.median(np.abs(present - median))
    with np.errstate(invalid="ignore", divide="ignore"):
        if mad > 0 or min_scale > 0:
            out = _MAD_SCALE * (x - median) / max(mad, min_scale)
        else:
            mean_ad = np.mean(np.abs(present - median))
            if mean_ad == 0:
                return np.where(np.isnan(x), np.nan, 0.0)
            out = (x - median) / (_MEAN_AD_SCALE * mean_ad)
    return out


def first_digits(values: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """The first significant digit (1–9) of each non-zero finite value.

    >>> first_digits([123.0, 0.045, -9.9, 0.0, 1000.0]).tolist()
    [1, 4, 9, 1]
    """
    x = np.abs(np.asarray(values, dtype=np.float64))
    x = x[np.isfinite(x) & (x > 0)]
    exponent = np.floor(np.log10(x))
    # Guard float error at exact powers of ten (log10(1000) may be 2.9999…).
    mantissa = x / 10.0**exponent
    exponent = np.where(
        mantissa >= 10, exponent + 1, np.where(mantissa < 1, exponent - 1, exponent)
    )
    digits = np.floor(x / 10.0**exponent + 1e-9).astype(np.int64)
    return np.clip(digits, 1, 9)


@dataclass(frozen=True)
class BenfordResult:
    n: int
    observed: list[int]  # counts of first digits 1–9
    chi2: float | None
    p_value: float | None
    mad: float | None
    conformity: str  # close, acceptable, marginal, nonconformity, or not_applicable

    @property
    def applicable(self) -> bool:
        return self.conformity != "not_applicable"

    def flagged(self, alpha: float = BENFORD_ALPHA) -> bool:
        """Does the set depart from Benford's law beyond chance?"""
        return self.p_value is not None and self.p_value < alpha


def benford_first_digit(values: npt.ArrayLike, *, min_n: int = BENFORD_MIN_N) -> BenfordResult:
    """Compare the first digits of ``values`` with Benford's law.

    Below ``min_n`` non-zero values the test is not applicable: chance alone
    moves small sets far from the law.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> benford_first_digit(10 ** rng.uniform(0, 4, 2000)).p_value > 0.01
    True
    >>> benford_first_digit(rng.uniform(100, 999, 500)).conformity
    'nonconformity'
    """
    digits = first_digits(values)
    n = int(digits.size)
    observed = np.bincount(digits, minlength=10)[1:]
    if n < min_n:
        return BenfordResult(n, observed.tolist(), None, None, None, "not_applicable")
    expected = BENFORD * n
    chi2, p_value = stats.chisquare(observed, expected)
    mad = float(np.mean(np.abs(observed / n - BENFORD)))
    conformity = next((name for bound, name in BENFORD_MAD_BOUNDS if mad <= bound), "nonconformity")
    return BenfordResult(n, observed.tolist(), float(chi2), float(p_value), mad, conformity)


def smoothness(values: npt.ArrayLike) -> float | None:
    """Standard deviation of the log changes between consecutive values.

    None when the series is too short or not strictly positive. A measured
    monthly flow moves by several per cent from month to month; a made-up
    series that "grows 2% a month" moves by almost exactly the same amount.

    >>> round(smoothness([100 * 1.02**t for t in range(12)]), 6)
    0.0
    """
    x = np.asarray(values, dtype=np.float64)
    x = x[~np.isnan(x)]
    if x.size < SMOOTH_MIN_N or np.any(x <= 0):
        return None
    return float(np.std(np.diff(np.log(x))))


def quality_score(
    *,
    completeness: float | None,
    timeliness: float | None,
    rule_share: float,
    outlier_share: float,
    contradiction_share: float,
    pattern_flags: int,
) -> float:
    """The data-quality score of a unit, 0–100 (*ours*).

    ``100 × (0.30 C + 0.20 T + 0.20 (1 − V) + 0.15 (1 − O) + 0.15 (1 − K)) − 10 × P``,
    where C is completeness (present ÷ expected values), T timeliness (values
    submitted by their due date ÷ expected values), V, O and K the shares of present
    values that break a rule, are outliers or contradict another source, and P the
    number of suspicious patterns (a Benford departure, an implausibly smooth
    series), at most 2. A missing C or T (nothing expected) counts as 1. Floored at 0.

    >>> quality_score(completeness=1, timeliness=1, rule_share=0, outlier_share=0,
    ...               contradiction_share=0, pattern_flags=0)
    100.0
    >>> quality_score(completeness=0.5, timeliness=0.5, rule_share=0.1, outlier_share=0,
    ...               contradiction_share=0, pattern_flags=1)
    63.0
    """
    w = SCORE_WEIGHTS
    c = 1.0 if completeness is None else completeness
    t = 1.0 if timeliness is None else timeliness
    raw = 100.0 * (
        w["completeness"] * c
        + w["timeliness"] * t
        + w["rules"] * (1 - rule_share)
        + w["outliers"] * (1 - outlier_share)
        + w["contradictions"] * (1 - contradiction_share)
    )
    return max(0.0, round(raw - PATTERN_PENALTY * min(pattern_flags, 2), 2))
