"""Edges of the rep detector's rules, one sample either side.

Hand-built, noiseless angle traces (the helpers of ``test_reps_units``):
the expected holds, counts and reasons come from how each trace was built
and from the counting rule (a rep is held at least ``min_hold_s``), not
from the code under test. Fast: a few short arrays, no simulator.
"""
from __future__ import annotations

import numpy as np
import pytest
from test_reps_units import FS, _flat, _lose, _mj, _reps_trace

from analysis.reps import HoldRepDetector

# ---- the short-hold rule of _judge -------------------------------------------
#
# A hold is first timed from where each move's speed falls below
# ``hold_speed_frac`` of its peak. On a min-jerk move of 50 samples the
# speed k samples from its end is 16 u^2 (1 - u)^2 of the peak (u = 1 - k/50):
# 0.6 % at k = 1, 2.4 % at k = 2, 5.1 % at k = 3. With the default 5 % the
# edges sit 2 samples inside the moves (the hold reads 4 samples long);
# with 0.5 % they sit where the moves end or a sample past it (the hold
# reads short). A hold read short of the minimum is judged on its edges
# fitted to the moves' shapes, which find the built hold exactly.


@pytest.mark.parametrize("n_hold, counts", [(49, True), (48, False)])
def test_a_hold_read_short_by_its_speed_edges_counts_when_its_fitted_hold_reaches_the_minimum(n_hold, counts):
    # The middle rep's hold runs from the last sample of the move in (699)
    # to the first of the move out (699 + n_hold + 1): 50 samples (1.00 s,
    # exactly the minimum) for n_hold = 49, 49 samples (0.98 s) for 48.
    x, marks = _reps_trace([10.0] * 3, [3.0, n_hold / FS, 3.0])
    h_in, h_out = marks[1][1:3]
    assert (h_in, h_out) == (699, 700 + n_hold)
    det = HoldRepDetector(hold_speed_frac=0.005).detect(x, FS)
    if counts:
        assert len(det.reps_) == 3 and det.rejected_.empty
        assert (det.reps_.hold_start[1], det.reps_.hold_stop[1]) == (h_in, h_out)
        assert (det.reps_.hold_stop[1] - det.reps_.hold_start[1]) / FS == 1.0
    else:
        assert len(det.reps_) == 2
        (row,) = det.rejected_.itertuples()
        assert row.reason.startswith("held 0.9")


@pytest.mark.parametrize("min_hold_s, n_hold, reason", [
    # The trace's moves (``_mj``) end one sample short of the level: the
    # speed is 5.2 % of the peak 3 samples before the first flat sample,
    # 2.5 % 2 before it, and the same after the move out begins: the hold
    # reads n_hold + 4 samples between the speed edges.
    # 25 samples, exactly half of a 1 s minimum: judged as a whole, it
    # stepped to a new level; 24 samples are under half.
    (1.0, 21, "did not return (posture change)"),
    (1.0, 20, "held 0.5 s"),
    # Held 0.6 s as built (0.68 s between the speed edges): under half of a
    # 2 s minimum, it is judged on how long it was held and goes no further.
    (2.0, 30, "held 0.7 s"),
    # Held 1.4 s (1.5 s between the speed edges): over half of 2 s, it is
    # judged as a whole: it stepped to a new level.
    (2.0, 70, "did not return (posture change)"),
    # The same two against a 0.5 s minimum: a 0.4 s hold (0.5 s read) is over
    # half of it, and does not return either.
    (0.5, 20, "did not return (posture change)"),
    (0.5, 5, "held 0.2 s"),
])
def test_a_step_held_under_half_the_minimum_is_rejected_for_its_hold(min_hold_s, n_hold, reason):
    # Two reps, then up 10 deg, held, and down to 5 deg only, staying there.
    reps, _ = _reps_trace([10.0] * 2, [3.0] * 2)
    x = np.concatenate([reps, _mj(0, 10, 1.0), _flat(10.0, n_hold / FS), _mj(10, 5, 1.0), _flat(5.0, 30.0)])
    det = HoldRepDetector(min_hold_s=min_hold_s).detect(x, FS)
    assert len(det.reps_) == 2
    (row,) = det.rejected_.itertuples()
    assert row.reason == reason
    # Either way the row spans the excursion above the rest level (the
    # higher of the two around it, 5 deg): from the middle of the move in
    # (where it passes 5 deg, 25 samples in) to the end of the move out
    # (within the 5 % speed edge).
    mid_in, m_out = len(reps) + 25, len(reps) + 2 * int(FS) + n_hold
    assert mid_in <= row.start <= mid_in + 3 and m_out - 8 <= row.stop <= m_out


