"""Reps, holds, range of motion and tiptoe bouts on the hard cases of issue 12.

Expected values come from outside the detector: hand-made angle traces of
known range and hold, the simulator's ground truth, and the demo's truth file.
The simulated cases use tuning seeds (below 100) that the detector was
developed on; ``test_held_out_sessions`` uses fresh seeds from 100000 on,
which were never looked at while tuning.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from analysis.pipeline import analyze_recording
from analysis.reps import HoldRepDetector
from analysis.scoring import _match_events, match_bouts
from sensors.recording import read_recording
from sensors.simulator import simulate_session

FS = 50.0
ROOT = Path(__file__).resolve().parents[1]


def min_jerk(n: int) -> np.ndarray:
    u = np.linspace(0, 1, n)
    return u ** 3 * (10 - 15 * u + 6 * u ** 2)


def trace(ranges, holds, rest_deg=0.0, move_s=1.0, rest_s=3.0, lead_s=5.0, noise_deg=0.0, seed=0):
    """Angle (deg) at FS: rest, then per rep a min-jerk move of ``range``
    from rest, a hold of ``hold`` s, a move back, a rest."""
    up = min_jerk(int(move_s * FS))
    parts = [np.zeros(int(lead_s * FS))]
    for rng_deg, hold in zip(ranges, holds):
        parts += [rng_deg * up, np.full(int(hold * FS), rng_deg), rng_deg * up[::-1],
                  np.zeros(int(rest_s * FS))]
    x = rest_deg + np.concatenate(parts + [np.zeros(int(lead_s * FS))])
    return x + np.random.default_rng(seed).normal(0, noise_deg, len(x)) if noise_deg else x


@pytest.mark.parametrize("ranges, rest_deg", [([1.0, 1.2, 0.9, 1.1], 0.0), ([3.0, 5.0, 8.0], -7.0),
                                              ([20.0, 15.0, 25.0], 65.0)])
def test_range_is_how_far_the_segment_moved_from_rest(ranges, rest_deg):
    x = trace(ranges, [3.0] * len(ranges), rest_deg=rest_deg, noise_deg=0.02)
    det = HoldRepDetector(min_amplitude_deg=0.6).detect(x, FS)
    assert len(det.reps_) == len(ranges)
    np.testing.assert_allclose(det.reps_.range_deg, ranges, rtol=0.05, atol=0.05)


@pytest.mark.parametrize("move_s", [0.4, 1.0, 2.5])
def test_hold_is_timed_from_the_end_of_the_move_in_to_the_start_of_the_release(move_s):
    # A small, noisy rep: where a slow move ends is lost in the noise.
    holds = [2.0, 6.0, 14.0]
    x = trace([2.0] * 3, holds, move_s=move_s, noise_deg=0.05, seed=3)
    det = HoldRepDetector(min_amplitude_deg=0.6).detect(x, FS)
    assert len(det.reps_) == 3
    found = (det.reps_.hold_stop - det.reps_.hold_start).to_numpy() / FS
    np.testing.assert_allclose(found, holds, atol=0.2)


def test_a_rep_held_less_than_a_second_does_not_count():
    x = trace([4.0] * 3, [3.0, 0.5, 3.0], noise_deg=0.02)
    assert len(HoldRepDetector(min_amplitude_deg=0.6).detect(x, FS).reps_) == 2


def _rep_bouts(truth, doc):
    """Pairs (true bout, found bout) of the hold exercises, matched by overlap."""
    out = []
    for a, b in match_bouts(truth["exercises"], doc["exercises"]):
        tb, fb = truth["exercises"][a], doc["exercises"][b]
        if tb["reps"]:
            out.append((tb, fb))
    return out


def _check_reps(truth, doc, hold_tol_s=0.5, range_rtol=0.35):
    true_bouts = [e for e in truth["exercises"] if e["reps"]]
    pairs = _rep_bouts(truth, doc)
    assert len(pairs) == len(true_bouts), [e["exercise"] for e in doc["exercises"]]
    for tb, fb in pairs:
        assert fb["exercise"] == tb["exercise"]
        assert len(fb["reps"]) == len(tb["reps"])
        for i, j in _match_events(tb["reps"], fb["reps"]):
            t, f = tb["reps"][i], fb["reps"][j]
            assert f["hold_s"] == pytest.approx(t["hold_s"], abs=hold_tol_s)
            assert f["range_deg"] == pytest.approx(t["range_deg"], rel=range_rtol, abs=0.5)


# The hard and ankle tiers' sets as they were drawn before SimConfig.hold_wide
# (issue 12: knee bends of their own depth and timing, rests of 0.3-8 s, fast
# band returns ...), so that these cases stay the kinds they were written
# for; the wide sets are measured by benchmarks/rep_wide.py.
NARROW = {"hold_wide": 0.0}

HARD_CASES = {
    # ankle placement: every toe press bends the knee
    "ankle knee bend": (1, dict(tier="ankle", exercises=["toe_press"], **NARROW)),
    "ankle hard": (3, dict(tier="hard", placement="ankle", exercises=["toe_press"], **NARROW)),
    # This seed's third rep starts 0.9 s after the second ends, and its
    # whole move in falls in a 1.15 s gap (38.1-39.25 s): the two read as
    # one excursion (12 found as 11) until the tilt was low-passed from the
    # valid samples only (analysis.signals.gap_lowpass, issue 12).
    "ankle 20 Hz 10 % loss": (2, dict(tier="ankle", sampling_rate_hz=20.0, packet_loss=0.1,
                                      exercises=["toe_press"], **NARROW)),
    "foot 20 Hz 10 % loss": (2, dict(tier="realistic", sampling_rate_hz=20.0, packet_loss=0.1,
                                     exercises=["toe_press"])),
    "foot noisy, random mounting": (3, dict(tier="hard", exercises=["toe_press"], **NARROW)),
    # The hard tier as it was until 1 December (noise fixed at 0.08 m/s²
    # and 0.4 deg/s, holds held level) ...
    "band 25 Hz hard": (7, dict(tier="hard", sampling_rate_hz=25.0, exercises=["resistance_band"],
                                acc_noise_mps2=0.08, gyr_noise_dps=0.4, hold_shape=0.0, **NARROW)),
    "pencil long holds": (2, dict(tier="realistic", exercises=["pencil_pickup"])),
    # ... the band case on the hard tier as it is now: 0.18 m/s² of noise
    # drawn for this seed, holds that overshoot and sag (last, so that the
    # cases above keep their held-out seeds in test_held_out_sessions).
    # 11 reps read as 8 until branch reps3 (a known miss before).
    "band 25 Hz hard, noisier, uneven holds": (7, dict(tier="hard", sampling_rate_hz=25.0,
                                                       exercises=["resistance_band"], **NARROW)),
}


KNOWN_MISSES: dict[str, str] = {
    "pencil long holds": "0.10.0 (branch pencil): carry_free_tilt puts the orientation filter's pitch in "
                         "where the low-passed accelerometer's departs from it, and the second rep's release "
                         "is read 0.8 s early (hold 7.5 s for 8.3 s); requiring the foot not to turn there "
                         "fixes this case at 8 deg/s but loses the carried pencils of tests/test_pencil.py "
                         "(4104, 4107) below 40 deg/s",
}


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.xfail(reason=KNOWN_MISSES[c], strict=False))
                                  if c in KNOWN_MISSES else c for c in HARD_CASES])
def test_hard_cases_count_every_rep_and_time_its_hold(case):
    seed, kw = HARD_CASES[case]
    rec, truth = simulate_session(seed=seed, distractors=False, **kw)
    _check_reps(truth, analyze_recording(rec))


def test_held_out_sessions():
    """Fresh seeds (never tuned on), one per hard case: counts exact in all
    but at most one, holds within 0.3 s on average."""
    exact, errors, n = 0, [], 0
    for k, (case, (_, kw)) in enumerate(HARD_CASES.items()):
        if case in KNOWN_MISSES:  # fails on its own seed already (the reason says how)
            continue
        rec, truth = simulate_session(seed=100_000 + k, distractors=False, **kw)
        doc = analyze_recording(rec)
        for tb in (e for e in truth["exercises"] if e["reps"]):
            n += 1
            fb = next((f for a, f in _rep_bouts(truth, doc) if a is tb), None)
            if fb is not None and len(fb["reps"]) == len(tb["reps"]):
                exact += 1
            if fb is not None:
                errors += [fb["reps"][j]["hold_s"] - tb["reps"][i]["hold_s"]
                           for i, j in _match_events(tb["reps"], fb["reps"])]
    assert exact >= n - 1, f"{exact} of {n} sets counted exactly"
    assert np.mean(np.abs(errors)) <= 0.3


def test_the_demo_holds_match_its_truth():
    doc = analyze_recording(read_recording(ROOT / "recordings" / "demo.csv"))
    truth = json.loads((ROOT / "recordings" / "demo.truth.json").read_text())
    pairs = _rep_bouts(truth, doc)
    assert len(pairs) == sum(1 for e in truth["exercises"] if e["reps"])
    for tb, fb in pairs:
        assert [r["hold_s"] for r in fb["reps"]] == pytest.approx([r["hold_s"] for r in tb["reps"]], abs=0.25)


@pytest.mark.parametrize("placement, seed", [("ankle", 1), ("foot", 3)])
def test_tiptoe_walk_is_found_with_its_strides_and_duration(placement, seed):
    tier = "ankle" if placement == "ankle" else "realistic"
    rec, truth = simulate_session(seed=seed, tier=tier, exercises=["tiptoe_walk"], distractors=False)
    doc = analyze_recording(rec)
    (tb,) = truth["exercises"]
    found = [e for e in doc["exercises"] if e["exercise"] == "tiptoe_walk"]
    assert len(found) == 1
    fb = found[0]
    assert len(fb["strides"]) == len(tb["strides"])
    assert fb["end_s"] - fb["start_s"] == pytest.approx(tb["end_s"] - tb["start_s"], abs=1.0)
    if placement == "foot":
        assert fb["heel_rise_deg"] == pytest.approx(tb["heel_rise_deg"], abs=5.0)
    else:
        assert fb["heel_rise_deg"] is None  # a shank sensor cannot see the heel


def test_reps_held_twenty_seconds_with_slow_moves_are_each_one_rep():
    # 20 s holds and 2.5 s moves make 25 s excursions: the rest level must
    # not rise into the hold (it did with a 22 s baseline window).
    x = trace([3.0] * 3, [20.0] * 3, move_s=2.5, rest_s=2.0, noise_deg=0.02)
    det = HoldRepDetector(min_amplitude_deg=0.6).detect(x, FS)
    assert len(det.reps_) == 3
    found = (det.reps_.hold_stop - det.reps_.hold_start).to_numpy() / FS
    np.testing.assert_allclose(found, [20.0] * 3, atol=0.3)


# A person pinned by hand (simulator hold_plan): 7 reps of a known amplitude
# and hold, after a tiptoe walk (the only walk: the mounting comes from it).
PINNED = {
    # seed, placement, tier, amplitude deg, hold s
    "1 deg toe presses, foot": (1000, "foot", "realistic", 1.0, 1.5),
    "2 deg toe presses, foot, only a tiptoe walk before": (1005, "foot", "realistic", 2.0, 4.0),
    "toe presses held 20 s, foot": (1015, "foot", "realistic", 6.0, 20.0),
    "3 deg toe presses held 20 s, foot, hard 47 Hz": (1043, "foot", "hard", 3.0, 20.0),
    "2 deg toe presses, ankle, hard": (1052, "ankle", "hard", 2.0, 1.5),
}


@pytest.mark.parametrize("case", list(PINNED))
def test_pinned_toe_press_sets_count_seven(case):
    seed, placement, tier, amp, hold = PINNED[case]
    rec, truth = simulate_session(seed=seed, tier=tier, placement=placement, distractors=False,
                                  exercises=["tiptoe_walk", "toe_press"],
                                  hold_plan=dict(amp_deg=amp, hold_s=hold, reps=7, hold_spread=0.3))
    doc = analyze_recording(rec)
    sets = [e for e in doc["exercises"] if e["exercise"] != "tiptoe_walk"]
    assert [e["exercise"] for e in sets] == ["toe_press"]
    assert len(sets[0]["reps"]) == 7
    assert sets[0]["confidence"] >= 0.5


# ---- which direction holds the reps (analysis.reps.prefer / set_cues), from
# their documented rules: posture first (a set starts from and returns to the
# person's posture), then tremor (held muscles tremble), then time held. -----

NAN = float("nan")


@pytest.mark.parametrize("a, b, a_wins", [
    # Both postures known and more than 0.5 apart: the larger wins, whatever else.
    ((1.0, NAN, 0.0), (-1.0, NAN, 99.0), True),
    ((-1.0, 3.0, 99.0), (1.0, 1.0, 0.0), False),
    ((0.6, NAN, 0.0), (-0.4, NAN, 9.0), True),           # 1.0 apart
    # Exactly 0.5 apart is not "more than": on to tremor / time held.
    ((0.5, NAN, 1.0), (0.0, NAN, 2.0), False),
    # One posture known: it decides when beyond +-0.5 (>0: that direction is reps).
    ((0.8, NAN, 0.0), (NAN, NAN, 9.0), True),
    ((-0.8, NAN, 9.0), (NAN, NAN, 0.0), False),
    ((NAN, NAN, 9.0), (0.8, NAN, 0.0), False),
    ((NAN, NAN, 0.0), (-0.8, NAN, 9.0), True),
    ((0.5, NAN, 1.0), (NAN, NAN, 2.0), False),          # exactly 0.5: undecided
    # Tremor: one direction's holds tremble (ratio > 1.3), the other's do not.
    ((NAN, 2.0, 0.0), (NAN, 1.0, 9.0), True),
    ((NAN, 1.0, 9.0), (NAN, 2.0, 0.0), False),
    ((NAN, 1.3, 1.0), (NAN, 1.0, 2.0), False),          # 1.3 is not above 1.3
    ((NAN, 1.0, 2.0), (NAN, 1.3, 1.0), True),
    ((NAN, 2.0, 1.0), (NAN, 1.5, 2.0), False),          # both tremble: undecided
    ((NAN, 2.0, 1.0), (NAN, NAN, 2.0), False),          # one unknown: undecided
    # Then time held; a tie keeps the first.
    ((NAN, NAN, 2.0), (NAN, NAN, 1.0), True),
    ((NAN, NAN, 1.0), (NAN, NAN, 1.0), True),
    ((NAN, NAN, 1.0), (NAN, NAN, 2.0), False),
])
def test_the_likelier_direction_follows_the_documented_order(a, b, a_wins):
    from analysis.reps import prefer

    assert bool(prefer(a, b)) is a_wins


def test_set_cues_of_a_set_held_above_its_rest():
    # Three reps of 10 deg held 4 s, resting at 0 with 5 s still before and
    # after: the rests sit at the outside level (posture (10 - 0) / 10 =
    # +1), the holds tremble twice the rest (activity 2 vs 1), 12 s held.
    from analysis.reps import set_cues

    x = trace([10.0] * 3, [4.0] * 3, noise_deg=0.02, seed=5)
    det = HoldRepDetector().detect(x, FS)
    assert len(det.reps_) == 3
    activity = np.ones(len(x))
    for k in range(3):   # the holds as built: lead 5 s, then 1 s move, 4 s hold, 1 s back, 3 s rest
        a = int((5.0 + k * 9.0 + 1.0) * FS)
        activity[a:a + int(4.0 * FS)] = 2.0
    posture, tremor, held = set_cues(x, det, det.reps_, FS, activity)
    assert posture == pytest.approx(1.0, abs=0.1)
    assert tremor == pytest.approx(2.0)
    assert held == pytest.approx(12.0, abs=0.3)
    # Seen upside down the same set holds at the outside level: posture < 0.
    neg = HoldRepDetector().detect(-x, FS)
    assert set_cues(-x, neg, neg.reps_, FS)[0] < -0.5


def test_set_cues_need_two_reps_for_posture_and_tremor():
    from analysis.reps import set_cues

    one = trace([10.0], [4.0], noise_deg=0.02)
    det = HoldRepDetector().detect(one, FS)
    posture, tremor, held = set_cues(one, det, det.reps_, FS, np.ones(len(one)))
    assert np.isnan(posture) and np.isnan(tremor) and held == pytest.approx(4.0, abs=0.3)
    two = trace([10.0] * 2, [4.0] * 2, noise_deg=0.02)
    det = HoldRepDetector().detect(two, FS)
    assert np.isfinite(set_cues(two, det, det.reps_, FS, np.ones(len(two)))[0])
