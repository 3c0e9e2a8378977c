"""The small array helpers that replaced slower calls in stage 1 and the
tiptoe and circle detectors (issue 13): each against values worked out by
hand, and against the library call it stands in for.
"""
import numpy as np
import pandas as pd
import pytest
from scipy.ndimage import label, maximum_position, median_filter, uniform_filter1d
from scipy.signal import oaconvolve, sosfiltfilt

from analysis.circles import _run_medians
from analysis.families import _median3
from analysis.gait import StrideDetector, _percentile, runs
from analysis.mounting import _column_median
from analysis.preprocess import butter_filtfilt, butter_sos, majority, max_position_per_run, norm3, oaconvolve_valid, running_mean
from analysis.reps import lowpass


def test_majority_is_the_median_of_the_window_with_the_edges_repeated():
    # w = 3: each sample and its two neighbours, the first and last repeated.
    mask = np.array([1, 1, 0, 1, 1, 0, 0, 0], dtype=bool)
    assert majority(mask, 3).tolist() == [True, True, True, True, True, False, False, False]
    # w = 4: scipy's median of an even window is its upper middle (rank 2 of
    # 0..3), the window from two before to one after: True from 2 of 4.
    mask = np.array([0, 0, 1, 1, 0, 0], dtype=bool)
    assert majority(mask, 4).tolist() == [False, False, True, True, True, False]
    for w in (3, 4, 25, 50):
        m = np.random.default_rng(w).random(300) < 0.5
        assert np.array_equal(majority(m, w), median_filter(m.astype(np.uint8), size=w, mode="nearest") > 0)


def test_butter_filtfilt_passes_a_constant_and_equals_scipy_sosfiltfilt():
    x = np.full(200, 9.81)
    np.testing.assert_allclose(butter_filtfilt(x, 2, 2.0, 50.0), 9.81, rtol=1e-12)
    np.testing.assert_allclose(butter_filtfilt(x, 2, 3.0, 50.0, "highpass"), 0.0, atol=1e-9)
    rng = np.random.default_rng(0)
    for shape in ((500,), (500, 3)):
        y = rng.normal(size=shape)
        for btype in ("lowpass", "highpass"):
            expected = sosfiltfilt(butter_sos(2, 4.0, 50.0, btype), y, axis=0)
            assert np.array_equal(butter_filtfilt(y, 2, 4.0, 50.0, btype), expected)
    with pytest.raises(ValueError):
        butter_filtfilt(np.zeros(9), 2, 4.0, 50.0)  # no longer than the 9 samples scipy pads (3 x 3 taps)


def test_butter_filtfilt_holds_two_copies_of_a_long_signal_at_most():
    # A day's column is 34 MB: scipy's path held three whole-length copies
    # at once (the extension, sosfilt's own copy, the reversed one).
    import tracemalloc

    butter_filtfilt(np.ones(100), 2, 2.0, 50.0)  # the design cached, scipy imported
    rng = np.random.default_rng(1)
    for shape in ((100_000,), (100_000, 3)):
        x = rng.normal(size=shape)
        tracemalloc.start()
        try:
            y = butter_filtfilt(x, 2, 2.0, 50.0)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 2.2 * x.nbytes
        expected = sosfiltfilt(butter_sos(2, 2.0, 50.0), x, axis=0)
        assert np.array_equal(y, expected) and y.strides == expected.strides
        column = x[:, 1] if x.ndim == 2 else x[::2]  # a strided view
        assert np.array_equal(butter_filtfilt(column, 2, 2.0, 50.0),
                              sosfiltfilt(butter_sos(2, 2.0, 50.0), column, axis=0))


def test_running_median_of_three_with_two_at_the_ends():
    x = np.array([1.0, 5.0, 2.0, 8.0, 3.0])
    assert _median3(x).tolist() == [3.0, 2.0, 5.0, 3.0, 5.5]
    assert _median3(np.array([4.0])).tolist() == [4.0]
    expected = pd.Series(x).rolling(3, center=True, min_periods=1).median().to_numpy()
    assert np.array_equal(_median3(x), expected)


def test_medians_of_consecutive_runs():
    x = np.array([3.0, 1.0, 2.0, 10.0, 4.0, 6.0])
    run = np.array([0, 0, 0, 1, 2, 2])
    assert _run_medians(x, run, np.array([0, 3, 4]), np.array([3, 1, 2])).tolist() == [2.0, 10.0, 5.0]