# ---- set_cues: "around the set" is the 10 s before and after it ---------------

@pytest.mark.parametrize("at_rest_s, posture", [(5.3, 1.0), (4.7, 0.8)])
def test_set_cues_read_the_still_level_in_the_ten_seconds_before_the_set(at_rest_s, posture):
    # Still at 21 deg for 30 s, then at the rest level (20) for 5.3 s or 4.7 s
    # before the set starts; nothing after it. Of the 10 s before the set,
    # the larger part (5.3 s, or 5.3 s at 21) sets the level outside:
    # 20 -> posture (10 - 0) / 10, 21 -> (9 - 1) / 10.
    from test_reps_units import _cue_set, _cues

    before = np.concatenate([_flat(21.0, 30.0), _flat(20.0, at_rest_s)])
    x, table, act = _cue_set(before, np.zeros(0))
    assert _cues(x, table, act)[0] == pytest.approx(posture, abs=0.03)


def test_set_cues_rests_are_where_the_angle_is_within_15_percent_of_the_amplitude():
    # Three 10 deg reps with half-second rests: the rests (activity 0.5)
    # are 2 x 25 samples; the moves (activity 3) spend their first and last
    # 29 % of the time within 1.5 deg (15 % of 10) of rest (a min-jerk move
    # covers 15 % of its distance at u = 0.29): 6 x ~15 samples. Those count
    # as resting too: median activity at rest 3, tremor 2 / 3. (Were only
    # the samples within 0.015 deg of rest counted, the rests would win:
    # tremor 2 / 0.5.)
    from test_reps_units import OUTSIDE_21, _cue_set, _cues

    x, table, act = _cue_set(OUTSIDE_21, OUTSIDE_21[::-1].copy(), rest_s=0.5)
    assert _cues(x, table, act)[1] == pytest.approx(2.0 / 3.0)


# ---- the typical amplitude is that of the reps within local_s -----------------

def _rep(range_deg: float) -> np.ndarray:
    """A 5 s rep: 1 s up, 3 s held, 1 s down."""
    return np.concatenate([_mj(0, range_deg, 1.0), _flat(range_deg, 3.0), _mj(range_deg, 0, 1.0)])


@pytest.mark.parametrize("apart, small_counts", [(2000, False), (2001, True)])
def test_reps_exactly_local_s_away_set_the_typical_amplitude(apart, small_counts):
    # A 7 deg rep between two pairs of 20 deg ones (10 s apart in a pair),
    # the nearer of each pair's middles `apart` samples from its middle
    # (the same shape, so their excursions' middles are as far apart). At
    # 40 s (2000 samples at 50 Hz: "within local_s") two big reps are near
    # it, the typical rep is 20 deg and 7 < 0.4 x 20: it did not reach the
    # hold. A sample further, it stands alone: its own amplitude is the
    # typical one and it counts. The big reps count either way.
    big, small = _rep(20.0), _rep(7.0)
    pair_gap, gap = np.zeros(500 - len(big)), np.zeros(apart - len(big))
    x = np.concatenate([_flat(0.0, 5.0), big, pair_gap, big, gap, small, gap, big, pair_gap, big, _flat(0.0, 5.0)])
    det = HoldRepDetector().detect(x, FS)
    if small_counts:
        np.testing.assert_allclose(det.reps_.range_deg, [20.0, 20.0, 7.0, 20.0, 20.0], atol=0.02)
        assert det.rejected_.empty
    else:
        np.testing.assert_allclose(det.reps_.range_deg, [20.0] * 4, atol=0.02)
        assert list(det.rejected_.reason) == ["did not reach the held position"]


