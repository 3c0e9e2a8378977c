"""Issue 12, hard conditions: foot toe-press and band sets whose holds vary
widely (people lose count: 1.5 s one rep, 8 s the next) are not doubted for
it alone; with a second sign of postures held in turn they still are
(branch ``harddoubt``; tuning seeds 32000-32159). A rep held long amid a set
is kept in it.

Expected values are the simulator's truth and hand-built evidence.
"""
from __future__ import annotations

import pytest

from analysis.confidence import THRESHOLD, ConfidenceRater
from analysis.pipeline import run_analysis
from sensors.simulator import simulate_session

# A foot toe-press set that would count, its holds varying by 60 %: a
# person who held 1.5 s one rep and 6 s the next, rests at the level around
# the set (posture cue 0.7), each rep held where it went (overshoot 1.05).
UNEVEN = {"in_posture": 1.0, "reps": 10, "range_deg": 6.0, "range_cv": 0.15, "lift_m": 0.005,
          "hold_s": 3.0, "hold_cv": 0.6, "peak_g": 1.1, "flight_s": 0.0, "overshoot": 1.05,
          "rest_s": 2.0, "posture_cue": 0.7}


@pytest.mark.parametrize("exercise,range_deg", [("toe_press", 6.0), ("resistance_band", 25.0)])
def test_holds_varying_widely_alone_do_not_doubt_a_foot_set(exercise, range_deg):
    r = ConfidenceRater().rate(exercise, {**UNEVEN, "range_deg": range_deg}, "gait", "foot")
    assert r.confidence_ >= THRESHOLD
    assert not any("holds unlike" in d for d in r.doubts_)


@pytest.mark.parametrize("change", [
    {"posture_cue": 0.2},     # rests not clearly at the level around the set
    {"posture_cue": None},    # that level could not be told
    {"overshoot": 1.8},       # each "rep" swings past where it settles (sitting down)
    {"range_deg": 2.5},       # small moves: the still leg's sway
    {"hold_cv": 0.95},        # holds varying past what a person counting does
])
def test_holds_varying_widely_with_a_second_sign_still_doubt(change):
    r = ConfidenceRater().rate("toe_press", {**UNEVEN, **change}, "gait", "foot")
    assert r.confidence_ < THRESHOLD
    assert any("holds unlike" in d for d in r.doubts_)


def test_holds_varying_widely_at_the_shank_doubt_as_before():
    r = ConfidenceRater().rate("toe_press", {**UNEVEN, "range_deg": 8.0}, "gait", "ankle")
    assert any("holds unlike" in d for d in r.doubts_)
    assert r.confidence_ < THRESHOLD


# (seed, exercise, hold_plan, sensor): hard-tier sessions drawn wide (as the
# branch's harness drew them), 45 and 32 Hz, 5-7 % lost in bursts of 0.6 s.
# Before: found with every rep, shown uncertain (0.32) for "holds unlike
# each other" (54 %, 52 %) alone.
CASES = [
    (32036, "toe_press", dict(hold_s=3.788773257986018, hold_spread=0.5239869366836554, reps=11),
     dict(sampling_rate_hz=45.192029239550564, packet_loss=0.051292078726646644,
          loss_burst_mean_samples=27.165424312092952)),
    (32159, "resistance_band", dict(hold_s=3.8310584557058367, hold_spread=0.6879555404947153, reps=9),
     dict(sampling_rate_hz=31.969790562072575, packet_loss=0.07351263003460709,
          loss_burst_mean_samples=18.096704755282747)),
]


