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


# ---- set_cues on a hand-built set: levels, tremor and time held --------------

def _mj(a: float, b: float, s: float) -> np.ndarray:
    """A minimum-jerk move from ``a`` to ``b`` deg over ``s`` s at FS."""
    u = np.arange(int(s * FS)) / (s * FS)
    return a + (b - a) * u ** 3 * (10 - 15 * u + 6 * u ** 2)


def _cue_set(before, after, rest=20.0, held=30.0, hold_s=4.0, reps=3, rest_s=3.0):
    """``before`` + ``reps`` reps (1 s moves rest -> held, ``hold_s`` held,
    ``rest_s`` rests between) + ``after``; the reps' indices as built, and
    the activity: 0.5 at rest and outside; 3 in the moves and the first and
    last 0.3 s of each hold (where the moves end), and 1.5 and 2.5 by turns
    in between (an even count: their median is 2 exactly, and one sample
    more or less of the hold's edges moves it)."""
    parts, act, rows = [before], [np.full(len(before), 0.5)], []
    i = len(before)
    edge = int(0.3 * FS)
    for k in range(reps):
        up, hold, down = _mj(rest, held, 1.0), np.full(int(hold_s * FS), held), _mj(held, rest, 1.0)
        rows.append((i, i + 2 * len(up) + len(hold), i + len(up), i + len(up) + len(hold)))
        parts += [up, hold, down]
        shake = np.full(len(hold), 3.0)
        shake[edge:len(hold) - edge] = np.where(np.arange(len(hold) - 2 * edge) % 2, 2.5, 1.5)
        assert (len(hold) - 2 * edge) % 2 == 0
        act += [np.full(len(up), 3.0), shake, np.full(len(down), 3.0)]
        i += 2 * len(up) + len(hold)
        if k < reps - 1:
            parts.append(np.full(int(rest_s * FS), rest))
            act.append(np.full(int(rest_s * FS), 0.5))
            i += int(rest_s * FS)
    parts.append(after)
    act.append(np.full(len(after), 0.5))
    table = pd.DataFrame(rows, columns=["start", "stop", "hold_start", "hold_stop"])
    return np.concatenate(parts), table, np.concatenate(act)


def _flat(level, s):
    return np.full(int(s * FS), level)


def _cues(x, table, act=None, span=None):
    from analysis.reps import HoldRepDetector, set_cues

    det = HoldRepDetector().detect(x, FS)
    assert det.typical_amplitude_deg_ == pytest.approx(10.0, abs=0.1)   # held 30 over rest 20
    return set_cues(x, det, table, FS, act, span=span)


# Outside the set the person sits 1 deg higher (21) than between reps (20):
# posture = (|held - outside| - |rest - outside|) / amplitude = (9 - 1) / 10.
OUTSIDE_21 = np.concatenate([_flat(21.0, 8.0), _mj(21.0, 20.0, 2.0), _flat(20.0, 2.0)])


@pytest.mark.parametrize("hold_s", [4.0, 1.2])
def test_set_cues_measure_the_holds_and_rests_against_the_still_level_around_the_set(hold_s):
    # (A 1.2 s hold, less its first and last 0.3 s, still has 0.6 s to read.)
    after = OUTSIDE_21[::-1].copy()
    x, table, act = _cue_set(OUTSIDE_21, after, hold_s=hold_s)
    posture, tremor, held = _cues(x, table, act)
    assert posture == pytest.approx(0.8, abs=0.03)
    assert tremor == pytest.approx(2.0 / 0.5)
    assert held == pytest.approx(3 * hold_s)


def test_set_cues_read_the_outside_from_whichever_side_there_is():
    x, table, act = _cue_set(OUTSIDE_21, np.zeros(0))          # the set ends the recording
    assert _cues(x, table, act)[0] == pytest.approx(0.8, abs=0.03)
    x, table, act = _cue_set(np.zeros(0), OUTSIDE_21[::-1].copy())   # the set starts it
    assert _cues(x, table, act)[0] == pytest.approx(0.8, abs=0.03)


