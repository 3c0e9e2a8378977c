"""The rep detector's array helpers (``analysis/reps.py``) on small hand-made arrays.

The detector judges all excursions at once, each step of its rule one
array operation over spans laid end to end. These helpers are checked
against values counted by hand, ``np.median``, and the sample-by-sample
rule of ``_run_length`` (``_loop`` in ``test_reps_units``). Fast: tiny
arrays, two short traces.
"""
from __future__ import annotations

import numpy as np
import pytest
from test_reps_units import FS, _loop, _lose, _reps_trace

from analysis.reps import (
    HoldRepDetector,
    _breaks,
    _first_true,
    _last_true,
    _run_lengths,
    _span_argext,
    _span_medians,
    _span_peaks,
    _spans,
    detect_many,
)


def test_spans_are_laid_end_to_end_each_with_its_step():
    # Spans from 5 (3 on), from 20 (none), from 9 (2 back), from 3 (a
    # negative length: none).
    idx, off, seg, pos = _spans(np.array([5, 20, 9, 3]), np.array([3, 0, 2, -1]), np.array([1, 1, -1, 1]))
    assert idx.tolist() == [5, 6, 7, 9, 8]
    assert off.tolist() == [0, 3, 3, 5, 5]
    assert seg.tolist() == [0, 0, 0, 2, 2]
    assert pos.tolist() == [0, 1, 2, 0, 1]
    # One step for every span.
    idx, off, seg, pos = _spans(np.array([2, 10]), np.array([2, 3]), -1)
    assert idx.tolist() == [2, 1, 10, 9, 8] and off.tolist() == [0, 2, 5]
    assert seg.tolist() == [0, 0, 1, 1, 1] and pos.tolist() == [0, 1, 0, 1, 2]


# Spans of 4, 0, 3 and 3 samples.
OFF = np.array([0, 4, 4, 7, 10])
COND = np.array([0, 1, 0, 1, 0, 0, 0, 1, 0, 0], dtype=bool)


def test_first_and_last_true_of_each_span():
    assert _first_true(COND, OFF).tolist() == [1, -1, -1, 0]
    assert _last_true(COND, OFF).tolist() == [3, -1, -1, 0]
    assert _first_true(np.zeros(10, dtype=bool), OFF).tolist() == [-1] * 4
    assert _last_true(np.zeros(10, dtype=bool), OFF).tolist() == [-1] * 4
    # A True only in the last sample of the last span, and only in the first of the first.
    last = np.zeros(10, dtype=bool)
    last[9] = True
    assert _first_true(last, OFF).tolist() == [-1, -1, -1, 2] == _last_true(last, OFF).tolist()
    first = np.zeros(10, dtype=bool)
    first[0] = True
    assert _first_true(first, OFF).tolist() == [0, -1, -1, -1] == _last_true(first, OFF).tolist()


def test_first_and_last_true_within_narrowed_spans_count_from_the_span_s_start():
    # Span 0 narrowed to flat indices 2-3 (its True at 1 left out), span 2
    # to 5-6 (none), span 3 to 8-9 (its True at 7 left out), span 1 empty.
    lo, hi = np.array([2, 4, 5, 8]), np.array([4, 4, 7, 10])
    assert _first_true(COND, OFF, lo, hi).tolist() == [3, -1, -1, -1]
    assert _last_true(COND, OFF, lo, hi).tolist() == [3, -1, -1, -1]
    # Span 0 narrowed to 0-1 and 1-2: its True at 1 either way.
    assert _first_true(COND, OFF, np.array([0, 4, 4, 7]), np.array([2, 4, 7, 8])).tolist() == [1, -1, -1, 0]
    assert _last_true(COND, OFF, np.array([1, 4, 4, 7]), np.array([3, 4, 7, 8])).tolist() == [1, -1, -1, 0]


def test_argmax_and_argmin_of_each_span_are_the_first_extreme_or_the_first_nan():
    vals = np.array([1.0, 5.0, 5.0, 2.0, 3.0, 7.0, np.nan, 9.0, 4.0, 4.0, -1.0])
    off = np.array([0, 4, 5, 8, 11])
    seg = np.repeat(np.arange(4), np.diff(off))
    assert _span_argext(vals, off, seg, largest=True).tolist() == [1, 0, 1, 0]
    assert _span_argext(vals, off, seg, largest=False).tolist() == [0, 0, 1, 2]