@pytest.mark.parametrize("seed,exercise,hold_plan,sensor", CASES)
def test_hard_sets_whose_holds_vary_are_counted(seed, exercise, hold_plan, sensor):
    rec, truth = simulate_session(seed=seed, tier="hard", distractors=False,
                                  exercises=["tiptoe_walk", exercise], hold_plan=hold_plan, **sensor)
    (true_set,) = [e for e in truth["exercises"] if e["exercise"] == exercise]
    holds = [r["hold_s"] for r in true_set["reps"]]
    assert max(holds) > 2.5 * min(holds)  # the person's holds do vary widely
    fit = run_analysis(rec)
    over = [k for k in range(len(fit.bouts_)) if fit.bouts_.exercise[k] != "tiptoe_walk"
            and fit.bouts_.start_s[k] < true_set["end_s"] and true_set["start_s"] < fit.bouts_.end_s[k]]
    assert [fit.bouts_.exercise[k] for k in over] == [exercise]
    assert int((fit.reps_.bout == over[0]).sum()) == len(true_set["reps"])
    assert fit.bouts_.confidence[over[0]] >= THRESHOLD


def _holds(holds_s, sampling_rate_hz=50.0, range_deg=20.0):
    """A set of band reps (hand-built rows), each held ``holds_s[k]`` s, 2 s rests."""
    import pandas as pd
    rows, t = [], 0
    for h in holds_s:
        move, held = int(0.5 * sampling_rate_hz), int(h * sampling_rate_hz)
        start = t
        rows.append((start, start + 2 * move + held, start + move, start + move + held,
                     range_deg, range_deg, 60.0))
        t = start + 2 * move + held + int(2.0 * sampling_rate_hz)
    return pd.DataFrame(rows, columns=["start", "stop", "hold_start", "hold_stop", "amplitude_deg",
                                       "range_deg", "rest_deg"])


@pytest.mark.parametrize("holds_s, kept", [
    ([2.0, 1.5, 2.5, 8.0, 2.0, 1.5, 2.0], 7),   # 8 s mid-set: lost count, a rep
    ([2.0, 1.5, 2.5, 2.0, 1.5, 2.0, 8.0], 6),   # 8 s after the last: a posture next to the set
    ([2.0, 1.5, 2.5, 25.0, 2.0, 1.5, 2.0], 6),  # 25 s mid-set: past what any count reaches
])
def test_a_rep_held_long_amid_a_set_stays_in_it(holds_s, kept):
    # The median hold is 2 s: 8 s is past the long-hold limit (2.2x, or the
    # median + 4 s). Between two of the set's reps it is a person who lost
    # count; at the set's end it may be sitting back or a band adjusted.
    from analysis.families import HoldSetDetector
    for from_rest in (False, True):
        assert len(HoldSetDetector._drop_outliers(_holds(holds_s), 50.0, from_rest=from_rest)) == kept


def test_a_hard_band_set_with_two_long_holds_amid_it_is_counted_whole():
    # 13 band reps held 1.1-8.8 s (two of them 6.2 and 8.8 s amid holds of
    # about 3 s) on the hard tier's sensor, 34 Hz, 7 % lost in 0.9 s bursts.
    # Before: 12 of 13 counted (the 8.8 s rep dropped as held too long).
    rec, truth = simulate_session(seed=32123, tier="hard", distractors=False,
                                  exercises=["tiptoe_walk", "resistance_band"],
                                  hold_plan=dict(hold_s=2.9772825699128975, hold_spread=0.5127903046120581, reps=13),
                                  sampling_rate_hz=34.362304872511686, packet_loss=0.06750396365377459,
                                  loss_burst_mean_samples=30.724083962354868)
    (true_set,) = [e for e in truth["exercises"] if e["exercise"] == "resistance_band"]
    assert max(r["hold_s"] for r in true_set["reps"]) > 2.5 * sorted(r["hold_s"] for r in true_set["reps"])[6]
    fit = run_analysis(rec)
    over = [k for k in range(len(fit.bouts_)) if fit.bouts_.exercise[k] != "tiptoe_walk"
            and fit.bouts_.start_s[k] < true_set["end_s"] and true_set["start_s"] < fit.bouts_.end_s[k]]
    assert [fit.bouts_.exercise[k] for k in over] == ["resistance_band"]
    assert int((fit.reps_.bout == over[0]).sum()) == len(true_set["reps"]) == 13
    assert fit.bouts_.confidence[over[0]] >= THRESHOLD
