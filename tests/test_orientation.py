"""Orientation through rests (analysis.orientation, ``rest_fill_s``): on a sensor
whose true orientation is known by construction."""
import numpy as np
from scipy.spatial.transform import Rotation

from analysis.orientation import OrientationFilter
from analysis.preprocess import Uniform, still_mask

G = 9.80665
FS = 50.0


def _smooth(n):
    s = np.linspace(0.0, 1.0, n)
    return 10 * s**3 - 15 * s**4 + 6 * s**5


def _rest_turn_rest(rest_s=20.0, seed=0):
    """Rest flat, turn 90° about the vertical, rest, tilt 40° about the sensor's x axis, rest.

    Returns the grid, the true up vector in the sensor frame per sample,
    the true orientation (sensor to earth) and the sample range of each rest.
    """
    rng = np.random.default_rng(seed)
    r, y, k = int(rest_s * FS), int(2 * FS), int(FS)
    yaw = np.r_[np.zeros(r), 90 * _smooth(y), np.full(r + k + r, 90.0)]
    tilt = np.r_[np.zeros(r + y + r), 40 * _smooth(k), np.full(r, 40.0)]
    n = len(yaw)
    truth = Rotation.from_euler("ZX", np.column_stack([yaw, tilt]), degrees=True)
    up = truth.inv().apply([0.0, 0.0, 1.0])
    # Body-frame rate from the orientation's change over each sample.
    step = (truth[:-1].inv() * truth[1:]).as_rotvec(degrees=True) * FS
    gyr = np.vstack([step[:1], (step[1:] + step[:-1]) / 2, step[-1:]]) + rng.normal(0, 0.1, (n, 3))
    acc = G * up + rng.normal(0, 0.02, (n, 3))
    u = Uniform(np.arange(n) / FS, acc, gyr, np.ones(n, bool), np.zeros(n, int), FS)
    return u, up, truth, [(0, r), (r + y, 2 * r + y), (2 * r + y + k, n)]


def _deg(a, b):
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return np.degrees(np.arccos(np.clip(np.sum(a * b, axis=1), -1, 1)))


def test_a_rest_is_filled_from_the_accelerometer_with_the_true_tilt():
    u, up, _, rests = _rest_turn_rest()
    still = still_mask(u.acc, u.gyr, FS)
    f = OrientationFilter(rest_fill_s=5.0)
    fill = f._fill_mask(u, still)
    o = f.estimate(u, still=still)
    for a, b in rests:
        # All but the filtered 2 s at each end (and a second of still_mask's
        # edges) is filled.
        assert fill[a:b].sum() >= (b - a) - 5 * FS
    err = _deg(o.gravity, up)
    # At rest the averaged accelerometer is gravity: noise of 0.02 m/s² per
    # axis, averaged over 1 s, leaves hundredths of a degree.
    assert np.percentile(err[fill], 99) < 0.2
    # The 40° tilt after the turn is the accelerometer's (sin/cos by hand).
    b0, b1 = rests[-1]
    mid = slice(b0 + (b1 - b0) // 4, b1 - (b1 - b0) // 4)
    assert np.allclose(o.gravity[mid], [0.0, np.sin(np.radians(40)), np.cos(np.radians(40))], atol=0.004)


def test_filling_a_rest_keeps_the_heading_and_joins_the_filter_smoothly():
    u, up, truth, rests = _rest_turn_rest()
    still = still_mask(u.acc, u.gyr, FS)
    f = OrientationFilter(rest_fill_s=5.0)
    fill = f._fill_mask(u, still)
    q = f.estimate(u, still=still).quat.astype(float)
    rot = Rotation.from_quat(q[:, [1, 2, 3, 0]])
    step = np.degrees((rot[1:] * rot[:-1].inv()).magnitude())
    edges = np.flatnonzero(np.diff(fill.astype(int))) + 1
    assert len(edges) == 2 * len(rests)  # into and out of each rest's filled span
    # No jump where the fill starts or the filter resumes beyond the
    # filter's own tilt noise at rest (a few tenths of a degree; a lost
    # heading would jump by the 90° turn).
    assert step[edges - 1].max() < 0.5
    # The heading (rotation about earth z) is the filter's, which followed
    # the 90° turn: the whole orientation, not only the tilt, stays within
    # two degrees of the truth (the filter starts at heading 0, as the truth).
    err = np.degrees((rot * truth.inv()).magnitude())
    b0, b1 = rests[1]
    assert np.percentile(err[b0:b1][fill[b0:b1]], 99) < 2.0
    assert np.percentile(err[fill], 99) < 2.0


def test_without_a_rest_mask_every_sample_is_filtered():
    u, *_ = _rest_turn_rest()
    assert not OrientationFilter(rest_fill_s=5.0)._fill_mask(u, None).any()
    still = still_mask(u.acc, u.gyr, FS)
    assert not OrientationFilter()._fill_mask(u, still).any()


def test_vertical_earth_acceleration_is_the_third_column_to_the_bit():
    # A foot lifted 3 cm and put down while the sensor turns: the vertical
    # the pencil-lift search reads must be the earth-frame rows' own.
    u, up, truth, _ = _rest_turn_rest(rest_s=5.0, seed=3)
    lift = np.zeros(len(u.acc))
    lift[300:400] = 0.03 * np.sin(np.linspace(0, 2 * np.pi, 100)) * (2 * np.pi / 2.0) ** 2
    acc = u.acc + truth.inv().apply(np.column_stack([np.zeros((len(lift), 2)), lift]))
    orient = OrientationFilter().estimate(Uniform(u.t, acc, u.gyr, u.valid, u.segment, FS))
    earth = orient.earth_acc
    whole = np.asarray(earth)
    for a, b in ((0, len(whole)), (250, 450), (17, 18), (40, 40), (-100, None)):
        assert np.array_equal(earth.vertical(a, b), whole[a:b][:, 2])
    # Gravity removed: the lift's up-and-down acceleration, not 9.8 m/s².
    np.testing.assert_allclose(earth.vertical(300, 400), lift[300:400], atol=0.3)
