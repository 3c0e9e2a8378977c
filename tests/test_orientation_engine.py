"""The numpy engine of the orientation filter (analysis.orientation): Fusion's AHRS
over chunks of the recording at once, against hand cases and against imufusion."""
from pathlib import Path

import numpy as np
import pytest

from analysis.orientation import OrientationFilter, _quat_mul, _up_vectors
from analysis.preprocess import Uniform, UniformResampler, gyro_bias, still_mask
from sensors.recording import read_recording

G = 9.80665
FS = 50.0
DEMO = Path(__file__).resolve().parents[1] / "recordings" / "demo.csv"


def _uniform(acc, gyr, segment=None):
    n = len(acc)
    return Uniform(np.arange(n) / FS, np.asarray(acc, float), np.asarray(gyr, float), np.ones(n, bool),
                   np.zeros(n, int) if segment is None else segment, FS)


def _tilt_deg(qa, qb):
    ua, ub = _up_vectors(np.asarray(qa, float)), _up_vectors(np.asarray(qb, float))
    return np.degrees(np.arctan2(np.linalg.norm(np.cross(ua, ub), axis=1), np.sum(ua * ub, axis=1)))


def _rotation_deg(qa, qb):
    """Angle of the rotation between rows of two quaternion arrays (heading included)."""
    qa = np.asarray(qa, float) / np.linalg.norm(qa, axis=1, keepdims=True)
    qb = np.asarray(qb, float) / np.linalg.norm(qb, axis=1, keepdims=True)
    r = _quat_mul(qa, qb * [1, -1, -1, -1])
    # The vector part's norm, not arccos of the scalar: float32 rows near
    # identity would read 0.03° of rounding as rotation.
    return np.degrees(2 * np.arctan2(np.linalg.norm(r[:, 1:], axis=1), np.abs(r[:, 0])))


def _heading_deg(q):
    """Rotation about earth z of a flat sensor's (w, x, y, z), unwrapped."""
    q = np.asarray(q, float)
    return np.degrees(np.unwrap(2 * np.arctan2(q[:, 3], q[:, 0])))


@pytest.fixture(scope="module")
def demo():
    """The demo recording on the analysis grid, with its rest mask and bias-free gyro."""
    u = UniformResampler(FS).resample(read_recording(DEMO).data)
    still = still_mask(u.acc, u.gyr, FS) & u.valid
    u.gyr -= gyro_bias(u.gyr, still)
    return u, still


def test_a_sensor_still_at_a_known_tilt_reads_that_tilt():
    # 25° about x then 40° about y; the sensor sees gravity as R^T·z, by hand:
    # up = (-sin 40° cos 25°... ) written out below from the rotation matrices.
    a, b = np.radians(25.0), np.radians(40.0)
    up = np.array([-np.sin(b), np.sin(a) * np.cos(b), np.cos(a) * np.cos(b)])
    n = int(120 * FS)
    rng = np.random.default_rng(3)
    acc = G * up + rng.normal(0, 0.05, (n, 3))
    gyr = rng.normal(0, 0.2, (n, 3))
    # Start the filter 30° off, as a chunk's warm-up can (a first accelerometer
    # sample taken during a jolt): it must settle to the true tilt.
    acc[:5] = G * np.array([0.0, 0.0, 1.0])
    q = OrientationFilter(engine="numpy", chunk_s=20.0, warmup_s=30.0).estimate(_uniform(acc, gyr)).quat
    grav = _up_vectors(q.astype(float))
    err = np.degrees(np.arccos(np.clip(grav @ up, -1, 1)))
    # Gain 0.5: a 50° start error decays as exp(-0.5 t) to < 0.01° in 20 s;
    # the accelerometer noise (0.05 m/s² = 0.3° a sample) averages over ~2 s.
    assert err[int(20 * FS):].max() < 0.2
    assert np.median(err[int(20 * FS):]) < 0.05


def test_a_constant_turn_about_vertical_advances_the_heading_by_rate_times_time():
    rate_dps = 30.0
    n = int(600 * FS)
    acc = np.tile([0.0, 0.0, G], (n, 1))
    gyr = np.tile([0.0, 0.0, rate_dps], (n, 1))
    # Chunks of 20 s: the heading must run on across 20 chunk joins.
    q = OrientationFilter(engine="numpy", chunk_s=20.0, warmup_s=30.0).estimate(_uniform(acc, gyr)).quat
    heading = _heading_deg(q)
    t = np.arange(n) / FS
    # The first sample is already one step of rotation in (the filter steps before it reports).
    expected = rate_dps * (t + 1 / FS)
    # 18 000° turned: float32 and the first-order update cost ~1e-5 of it.
    assert np.abs(heading - expected).max() < 0.5
    steps = np.diff(heading)
    assert np.allclose(steps, rate_dps / FS, atol=1e-3)  # no jump at any chunk join


