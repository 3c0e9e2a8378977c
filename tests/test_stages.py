"""The analysis's two stages: stage 1's signals (analysis.signals) and stage 2's
family detectors (analysis.families), each on inputs whose answer is known by
construction."""
import numpy as np
import pandas as pd
import pytest

from analysis.families import CircleSetDetector, HoldSetDetector, QuietStanceDetector, TiptoeWalkDetector
from analysis.signals import Placement, SignalExtractor
from sensors.simulator import simulate_session

G = 9.80665
COLUMNS = ["t", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]


def _frame(t, acc, gyr):
    return pd.DataFrame(np.column_stack([t, acc, gyr]), columns=COLUMNS)


def _still(seconds, sampling_rate_hz, up_sensor, bias_dps=(0.0, 0.0, 0.0), seed=0):
    """A sensor lying still with ``up_sensor`` (unit, sensor frame) pointing up."""
    rng = np.random.default_rng(seed)
    n = int(seconds * sampling_rate_hz)
    t = np.arange(n) / sampling_rate_hz
    acc = G * np.asarray(up_sensor, dtype=float) + rng.normal(0, 0.01, (n, 3))
    gyr = np.asarray(bias_dps, dtype=float) + rng.normal(0, 0.05, (n, 3))
    return t, acc, gyr


def test_placement_has_the_contracts_values_and_defaults_to_foot():
    from sensors.contract import PLACEMENTS

    assert tuple(p.value for p in Placement) == PLACEMENTS == ("foot", "ankle")
    assert Placement.parse("ankle") is Placement.ANKLE
    assert Placement.parse("foot") is Placement.FOOT
    # Anything else is analysed as a foot sensor (SessionAnalyzer always did).
    assert Placement.parse("knee") is Placement.FOOT
    assert Placement.parse(None) is Placement.FOOT


