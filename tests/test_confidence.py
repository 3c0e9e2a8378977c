"""Not counting what is not an exercise: confidence, posture gating, placement source.

The simulated sessions here use tuning seeds (9xx): the thresholds of
analysis/confidence.py were set looking at them. The benchmark
(benchmarks/accuracy.py, columns "look-alikes + exercises" and "look-alikes
only") measures on other seeds.
"""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.adherence import session_adherence
from analysis.confidence import THRESHOLD, ConfidenceRater, displacement, is_counted, motion_evidence, rep_extent, rise_doubt
from analysis.pipeline import analyze_recording
from analysis.posture import posture_masks
from analysis.prescription import load as load_prescription
from analysis.scoring import match_bouts
from sensors.recording import read_recording
from sensors.simulator import _min_jerk, simulate_session

REAL = Path(__file__).parent / "data" / "real" / "gaitmap"


# -- real recordings without exercises ------------------------------------------------

@pytest.mark.parametrize("path", sorted(REAL.glob("*.csv")), ids=lambda p: p.stem)
@pytest.mark.parametrize("placement", ["foot", "ankle"])
def test_real_walking_and_stairs_count_no_exercise(path, placement):
    """gaitmap's real walks and stairs (MIT, tests/data/real/README.md) hold no
    exercise: nothing may be counted, whichever placement it is read as."""
    doc = analyze_recording(read_recording(path, placement=placement))
    counted = [(e["exercise"], e["start_s"], e["confidence"]) for e in doc["exercises"] if is_counted(e)]
    assert counted == []


def test_the_real_recordings_are_in_the_repository():
    # CI on a clean checkout must not skip the real negatives.
    assert len(sorted(REAL.glob("*.csv"))) == 8
    assert (REAL / "LICENSE").is_file()


# -- simulated look-alikes ------------------------------------------------------------

@pytest.mark.parametrize("seed,overrides", [
    (921, {}),
    (924, {}),
    (922, {"placement": "ankle", "sampling_rate_hz": 25.0}),
], ids=["foot-a", "foot-b", "ankle-25Hz"])
def test_sessions_of_look_alikes_count_nothing(seed, overrides):
    rec, truth = simulate_session(seed=seed, tier="negatives", **overrides)
    assert truth["exercises"] == []
    kinds = {d["kind"] for d in truth["distractors"]}
    assert len(kinds & {"sit_stand", "squat", "lunge", "split_squat", "heel_raise", "hop", "jump",
                        "stairs", "knee_extension", "straight_leg_raise", "side_lying_abduction",
                        "prone_hip_extension", "other_leg_lying", "other_leg_seated",
                        "fidget_seated", "fidget_lying"}) >= 3
    doc = analyze_recording(rec)
    assert [e for e in doc["exercises"] if is_counted(e)] == []


@pytest.mark.parametrize("exercises,kinds", [
    (["resistance_band", "tiptoe_walk", "ankle_circles"], ["straight_leg_raise", "other_leg_lying"]),
    (["toe_press", "tiptoe_walk", "pencil_pickup"], ["sit_stand", "heel_raise", "knee_extension"]),
])
def test_exercises_among_look_alikes_keep_their_bouts(exercises, kinds):
    """Every exercise done is still counted; nothing done in the look-alikes is."""
    rec, truth = simulate_session(seed=905, tier="lookalikes", exercises=exercises, lookalikes=kinds)
    assert sorted(e["exercise"] for e in truth["exercises"]) == sorted(exercises)
    doc = analyze_recording(rec)
    counted = [e for e in doc["exercises"] if is_counted(e)]
    pairs = match_bouts(truth["exercises"], counted)
    assert len(pairs) == len(truth["exercises"])
    assert len(counted) == len(pairs)


# -- the rules, one by one -------------------------------------------------------------

GOOD_SET = {"in_posture": 1.0, "reps": 10, "range_deg": 5.0, "range_cv": 0.1, "lift_m": 0.005,
            "hold_s": 4.0, "hold_cv": 0.1, "peak_g": 1.1, "flight_s": 0.0}


def rate(exercise="toe_press", method="gait", placement="foot", **changes):
    return ConfidenceRater().rate(exercise, {**GOOD_SET, **changes}, method, placement)


def test_a_clean_set_with_a_walked_in_mounting_counts():
    assert rate().confidence_ >= THRESHOLD
    assert rate(method="declared").confidence_ >= THRESHOLD