@pytest.mark.parametrize("lengths", [[1, 2, 3, 4, 5], [8, 9, 16, 17, 1], [0, 3, 0, 2], [33, 7, 64, 65]])
def test_medians_of_each_span_are_numpy_s(lengths):
    rng = np.random.default_rng(sum(lengths))
    vals = rng.normal(0.0, 5.0, sum(lengths)).round(1)     # ties among the values too
    off = np.r_[0, np.cumsum(lengths)]
    seg = np.repeat(np.arange(len(lengths)), lengths)
    got = _span_medians(vals, off, seg)
    for k, n in enumerate(lengths):
        if n:
            assert got[k] == np.median(vals[off[k]:off[k + 1]])
        else:
            assert np.isnan(got[k])


def test_the_median_of_a_span_with_a_nan_is_nan_and_the_others_are_kept():
    vals = np.array([1.0, np.nan, 3.0, 4.0, 6.0, 2.0, 9.0])
    off = np.array([0, 3, 5, 7])
    got = _span_medians(vals, off, np.repeat(np.arange(3), np.diff(off)))
    assert np.isnan(got[0]) and got[1:].tolist() == [5.0, 5.5]


def test_the_peak_of_each_run():
    e = np.array([0.0, 1.0, 3.0, 2.0, 0.0, 5.0, 4.0])
    assert _span_peaks(e, np.array([1, 5]), np.array([4, 7])).tolist() == [3.0, 5.0]   # the last to the end
    assert _span_peaks(e, np.array([1, 5]), np.array([2, 6])).tolist() == [1.0, 5.0]
    assert _span_peaks(e, np.array([6]), np.array([7])).tolist() == [4.0]
    assert _span_peaks(e, np.array([], dtype=int), np.array([], dtype=int)).shape == (0,)


def test_breaks_are_where_the_signal_stops_rising_and_stops_falling():
    e = np.array([1.0, 2.0, 3.0, 3.0, 2.0, 1.0, 2.0])
    rise_ends, fall_ends = _breaks(e)
    # Steps 2->3 (flat), 3->4 and 4->5 (falling) do not rise: after them 3, 4, 5.
    assert rise_ends.tolist() == [3, 4, 5]
    # Steps 0->1, 1->2, 2->3 (flat) and 5->6 do not fall: before them 0, 1, 2, 5.
    assert fall_ends.tolist() == [0, 1, 2, 5]


def test_run_lengths_follow_the_sample_by_sample_rule():
    # A signal with falls, flats and rises; every index both ways, with
    # floors below, inside and above its range.
    rng = np.random.default_rng(7)
    e = np.round(np.cumsum(rng.normal(0.0, 1.0, 300)), 0)
    i = np.arange(len(e))
    for way in (-1, +1):
        for floor in (-100.0, float(np.median(e)), 100.0):
            got = _run_lengths(e, i, way, np.full(len(e), floor))
            assert got.tolist() == [_loop(e, k, way, floor) for k in i], (way, floor)
    # Each index with its own floor, and with breaks given.
    floors = rng.normal(np.median(e), 3.0, len(e))
    for way in (-1, +1):
        got = _run_lengths(e, i, way, floors, breaks=_breaks(e))
        assert got.tolist() == [_loop(e, k, way, f) for k, f in zip(i, floors)]


def test_run_lengths_stay_inside_each_index_s_own_signal():
    # Three signals laid end to end (0-99, 100-179, 180-299): going back an
    # index stops at its signal's first sample, going on at its signal's
    # last sample but one, as if each were alone.
    e = np.r_[np.arange(100.0), np.arange(80.0)[::-1], np.arange(120.0)]
    bounds = np.array([0, 100, 180, 300])
    i = np.array([99, 50, 100, 150, 179, 180, 250, 299])
    which = np.searchsorted(bounds, i, side="right") - 1
    first, end = bounds[which], bounds[which + 1]
    for way in (-1, +1):
        got = _run_lengths(e, i, way, np.full(len(i), -1.0), first, end)
        want = [_loop(e[a:b], k - a, way, -1.0) for k, a, b in zip(i, first, end)]
        assert got.tolist() == want, way


