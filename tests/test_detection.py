"""Each detector on short synthetic cases, and the whole analysis on simulated sessions."""
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from analysis.circles import CircleDetector
from analysis.pipeline import analyze_recording
from analysis.reps import HoldRepDetector, best_direction
from analysis.scoring import score, summarise
from sensors.recording import recording_from_arrays
from sensors.simulator import _min_jerk, simulate_session

FS = 50.0


def rep_signal(holds_s, amp_deg=10.0, move_s=1.0, rest_s=3.0, lead_s=5.0):
    """Angle (deg) of reps with min-jerk moves; returns (angle, true holds)."""
    parts = [np.zeros(int(lead_s * FS))]
    for hold in holds_s:
        up = _min_jerk(np.arange(int(move_s * FS)) / (move_s * FS))
        parts += [amp_deg * up, np.full(int(hold * FS), amp_deg), amp_deg * up[::-1],
                  np.zeros(int(rest_s * FS))]
    parts.append(np.zeros(int(lead_s * FS)))
    x = np.concatenate(parts)
    return x + np.random.default_rng(0).normal(0, 0.1, len(x))


def test_one_rep_is_found_with_its_hold():
    det = HoldRepDetector().detect(rep_signal([4.0]), FS)
    assert len(det.reps_) == 1
    hold = (det.reps_.hold_stop[0] - det.reps_.hold_start[0]) / FS
    assert hold == pytest.approx(4.0, abs=0.25)


def test_a_hold_just_under_the_minimum_does_not_count():
    det = HoldRepDetector(min_hold_s=1.0).detect(rep_signal([4.0, 0.7, 4.0]), FS)
    assert len(det.reps_) == 2
    assert any("held" in r for r in det.rejected_.reason)


def test_an_aborted_half_movement_does_not_count():
    x = rep_signal([4.0, 4.0, 4.0])
    aborted = rep_signal([0.0], amp_deg=3.0, lead_s=0.5)
    det = HoldRepDetector().detect(np.concatenate([x, aborted, x]), FS)
    assert len(det.reps_) == 6
    assert "did not reach the held position" in set(det.rejected_.reason)


def test_a_brief_dip_mid_hold_is_one_rep_with_its_full_hold():
    # An 8 s-style hold that sags most of the way down for a moment and goes
    # on: neither part returns to where the rep began, so it is one rep,
    # held from the end of the move in to the start of the release.
    amp = 10.0
    up = _min_jerk(np.arange(int(FS)) / FS)
    sag = _min_jerk(np.arange(int(0.4 * FS)) / (0.4 * FS))
    low = 0.2 * amp
    held = np.concatenate([np.full(int(3 * FS), amp), amp - (amp - low) * sag, np.full(int(0.3 * FS), low),
                           low + (amp - low) * sag, np.full(int(5 * FS), amp)])
    dip_rep = np.concatenate([np.zeros(int(5 * FS)), amp * up, held, amp * up[::-1], np.zeros(int(3 * FS))])
    x = np.concatenate([rep_signal([8.0, 8.0]), dip_rep, rep_signal([8.0])])
    det = HoldRepDetector().detect(x + np.random.default_rng(1).normal(0, 0.1, len(x)), FS)
    assert len(det.reps_) == 4
    holds = (det.reps_.hold_stop - det.reps_.hold_start).to_numpy() / FS
    assert holds[2] == pytest.approx(len(held) / FS, abs=0.3)


@pytest.mark.parametrize("sign", [1, -1])
def test_reps_in_the_other_direction_are_found_by_negating(sign):
    # Two reps built toward larger (sign 1) or smaller (sign -1) angles:
    # best_direction finds them in the direction they were built (the rest
    # between them, seen upside down, looks like a hold too).
    x = sign * rep_signal([5.0, 5.0])
    way, det = best_direction(x, FS)
    assert way == sign and len(det.reps_) == 2


def cone_rates(direction, turns, period_s=1.2, tilt_deg=15.0, squash=1.0, uneven=0.0):
    """Foot-frame angular rate (deg/s) of the toes circling ``turns`` times.

    ``squash`` < 1 makes the path an ellipse (less up-down than sideways);
    ``uneven`` > 0 makes the toes faster on one side of each turn.
    """
    from scipy.spatial.transform import Rotation

    n = int(turns * period_s * FS) + 1
    t = np.arange(n) / FS
    sgn = 1.0 if direction == "ccw" else -1.0
    ph = 2 * np.pi * t / period_s
    phi = sgn * (ph + uneven * np.sin(ph))
    a = np.radians(tilt_deg)
    rot = Rotation.from_rotvec(np.column_stack([np.zeros(n), -squash * a * np.sin(phi), a * np.cos(phi)]))
    q = rot.as_quat()
    rel = Rotation.from_quat(q[:-2]).inv() * Rotation.from_quat(q[2:])
    w = np.degrees(rel.as_rotvec()) * FS / 2
    pad = np.zeros((int(2 * FS), 3))
    return np.vstack([pad, w[:1], w, w[-1:], pad])