def test_without_a_mounting_from_gait_or_declared_a_hold_needs_stronger_evidence():
    # Resting postures gave the mounting: a full regular set counts, a short one does not.
    assert rate(method="posture").confidence_ >= THRESHOLD
    assert rate(method="posture", reps=3).confidence_ < THRESHOLD
    assert rate(method="posture", hold_cv=0.6).confidence_ < THRESHOLD
    # Postures that barely told forward from back (lying throughout): a guess.
    assert ConfidenceRater().rate("toe_press", GOOD_SET, "posture", "foot", 0.4).confidence_ < THRESHOLD
    # Nothing found at all ("guess"): never counted.
    weak = rate(method="guess")
    assert weak.confidence_ < THRESHOLD
    assert any("mounting" in d for d in weak.doubts_)


@pytest.mark.parametrize("change,word", [
    ({"in_posture": 0.2}, "posture"),          # lying, seated: not a standing exercise
    ({"peak_g": 4.0}, "impacts"),              # hops, jumps
    ({"flight_s": 0.25}, "air"),
    ({"range_deg": 30.0}, "squats"),           # squats, sit-to-stand, heel raises
    ({"lift_m": 0.3}, "rises"),                # heel raises, leg raises
    ({"hold_s": 0.5}, "brief"),                # tapping
])
def test_each_sign_of_a_look_alike_drops_a_toe_press_below_the_threshold(change, word):
    r = rate(**change)
    assert r.confidence_ < THRESHOLD
    assert any(word in d for d in r.doubts_)


def test_tiptoe_walking_that_climbs_or_crawls_is_uncertain():
    walk = {"stride_s": 1.0, "climb_m": 0.01, "peak_g": 3.0, "flight_s": 0.0}
    assert ConfidenceRater().rate("tiptoe_walk", walk, "gait").confidence_ >= THRESHOLD
    stairs = ConfidenceRater().rate("tiptoe_walk", {**walk, "climb_m": 0.32}, "gait")
    assert stairs.confidence_ < THRESHOLD and "stairs" in stairs.doubts_[0]
    lunges = ConfidenceRater().rate("tiptoe_walk", {**walk, "stride_s": 3.0}, "gait")
    assert lunges.confidence_ < THRESHOLD
    hops = ConfidenceRater().rate("tiptoe_walk", {**walk, "flight_s": 0.2}, "gait")
    assert hops.confidence_ < THRESHOLD


def test_posture_from_the_up_direction_in_the_segment_frame():
    deg = np.radians
    up = np.array([
        [0, 0, 1],                                 # standing, foot flat
        [np.sin(deg(60)), 0, np.cos(deg(60))],     # legs out: toes 60° up
        [np.sin(deg(130)), 0, np.cos(deg(130))],   # leg raised: toes past vertical
        [0, 1, 0],                                 # lying on the side
    ])
    foot = posture_masks(up, "foot")
    assert foot["flat"].tolist() == [True, False, False, False]
    assert foot["toes_up"].tolist() == [False, True, False, False]
    assert foot["raised"].tolist() == [False, True, True, False]
    shank = posture_masks(up, "ankle")
    assert shank["upright"].tolist() == [True, False, False, False]
    assert shank["horizontal"].tolist() == [False, False, False, True]


def test_displacement_recovers_a_rise_and_ignores_a_constant_bias():
    sampling_rate_hz = 50.0
    t = np.arange(int(1.5 * sampling_rate_hz)) / sampling_rate_hz
    z = 0.3 * _min_jerk(t / t[-1])  # a 30 cm rise, still at both ends
    acc = np.zeros((len(t), 3))
    acc[:, 2] = np.gradient(np.gradient(z, 1 / sampling_rate_hz), 1 / sampling_rate_hz)
    acc[:, 0] = 0.17  # a degree of tilt error: 0.17 m/s² that is not motion
    d = displacement(acc, 0, len(t), sampling_rate_hz)
    assert d[2] == pytest.approx(0.3, abs=0.01)
    assert abs(d[0]) < 0.01


