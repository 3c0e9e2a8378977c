"""Balance measures: quiet-standing sway (ankle sensor) and tiptoe gait steadiness.

Sway follows the inverted-pendulum model used by the published IMU sway
measures (Mancini et al. 2012, "ISway: a sensitive, valid and reliable
measure of postural control", J NeuroEng Rehabil 9:59; APDM Mobility Lab):
the body sways about the ankles, so the shank's inclination is the sway
angle. From its anterior–posterior (AP) and medio-lateral (ML) components:
RMS about the mean, the 95 % confidence-ellipse area and the mean sway
velocity. A foot on the floor does not sway: with a foot sensor these are
"not observable".

Tiptoe gait: stride-time variability (coefficient of variation), cadence
and the medio-lateral wobble of the foot (roll) during stance.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.signal import lfilter

from sensors.contract import ACC_COLUMNS, FOOT_ROLL_NOT_OBSERVABLE, GYR_COLUMNS, SWAY_NOT_OBSERVABLE

from .reps import lowpass

# χ²(2 dof, 0.95): the 95 % ellipse of a 2-D Gaussian has area π·5.991·√det Σ.
CHI2_95_2DOF = 5.991

# Reference ranges for healthy adults, with where they come from. Sway in
# angle units from shank/trunk IMUs during eyes-open quiet stance is about
# 0.2–1.0° RMS (Mancini 2012 report trunk sway of the same order; values
# differ with sensor site and stance). Gait: cadence of comfortable walking
# 100–120 steps/min; stride-time CV of healthy adults 1–3 % (Hausdorff 2005,
# J NeuroEng Rehabil 2:19).
REFERENCE = {
    "sway_rms_ap_deg": (0.2, 1.0),
    "sway_rms_ml_deg": (0.1, 0.8),
    "ellipse_area_deg2": (0.5, 10.0),
    "mean_velocity_dps": (0.3, 3.0),
    "stride_time_cv_pct": (1.0, 3.0),
    "cadence_spm": (100.0, 120.0),
}


class SwayMetrics:
    """Sway of the shank inclination during quiet standing.

    Parameters
    ----------
    lowpass_hz : float
        Sway lives below ~2 Hz; higher content is tremor and noise.

    Attributes (after :meth:`compute`)
    ----------
    rms_ap_deg_, rms_ml_deg_ : float
        RMS about the mean (deg).
    ellipse_area_deg2_ : float
        95 % confidence-ellipse area (deg²).
    mean_velocity_dps_ : float
        Sway path length over duration (deg/s).
    """

    def __init__(self, lowpass_hz: float = 2.0):
        self.lowpass_hz = lowpass_hz

    def compute(self, ap_deg: np.ndarray, ml_deg: np.ndarray, sampling_rate_hz: float) -> SwayMetrics:
        """AP and ML inclination (deg), shape (n,), at ``sampling_rate_hz``."""
        xy = np.column_stack([ap_deg, ml_deg]).astype(float)
        xy = lowpass(xy, self.lowpass_hz, sampling_rate_hz)
        xy = xy - xy.mean(axis=0)
        self.rms_ap_deg_ = float(np.sqrt(np.mean(xy[:, 0] ** 2)))
        self.rms_ml_deg_ = float(np.sqrt(np.mean(xy[:, 1] ** 2)))
        cov = np.cov(xy.T) if len(xy) > 2 else np.zeros((2, 2))
        self.ellipse_area_deg2_ = float(math.pi * CHI2_95_2DOF * math.sqrt(max(np.linalg.det(cov), 0.0)))
        duration = len(xy) / sampling_rate_hz
        path = float(np.sum(np.linalg.norm(np.diff(xy, axis=0), axis=1)))
        self.mean_velocity_dps_ = path / duration if duration > 0 else float("nan")
        return self


def shank_inclination(acc_shank: np.ndarray, sampling_rate_hz: float, lowpass_hz: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """AP and ML inclination (deg) from shank-frame acceleration, shape (n, 3).

    At the ankle the pivot is just below the sensor, so its linear
    acceleration during sway is tiny and the low-passed accelerometer is the
    gravity direction. AP = atan2(−a_x, a_z), positive when the shank leans
    forward (its top ahead of the ankle, so "up" has a backward component);
    ML = atan2(a_y, a_z).
    """
    a = lowpass(np.asarray(acc_shank, dtype=float), lowpass_hz, sampling_rate_hz)
    ap = np.degrees(np.arctan2(-a[:, 0], a[:, 2]))
    ml = np.degrees(np.arctan2(a[:, 1], a[:, 2]))
    return ap, ml


def shank_sway(acc_shank: np.ndarray, gyr_shank_dps: np.ndarray, sampling_rate_hz: float,
               crossover_hz: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    """AP and ML sway angles (deg) of one quiet stance: accelerometer and gyroscope blended.

    The accelerometer's tilt (as :func:`shank_inclination`, unfiltered)
    holds the sway's slow part; above ``crossover_hz`` the integrated
    angular rate takes over. The accelerometer sits above the ankle the
    body sways about, so it also feels the sway's own angular acceleration
    (r·θ̈ for a sensor r above the pivot): at 0.4 Hz and 10 cm that reads
    the angle 6 % too large, more at higher frequencies and higher on the
    shank (r·ω²/g: 19 % at 0.4 Hz and 30 cm). The gyroscope measures the
    sway's rate with no lever arm; the blend keeps the part of the
    accelerometer's error below the crossover (about 1/(1 + f/fc) of it).
    Measured on the simulator's ankle tier (seeds 3000-3009, 36 stances,
    its sensor 10 cm up): RMS error 5.3 % from the accelerometer alone,
    2.3 % blended at 0.15 Hz (2.4 % at 0.1 and 0.2 Hz); with hard-tier
    noise (0.03-0.25 m/s², 0.1-1 deg/s) at 20-400 Hz 9.7 % against 3.3 %
    (3.8 % at 0.1 Hz, whose integrated gyro noise lasts longer; 3.5 % at 0.2 Hz).

    Parameters
    ----------
    acc_shank : ndarray, shape (n, 3)
        Segment-frame specific force (m/s²) over the stance.
    gyr_shank_dps : ndarray, shape (n, 3)
        Segment-frame angular rate (deg/s), its bias removed.
    crossover_hz : float
        Corner of the complementary first-order pair; the first
        ``1 / (2 pi crossover_hz)`` s settle from the accelerometer's angle.

    Returns
    -------
    ap, ml : ndarray, shape (n,)
        AP (+ leaning forward, the rate about y) and ML (the rate about x) angles, deg.
    """
    a = np.asarray(acc_shank, dtype=float)
    w = np.asarray(gyr_shank_dps, dtype=float)
    if not len(a):
        return np.zeros(0), np.zeros(0)
    tau = 1.0 / (2 * math.pi * crossover_hz)
    dt = 1.0 / sampling_rate_hz
    k = tau / (tau + dt)
    out = []
    for tilt, rate in ((np.degrees(np.arctan2(-a[:, 0], a[:, 2])), w[:, 1]),
                       (np.degrees(np.arctan2(a[:, 1], a[:, 2])), w[:, 0])):
        # theta_i = k (theta_{i-1} + rate_i dt) + (1 - k) tilt_i, as one IIR filter.
        y, _ = lfilter([1.0], [1.0, -k], k * dt * rate + (1 - k) * tilt, zi=[k * tilt[0]])
        out.append(y)
    return out[0], out[1]


def _flag(name: str, value: float | None) -> str | None:
    if value is None or not math.isfinite(value) or name not in REFERENCE:
        return None
    lo, hi = REFERENCE[name]
    return "below" if value < lo else "above" if value > hi else "within"


def _metric(name: str, value: float | None, unit: str) -> dict:
    ok = value is not None and math.isfinite(value)
    return {"value": round(float(value), 3) if ok else None, "unit": unit,
            "reference": list(REFERENCE[name]) if name in REFERENCE else None,
            "vs_reference": _flag(name, value) if ok else None}


def balance_document(fitted, placement: str, base: dict, sampling_rate_hz: float) -> dict:
    """The ``balance`` object of the analysis JSON (see docs/adherence-and-balance.md).

    Parameters
    ----------
    fitted : analysis.session.SessionAnalyzer
        Fitted to the recording.
    placement : {"foot", "ankle"}
    base : dict
        Already holds ``stances``.
    sampling_rate_hz : float
        Rate of ``fitted.signals_`` (the analyser's grid).
    """
    out = dict(base)
    s = fitted.signals_
    stances = []
    if placement == "ankle" and len(s):
        t = s.t.to_numpy()
        acc, gyr = s[list(ACC_COLUMNS)].to_numpy(), s[list(GYR_COLUMNS)].to_numpy()
        for st in fitted.stances_.itertuples():
            i0, i1 = np.searchsorted(t, st.start_s, side="left"), np.searchsorted(t, st.end_s, side="right")
            tt = t[i0:i1]
            m = (tt >= st.start_s + 1.0) & (tt <= st.end_s - 1.0)  # skip settling in (and the blend's)
            if m.sum() < 5 * sampling_rate_hz:
                continue
            ap, ml = shank_sway(acc[i0:i1], gyr[i0:i1], sampling_rate_hz)
            sw = SwayMetrics().compute(ap[m], ml[m], sampling_rate_hz)
            stances.append({"start_s": round(float(st.start_s), 3), "end_s": round(float(st.end_s), 3),
                            "sway_rms_ap_deg": round(sw.rms_ap_deg_, 3),
                            "sway_rms_ml_deg": round(sw.rms_ml_deg_, 3),
                            "ellipse_area_deg2": round(sw.ellipse_area_deg2_, 3),
                            "mean_velocity_dps": round(sw.mean_velocity_dps_, 3)})
        out["stances"] = stances
        if stances:
            w = np.array([x["end_s"] - x["start_s"] for x in stances])
            avg = lambda k: float(np.average([x[k] for x in stances], weights=w))  # noqa: E731
            out["sway"] = {
                "sway_rms_ap_deg": _metric("sway_rms_ap_deg", avg("sway_rms_ap_deg"), "deg"),
                "sway_rms_ml_deg": _metric("sway_rms_ml_deg", avg("sway_rms_ml_deg"), "deg"),
                "ellipse_area_deg2": _metric("ellipse_area_deg2", avg("ellipse_area_deg2"), "deg²"),
                "mean_velocity_dps": _metric("mean_velocity_dps", avg("mean_velocity_dps"), "deg/s"),
                "standing_s": round(float(w.sum()), 1),
            }
        else:
            out["sway"] = {"not_observable": "no quiet standing of 10 s or more was found"}
    else:
        out["sway"] = {"not_observable": SWAY_NOT_OBSERVABLE}
    # Tiptoe gait steadiness, from whichever placement.
    gait = []
    for k, d in getattr(fitted, "bout_details_", {}).items():
        b = fitted.bouts_.loc[k]
        strides = fitted.strides_[fitted.strides_.bout == k].t_s.to_numpy()
        wobble = None
        if placement == "foot" and len(s) and len(strides) > 2:
            # The walk's rows only (t increases): the whole day's gyro norm per
            # walk was a 200 MB temporary.
            t = s.t.to_numpy()
            part = s.iloc[np.searchsorted(t, strides[0], side="left"):np.searchsorted(t, strides[-1], side="right")]
            m = part.still.to_numpy() | (np.linalg.norm(part[list(GYR_COLUMNS)].to_numpy(), axis=1) < 60)
            if m.sum() > 10:
                roll = part.roll_deg.to_numpy()[m]
                wobble = float(np.sqrt(np.mean((roll - roll.mean()) ** 2)))
        gait.append({"start_s": round(float(b.start_s), 3), "end_s": round(float(b.end_s), 3),
                     "cadence_spm": _metric("cadence_spm", d.get("cadence_spm"), "steps/min"),
                     "stride_time_cv_pct": _metric("stride_time_cv_pct", d.get("stride_time_cv_pct"), "%"),
                     "stance_wobble_ml_deg": _metric("stance_wobble_ml_deg", wobble, "deg")
                     if placement == "foot" else {"not_observable": FOOT_ROLL_NOT_OBSERVABLE}})
    out["tiptoe_gait"] = gait
    return out