def test_set_cues_outside_is_only_before_and_after_the_set():
    # 2 s still at the rest level each side, 12 s of still holds inside:
    # the holds are not "outside", posture = (10 - 0) / 10.
    x, table, act = _cue_set(_flat(20.0, 2.0), _flat(20.0, 2.0))
    assert _cues(x, table, act)[0] == pytest.approx(1.0, abs=0.03)


@pytest.mark.parametrize("moving", ["swing", "drift"])
def test_set_cues_outside_leaves_out_movement(moving):
    # Before the set: 6 s of swinging around 40 deg, or of drifting down
    # from 40 at 1.5 deg/s (not still: over 1 deg/s), then 4 s still at the
    # rest level; nothing after. Only the still part counts.
    t = np.arange(int(6 * FS)) / FS
    move = 40.0 + 5.0 * np.sin(2 * np.pi * t) if moving == "swing" else 40.0 - 1.5 * t
    before = np.concatenate([move, _flat(20.0, 4.0)])
    x, table, act = _cue_set(before, np.zeros(0))
    assert _cues(x, table, act)[0] == pytest.approx(1.0, abs=0.03)


def test_set_cues_span_moves_the_outside_away_from_the_set():
    # 10 s at 21 then 2 s down to 20 and 4 s at 20 before the set, 6 s at
    # 20 after. Without a span the outside is mostly 20 (posture 1.0); a
    # span starting 6 s before the set reads the 10 s at 21 before it:
    # outside 21 (500 samples against 300), posture (9 - 1) / 10.
    before = np.concatenate([_flat(21.0, 10.0), _mj(21.0, 20.0, 2.0), _flat(20.0, 4.0)])
    x, table, act = _cue_set(before, _flat(20.0, 6.0))
    first, last = int(table.start.iloc[0]), int(table.stop.iloc[-1])
    assert _cues(x, table)[0] == pytest.approx(1.0, abs=0.03)
    assert _cues(x, table, span=(first - int(6 * FS), last))[0] == pytest.approx(0.8, abs=0.03)


# ---- HoldRepDetector on noiseless hand-built reps: every column --------------

def _lose(x: np.ndarray, *spans: tuple[int, int]) -> np.ndarray:
    """Mark samples ``a:b`` of each span lost and bridge them by a straight line, as the
    resampler does; the valid mask."""
    valid = np.ones(len(x), dtype=bool)
    for a, b in spans:
        valid[a:b] = False
    idx = np.arange(len(x))
    x[~valid] = np.interp(idx[~valid], idx[valid], x[valid])
    return valid


def _reps_trace(ranges, holds, rest_deg=0.0, lead_s=5.0, rest_s=3.0, move_s=1.0, fs=FS):
    """Rest ``lead_s``, then per rep a min-jerk move of ``move_s`` up by
    ``range``, the hold, a move back, ``rest_s`` at rest; ``lead_s`` at the
    end. Returns the angle and, per rep, (move-in start, hold start, hold
    stop, move-out end) as sample indices: the hold runs from the last
    sample of the move in (where it reaches the held level) to the first of
    the move out."""
    n_move = int(move_s * fs)
    u = np.arange(1, n_move + 1) / n_move            # ends exactly at the held level
    up = u ** 3 * (10 - 15 * u + 6 * u ** 2)
    parts, marks, i = [np.zeros(int(lead_s * fs))], [], int(lead_s * fs)
    for rng_deg, hold in zip(ranges, holds):
        n_hold = int(hold * fs)
        parts += [rng_deg * up, np.full(n_hold, rng_deg), rng_deg * up[::-1], np.zeros(int(rest_s * fs))]
        marks.append((i, i + n_move - 1, i + n_move + n_hold, i + 2 * n_move + n_hold - 1))
        i += 2 * n_move + n_hold + int(rest_s * fs)
    parts.append(np.zeros(int(lead_s * fs)))
    return rest_deg + np.concatenate(parts), marks


