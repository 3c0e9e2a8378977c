"""Stage 1's front (rest mask, gyro bias, running means): the values their definitions give, in bounded memory.

A day at 50 Hz is 4.3 M samples: every whole-length temporary is 34 MB (a
column) or 100 MB (three), and fresh pages the kernel must zero and map
(benchmarks/README.md, ninth pass). The references here are scipy's and
numpy's own functions written out from the docstrings, not this code.
"""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from scipy.ndimage import median_filter, uniform_filter1d

from analysis.preprocess import gyro_bias, running_mean, still_mask


def _peak(f, *args, **kwargs):
    tracemalloc.start()
    try:
        out = f(*args, **kwargs)
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _still_reference(acc, gyr, fs, window_s=0.5, gyr_thresh_dps=3.0, acc_thresh_mps2=0.3):
    """still_mask's docstring with scipy's filters: windowed spreads, level near g, a majority over the window."""
    w = max(3, int(window_s * fs))

    def mean(x):
        return uniform_filter1d(x, w, axis=0, mode="nearest")

    def spread(x):
        return np.sqrt(np.maximum(mean(x * x) - mean(x) ** 2, 0))

    a = np.linalg.norm(acc, axis=1)
    still = ((np.linalg.norm(spread(gyr), axis=1) < gyr_thresh_dps) & (spread(a) < acc_thresh_mps2)
             & (np.abs(mean(a) - 9.80665) < 1.5))
    return median_filter(still, size=w, mode="nearest")


def _motion(n, seed):
    """Rest, then turning and shaking, then rest again (m/s², deg/s)."""
    rng = np.random.default_rng(seed)
    acc = rng.normal(0, 0.05, (n, 3)) + [0.0, 0.0, 9.80665]
    gyr = rng.normal(0, 0.5, (n, 3)) + [1.5, -0.7, 0.3]  # a bias: rest is judged on the spread
    mid = slice(n // 3, 2 * n // 3)
    acc[mid] += rng.normal(0, 2.0, (mid.stop - mid.start, 3))
    gyr[mid] += rng.normal(0, 60.0, (mid.stop - mid.start, 3))
    return acc, gyr


def test_running_mean_into_a_given_buffer_is_scipys_uniform_filter():
    rng = np.random.default_rng(21)
    x = rng.normal(size=5_000) * 10 ** rng.uniform(-3, 3, size=5_000)
    buf = np.empty_like(x)
    for w in (1, 2, 3, 25, 50):
        for mode in ("nearest", "reflect"):
            got = running_mean(x, w, mode, out=buf)
            assert got is buf
            assert buf.tobytes() == uniform_filter1d(x, w, mode=mode).tobytes(), (w, mode)
    column = np.ascontiguousarray(rng.normal(size=(5_000, 3)))[:, 1]  # a strided view, as still_mask passes
    assert running_mean(column, 25, out=buf).tobytes() == uniform_filter1d(column, 25, mode="nearest").tobytes()
    with pytest.raises(ValueError):
        running_mean(x, 3, out=x)  # the sums would overwrite the samples they still need
    with pytest.raises(ValueError):
        running_mean(x, 3, out=np.empty(len(x) - 1))


def test_still_mask_is_its_definition_in_bounded_memory():
    n = 60_000
    acc, gyr = _motion(n, 22)
    expected = _still_reference(acc, gyr, 50.0)
    assert expected[: n // 4].mean() > 0.9 and expected[n // 3 + 100: 2 * n // 3 - 100].mean() < 0.05
    still_mask(acc[:100], gyr[:100], 50.0)  # imports and caches before measuring
    got, peak = _peak(still_mask, acc, gyr, 50.0)
    assert np.array_equal(got, expected)
    # (n, 3) squares, means and products made 9 columns' worth at once.
    assert peak < 8 * n * 8
    calm = dict(window_s=1.0, gyr_thresh_dps=8.0, acc_thresh_mps2=0.5)  # the shank's calm mask
    assert np.array_equal(still_mask(acc, gyr, 50.0, **calm), _still_reference(acc, gyr, 50.0, **calm))
    for m in (0, 1, 2, 3, 24, 25, 26):  # shorter than the window, and around it
        assert np.array_equal(still_mask(acc[:m], gyr[:m], 50.0), _still_reference(acc[:m], gyr[:m], 50.0)), m


def test_gyro_bias_is_the_median_rate_at_rest_in_bounded_memory():
    gyr = np.array([[1.0, -2.0, 0.5], [3.0, -4.0, 0.5], [2.0, -3.0, 9.0], [99.0, 99.0, 99.0]])
    still = np.array([True, True, True, False])
    assert gyro_bias(gyr, still, min_samples=3).tolist() == [2.0, -3.0, 0.5]
    assert gyro_bias(gyr[:2], still[:2], min_samples=2).tolist() == [2.0, -3.0, 0.5]  # two: their mean
    assert gyro_bias(gyr, still, min_samples=4).tolist() == [0.0, 0.0, 0.0]  # too little rest
    rng = np.random.default_rng(23)
    n = 100_000
    gyr = rng.normal(size=(n, 3)) + [0.4, -1.1, 2.0]
    still = rng.random(n) < 0.7
    got, peak = _peak(gyro_bias, gyr, still)
    assert got.tobytes() == np.array([np.median(gyr[still, i]) for i in range(3)]).tobytes()
    # The (m, 3) rest samples and numpy's partitioned copy of them were 7 columns' worth.
    assert peak < 3 * still.sum() * 8