# ---- set_cues: how much there must be to read -------------------------------
#
# The posture cue needs more than a second of still samples around the set
# and of holds (less their first and last 0.3 s); the tremor cue more than a
# second of holds and half a second of rests.

@pytest.mark.parametrize("still_before, known", [(50, False), (51, True)])
def test_set_cues_need_more_than_a_second_still_around_the_set(still_before, known):
    # The set starts `still_before` samples into the recording, at rest,
    # and ends it: 50 still samples (a second) outside are not enough.
    from test_reps_units import _cue_set, _cues

    x, table, act = _cue_set(_flat(20.0, still_before / FS), np.zeros(0))
    assert table.start.iloc[0] == still_before and table.stop.iloc[-1] == len(x)
    posture, tremor, _ = _cues(x, table, act)
    assert np.isfinite(posture) == known
    if known:
        assert posture == pytest.approx(1.0, abs=0.03)


@pytest.mark.parametrize("hold_s, known", [(0.8, False), (0.84, True)])
def test_set_cues_need_more_than_a_second_of_holds(hold_s, known):
    # Five holds of 40 samples, less 2 x 15 at their edges: 50 samples, a
    # second, not enough for either cue; of 42 samples: 60, enough.
    from test_reps_units import OUTSIDE_21, _cue_set, _cues

    x, table, act = _cue_set(OUTSIDE_21, OUTSIDE_21[::-1].copy(), hold_s=hold_s, reps=5)
    posture, tremor, held = _cues(x, table, act)
    assert held == pytest.approx(5 * hold_s)
    assert np.isfinite(posture) == np.isfinite(tremor) == known
    if known:
        assert (posture, tremor) == (pytest.approx(0.8, abs=0.03), pytest.approx(2.0 / 0.5))


def test_set_cues_tremor_reads_the_moves_near_rest_when_reps_follow_each_other():
    # Two reps straight after one another: no still rest, so no posture,
    # but the moves' first and last 29 % lie within 15 % of the amplitude
    # of rest (4 x ~15 samples, over half a second): tremor 2 / 3 (the
    # moves' activity), as in the test above with rests.
    from test_reps_units import OUTSIDE_21, _cue_set, _cues

    x, table, act = _cue_set(OUTSIDE_21, OUTSIDE_21[::-1].copy(), reps=2, rest_s=0.0)
    posture, tremor, _ = _cues(x, table, act)
    assert np.isnan(posture) and tremor == pytest.approx(2.0 / 3.0)


# ---- _settled: a move ends where its speed turns, if it does before 5 % ------

def _ramp(a: float, b: float, s: float, n: int) -> np.ndarray:
    """``n`` samples of a min-jerk move from ``a`` to ``b`` over ``s`` s, then staying at ``b``."""
    u = np.clip(np.arange(n) / (s * FS), 0.0, 1.0)
    return a + (b - a) * u ** 3 * (10 - 15 * u + 6 * u ** 2)


def _premoved(pre_s: float, start: int) -> tuple[np.ndarray, np.ndarray]:
    """A 1 deg pre-move over ``pre_s`` from sample 250 running into a 10 deg
    move in (1 s) from ``start``, held until ``start`` + 250, released over
    1 s; the angle and its speed (deg/s)."""
    n = 1200
    x = np.zeros(n)
    x[250:] += _ramp(0.0, 1.0, pre_s, n - 250)
    x[start:] += _ramp(0.0, 10.0, 1.0, n - start)
    x[start + 250:] -= _ramp(0.0, 11.0, 1.0, n - start - 250)
    return x, np.gradient(x) * FS


def test_a_twitch_running_into_the_move_in_is_not_part_of_the_rep():
    # A 1 deg twitch over 0.5 s from sample 250, and 0.4 s after it began
    # the 10 deg move in (1 s), held 4 s from 520, released over 1 s. The
    # speed never falls below 5 % of the move's peak between the two: it
    # dips to 6 % where the twitch slows and the move speeds up (the built
    # speed's local minimum) and rises again. The move in starts there, and
    # so does the rep; not where the twitch began, 20 samples earlier.
    x, speed = _premoved(0.5, 270)
    dips = [i for i in range(251, 300) if speed[i - 1] > speed[i] <= speed[i + 1]]
    assert len(dips) == 1 and 0.05 < speed[dips[0]] / speed[:520].max() < 0.15
    det = HoldRepDetector().detect(x, FS)
    assert len(det.reps_) == 1
    assert abs(det.reps_.start[0] - dips[0]) <= 2


