"""Counting inside a guided step, where the exercise is known.

In a guided session the coach has told the person what to do, so the
question inside a step is no longer "which exercise is this?" but only
"how many reps?". That needs neither the sensor's mounting (which only a
walk reveals, and the programme starts with holds) nor the posture gate,
and the person's own first reps say how far this person moves:

1. the angle the reps are measured on is mounting-free: gravity's
   direction in the sensor (low-passed accelerometer), as an angle from the
   step's station (its median direction) along the direction it varies
   most near the station: the axis the reps turn about, whatever way the
   sensor sits on the foot;
2. :class:`~analysis.reps.HoldRepDetector` finds the excursions, both ways
   (:func:`~analysis.reps.best_direction`), down to ``min_amplitude_deg``;
3. the first ``calibration_reps`` reps set the range of motion expected
   for the rest of the step (their median): an excursion counts if it
   reaches ``min_reach`` of it. So a person whose toe presses tip the foot 2° is
   counted like one who tips it 8°, and a fidget much smaller than the
   person's own reps is not.

The guided session's live count and the analysis of its recording with the
session log (:func:`analysis.pipeline.apply_session_log`) both call
:class:`StepRepCounter`, so they count alike.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sensors.contract import ACC_COLUMNS, GYR_COLUMNS

from .reps import HoldRepDetector, best_direction, lowpass, set_levels

REP_COLUMNS = ["start_s", "end_s", "hold_s", "range_deg"]


def station_angle_deg(acc: np.ndarray, sampling_rate_hz: float, cutoff_hz: float = 2.0,
                      near_deg: float = 40.0) -> np.ndarray:
    """The segment's tilt from its station along the reps' direction, mounting-free.

    Parameters
    ----------
    acc : ndarray, shape (n, 3)
        Accelerometer (m/s²) in any fixed frame of the sensor.
    sampling_rate_hz : float
    cutoff_hz : float
        Low-pass before taking gravity's direction (reps are slow; steps
        and taps are not).
    near_deg : float
        The station is the direction with the most time spent within this
        angle of it (the step's posture, not the one before or after it);
        only directions that near it set the reps' direction.

    Returns
    -------
    ndarray, shape (n,)
        Degrees; the sign is arbitrary (see :func:`rep_sign`).
    """
    return _station(acc, sampling_rate_hz, cutoff_hz, near_deg)[0]


def _station(acc, sampling_rate_hz, cutoff_hz=2.0, near_deg=40.0):
    """``(angle_deg, at_station)``: the angle of :func:`station_angle_deg` and where the segment is
    within ``near_deg`` of the station."""
    acc = np.asarray(acc, dtype=float)
    if len(acc) < 2:
        return np.zeros(len(acc)), np.ones(len(acc), dtype=bool)
    g = lowpass(acc, cutoff_hz, sampling_rate_hz)
    g = g / np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-9)
    cos_near = np.cos(np.radians(near_deg))
    # Candidates every half second; the one with the most samples near it.
    cand = g[::max(1, int(sampling_rate_hz / 2))]
    support = (g @ cand.T > cos_near).sum(axis=0)
    s = cand[int(np.argmax(support))]
    at = g @ s > cos_near
    s = g[at].mean(axis=0)
    s = s / max(np.linalg.norm(s), 1e-9)
    at = g @ s > cos_near
    helper = np.eye(3)[int(np.argmin(np.abs(s)))]
    e1 = np.cross(s, helper)
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(s, e1)
    # arcsin keeps the angle continuous (no wrap) however far the segment turns.
    uv = np.degrees(np.arcsin(np.clip(np.column_stack([g @ e1, g @ e2]), -1, 1)))
    pts = uv[at] if at.sum() >= 3 else uv
    pts = pts - pts.mean(axis=0)
    # The direction of largest spread: held and rest positions of the reps.
    w, v = np.linalg.eigh(pts.T @ pts)
    return uv @ v[:, int(np.argmax(w))], at


def rep_sign(angle_deg: np.ndarray, at_station: np.ndarray, sampling_rate_hz: float,
             settle_s: float = 1.0) -> int | None:
    """Which way the reps go: away from where the segment arrived at its station.

    A set starts from rest: the person gets into position, then moves. The
    angle a second after the segment first reached its station (and stayed
    ``settle_s``) is the rest level; the reps go toward the farther end of
    the angles seen at the station. None if the station was never reached
    for that long.
    """
    n = int(settle_s * sampling_rate_hz)
    run = np.convolve(at_station.astype(float), np.ones(n), mode="valid") >= n
    first = np.flatnonzero(run)
    if not len(first):
        return None
    i0 = int(first[0])
    arrival = float(np.median(angle_deg[i0 + n // 2: i0 + n]))
    lo, hi = np.percentile(angle_deg[at_station], [5, 95])
    return 1 if hi - arrival >= arrival - lo else -1



def holding_now(signals: pd.DataFrame, reps: pd.DataFrame, t_end: float,
                reach: float = 0.5, settle: float = 0.8, recent_s: float = 0.3) -> float | None:
    """Seconds the foot has been held out in the rep under way, else None.

    A rep is counted only once it is released, so a hold timer cannot wait
    for the detector. The set's finished reps give its rest level (the
    angle between reps) and its held level (the angle mid-rep); the foot is
    holding now if the last ``recent_s`` sit beyond ``reach`` of the way from
    rest to held, and the timer runs from when the angle last crossed that
    line after the latest counted rep, from when it got ``settle`` of the way.

    Parameters
    ----------
    signals : DataFrame
        ``SessionAnalyzer.signals_`` (``t``, ``tilt_deg``).
    reps : DataFrame
        The current set's reps (``start_s``, ``end_s``).
    t_end : float
        Time of the newest sample (s).
    """
    levels = set_levels(signals, reps)
    if levels is None:
        return None
    rest, held = levels
    t = signals["t"].to_numpy()
    ang = signals["tilt_deg" if "tilt_deg" in signals else "elevation_deg"].to_numpy()
    last_end = float(reps.end_s.max())
    # Progress from rest (0) toward the held level (1), whichever way the set goes.
    progress = (ang - rest) / (held - rest)
    after = t > last_end
    out = after & (progress >= reach)
    recent = t >= t_end - recent_s
    if not recent.any() or not out[recent].all():
        return None
    below = np.flatnonzero(after & ~out)
    first = below[-1] + 1 if len(below) else int(np.flatnonzero(after)[0])
    # The hold starts once the move in is (nearly) over, not at the half-way line.
    settled = np.flatnonzero(progress[first:] >= settle)
    start = t[first + settled[0]] if len(settled) else t_end
    return float(t_end - start)


class StepRepCounter:
    """Reps of a move–hold–release exercise inside one guided step.

    Parameters
    ----------
    min_hold_s : float
        A rep is held at least this long (the counting rule: 1 s).
    min_amplitude_deg : float
        Smallest excursion looked at; below a toe press's smallest (1°),
        above a planted foot's sway.
    calibration_reps : int
        The first this many reps set the range expected for the rest.
    min_reach : float
        A rep counts if its excursion reaches this share of the expected
        range (the median of the first ``calibration_reps``).
    edge_s : float
        A rep within this long of the window's start began before it.

    Attributes
    ----------
    reps_ : DataFrame
        ``start_s``, ``end_s``, ``hold_s``, ``range_deg`` (rest to held, deg).
    expected_range_deg_ : float
        The range set by the first reps (NaN before any).
    angle_deg_ : ndarray
        The angle the reps were found on, signed so reps are excursions up.
    rejected_ : DataFrame
        Excursions that did not count (detector's reasons, and
        ``below the person's range``).
    """

    def __init__(self, min_hold_s: float = 1.0, min_amplitude_deg: float = 0.5, calibration_reps: int = 3,
                 min_reach: float = 0.5, edge_s: float = 0.5) -> None:
        self.min_hold_s = min_hold_s
        self.min_amplitude_deg = min_amplitude_deg
        self.calibration_reps = calibration_reps
        self.min_reach = min_reach
        self.edge_s = edge_s

    def detect(self, t: np.ndarray, acc: np.ndarray, sampling_rate_hz: float,
               gyr: np.ndarray | None = None, valid: np.ndarray | None = None) -> StepRepCounter:
        """Count the reps in one step's samples.

        Parameters
        ----------
        t : ndarray, shape (n,)
            Times (s) of a uniform grid at ``sampling_rate_hz``.
        acc : ndarray, shape (n, 3)
            Accelerometer (m/s²), any fixed sensor frame.
        sampling_rate_hz : float
        gyr : ndarray, shape (n, 3), optional
            Gyro (deg/s): a held position trembles, a resting one does not
            (used to tell which way the reps go).
        valid : ndarray of bool, shape (n,), optional
            False inside gaps.
        """
        sampling_rate_hz = float(sampling_rate_hz)
        t = np.asarray(t, dtype=float)
        self.reps_ = pd.DataFrame(columns=REP_COLUMNS)
        self.rejected_ = pd.DataFrame(columns=["start_s", "end_s", "amplitude_deg", "reason"])
        self.expected_range_deg_ = float("nan")
        self.angle_deg_ = np.zeros(len(t))
        if len(t) < 3 * sampling_rate_hz:
            return self
        angle, at = _station(acc, sampling_rate_hz)
        proto = HoldRepDetector(min_hold_s=self.min_hold_s, min_amplitude_deg=self.min_amplitude_deg,
                                max_hold_speed_frac=0.5)
        sign = rep_sign(angle, at, sampling_rate_hz)
        if sign is None:  # never settled at a station: the likelier way (see reps.prefer)
            activity = None if gyr is None else np.linalg.norm(np.asarray(gyr, dtype=float), axis=1)
            sign, _ = best_direction(angle, sampling_rate_hz, proto, activity)
        det = proto.clone().detect(sign * angle, sampling_rate_hz, valid=valid)
        self.angle_deg_ = sign * angle
        found = det.reps_
        edge = int(self.edge_s * sampling_rate_hz)
        found = found[(found.start > edge) & (found.stop < len(t) - 1 - edge)].sort_values("start")
        amp = found.amplitude_deg.to_numpy()
        if len(amp):
            self.expected_range_deg_ = float(np.median(amp[:self.calibration_reps]))
        # The first reps themselves too: a wobble among them is no rep.
        keep = amp >= self.min_reach * self.expected_range_deg_
        dropped = found[~keep]
        rejected = [(t[int(r.start)], t[int(r.stop)], float(r.amplitude_deg), "below the person's range")
                    for r in dropped.itertuples()]
        rejected += [(t[int(r.start)], t[min(int(r.stop), len(t) - 1)], float(r.amplitude_deg), r.reason)
                     for r in det.rejected_.itertuples()]
        self.rejected_ = pd.DataFrame(rejected, columns=["start_s", "end_s", "amplitude_deg", "reason"])
        found = found[keep]
        self.reps_ = pd.DataFrame({
            "start_s": t[found.start.to_numpy(int)], "end_s": t[found.stop.to_numpy(int)],
            "hold_s": (found.hold_stop - found.hold_start).to_numpy() / sampling_rate_hz,
            "range_deg": np.abs(found.range_deg.to_numpy(float))}, columns=REP_COLUMNS)
        return self


def step_window(signals: pd.DataFrame, start_s: float, end_s: float) -> pd.DataFrame:
    """The rows of ``signals`` (an analysis grid with ``t``) inside ``[start_s, end_s]``."""
    t = signals["t"].to_numpy()
    lo, hi = np.searchsorted(t, [start_s, end_s], side="left")
    return signals.iloc[lo:hi]


def count_step_reps(signals: pd.DataFrame, start_s: float, end_s: float, sampling_rate_hz: float,
                    counter: StepRepCounter | None = None) -> StepRepCounter:
    """:class:`StepRepCounter` fitted to a step's stretch of an analysis grid.

    ``signals`` has ``t`` (s, uniform), ``acc_x..z`` (m/s², any fixed
    frame), optionally ``gyr_x..z`` and ``valid`` (a fitted
    ``SessionAnalyzer.signals_``), sampled at ``sampling_rate_hz``.
    """
    w = step_window(signals, start_s, end_s)
    counter = counter or StepRepCounter()
    t = w["t"].to_numpy(float)
    gyr = w[list(GYR_COLUMNS)].to_numpy(float) if "gyr_x" in w else None
    valid = w["valid"].to_numpy(bool) if "valid" in w else None
    return counter.detect(t, w[list(ACC_COLUMNS)].to_numpy(float), sampling_rate_hz, gyr=gyr, valid=valid)
