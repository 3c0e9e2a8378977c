"""Issue 12: detection under hard conditions (soft tiptoe landings, burst loss at low rates, uneven holds).

Each test builds a case of one failure kind by hand (expected values from the
construction) or from the simulator on tuning seeds below 10000 (expected
values from the simulator's own truth record), and fails on the code before
the fix it covers.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.confidence import is_counted
from analysis.families import HoldSetDetector
from analysis.gait import StrideDetector
from analysis.pipeline import analyze_recording
from analysis.reps import lowpass
from analysis.scoring import match_bouts
from analysis.signals import gap_lowpass
from sensors.simulator import simulate_session

FS = 50.0


# -- strides: two peaks a stride of about the same height -------------------

def test_contacts_keep_one_phase_when_an_off_phase_peak_is_higher():
    """Impacts every 1.0 s (height 1.0); a second bump each stride half a stride
    later, sometimes a little higher (1.1). Picking the highest peak within 0.6
    stride jumped onto those; the chain keeps the contacts a stride apart."""
    period_s = 1.0
    n = int(20 * FS)
    t = np.arange(n) / FS
    contacts = np.arange(1.0, 19.0, period_s)
    score = np.zeros(n)
    for k, c in enumerate(contacts):
        score += np.exp(-0.5 * ((t - c) / 0.03) ** 2)
        off = 1.1 if k % 3 == 1 else 0.8
        score += off * np.exp(-0.5 * ((t - c - 0.45 * period_s) / 0.03) ** 2)
    cand = np.flatnonzero((score[1:-1] > score[:-2]) & (score[1:-1] >= score[2:])) + 1
    chain = StrideDetector()._chain(cand, score[cand] / score.max(), period_s * FS)
    # The chain may start on either phase's first peak, but it keeps one phase:
    # every interval is one stride, and it holds every impact but the first two.
    assert np.allclose(np.diff(chain) / FS, period_s, atol=0.03)
    found = t[chain]
    on_impacts = np.isin(np.round(found, 2), np.round(contacts, 2))
    assert on_impacts.sum() >= len(contacts) - 2


@pytest.mark.parametrize("seed", [5004, 5007])
def test_tiptoe_strides_at_the_ankle_are_all_counted(seed):
    """Simulated tiptoe walks with a shank sensor (tuning seeds): before, 22 of
    25 and 40 of 41 contacts were found."""
    rec, truth = simulate_session(seed=seed, tier="ankle", exercises=["tiptoe_walk"], distractors=False)
    doc = analyze_recording(rec)
    true_strides = len(truth["exercises"][0]["strides"])
    found = [e for e in doc["exercises"] if e["exercise"] == "tiptoe_walk"]
    assert [len(e["strides"]) for e in found] == [true_strides]


# -- tilt across a gap while the foot trembles -------------------------------

def test_a_gap_in_a_trembling_hold_makes_no_bump_in_the_tilt():
    """A held level of 1.0 with 9 Hz tremor of ±0.5; 0.4 s lost and bridged by a
    straight line between two tremor crests (what the resampler does). The
    low-pass of the valid samples stays at the level; the plain one made a bump."""
    n = int(10 * FS)
    t = np.arange(n) / FS
    x = 1.0 + 0.5 * np.cos(2 * np.pi * 9.0 * t)
    valid = np.ones(n, dtype=bool)
    a = int(round(5.0 * FS))
    b = a + int(0.4 * FS)
    # The gap's edge samples both sit near a crest (+0.5): the line holds them.
    crest = np.flatnonzero(np.isclose(np.cos(2 * np.pi * 9.0 * t), 1.0, atol=0.1))
    a, b = crest[crest >= a][0], crest[crest >= b][0]
    x[a + 1:b] = np.linspace(x[a], x[b], b - a + 1)[1:-1]
    valid[a + 1:b] = False
    sel = slice(int(2 * FS), int(8 * FS))
    plain = lowpass(x[:, None], 2.0, FS)[:, 0]
    fixed = gap_lowpass(x[:, None], valid, 2.0, FS)[:, 0]
    # The line held the crests (+0.5) for the gap: a bump of 0.38 after the
    # low-pass. From the valid samples, only the tremor's own imbalance near
    # the gap's edges is left (0.10, measured), a quarter of that.
    assert np.max(np.abs(plain[sel] - 1.0)) > 0.3  # the failure this covers
    assert np.max(np.abs(fixed[sel] - 1.0)) < 0.15
    far = np.abs(t - t[(a + b) // 2]) > 1.0
    assert np.max(np.abs(fixed[sel][far[sel]] - 1.0)) < 0.01


def test_without_gaps_the_tilt_low_pass_is_unchanged():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(500, 2)).cumsum(axis=0)
    assert np.array_equal(gap_lowpass(x, np.ones(500, dtype=bool), 2.0, FS), lowpass(x, 2.0, FS))


# -- a set's last rep held short ----------------------------------------------

def _set(holds_s):
    rows = []
    at = 100
    for h in holds_s:
        rows.append({"start": at, "stop": at + int((h + 2) * FS), "hold_start": at + int(FS),
                     "hold_stop": at + int((h + 1) * FS), "amplitude_deg": 10.0, "range_deg": 10.0,
                     "rest_deg": 0.0})
        at += int((h + 5) * FS)
    return pd.DataFrame(rows)


def test_a_real_rep_held_under_half_the_median_stays_in_its_set():
    """Holds of one person spread: a last rep held 2.2 s in a set held ~5 s is a
    rep (before: dropped as fiddling below 0.45 of the median)."""
    kept = HoldSetDetector._drop_outliers(_set([5.0, 5.4, 4.6, 5.2, 4.8, 2.2]), FS)
    assert len(kept) == 6


def test_as_many_still_moments_as_reps_do_not_make_the_reps_outliers():
    """Seven 6° reps, then seven 0.2° wobbles of a foot standing still: the
    wobbles go, the reps stay (before, the median of all fourteen made every
    rep above 1.8 times it "too far" and kept 3)."""
    g = _set([1.5] * 14)
    g.loc[:6, "amplitude_deg"] = [6.0, 6.3, 6.0, 5.3, 5.2, 5.5, 5.9]
    g.loc[:6, "range_deg"] = [5.2, 5.6, 5.4, 4.8, 4.4, 5.0, 5.3]
    g.loc[7:, "amplitude_deg"] = 0.8
    g.loc[7:, "range_deg"] = [0.2, -0.1, 0.0, 0.1, -0.1, 0.0, 0.2]
    kept = HoldSetDetector._drop_outliers(g, FS)
    assert list(kept.index) == list(range(7))


def test_a_shallow_band_rep_between_deep_ones_stays_in_its_set():
    """One person's band reps spread 11-32 deg: a 12 deg rep amid ~30 deg ones,
    held alike, is a rep (before: dropped under 0.4 of the deeper half's median,
    simulator hard tier seeds 3002 and 3011, 9 read as 8)."""
    g = _set([3.3, 4.5, 4.5, 6.9, 4.9, 2.0, 3.7, 5.4, 2.2])
    g["range_deg"] = [29.1, 24.5, 21.0, 29.5, 11.6, 31.5, 16.4, 26.9, 26.9]
    g["amplitude_deg"] = g["range_deg"] + 3.0
    assert len(HoldSetDetector._drop_outliers(g, FS)) == 9


def test_shallow_moves_at_a_sets_end_are_still_dropped():
    """A 10.5 deg move after the set's last rep is no rep of it: sway or a
    shift, which follows or precedes a set (the deeper half's 0.4 still applies there)."""
    g = _set([3.3, 4.5, 4.5, 6.9, 2.0, 3.7, 5.4, 2.2, 4.9])
    g["range_deg"] = [29.1, 24.5, 21.0, 29.5, 31.5, 16.4, 26.9, 26.9, 10.5]
    g["amplitude_deg"] = g["range_deg"] + 3.0
    assert len(HoldSetDetector._drop_outliers(g, FS)) == 8


def test_a_brief_fiddle_at_a_sets_end_is_still_dropped():
    """Adjusting the band after the set: a 1 s "hold" next to 5 s holds."""
    kept = HoldSetDetector._drop_outliers(_set([5.0, 5.4, 4.6, 5.2, 4.8, 1.0]), FS)
    assert len(kept) == 5


@pytest.mark.parametrize("seed, placement, amp_deg, hold_s, rate_hz", [
    # Shank sensor, 3° tip with a knee bend, holds spread around 5 s, the
    # last held 2.2 s: dropped as fiddling before (6 of 7).
    (3058, "ankle", 3.0, 5.0, 50.0),
    # Foot sensor, 6° presses held 1.2-1.7 s: a 1.2 s hold measured 0.9 s
    # where the moves' speed fell below 5 % of its peak (6 of 7 before).
    (3024, "foot", 6.0, 1.5, 50.0),
    # Foot sensor, 3° presses held 3.5-8 s in one set: split in two at the
    # pencil pickup's 7 s as if the long-held part were pencils (4 + 3 before),
    # though it lifts the foot no more than a press does.
    (3022, "foot", 3.0, 5.0, 50.0),
    # Foot sensor at 20 Hz, 6° presses: standing still after the set gave
    # seven 0.2° "reps" that moved the set's median (3 of 7 before).
    (3006, "foot", 6.0, 1.5, 20.0),
])
def test_a_toe_press_set_under_hard_conditions_is_counted_whole(seed, placement, amp_deg, hold_s, rate_hz):
    """Simulator sets of 7 toe presses (tuning seeds, noisy hard-tier sensor)."""
    rec, truth = simulate_session(seed=seed, tier="hard", placement=placement, distractors=False,
                                  sampling_rate_hz=rate_hz, packet_loss=0.0, mounting="instep",
                                  exercises=["tiptoe_walk", "toe_press"], hold_wide=0.0,  # as drawn when written
                                  hold_plan=dict(amp_deg=amp_deg, hold_s=hold_s, reps=7, hold_spread=0.3))
    doc = analyze_recording(rec)
    true_reps = [len(e["reps"]) for e in truth["exercises"] if e["exercise"] == "toe_press"]
    found = [len(e["reps"]) for e in doc["exercises"] if e["exercise"] == "toe_press"]
    assert true_reps == [7]
    assert found == true_reps


# Small presses (1.5-2.5°) under a noisy sensor at 20-25 Hz, holds uneven
# (the hard tier's overshoot, sag and sway; tuning seeds): read as a
# look-alike before, because the largest sample of a noisy hold and the
# running minimum under it made each press "swing twice as far as it held"
# (3530, 3531, 3522), or because a 20° knee bend's bias step read as 3 cm of rise
# (3503). Each is one set of toe presses, so it must count.
@pytest.mark.parametrize("seed,placement,rate_hz,loss,amp_deg,spread,acc_noise,gyr_noise", [
    (3530, "foot", 25.0, 0.05, 1.5, 0.25, 0.2, 0.5),
    (3531, "foot", 20.0, 0.05, 1.5, 0.25, 0.2, 0.5),
    (3522, "foot", 20.0, 0.0, 1.95, 0.27, 0.204, 0.57),
    (3503, "ankle", 25.0, 0.0, 2.48, 0.33, 0.124, 0.47),
])
def test_small_presses_on_a_noisy_sensor_are_counted(seed, placement, rate_hz, loss, amp_deg, spread,
                                                      acc_noise, gyr_noise):
    rec, truth = simulate_session(seed=seed, tier="hard", placement=placement, distractors=False,
                                  sampling_rate_hz=rate_hz, packet_loss=loss, mounting="instep",
                                  exercises=["tiptoe_walk", "toe_press"], acc_noise_mps2=acc_noise,
                                  gyr_noise_dps=gyr_noise, hold_plan=dict(amp_deg=amp_deg, hold_spread=spread),
                                  hold_wide=0.0, bias_steps=0, acc_range_g=0.0,
                                  gyr_range_dps=0.0)  # the sets and sensor as drawn when this was written
    doc = analyze_recording(rec)
    true = [e for e in truth["exercises"] if e["exercise"] == "toe_press"]
    presses = [e for e in doc["exercises"] if e["exercise"] == "toe_press"]
    pairs = match_bouts(true, presses)
    assert len(true) == 1 and len(pairs) == 1
    found = presses[pairs[0][1]]
    if seed == 3531 and not is_counted(found):
        # 1.5° presses at 20 Hz with 5 % loss: the holds sit 0.32 of the way
        # from where the foot rests (posture cue), as far as the simulated
        # still leg beside the other leg's exercise reaches (-0.39 to 0.32,
        # tests/test_lookalikes.py): listed as uncertain for that reason
        # alone, with every rep found, is the honest answer.
        assert [d for d in found["doubts"] if "still leg" not in d] == [], found["doubts"]
        assert len(found["reps"]) == len(true[0]["reps"])
        return
    assert is_counted(found), found["doubts"]


# -- reps of unequal depth in one set (issue 12, SimConfig.hold_wide) ---------

def test_a_rep_twice_as_deep_as_its_set_stays_in_it():
    """A knee bending with the toes by a depth of its own each rep: one rep of
    eight at 2.2 times the set's median amplitude (22° among 10° bends) is a
    rep (before: dropped above 1.8 times the median, 8 read as 7)."""
    g = _set([4.0] * 8)
    g.loc[5, ["amplitude_deg", "range_deg"]] = 22.0
    assert len(HoldSetDetector._drop_outliers(g, FS)) == 8


@pytest.mark.parametrize("amp_deg", [60.0, 28.0])
def test_sitting_down_next_to_a_set_is_still_dropped(amp_deg):
    """Sitting down after a set of 10° knee bends moves the shank some 60°:
    six times the set's reps, no rep; the limit is 2.6 times (28°: dropped)."""
    g = _set([4.0] * 8)
    g.loc[7, ["amplitude_deg", "range_deg"]] = amp_deg
    kept = HoldSetDetector._drop_outliers(g, FS)
    assert list(kept.index) == list(range(7))