@pytest.mark.parametrize("direction", ["cw", "ccw"])
def test_one_circle_each_way(direction):
    det = CircleDetector().detect(cone_rates(direction, 1.15), FS)
    assert list(det.circles_.direction) == [direction]


@pytest.mark.parametrize("direction", ["cw", "ccw"])
def test_circles_are_counted_whatever_the_speed(direction):
    det = CircleDetector().detect(cone_rates(direction, 6.2, period_s=0.7), FS)
    assert len(det.circles_) == 6 and set(det.circles_.direction) == {direction}


@pytest.mark.parametrize("direction", ["cw", "ccw"])
def test_elliptical_circles_at_uneven_speed_count_once_each(direction):
    det = CircleDetector().detect(cone_rates(direction, 5.1, squash=0.55, uneven=0.25), FS)
    assert len(det.circles_) == 5 and set(det.circles_.direction) == {direction}


def test_a_few_lost_packets_do_not_lose_circles():
    """Short losses are interpolated upstream; the turns either side still add up."""
    w = cone_rates("cw", 8.1)
    valid = np.ones(len(w), dtype=bool)
    idx = np.arange(len(w))
    # Circling starts at 2 s, 1.2 s a turn: two half-second losses, the
    # first half-way through the third turn (counted apart, the pieces
    # between them would floor away a turn).
    for start_s in (5.0, 8.5):
        a, b = int(start_s * FS), int((start_s + 0.5) * FS)
        valid[a:b] = False
    for k in range(3):
        w[~valid, k] = np.interp(idx[~valid], idx[valid], w[valid, k])
    det = CircleDetector().detect(w, FS, valid=valid)
    assert len(det.circles_) == 8 and set(det.circles_.direction) == {"cw"}


def test_gap_in_the_middle_of_a_hold_keeps_the_hold():
    x = rep_signal([6.0])
    n = len(x)
    t = np.arange(n) / FS
    # A foot at 0° then 10° toes up: gravity in the sensor frame.
    rad = np.radians(x)
    acc = 9.81 * np.column_stack([np.sin(rad), np.zeros(n), np.cos(rad)])
    gyr = np.column_stack([np.zeros(n), -np.gradient(x) * FS, np.zeros(n)])
    keep = ~((t > 9.0) & (t < 9.6))  # 0.6 s lost in the middle of the hold
    data = pd.DataFrame({"t": t, "acc_x": acc[:, 0], "acc_y": acc[:, 1], "acc_z": acc[:, 2],
                         "gyr_x": gyr[:, 0], "gyr_y": gyr[:, 1], "gyr_z": gyr[:, 2]})[keep]
    from analysis.preprocess import UniformResampler

    u = UniformResampler().resample(data)
    assert (~u.valid).sum() >= 25  # the gap is marked, not bridged as data
    det = HoldRepDetector().detect(np.interp(u.t, t[keep], x[keep]), FS)
    assert len(det.reps_) == 1
    hold = (det.reps_.hold_stop[0] - det.reps_.hold_start[0]) / FS
    assert hold == pytest.approx(6.0, abs=0.3)


@pytest.fixture(scope="module")
def clean_sessions():
    out = []
    for seed in (7001, 7002):
        rec, truth = simulate_session(seed=seed, tier="clean")
        out.append((rec, truth, analyze_recording(rec)))
    return out


def test_simulated_clean_sessions_are_analysed_right(clean_sessions):
    s = summarise([score(truth, doc) for _, truth, doc in clean_sessions])
    assert s["bout_macro_f1"] >= 0.9
    assert s["rep_within1_pct"] >= 90
    assert s["hold_mae_s"] <= 0.35
    assert s["direction_pct"] == 100


