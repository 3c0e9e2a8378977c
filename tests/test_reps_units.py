"""The building blocks of ``analysis/reps.py`` on hand-built inputs.

Expected values come from the documented rules and hand calculation (the
Butterworth response, counted samples, medians of constructed levels), not
from the code under test. Fast: no simulator, a few short arrays.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.reps import _run_length, lowpass, set_levels

FS = 50.0


# ---- lowpass: zero-phase 2nd-order Butterworth, run forward and back --------

def _gain(f_hz: float, cutoff_hz: float, fs: float = FS, order: int = 2) -> float:
    """Amplitude gain of a digital Butterworth (bilinear, pre-warped) run
    forward and back: |H|^2 = 1 / (1 + (tan(pi f/fs) / tan(pi fc/fs))^(2 order))."""
    r = np.tan(np.pi * f_hz / fs) / np.tan(np.pi * cutoff_hz / fs)
    return 1.0 / (1.0 + r ** (2 * order))


@pytest.mark.parametrize("f_hz, cutoff_hz", [(1.0, 3.5), (3.5, 3.5), (7.0, 3.5), (24.0, 20.0)])
def test_lowpass_scales_a_sine_by_the_butterworth_gain_without_delay(f_hz, cutoff_hz):
    t = np.arange(2000) / FS
    x = np.sin(2 * np.pi * f_hz * t)
    y = lowpass(x, cutoff_hz, FS)
    mid = slice(500, 1500)   # away from the edges
    # Zero phase: the output is the input scaled, sample by sample.
    np.testing.assert_allclose(y[mid], _gain(f_hz, cutoff_hz) * x[mid], atol=0.003)


def test_lowpass_filters_each_column_of_a_2d_signal_along_time():
    t = np.arange(1000) / FS
    x = np.column_stack([np.sin(2 * np.pi * 1.0 * t), np.sin(2 * np.pi * 7.0 * t)])
    y = lowpass(x, 3.5, FS)
    assert y.shape == x.shape
    np.testing.assert_allclose(y[300:700, 0], _gain(1.0, 3.5) * x[300:700, 0], atol=0.003)
    np.testing.assert_allclose(y[300:700, 1], _gain(7.0, 3.5) * x[300:700, 1], atol=0.003)


@pytest.mark.parametrize("cutoff_hz", [25.0, 30.0])
def test_a_cutoff_at_or_above_nyquist_leaves_the_signal_as_it_is(cutoff_hz):
    # 3.5 Hz on a 7 Hz stream is such a case: nothing to remove, no error.
    x = np.sin(np.arange(200) * 0.7)
    np.testing.assert_array_equal(lowpass(x, cutoff_hz, FS), x)


@pytest.mark.parametrize("n", [1, 5, 18])
def test_a_signal_too_short_for_the_filter_is_returned_as_floats(n):
    # At most 6 (order + 1) = 18 samples: too short for the filter's edge
    # padding, returned unfiltered (as floats) instead of an error.
    x = list(range(n))
    y = lowpass(x, 3.5, FS)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, np.arange(n, dtype=float))


def test_nineteen_samples_are_filtered():
    x = np.zeros(19)
    x[9] = 1.0            # an impulse: the low-pass spreads it
    y = lowpass(x, 3.5, FS)
    assert y[9] < 0.5 and y[8] > 0.0 and y[10] > 0.0


# ---- _run_length: how far a signal keeps falling above a floor ---------------

def _loop(e, i, way, floor):
    """The rule as the docstring states it, one sample at a time."""
    k = 0
    while True:
        j = i + way * (k + 1)
        if not 0 <= j <= len(e) - 2 or not (e[j] < e[j - way] and e[j] > floor):
            return k
        k += 1


@pytest.mark.parametrize("i, floor, expected", [
    (250, -1.0, 250),   # falls all the way back to index 0 (across several chunks)
    (250, 0.0, 249),    # e[0] == floor is not above it
    (250, 100.0, 149),  # stops at e[101] = 101, the last one above 100
    (0, -1.0, 0),       # nothing before index 0
])
def test_run_length_backward_counts_the_falling_samples_before_i(i, floor, expected):
    e = np.arange(300, dtype=float)          # falling going back
    assert _run_length(e, i, -1, floor) == expected == _loop(e, i, -1, floor)


@pytest.mark.parametrize("i, floor, expected", [
    (50, -1.0, 248),    # compared up to index n - 2 = 298, not the last sample
    (50, 100.0, 148),   # e[198] = 101 is the last above 100
    (297, -1.0, 1),     # one step left before n - 2
    (298, -1.0, 0),
])
def test_run_length_forward_counts_the_falling_samples_after_i(i, floor, expected):
    e = np.arange(300, dtype=float)[::-1].copy()   # falling going on
    assert _run_length(e, i, +1, floor) == expected == _loop(e, i, +1, floor)


def test_run_length_stops_at_a_flat_step_and_a_rise():
    e = np.array([9.0, 8.0, 7.0, 7.0, 6.0, 5.0, 6.0, 4.0, 3.0, 2.0])
    assert _run_length(e, 0, +1, 0.0) == 2          # 8, 7, then 7 is not below 7
    assert _run_length(e, 3, +1, 0.0) == 2          # 6, 5, then 6 rises
    assert _run_length(e[::-1].copy(), 9, -1, 0.0) == 2
    assert _run_length(e[::-1].copy(), 6, -1, 0.0) == 2
    # Three samples: the only index compared going on is 1.
    assert _run_length(np.array([3.0, 2.0, 1.0]), 0, +1, 0.0) == 1


def test_run_length_over_chunk_boundaries_matches_the_sample_by_sample_rule():
    # A triangle wave: falls of 149 samples either way cross the 64-sample chunks.
    up = np.linspace(0.0, 100.0, 150)
    e = np.concatenate([up, up[::-1][1:-1], up, up[::-1][1:]])
    for i in (0, 10, 70, 149, 200, 297, 298, 400, len(e) - 2, len(e) - 1):
        for way in (-1, +1):
            for floor in (-1.0, 30.0):
                assert _run_length(e, i, way, floor) == _loop(e, i, way, floor), (i, way, floor)


# ---- set_levels: rest and held levels of a set from its reps -----------------

def _levels_case():
    """4 Hz samples (exact binary times). Two reps, [2.0, 4.0] s and
    [7.25, 9.75] s: middle halves [2.5, 3.5] and [7.875, 9.125]. Their 10
    samples alternate 24 / 26 deg (held level 25: an even, balanced set,
    so one sample more or less moves the median to 24 or 26). The 24
    samples between the reps and in the 3 s before the first, [-1, 2) and
    (4, 7.25), are 4 / 6 deg (rest 5, balanced too). Everything else (the
    reps outside their middle halves, before -1 s, after 9.75 s) is 100."""
    t = np.arange(-24, 65) * 0.25
    ang = np.full(len(t), 100.0)
    mid = ((t >= 2.5) & (t <= 3.5)) | ((t >= 7.875) & (t <= 9.125))
    rest = ((t >= -1.0) & (t < 2.0)) | ((t > 4.0) & (t < 7.25))
    assert mid.sum() == 10 and rest.sum() == 24
    ang[mid] = np.where(np.arange(mid.sum()) % 2 == 0, 24.0, 26.0)
    ang[rest] = np.where(np.arange(rest.sum()) % 2 == 0, 4.0, 6.0)
    reps = pd.DataFrame({"start_s": [2.0, 7.25], "end_s": [4.0, 9.75]})
    return t, ang, reps


def test_set_levels_are_the_medians_of_the_rests_and_the_middle_halves():
    t, ang, reps = _levels_case()
    # The balance the case relies on.
    mid = ((t >= 2.5) & (t <= 3.5)) | ((t >= 7.875) & (t <= 9.125))
    assert (ang[mid] == 24.0).sum() == (ang[mid] == 26.0).sum() == 5
    assert set_levels(pd.DataFrame({"t": t, "tilt_deg": ang}), reps) == (5.0, 25.0)


def test_set_levels_read_the_elevation_when_there_is_no_tilt():
    t, ang, reps = _levels_case()
    assert set_levels(pd.DataFrame({"t": t, "elevation_deg": ang}), reps) == (5.0, 25.0)
    # With both, the tilt (what the reps were counted on) is read.
    both = pd.DataFrame({"t": t, "tilt_deg": ang, "elevation_deg": ang + 50.0})
    assert set_levels(both, reps) == (5.0, 25.0)


def test_set_levels_are_none_without_a_rest_or_a_middle_sample():
    t = np.arange(0, 17) * 0.25
    ang = np.where(t < 2.0, 0.0, 10.0)
    sig = pd.DataFrame({"t": t, "tilt_deg": ang})
    # Reps cover every sample from the start: no rest to read.
    assert set_levels(sig, pd.DataFrame({"start_s": [0.0, 2.0], "end_s": [2.0, 4.0]})) is None
    # A rep of 0.2 s: its middle half [2.05, 2.15] holds no sample.
    assert set_levels(sig, pd.DataFrame({"start_s": [2.0], "end_s": [2.2]})) is None


@pytest.mark.parametrize("held, expected", [(6.0, (5.0, 6.0)), (5.75, None), (4.0, (5.0, 4.0)), (-5.0, (5.0, -5.0))])
def test_set_levels_need_the_hold_a_degree_from_rest(held, expected):
    t = np.arange(0, 41) * 0.25
    in_rep = (t >= 4.0) & (t <= 6.0)
    ang = np.where(in_rep, held, 5.0)
    reps = pd.DataFrame({"start_s": [4.0], "end_s": [6.0]})
    assert set_levels(pd.DataFrame({"t": t, "tilt_deg": ang}), reps) == expected