# ---- _move_end: which gap hid a move -------------------------------------------
# (The rep of test_reps_units: move in 250-299, its middle at 274-275, held
# to 500, move out 500-549.)

def test_a_gap_of_a_second_over_the_move_s_start_and_middle_places_it_in_the_gap():
    # Lost 230-279: the move's start and middle (its 25 % and 50 %
    # crossings, on the straight line drawn over the gap) are hidden; its
    # 75 % crossing (282) is seen after the gap. A gap of a second holds the
    # middle: the move is put in the gap's middle (255), ending half a
    # second later: the hold starts at 280.
    x, marks = _reps_trace([10.0], [4.0])
    valid = _lose(x, (230, 280))
    det = HoldRepDetector().detect(x, FS, valid=valid)
    assert (det.reps_.hold_start[0], det.reps_.hold_stop[0]) == (280, 500)


@pytest.mark.parametrize("lost", [(255, 285), (510, 540)])
def test_a_gap_under_a_second_over_a_move_s_middle_leaves_the_hold_to_the_speed(lost):
    # 0.6 s lost over all three crossings of the move in (255-284) or of
    # the move out (510-539): a gap under a second is not where a move went
    # missing; without both fitted edges the hold runs between where the
    # moves' speeds settle below 5 % of their peaks: 2 samples before the
    # move in ends (297, give or take the straight line's kink) and 2 after
    # the move out begins (502). (Placed in the gap's middle, the move in
    # would end at 295, the move out begin at 500.)
    x, marks = _reps_trace([10.0], [4.0])
    valid = _lose(x, lost)
    det = HoldRepDetector().detect(x, FS, valid=valid)
    assert abs(det.reps_.hold_start[0] - 297) <= 1 and det.reps_.hold_stop[0] == 502


@pytest.mark.parametrize("n_hold, counts", [(45, True), (44, False)])
def test_a_hold_read_exactly_the_minimum_between_the_speed_edges_counts(n_hold, counts):
    # With the default 5 % the speed edges sit 2 samples inside each move
    # (above): the middle rep's hold reads from 697 to 699 + n_hold + 3,
    # n_hold + 5 samples: 50 (1.00 s, the minimum) for n_hold = 45, 49 for 44.
    # Fitted to the moves' shapes it is shorter (n_hold + 1 samples), so the
    # speed edges stand.
    x, marks = _reps_trace([10.0] * 3, [3.0, n_hold / FS, 3.0])
    det = HoldRepDetector().detect(x, FS)
    if counts:
        assert len(det.reps_) == 3 and det.rejected_.empty
        assert (det.reps_.hold_start[1], det.reps_.hold_stop[1]) == (697, 747)
    else:
        assert len(det.reps_) == 2
        (row,) = det.rejected_.itertuples()
        assert row.reason == "held 1.0 s"   # 0.98 s


def _crept(hold: np.ndarray) -> np.ndarray:
    """Half a degree of creep over a second (under 5 % of the moves' peak
    speed) before the move in (350-399, 0.5 -> 10 deg), ``hold``, the move
    out, the creep back; 6 s still either side."""
    creep = 0.5 * np.arange(50) / 50
    return np.concatenate([_flat(0.0, 6.0), creep, _mj(0.5, 10, 1.0), hold, _mj(10, 0.5, 1.0),
                           creep[::-1], _flat(0.0, 6.0)])