@pytest.mark.parametrize("side", ["left", "right"])
def test_circle_direction_matches_the_contract_on_either_foot(side):
    rec, truth = simulate_session(seed=41, tier="clean", side=side, exercises=["ankle_circles"],
                                  mounting="instep", declare_mounting=False)
    doc = analyze_recording(rec)
    s = summarise([score(truth, doc)])
    assert s["direction_pct"] == 100 and s["circle_exact_pct"] == 100


def test_a_sensor_mounted_upside_down_is_handled():
    rec, truth = simulate_session(seed=43, tier="clean", mounting="upside_down",
                                  declare_mounting=False)
    doc = analyze_recording(rec)
    assert np.asarray(doc["mounting"]["matrix"])[2, 2] == pytest.approx(-1, abs=0.05)
    s = summarise([score(truth, doc)])
    assert s["bout_macro_f1"] >= 0.9


def test_ankle_placement_says_what_it_cannot_see():
    rec, truth = simulate_session(seed=44, tier="ankle")
    doc = analyze_recording(rec)
    assert set(doc["not_observable"]) == {"resistance_band", "pencil_pickup", "ankle_circles"}
    assert {e["exercise"] for e in doc["exercises"]} <= {"toe_press", "tiptoe_walk"}


def test_analyze_json_follows_the_contract_for_every_sample(samples_dir, check_analysis_tool, tmp_path, cli):
    for csv in sorted(samples_dir.glob("*.csv")):
        out = tmp_path / (csv.stem + ".json")
        # `toehold analyze` in-process (the cli fixture); the checker is the outside tool.
        assert cli("analyze", csv, "--json", "-o", out).returncode == 0
        doc = json.loads(out.read_text())
        assert doc["format"] == "toehold-analysis/1"
        res = subprocess.run([sys.executable, str(check_analysis_tool), str(out)], capture_output=True, text=True)
        assert res.returncode == 0, res.stdout


def test_samples_meet_the_accuracy_targets(samples_dir):
    from sensors.recording import read_recording

    counts = []
    for csv in sorted(samples_dir.glob("*.csv")):
        truth = json.loads(csv.with_name(csv.stem + ".truth.json").read_text())
        counts.append(score(truth, analyze_recording(read_recording(csv))))
    s = summarise(counts)
    assert s["bout_macro_f1"] >= 0.97
    assert s["hold_mae_s"] <= 0.25
    assert s["direction_pct"] >= 99


@pytest.mark.parametrize("n", [1, 2, 10, 100])
def test_tiny_recordings_are_analysed_to_nothing_not_a_crash(n):
    t = np.arange(n) / 100.0
    data = pd.DataFrame({"t": t, "acc_x": 0 * t, "acc_y": 0 * t, "acc_z": 9.81 + 0 * t,
                         "gyr_x": 0 * t, "gyr_y": 0 * t, "gyr_z": 0 * t})
    doc = analyze_recording(recording_from_arrays(data, {"placement": "foot"}))
    assert doc["exercises"] == [] and doc["format"] == "toehold-analysis/1"


def test_a_long_gap_is_not_bridged_into_motion():
    rec, truth = simulate_session(seed=45, tier="clean", exercises=["toe_press"])
    d = rec.data
    a, b = 0.45 * rec.duration_s, 0.52 * rec.duration_s  # a 10 s loss mid-set
    cut = d[(d.t < a) | (d.t > b)].reset_index(drop=True)
    doc = analyze_recording(recording_from_arrays(cut, rec.metadata))
    gap = doc["recording"]["gaps"][0]
    assert gap["start_s"] < a < b <= gap["end_s"]
    assert sum(len(e["reps"]) for e in doc["exercises"]) > 0
    for ex in doc["exercises"]:
        for r in ex["reps"]:
            assert not (a < r["start_s"] < b or a < r["end_s"] < b)


def test_a_pencil_set_after_toe_presses_keeps_its_shorter_first_rep():
    """Holds 12 x ~1.6 s then a pencil set 6.7, 11.5, 10.4, 11.6 s: split before the 6.7."""
    from analysis.families import HoldSetDetector

    holds = [1.8, 1.6, 2.2, 2.4, 1.7, 1.3, 2.2, 2.2, 1.2, 1.5, 1.2, 1.0, 6.7, 11.5, 10.4, 11.6]
    start = np.arange(len(holds)) * 20 * FS
    group = pd.DataFrame({"start": start, "stop": start + 15 * FS, "hold_start": start + FS,
                          "hold_stop": start + FS + (np.array(holds) * FS).astype(int)})
    parts = HoldSetDetector._split_by_hold(group, FS)
    assert [len(p) for p in parts] == [12, 4]