def test_a_knee_bend_may_read_as_a_rise_that_a_heel_raise_outdoes():
    sampling_rate_hz = 100.0
    t = np.arange(int(1.5 * sampling_rate_hz)) / sampling_rate_hz
    acc = np.zeros((len(t), 3))
    # A shank bent 20° halfway through a 1.5 s move brings 0.3 · sin 20° =
    # 0.103 m/s² of a per-axis bias into the vertical: a step, no motion.
    # Integrated, it reads as 0.103 · 1.5² / 8 = 2.9 cm of rise, the
    # doubt a 20° turn over 1.5 s is given.
    step = 0.3 * np.sin(np.radians(20.0))
    acc[len(t) // 2:, 2] = step
    assert abs(displacement(acc, 0, len(t), sampling_rate_hz)[2]) == pytest.approx(step * 1.5 ** 2 / 8, rel=0.03)
    assert rise_doubt(20.0, 1.5, acc_error_mps2=0.3) == pytest.approx(0.0289, abs=0.0005)
    # As a toe press with a knee bend, it is no heel raise; a heel raise
    # lifting a shank sensor 6 cm with the shank turning 3° is.
    press = {**SET_ANKLE, "range_deg": 20.0, "lift_m": 0.029, "lift_doubt_m": rise_doubt(20.0, 1.5)}
    assert ConfidenceRater().rate("toe_press", press, "gait", "ankle").confidence_ >= THRESHOLD
    raise_ = {**SET_ANKLE, "range_deg": 3.0, "lift_m": 0.06, "lift_doubt_m": rise_doubt(3.0, 1.5)}
    assert ConfidenceRater().rate("toe_press", raise_, "gait", "ankle").confidence_ < THRESHOLD


SET_ANKLE = {"in_posture": 1.0, "reps": 10, "range_deg": 10.0, "range_cv": 0.1, "lift_m": 0.005,
             "hold_s": 4.0, "hold_cv": 0.1, "peak_g": 1.1, "flight_s": 0.0,
             "overshoot": 1.15, "rest_s": 2.0, "posture_cue": 0.8}


def _one_rep(rest_s, move_s, hold_s, peak_deg, held_deg, sampling_rate_hz):
    """Rest, a move to ``peak_deg``, a settle to ``held_deg`` (both in ``move_s``), rest."""
    n = [int(x * sampling_rate_hz) for x in (rest_s, move_s, move_s, hold_s, move_s, rest_s)]
    up = peak_deg * _min_jerk(np.linspace(0, 1, n[1]))
    down = peak_deg + (held_deg - peak_deg) * _min_jerk(np.linspace(0, 1, n[2]))
    back = held_deg * (1 - _min_jerk(np.linspace(0, 1, n[4])))
    x = np.concatenate([np.zeros(n[0]), up, down, np.full(n[3], held_deg), back, np.zeros(n[5])])
    edges = np.cumsum(n)
    reps = pd.DataFrame({"start": [edges[0]], "stop": [edges[4]], "hold_start": [edges[2]], "hold_stop": [edges[3]]})
    return x, reps


def test_rep_extent_sees_a_swing_past_the_hold_but_not_the_holds_noise():
    sampling_rate_hz = 25.0
    # Sitting down: the shank tips 9° on the way and settles at 3°.
    x, reps = _one_rep(3.0, 1.5, 5.0, 9.0, 3.0, sampling_rate_hz)
    peak, held = rep_extent(x, reps, sampling_rate_hz)
    assert held[0] == pytest.approx(3.0)
    assert peak[0] == pytest.approx(9.0, abs=0.01)
    # A 1.5° press, held with ±0.6° of wobble (noise, tremor: a 3 Hz sine,
    # standard deviation 0.42°): its largest sample is 2.1°, 1.4 times the
    # held level, all of it within two standard deviations of the hold.
    x, reps = _one_rep(3.0, 1.0, 5.0, 1.5, 1.5, sampling_rate_hz)
    h0, h1 = int(reps.hold_start[0]), int(reps.hold_stop[0])
    x[h0:h1] += 0.6 * np.sin(2 * np.pi * 3.0 * np.arange(h1 - h0) / sampling_rate_hz)
    peak, held = rep_extent(x, reps, sampling_rate_hz)
    assert held[0] == pytest.approx(1.5, abs=0.05)
    assert peak[0] == pytest.approx(held[0])
    # Measured the other way (the rep tips the angle down), alike.
    peak_neg, held_neg = rep_extent(-x, reps, sampling_rate_hz)
    assert (peak_neg[0], held_neg[0]) == pytest.approx((peak[0], held[0]))


def test_motion_evidence_finds_flight_and_impacts():
    sampling_rate_hz = 50.0
    acc = np.tile([0.0, 0.0, 9.81], (100, 1))
    acc[40:55] = 0.0          # 0.3 s of free fall
    acc[55] = [0, 0, 40.0]    # landing
    ev = motion_evidence(acc, 0, 100, sampling_rate_hz)
    assert ev["flight_s"] == pytest.approx(0.3, abs=0.021)
    assert ev["peak_g"] == pytest.approx(40.0 / 9.80665, rel=1e-6)


# -- what counts: adherence, report, analyze -------------------------------------------

def _doc(confidence):
    reps = [{"start_s": 10.0 * i, "end_s": 10.0 * i + 6, "hold_s": 4.5} for i in range(10)]
    return {"format": "toehold-analysis/1",
            "recording": {"path": "x.csv", "duration_s": 200.0, "sample_rate_hz": 50.0,
                          "placement": "foot", "placement_source": "declared", "side": "left",
                          "gaps": [], "warnings": []},
            "exercises": [{"exercise": "toe_press", "start_s": 0.0, "end_s": 96.0, "reps": reps,
                           "circles": [], "strides": [], "confidence": confidence,
                           "doubts": ["impacts of 4.0 g (hops or jumps?)"]}],
            "balance": {}, "adherence": {}, "not_observable": {}}


def test_adherence_counts_only_confident_bouts():
    prescription = load_prescription()
    sure = session_adherence(_doc(0.9), prescription)
    unsure = session_adherence(_doc(0.3), prescription)
    item = lambda a: next(i for i in a["items"] if i["exercise"] == "toe_press")  # noqa: E731
    assert item(sure)["reps_done"] == 10 and sure["uncertain"] == []
    assert item(unsure)["reps_done"] == 0
    assert unsure["uncertain"] == [{"exercise": "toe_press", "start_s": 0.0, "end_s": 96.0, "confidence": 0.3}]


def test_analyze_text_marks_uncertain_bouts():
    from toehold.commands.analyze import summary

    text = summary(_doc(0.3))
    line = next(ln for ln in text.splitlines() if "toe_press" in ln)
    assert "UNCERTAIN" in line and "not counted" in line and "hops" in line
    assert "UNCERTAIN" not in summary(_doc(0.9))


def test_report_leaves_uncertain_bouts_out_of_the_counts(tmp_path):
    from toehold.report import render_report

    doc = _doc(0.3)
    doc["adherence"] = session_adherence(doc, load_prescription())
    info = render_report([doc], tmp_path / "r.png")
    assert info["timeline"]["uncertain"] == 1 and info["timeline"]["bouts"] == 0
    assert info["exercises"]["toe_press"]["state"] == "not done"


# -- placement source --------------------------------------------------------------------

@pytest.fixture(scope="module")
def body():
    """Two minutes of a simulated toe-press set, as CSV rows without metadata."""
    rec, _ = simulate_session(seed=3, tier="clean", exercises=["toe_press"], distractors=False)
    d = rec.data[rec.data.t < 120.0]
    return d[["t", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]].to_csv(index=False)


def _csv(tmp_path, body, placement_line):
    path = tmp_path / "r.csv"
    lines = ["# format: toehold-recording/1"] + ([placement_line] if placement_line else [])
    path.write_text("\n".join(lines) + "\n" + body)
    return path


@pytest.mark.parametrize("line,option,source", [
    ("# placement: ankle", None, "declared"),
    ("# placement: ankle", "foot", "option"),
    (None, "ankle", "option"),
    (None, None, "assumed"),
])
def test_placement_source_says_where_the_placement_came_from(tmp_path, body, line, option, source):
    doc = analyze_recording(read_recording(_csv(tmp_path, body, line), placement=option))
    assert doc["recording"]["placement_source"] == source
    assumed_warned = any("placement not given" in w for w in doc["recording"]["warnings"])
    assert assumed_warned == (source == "assumed")


def test_an_assumed_placement_is_a_warning_in_analyze_and_info(tmp_path, body, capsys):
    from toehold.cli import main

    path = _csv(tmp_path, body, None)
    assert main(["analyze", "--no-cache", str(path)]) == 0
    out = capsys.readouterr().out
    assert "foot (assumed)" in out and "warning: placement not given" in out
    assert main(["analyze", "--no-cache", "--json", str(path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["recording"]["placement_source"] == "assumed"
    assert main(["info", str(path)]) == 0
    assert "placement not given" in capsys.readouterr().out


def test_a_pencil_that_never_leaves_the_floor_and_a_three_rep_fidget_are_uncertain():
    pencil = {**GOOD_SET, "reps": 3, "hold_s": 11.0, "range_deg": 14.0}
    assert ConfidenceRater().rate("pencil_pickup", {**pencil, "lift_m": 0.05}, "gait").confidence_ >= THRESHOLD
    assert ConfidenceRater().rate("pencil_pickup", {**pencil, "lift_m": 0.0}, "gait").confidence_ < THRESHOLD
    assert rate("resistance_band", reps=3, range_deg=20.0).confidence_ < THRESHOLD


def test_circles_beside_a_longer_set_in_another_pose_are_uncertain():
    # A few loops split off from a set by the leg's raise (the evidence's
    # pose_fidget): with a declared mounting (1.0) one sign of a look-alike
    # (0.35) puts them under the threshold; the same set without it counts.
    ev = {"in_posture": 1.0, "directions": 2, "peak_g": 1.1, "flight_s": 0.0}
    fidget = ConfidenceRater().rate("ankle_circles", {**ev, "pose_fidget": True}, "declared")
    assert fidget.confidence_ == pytest.approx(0.35) and len(fidget.doubts_) == 1
    assert ConfidenceRater().rate("ankle_circles", {**ev, "pose_fidget": False}, "declared").confidence_ == 1.0


@pytest.mark.parametrize("lift_m,peak_g,doubted", [
    (0.06, 2.8, False),   # a pencil let fall: the foot lifted 6 cm lands at 2.8 g with it
    (0.06, 3.8, True),    # harder than a dropped foot (stamps, hops)
    (0.01, 2.8, True),    # a foot that barely lifts has no fall to land from
])
def test_a_pencil_let_fall_may_land_the_foot_hard_without_doubt(lift_m, peak_g, doubted):
    ev = {"reps": 3, "hold_s": 10.0, "hold_cv": 0.1, "lift_m": lift_m, "peak_g": peak_g, "range_deg": 8.0}
    rater = ConfidenceRater().rate("pencil_pickup", ev, "declared")
    assert any("impacts" in d for d in rater.doubts_) == doubted


# -- pencil sets held as prescribed (branch pencil4) ------------------------------------

# Three holds of 12 s alike, put down 5 s between, no swing: the exercise as written.
HELD = dict(in_posture=1.0, reps=3, hold_s=12.0, hold_cv=0.08, rest_s=5.0, overshoot=1.0, range_cv=0.1,
            range_deg=6.0, lift_m=0.05, lift_doubt_m=0.002, hold_tremor=10.0, peak_g=1.2)


@pytest.mark.parametrize("change,doubted", [
    ({}, False),
    # Toes curled round the pencil, the heel down: lifts 2 mm, tips 2.5°.
    ({"lift_m": 0.002, "range_deg": 2.5}, False),
    # ... but two such holds may be the resting foot during the other's turn.
    ({"lift_m": 0.002, "range_deg": 2.5, "reps": 2}, True),
    # ... and a foot that neither lifts nor tips holds nothing up.
    ({"lift_m": 0.002, "range_deg": 0.5}, True),
    # ... nor does one whose "holds" are unlike (sitting down and standing up).
    ({"lift_m": 0.002, "range_deg": 2.5, "hold_cv": 0.5}, True),
    # Braced while it holds, more active between reps (fetching the pencil).
    ({"lift_m": 0.01, "hold_tremor": 0.17}, False),
    # Held far stiller than at rest, as sitting between standing rests reads.
    ({"lift_m": 0.01, "hold_tremor": 0.03}, True),
    # Braced, but the holds brief: no evidence of a pencil held.
    ({"lift_m": 0.01, "hold_tremor": 0.17, "hold_s": 4.0}, True),
    # The foot pointed 31° to grip it, lifted 5 cm: as held heel raises
    # are (tests/test_lookalikes.py), so listed, not counted.
    ({"range_deg": 31.0}, True),
    # Tipped 25°, lifted 5 cm: within the pencil range.
    ({"range_deg": 25.0}, False),
])
def test_a_pencil_set_held_as_prescribed_is_its_own_evidence(change, doubted):
    rater = ConfidenceRater().rate("pencil_pickup", {**HELD, **change}, "declared")
    assert (rater.confidence_ < THRESHOLD) == doubted, rater.doubts_