@pytest.mark.parametrize("kind", ["brief", "swaying"])
def test_a_rejected_rep_spans_its_moves_not_the_creep_around_them(kind):
    # Held 0.3 s (0.4 s between the speed edges: under half the minimum),
    # or 4 s swaying 2 deg at 2 Hz (up to 25 deg/s, as fast as the moves)
    # with max_hold_speed_frac 0.5. Rejected, the row spanning the rep from
    # where the move in gets going (its speed above 5 % of its peak, within
    # 3 samples of its start, 350) to where the move out settles (within 3
    # samples of its end), not the creep.
    if kind == "brief":
        hold, reason, det = _flat(10.0, 0.3), "held 0.4 s", HoldRepDetector()
    else:
        hold = 10.0 + 2.0 * np.sin(2 * np.pi * 2.0 * np.arange(200) / FS)
        reason, det = "not still when held", HoldRepDetector(max_hold_speed_frac=0.5)
    x = _crept(hold)
    out_end = 400 + len(hold) + 49
    det.detect(x, FS)
    assert det.reps_.empty
    (row,) = det.rejected_.itertuples()
    assert row.reason == reason
    assert 350 <= row.start <= 353 and out_end - 3 <= row.stop <= out_end


def test_a_ripple_in_the_move_s_speed_is_no_turn():
    # A 1 deg pre-move over 0.8 s from sample 250 with the 10 deg move in
    # starting half a second later: the speed dips to 11 % of the move's peak
    # and rises again by only 1.4 % of it (under the 4 % a turn needs) before
    # the move takes over. One move: the rep starts where the angle has left
    # rest by 2 % of the rep's amplitude, as any rep does (test_reps_units),
    # not at the ripple.
    x, speed = _premoved(0.8, 275)
    peak = speed[:525].max()
    dips = [i for i in range(251, 300) if speed[i - 1] > speed[i] <= speed[i + 1]]
    bumps = [i for i in range(251, 300) if speed[i - 1] < speed[i] >= speed[i + 1] and speed[i] < 0.5 * peak]
    assert dips == [275] and len(bumps) == 1
    assert 0.10 < speed[275] / peak < 0.12 and 0.01 < (speed[bumps[0]] - speed[275]) / peak < 0.02
    det = HoldRepDetector().detect(x, FS)
    assert len(det.reps_) == 1
    moved = np.flatnonzero(x > 0.02 * det.reps_.amplitude_deg[0])[0]
    assert abs(det.reps_.start[0] - moved) <= 1


# ---- detect: which lost samples may hide a move's shape ----------------------

@pytest.mark.parametrize("lost, hold", [
    # 15 samples (0.3 s) lost over all three crossings (268-282) may hide
    # the move's shape: no fitted edge, the hold runs between the speed
    # edges, 2 samples inside each move (297, 502).
    ((268, 283), (297, 502)),
    # 14 samples (0.28 s) are bridged by the straight line: the move's fit
    # finds the hold as built.
    ((268, 282), (299, 500)),
])
def test_a_gap_of_0_3_s_or_more_may_hide_a_move(lost, hold):
    x, marks = _reps_trace([10.0], [4.0])
    assert marks[0][1:3] == (299, 500)
    # The recording starts with 0.4 s lost too (far from the rep).
    valid = _lose(x, (0, 20), lost)
    det = HoldRepDetector().detect(x, FS, valid=valid)
    assert (det.reps_.hold_start[0], det.reps_.hold_stop[0]) == hold
    # The same mask as 0/1 integers (a column read back from a file) is the same mask.
    ints = HoldRepDetector().detect(x, FS, valid=valid.astype(int))
    assert (ints.reps_.hold_start[0], ints.reps_.hold_stop[0]) == hold


# ---- the defaults' documented meanings: max_dip_s, max_rep_s ----------------------

@pytest.mark.parametrize("dip_s, ranges, rejected", [
    (0.5, [20.0] * 3 + [10.0] + [20.0] * 3, 0),
    (1.5, [20.0] * 6, 2),
])
def test_a_dip_mid_hold_joins_the_two_parts_only_when_shorter_than_max_dip_s(dip_s, ranges, rejected):
    # Among 20 deg reps (so the excursions are cut where the angle comes
    # back within 30 % of 20 deg), a 10 deg hold that sags to 5 deg for
    # `dip_s` and goes on: a dip shorter than max_dip_s (1 s) joins the two
    # parts into one rep; a longer one leaves two parts that each end at a
    # level they did not start from (posture changes), and no rep.
    big, _ = _reps_trace([20.0] * 3, [3.0] * 3)
    sag = np.concatenate([_mj(0, 10, 1.0), _flat(10.0, 3.0), _mj(10, 5, 0.5), _flat(5.0, dip_s), _mj(5, 10, 0.5),
                          _flat(10.0, 3.0), _mj(10, 0, 1.0), _flat(0.0, 3.0)])
    det = HoldRepDetector().detect(np.concatenate([big, sag, big]), FS)
    np.testing.assert_allclose(det.reps_.range_deg, ranges, atol=0.05)
    assert list(det.rejected_.reason) == ["did not return (posture change)"] * rejected


