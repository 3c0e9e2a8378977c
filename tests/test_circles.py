"""Ankle circles: counts, direction and size over a range wider than people circle.

Expected values come from outside the detector: the contract's vector
formula evaluated on a hand-made foot rotation, the geometry of a cone or an
ellipse, and the simulator's truth (its circle generator, ``circle_plan``).
"""
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from analysis.circles import CircleDetector
from analysis.confidence import is_counted
from analysis.pipeline import analyze_recording
from benchmarks.circles import CASES, counts, detect_set, run_case
from sensors.simulator import simulate_circle_set, simulate_session

FS = 50.0


def foot_rates(y_deg, z_deg):
    """Foot-frame angular rate (deg/s) of a foot whose toe tip tilts by (y, z).

    The foot's orientation is the rotation taking its long axis toward +y
    by ``y`` and toward +z (up) by ``z`` (deg); the rate is read from
    consecutive orientations, as a gyroscope on the foot would.
    """
    rot = Rotation.from_rotvec(np.radians(np.column_stack([np.zeros_like(y_deg), -z_deg, y_deg])))
    q = rot.as_quat()
    rel = Rotation.from_quat(q[:-2]).inv() * Rotation.from_quat(q[2:])
    w = np.degrees(rel.as_rotvec()) * FS / 2
    return rot, np.vstack([w[:1], w, w[-1:]])


def ellipse(turns, a_deg, b_deg, tilt_deg, period_s, sign, still_s=2.0):
    """Toe tilt (y, z) in deg going ``turns`` times round an ellipse, still before and after."""
    t = np.arange(int(turns * period_s * FS)) / FS
    ph = sign * 2 * np.pi * t / period_s
    # Ease in and out of the circle over a quarter turn each way.
    env = np.clip(np.minimum(t, t[-1] - t) / (0.25 * period_s), 0, 1)
    c, s = np.cos(np.radians(tilt_deg)), np.sin(np.radians(tilt_deg))
    y0, z0 = a_deg * np.cos(ph) * env, b_deg * np.sin(ph) * env
    pad = np.zeros(int(still_s * FS))
    return np.r_[pad, c * y0 - s * z0, pad], np.r_[pad, s * y0 + c * z0, pad]


@pytest.mark.parametrize("sign", [1, -1])
def test_direction_is_the_contracts_vector_formula(sign):
    # A lopsided ellipse at an angle, drawn six times; which way it goes is
    # computed here from (d × ḋ) · x on the toe tip's positions.
    y, z = ellipse(6.0, 14.0, 5.0, 35.0, 1.3, sign)
    rot, gyr = foot_rates(y, z)
    tip = rot.apply([1.0, 0.0, 0.0])          # toe tip at unit length from the ankle
    x = np.array([1.0, 0.0, 0.0])             # the foot's neutral long axis
    d = tip - tip.mean(axis=0)
    turning = np.einsum("ij,j->i", np.cross(d, np.gradient(d, axis=0)), x).sum()
    expected = "ccw" if turning > 0 else "cw"
    det = CircleDetector().detect(gyr, FS)
    assert list(det.circles_.direction) == [expected] * 6


def test_size_of_a_round_circle_is_its_diameter():
    # A cone of 10° half-angle: the toe's path is 20° of foot tilt across.
    y, z = ellipse(8.0, 10.0, 10.0, 0.0, 1.2, 1)
    _, gyr = foot_rates(y, z)
    sizes = CircleDetector().detect(gyr, FS).circles_.size_deg.to_numpy()
    assert len(sizes) == 8
    assert np.median(sizes) == pytest.approx(20.0, rel=0.04)


def test_size_of_an_ellipse_is_its_mean_width():
    # Semi-axes 12° and 4°: perimeter by Ramanujan's formula,
    # π (3(a+b) − √((3a+b)(a+3b))) = π · 17.02°, so the mean width is 17.0°.
    y, z = ellipse(8.0, 12.0, 4.0, 60.0, 1.5, -1)
    _, gyr = foot_rates(y, z)
    sizes = CircleDetector().detect(gyr, FS).circles_.size_deg.to_numpy()
    assert len(sizes) == 8
    assert np.median(sizes) == pytest.approx(17.0, rel=0.05)


# One tuning seed per case (seeds 0–39 were used to tune the detector; these
# are among the ones it counts right — the held-out check below is the measure).
TUNING_SEEDS = {"small": 0, "slow": 0, "fast": 0, "elliptical": 0, "uneven": 0, "paused": 0,
                "reversed": 1, "lead-in": 0, "20 Hz": 0, "8 % loss": 0}


@pytest.mark.parametrize("case", list(TUNING_SEEDS))
def test_hard_cases_are_counted_exactly_each_way(case):
    data, truth = simulate_circle_set(TUNING_SEEDS[case], **CASES[case])
    found = detect_set(data)
    assert counts(found) == counts(truth)
    assert all(c["size_deg"] > 0 for c in found)