def test_many_signals_detected_at_once_each_get_their_own_reps():
    # Two recordings: two 10 deg reps held 4 s and 3 s; three 6 deg reps
    # held 2 s with 0.4 s lost over the second one's move in (bridged, and
    # its hold still found as built). Each detector gets its own reps, as
    # built, in its own samples.
    x1, marks1 = _reps_trace([10.0, 10.0], [4.0, 3.0])
    x2, marks2 = _reps_trace([6.0] * 3, [2.0] * 3, lead_s=8.0)
    valid2 = _lose(x2, (marks2[1][1] - 21, marks2[1][1] - 1))
    d1, d2 = detect_many([HoldRepDetector(), HoldRepDetector()], [x1, x2], FS, [None, valid2])
    for det, marks, rng in ((d1, marks1, 10.0), (d2, marks2, 6.0)):
        assert list(zip(det.reps_.hold_start, det.reps_.hold_stop)) == [(h0, h1) for _, h0, h1, _ in marks]
        np.testing.assert_allclose(det.reps_.range_deg, rng, atol=0.02)
        assert det.typical_amplitude_deg_ == pytest.approx(rng, rel=0.01)
        assert det.rejected_.empty
    np.testing.assert_allclose(d2.excursion_, x2, atol=0.1)


def test_spans_from_float_starts_and_steps_are_integer_indices():
    # Starts and steps computed in floats (as from a rate) still give indices.
    idx, off, seg, pos = _spans(np.array([5.0, 9.0]), np.array([2, 2]), np.array([1.0, -1.0]))
    assert idx.tolist() == [5, 6, 9, 8] and idx.dtype.kind == "i"
    idx, *_ = _spans(np.array([4.0]), np.array([3]), -1.0)
    assert idx.tolist() == [4, 3, 2] and idx.dtype.kind == "i"


def test_first_true_stops_at_the_narrowed_end():
    # Span 0 narrowed to flat index 2 only: its next True (3) is past the end.
    assert _first_true(COND, OFF, np.array([2, 4, 4, 7]), np.array([3, 4, 7, 8])).tolist() == [-1, -1, -1, 0]


def test_the_median_of_a_span_of_one_is_its_value_and_of_an_empty_span_nan():
    vals = np.array([3.0, 1.0, 2.0])
    off = np.array([0, 1, 1, 3])
    got = _span_medians(vals, off, np.repeat(np.arange(3), np.diff(off)))
    assert got[0] == 3.0 and np.isnan(got[1]) and got[2] == 1.5


def test_the_peak_of_a_run_ignores_what_comes_after_it():
    e = np.array([0.0, 2.0, 1.0, 0.0, 9.0])
    assert _span_peaks(e, np.array([1]), np.array([3])).tolist() == [2.0]


def test_run_lengths_going_on_reach_a_tail_that_falls_to_the_end():
    # Rises to 3 then falls to the last sample: from index 3 it falls
    # 3, 2, 1, 0; going on stops at the last sample but one (index 5): 2 steps.
    e = np.array([0.0, 1.0, 2.0, 3.0, 2.0, 1.0, 0.0])
    got = _run_lengths(e, np.array([3, 4]), +1, np.array([-1.0, -1.0]))
    assert got.tolist() == [2, 1] == [_loop(e, 3, +1, -1.0), _loop(e, 4, +1, -1.0)]


def test_three_signals_of_different_lengths_detected_at_once_as_built():
    # Three recordings of different lengths, no valid masks given: one 8 deg
    # rep held 3 s; two 10 deg reps held 4 s; three 12 deg reps, the middle
    # one held 0.4 s (rejected for its hold). The third detector had run on
    # another trace before: its old reps must not stay.
    x1, marks1 = _reps_trace([8.0], [3.0], lead_s=4.0)
    x2, marks2 = _reps_trace([10.0, 10.0], [4.0, 4.0], lead_s=9.0)
    x3, marks3 = _reps_trace([12.0] * 3, [3.0, 0.4, 3.0], lead_s=6.0)
    assert len({len(x1), len(x2), len(x3)}) == 3
    d3 = HoldRepDetector().detect(x2, FS)
    assert len(d3.reps_) == 2
    d1, d2, d3 = detect_many([HoldRepDetector(), HoldRepDetector(), d3], [x1, x2, x3], FS)
    for det, marks, rng in ((d1, marks1, 8.0), (d2, marks2, 10.0), (d3, [marks3[0], marks3[2]], 12.0)):
        assert list(zip(det.reps_.hold_start, det.reps_.hold_stop)) == [(h0, h1) for _, h0, h1, _ in marks]
        np.testing.assert_allclose(det.reps_.range_deg, rng, atol=0.02)
        assert det.typical_amplitude_deg_ == pytest.approx(rng, rel=0.01)
    assert d1.rejected_.empty and d2.rejected_.empty
    (row,) = d3.rejected_.itertuples()
    assert row.reason.startswith("held 0.")
    # The rejected excursion lies within its rep's moves, in the third signal's samples.
    m_in, _, _, m_out = marks3[1]
    assert m_in <= row.start < row.stop <= m_out


