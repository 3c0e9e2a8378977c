"""Gait: find walking bouts, their ground contacts, and tell tiptoe from heel-to-toe.

Gait is found before the sensor's mounting is known (the mounting estimate
uses it), so :class:`GaitBoutDetector` only looks at rotation-invariant
signals: the angular-rate magnitude and its periodicity.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.ndimage import uniform_filter1d
from scipy.signal import butter, find_peaks, sosfiltfilt


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and stop indices (stop exclusive) of the True runs of ``mask``."""
    m = np.concatenate([[0], mask.astype(np.int8), [0]])
    d = np.diff(m)
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def moving_rms(x: np.ndarray, n: int) -> np.ndarray:
    return np.sqrt(uniform_filter1d(x * x, max(1, n), mode="nearest"))


def _stride_period(g: np.ndarray, fs: float, lo_s: float = 0.6, hi_s: float = 1.8) -> tuple[float, float]:
    """Dominant period (s) of ``g`` by autocorrelation, and its correlation.

    ``g`` is a signal of shape (n,) or a vector signal of shape (n, k),
    whose autocorrelation is the sum of its components' (for the angular
    rate: unchanged by the sensor's mounting, and keeping which way the
    foot turns, which the norm loses: a short tiptoe walk's norm hardly
    repeats while its rotation does).
    """
    x = np.asarray(g, dtype=float)
    x = (x - x.mean(axis=0)).reshape(len(x), -1)
    n = len(x)
    if n < hi_s * fs * 2:
        return float("nan"), 0.0
    f = np.fft.rfft(x, 2 * n, axis=0)
    ac = np.fft.irfft(f * np.conj(f), axis=0)[:n].sum(axis=1)
    ac = ac / (ac[0] or 1.0)
    lo, hi = int(lo_s * fs), min(int(hi_s * fs), n - 1)
    # The rate repeats every stride, but half-stride lags can correlate
    # too; take the first strong peak.
    peaks, _ = find_peaks(ac[lo:hi + 1])
    if not len(peaks):
        return float("nan"), 0.0
    # Brisk short strides (0.7 s) correlate at two strides too, sometimes
    # more strongly: the shortest lag nearly as strong as the best wins.
    vals = ac[lo + peaks]
    if not np.isfinite(vals).any():
        return float("nan"), 0.0
    top = np.nanmax(vals)
    best = peaks[np.flatnonzero(vals >= top - 0.15 * abs(top))[0]]
    return (lo + best) / fs, float(ac[lo + best])


class GaitBoutDetector:
    """Stretches of repetitive stepping.

    Parameters
    ----------
    min_duration_s : float
        Shorter stretches are not walking bouts.
    active_dps : float
        Moving RMS of the angular-rate magnitude above which the leg is moving.
    min_periodicity : float
        Autocorrelation at the stride period needed to call it gait.
    require_stance_rest : bool
        Foot placement: each stride has a near-still stance phase, which
        ankle circles (continuous rotation) never have.
    """

    def __init__(self, min_duration_s: float = 4.0, active_dps: float = 25.0,
                 min_periodicity: float = 0.25, require_stance_rest: bool = True):
        self.min_duration_s = min_duration_s
        self.active_dps = active_dps
        self.min_periodicity = min_periodicity
        self.require_stance_rest = require_stance_rest

    def detect(self, gyr: np.ndarray, valid: np.ndarray, sampling_rate_hz: float) -> "GaitBoutDetector":
        fs = sampling_rate_hz
        g = np.linalg.norm(gyr, axis=1)
        active = (moving_rms(g, int(1.5 * fs)) > self.active_dps) & valid
        # Bridge the short pauses between strides and lost packets.
        active = uniform_filter1d(active.astype(float), int(1.0 * fs)) > 0.2
        rows = []
        for s, e in zip(*runs(active)):
            if (e - s) / fs < self.min_duration_s:
                continue
            period, corr = _stride_period(gyr[s:e], fs)
            if not np.isfinite(period) or corr < self.min_periodicity:
                continue
            seg = g[s:e]
            if self.require_stance_rest and not self._stance_every_stride(seg, period, fs):
                continue
            rows.append((s, e, period, corr))
        self.bouts_ = pd.DataFrame(rows, columns=["start", "stop", "period_s", "periodicity"])
        return self

    @staticmethod
    def _stance_every_stride(g: np.ndarray, period_s: float, fs: float) -> bool:
        """Most stride-long windows hold a near-still moment (the stance).

        A foot circling in the air turns at a nearly constant rate and has
        none; walking feet rest on the ground every stride.
        """
        w = max(2, int(period_s * fs))
        smooth = uniform_filter1d(g, max(1, int(0.1 * fs)), mode="nearest")
        n = len(smooth) // w
        if n < 2:
            return False
        win = smooth[: n * w].reshape(n, w)
        calm = win.min(axis=1) < 0.25 * np.percentile(win, 95, axis=1)
        return bool(np.mean(calm) >= 0.6)