def test_column_median_and_percentile():
    x = np.array([[1.0, 10.0], [3.0, 30.0], [2.0, 20.0], [4.0, 0.0]])
    assert _column_median(x).tolist() == [2.5, 15.0]
    assert _column_median(x[:3]).tolist() == [2.0, 20.0]
    # Linear: 90 % of the way along 4 intervals is 3.6, between 4 and 5.
    assert _percentile(np.array([5.0, 1.0, 4.0, 2.0, 3.0]), 90) == pytest.approx(4.6, abs=1e-12)
    y = np.random.default_rng(1).gamma(2.0, size=101)
    for q in (30, 90, 95, 98):
        assert _percentile(y, q) == np.percentile(y, q)


def test_predecessors_are_the_candidates_0_6_to_2_5_periods_back():
    cand = np.array([0, 10, 20, 30, 60])
    lo, hi = StrideDetector._predecessors(cand, 10.0)
    # 10: 0 is 1 period back; 20: 0 and 10; 30: 10 and 20 (0 is 3 back);
    # 60: 30 is 3 periods back, nothing within 2.5.
    assert [list(range(a, b)) for a, b in zip(lo, hi)] == [[], [0], [0, 1], [1, 2], []]


def test_runs_of_a_mask():
    mask = np.array([1, 1, 0, 0, 1, 0, 1, 1, 1], dtype=bool)
    starts, stops = runs(mask)
    assert starts.tolist() == [0, 4, 6] and stops.tolist() == [2, 5, 9]
    starts, stops = runs(~mask)
    assert starts.tolist() == [2, 5] and stops.tolist() == [4, 6]
    assert [a.tolist() for a in runs(np.zeros(0, dtype=bool))] == [[], []]
    assert [a.tolist() for a in runs(np.zeros(3, dtype=bool))] == [[], []]