@pytest.mark.parametrize("rest_deg, ranges, move_s, fs", [
    (0.0, [10.0, 10.0], 1.0, FS), (65.0, [10.0, 10.0], 1.0, FS), (-7.0, [3.0, 25.0], 1.0, FS),
    (0.0, [0.5, 0.5], 1.0, FS),   # half a degree (min_amplitude_deg 0.3), moving under 1 deg/s
    # Slow moves sampled fast: the move's first 2-30 % spans ~100 samples.
    (0.0, [10.0, 10.0], 2.0, 200.0)])
def test_each_rep_row_gives_its_moves_hold_and_levels(rest_deg, ranges, move_s, fs):
    x, marks = _reps_trace(ranges, [4.0, 1.2], rest_deg=rest_deg, move_s=move_s, fs=fs)
    from analysis.reps import HoldRepDetector

    det = HoldRepDetector(min_amplitude_deg=min(2.0, 0.6 * min(ranges))).detect(x, fs)
    r = det.reps_
    assert len(r) == 2 and det.rejected_.empty
    np.testing.assert_allclose(r.amplitude_deg, ranges, rtol=0.01)
    np.testing.assert_allclose(r.range_deg, ranges, atol=0.02)
    np.testing.assert_allclose(r.rest_deg, rest_deg, atol=0.02)
    assert det.typical_amplitude_deg_ == pytest.approx(np.median(ranges), rel=0.01)
    for k, (m_in, h_in, h_out, m_out) in enumerate(marks):
        # The hold from where the move in reaches the level to where the
        # release leaves it.
        assert (r.hold_start[k], r.hold_stop[k]) == (h_in, h_out)
        # The rep from where the angle has moved 2 % of the rep's amplitude
        # out of rest to where it is back within 2 % (to 10 ms: the
        # low-pass moves the crossing by a fraction of a sample).
        moved = np.flatnonzero(x[m_in - 5:m_out + 5] - rest_deg > 0.02 * r.amplitude_deg[k]) + m_in - 5
        tol = int(fs / 100)
        assert abs(r.start[k] - moved[0]) <= tol and abs(r.stop[k] - moved[-1]) <= tol
    # The excursion: the angle above its rest level.
    np.testing.assert_allclose(det.excursion_, x - rest_deg, atol=0.1 * max(ranges) / 10)


def test_a_short_hold_is_rejected_with_how_long_it_was_held():
    x, marks = _reps_trace([10.0] * 3, [4.0, 0.5, 4.0])
    from analysis.reps import HoldRepDetector

    det = HoldRepDetector().detect(x, FS)
    assert len(det.reps_) == 2
    (row,) = det.rejected_.itertuples()
    m_in, _, _, m_out = marks[1]
    assert m_in <= row.start <= m_in + 8 and m_out - 8 <= row.stop <= m_out
    # Held 0.5 s as built; timed from where the moves' speed falls to 5 %
    # of their peak (u = 0.059 of a 1 s min-jerk move: 3 samples from each
    # end) it reads 0.5 + 2 x 0.06 = 0.62 s.
    assert row.reason == "held 0.6 s"
    assert row.amplitude_deg == pytest.approx(10.0, abs=0.1)


def test_a_rep_cut_off_mid_hold_by_the_end_of_the_recording_does_not_count():
    x, marks = _reps_trace([10.0] * 2, [4.0, 4.0])
    end = marks[1][1] + int(3 * FS)         # 3 s into the second hold
    from analysis.reps import HoldRepDetector

    det = HoldRepDetector().detect(x[:end], FS)
    assert len(det.reps_) == 1
    (row,) = det.rejected_.itertuples()
    assert row.reason == "no still phase"
    assert marks[1][0] <= row.start <= marks[1][0] + 8 and row.stop == end


