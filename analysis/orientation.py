"""Orientation of the sensor: x-io's AHRS (imufusion) over each gap-free stretch.

imufusion is the C implementation of the Madgwick-style complementary filter
that x-io ships with its sensors; it rejects the accelerometer while the
sensor accelerates, which a low-pass tilt estimate cannot do. It has no batch
API, so two C calls per sample at the 50 Hz analysis grid: 0.44 µs a sample
when fed float32 rows (its own precision) and asked only for the quaternion,
against 1.8 µs with float64 rows and three getters (measured on 100 000
samples); gravity and earth acceleration follow from the quaternion in one
vectorised step. imufusion 1.3.3 is its latest release (checked 2026-11-30)
and still has no batch call.

Where the sensor rests for a while (the benchmark day of wear spends a
third of its samples inside rests of 30 s or more: sitting, lying,
standing) the filter is not run sample by sample: the tilt there is the
averaged accelerometer's, which at rest measures gravity alone, with the
heading the filter had (``OrientationFilter(rest_fill_s=...)``).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from sensors.contract import G

from .preprocess import Uniform

_BLOCK = 65536


@dataclasses.dataclass
class Orientation:
    """Per-sample orientation estimates on the analysis grid.

    Only the quaternions are stored; the up vector and the earth-frame
    acceleration follow from them and the accelerometer when asked for. On
    a day of wear each (n, 3) float64 array is 100 MB, and the detectors
    read the earth-frame acceleration only over walks and reps.

    Attributes
    ----------
    quat : ndarray of float32, shape (n, 4)
        Sensor-to-earth rotation, (w, x, y, z), earth z up, heading arbitrary
        (imufusion's own float32 values).
    acc : ndarray, shape (n, 3)
        The accelerometer it was estimated from (m/s², sensor frame; the
        caller's array, not a copy).
    gravity : ndarray, shape (n, 3)
        Unit vector pointing up, in the sensor frame (computed on each access).
    earth_acc : EarthAcceleration, shape (n, 3)
        Acceleration without gravity in the earth frame (m/s²); rows are
        computed when sliced (``earth_acc[a:b]``), ``np.asarray`` gives all.
    """

    quat: np.ndarray
    acc: np.ndarray

    @property
    def gravity(self) -> np.ndarray:
        grav = np.empty((len(self.quat), 3))
        # In blocks, from the quaternions alone (the rotation's third row):
        # the (n, 4) float64 copy of a day's quaternions is a 140 MB temporary.
        for i in range(0, len(self.quat), _BLOCK):
            grav[i:i + _BLOCK] = _up_vectors(self.quat[i:i + _BLOCK].astype(float))
        return grav

    @property
    def earth_acc(self) -> EarthAcceleration:
        return EarthAcceleration(self.quat, self.acc)


class EarthAcceleration:
    """Gravity-free acceleration in the earth frame (m/s², shape (n, 3)), row by row on demand.

    ``x[a:b]`` computes rows ``a:b`` only (the same values as computing all
    rows, which ``np.asarray(x)`` does).
    """

    def __init__(self, quat: np.ndarray, acc: np.ndarray):
        self._quat, self._acc = quat, acc
        self.shape = (len(quat), 3)

    def __len__(self) -> int:
        return len(self._quat)

    def __getitem__(self, key):
        if isinstance(key, slice) and key.step in (None, 1):
            a, b, _ = key.indices(len(self._quat))
            return self._rows(a, max(a, b))
        return np.asarray(self)[key]

    def _rows(self, a: int, b: int) -> np.ndarray:
        earth = _gravity_and_earth_acc(self._quat[a:b].astype(float), self._acc[a:b] / G)[1]
        earth *= G
        return earth

    def __array__(self, dtype=None, copy=None):
        out = np.empty(self.shape)
        for i in range(0, len(out), _BLOCK):
            out[i:i + _BLOCK] = self._rows(i, min(i + _BLOCK, len(out)))
        return out if dtype is None else out.astype(dtype)


class OrientationFilter:
    """Fuse gyro and accelerometer into orientation with imufusion's AHRS.

    Parameters
    ----------
    gain : float
        Weight of the accelerometer correction (x-io's default 0.5).
    acceleration_rejection_deg : float
        Ignore the accelerometer while it disagrees with the gravity estimate
        by more than this (deg); 0 disables rejection. Disabled by default:
        with 10° or 25° the filter sometimes locked onto a wrong tilt after
        brisk walking and did not recover while the leg stood still for a
        minute (measured on simulated shank data: 40° off for 60 s), while
        without it the tilt error during walking lasts a stride.
    recovery_s : float
        After this long of rejection, trust the accelerometer again.
    rest_fill_s : float, optional
        Rest (``still`` given to :meth:`estimate`) this long or longer is not
        filtered sample by sample: after ``rest_settle_s`` of filtering, the
        tilt comes from the accelerometer (1 s moving average; at rest it
        measures gravity alone) with the heading the filter had, and the
        filter resumes from there ``rest_settle_s`` before the rest ends.
        None filters everything.
    rest_settle_s : float
        Filtered time kept at each end of a filled rest.
    """

    def __init__(self, gain: float = 0.5, acceleration_rejection_deg: float = 0.0,
                 recovery_s: float = 5.0, rest_fill_s: float | None = None, rest_settle_s: float = 2.0):
        self.gain = gain
        self.acceleration_rejection_deg = acceleration_rejection_deg
        self.recovery_s = recovery_s
        self.rest_fill_s = rest_fill_s
        self.rest_settle_s = rest_settle_s

    def estimate(self, u: Uniform, gyr_bias_dps: np.ndarray | None = None,
                 still: np.ndarray | None = None) -> Orientation:
        import imufusion

        n = len(u.t)
        fill = self._fill_mask(u, still)
        # imufusion works in float32 and returns float32 quaternions: kept
        # as such they lose nothing and take half the memory (68 MB a day).
        quat = np.zeros((n, 4), dtype=np.float32)
        # imufusion computes in float32: converting once here instead of in
        # every call is what makes the per-sample loop cheap.
        gyr = (u.gyr if gyr_bias_dps is None else u.gyr - gyr_bias_dps).astype(np.float32)
        acc_32 = (u.acc / G).astype(np.float32)
        settings = imufusion.AhrsSettings(
            sample_rate=u.sampling_rate_hz, convention=imufusion.CONVENTION_NWU, gain=self.gain,
            gyroscope_range=4000.0, acceleration_rejection=self.acceleration_rejection_deg,
            magnetic_rejection=0.0, rejection_timeout=int(self.recovery_s * u.sampling_rate_hz))
        bounds = np.flatnonzero(np.diff(u.segment)) + 1
        for start, stop in zip(np.r_[0, bounds], np.r_[bounds, n]):
            ahrs = imufusion.Ahrs()
            ahrs.set_settings(settings)
            ahrs.set_sample_period(1.0 / u.sampling_rate_hz)
            # Start from the accelerometer's tilt instead of the filter's
            # ramp-up, so the first seconds of each stretch are usable.
            ahrs.set_quaternion(_tilt_quaternion((u.acc[start:min(stop, start + 5)] / G).mean(axis=0)))
            ahrs.skip_startup()
            step = _stepper(ahrs)
            edges = np.flatnonzero(np.diff(fill[start:stop].astype(np.int8))) + 1 + start
            for p0, p1 in zip(np.r_[start, edges], np.r_[edges, stop]):
                if fill[p0]:
                    quat[p0:p1] = _rest_quaternions(quat[p0 - 1].astype(float), u.acc[p0:p1],
                                                    max(1, int(round(u.sampling_rate_hz))))
                    ahrs.set_quaternion(quat[p1 - 1].astype(float))
                    continue
                # The quaternions are gathered as bytes a block at a time: a
                # list of a day's 4.3 M small arrays held 560 MB.
                for a in range(p0, p1, _BLOCK):
                    b = min(a + _BLOCK, p1)
                    quat[a:b] = np.frombuffer(b"".join(map(step, gyr[a:b], acc_32[a:b])),
                                              dtype=np.float32).reshape(-1, 4)
        return Orientation(quat, u.acc)

    def _fill_mask(self, u: Uniform, still: np.ndarray | None) -> np.ndarray:
        """Samples whose orientation comes from the accelerometer (see ``rest_fill_s``)."""
        fill = np.zeros(len(u.t), dtype=bool)
        if still is None or self.rest_fill_s is None:
            return fill
        from .gait import runs

        rest = np.asarray(still, dtype=bool) & u.valid
        rest[np.flatnonzero(np.diff(u.segment)) + 1] = False  # a rest never spans a gap
        k = int(round(self.rest_settle_s * u.sampling_rate_hz))
        for a, b in zip(*runs(rest)):
            if (b - a) >= self.rest_fill_s * u.sampling_rate_hz and b - a > 2 * k + 1:
                fill[a + max(k, 1):b - k] = True
        return fill


def _stepper(ahrs):
    """One filter step as a function of (gyro row, accelerometer row), returning the quaternion's bytes.

    ``map`` over it costs 0.6-0.7 µs a sample against 0.75-1.0 µs for a
    for-loop over the rows (100 000 samples, the same quaternions).
    """
    update, get_q = ahrs.update_no_magnetometer, ahrs.get_quaternion

    def step(g_row, a_row):
        update(g_row, a_row)
        return get_q().tobytes()

    return step


def _gravity_and_earth_acc(quat: np.ndarray, acc_g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Up in the sensor frame, and acceleration without gravity in the earth frame.

    What imufusion's ``get_gravity`` / ``get_earth_acceleration`` return
    (NWU convention), for all samples at once.

    Parameters
    ----------
    quat : ndarray, shape (n, 4)
        Sensor-to-earth (w, x, y, z).
    acc_g : ndarray, shape (n, 3)
        Accelerometer (g), sensor frame.

    Returns
    -------
    gravity : ndarray, shape (n, 3)
        Unit up vector, sensor frame.
    earth_acc : ndarray, shape (n, 3)
        ``R · a − ẑ`` (g), earth frame.
    """
    w, x, y, z = quat.T
    grav = _up_vectors(quat)
    r = np.empty((len(quat), 3, 3))
    r[:, 0, 0] = 1 - 2 * (y * y + z * z)
    r[:, 0, 1] = 2 * (x * y - w * z)
    r[:, 0, 2] = 2 * (x * z + w * y)
    r[:, 1, 0] = 2 * (x * y + w * z)
    r[:, 1, 1] = 1 - 2 * (x * x + z * z)
    r[:, 1, 2] = 2 * (y * z - w * x)
    r[:, 2] = grav
    earth = np.einsum("nij,nj->ni", r, acc_g)
    earth[:, 2] -= 1.0
    return grav, earth


def _up_vectors(quat: np.ndarray) -> np.ndarray:
    """Up in the sensor frame ((n, 3), unit) for sensor-to-earth (w, x, y, z) rows: the rotation's third row."""
    w, x, y, z = quat.T
    return np.column_stack([2 * (x * z - w * y), 2 * (y * z + w * x), w * w - x * x - y * y + z * z])


def _tilt_quaternion(acc: np.ndarray) -> np.ndarray:
    """(w, x, y, z) rotating the measured up vector (one row) onto earth z."""
    return _tilt_quaternions(np.asarray(acc, dtype=float)[None, :])[0]


def _quat_mul(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Hamilton product of (w, x, y, z) quaternions (broadcasting over rows)."""
    pw, px, py, pz = np.moveaxis(p, -1, 0)
    qw, qx, qy, qz = np.moveaxis(q, -1, 0)
    return np.stack([pw * qw - px * qx - py * qy - pz * qz, pw * qx + px * qw + py * qz - pz * qy,
                     pw * qy - px * qz + py * qw + pz * qx, pw * qz + px * qy - py * qx + pz * qw], axis=-1)


def _tilt_quaternions(up: np.ndarray) -> np.ndarray:
    """Rows of (w, x, y, z) turning each up vector (sensor frame, (m, 3)) onto earth z, shortest way."""
    norm = np.linalg.norm(up, axis=1, keepdims=True)
    up = up / np.where(norm > 0, norm, 1.0)  # no measurement at all: taken as "no turn known"
    s = np.hypot(up[:, 0], up[:, 1])
    half = np.arctan2(s, up[:, 2]) / 2
    k = np.sin(half) / np.where(s > 1e-9, s, 1.0)
    # axis = up × z = (up_y, -up_x, 0) / s
    q = np.column_stack([np.cos(half), k * up[:, 1], -k * up[:, 0], np.zeros(len(up))])
    flat = s <= 1e-9  # up along ±z: no turn, or half a turn about x (as _tilt_quaternion)
    q[flat] = np.where(up[flat, 2:3] > 0, [1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0])
    return q


def _rest_quaternions(q_before: np.ndarray, acc: np.ndarray, window: int) -> np.ndarray:
    """Orientation through a rest from the accelerometer, keeping the heading of ``q_before``.

    ``q_before`` (w, x, y, z) is the filter's last estimate before the rest;
    ``acc`` (m, 3) the rest's accelerometer (any unit). The tilt is that of
    the accelerometer averaged over ``window`` samples; the heading is the
    turn about earth z that takes the tilt-only quaternion of ``q_before``'s
    up vector onto ``q_before``.
    """
    tilt_before = _tilt_quaternions(_up_vectors(q_before[None, :]))[0]
    heading = _quat_mul(q_before, tilt_before * [1, -1, -1, -1])
    from scipy.ndimage import uniform_filter1d

    up = uniform_filter1d(acc, window, axis=0, mode="nearest")
    return _quat_mul(heading, _tilt_quaternions(up)).astype(np.float32)
