"""Stage 1's day-long filters with less fresh memory, and a rep's rise from the
vertical alone (issue 13, tenth pass): each against the computation it
replaced, to the bit, and the filter's memory against its old peak.
"""
import tracemalloc

import numpy as np
from scipy.signal import sosfiltfilt

from analysis.confidence import DisplacementMemo, displacement, vertical_displacement
from analysis.orientation import EarthAcceleration
from analysis.preprocess import butter_filtfilt, butter_sos
from analysis.signals import gap_lowpass, gap_lowpass_columns


def test_butter_filtfilt_of_three_columns_holds_four_columns_at_most():
    # The forward pass row by row through one row's buffer: the result's
    # (3, n) buffer and one row, where a (3, n) forward buffer and the
    # (3, n) result made six columns' worth.
    butter_filtfilt(np.ones((100, 3)), 2, 2.0, 50.0)
    x = np.random.default_rng(2).normal(size=(100_000, 3))
    tracemalloc.start()
    try:
        y = butter_filtfilt(x, 2, 0.5, 50.0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4.4 * x.nbytes / 3
    expected = sosfiltfilt(butter_sos(2, 0.5, 50.0), x, axis=0)
    assert np.array_equal(y, expected) and y.strides == expected.strides


def test_gap_lowpass_columns_give_gap_lowpass_and_its_tilt_to_the_bit():
    rng = np.random.default_rng(3)
    for trial in range(120):
        n = int(rng.integers(5, 40)) if trial % 4 == 0 else int(rng.integers(40, 4000))
        acc = rng.normal(size=(n, 3)) + [0.0, 0.0, 9.81]
        valid = rng.random(n) >= rng.choice([0.0, 0.02, 0.3, 0.9, 1.0])
        if n > 100:
            a = int(rng.integers(0, n - 50))
            valid[a:a + int(rng.integers(1, 150))] = False  # a gap longer than the filter's reach
        for cutoff_hz in (2.0, 30.0):  # 30 Hz: at or above Nyquist, unfiltered
            stacked = gap_lowpass(acc[:, [0, 2]], valid, cutoff_hz, 50.0)
            fwd, up = gap_lowpass_columns([acc[:, 0], acc[:, 2]], valid, cutoff_hz, 50.0)
            assert np.array_equal(stacked[:, 0], fwd) and np.array_equal(stacked[:, 1], up)
            # numpy's arctan2 takes a SIMD loop on contiguous arrays only: the
            # columns must be laid out as the stacked result's, for the tilt's bits.
            assert stacked[:, 0].strides == fwd.strides and stacked[:, 1].strides == up.strides
            tilt = np.degrees(np.arctan2(stacked[:, 0], stacked[:, 1]))
            assert tilt.tobytes() == np.degrees(np.arctan2(fwd, up)).tobytes()


def test_gap_lowpass_columns_bridges_the_middle_of_a_long_gap_with_a_line():
    # 10 s of a level signal, 2 s lost in the middle: the filter's weight
    # there is on no valid sample, so the result is a straight line between
    # the good points on either side, here the level itself.
    x = np.full(500, 3.0)
    valid = np.ones(500, dtype=bool)
    valid[200:300] = False
    (out,) = gap_lowpass_columns([x], valid, 2.0, 50.0)
    np.testing.assert_allclose(out, 3.0, atol=1e-9)


def _earth_acc(n: int, seed: int) -> EarthAcceleration:
    rng = np.random.default_rng(seed)
    quat = rng.normal(size=(n, 4)) + [4.0, 0.0, 0.0, 0.0]
    quat /= np.linalg.norm(quat, axis=1, keepdims=True)
    acc = rng.normal(scale=0.3, size=(n, 3)) + [0.0, 0.0, 9.81]
    return EarthAcceleration(quat.astype(np.float32), acc)


def test_vertical_displacement_is_displacements_third_value_to_the_bit():
    ea = _earth_acc(20_000, 4)
    rng = np.random.default_rng(5)
    memo = DisplacementMemo(ea)
    for _ in range(300):
        a = int(rng.integers(0, 19_000))
        b = a + int(rng.integers(0, 1000))
        expected = displacement(ea, a, b, 50.0)[2]
        assert vertical_displacement(ea, a, b, 50.0) == expected
        assert vertical_displacement(memo, a, b, 50.0) == expected
        assert vertical_displacement(memo, a, b, 50.0) == expected  # from the memo
    # A plain array (no vertical row of its own) goes through displacement.
    rows = np.asarray(ea[100:900])
    assert vertical_displacement(rows, 10, 700, 50.0) == displacement(rows, 10, 700, 50.0)[2]


def test_vertical_displacement_of_a_lift_by_hand():
    # Still, then up 5 cm in 1 s on a smooth bump of acceleration, then still:
    # a = 2h/T^2 * 6 (1 - 2 s) ... integrated twice to h (minimum-jerk-like
    # cubic path h (3 s^2 - 2 s^3)); the drift removal leaves it alone, both
    # ends being still.
    fs, h = 100.0, 0.05
    s = np.linspace(0.0, 1.0, 101)
    az = np.r_[np.zeros(50), h * (6 - 12 * s), np.zeros(50)]
    earth = np.zeros((len(az), 3))
    earth[:, 2] = az
    quat = np.tile(np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32), (len(az), 1))
    ea = EarthAcceleration(quat, earth + [0.0, 0.0, 9.80665])
    rise = vertical_displacement(ea, 0, len(az), fs)
    assert abs(rise - h) < 0.003
    assert rise == displacement(ea, 0, len(az), fs)[2]