def test_a_hold_swaying_as_fast_as_the_moves_is_not_still():
    # 2 deg of 2 Hz sway on the hold: up to 25 deg/s, as fast as the moves
    # (peak 1.875 x 10 deg / 1 s = 18.75 deg/s).
    x, marks = _reps_trace([10.0] * 3, [4.0] * 3)
    t = np.arange(len(x)) / FS
    sway = np.zeros(len(x))
    for _, h_in, h_out, _ in marks:
        sway[h_in:h_out] = 2.0 * np.sin(2 * np.pi * 2.0 * t[h_in:h_out])
    from analysis.reps import HoldRepDetector

    assert len(HoldRepDetector().detect(x + sway, FS).reps_) == 3      # the default does not look
    # Sensor noise on a still hold (0.05 deg) is still.
    noisy = x + np.random.default_rng(2).normal(0.0, 0.05, len(x))
    assert len(HoldRepDetector(max_hold_speed_frac=0.5).detect(noisy, FS).reps_) == 3
    det = HoldRepDetector(max_hold_speed_frac=0.5).detect(x + sway, FS)
    assert det.reps_.empty
    assert list(det.rejected_.reason) == ["not still when held"] * 3
    for row, (m_in, _, _, m_out) in zip(det.rejected_.itertuples(), marks):
        assert m_in <= row.start <= m_in + 8 and m_out - 8 <= row.stop <= m_out


@pytest.mark.parametrize("gap, hold", [
    # The whole move in (samples 250-299) lost in a 1.2 s gap, 250-310,
    # and drawn as a straight line: the 1 s move took place in the gap's
    # middle (280), so it reached the hold half a second later, at 305.
    ((250, 310), (305, 500)),
    # The move out (500-549) lost in 1.4 s, 490-560: it left the hold half
    # a second before the gap's middle (525), at 500.
    ((490, 560), (299, 500)),
    # A gap of exactly a second, 250-300, is "a second or more": 275 + 25.
    ((250, 300), (300, 500)),
    # Another second lost mid-hold (380-430) is not where the move out was.
    ((380, 430, 490, 560), (299, 500)),
    # 0.2 s lost over the move's middle (270-280): a straight line there is
    # as good as the samples, the move is timed as built.
    ((270, 280), (299, 500)),
])
def test_a_move_hidden_in_a_gap_is_put_in_the_gap_s_middle(gap, hold):
    x, marks = _reps_trace([10.0], [4.0])
    assert marks[0][1:3] == (299, 500)
    valid = _lose(x, *zip(gap[::2], gap[1::2]))
    from analysis.reps import HoldRepDetector

    det = HoldRepDetector().detect(x, FS, valid=valid)
    assert len(det.reps_) == 1
    assert (det.reps_.hold_start[0], det.reps_.hold_stop[0]) == hold


def test_two_reps_with_an_incomplete_rest_between_stay_two():
    # Down from 10 to only 2.5 deg (a quarter of the way) for a second
    # between two holds: two reps, the second starting from 2.5.
    x = np.concatenate([np.zeros(250), _mj(0, 10, 1.0), _flat(10.0, 4.0), _mj(10, 2.5, 1.0), _flat(2.5, 1.0),
                        _mj(2.5, 10, 1.0), _flat(10.0, 4.0), _mj(10, 0, 1.0), np.zeros(250)])
    from analysis.reps import HoldRepDetector

    det = HoldRepDetector().detect(x, FS)
    assert len(det.reps_) == 2
    np.testing.assert_allclose(det.reps_.rest_deg, [0.0, 2.5], atol=0.02)
    np.testing.assert_allclose(det.reps_.range_deg, [10.0, 7.5], atol=0.02)
    holds = (det.reps_.hold_stop - det.reps_.hold_start).to_numpy() / FS
    np.testing.assert_allclose(holds, [4.0, 4.0], atol=0.05)


def test_a_set_of_small_reps_a_minute_after_big_ones_counts_in_full():
    # Four 20 deg lifts, then 40 s still, then three 6 deg presses: the
    # typical amplitude is the nearby reps' (within local_s = 40 s), so the
    # small ones are not "aborted" big ones.
    big, _ = _reps_trace([20.0] * 4, [3.0] * 4)
    small, _ = _reps_trace([6.0] * 3, [3.0] * 3)
    x = np.concatenate([big, _flat(0.0, 40.0), small])
    from analysis.reps import HoldRepDetector

    det = HoldRepDetector().detect(x, FS)
    np.testing.assert_allclose(det.reps_.range_deg, [20.0] * 4 + [6.0] * 3, atol=0.02)
    assert det.rejected_.empty


