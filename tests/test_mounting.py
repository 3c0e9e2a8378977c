"""The sensor's mounting found from walking, and how sure it is (issue 12, branch mount).

Simulated sessions here use tuning seeds (below 100); benchmarks/mounting.py
measures the ``mount`` tier on other seeds.
"""
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from analysis.confidence import THRESHOLD, ConfidenceRater
from analysis.mounting import MountingEstimator
from analysis.pipeline import analyze_recording
from sensors.simulator import simulate_session, walk_plan


def _angle_deg(a, b) -> float:
    return float(np.degrees(Rotation.from_matrix(np.asarray(a) @ np.asarray(b).T).magnitude()))


def _walk_only(seed: int, **walk):
    """A short session: standing, one planned walk, standing; the sensor any way round."""
    return simulate_session(seed=seed, tier="mount", exercises=(), lookalikes=None,
                            walk_plan={"walks": 1, **walk})


def test_walk_plan_draws_sessions_without_walks_and_keeps_pins():
    draws = [walk_plan(np.random.default_rng(s)) for s in range(200)]
    none = sum(not d["walks"] for d in draws)
    assert 20 <= none <= 60                       # a fifth of the sessions (40 expected)
    strides = [w["strides"] for d in draws for w in d["walks"]]
    assert min(strides) == 1 and max(strides) == 30
    pinned = walk_plan(np.random.default_rng(0), walks=2, strides=7, step_m=0.4)
    assert [(w["strides"], w["step_m"]) for w in pinned["walks"]] == [(7, 0.4), (7, 0.4)]


def test_a_long_walk_gives_the_mounting_surely():
    rec, truth = _walk_only(3, strides=20, step_m=1.2, stride_s=1.1)
    m = analyze_recording(rec)["mounting"]
    assert m["method"] == "gait"
    assert _angle_deg(m["matrix"], truth["mounting_matrix"]) < 20
    assert m["confidence"] >= 0.9
    # the strides that voted: the 20 walked (give or take the first and last)
    assert 17 <= m["strides"] <= 22 and m["agreement"] >= 0.9


def test_a_few_steps_are_no_sure_mounting():
    """Four strides, even all pointing one way, could be chance (a sign test
    over 4: 1 in 16) and a look-alike's: the mounting is not sure, and the
    recording says why."""
    rec, _ = _walk_only(4, strides=4, step_m=1.0, stride_s=1.1)
    doc = analyze_recording(rec)
    m = doc["mounting"]
    assert m["confidence"] < 0.7
    if m["method"] == "gait" and m["confidence"] < 0.5:
        assert any("strides of walking" in w for w in doc["recording"]["warnings"])


def test_a_weak_mounting_from_walking_counts_no_bout():
    """A mounting from walking below ConfidenceRater.min_gait_mounting is
    rated as a mounting from postures: a clean toe-press set is not counted."""
    ev = {"in_posture": 1.0, "reps": 10, "hold_s": 4.0, "hold_cv": 0.1, "range_deg": 5.0}
    sure = ConfidenceRater().rate("toe_press", ev, "gait", "foot", mounting_confidence=0.95)
    weak = ConfidenceRater().rate("toe_press", ev, "gait", "foot", mounting_confidence=0.3)
    assert sure.confidence_ >= THRESHOLD
    assert weak.confidence_ < THRESHOLD
    assert any("too little walking" in d for d in weak.doubts_)


def test_resting_postures_vote_by_gravity_along_forward():
    """Lying with the toes up puts gravity along the forward axis (it tells
    forward: 0.8, the posture rule's ceiling); lying on the side puts it
    along the pitch axis, and a 10 deg roll of the foot there is no evidence
    of forward (before: as sure as lying on the back)."""
    x, up = np.array([1.0, 0, 0]), np.array([0, 0, 1.0])
    side = np.array([np.sin(np.radians(10)), -np.cos(np.radians(10)), 0.0])
    for lying, expected in ((np.array([1.0, 0, 0]), 0.8), (side, 0.8 * np.sin(np.radians(10)))):
        sign, conf = MountingEstimator._forward_from_posture(x, up, np.array([up, lying]), np.array([30.0, 60.0]))
        assert sign == 1.0
        assert conf == pytest.approx(expected, abs=0.01)


def test_a_look_alike_without_walking_gives_no_mounting_from_gait():
    """Heel raises step like strides but go nowhere: no gait mounting from
    them, and "up" stays the standing rests' (before: forward from them, the
    wrong way round)."""
    rec, truth = simulate_session(seed=3, tier="mount", exercises=("resistance_band", "toe_press"),
                                  lookalikes=("heel_raise",), walk_plan={"walks": 0})
    m = analyze_recording(rec)["mounting"]
    assert m["method"] != "gait" and m["strides"] == 0
    assert _angle_deg(m["matrix"], truth["mounting_matrix"]) < 20
