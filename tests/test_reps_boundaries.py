"""Edges of the rep detector's rules, one sample either side.

Hand-built, noiseless angle traces (the helpers of ``test_reps_units``):
the expected holds, counts and reasons come from how each trace was built
and from the counting rule (a rep is held at least ``min_hold_s``), not
from the code under test. Fast: a few short arrays, no simulator.
"""
from __future__ import annotations

import numpy as np
import pytest

from analysis.reps import HoldRepDetector
from test_reps_units import FS, _flat, _mj, _reps_trace

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
    # Held 0.6 s as built (0.7 s between the speed edges): under half of a
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
    # A 7 deg rep between two 20 deg ones, their middles `apart` samples
    # from its middle (the same shape, so their excursions' middles are as
    # far apart). At 40 s (2000 samples at 50 Hz: "within local_s") both
    # big reps are near it, the typical rep is 20 deg and 7 < 0.4 x 20: it
    # did not reach the hold. A sample further, it stands alone: its own
    # amplitude is the typical one and it counts. The big reps count
    # either way.
    big, small = _rep(20.0), _rep(7.0)
    gap = np.zeros(apart - len(big))
    x = np.concatenate([_flat(0.0, 5.0), big, gap, small, gap, big, _flat(0.0, 5.0)])
    det = HoldRepDetector().detect(x, FS)
    if small_counts:
        np.testing.assert_allclose(det.reps_.range_deg, [20.0, 7.0, 20.0], atol=0.02)
        assert det.rejected_.empty
    else:
        np.testing.assert_allclose(det.reps_.range_deg, [20.0, 20.0], atol=0.02)
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