@pytest.mark.parametrize("hold_s, found", [(22.0, True), (24.4, False)])
def test_reps_longer_than_max_rep_s_are_not_reps(hold_s, found):
    # max_rep_s (25 s) is the longest rep expected. A 22 s hold with its two
    # 1 s moves (24 s) is found in full; a 24.4 s hold (26.4 s with its
    # moves) is a level the angle stays at, not a rep.
    x, _ = _reps_trace([10.0], [hold_s], lead_s=30.0)
    det = HoldRepDetector().detect(x, FS)
    if found:
        assert len(det.reps_) == 1 and det.reps_.range_deg[0] == pytest.approx(10.0, abs=0.02)
        assert (det.reps_.hold_stop[0] - det.reps_.hold_start[0]) / FS == pytest.approx(hold_s, abs=0.05)
    else:
        assert det.reps_.empty


def test_a_rep_straight_after_the_angle_settles_slowly_at_first_is_not_a_posture_change():
    # As in test_reps_units, with the angle recovering to 0 over the second
    # before the rep slowly at first: -10 (1 - u^5). The level before the
    # rep (the median of that second) is about -9.7: a step of 9.7 deg, and
    # the angle moved 10 deg toward it in that second, more than 0.3 of the
    # step (though not 1.3 of it): settling, not a level left for good.
    u = np.arange(50) / 50
    x = np.concatenate([_flat(-10.0, 15.0), -10.0 * (1 - u ** 5), _mj(0, 10, 1.0), _flat(10.0, 4.0), _mj(10, 0, 1.0),
                        _flat(0.0, 15.0)])
    det = HoldRepDetector().detect(x, FS)
    assert len(det.reps_) == 1 and det.rejected_.empty
    assert (det.reps_.hold_stop[0] - det.reps_.hold_start[0]) / FS == pytest.approx(4.0, abs=0.1)


def test_the_typical_rep_is_the_median_of_the_largest_alike_group_only():
    # Seven reps of 10 to 16 deg (alike: within a factor 1.8 of each other)
    # and three of 5 deg among them, all within 40 s. The largest alike
    # group is the seven; its median, 13 deg, is the typical rep, and 5 <
    # 0.4 x 13 = 5.2: the three did not reach the held position. (Were the
    # 5 deg reps, a factor 2 below the group, counted in it, the median
    # would be 11.5 and they would reach 0.4 x 11.5 = 4.6.)
    amps = [10.0, 11.0, 12.0, 5.0, 13.0, 5.0, 14.0, 5.0, 15.0, 16.0]
    x, _ = _reps_trace(amps, [1.5] * len(amps), rest_s=1.5)
    det = HoldRepDetector().detect(x, FS)
    np.testing.assert_allclose(det.reps_.range_deg, [10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0], atol=0.02)
    assert list(det.rejected_.reason) == ["did not reach the held position"] * 3


def test_on_a_tie_the_smaller_alike_group_sets_the_typical_rep():
    # Four 5 deg reps and four 12 deg ones (a factor 2.4 apart: two alike
    # groups of four, a tie) around a 2.5 deg rep, all within 40 s. The
    # smaller group sets the typical rep, 5 deg, and 2.5 >= 0.4 x 5: all
    # nine count. (Were the 12 deg reps counted in its group, the typical
    # rep would be 8.5 and the 2.5 deg one short of 0.4 x 8.5 = 3.4.)
    amps = [5.0, 12.0, 5.0, 12.0, 2.5, 5.0, 12.0, 5.0, 12.0]
    x, _ = _reps_trace(amps, [1.5] * len(amps), rest_s=1.5)
    det = HoldRepDetector().detect(x, FS)
    np.testing.assert_allclose(det.reps_.range_deg, amps, atol=0.02)
    assert det.rejected_.empty