class StrideDetector:
    """Ground contacts of the instrumented foot within one gait bout.

    A contact is the impact at the end of the swing: the sharpest peak of the
    high-passed acceleration magnitude within each stride.

    Parameters
    ----------
    highpass_hz : float
        Corner of the high-pass that removes gravity and slow leg motion.
    """

    def __init__(self, highpass_hz: float = 3.0):
        self.highpass_hz = highpass_hz

    def detect(self, acc: np.ndarray, gyr: np.ndarray, period_s: float,
               sampling_rate_hz: float) -> "StrideDetector":
        fs = sampling_rate_hz
        sos = butter(2, self.highpass_hz / (fs / 2), "highpass", output="sos")
        jerk = np.linalg.norm(sosfiltfilt(sos, acc, axis=0), axis=1) if len(acc) > 15 else np.zeros(len(acc))
        g = np.linalg.norm(gyr, axis=1)
        # Impact and swing together: contacts are where the jerk peaks while
        # the leg has just swung (rate high shortly before).
        swing = uniform_filter1d(g, max(1, int(0.3 * fs)), origin=max(0, int(0.15 * fs) - 1) if fs >= 10 else 0)
        score = jerk * (swing / (np.percentile(swing, 90) or 1.0)).clip(0, 1.5)
        peaks, props = find_peaks(score, distance=max(1, int(0.6 * period_s * fs)),
                                  prominence=0.25 * np.percentile(score, 98))
        if len(peaks):
            # The foot stood on the ground before its first swing: that
            # stance is the bout's first contact, though it has no impact.
            # It is the last calm moment before the swing that ends in the
            # first impact.
            smooth = uniform_filter1d(g, max(1, int(0.1 * fs)), mode="nearest")
            calm = smooth < 0.15 * np.percentile(smooth, 95)
            lo = max(0, peaks[0] - int(1.5 * period_s * fs))
            before = np.flatnonzero(calm[lo:peaks[0]]) + lo
            swung = smooth[lo:peaks[0]].max() > 0.5 * np.percentile(smooth, 95) if peaks[0] > lo else False
            if len(before) and swung and peaks[0] - before[-1] >= int(0.3 * period_s * fs):
                peaks = np.r_[before[-1], peaks]
        self.contacts_ = peaks
        self.period_s_ = period_s
        return self


def stride_features(pitch_deg: np.ndarray, gyr_sag_dps: np.ndarray, contacts: np.ndarray,
                    fs: float) -> pd.DataFrame:
    """Per stride: stance pitch (deg, + = toes down) and sagittal rotation range (deg).

    Parameters
    ----------
    pitch_deg : ndarray, shape (n,)
        Segment pitch from the orientation estimate.
    gyr_sag_dps : ndarray, shape (n,)
        Angular rate about the segment's y (pitch) axis.
    contacts : ndarray of int
        Contact indices from :class:`StrideDetector`.
    """
    rows = []
    for a, b in zip(contacts[:-1], contacts[1:]):
        if b - a < 3:
            continue
        seg_rate = np.abs(gyr_sag_dps[a:b])
        # Stance: the calmest 30 % of the stride.
        calm = seg_rate <= np.percentile(seg_rate, 30)
        angle = np.cumsum(gyr_sag_dps[a:b]) / fs
        angle -= np.linspace(angle[0], angle[-1], len(angle))
        rows.append((float(np.median(pitch_deg[a:b][calm])), float(np.ptp(angle)),
                     float(np.percentile(seg_rate, 95))))
    return pd.DataFrame(rows, columns=["stance_pitch_deg", "sagittal_range_deg", "peak_rate_dps"])