def test_a_new_detector_with_the_same_parameters():
    from analysis.reps import HoldRepDetector

    det = HoldRepDetector(1.5, 3.0, 0.3, 20.0, 4.0, 0.1, 30.0, 2.0, 0.5)
    assert vars(det.clone()) == vars(det) and det.clone() is not det


@pytest.mark.parametrize("amp, n", [(2.5, 3), (1.5, 0)])
def test_by_default_excursions_under_two_degrees_are_not_reps(amp, n):
    from analysis.reps import HoldRepDetector

    x, _ = _reps_trace([amp] * 3, [3.0] * 3)
    assert len(HoldRepDetector().detect(x, FS).reps_) == n


def test_by_default_a_6_hz_tremor_is_filtered_to_the_butterworth_gain():
    # 1 deg of 6 Hz tremor on the holds; the 3.5 Hz low-pass, run forward
    # and back, leaves 1 / (1 + (tan(6 pi / 50) / tan(3.5 pi / 50))^4) = 0.092 deg.
    from analysis.reps import HoldRepDetector

    x, marks = _reps_trace([10.0] * 2, [6.0] * 2)
    t = np.arange(len(x)) / FS
    for _, h_in, h_out, _ in marks:
        x[h_in:h_out] += np.sin(2 * np.pi * 6.0 * t[h_in:h_out])
    det = HoldRepDetector().detect(x, FS)
    assert len(det.reps_) == 2
    for _, h_in, h_out, _ in marks:
        held = det.excursion_[h_in + 50:h_out - 50] - 10.0
        assert np.sqrt(2) * held.std() == pytest.approx(_gain(6.0, 3.5), rel=0.03)


def test_reps_well_under_the_set_s_typical_amplitude_did_not_reach_the_hold():
    # Seven reps within 40 s: four of 18 deg, three of 7 deg between them.
    # The typical rep is 18 deg (the larger group of alike amplitudes);
    # 7 < 0.4 x 18 = 7.2: those three did not reach the held position.
    # 45 s before them, a lone 1.5 deg wobble: below min_amplitude_deg,
    # nothing near it to judge it by, and no bearing on the set.
    x, marks = _reps_trace([18.0, 7.0, 18.0, 7.0, 18.0, 7.0, 18.0], [1.5] * 7, rest_s=2.0)
    wobble = np.concatenate([_flat(0.0, 2.0), _mj(0, 1.5, 1.0), _flat(1.5, 1.0), _mj(1.5, 0, 1.0), _flat(0.0, 45.0)])
    x = np.concatenate([wobble, x])
    from analysis.reps import HoldRepDetector

    det = HoldRepDetector().detect(x, FS)
    np.testing.assert_allclose(det.reps_.range_deg, [18.0] * 4, atol=0.02)
    assert list(det.rejected_.reason) == ["did not reach the held position"] * 3
    np.testing.assert_allclose(det.rejected_.amplitude_deg, 7.0, rtol=0.01)


def test_when_the_small_reps_are_the_larger_group_they_set_the_typical_amplitude():
    # Seven reps within 40 s: four of 7 deg, three of 18 between them. The
    # larger group of alike amplitudes (within a factor 1.8) is the 7 deg
    # one: typical 7, and all seven reach 0.4 x 7.
    x, _ = _reps_trace([7.0, 18.0, 7.0, 18.0, 7.0, 18.0, 7.0], [1.5] * 7, rest_s=2.0)
    from analysis.reps import HoldRepDetector

    det = HoldRepDetector().detect(x, FS)
    np.testing.assert_allclose(det.reps_.range_deg, [7.0, 18.0, 7.0, 18.0, 7.0, 18.0, 7.0], atol=0.02)
    assert det.rejected_.empty


def test_quick_swings_do_not_set_the_typical_amplitude():
    # Five 30 deg swings (up and down in 1 s, no hold) around three 10 deg
    # reps: the swings are not rep-shaped, so the typical rep is 10 deg and
    # the reps count; each swing is rejected for its hold.
    swing = np.concatenate([_mj(0, 30, 0.5), _mj(30, 0, 0.5), _flat(0.0, 2.0)])
    reps, _ = _reps_trace([10.0] * 3, [3.0] * 3)
    x = np.concatenate([np.tile(swing, 4), reps, swing])
    from analysis.reps import HoldRepDetector

    det = HoldRepDetector().detect(x, FS)
    np.testing.assert_allclose(det.reps_.range_deg, [10.0] * 3, atol=0.02)
    assert len(det.rejected_) == 5 and all(r.startswith("held 0.") for r in det.rejected_.reason)


