"""Sensor model of the held-out generator: segment motion → IMU rows.

Specific force f = R_segᵀ (a_world + g ẑ) (a sensor lying still reads +9.81
on the axis that points up), angular rate ω = body-frame angular velocity of
the segment, both turned into the sensor frame by the mounting M
(v_segment = M · v_sensor, so v_sensor = Mᵀ · v_segment). Then, in order: an
anti-alias box filter one sample period wide, sampling at the device's own
clock (nominal rate, drifted by ``clock_ppm``), scale and axis-misalignment
errors, constant bias plus a random-walk drift, white noise, saturation at
the full-scale range, quantisation to the LSB, bursty packet loss (rows
dropped, never filled), and timestamp jitter (kept non-decreasing).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from .quat import Q as Rot

from .body import FS, G


@dataclass
class SensorSpec:
    rate_hz: float = 100.0
    mounting: Rot = field(default_factory=Rot.identity)   # segment-from-sensor
    declared: str | None = None        # `mounting` metadata line, if declared
    acc_noise: float = 0.02            # m/s² RMS per sample
    gyr_noise: float = 0.1             # deg/s RMS per sample
    acc_bias: np.ndarray = field(default_factory=lambda: np.zeros(3))
    gyr_bias: np.ndarray = field(default_factory=lambda: np.zeros(3))
    acc_drift: float = 0.0             # random walk, m/s² per √s
    gyr_drift: float = 0.0             # random walk, deg/s per √s
    acc_scale: np.ndarray = field(default_factory=lambda: np.eye(3))
    gyr_scale: np.ndarray = field(default_factory=lambda: np.eye(3))
    acc_range_g: float = 16.0
    gyr_range_dps: float = 2000.0
    clock_ppm: float = 0.0
    jitter_s: float = 0.0
    loss_frac: float = 0.0
    burst_s: float = 0.1               # mean length of a loss burst
    dropout_s: float = 0.0             # one long outage (the sensor vanishes a while)


def segment_signals(seg, pos, impact):
    """Specific force (m/s², segment frame) and angular rate (deg/s, segment
    frame) on the body grid, from world-from-segment rotations ``seg`` (N),
    sensor positions ``pos`` (N, 3, m) and extra impact accelerations."""
    acc_w = np.gradient(np.gradient(pos, 1.0 / FS, axis=0), 1.0 / FS, axis=0) + impact
    acc_w[:, 2] += G
    f = seg.inv().apply(acc_w)
    inc = (seg[:-1].inv() * seg[1:]).as_rotvec() * FS          # rad/s, body frame
    w = np.degrees(np.vstack([inc[:1], 0.5 * (inc[1:] + inc[:-1]), inc[-1:]]))
    return f, w


def _box(x, width):
    """Moving average over ``width`` samples (centred), vectorised by cumsum."""
    if width <= 1:
        return x
    c = np.cumsum(np.vstack([np.zeros((1, x.shape[1])), x]), axis=0)
    lo = np.clip(np.arange(len(x)) - width // 2, 0, len(x))
    hi = np.clip(lo + width, 0, len(x))
    return (c[hi] - c[lo]) / (hi - lo)[:, None]


def sample(spec: SensorSpec, rng, f_seg, w_seg):
    """Device rows from body-grid segment signals.

    Returns ``t`` (s, file time), ``acc`` (m/s²), ``gyr`` (deg/s), ``gaps``
    (list of (start_s, end_s) in file time) and ``time_scale`` (file time per
    true second, for the truth).
    """
    m_inv = spec.mounting.inv()
    f_s = m_inv.apply(f_seg)
    w_s = m_inv.apply(w_seg)
    width = int(round(FS / spec.rate_hz))
    f_s, w_s = _box(f_s, width), _box(w_s, width)
    scale = 1.0 + spec.clock_ppm * 1e-6          # device clock runs fast when > 0
    dur_true = (len(f_s) - 1) / FS
    k = np.arange(int(dur_true * spec.rate_hz * scale) + 1)
    tau = k / (spec.rate_hz * scale)               # true instants of the samples
    grid = np.arange(len(f_s)) / FS
    acc = np.column_stack([np.interp(tau, grid, f_s[:, i]) for i in range(3)])
    gyr = np.column_stack([np.interp(tau, grid, w_s[:, i]) for i in range(3)])
    n = len(k)
    dt = 1.0 / spec.rate_hz
    walk = lambda s: np.cumsum(rng.standard_normal((n, 3)), axis=0) * s * np.sqrt(dt)
    acc = acc @ spec.acc_scale.T + spec.acc_bias + walk(spec.acc_drift) \
        + rng.standard_normal((n, 3)) * spec.acc_noise
    gyr = gyr @ spec.gyr_scale.T + spec.gyr_bias + walk(spec.gyr_drift) \
        + rng.standard_normal((n, 3)) * spec.gyr_noise
    a_max = spec.acc_range_g * G
    acc = np.clip(acc, -a_max, a_max)
    gyr = np.clip(gyr, -spec.gyr_range_dps, spec.gyr_range_dps)
    acc = np.round(acc / (2 * a_max / 65536)) * (2 * a_max / 65536)
    gyr = np.round(gyr / (2 * spec.gyr_range_dps / 65536)) * (2 * spec.gyr_range_dps / 65536)
    t = k / spec.rate_hz                           # the device's own clock
    if spec.jitter_s > 0:
        t = np.maximum.accumulate(t + rng.uniform(0, spec.jitter_s, n))
    keep = loss_mask(rng, n, spec.loss_frac, max(int(spec.burst_s * spec.rate_hz), 1))
    m = int(spec.dropout_s * spec.rate_hz)
    if 0 < m < n // 2:
        j = int(rng.integers(n // 10, n - n // 10 - m))
        keep[j:j + m] = False
    idx = np.flatnonzero(keep)
    jumps = np.flatnonzero(np.diff(idx) > 1)
    gaps = [(float(t[idx[j]]), float(t[idx[j + 1]])) for j in jumps]
    return t[keep], acc[keep], gyr[keep], gaps, scale


def loss_mask(rng, n, frac, mean_burst):
    """Rows kept (bool, n): losses come in bursts of geometric length with the
    given mean, placed at random until ``frac`` of the rows are gone. The
    first and last rows are kept."""
    keep = np.ones(n, bool)
    if frac <= 0 or n < 10:
        return keep
    target = int(frac * n)
    n_bursts = max(target // mean_burst, 1)
    lengths = rng.geometric(1.0 / mean_burst, size=n_bursts * 2)
    lengths = lengths[np.cumsum(lengths) <= target]
    if len(lengths) == 0:
        lengths = np.array([min(target, mean_burst)])
    starts = rng.integers(1, n - 1, size=len(lengths))
    # mark [start, start+len) lost, vectorised with a difference array
    diff = np.zeros(n + 1, int)
    np.add.at(diff, starts, 1)
    np.add.at(diff, np.minimum(starts + lengths, n - 1), -1)
    lost = np.cumsum(diff[:n]) > 0
    keep[lost] = False
    keep[0] = keep[-1] = True
    return keep


AXES = {"forward": (1, 0, 0), "back": (-1, 0, 0), "left": (0, 1, 0), "right": (0, -1, 0),
        "up": (0, 0, 1), "down": (0, 0, -1)}


def axis_mounting(rng):
    """A random axis-aligned mounting (one of 24) and its declaration, e.g.
    ``x=left,y=back,z=up`` (each sensor axis named by the segment direction it
    points to)."""
    names = list(AXES)
    while True:
        a, b = rng.choice(names, 2, replace=False)
        va, vb = np.array(AXES[a]), np.array(AXES[b])
        if abs(va @ vb) == 0:
            break
    vc = np.cross(va, vb)
    c = next(k for k, v in AXES.items() if np.array_equal(v, vc))
    m = np.column_stack([va, vb, vc]).astype(float)   # columns: sensor axes in segment frame
    return Rot.from_matrix(m), f"x={a},y={b},z={c}"