def test_stage1_on_a_declared_mounting_and_a_known_tilt():
    """Sensor x to the left, y backward (declared); the foot rests toes up by 20°.

    In the foot frame up is (sin 20°, 0, cos 20°); the declared axes map the
    sensor's (x, y, z) to the foot's (y, -x, z), so the sensor reads up as
    (0, -sin 20°, cos 20°). The gyro's offset is what it reads at rest.
    """
    theta = np.radians(20.0)
    bias = (0.5, -1.0, 2.0)
    t, acc, gyr = _still(30.0, 100.0, (0.0, -np.sin(theta), np.cos(theta)), bias)
    sig = SignalExtractor(sampling_rate_hz=50.0).extract(
        _frame(t, acc, gyr), "foot", mounting="x=left,y=back,z=up").signals_
    assert sig.sampling_rate_hz == 50.0
    assert np.allclose(np.diff(sig.t), 1 / 50.0)
    assert sig.placement is Placement.FOOT
    assert sig.mounting.method == "declared" and sig.mounting.confidence == 1.0
    assert np.allclose(sig.mounting.matrix, [[0, -1, 0], [1, 0, 0], [0, 0, 1]])
    assert np.allclose(sig.gyro_bias_dps, bias, atol=0.05)
    mid = slice(len(sig.t) // 4, 3 * len(sig.t) // 4)
    assert np.allclose(sig.elevation_deg[mid], 20.0, atol=0.5)
    assert np.allclose(sig.tilt_deg[mid], 20.0, atol=0.5)
    assert np.allclose(sig.grav_seg[mid], [np.sin(theta), 0.0, np.cos(theta)], atol=0.01)
    assert sig.still[mid].all() and sig.calm[mid].all()
    # 20° toes up is still "flat" (within 30°), not "toes up" (beyond 35°).
    assert sig.postures["flat"][mid].all() and not sig.postures["toes_up"][mid].any()
    frame = sig.frame()
    assert len(frame) == len(sig.t) and np.allclose(frame["elevation_deg"], sig.elevation_deg)


def test_stage1_finds_up_from_rest_without_a_declared_mounting():
    """Without walking or a declaration, up is the resting gravity direction."""
    up = np.array([0.6, 0.0, 0.8])
    t, acc, gyr = _still(20.0, 100.0, up)
    sig = SignalExtractor().extract(_frame(t, acc, gyr), "ankle").signals_
    assert sig.placement is Placement.ANKLE
    assert sig.mounting.method in ("posture", "guess")
    assert np.degrees(np.arccos(np.clip(sig.mounting.matrix[2] @ up, -1, 1))) < 1.0
    assert np.allclose(sig.grav_seg[len(sig.t) // 2], [0, 0, 1], atol=0.01)


@pytest.mark.parametrize("gap_s, long", [(1.0, False), (5.0, True)])
def test_stage1_marks_gaps_and_long_gaps(gap_s, long):
    """A hole in the timestamps is invalid on the grid; from 3 s on it is a long gap."""
    t, acc, gyr = _still(30.0, 100.0, (0, 0, 1))
    keep = (t < 10.0) | (t >= 10.0 + gap_s)
    sig = SignalExtractor(max_bridged_gap_s=3.0).extract(
        _frame(t[keep], acc[keep], gyr[keep]), "foot").signals_
    inside = (sig.t > 10.05) & (sig.t < 10.0 + gap_s - 0.05)
    assert inside.any() and not sig.valid[inside].any()
    assert sig.valid[sig.t < 9.9].all() and sig.valid[sig.t > 10.0 + gap_s + 0.1].all()
    assert sig.long_gap[inside].all() == long
    assert not sig.long_gap[sig.valid].any()


@pytest.fixture(scope="module")
def clean_session():
    rec, truth = simulate_session(seed=1, tier="clean")
    sig = SignalExtractor().extract(rec.data, rec.placement, mounting=rec.metadata.get("mounting")).signals_
    return sig, truth


def _truth(truth, exercise):
    return [e for e in truth["exercises"] if e["exercise"] == exercise]


def test_stage2_families_on_a_clean_session(clean_session):
    """Each family finds its own exercise of a clean simulated session, with the truth's counts."""
    sig, truth = clean_session
    tiptoe = TiptoeWalkDetector().detect(sig)
    assert list(tiptoe.bouts_.exercise) == ["tiptoe_walk"]
    assert abs(len(tiptoe.strides_) - len(_truth(truth, "tiptoe_walk")[0]["strides"])) <= 2
    circles = CircleSetDetector().detect(sig, claimed=tiptoe.claimed_)
    assert list(circles.bouts_.exercise) == ["ankle_circles"]
    assert len(circles.circles_) == len(_truth(truth, "ankle_circles")[0]["circles"])
    holds = HoldSetDetector().detect(sig, claimed=tiptoe.claimed_ | circles.claimed_)
    for name in ("toe_press", "pencil_pickup", "resistance_band"):
        rows = np.flatnonzero(holds.bouts_.exercise == name)
        assert len(rows) == 1, name
        assert (holds.reps_.bout == rows[0]).sum() == len(_truth(truth, name)[0]["reps"]), name
    # Each bout's evidence is what its confidence is judged on.
    assert len(holds.evidence_) == len(holds.bouts_)
    assert all(ev["reps"] >= 2 for ev in holds.evidence_)


def test_stage2_skips_what_is_claimed_and_what_a_placement_cannot_see(clean_session):
    sig, _ = clean_session
    everything = np.ones(len(sig.t), dtype=bool)
    assert HoldSetDetector().detect(sig, claimed=everything).bouts_.empty
    # Ankle circles move the foot about the ankle; a shank sensor cannot see them.
    import dataclasses

    as_shank = dataclasses.replace(sig, placement=Placement.ANKLE)
    assert CircleSetDetector().detect(as_shank).bouts_.empty
    stances = QuietStanceDetector(min_stance_s=10.0).detect(sig, everything, []).stances_
    assert stances.empty


def test_the_hold_detector_run_ahead_on_a_wrong_guess_gives_the_same_sets(clean_session):
    # Run ahead with nothing claimed (the tiptoe walk and the circles then
    # lie in its stretches), then with the real claims: the stretches that
    # changed are looked at again, the others taken over; the sets equal a
    # run without one ahead.
    sig, _ = clean_session
    tiptoe = TiptoeWalkDetector().detect(sig)
    claimed = tiptoe.claimed_ | CircleSetDetector().detect(sig, claimed=tiptoe.claimed_).claimed_
    alone = HoldSetDetector().detect(sig, claimed=claimed)
    ahead = HoldSetDetector().detect(sig)
    assert set(ahead.stretch_sets_) != set(alone.stretch_sets_)  # the guess was wrong somewhere
    assert set(ahead.stretch_sets_) & set(alone.stretch_sets_)   # and right somewhere
    again = HoldSetDetector().detect(sig, claimed=claimed, ahead=ahead)
    pd.testing.assert_frame_equal(again.bouts_, alone.bouts_)
    pd.testing.assert_frame_equal(again.reps_, alone.reps_)
    assert again.evidence_ == alone.evidence_
    assert len(alone.bouts_) >= 3  # the clean session's three hold exercises


@pytest.mark.parametrize("seed, tier", [(1, "clean"), (1003, "realistic")])
def test_both_stages_with_a_forked_child_give_the_same_analysis(seed, tier):
    from analysis.session import SessionAnalyzer

    rec, _ = simulate_session(seed=seed, tier=tier)
    one = SessionAnalyzer(jobs=1).detect(rec.data, rec.placement, rec.metadata.get("mounting"))
    two = SessionAnalyzer(jobs=2, min_forked_s=0).detect(rec.data, rec.placement, rec.metadata.get("mounting"))
    for name in ("bouts_", "reps_", "circles_", "strides_", "stances_"):
        pd.testing.assert_frame_equal(getattr(two, name), getattr(one, name), check_exact=True)
    assert two.evidence_ == one.evidence_ and two.doubts_ == one.doubts_
    assert len(one.bouts_) and len(one.reps_)
