"""Ankle circles: each revolution of the toes and its direction.

With ``ω`` the foot's angular rate in the foot frame, the toe tip (at unit
distance along the foot's x axis) moves with velocity ``ω × x̂ =
(0, ω_z, −ω_y)``. Integrating and band-passing gives its displacement ``d``
in the plane across the foot; the contract's direction is the sign of
``(d × ḋ) · x = d_y ḋ_z − d_z ḋ_y``, positive for ``ccw``. The phase angle
``φ = atan2(d_z, d_y)`` then rises for ccw and falls for cw, and every full
turn of ``φ`` is one circle, whatever the speed or ellipticity.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.ndimage import uniform_filter1d
from scipy.signal import butter, sosfiltfilt

from .gait import runs

CIRCLE_COLUMNS = ["start", "stop", "direction"]


class CircleDetector:
    """Count ankle circles in the foot-frame angular rate.

    Parameters
    ----------
    band_hz : tuple of float
        Band-pass of the toe displacement: circles take 0.5–3 s each.
    min_radius_deg : float
        Smaller toe excursions (deg of foot tilt) are not circles.
    min_turns : float
        A run of steady rotation must make at least this many turns.
    max_reversal_s : float
        Brief back-steps of the phase shorter than this are ignored.
    core_radius_frac : float
        Turns count only where the toe path is at least this share of the
        run's median radius (easing in and out is not a circle).
    max_bridged_gap_s : float
        Recording gaps shorter than this (interpolated upstream) do not end a
        run of turns; longer ones do.
    last_turn_slack : float
        A last turn this close to complete counts (the detrending trims the
        very end of the path).
    """

    def __init__(self, band_hz: tuple[float, float] = (0.25, 3.0), min_radius_deg: float = 4.0,
                 min_turns: float = 1.0, max_reversal_s: float = 0.25, core_radius_frac: float = 0.5,
                 last_turn_slack: float = 0.45, max_bridged_gap_s: float = 1.0):
        self.max_bridged_gap_s = max_bridged_gap_s
        self.core_radius_frac = core_radius_frac
        self.last_turn_slack = last_turn_slack
        self.band_hz = band_hz
        self.min_radius_deg = min_radius_deg
        self.min_turns = min_turns
        self.max_reversal_s = max_reversal_s

    def toe_displacement(self, gyr_foot_dps: np.ndarray, fs: float) -> np.ndarray:
        """Toe displacement (deg of tilt) across the foot, shape (n, 2): (d_y, d_z).

        The integral drifts, so it is detrended by a centred moving average
        one circle long: the mean over exactly one turn is the circle's
        centre, so the path keeps its full size and shape (a fixed window
        shrinks slow circles and, for uneven speed, bends the path into
        extra loops). The local period comes from a first pass with a 1 s
        window. Unlike a long high-pass, this lets a big movement right
        after the circles (lowering the leg) disturb only the turn next to it.
        """
        rate = np.column_stack([gyr_foot_dps[:, 2], -gyr_foot_dps[:, 1]])
        cum = np.cumsum(rate, axis=0) / fs
        w = max(3, int(fs / self.band_hz[0] / 4))
        d = cum - uniform_filter1d(cum, w, axis=0, mode="nearest")
        if len(d) < 30:
            return d
        sos = butter(2, min(self.band_hz[1] / (fs / 2), 0.99), output="sos")
        d = sosfiltfilt(sos, d, axis=0)
        # Local period from the first pass's phase speed, over about two turns.
        speed = np.abs(np.gradient(np.unwrap(np.arctan2(d[:, 1], d[:, 0])))) * fs
        speed = uniform_filter1d(speed, max(3, int(2.0 * fs)), mode="nearest")
        period = np.clip(2 * np.pi / np.maximum(speed, 1e-6), 1 / self.band_hz[1], 1 / self.band_hz[0] * 0.75)
        half = np.round(period * fs / 2).astype(np.int64)
        pad = int(half.max()) + 1
        padded = np.concatenate([np.repeat(cum[:1], pad, 0), cum, np.repeat(cum[-1:], pad, 0)])
        c = np.vstack([np.zeros((1, 2)), np.cumsum(padded, axis=0)])
        i = np.arange(len(cum)) + pad
        mean = (c[i + half + 1] - c[i - half]) / (2 * half + 1)[:, None]
        return sosfiltfilt(sos, cum - mean, axis=0)

    def detect(self, gyr_foot_dps: np.ndarray, sampling_rate_hz: float,
               valid: np.ndarray | None = None) -> "CircleDetector":
        """Find circles.

        Parameters
        ----------
        gyr_foot_dps : ndarray, shape (n, 3)
            Bias-free angular rate in the foot frame (deg/s).
        sampling_rate_hz : float
        valid : ndarray of bool, optional
            False in recording gaps: a circle cannot be counted across one.

        Attributes
        ----------
        circles_ : DataFrame
            ``start``, ``stop`` (sample indices) and ``direction`` per circle.
        phase_ : ndarray
            Unwrapped phase (rad), rising for ccw.
        """
        fs = sampling_rate_hz
        d = self.toe_displacement(gyr_foot_dps, fs)
        radius = np.hypot(d[:, 0], d[:, 1])
        phase = np.unwrap(np.arctan2(d[:, 1], d[:, 0]))
        self.phase_ = phase
        self.radius_ = radius
        dphi = np.gradient(phase) * fs
        turning = radius > self.min_radius_deg
        if valid is not None:
            # A few lost packets (interpolated upstream) do not stop the foot:
            # splitting a run there floored away the part-turns either side.
            # Only a long gap, where the phase cannot be followed, ends a run.
            bridged = valid.copy()
            for a, b in zip(*runs(~valid)):
                if (b - a) / fs < self.max_bridged_gap_s:
                    bridged[a:b] = True
            turning &= bridged
        rows = []
        for sign, direction in ((1, "ccw"), (-1, "cw")):
            steady = turning & (sign * dphi > 0.8)  # > ~0.13 turns/s
            # Forgive brief hesitations within a run.
            gap = int(self.max_reversal_s * fs)
            s_idx, e_idx = runs(steady)
            if len(s_idx) > 1:
                short = (s_idx[1:] - e_idx[:-1]) <= gap
                for a, b in zip(e_idx[:-1][short], s_idx[1:][short]):
                    steady[a:b] = turning[a:b]
            for s, e in zip(*runs(steady)):
                # Easing into and out of the circles sweeps a smaller radius;
                # count the turns made at full size.
                full = np.flatnonzero(radius[s:e] >= self.core_radius_frac * np.median(radius[s:e]))
                if not len(full):
                    continue
                s, e = s + int(full[0]), s + int(full[-1]) + 1
                rel = sign * (phase[s:e] - phase[s]) / (2 * np.pi)
                n = int(np.floor(rel[-1] + self.last_turn_slack))
                if n < self.min_turns:
                    continue
                marks = np.maximum.accumulate(rel)
                edges = s + np.searchsorted(marks, np.arange(n + 1) * min(1.0, rel[-1] / n))
                edges = np.minimum(edges, e - 1)
                for a, b in zip(edges[:-1], edges[1:]):
                    rows.append((int(a), int(b), direction))
        self.circles_ = pd.DataFrame(rows, columns=CIRCLE_COLUMNS).sort_values("start", ignore_index=True)
        return self