def test_the_direction_whose_holds_tremble_is_the_reps():
    # Four 10 deg reps held 2 s with 5 s rests between, from 20 deg, filling
    # the recording: the rests, seen upside down, are longer "holds" and the
    # posture cue cannot tell the two readings apart. The held muscles
    # tremble (activity 2 in the holds, 1 elsewhere): that decides. Without
    # the activity, the longer time held wins (the documented last resort).
    from analysis.reps import best_direction

    x, marks = _reps_trace([10.0] * 4, [2.0] * 4, rest_deg=20.0, lead_s=0.5, rest_s=5.0)
    x = x[:-int(5 * FS)]
    activity = np.ones(len(x))
    for _, h_in, h_out, _ in marks:
        activity[h_in:h_out] = 2.0
    sign, det = best_direction(x, FS, activity=activity)
    assert sign == 1
    assert list(zip(det.reps_.hold_start, det.reps_.hold_stop)) == [(h_in, h_out) for _, h_in, h_out, _ in marks]
    np.testing.assert_allclose(det.reps_.range_deg, 10.0, atol=0.02)
    assert best_direction(x, FS)[0] == -1


def test_an_excursion_that_ends_at_a_new_level_is_a_posture_change():
    # After two reps, up 10 deg, held 4 s, then down only to 5 deg and
    # staying there (the person shifted on the chair): not a rep. The
    # rest level (the opening) is the higher of the levels around it, 5,
    # so the excursion is 10 - 5 = 5 deg.
    reps, _ = _reps_trace([10.0] * 2, [3.0] * 2)
    n = len(reps)
    x = np.concatenate([reps, _mj(0, 10, 1.0), _flat(10.0, 4.0), _mj(10, 5, 1.0), _flat(5.0, 30.0)])
    from analysis.reps import HoldRepDetector

    det = HoldRepDetector().detect(x, FS)
    assert len(det.reps_) == 2
    (row,) = det.rejected_.itertuples()
    assert row.reason == "did not return (posture change)"
    assert row.amplitude_deg == pytest.approx(5.0, rel=0.01)
    assert n <= row.start < n + FS and n + 5 * FS <= row.stop < n + 6 * FS


def test_a_dip_mid_hold_in_the_last_rep_of_a_recording_is_still_one_rep():
    # The last rep sags to 2 deg for a moment 3 s into its hold and goes on
    # 5 s more: one rep, held from the end of the move in to the release.
    reps, _ = _reps_trace([10.0] * 2, [4.0] * 2)
    held = np.concatenate([_flat(10.0, 3.0), _mj(10, 2, 0.4), _flat(2.0, 0.3), _mj(2, 10, 0.4), _flat(10.0, 5.0)])
    x = np.concatenate([reps, _mj(0, 10, 1.0), held, _mj(10, 0, 1.0), _flat(0.0, 3.0)])
    from analysis.reps import HoldRepDetector

    det = HoldRepDetector().detect(x, FS)
    assert len(det.reps_) == 3 and det.rejected_.empty
    h_in = len(reps) + int(FS)
    assert (det.reps_.hold_start[2], det.reps_.hold_stop[2]) == (h_in, h_in + len(held))


def test_a_short_gap_over_part_of_a_move_keeps_the_hold_s_start():
    # 0.4 s lost (samples 278-297) over the move in's last third (250-299):
    # its 25 % and 50 % crossings (268, 275) are seen, and fix where the
    # move ended: at 299, as built.
    x, marks = _reps_trace([10.0], [4.0])
    valid = _lose(x, (278, 298))
    from analysis.reps import HoldRepDetector

    det = HoldRepDetector().detect(x, FS, valid=valid)
    assert (det.reps_.hold_start[0], det.reps_.hold_stop[0]) == marks[0][1:3] == (299, 500)