@pytest.mark.parametrize("seed", [0, 7, 17, 28])
def test_reversing_on_the_circle_without_a_pause_counts_every_circle_each_way(seed):
    # The simulator's circle sets with the direction switched on the circle,
    # no move back to neutral and no pause (tuning seeds): the averaged
    # turning rate crosses zero off the reversal, toward the smaller or
    # slower circling, and that run lost its turn nearest the switch
    # (each of these read one short, one way).
    data, truth = simulate_circle_set(seed, direct_switch=True)
    assert counts(detect_set(data)) == counts(truth)


def test_held_out_sets_are_counted_exactly_each_way():
    """Fresh seeds the detector was never tuned on, everything drawn at random.

    The issue's target is 95 % of directions counted exactly. Over this
    generator's full range (down to 3° circles, 3 s turns, 4:1 ellipses,
    pauses, leg wobble) the detector reaches 80 % on 40 held-out sets
    (``benchmarks/circles.py``; the detector before this generator: 24 %),
    short of the target: this asserts a floor under that, on fewer sets,
    to catch a collapse, and that directions are right.
    """
    r = run_case({}, range(100_000, 100_010))
    assert r["exact_pct"] >= 60 and r["direction_pct"] >= 99


def test_session_with_a_random_mounting_on_the_right_foot():
    """The whole analysis: mounting found, circles counted each way, their size reported."""
    rec, truth = simulate_session(seed=202, tier="realistic", side="right", mounting="random",
                                  exercises=["ankle_circles"])
    doc = analyze_recording(rec)
    found = [e for e in doc["exercises"] if e["exercise"] == "ankle_circles"]
    true = [e for e in truth["exercises"] if e["exercise"] == "ankle_circles"]
    assert len(found) == 1
    assert counts(found[0]["circles"]) == counts(true[0]["circles"])
    true_size = np.median([c["size_deg"] for c in true[0]["circles"]])
    assert np.median([c["size_deg"] for c in found[0]["circles"]]) == pytest.approx(true_size, rel=0.2)



@pytest.mark.parametrize("seed, case", [(3009, "any"), (3006, "small")])
def test_a_slow_turn_at_the_ends_of_a_run_is_not_counted(seed, case):
    # Tuning seeds where a first or last "turn" took over 1.8x the run's
    # median (the leg settling, or the toes drifting back): it was counted
    # as one more circle. Expected counts are the simulator's truth.
    data, truth = simulate_circle_set(seed, **CASES[case])
    assert counts(detect_set(data)) == counts(truth)


@pytest.mark.parametrize("seed", [7004, 7018])
def test_clean_sessions_counted_exactly_at_a_bouts_edges(seed):
    # Clean-tier tuning sessions (issue 12, branch circles), each read one
    # off in one direction: 7004 the leg
    # settled, stopped 1 s, then 11 cw circles (the turns laid from the
    # settling, the first circle cut in two and dropped: 10), 7018 after 10
    # ccw circles a stop, then the toes back to neutral and the leg lowered
    # (the change of direction across the stop read as turning: 11).
    # Expected counts are the simulator's truth.
    rec, truth = simulate_session(seed=seed, tier="clean")
    doc = analyze_recording(rec)
    found = [c for e in doc["exercises"] if e["exercise"] == "ankle_circles" for c in e["circles"]]
    true = [c for e in truth["exercises"] if e["exercise"] == "ankle_circles" for c in e["circles"]]
    assert counts(found) == counts(true)


@pytest.mark.long
@pytest.mark.parametrize("seed, tier", [(32109, "realistic"), (32105, "hard")])
def test_a_fidget_before_the_leg_is_raised_is_not_counted_as_circles(seed, tier):
    # Working seeds (issue 12, 2 Dec): lying, a fidget of the leg made
    # loops the way of the second direction, 5-6 s before the raise and
    # the circling; the set joined them across the raise (gap_s 8 s): 15
    # ccw read as 19 (realistic 32109), 3 ccw as 5 (hard 32105). Expected
    # counts are the simulator's truth.
    rec, truth = simulate_session(seed=seed, tier=tier)
    doc = analyze_recording(rec)
    found = [c for e in doc["exercises"] if e["exercise"] == "ankle_circles" for c in e["circles"]]
    true = [c for e in truth["exercises"] if e["exercise"] == "ankle_circles" for c in e["circles"]]
    assert counts(found) == counts(true)


@pytest.mark.long
def test_a_fidget_split_off_by_the_leg_raise_is_no_counted_bout():
    # Working seed (issue 12, 2 Dec): lying, a fidget of the leg made 4 cw
    # and 1 ccw loops 6 s before the raise; the pose rule split them from
    # the circling, and they were a false 5-circle bout (confidence 0.9).
    # They may be listed, as uncertain; the counted circles are the
    # simulator's truth.
    rec, truth = simulate_session(seed=32102, tier="realistic")
    doc = analyze_recording(rec)
    counted = [e for e in doc["exercises"] if e["exercise"] == "ankle_circles" and is_counted(e)]
    true = [e for e in truth["exercises"] if e["exercise"] == "ankle_circles"]
    assert len(counted) == len(true) == 1
    assert counts(counted[0]["circles"]) == counts(true[0]["circles"])
    assert counted[0]["start_s"] < true[0]["end_s"] and true[0]["start_s"] < counted[0]["end_s"]