@pytest.mark.parametrize("peaks, typical", [
    # 9 is exactly 1.8 times 5: the two are alike, the typical is their median.
    ([5.0, 9.0], 7.0),
    # 9 is alike to both 5 (exactly 1.8 times) and 10; 5 and 10 are not
    # (2 times): the largest group is 9's, all three, median 9.
    ([5.0, 9.0, 10.0], 9.0),
    # A peak exactly at the 2 deg minimum amplitude counts.
    ([2.0, 3.0], 2.5),
])
def test_the_typical_amplitude_groups_peaks_within_1_8_times_of_each_other(peaks, typical):
    peaks = np.array(peaks)
    got = HoldRepDetector(min_amplitude_deg=2.0)._local_typical(np.arange(len(peaks), dtype=float), peaks, 10.0)
    assert got.tolist() == [typical] * len(peaks)


def _settled_one_by_one(speed, at, length, step, sign, v_peak, frac=0.05):
    """The settling rule movement by movement, with scipy's ``find_peaks`` on each
    movement's speed up to its first slow sample (the rule as written before
    the movements were looked at all at once)."""
    from scipy.signal import find_peaks

    out = []
    for a, n, st, sg, vp in zip(at, length, step, sign, v_peak):
        v = sg * speed[a + st * np.arange(n)]
        slow = np.flatnonzero(v < frac * vp)
        first = int(slow[0]) if len(slow) else -1
        if n < 3 or not vp > 0:
            out.append(-1)
            continue
        head = v[:first + 1] if first >= 0 else v
        turns, _ = find_peaks(-head, prominence=0.04 * vp)
        turns = turns[head[turns] < 0.15 * vp]
        rises = np.flatnonzero((head[1:] > head[:-1]) & (head[:-1] < 0.15 * vp))
        out.append(int(turns[0]) if len(turns) and len(rises) else first)
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_settling_of_many_movements_at_once_is_find_peaks_movement_by_movement(seed):
    # Speeds that wander, with flat stretches (rounded: plateaus, which
    # find_peaks reads at their middle), movements both ways and of every
    # length: longer than the first look (64 samples) and not.
    rng = np.random.default_rng(seed)
    speed = np.round(np.cumsum(rng.normal(size=4000)), 0 if seed == 1 else 3)
    k = 300
    at = rng.integers(300, 3700, k)
    step = rng.choice([-1, 1], k)
    length = rng.integers(0, 250, k)
    sign = rng.choice([-1, 1], k)
    v_peak = np.abs(speed[at]) * rng.uniform(0.5, 2.0, k)
    v_peak[::37] = 0.0
    got = HoldRepDetector()._settled(speed, at, length, step, sign, v_peak)
    expected = _settled_one_by_one(speed, at, length, step, sign, v_peak)
    assert got.tolist() == expected
    # Some movements turned before slowing down, some never slowed.
    assert any(g >= 0 for g in got) and -1 in got.tolist()


def test_the_typical_amplitude_of_several_signals_looks_only_within_each():
    # Signal 0: peaks 5, 9 (alike: typical 7 for both); signal 1 at the
    # same centres: peaks 20, 30 (typical 25). Within 10 samples of each
    # other, but only a signal's own peaks are near.
    centres = np.array([0.0, 1.0, 0.0, 1.0])
    peaks = np.array([5.0, 9.0, 20.0, 30.0])
    det = HoldRepDetector(min_amplitude_deg=2.0)
    got = det._local_typical(centres, peaks, 10.0, bounds=np.array([0, 2, 4]))
    assert got.tolist() == [7.0, 7.0, 25.0, 25.0]
    # With rep shapes known: signal 0 has a rep-shaped peak (9: its typical
    # is 9), signal 1 none (both count, 25).
    shaped = np.array([False, True, False, False])
    got = det._local_typical(centres, peaks, 10.0, shaped, bounds=np.array([0, 2, 4]))
    assert got.tolist() == [9.0, 9.0, 25.0, 25.0]