@pytest.mark.parametrize("hold_s", [0.85, 0.9, 0.95, 1.0, 1.05, 1.1])
def test_a_counted_rep_is_held_at_least_the_minimum(hold_s):
    # Around the 1 s minimum, however the hold's edges are fitted: a rep
    # that counts shows a hold of at least min_hold_s.
    x, _ = _reps_trace([10.0] * 3, [3.0, hold_s, 3.0])
    from analysis.reps import HoldRepDetector

    det = HoldRepDetector().detect(x, FS)
    held = (det.reps_.hold_stop - det.reps_.hold_start).to_numpy() / FS
    assert len(det.reps_) >= 2 and held.min() >= 1.0


def test_the_typical_amplitude_without_reps_is_that_of_the_excursions():
    from analysis.reps import HoldRepDetector

    still = HoldRepDetector().detect(np.zeros(1000), FS)
    assert still.reps_.empty and still.rejected_.empty and still.typical_amplitude_deg_ == 0.0
    swing = np.concatenate([_mj(0, 30, 0.5), _mj(30, 0, 0.5), _flat(0.0, 2.0)])
    swings = HoldRepDetector().detect(np.tile(swing, 4), FS)
    assert swings.reps_.empty and swings.typical_amplitude_deg_ == pytest.approx(30.0, rel=0.02)


def test_set_cues_need_a_rest_between_reps_for_the_posture():
    # Reps straight after one another (no rest between): nothing to read
    # the rest level from, the posture cue is unknown. Half-second rests
    # (two of them: 1 s still at rest) are enough: posture as with longer
    # rests.
    x, table, act = _cue_set(OUTSIDE_21, OUTSIDE_21[::-1].copy(), rest_s=0.0)
    assert np.isnan(_cues(x, table, act)[0])
    x, table, act = _cue_set(OUTSIDE_21, OUTSIDE_21[::-1].copy(), rest_s=0.5)
    assert _cues(x, table, act)[0] == pytest.approx(0.8, abs=0.03)


def test_the_posture_cue_decides_the_direction_before_the_time_held():
    # Four 10 deg reps held 2 s, 5 s rests, still 5 s before and after at
    # the rest level (20 deg): the rests, seen upside down, are held longer,
    # but the still level around the set is the rest's: reps upward.
    from analysis.reps import best_direction

    x, marks = _reps_trace([10.0] * 4, [2.0] * 4, rest_deg=20.0, rest_s=5.0)
    sign, det = best_direction(x, FS)
    assert sign == 1 and len(det.reps_) == 4


@pytest.mark.parametrize("hold_s", [4.0, 0.5])
def test_a_slow_creep_before_and_after_the_moves_is_not_part_of_the_rep(hold_s):
    # Half a degree of creep over a second (0.5 deg/s, under 5 % of the
    # moves' 18 deg/s peak) before the move in (300-349) and after the move
    # out (550-599): the rep runs from where the move in gets going (its
    # speed above 5 % of its peak: 3 samples in) to where the move out
    # settles (3 samples before its end).
    creep = 0.5 * np.arange(50) / 50
    # (Held 0.5 s, it does not count, and the rejected row spans the same.)
    x = np.concatenate([_flat(0.0, 5.0), creep, _mj(0.5, 10, 1.0), _flat(10.0, hold_s), _mj(10, 0.5, 1.0),
                        creep[::-1], _flat(0.0, 5.0)])
    from analysis.reps import HoldRepDetector

    det = HoldRepDetector().detect(x, FS)
    r = det.reps_ if hold_s > 1 else det.rejected_
    out_end = 350 + int(hold_s * FS) + 49
    assert len(r) == 1
    assert 300 <= r.start[0] <= 305 and out_end - 5 <= r.stop[0] <= out_end
    if hold_s > 1:
        assert (r.hold_start[0], r.hold_stop[0]) == (350, 550)