def test_running_mean_by_hand_and_bit_for_bit_scipys_uniform_filter1d():
    # w = 3, edges repeated: [1, 1, 2, 4, 4] -> (1+1+2)/3, (1+2+4)/3, (2+4+4)/3.
    x = np.array([1.0, 2.0, 4.0])
    np.testing.assert_allclose(running_mean(x, 3), [4 / 3, 7 / 3, 10 / 3])
    # w = 4 mirrored ("reflect": 2 1 | 1 2 4 | 4): windows start two before.
    np.testing.assert_allclose(running_mean(x, 4, mode="reflect"), [6 / 4, 8 / 4, 11 / 4])
    # scipy moves a running sum sample by sample, so its last bits drift
    # from a fresh sum of each window; the cumulative form must keep them,
    # on long noisy signals (the drift grows), columns, a -0.0 first sample
    # and non-finite values.
    rng = np.random.default_rng(13)
    for n, w in ((20_000, 25), (20_000, 2), (5, 9), (1, 1), (300, 50)):
        for shape in ((n,), (n, 3)):
            for mode in ("nearest", "reflect"):
                y = rng.normal(size=shape) * 50 + 9.81
                y[0] = -0.0
                if n > 10:
                    y[n // 2] = np.inf
                expected = uniform_filter1d(y, w, axis=0, mode=mode)
                got = running_mean(y, w, mode=mode)
                assert got.shape == expected.shape
                assert np.ascontiguousarray(got).tobytes() == expected.tobytes(), (n, w, shape, mode)


def test_running_mean_holds_one_copy_of_a_long_signal():
    # The resampler averages a day's 8.6 M samples per column (69 MB each):
    # the sums need one array of that length, not an edge-extended copy too.
    import tracemalloc

    running_mean(np.ones(100), 3)
    rng = np.random.default_rng(15)
    for shape in ((100_000,), (100_000, 3)):
        for w in (2, 25):
            x = rng.normal(size=shape)
            tracemalloc.start()
            try:
                got = running_mean(x, w)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            assert peak < 1.3 * x.nbytes, (shape, w)
            assert np.array_equal(got, uniform_filter1d(x, w, axis=0, mode="nearest"))


def test_norm3_is_numpys_norm_to_the_bit():
    assert norm3(np.array([[3.0, 4.0, 12.0], [0.0, -0.0, 0.0]])).tolist() == [13.0, 0.0]
    rng = np.random.default_rng(14)
    v = rng.normal(size=(10_000, 3)) * 10 ** rng.uniform(-8, 8, size=(10_000, 1))
    for arr in (v, np.asfortranarray(v), v[::3]):
        assert norm3(arr).tobytes() == np.linalg.norm(arr, axis=1).tobytes()


def test_reps_lowpass_is_scipys_sosfiltfilt_to_the_bit():
    rng = np.random.default_rng(15)
    for shape in ((19,), (400,), (3_000, 2)):
        y = rng.normal(size=shape) * 20
        for cutoff_hz in (0.5, 2.0):
            expected = sosfiltfilt(butter_sos(2, cutoff_hz, 50.0), y, axis=0)
            assert np.ascontiguousarray(lowpass(y, cutoff_hz, 50.0)).tobytes() == expected.tobytes()
    # Too short for the filter's edge padding: returned as it is.
    assert lowpass(np.arange(18), 2.0, 50.0).tolist() == list(range(18))


def test_displacement_memo_gives_displacements_values_and_keeps_them_apart():
    from analysis.confidence import DisplacementMemo, displacement

    rng = np.random.default_rng(16)
    acc = rng.normal(size=(500, 3))
    memo = DisplacementMemo(acc)
    for a, b in ((10, 200), (10, 200), (0, 2), (300, 499), (10, 200)):
        got = displacement(memo, a, b, 50.0)
        assert got.tobytes() == displacement(acc, a, b, 50.0).tobytes()
        got[:] = 99.0  # a caller's change to its copy does not reach the next caller
    assert displacement(memo, 10, 200, 50.0).tobytes() == displacement(acc, 10, 200, 50.0).tobytes()
    assert len(memo.done) == 3


def test_chain_keeps_the_contacts_a_period_apart_and_skips_a_bump_between():
    # Contacts every 10 samples, a weaker bump at 13 (a chain through it
    # is 1.3 and 0.7 periods apart, each at a cost), and a missed contact
    # at 40 (the chain bridges two periods at a cost).
    cand = np.array([0, 10, 13, 20, 30, 50, 60])
    value = np.array([1.0, 1.0, 0.6, 1.0, 1.0, 1.0, 1.0])
    assert StrideDetector(tightness=4.0)._chain(cand, value, 10.0).tolist() == [0, 10, 20, 30, 50, 60]
    # Tighter than log(2)² · 4 allows for the skipped period (1.92 against
    # a contact's 1.0): the chain breaks there and the longer part wins.
    assert StrideDetector(tightness=40.0)._chain(cand, value, 10.0).tolist() == [0, 10, 20, 30]


def test_max_position_per_run_is_scipys_maximum_position_of_each_run():
    # Runs 1:4 (max 5 at 2), 5:6 (its one sample), 7:10 (6 at 9).
    x = np.array([9, 1, 5, 4, 2, 0, 8, 3, 4, 6, 7], dtype=float)
    mask = np.array([0, 1, 1, 1, 0, 1, 0, 1, 1, 1, 0], dtype=bool)
    assert max_position_per_run(x, mask).tolist() == [2, 5, 9]
    assert max_position_per_run(x, np.zeros(len(x), dtype=bool)).tolist() == []
    assert max_position_per_run(x, np.ones(len(x), dtype=bool)).tolist() == [0]
    rng = np.random.default_rng(3)
    for n in (1, 2, 50, 5000):
        # Distinct values (the fast path) and rounded ones (ties: scipy's own
        # choice); runs touch both ends sometimes.
        for x in (rng.random(n), np.round(rng.random(n) * 4)):
            mask = rng.random(n) < 0.6
            labels, count = label(mask)
            expected = np.array(maximum_position(x, labels, np.arange(1, count + 1)), dtype=int).reshape(-1)
            assert max_position_per_run(x, mask).tolist() == expected.tolist()


def test_oaconvolve_valid_is_scipys_overlap_add_to_the_bit():
    # A kernel of ones sums each window: 1..6 with [1, 1, 1] gives 6, 9, 12, 15
    # (scipy itself here: the kernel is over half as long as the signal).
    np.testing.assert_allclose(oaconvolve_valid(np.arange(1.0, 7.0), np.ones(3)), [6, 9, 12, 15])
    # A delayed unit impulse shifts: 'valid' with [0, 0, 1] is x[0:n-2] (overlap-add path, n = 500).
    x = np.random.default_rng(1).normal(size=500)
    np.testing.assert_allclose(oaconvolve_valid(x, np.array([0.0, 0.0, 1.0])), x[:-2], atol=1e-12)
    rng = np.random.default_rng(0)
    for m in (2, 3, 25, 60, 135):
        h = rng.normal(size=m)
        # Reversed views, as the pencil detector passes its kernels.
        for kernel in (h, h[::-1]):
            for n in (m, m + 1, 2 * m, 2 * m + 1, 301, 1000, 4097, 8600, 50001):
                x = rng.normal(size=n) * 3
                assert oaconvolve_valid(x, kernel).tobytes() == oaconvolve(x, kernel, mode="valid").tobytes()


# ---------------------------------------------------------------------------
# Stage 2's hold sets and circles, ninth pass (issue 13, branch speed2): each
# shortcut against the plain formula it replaced, bit for bit.

def _lifts(n_lifts: int, fs: float = 50.0, seed: int = 0) -> np.ndarray:
    """Vertical acceleration of ``n_lifts`` level lifts of 4 cm (0.8 s up, 6 s
    held, 1 s down, 5 s rest), from 5 s of rest, with 0.05 m/s² of noise."""
    def move(rise_m, move_s):
        u = (np.arange(int(move_s * fs)) + 0.5) / (move_s * fs)
        return rise_m / move_s ** 2 * (60 * u - 180 * u ** 2 + 120 * u ** 3)

    parts = [np.zeros(int(5 * fs))]
    for _ in range(n_lifts):
        parts += [move(0.04, 0.8), np.zeros(int(6 * fs)), move(-0.04, 1.0), np.zeros(int(5 * fs))]
    acc = np.concatenate(parts)
    return acc + np.random.default_rng(seed).normal(0, 0.05, len(acc))


def test_lifted_rows_asked_for_two_rows_or_none_skip_only_what_cannot_give_two():
    from analysis.families import _lifted_rows

    fs = 50.0
    for n_lifts in (0, 1, 2, 3):
        acc = _lifts(n_lifts, fs, seed=n_lifts)
        gyr = np.random.default_rng(10 + n_lifts).normal(0, 0.2, (len(acc), 3))
        every = _lifted_rows(acc, fs, gyr=gyr)
        # Each lift is a rep from its start (5 s, then every 12.8 s).
        assert [round(r[0] / fs, 1) for r in every] == pytest.approx([5 + 12.8 * k for k in range(n_lifts)], abs=0.2)
        assert _lifted_rows(acc, fs, gyr=gyr, min_rows=2) == (every if n_lifts >= 2 else [])
        assert _lifted_rows(acc, fs, gyr=gyr, min_rows=1) == every


def test_vertical_moves_fits_only_far_windows_with_the_values_of_all_windows():
    from analysis.families import vertical_moves

    def every_window(az, fs, durations_s=(0.5, 0.8, 1.2, 1.8, 2.7), min_fit=0.6, min_rise_m=0.005):
        # The plain formula (before the ninth pass): every window's fit.
        az = az - np.median(az)
        n = len(az)
        csq = np.r_[0.0, np.cumsum(az * az)]
        cands = []
        for dur in durations_s:
            m = int(round(dur * fs))
            if m < 5 or m > n:
                continue
            u = (np.arange(m) + 0.5) / m
            h = (60 * u - 180 * u ** 2 + 120 * u ** 3) / dur ** 2
            e = float(h @ h)
            dot = oaconvolve(az, h[::-1], mode="valid")
            fit = dot / np.sqrt(e * np.maximum(csq[m:] - csq[:-m], 1e-12))
            rise = dot / e
            good = (np.abs(fit) >= min_fit) & (np.abs(rise) >= min_rise_m)
            labels, count = label(good)
            for k in np.array(maximum_position(np.abs(fit), labels, np.arange(1, count + 1)),
                              dtype=int).reshape(-1).tolist():
                cands.append((abs(fit[k]), k, k + m, rise[k]))
        taken, busy = [], np.zeros(n + 1, dtype=bool)
        for _, a, b, r in sorted(cands, reverse=True):
            if not busy[a:b].any():
                busy[a:b] = True
                taken.append((a, b, r))
        return np.array(sorted(taken), dtype=float).reshape(-1, 3)

    for fs, n_lifts, seed in ((50.0, 2, 0), (100.0, 1, 1), (20.0, 3, 2)):
        acc = _lifts(n_lifts, fs, seed)
        found = vertical_moves(acc, fs)
        # Each lift (0.8 s, one of the fitted durations) is a move up by 4 cm from its start.
        ups = found[found[:, 2] > 0.03]
        assert ups[:, 0] / fs == pytest.approx([5 + 12.8 * k for k in range(n_lifts)], abs=0.1)
        assert ups[:, 2] == pytest.approx(0.04, abs=0.005)
        assert found.tobytes() == every_window(acc, fs).tobytes()
    noise = np.random.default_rng(5).normal(0, 0.3, 3000)
    assert vertical_moves(noise, 50.0).tobytes() == every_window(noise, 50.0).tobytes()


def test_carry_free_tilt_in_place_is_the_formula_and_leaves_its_inputs():
    from analysis.families import carry_free_tilt

    def formula(tilt, elevation, fs, window_s=4.0, max_push_deg=1.5, noise_sds=3.0):
        diff = (tilt - elevation + 180.0) % 360.0 - 180.0
        step = max(1, int(round(fs / 5.0)))
        size = max(3, int(window_s * 5.0) | 1)
        coarse, fine = np.arange(0, len(tilt), step), np.arange(len(tilt))
        offset = np.interp(fine, coarse, median_filter(diff[::step], size=size, mode="nearest"))
        steady = np.abs(elevation - np.interp(fine, coarse, median_filter(elevation[::step], size=size,
                                                                          mode="nearest"))) <= max_push_deg
        dev = diff - offset
        limit = max(max_push_deg, noise_sds * 1.4826 * float(np.median(np.abs(dev - np.median(dev)))))
        return np.where((np.abs(dev) > limit) & steady, tilt - diff + offset, tilt)

    rng = np.random.default_rng(7)
    for fs, n in ((50.0, 20001), (20.0, 999), (100.0, 40000)):
        elevation = np.cumsum(rng.normal(0, 0.01, n))
        # A push of 7° for a second where the filter's pitch did not turn,
        # the two pitches either side of ±180° in one of the cases.
        tilt = elevation + rng.normal(0, 0.2, n) + (170.0 if fs == 50.0 else 3.0)
        tilt[n // 3:n // 3 + int(fs)] += 7.0
        tilt0, elevation0 = tilt.copy(), elevation.copy()
        out = carry_free_tilt(tilt, elevation, fs)
        assert out.tobytes() == formula(tilt0, elevation0, fs).tobytes()
        assert tilt.tobytes() == tilt0.tobytes() and elevation.tobytes() == elevation0.tobytes()
        # The push is taken out: the filter's pitch plus the usual offset stands in.
        def wrap(a):
            return (a + 180.0) % 360.0 - 180.0
        usual = np.median(wrap(tilt0 - elevation0)[:n // 3])
        mid = slice(n // 3 + int(0.3 * fs), n // 3 + int(0.7 * fs))
        assert np.all(np.abs(wrap(out[mid] - elevation0[mid] - usual)) < 1.0)
        assert np.all(np.abs(wrap(tilt0[mid] - elevation0[mid] - usual)) > 5.0)


def test_toe_velocity_and_turn_rate_are_the_stacked_formula_to_the_bit():
    from analysis.circles import CircleDetector

    cd = CircleDetector()
    rng = np.random.default_rng(11)
    for fs, n in ((50.0, 5000), (25.0, 31), (100.0, 20000)):
        g = rng.normal(0, 40, (n, 3))
        v = cd.toe_velocity(g, fs)
        stacked = np.stack([g[:, 2], -g[:, 1]], axis=1)
        expected = butter_filtfilt(stacked, 2, cd.max_hz, fs)
        assert np.ascontiguousarray(v).tobytes() == np.ascontiguousarray(expected).tobytes()
        # The speed² weight: each row's two squares added, as np.sum(v * v, axis=1) has it.
        ang = np.arctan2(v[:, 1], v[:, 0])
        step = np.angle(np.exp(1j * np.diff(ang, prepend=ang[:1])))
        w = np.sum(v * v, axis=1)
        w = np.minimum(w, np.roll(w, 1))
        win = max(3, int(cd.period_range_s[1] * 0.5 * fs))
        rate = running_mean(step * w, win) / np.maximum(running_mean(w, win), 1e-9) * fs
        assert cd.turn_rate(v, fs).tobytes() == rate.tobytes()
