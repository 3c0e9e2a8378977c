"""Gait: find walking bouts, their ground contacts, and tell tiptoe from heel-to-toe.

Gait is found before the sensor's mounting is known (the mounting estimate
uses it), so :class:`GaitBoutDetector` only looks at rotation-invariant
signals: the angular-rate magnitude and its periodicity.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.ndimage import uniform_filter1d
from scipy.signal import find_peaks

from sensors.contract import G

from .preprocess import butter_filtfilt, norm3, running_mean


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and stop indices (stop exclusive) of the True runs of a boolean ``mask``."""
    # From the places where the mask changes: one pass over a day's mask
    # instead of an int8 copy, its difference and two comparisons (5x faster).
    mask = np.asarray(mask, dtype=bool)
    if not len(mask):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    bounds = np.concatenate([[0], np.flatnonzero(mask[1:] != mask[:-1]) + 1, [len(mask)]])
    # The stretches between bounds alternate, starting with mask[0]'s value.
    k = 0 if mask[0] else 1
    return bounds[k:-1:2], bounds[k + 1::2]


def moving_rms(x: np.ndarray, n: int) -> np.ndarray:
    return np.sqrt(running_mean(x * x, max(1, n)))


def _stride_period(g: np.ndarray, sampling_rate_hz: float, lo_s: float = 0.6, hi_s: float = 1.8,
                   quick_s: float = 0.5, quick_min_corr: float = 0.5) -> tuple[float, float]:
    """Dominant period (s) of ``g`` by autocorrelation, and its correlation.

    Lags from ``lo_s`` to ``hi_s`` are looked at, and from ``quick_s``
    for a lag half the one found (strides quicker than ``lo_s``) that
    correlates more strongly, ``quick_min_corr`` at least.

    ``g`` is a signal of shape (n,) or a vector signal of shape (n, k),
    whose autocorrelation is the sum of its components' (for the angular
    rate: unchanged by the sensor's mounting, and keeping which way the
    foot turns, which the norm loses: a short tiptoe walk's norm hardly
    repeats while its rotation does).
    """
    x = np.asarray(g, dtype=float)
    x = (x - x.mean(axis=0)).reshape(len(x), -1)
    n = len(x)
    # A short walk of slow strides is judged on the lags it can show twice.
    hi_s = min(hi_s, n / (2.0 * sampling_rate_hz))
    if hi_s < lo_s * 1.5:
        return float("nan"), 0.0
    f = np.fft.rfft(x, 2 * n, axis=0)
    ac = np.fft.irfft(f * np.conj(f), axis=0)[:n].sum(axis=1)
    ac = ac / (ac[0] or 1.0)
    lo, hi = int(lo_s * sampling_rate_hz), min(int(hi_s * sampling_rate_hz), n - 1)
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
    best = lo + peaks[np.flatnonzero(vals >= top - 0.15 * abs(top))[0]]
    quick = int(quick_s * sampling_rate_hz)
    if 0 < quick < lo:
        # A stride under ``lo_s`` (a quick tiptoe walk of 190 steps/min:
        # 0.63 s) peaks at the range's edge or before it, and the first peak
        # within it is two strides: the walk was read at half its cadence and
        # each "stride" spanned two (branch ankletiptoe: a foot walk of 33
        # contacts was not tiptoe at all). A peak at half that lag, stronger
        # and strong, is the stride; a half-stride lag of slower walking
        # correlates less than the stride (the swing meets the stance), but
        # in a weakly periodic stretch it can win (a foot's quiet gait of
        # 0.88 s strides at 0.27 read 0.42 s at 0.38: tiptoe wide tier,
        # accuracy.py seed 463006, a walk of 20 contacts lost).
        short, _ = find_peaks(ac[quick:best])
        for q in (quick + short)[::-1]:
            if abs(2 * q - best) <= 0.15 * best and ac[q] > max(ac[best], quick_min_corr):
                best = int(q)
                break
    return best / sampling_rate_hz, float(ac[best])


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
    max_stride_s : float
        Longest stride period looked for (0.5 steps a second is 4 s a
        stride), and at most half the stretch.
    smooth_hz : float
        Low-pass corner applied to the rate before its periodicity is
        judged (0: the raw rate).
    bridge_s : float
        Calm stretches shorter than about 0.8 of this join the activity
        around them.
    slow_bridge_s, slow_min_stride_s : float
        A second pass over what the first left, bridged over
        ``slow_bridge_s`` (0: no second pass), keeps gait whose strides
        take ``slow_min_stride_s`` or longer.
    cap_pct : float
        When above 0, the rate's magnitude is capped at this percentile of
        the stretch's before its periodicity is judged: a turn of 180° over
        one stride (140 deg/s of yaw for a second) outweighs the strides'
        swings, and the walk repeated at no lag (0: uncapped).
    ring_share, ring_smooth_hz : float
        When ``smooth_hz`` is 0 and more than ``ring_share`` of a stretch's
        rate variance lies above 8 Hz (0: never), the sensor rings on its
        strap after each landing (a damped 8-20 Hz wobble), and the
        stretch's periodicity is judged on its rate below ``ring_smooth_hz``.
    """

    def __init__(self, min_duration_s: float = 4.0, active_dps: float = 25.0,
                 min_periodicity: float = 0.25, require_stance_rest: bool = True,
                 max_stride_s: float = 4.2, smooth_hz: float = 3.0, bridge_s: float = 1.0,
                 slow_bridge_s: float = 0.0, slow_min_stride_s: float = 1.8, cap_pct: float = 0.0,
                 ring_share: float = 0.0, ring_smooth_hz: float = 6.0):
        self.ring_share = ring_share
        self.ring_smooth_hz = ring_smooth_hz
        self.cap_pct = cap_pct
        self.slow_bridge_s = slow_bridge_s
        self.slow_min_stride_s = slow_min_stride_s
        self.bridge_s = bridge_s
        self.max_stride_s = max_stride_s
        self.smooth_hz = smooth_hz
        self.min_duration_s = min_duration_s
        self.active_dps = active_dps
        self.min_periodicity = min_periodicity
        self.require_stance_rest = require_stance_rest

    def detect(self, gyr: np.ndarray, valid: np.ndarray, sampling_rate_hz: float,
               rate_dps: np.ndarray | None = None, free: np.ndarray | None = None) -> GaitBoutDetector:
        """Find the gait bouts of angular rate ``gyr`` (n, 3), deg/s, on a grid with ``valid`` (n,) samples.

        ``rate_dps`` is ``gyr``'s norm (n,) when the caller has it (stage 1
        shares it with the mounting estimate). With ``free`` (bool, shape
        (n,)) only within it (bridging stays inside).
        """
        g = norm3(gyr) if rate_dps is None else rate_dps
        moving = (moving_rms(g, int(1.5 * sampling_rate_hz)) > self.active_dps) & valid
        # Bridge the short pauses between strides and lost packets.
        rows = self._stretches(moving, self.bridge_s, g, gyr, sampling_rate_hz, 0.0, free)
        if self.slow_bridge_s:
            # Slow walking rests seconds in each stance: bridged that long,
            # what is left over is gait only if its strides are that slow
            # (a set of reps bridged so would be claimed as gait).
            taken = np.zeros(len(g), dtype=bool) if free is None else ~free
            for s, e, *_ in rows:
                taken[s:e] = True
            rows += self._stretches(moving & ~taken, self.slow_bridge_s, g, gyr, sampling_rate_hz,
                                    self.slow_min_stride_s, ~taken)
            rows.sort()
        self.bouts_ = pd.DataFrame(rows, columns=["start", "stop", "period_s", "periodicity"])
        return self

    def _stretches(self, moving: np.ndarray, bridge_s: float, g: np.ndarray, gyr: np.ndarray,
                   sampling_rate_hz: float, min_stride_s: float, free: np.ndarray | None = None) -> list:
        """(start, stop, period_s, periodicity) of the gait among ``moving`` bridged over ``bridge_s``."""
        active = running_mean(moving.astype(float), max(1, int(bridge_s * sampling_rate_hz)), mode="reflect") > 0.2
        # Strides vary in time (uneven steps, a cadence that changes): their
        # sharp peaks stop lining up a few strides apart, while the rate's
        # slow outline still repeats. Filtered stretch by stretch (a day's
        # whole rate cost 0.3 s more).
        smooth = bool(self.smooth_hz and self.smooth_hz < 0.45 * sampling_rate_hz)
        if free is not None:
            active &= free
        rows = []
        for s, e in zip(*runs(active)):
            if (e - s) / sampling_rate_hz < self.min_duration_s:
                continue
            seg_rate = (butter_filtfilt(gyr[s:e], 2, self.smooth_hz, sampling_rate_hz)
                        if smooth and e - s > 15 else gyr[s:e])
            if not smooth and self.ring_share and e - s > 15 and 8.0 < 0.45 * sampling_rate_hz:
                seg = gyr[s:e]
                quick = seg - butter_filtfilt(seg, 2, 8.0, sampling_rate_hz)
                spread = float(((seg - seg.mean(axis=0)) ** 2).sum())
                if spread > 0 and float((quick ** 2).sum()) > self.ring_share * spread:
                    seg_rate = butter_filtfilt(seg, 2, self.ring_smooth_hz, sampling_rate_hz)
            if self.cap_pct:
                norm = norm3(seg_rate)
                cap = _percentile(norm, self.cap_pct)
                seg_rate = seg_rate * np.minimum(1.0, cap / np.maximum(norm, 1e-9))[:, None]
            period, corr = _stride_period(seg_rate, sampling_rate_hz, hi_s=self.max_stride_s)
            if (not np.isfinite(period) or corr < self.min_periodicity) and self.require_stance_rest:
                # A foot's drifting walk; a shank (no stance to require) must
                # repeat over the whole stretch: judged in windows, its stairs
                # came through too (tiptoe_wide 1000-1039: 6 -> 11 false bouts).
                period, corr = self._windowed_period(seg_rate, sampling_rate_hz)
            if not np.isfinite(period) or corr < self.min_periodicity or period < min_stride_s:
                continue
            seg = g[s:e]
            if self.require_stance_rest and not self._stance_every_stride(seg, period, sampling_rate_hz):
                continue
            rows.append((int(s), int(e), period, corr))
        return rows

    def _windowed_period(self, rate: np.ndarray, sampling_rate_hz: float, window_s: float = 10.0) -> tuple[float, float]:
        """Stride period and periodicity of a walk whose tempo drifts, judged window by window.

        A walk that speeds up from 1.5 s strides to 0.9 s repeats at no
        single lag over its whole length (tiptoe walks with a cadence trend
        of 0.6 were not gait at all, simulator study of issue 12), though
        every 10 s of it does (a half of a shorter walk, at least
        ``min_duration_s``). When two thirds of its half-overlapping windows
        are periodic, the walk is, at their median period and periodicity;
        else (nan, 0).
        """
        n = len(rate)
        w = min(int(window_s * sampling_rate_hz), n // 2)
        if w < self.min_duration_s * sampling_rate_hz:
            return float("nan"), 0.0
        found = [_stride_period(rate[a:a + w], sampling_rate_hz, hi_s=self.max_stride_s)
                 for a in range(0, n - w + 1, w // 2)]
        good = [(p, c) for p, c in found if np.isfinite(p) and c >= self.min_periodicity]
        if len(good) < 2 or 3 * len(good) < 2 * len(found):
            return float("nan"), 0.0
        return float(np.median([p for p, _ in good])), float(np.median([c for _, c in good]))

    @staticmethod
    def _stance_every_stride(g: np.ndarray, period_s: float, sampling_rate_hz: float) -> bool:
        """Most stride-long windows hold a near-still moment (the stance).

        A foot circling in the air turns at a nearly constant rate and has
        none; walking feet rest on the ground every stride.
        """
        w = max(2, int(period_s * sampling_rate_hz))
        smooth = uniform_filter1d(g, max(1, int(0.1 * sampling_rate_hz)), mode="nearest")
        n = len(smooth) // w
        if n < 2:
            return False
        win = smooth[: n * w].reshape(n, w)
        calm = win.min(axis=1) < 0.25 * _percentile_sorted(np.sort(win, axis=1), 95)
        return bool(np.mean(calm) >= 0.6)


class StrideDetector:
    """Ground contacts of the instrumented foot within one gait bout.

    A contact is the impact at the end of the swing: the sharpest peak of the
    high-passed acceleration magnitude within each stride.

    Parameters
    ----------
    highpass_hz : float
        Corner of the high-pass that removes gravity and slow leg motion.
    tightness : float
        How strongly contacts are held one stride apart: a chain of contacts
        is chosen to maximise the sum of their scores minus ``tightness``
        times the squared log ratio of each interval to the stride period
        (dynamic programming, as in beat tracking). Soft landings (tiptoe,
        a shank sensor) make two peaks a stride of about the same height;
        picking the highest peak nearby jumps between them.
    heel_rise_max_s : float
        A chain's first peak this soon after standing (calm a stride or
        more) is the heel rising from it, not a landing (0: never). For a
        foot sensor: the heel rising turns the foot 20-40°, ending its calm
        0.2 s or more before any swing. A shank hardly turns as the heel
        rises: its calm runs on into the first swing, which may land within
        0.45 s of it (0 for a shank).

    Attributes (after :meth:`detect`)
    ----------
    contacts_ : ndarray of int
        The chain's contacts (sample indices). The first may be the stance
        the walk starts from: no landing, but the walk's first stride, at
        its start, as the labelled samples from outside the project list it
        (README, "How the analysis works").
    """

    def __init__(self, highpass_hz: float = 3.0, tightness: float = 4.0, heel_rise_max_s: float = 0.45):
        self.highpass_hz = highpass_hz
        self.tightness = tightness
        self.heel_rise_max_s = heel_rise_max_s

    def detect(self, acc: np.ndarray, gyr: np.ndarray, period_s: float,
               sampling_rate_hz: float) -> StrideDetector:
        jerk = (norm3(butter_filtfilt(acc, 2, self.highpass_hz, sampling_rate_hz, "highpass"))
                if len(acc) > 15 else np.zeros(len(acc)))
        g = norm3(gyr)
        # Impact and swing together: contacts are where the jerk peaks while
        # the leg has just swung (rate high shortly before).
        origin = max(0, int(0.15 * sampling_rate_hz) - 1) if sampling_rate_hz >= 10 else 0
        swing = uniform_filter1d(g, max(1, int(0.3 * sampling_rate_hz)), origin=origin)
        score = jerk * (swing / (_percentile(swing, 90) or 1.0)).clip(0, 1.5)
        top = _percentile(score, 98) if len(score) else 0.0
        cand, _ = find_peaks(score, distance=max(1, int(0.25 * period_s * sampling_rate_hz)),
                             prominence=0.1 * top)
        peaks = self._chain(cand, score[cand] / (top or 1.0), period_s * sampling_rate_hz)
        if len(peaks):
            # The foot stood on the ground before its first swing: that
            # stance starts the chain (the walk's start and its first
            # stride), though it is no landing. It is the last calm
            # moment before the swing that ends in the first impact.
            # A stance lasts: a foot's pitch rate passing zero mid-swing,
            # deepest in a short first step, is calm for a moment only and
            # no stance (a half first step lost the walk's first contact,
            # tiptoe_wide --kind edges); and the first impact must be at
            # least 0.3 stride after it (the heel rising into the first
            # stride can bump: clean seeds 5001/5006/5010/5020/5021 gained
            # a contact without it).
            smooth = uniform_filter1d(g, max(1, int(0.1 * sampling_rate_hz)), mode="nearest")
            p95 = _percentile(smooth, 95)
            calm = smooth < 0.15 * p95
            lo = max(0, peaks[0] - int(1.5 * period_s * sampling_rate_hz))
            starts, stops = runs(calm[lo:peaks[0]])
            lasting = stops - starts >= max(1, int(0.15 * sampling_rate_hz))
            before = stops[lasting] - 1 + lo
            swung = smooth[lo:peaks[0]].max() > 0.5 * p95 if peaks[0] > lo else False
            stood = (stops - starts)[lasting]
            if len(before) and stood[-1] >= max(int(0.5 * sampling_rate_hz), int(period_s * sampling_rate_hz)) \
                    and peaks[0] - before[-1] < int(self.heel_rise_max_s * sampling_rate_hz):
                # The chain's first peak comes within 0.45 s of standing
                # (calm a stride or more, 0.5 s at least: no stance within a
                # walk is, the foot swings every stride; a calm stance then a
                # quick swing of 0.3-0.45 s is a landing): too soon for a
                # swing from standing (a heel rising 0.2 s and a swing of
                # 0.3 s at the quickest), so it is the heel
                # rising from that stance (a bump of jerk), not a landing
                # (a foot stepping first rises and swings at once; the tiers'
                # first stride eases in). The chain after it is looked for
                # again: the bump may have kept the first landing out
                # (closer than 0.6 stride).
                after = cand > peaks[0]
                rest = self._chain(cand[after], score[cand[after]] / (top or 1.0), period_s * sampling_rate_hz)
                peaks = np.r_[peaks[0], rest]
            elif len(before) and swung and peaks[0] - before[-1] >= int(0.3 * period_s * sampling_rate_hz):
                peaks = np.r_[before[-1], peaks]
        self.contacts_ = peaks
        self.period_s_ = period_s
        return self

    def _chain(self, cand: np.ndarray, value: np.ndarray, period: float) -> np.ndarray:
        """The best chain of candidate contacts about one period apart (see ``tightness``).

        Each candidate's best predecessor lies 0.6–2.5 periods before it (no
        two contacts closer than 0.6 period, as the peak search had it: a
        weak bump of the first, easing-in stride 0.55 period before the first
        impact joined the chain, simulator seeds 5000/5020 clean); a
        candidate may also start a chain. The chain ends at the best
        total; the candidates of a bout are tens, so the loop over them is cheap.
        """
        m = len(cand)
        if m < 2 or not np.isfinite(period) or period <= 0:
            return cand
        total = value.astype(float).copy()
        back = np.full(m, -1)
        # The candidates are increasing, so those 0.6-2.5 periods before
        # each form one range [lo, hi); their costs are computed for all
        # candidates at once, the chain's recursion stays a loop.
        # A skipped contact (an interval of two periods) costs what a
        # missing peak of full height would have added.
        lo, hi = self._predecessors(cand, period)
        # Each candidate's costs to its predecessors depend on the
        # candidates alone: worked out for all pairs in one pass (the same
        # operations on the same numbers as pair range by pair range), so
        # that the loop only adds them up.
        width = np.maximum(hi - lo, 0)
        first = np.zeros(m + 1, dtype=np.intp)
        np.cumsum(width, out=first[1:])
        rows = np.repeat(np.arange(m), width)
        pred = np.arange(first[-1]) - np.repeat(first[:-1] - lo, width)
        cost = self.tightness * np.log((cand[rows] - cand[pred]) / period) ** 2
        for j in np.flatnonzero(hi > lo).tolist():
            a, b = int(lo[j]), int(hi[j])
            best = total[a:b] - cost[first[j]:first[j + 1]]
            i = int(best.argmax())  # (the method: np.argmax's wrapper cost a third of this loop)
            if best[i] > 0:
                total[j] = value[j] + best[i]
                back[j] = a + i
        j = int(np.argmax(total))
        out = []
        while j >= 0:
            out.append(j)
            j = back[j]
        return cand[np.array(out[::-1])]

    @staticmethod
    def _predecessors(cand: np.ndarray, period: float) -> tuple[np.ndarray, np.ndarray]:
        """For each candidate j, the range ``[lo[j], hi[j])`` of earlier candidates
        0.6 to 2.5 ``period`` before it, tested as the chain's rule has it:
        ``0.6 <= (cand[j] - cand[i]) / period <= 2.5`` (empty: ``lo == hi``).

        ``cand`` increases, so the gap falls as i rises and each j's range
        is one run; it lies among the ``depth`` candidates before j, found
        with a sample's margin, so the (m, depth) table stays small however
        long the walk.
        """
        m = len(cand)
        j = np.arange(m)
        depth = int(max(1, (j - np.searchsorted(cand, cand - 2.5 * period - 1, side="left")).max()))
        i = j[:, None] - np.arange(1, depth + 1)[None, :]  # (m, depth), i falling along a row
        gap = (cand[:, None] - cand[np.maximum(i, 0)]) / period
        ok = (i >= 0) & (gap >= 0.6) & (gap <= 2.5)
        any_ok = ok.any(axis=1)
        first = np.argmax(ok, axis=1)                        # nearest predecessor: hi - 1
        last = depth - 1 - np.argmax(ok[:, ::-1], axis=1)    # farthest: lo
        lo = np.where(any_ok, j - 1 - last, 0)
        hi = np.where(any_ok, j - first, 0)
        return lo, hi


def contact_impacts(acc: np.ndarray, contacts: np.ndarray, sampling_rate_hz: float,
                    highpass_hz: float = 3.0, window_s: float = 0.08) -> np.ndarray:
    """Each contact's jolt (g): the largest 3 Hz high-passed acceleration within ``window_s`` of it.

    A heel strike stops the leg within a few hundredths of a second, a
    jolt of 1.5-5 g at the shank (real walking and stairs 2.8-4.8 g,
    gaitmap); landing on the forefoot the calf gives and stops the ankle
    over a tenth of a second or more (the outside simulator's tiptoe walk
    at the ankle: 0.6 g, its walks 1.2-2.0 g).

    ``acc`` (n, 3) in m/s², ``contacts`` increasing sample indices;
    returns shape (len(contacts),).
    """
    contacts = np.asarray(contacts, dtype=np.int64)
    if not len(contacts):
        return np.zeros(0)
    w = max(1, int(round(window_s * sampling_rate_hz)))
    a, b = max(0, int(contacts[0]) - 4 * w), min(len(acc), int(contacts[-1]) + 4 * w + 1)
    if b - a <= 15:
        return np.zeros(len(contacts))
    jerk = norm3(butter_filtfilt(acc[a:b], 2, highpass_hz, sampling_rate_hz, "highpass")) / G
    return np.array([jerk[max(0, c - a - w):c - a + w + 1].max() for c in contacts.tolist()])


def stride_features(pitch_deg: np.ndarray, gyr_sag_dps: np.ndarray, contacts: np.ndarray,
                    sampling_rate_hz: float) -> pd.DataFrame:
    """Per stride: stance pitch (deg, + = toes down) and sagittal rotation range (deg).

    Parameters
    ----------
    pitch_deg : ndarray, shape (n,)
        Segment pitch from the orientation estimate.
    gyr_sag_dps : ndarray, shape (n,)
        Angular rate about the segment's y (pitch) axis.
    contacts : ndarray of int
        Contact indices from :class:`StrideDetector` (increasing); strides
        shorter than 3 samples are skipped.

    Returns
    -------
    DataFrame
        ``stance_pitch_deg`` (median pitch in the calmest 30 % of the
        stride), ``sagittal_range_deg`` (peak to peak of the integrated
        rate, its drift over the stride removed), ``peak_rate_dps`` (95th
        percentile of the absolute rate).

    Strides of equal length are computed together as rows of one array (a
    day's ~16 000 strides have ~100 lengths); each figure is bit-identical
    to ``np.percentile`` / ``np.median`` / ``np.cumsum`` / ``np.linspace``
    on the stride alone, as the per-stride loop this replaces computed it.
    """
    return pd.DataFrame(stride_feature_array(pitch_deg, gyr_sag_dps, contacts, sampling_rate_hz),
                        columns=STRIDE_FEATURES)


STRIDE_FEATURES = ["stance_pitch_deg", "sagittal_range_deg", "peak_rate_dps"]


def stride_feature_array(pitch_deg: np.ndarray, gyr_sag_dps: np.ndarray, contacts: np.ndarray,
                         sampling_rate_hz: float) -> np.ndarray:
    """:func:`stride_features` as an array of shape (strides, 3), columns ``STRIDE_FEATURES``.

    The tiptoe detector reads a day's ~560 walks' features as arrays: a
    DataFrame column read costs ~0.4 ms in pandas 3.
    """
    contacts = np.asarray(contacts, dtype=np.int64)
    a, b = contacts[:-1], contacts[1:]
    keep = b - a >= 3
    a, b = a[keep], b[keep]
    out = np.empty((len(a), 3))
    lengths = b - a
    for n in np.unique(lengths):
        rows = np.flatnonzero(lengths == n)
        idx = a[rows, None] + np.arange(n)
        rate = gyr_sag_dps[idx]
        seg_rate = np.abs(rate)
        ordered = np.sort(seg_rate, axis=1)
        # Stance: the calmest 30 % of the stride.
        calm = seg_rate <= _percentile_sorted(ordered, 30)[:, None]
        out[rows, 0] = _median_masked(pitch_deg[idx], calm)
        angle = np.cumsum(rate, axis=1) / sampling_rate_hz
        first, last = angle[:, 0], angle[:, -1]
        # np.linspace(first, last, n), row by row.
        ramp = np.arange(n, dtype=float)[None, :] * ((last - first) / (n - 1))[:, None] + first[:, None]
        ramp[:, -1] = last
        angle -= ramp
        out[rows, 1] = angle.max(axis=1) - angle.min(axis=1)
        out[rows, 2] = _percentile_sorted(ordered, 95)
    return out


def _percentile_sorted(ordered: np.ndarray, q: float) -> np.ndarray:
    """``np.percentile(row, q)`` (linear) of each row of a row-sorted (m, n) array."""
    n = ordered.shape[1]
    virtual = (n - 1) * np.true_divide(q, 100)
    lo = int(np.floor(virtual))
    if virtual >= n - 1:
        return ordered[:, -1].copy()
    gamma = virtual - lo
    below, above = ordered[:, lo], ordered[:, lo + 1]
    diff = above - below
    # numpy's _lerp: from the nearer end, so the result stays within the pair.
    return above - diff * (1 - gamma) if gamma >= 0.5 else below + diff * gamma


def _percentile(x: np.ndarray, q: float) -> float:
    """``np.percentile(x, q)`` of a 1-D array (linear), the same value, without its per-call overhead."""
    x = np.asarray(x, dtype=float)
    if not len(x) or not np.isfinite(x).all():
        return np.percentile(x, q)
    return float(_percentile_sorted(np.sort(x)[None, :], q)[0])


def _median_masked(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``np.median(row[mask_row])`` of each row (each mask row has a True)."""
    count = mask.sum(axis=1)
    # Masked-out values sort last.
    ordered = np.sort(np.where(mask, values, np.inf), axis=1)
    r = np.arange(len(values))
    hi = ordered[r, count // 2]
    lo = ordered[r, np.maximum(count // 2 - 1, 0)]
    return np.where(count % 2 == 1, hi, (lo + hi) / 2)