def test_a_long_recording_in_chunks_matches_one_chunk(demo):
    u, still = demo
    whole = OrientationFilter(engine="numpy", chunk_s=1e6).estimate(u).quat
    chunked = OrientationFilter(engine="numpy", chunk_s=20.0, warmup_s=30.0).estimate(u).quat
    assert len(u.t) > 10 * 20 * FS  # many chunks
    # After 30 s of warm-up at gain 0.5 a radian of start error is down to
    # exp(-15) = 3e-7 rad = 2e-5°; float32 rounding adds as much.
    assert _tilt_deg(whole, chunked).max() < 1e-3
    # Heading included: each chunk is turned onto the previous one's heading.
    assert _rotation_deg(whole, chunked).max() < 5e-3
    # The first chunk is the same computation, to the bit.
    first = int((20.0 + 30.0) * FS)
    assert np.array_equal(whole[:first], chunked[:first])


def test_one_chunk_is_imufusion_to_the_bit(demo):
    """Fusion 1.3.3's update in float32 in its order of operations gives imufusion's own numbers."""
    u, still = demo
    ref = OrientationFilter(engine="imufusion", rest_fill_s=30.0).estimate(u, still=still).quat
    mine = OrientationFilter(engine="numpy", rest_fill_s=30.0, chunk_s=1e6).estimate(u, still=still).quat
    assert np.array_equal(ref, mine)


def test_the_numpy_engine_follows_imufusion_over_chunks_rests_and_gaps(demo):
    u, still = demo
    segment = u.segment.copy()
    segment[len(segment) // 3:] += 1  # a gap: the filter restarts from the accelerometer
    u2 = Uniform(u.t, u.acc, u.gyr, u.valid, segment, FS)
    ref = OrientationFilter(engine="imufusion", rest_fill_s=30.0).estimate(u2, still=still).quat
    mine = OrientationFilter(engine="numpy", rest_fill_s=30.0, chunk_s=20.0).estimate(u2, still=still).quat
    # Tilt: the warm-up's exp(-15) (2e-5° of a radian's start error) and
    # float32 rounding; heading: the join's error, carried on.
    assert _tilt_deg(ref, mine).max() < 1e-3
    assert _rotation_deg(ref, mine).max() < 5e-3
    # Same sign as imufusion's quaternion where it matters to a hash: everywhere.
    assert np.all(np.sum(ref.astype(float) * mine, axis=1) > 0)


def test_an_over_range_rate_restarts_as_imufusion_does():
    """Fusion restarts its 3 s start-up (gain ramp, heading held at 0) above 0.98 × 4000 deg/s."""
    rng = np.random.default_rng(1)
    n = 3000
    gyr = rng.normal(0, 20, (n, 3))
    gyr[:, 2] += 40.0
    gyr[1000, 0] = 4200.0
    gyr[2000:2003, 1] = -3950.0
    acc = np.tile([0.0, 2.0, 9.6], (n, 1)) + rng.normal(0, 0.3, (n, 3))
    u = _uniform(acc, gyr)
    ref = OrientationFilter(engine="imufusion").estimate(u).quat
    for kw in ({"chunk_s": 1e6}, {"chunk_s": 10.0}):
        mine = OrientationFilter(engine="numpy", **kw).estimate(u).quat
        # Float32 atan2/sin/cos of numpy against the C library's: an ulp.
        assert np.abs(ref.astype(float) - mine).max() < 1e-6
    # The yaw (Fusion's Euler yaw, as imufusion computes it) really is held
    # at 0 through the 3 s start-up, where it turned at 40°/s before.
    import imufusion

    yaw = np.array([imufusion.quaternion_to_euler(q)[2] for q in ref])
    assert np.abs(yaw[1000:1000 + int(2.9 * FS)]).max() < 1e-3
    assert np.abs(np.diff(np.unwrap(np.radians(yaw[:1000])))).max() > 0


def test_auto_takes_imufusion_for_a_short_recording_and_the_engine_is_checked(demo):
    u, still = demo
    f = OrientationFilter(rest_fill_s=30.0, chunk_s=20.0)
    assert f.engine == "auto"
    # The demo makes a few dozen chunks at most, fewer than min_lanes: imufusion's numbers.
    ref = OrientationFilter(engine="imufusion", rest_fill_s=30.0).estimate(u, still=still).quat
    assert np.array_equal(f.estimate(u, still=still).quat, ref)
    with pytest.raises(ValueError, match="engine"):
        OrientationFilter(engine="numba")


def test_chunks_share_lanes_without_overlapping():
    from analysis.orientation import _pack

    rng = np.random.default_rng(5)
    lengths = np.r_[rng.integers(1, 300, 2000), 300]
    lane, off = _pack(lengths, 300)
    end = off + lengths
    assert off.min() >= 0 and end.max() <= 300
    order = np.lexsort((off, lane))
    same = lane[order][1:] == lane[order][:-1]
    assert np.all(off[order][1:][same] >= end[order][:-1][same])
    # Longest first into the roomiest lane wastes little: within 1 % of the
    # total length over the capacity.
    assert lane.max() + 1 <= 1.01 * lengths.sum() / 300 + 1
    # By hand: 3, 3, 2, 2, 2 in lanes of 4 need four lanes ({3}, {3}, {2, 2}, {2}).
    lane, off = _pack(np.array([3, 3, 2, 2, 2]), 4)
    assert lane.max() + 1 == 4
