"""Half-up rounding: hand examples, and the scalar fast path equal to the array path."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from govperf.engine.rounding import round_half_up


def test_hand_examples():
    assert round_half_up(89.995, 2) == 90.0  # float64 holds 89.99499…; the decimal value rounds up
    assert round_half_up(2.345, 2) == 2.35
    assert round_half_up(-2.5, 0) == -3.0
    assert round_half_up(0.285, 2) == 0.29
    assert round_half_up(1234567.125, 2) == 1234567.13
    assert round_half_up(-0.001, 2) == 0.0 and math.copysign(1, round_half_up(-0.001, 2)) == 1
    assert math.isnan(round_half_up(float("nan"), 2))


def test_arrays_keep_nan():
    out = round_half_up(np.array([1.005, np.nan, 2.675]), 2)
    assert out[0] == 1.01 and np.isnan(out[1]) and out[2] == 2.68


@settings(max_examples=3000)
@given(
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)
    | st.integers(-(10**6), 10**6).map(lambda i: i / 1000),
    st.integers(0, 4),
)
def test_scalar_path_equals_array_path(x, ndigits):
    scalar = round_half_up(x, ndigits)
    array = round_half_up(np.array([x]), ndigits)[0]
    assert scalar == array
    assert isinstance(scalar, float)


def test_out_rounds_an_array_in_place():
    x = np.array([89.995, -2.5, 1.005, -0.0001, np.nan])
    got = round_half_up(x, 2, out=x)
    assert got is x
    assert x[:4].tolist() == [90.0, -2.5, 1.01, 0.0] and np.isnan(x[4])
    assert not np.signbit(x[3])
