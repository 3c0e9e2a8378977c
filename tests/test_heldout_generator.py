"""The held-out generator's own physics, checked against hand calculation
(benchmarks/heldout: it measures toehold, so it must be right by itself)."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.heldout import generate, write_session
from benchmarks.heldout.body import FS, Body, toe_direction
from benchmarks.heldout.quat import Q
from benchmarks.heldout.sensor import AXES, SensorSpec, axis_mounting, sample, segment_signals
from benchmarks.heldout.session import make_person

CHECK = Path(__file__).resolve().parents[2] / "shared" / "tools" / "check_analysis.py"


def _still(n=2000):
    return Q.from_quat(np.tile([0.0, 0.0, 0.0, 1.0], (n, 1))), np.zeros((n, 3)), np.zeros((n, 3))


def test_still_sensor_reads_plus_g_on_its_up_axis():
    # sensor x points up (segment z), y left: z = x × y points back (segment −x)
    m = Q.from_matrix(np.column_stack([[0, 0, 1], [0, 1, 0], [-1, 0, 0]]))
    f, w = segment_signals(*_still())
    spec = SensorSpec(rate_hz=50, mounting=m, acc_noise=0, gyr_noise=0)
    t, acc, gyr, gaps, _ = sample(spec, np.random.default_rng(0), f, w)
    assert np.allclose(acc.mean(axis=0), [9.81, 0, 0], atol=0.01)
    assert np.allclose(gyr, 0, atol=0.07)
    assert np.allclose(np.diff(t), 1 / 50) and gaps == []


def test_declared_axis_mounting_names_where_each_sensor_axis_points():
    rng = np.random.default_rng(3)
    for _ in range(20):
        m, decl = axis_mounting(rng)
        for part in decl.split(","):
            axis, name = part.split("=")
            v_sensor = np.eye(3)["xyz".index(axis)]
            assert np.allclose(m.apply(v_sensor), AXES[name], atol=1e-9)


def test_constant_yaw_rate_of_a_pitched_foot_gives_hand_computed_gyro_and_centripetal():
    # foot pitched 30° toes-down, turning about the world vertical at 90 deg/s:
    # ω_body = Ry(30°)ᵀ (0, 0, 90) = (−90 sin 30°, 0, 90 cos 30°) = (−45, 0, 77.94)
    n = 1000
    t = np.arange(n) / FS
    seg = Q.from_euler("z", 90.0 * t, degrees=True) * Q.from_euler("y", 30.0, degrees=True)
    f, w = segment_signals(seg, np.zeros((n, 3)), np.zeros((n, 3)))
    assert np.allclose(w[10:-10], [-45.0, 0.0, 77.94], atol=0.05)
    # a flat sensor 0.1 m from the axis turning at 180 deg/s: centripetal
    # ω²r = π² · 0.1 = 0.987 m/s² toward the axis (segment −x), +9.81 up
    seg = Q.from_euler("z", 180.0 * t, degrees=True)
    pos = 0.1 * np.column_stack([np.cos(np.pi * t), np.sin(np.pi * t), np.zeros(n)])
    f, w = segment_signals(seg, pos, np.zeros((n, 3)))
    assert np.allclose(f[10:-10], [-0.987, 0.0, 9.81], atol=0.005)


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("direction", ["cw", "ccw"])
def test_circle_direction_as_seen_from_in_front_of_the_toes(side, direction):
    rng = np.random.default_rng(5)
    person = make_person(rng, "clean", "foot", side)
    b = Body(rng, person)
    b.posture = "lie_raised"
    b.foot, b.shank = b.rest_pose("lie_raised")
    neutral = b.foot
    circles, t0, t1 = b.circles([(direction, [2.0, 2.0], [0.0, 0.0])], amp_deg=15, ell=1.0,
                                tilt_deg=0.0, leg_couple=0.0, speed_mod=0.0, wobble_deg=0.0,
                                ramp_s=0.3)
    foot = Q.from_quat(np.concatenate([p[0] for p in b.parts]))
    # toe tip displacement in the neutral foot frame; the viewer in front of
    # the toes looks along −x, so their right is the foot's +y and up is +z
    tip = (neutral.inv() * foot).apply([0.2, 0, 0]) - [0.2, 0, 0]
    right, up = tip[:, 1], tip[:, 2]
    c0, c1, _ = circles[1]       # the second circle: full amplitude
    q = np.array([0.0, 0.25, 0.5, 0.75]) * (c1 - c0) + c0
    i = ((q - t0) * FS).astype(int)
    ang = np.unwrap(np.arctan2(up[i], right[i]))
    turning = np.sign(ang[-1] - ang[0])      # + counter-clockwise in the viewer's picture
    assert turning == (1 if direction == "ccw" else -1)
    assert right[i[0]] > 0                  # starts out to the viewer's right
    assert toe_direction(neutral, foot[i[0]:i[-1]]) == turning
    assert all(c[2] == direction for c in circles)


def test_dropped_packets_leave_gaps_not_rows():
    f, w = segment_signals(*_still(int(60 * FS)))
    spec = SensorSpec(rate_hz=100, loss_frac=0.08, burst_s=0.2)
    t, acc, gyr, gaps, _ = sample(spec, np.random.default_rng(1), f, w)
    n_full = int(59.998 * 100) + 1
    assert 0.85 * n_full < len(t) < 0.96 * n_full      # about 8 % gone, nothing filled
    step = np.diff(t)
    assert np.all(step > 0)
    jumps = np.flatnonzero(step > 1.5 / 100)
    assert len(jumps) == len(gaps) > 5
    assert np.allclose([g[0] for g in gaps], t[jumps]) and np.allclose(
        [g[1] for g in gaps], t[jumps + 1])
    assert np.allclose(step[step < 1.5 / 100], 0.01)   # kept rows keep their own times


def test_written_session_follows_the_contracts(tmp_path):
    s = generate(7, "realistic")
    csv = write_session(s, tmp_path)
    with pytest.raises(FileExistsError):
        write_session(s, tmp_path)
    lines = csv.read_text().splitlines()
    meta = [ln for ln in lines if ln.startswith("# ")]
    assert "# format: toehold-recording/1" in meta and "# placement: foot" in meta
    assert lines[len(meta)] == "t,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z"
    data = np.loadtxt(csv, delimiter=",", skiprows=len(meta) + 1)
    assert np.all(np.diff(data[:, 0]) >= 0)
    truth = json.loads((tmp_path / f"{s.name}.truth.json").read_text())
    assert truth["exercises"] and all(
        r["hold_s"] >= 1.0 for e in truth["exercises"] for r in e["reps"])
    if CHECK.is_file():
        out = subprocess.run([sys.executable, str(CHECK), str(tmp_path / f"{s.name}.truth.json")],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stdout + out.stderr


def test_eval_scoring_rules_on_a_hand_made_case():
    from benchmarks.heldout_eval import score
    def rep(a, b, h):
        return {"start_s": a, "end_s": b, "hold_s": h}
    def bout(ex, a, b, reps=(), conf=None, **kw):
        return dict(
            {"exercise": ex, "start_s": a, "end_s": b, "reps": list(reps), "circles": [],
             "strides": [], **kw}, **({"confidence": conf} if conf is not None else {}))
    truth = {"exercises": [bout("toe_press", 10, 50, [rep(10, 20, 5), rep(30, 40, 6)]),
                           bout("pencil_pickup", 100, 140, [rep(100, 115, 12)])],
             "balance": {"stances": []}}
    doc = {"exercises": [
        bout("toe_press", 10, 25, [rep(10.5, 20, 4.5)]),       # a bout split in two:
        bout("toe_press", 28, 50, [rep(30, 40, 6.5)]),         # together IoU 37/40
        bout("toe_press", 100, 140, [rep(100, 115, 12)]),      # wrong exercise: FP + FN
        bout("tiptoe_walk", 200, 220, conf=0.3)],              # uncertain: not reported
        "balance": {}}
    s = score(truth, doc)
    assert s["per_ex"]["toe_press"] == [1, 1, 0]
    assert s["per_ex"]["pencil_pickup"] == [0, 0, 1]
    assert s["reps_exact"] == [True] and s["reps_exact_all"] == [True, False]
    assert sorted(s["hold_err"]) == pytest.approx([0.5, 0.5])
    assert s["false"] == 1 and s["uncertain"] == 1


def test_stride_truth_is_the_moment_the_forefoot_lands():
    rng = np.random.default_rng(2)
    b = Body(rng, make_person(rng, "clean", "foot", "left"))
    contacts, end, t0 = b.walk(8, "tiptoe", stride_s=1.0, duty=0.6, stride_m=0.8)
    origin = np.concatenate([p[2] for p in b.parts])           # ball of the foot, m
    speed = np.linalg.norm(np.gradient(origin, 1 / FS, axis=0), axis=1)
    i = (np.asarray(contacts) * FS).astype(int)
    assert np.all(speed[i - int(0.1 * FS)] > 0.3)     # still swinging 0.1 s before
    assert np.all(speed[i + int(0.02 * FS)] < 1e-6)   # planted right after
    assert np.all(np.diff(contacts) > 0.7) and end > contacts[-1]


def test_true_sway_matches_the_tilt_the_shank_accelerometer_sees():
    from benchmarks.heldout.body import R_ANKLE, R_SHANK_SENSOR
    rng = np.random.default_rng(4)
    b = Body(rng, make_person(rng, "ankle", "ankle", "right"))
    b.still(30.0, tremor_deg=0.0, sway=(1.0, 0.6, 0.4), stance=True)
    foot, shank, origin, imp = b.arrays()
    f, _ = segment_signals(shank, origin + foot.apply(R_ANKLE) + shank.apply(R_SHANK_SENSOR), imp)
    # in the shank frame gravity tilts by the inclination: AP ≈ atan(f_x / f_z)
    ap = np.degrees(np.arctan2(f[:, 0], f[:, 2]))
    ml = np.degrees(np.arctan2(-f[:, 1], f[:, 2]))
    st = b.stances[0]
    assert np.std(ap) == pytest.approx(st["sway_rms_ap_deg"], rel=0.05)
    assert np.std(ml) == pytest.approx(st["sway_rms_ml_deg"], rel=0.05)
    assert 0.3 < st["sway_rms_ap_deg"] < 3.0