@pytest.mark.parametrize("approach", ["linear", "accelerating"])
def test_a_rep_straight_after_the_angle_settles_is_not_a_posture_change(approach):
    # The angle recovers to 0 over the second before the rep (an
    # orientation estimate settling after a brisk move): linearly from -16
    # deg, or from -10 slowly at first (-10 (1 - u^3)). Then a 10 deg rep
    # that returns to 0. The level before the rep (the median of that
    # second, about -6 or -9) is no level it left: the angle was still
    # moving all that second (by more than 0.3 of the step) toward where
    # the rep returns. One rep, not a posture change.
    u = np.arange(50) / 50
    ramp = np.linspace(-16.0, 0.0, 50, endpoint=False) if approach == "linear" else -10.0 * (1 - u ** 3)
    x = np.concatenate([_flat(ramp[0], 15.0), ramp, _mj(0, 10, 1.0), _flat(10.0, 4.0), _mj(10, 0, 1.0),
                        _flat(0.0, 15.0)])
    from analysis.reps import HoldRepDetector

    det = HoldRepDetector().detect(x, FS)
    assert len(det.reps_) == 1 and det.rejected_.empty
    assert (det.reps_.hold_stop[0] - det.reps_.hold_start[0]) / FS == pytest.approx(4.0, abs=0.1)


# ---- _median: np.median's value, faster on short stretches ------------------

@pytest.mark.parametrize("values", [[3.0], [2.0, 1.0], [5.0, 1.0, 4.0], [4.0, 1.0, 3.0, 2.0],
                                    [1.0, 1.0, 7.0, 7.0, 7.0], [-2.5, 0.5, 10.0, 3.0, -8.0, 1.5]])
def test_median_is_numpy_s_median(values):
    from analysis.reps import _median

    a = np.array(values)
    assert _median(a) == np.median(a)
    assert _median(a[::-1]) == np.median(a)
    assert list(a) == values              # the input is left as it was


def test_median_of_nothing_or_with_a_nan_is_nan():
    from analysis.reps import _median

    assert np.isnan(_median(np.array([1.0, np.nan, 2.0])))
    with pytest.warns(RuntimeWarning):
        assert np.isnan(_median(np.array([])))


def test_set_cues_filter_the_angle_they_are_given():
    # The detector keeps its low-passed angle for set_cues; another angle
    # (the same set held at 35 deg instead of 30) is filtered anew: with the
    # detector's amplitude (10), posture (|35 - 21| - |20 - 21|) / 10.
    x, table, act = _cue_set(OUTSIDE_21, OUTSIDE_21[::-1].copy())
    y, table_y, _ = _cue_set(OUTSIDE_21, OUTSIDE_21[::-1].copy(), held=35.0)
    from analysis.reps import HoldRepDetector, set_cues

    det = HoldRepDetector().detect(x, FS)
    assert set_cues(x, det, table, FS, act)[0] == pytest.approx(0.8, abs=0.03)
    assert table_y.equals(table)
    assert set_cues(y, det, table, FS, act)[0] == pytest.approx(1.3, abs=0.03)


def test_a_gap_under_0_3_s_over_a_move_s_middle_is_interpolated():
    # 0.22 s lost (273-283) over the move in's 50 % and 75 % crossings: too
    # short to hide the move's shape, the straight line stands in for it and
    # the hold starts within a sample of where it was built (299).
    x, marks = _reps_trace([10.0], [4.0])
    valid = _lose(x, (273, 284))
    from analysis.reps import HoldRepDetector

    det = HoldRepDetector().detect(x, FS, valid=valid)
    assert abs(det.reps_.hold_start[0] - marks[0][1]) <= 1


def test_a_hold_that_creeps_on_starts_where_the_move_in_ends():
    # After the 1 s move in (250-299) the held angle creeps on by 1 deg over
    # 1.5 s: the move ends where its own shape says (the level it reaches in
    # the hold's first quarter second), not where the creep stops.
    x = np.concatenate([_flat(0.0, 5.0), _mj(0, 10, 1.0), _mj(10, 11, 1.5), _flat(11.0, 3.0), _mj(11, 0, 1.0),
                        _flat(0.0, 5.0)])
    from analysis.reps import HoldRepDetector

    r = HoldRepDetector().detect(x, FS).reps_
    assert len(r) == 1 and abs(r.hold_start[0] - 299) <= 1
