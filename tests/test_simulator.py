"""The simulator's physics: what the tests and benchmarks trust it for."""
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from sensors.simulator import SimConfig, _concat, build_session, segment_kinematics, simulate_session


@pytest.fixture(scope="module")
def clean():
    return simulate_session(seed=3, tier="clean")


def test_at_rest_the_accelerometer_reads_one_g(clean):
    rec, truth = clean
    first_stance = truth["balance"]["stances"][0]
    d = rec.data[(rec.data.t > first_stance["start_s"] + 1) & (rec.data.t < first_stance["end_s"] - 1)]
    norm = np.linalg.norm(d[["acc_x", "acc_y", "acc_z"]].to_numpy(), axis=1)
    assert np.median(norm) == pytest.approx(9.81, abs=0.03)
    # Clean tier, aligned mounting, standing: gravity along +z of the foot.
    assert d["acc_z"].median() == pytest.approx(9.81, abs=0.05)


def _kinematics(seed, **cfg):
    rng = np.random.default_rng(seed)
    config = SimConfig(**cfg)
    b = build_session(rng, config, 400.0)
    track = _concat(b.tracks)
    rot, gyr, acc = segment_kinematics(track, 400.0, config.placement,
                                       1.0 if config.side == "left" else -1.0)
    return b, rot, gyr, acc


def test_integrating_the_gyro_reproduces_the_orientation():
    b, rot, gyr, _ = _kinematics(5, placement="foot")
    sampling_rate_hz = 400.0
    # Integrate the body-frame rate over 60 s of varied motion.
    sl = slice(int(30 * sampling_rate_hz), int(90 * sampling_rate_hz))
    w = np.radians(gyr[sl]) / sampling_rate_hz
    steps = Rotation.from_rotvec(w[:-1] / 2 + w[1:] / 2)  # trapezoid
    q = rot[sl.start]
    for step in steps:  # 24 000 steps in a test is fine
        q = q * step
    err = (q.inv() * rot[sl.stop - 1]).magnitude()
    assert np.degrees(err) < 2.0


def test_the_same_seed_gives_the_same_samples():
    a, ta = simulate_session(seed=11, tier="realistic")
    b, tb = simulate_session(seed=11, tier="realistic")
    assert a.data.equals(b.data) and ta == tb
    c, _ = simulate_session(seed=12, tier="realistic")
    assert not a.data.equals(c.data)


@pytest.mark.parametrize("side", ["left", "right"])
def test_circle_direction_follows_the_contract(side):
    """(d × ḋ) · x > 0 for ccw, with d the toe tip's displacement."""
    b, rot, _, _ = _kinematics(8, placement="foot", side=side, exercises=["ankle_circles"])
    sampling_rate_hz = 400.0
    entry = next(e for e in b.exercises if e["exercise"] == "ankle_circles")
    checked = 0
    for circle in entry["circles"]:
        sl = slice(int(circle["start_s"] * sampling_rate_hz), int(circle["end_s"] * sampling_rate_hz))
        x = rot[sl].apply([1.0, 0, 0])  # toe direction; the tip is at L·x
        axis = x.mean(axis=0)
        axis /= np.linalg.norm(axis)
        d = x - x.mean(axis=0)
        d_dot = np.gradient(d, 1 / sampling_rate_hz, axis=0)
        turn = np.einsum("ij,j->i", np.cross(d, d_dot), axis).mean()
        assert (turn > 0) == (circle["direction"] == "ccw")
        checked += 1
    assert {c["direction"] for c in entry["circles"]} == {"cw", "ccw"} and checked >= 6


def test_packet_loss_is_read_back_as_the_gaps_the_loss_mask_made(tmp_path):
    # The truth's gaps come from the simulator's loss mask; the reader finds
    # its own from the written file's timestamps. They must be the same runs.
    from sensors.recording import read_recording, write_recording

    rec, truth = simulate_session(seed=4, tier="realistic", packet_loss=0.04)
    path = tmp_path / "lossy.csv"
    write_recording(path, rec.data, rec.metadata)
    back = read_recording(path)
    want = truth["recording"]["gaps"]
    assert len(want) > 10
    assert len(back.gaps) == len(want)
    assert back.gaps["start_s"].to_numpy() == pytest.approx([g["start_s"] for g in want], abs=1e-4)
    assert back.gaps["end_s"].to_numpy() == pytest.approx([g["end_s"] for g in want], abs=1e-4)
    assert (np.diff(back.data["t"].to_numpy()) > 0).all()


def test_mounting_rotates_gravity_into_the_sensor_frame():
    rec, truth = simulate_session(seed=6, tier="realistic", mounting="upside_down",
                                  exercises=["toe_press"])
    first = truth["balance"]["stances"][0]
    d = rec.data[(rec.data.t > 2) & (rec.data.t < first["end_s"] - 2)]
    assert d["acc_z"].median() == pytest.approx(-9.81, abs=0.4)


def test_ankle_placement_sees_sway_with_the_truth_rms():
    rec, truth = simulate_session(seed=2, tier="clean", placement="ankle")
    st = truth["balance"]["stances"][0]
    assert st["sway_rms_ap_deg"] > 0.2
    d = rec.data[(rec.data.t > st["start_s"] + 2) & (rec.data.t < st["end_s"] - 2)]
    pitch = np.degrees(np.arctan2(d["acc_x"], d["acc_z"]))
    # Accelerometer inclination of the shank sways like the truth (within 30 %).
    assert np.std(pitch) == pytest.approx(st["sway_rms_ap_deg"], rel=0.3)
