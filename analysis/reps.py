"""Reps and holds of the move–hold–release exercises.

Toe presses, resistance-band dorsiflexion and pencil pickups all turn the
instrumented segment to a held angle, keep it there, and return. The
detector works on one angle signal (deg) of the segment, typically its
elevation from the orientation estimate:

1. the rest level is the signal's morphological opening (a running minimum
   then maximum over a window longer than any rep), so each rep is an
   excursion above it, whatever the posture drift between reps;
2. an excursion is a rep when it reaches the held position (at least
   ``min_reach`` of the typical amplitude nearby: aborted half-movements
   don't), stays there at least ``min_hold_s`` and comes back to where it
   started (a step to a new level is a posture change; an angle still
   settling toward that level before the rep is not one, and a brief dip
   mid-hold that does not return to rest joins its two parts into one rep);
3. the hold runs from the end of the move in to the start of the release,
   each found where the angular speed falls below ``hold_speed_frac`` of
   that movement's peak speed.

Excursions in the other direction are found by running on the negated
signal; :func:`best_direction` picks the direction with the better reps.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.ndimage import maximum_filter1d, minimum_filter1d
from scipy.signal import find_peaks, sosfiltfilt

from .gait import runs
from .preprocess import butter_sos

REP_COLUMNS = ["start", "stop", "hold_start", "hold_stop", "amplitude_deg", "range_deg", "rest_deg"]
# The kind of an excursion that is neither a rep nor a posture change
# (:meth:`HoldRepDetector._evaluate`); only "rep" and "posture" are ever
# compared, so this one is named once.
REJECTED = "rejected"


def lowpass(x: np.ndarray, cutoff_hz: float, sampling_rate_hz: float, order: int = 2) -> np.ndarray:
    """Zero-phase Butterworth low-pass along axis 0.

    A signal of at most ``6 (order + 1)`` samples (too short for the
    filter's edge padding), or a cutoff at or above the Nyquist frequency,
    is returned unfiltered, as floats.
    """
    if len(x) <= 3 * (order + 1) * 2 or cutoff_hz >= sampling_rate_hz / 2:
        return np.asarray(x, dtype=float)
    return sosfiltfilt(butter_sos(order, cutoff_hz, sampling_rate_hz), x, axis=0)


def _median(a: np.ndarray):
    """``np.median`` of a 1-D array, the same value, without its overhead.

    The rep detector takes a few medians of short stretches per excursion
    (~23 000 excursions on a day of wear): ``np.median``'s bookkeeping was
    ~60 µs a call against ~2 µs for sorting a few dozen samples.
    """
    n = len(a)
    if n == 0:
        return np.median(a)
    srt = np.sort(a)
    if srt[-1] != srt[-1]:  # NaN sorts last; np.median gives NaN then
        return srt[-1]
    m = n // 2
    return srt[m] if n % 2 else (srt[m - 1] + srt[m]) / 2


def _run_length(e: np.ndarray, i: int, way: int, floor: float, chunk: int = 64) -> int:
    """How many steps from ``e[i]`` in direction ``way`` the signal keeps falling above ``floor``.

    Counts ``k`` = 1, 2, … while ``e[i + way·k] < e[i + way·(k−1)]`` and
    ``e[i + way·k] > floor``, the index compared staying in ``0 … len(e) − 2``
    going on (as the detector's loops always did). Looked at in
    chunks: a per-sample loop here cost seconds over a day's excursions.
    """
    n = len(e)
    count = 0
    pos = i
    while True:
        if way < 0:
            lo = max(0, pos - chunk)
            seg = e[lo:pos + 1][::-1]  # e[pos], e[pos-1], ...
        else:
            hi = min(n - 2, pos + chunk)
            seg = e[pos:hi + 1]
        if len(seg) < 2:
            return count
        nxt = seg[1:]
        ok = (nxt < seg[:-1]) & (nxt > floor)
        bad = np.flatnonzero(~ok)
        if len(bad):
            return count + int(bad[0])
        count += len(nxt)
        pos += way * len(nxt)


class HoldRepDetector:
    """Find move–hold–release reps in one angle signal.

    Parameters
    ----------
    min_hold_s : float
        A rep must be held at least this long (the counting rule: 1 s).
    min_amplitude_deg : float
        Excursions smaller than this are posture noise, not reps.
    min_reach : float
        Share of the bout's typical amplitude a rep must reach to count.
    max_rep_s : float
        Longest rep expected (holds of up to 20 s and their moves); sets the
        baseline window. Wider loses the last rep of a set that ends a
        posture stretch soon after it (the demo's third pencil rep at 26 s).
    cutoff_hz : float
        Low-pass applied to the angle before anything else; keeps tremor
        (6–12 Hz) out of the speed estimate.
    hold_speed_frac : float
        The hold starts/ends where the speed drops below this share of the
        movement's peak speed.
    local_s : float
        Reps within this many seconds set the typical amplitude.
    max_dip_s : float
        A dip in a hold this short that does not come back to where the
        rep began joins the two parts into one rep.
    max_hold_speed_frac : float
        The hold's median angular speed must stay below this share of the
        slower of the two moves' peak speeds (a shank sways while standing
        as fast as it moves anywhere; a knee bend's hold is still).
    """

    def __init__(self, min_hold_s: float = 1.0, min_amplitude_deg: float = 2.0, min_reach: float = 0.4,
                 max_rep_s: float = 25.0, cutoff_hz: float = 3.5, hold_speed_frac: float = 0.05,
                 local_s: float = 40.0, max_dip_s: float = 1.0, max_hold_speed_frac: float = np.inf):
        self.max_hold_speed_frac = max_hold_speed_frac
        self.local_s = local_s
        self.max_dip_s = max_dip_s
        self.min_hold_s = min_hold_s
        self.min_amplitude_deg = min_amplitude_deg
        self.min_reach = min_reach
        self.max_rep_s = max_rep_s
        self.cutoff_hz = cutoff_hz
        self.hold_speed_frac = hold_speed_frac

    def _local_typical(self, centres: np.ndarray, peaks: np.ndarray, window: float,
                       shaped: np.ndarray | None = None) -> np.ndarray:
        """Typical full-rep amplitude near each excursion.

        The median of the excursions nearby that have a rep's shape (a
        still hold, a return: ``shaped``), or of all of them: full reps are
        most of a set, so a few aborted reps do not move it much, and sway,
        fidgets and posture changes, which are not rep-shaped, do not at all.
        """
        out = np.zeros(len(peaks))
        ok = peaks >= self.min_amplitude_deg
        if shaped is not None and np.any(shaped & ok):
            ok = ok & shaped
        # ``centres`` increase: the excursions within ``window`` of each are
        # a slice, from the first at or after ``c - window`` to the last at
        # or before ``c + window``.
        lo = np.searchsorted(centres, centres - window)
        hi = np.searchsorted(centres, centres + window, side="right")
        for i in range(len(centres)):  # one per excursion, thousands a day
            sl = slice(lo[i], hi[i])
            near = peaks[sl][ok[sl]]
            if not len(near):
                continue
            # A set's reps move alike; a lone big turn (a walk's last step
            # that happened to pause) is not one of them: the typical rep is
            # the median of the largest group of peaks within a factor of
            # 1.8 of each other (the smaller group on a tie).
            ratio = near[:, None] / near[None, :]
            alike = ((ratio <= 1.8) & (ratio >= 1 / 1.8)).sum(axis=1)
            seed = near[alike == alike.max()].min()
            group = near[(near <= 1.8 * seed) & (near >= seed / 1.8)]
            out[i] = float(_median(group))
        return out

    @property
    def rejected_(self) -> pd.DataFrame:
        """Excursions that did not count (see :meth:`detect`), as a DataFrame when asked for:
        a day's ~3000 detector runs seldom read it, and building it was half
        their DataFrame cost."""
        return pd.DataFrame(self._rejected_rows, columns=["start", "stop", "amplitude_deg", "reason"])

    def clone(self) -> HoldRepDetector:
        """A new detector with the same parameters."""
        return HoldRepDetector(self.min_hold_s, self.min_amplitude_deg, self.min_reach,
                               self.max_rep_s, self.cutoff_hz, self.hold_speed_frac, self.local_s,
                               self.max_dip_s, self.max_hold_speed_frac)

    def _settled(self, v: np.ndarray, v_peak: float) -> int | None:
        """Samples from a movement's peak speed until it has settled.

        ``v`` is the speed along the movement, starting at its peak. The
        movement has ended where the speed first falls below
        ``hold_speed_frac`` of the peak, or earlier where it stops falling
        while already slow (a held angle wanders: its own slow drift must
        not stretch the movement into the hold). None if it never settles.
        """
        if len(v) < 3 or v_peak <= 0:
            return None
        slow = np.flatnonzero(v < self.hold_speed_frac * v_peak)
        # Only turns before the first slow sample can come first, and cutting
        # ``v`` just after that sample leaves their prominences as they are:
        # each is faster than it, so the search for a turn's right base stops
        # there at the latest. (The speed after a hold runs on for seconds:
        # searching it all was most of this method's cost.)
        end = int(slow[0]) + 1 if len(slow) else len(v)
        # A turn of the speed counts only if it rises again clearly after
        # it: noise ripples on a slow deceleration are no drift.
        # A turn is kept below 15 % of the peak speed, and find_peaks sees
        # one only where the speed rises again after it: without such a
        # rise there is none to look for (most excursions; a find_peaks
        # call each was a third of this method's cost).
        head = v[:end]
        if np.any((head[1:] > head[:-1]) & (head[:-1] < 0.15 * v_peak)):
            turns, _ = find_peaks(-head, prominence=0.04 * v_peak)
            turns = turns[v[turns] < 0.15 * v_peak]
        else:
            turns = ()
        if len(turns):  # a turn is a local minimum of ``head``: before its last sample, slow[0]
            return int(turns[0])
        return int(slow[0]) if len(slow) else None

    def _evaluate(self, x, e, speed, sampling_rate_hz, s, t, peak, typical, kind_only=False):
        """Judge one excursion ``e[s:t]``: ``("rep", row)``, ``("posture", row)``
        (it did not return to where it began) or ``(REJECTED, row)``.

        With ``kind_only``, a rep's row is None (its hold edges are not fitted).
        """
        if peak < self.min_reach * typical:
            return REJECTED, (s, t, peak, "did not reach the held position")
        # Both passes of :meth:`detect` judge mostly the same excursions
        # (13 075 of 13 236 on a day of wear): each is judged once.
        key = (int(s), int(t), float(peak))
        judged = self._judged.get(key)
        if judged is None:
            judged = self._judged[key] = self._judge(x, e, speed, sampling_rate_hz, s, t, peak)
        kind, row = judged
        if kind != "rep":
            return kind, row
        return "rep", None if kind_only else self._fit_hold(x, sampling_rate_hz, peak, *row)

    def _judge(self, x, e, speed, sampling_rate_hz, s, t, peak):
        """:meth:`_evaluate` without the reach test and the hold's fit: a rep's
        row is what :meth:`_fit_hold` needs."""
        # Extend the excursion to where the movement really starts/ends:
        # back while the angle still falls toward the start, on while it
        # still falls after the end, as long as it is above 2 % of the peak.
        s0 = int(s) - _run_length(e, int(s), -1, 0.02 * peak)
        t0 = int(t) + _run_length(e, int(t) - 1, +1, 0.02 * peak)
        seg_speed = speed[s0:t0]
        level = e[s0:t0] >= 0.5 * peak
        first_hi, last_hi = np.flatnonzero(level)[[0, -1]]
        rise_peak = int(np.argmax(seg_speed[:first_hi + 1]))
        fall_peak = last_hi + int(np.argmin(seg_speed[last_hi:]))
        v_in = seg_speed[rise_peak]
        v_out = -seg_speed[fall_peak]
        h0 = self._settled(seg_speed[rise_peak:], v_in)
        h1 = self._settled(-seg_speed[:fall_peak + 1][::-1], v_out)
        if h0 is None or h1 is None:
            return REJECTED, (s0, t0, peak, "no still phase")
        h0, h1 = rise_peak + h0, fall_peak - h1
        # Movement edges: where the move in starts and the move out ends.
        q0 = self._settled(seg_speed[:rise_peak + 1][::-1], v_in)
        q1 = self._settled(-seg_speed[fall_peak:], v_out)
        m0 = rise_peak - q0 if q0 is not None else 0
        m1 = fall_peak + q1 if q1 is not None else len(seg_speed) - 1
        hold_s = (h1 - h0) / sampling_rate_hz
        # Where a move's speed falls below a share of its peak is late in
        # noise and for a slow move: a 1.2 s hold measured so reads 0.9 s
        # (simulator seed 3024, 50 Hz). A hold short of the minimum is
        # judged on its edges fitted to the moves' shapes (:meth:`_fit_hold`).
        short = hold_s < self.min_hold_s
        if short and hold_s < 0.5 * self.min_hold_s:
            return REJECTED, (s0 + m0, s0 + m1, peak, f"held {max(hold_s, 0):.1f} s")
        # A held position is still next to the moves into and out of it;
        # standing sway wanders as fast as it moves anywhere.
        if _median(np.abs(seg_speed[h0:h1 + 1])) > self.max_hold_speed_frac * min(v_in, v_out):
            return REJECTED, (s0 + m0, s0 + m1, peak, "not still when held")
        # A rep ends where it began; a step to a new level is a change
        # of posture (standing up, shifting on the chair).
        w = int(sampling_rate_hz)
        a, b = s0 + m0, s0 + m1
        before = _median(x[max(0, a - w):a + 1])
        after = _median(x[b:b + w + 1])
        step = after - before
        # An angle still settling toward the level the rep returns to
        # (the orientation estimate recovering after a brisk movement)
        # is no level to return to: only a steady one before the rep
        # can have been left for good.
        lead = x[max(0, a - w):a + 1]
        drift = lead[-1] - lead[0]
        settling = (len(lead) > 1 and bool(np.all(np.diff(lead) * np.sign(step) >= 0))
                    and abs(drift) > 0.3 * abs(step))
        if abs(step) > 0.4 * peak and not settling:
            return "posture", (a, b, peak, "did not return (posture change)")
        row = (s0, t0, h0, h1, m0, m1, rise_peak, fall_peak, before, after)
        if short:
            fit = self._fit_hold(x, sampling_rate_hz, peak, *row)
            fitted_s = (fit[3] - fit[2]) / sampling_rate_hz
            if fitted_s < self.min_hold_s:
                return REJECTED, (s0 + m0, s0 + m1, peak, f"held {max(hold_s, 0):.1f} s")
        return "rep", row

    def _fit_hold(self, x, sampling_rate_hz, peak, s0, t0, h0, h1, m0, m1, rise_peak, fall_peak, before, after):
        """A judged rep's row: range, and hold edges from the moves' shapes."""
        # Range: from the rest the rep left to the level it was held at.
        level = float(_median(x[s0 + h0:s0 + h1 + 1]))
        held = level - before
        # Where a move ends is lost in noise when it is small and slow (its
        # speed fades into the sensor's), but its middle and peak speed are
        # not: a human point-to-point move follows a minimum-jerk profile
        # (see :meth:`_move_end`).
        # The held angle wanders: each move goes to (or leaves) the level
        # at its own end of the hold.
        k = max(1, int(0.25 * sampling_rate_hz))
        level_in = float(_median(x[s0 + h0:s0 + min(h0 + k, h1) + 1]))
        level_out = float(_median(x[s0 + max(h1 - k, h0):s0 + h1 + 1]))
        ok = self._valid[s0:t0]
        fit_in = self._move_end(x[s0:t0], ok, rise_peak, before, level_in, sampling_rate_hz, +1)
        fit_out = self._move_end(x[s0:t0], ok, fall_peak, after, level_out, sampling_rate_hz, -1)
        if fit_in is not None and fit_out is not None and fit_out - fit_in >= self.min_hold_s * sampling_rate_hz:
            h0, h1 = fit_in, fit_out
        return (s0 + m0, s0 + m1, s0 + h0, s0 + h1, peak, held, float(before))

    @staticmethod
    def _move_end(seg: np.ndarray, ok: np.ndarray, peak_i: int, rest: float, level: float,
                  sampling_rate_hz: float, way: int) -> int | None:
        """Sample where a minimum-jerk move into (``way`` +1) or out of (-1)
        the hold meets it, or None.

        Such a move crosses a quarter, half and three quarters of its
        distance at 0.359, 0.5 and 0.641 of its duration; crossing times of
        a steep slope stay put in noise that hides where it flattens. Any
        two crossings seen in real samples (``ok``; a gap is drawn as a
        straight line) give the move's middle and duration; a move whose
        middle a gap of a second or more hid is put in the gap's middle.
        """
        dist = level - rest
        if dist <= 0:
            return None
        shares = np.array([0.3594, 0.5, 0.6406])
        times, seen = [], []
        for share in (0.25, 0.5, 0.75):
            lvl = rest + share * dist
            above = seg >= lvl
            cross = np.flatnonzero(np.diff(above.view(np.int8)) == way)
            if not len(cross):
                return None
            c = int(cross[np.argmin(np.abs(cross - peak_i))])
            # seg[c] and seg[c + 1] lie either side of lvl: d is not 0.
            times.append(c + (lvl - seg[c]) / (seg[c + 1] - seg[c]))
            seen.append(bool(ok[c] and ok[c + 1]))
        times, seen = np.array(times), np.array(seen)
        if seen.sum() >= 2:
            u, tt = shares[seen], times[seen]
            # Crossing time = middle + (share - 0.5) · duration, for a move
            # in; reversed in time for a move out.
            slope, middle = np.polyfit(way * (u - 0.5), tt, 1)
            if slope <= 0:
                return None
            return int(round(middle + way * 0.5 * slope))
        # A gap of a second or more at the move's middle hid it: it took
        # place somewhere in there, most likely in the middle.
        a_, b_ = runs(~ok)
        near = (a_ <= times[1] + 1) & (b_ >= times[1] - 1) & (b_ - a_ >= sampling_rate_hz)
        if not near.any():
            return None
        a_, b_ = a_[near][0], b_[near][0]
        return int(round((a_ + b_) / 2 + way * 0.5 * sampling_rate_hz))

    def detect(self, angle_deg: np.ndarray, sampling_rate_hz: float,
               valid: np.ndarray | None = None) -> HoldRepDetector:
        """Find reps.

        Parameters
        ----------
        angle_deg : ndarray, shape (n,)
            The angle; reps are excursions toward larger values.
        sampling_rate_hz : float
        valid : ndarray of bool, shape (n,), optional
            False inside recording gaps (where the angle was interpolated);
            a hold across a gap keeps its duration, and a move hidden in a
            gap is placed in the gap's middle.

        Attributes
        ----------
        reps_ : DataFrame
            Sample indices ``start``, ``stop``, ``hold_start``, ``hold_stop``,
            ``amplitude_deg`` (peak above the running rest level), ``range_deg``
            (held level minus ``rest_deg``, the level the rep started from).
        rejected_ : DataFrame
            Excursions that did not count, with a ``reason``.
        excursion_ : ndarray
            The angle above its rest level (deg).
        """
        angle = np.asarray(angle_deg, dtype=float)
        x = lowpass(angle, self.cutoff_hz, sampling_rate_hz)
        # Kept for set_cues, which filters the same angle again (see there).
        self._filtered = (angle, x)
        w = int(self.max_rep_s * sampling_rate_hz) | 1
        base = maximum_filter1d(minimum_filter1d(x, w, mode="nearest"), w, mode="nearest")
        e = x - base
        speed = np.gradient(e) * sampling_rate_hz
        self.excursion_ = e
        self._judged = {}
        # Samples the angle was seen at: a few lost packets interpolate
        # well; a gap of 0.3 s or more may hide a move's shape.
        self._valid = np.ones(len(x), dtype=bool)
        if valid is not None:
            for a, b in zip(*runs(~np.asarray(valid, dtype=bool))):
                if b - a >= 0.3 * sampling_rate_hz:
                    self._valid[a:b] = False
        # Two passes: a low threshold finds the typical amplitude, then
        # excursions are cut where the angle comes back within 30 % of rest,
        # so two reps with a short, incomplete rest between stay two. The
        # typical amplitude is local (reps within ``local_s``): one stretch of
        # posture can hold a set of big pencil lifts and a set of small toe
        # presses.
        idx = np.arange(len(e))
        threshold = self.min_amplitude_deg * 0.5
        for _ in range(2):
            starts, stops = runs(e > threshold)
            peaks = np.array([float(e[a:b].max()) for a, b in zip(starts, stops)])
            centres = (starts + stops) / 2
            shaped = np.array([p >= self.min_amplitude_deg
                               and self._evaluate(x, e, speed, sampling_rate_hz, a, b, p, 0.0, kind_only=True)[0] == "rep"
                               for a, b, p in zip(starts, stops, peaks)], dtype=bool)
            typ = self._local_typical(centres, peaks, self.local_s * sampling_rate_hz, shaped)
            typ_curve = np.interp(idx, centres, typ) if len(typ) else np.zeros(len(e))
            threshold = np.maximum(self.min_amplitude_deg * 0.5, 0.3 * typ_curve)
        rows, rejected = [], []
        exc = [(int(a), int(b), p, ty) for (a, b), p, ty in zip(zip(starts, stops), peaks, typ)
               if p >= self.min_amplitude_deg]
        gap = int(self.max_dip_s * sampling_rate_hz)
        i = 0
        while i < len(exc):
            s, t, peak, typical = exc[i]
            kind, row = self._evaluate(x, e, speed, sampling_rate_hz, s, t, peak, typical)
            # A dip in the middle of a hold that leaves the angle short of
            # where the rep started is no release: the first part "did not
            # return" and the hold goes on in the next excursion. The two
            # are one rep when together they leave and come back to rest.
            # (A "posture" excursion has passed the reach test already.)
            if kind == "posture" and i + 1 < len(exc) and exc[i + 1][0] - t <= gap:
                s2, t2, peak2, typ2 = exc[i + 1]
                merged = self._evaluate(x, e, speed, sampling_rate_hz, s, t2, max(peak, peak2), max(typical, typ2))
                if merged[0] == "rep":
                    rows.append(merged[1])
                    i += 2
                    continue
            (rows if kind == "rep" else rejected).append(row)
            i += 1
        self.reps_ = pd.DataFrame(rows, columns=REP_COLUMNS)
        self._rejected_rows = rejected
        self._judged = {}
        self.typical_amplitude_deg_ = float(_median(self.reps_.amplitude_deg.to_numpy())) if len(rows) else (
            float(_median(typ)) if len(typ) else 0.0)
        return self


def set_cues(angle_deg: np.ndarray, det: HoldRepDetector, reps: pd.DataFrame, sampling_rate_hz: float,
             activity: np.ndarray | None = None, outside_s: float = 10.0,
             span: tuple[int, int] | None = None) -> tuple[float, float, float]:
    """How much a set of reps looks like reps in the direction it was found.

    Returns ``(posture, tremor, held_s)``:

    posture
        A set starts from and returns to the posture the person is in
        around it: > 0 when the rests between reps sit at the level of the
        still moments just before and after the set (in units of the rep
        amplitude), < 0 when the holds do. NaN if it cannot be told: a
        second or less of still samples around the set or of holds (less
        their edges, below), or 0.3 s or less of still rest.
    tremor
        Muscles holding a position tremble, resting ones do not: median
        ``activity`` (e.g. gyro magnitude) in the holds (less their first
        and last 0.3 s, where the moves end) over that in the rests (within
        15 % of the amplitude of the rest level). NaN without ``activity``,
        or with a second or less of holds or half a second or less of rests.
    held_s
        Time held: the held position is where the person stays.

    ``span`` (sample indices) widens the stretch whose outside is "around
    the set", e.g. to where another reading of the same movements starts.
    """
    # The detector low-passed this same angle already (the callers pass it
    # again); comparing costs far less than filtering it anew.
    angle = np.asarray(angle_deg)
    seen, x = det._filtered
    if not np.array_equal(seen, angle):
        x = lowpass(angle, det.cutoff_hz, sampling_rate_hz)
    e = det.excursion_
    amp = det.typical_amplitude_deg_  # the median of the detector's reps' amplitudes: > 0
    held = float((reps["hold_stop"] - reps["hold_start"]).sum()) / sampling_rate_hz
    posture = tremor = np.nan
    if len(reps) < 2:
        return posture, tremor, held
    calm = np.abs(np.gradient(x) * sampling_rate_hz) < 1.0
    hold = np.zeros(len(e), dtype=bool)
    pad = int(0.3 * sampling_rate_hz)
    for a, b in zip(reps["hold_start"].to_numpy() + pad, reps["hold_stop"].to_numpy() - pad):
        hold[a:max(a, b)] = True
    first, last = int(reps.start.iloc[0]), int(reps.stop.iloc[-1])
    inside = np.zeros(len(e), dtype=bool)
    inside[first:last] = True
    low = inside & ~hold & (e < 0.15 * amp)
    if span is not None:
        first, last = min(first, span[0]), max(last, span[1])
    n_out = int(outside_s * sampling_rate_hz)
    out = np.zeros(len(e), dtype=bool)
    out[max(0, first - n_out):first] = True
    out[last:last + n_out] = True
    out &= calm
    rest = low & calm
    if out.sum() > sampling_rate_hz and rest.sum() > 0.3 * sampling_rate_hz and hold.sum() > sampling_rate_hz:
        level_out = _median(x[out])
        posture = (abs(_median(x[hold]) - level_out) - abs(_median(x[rest]) - level_out)) / amp
    if activity is not None and hold.sum() > sampling_rate_hz and low.sum() > 0.5 * sampling_rate_hz:
        tremor = float(_median(activity[hold]) / max(_median(activity[low]), 1e-6))
    return posture, tremor, held


def prefer(cues_a: tuple, cues_b: tuple) -> bool:
    """True if set A (one direction) is likelier real reps than set B (the other)."""
    (p1, r1, h1), (p2, r2, h2) = cues_a, cues_b
    if np.isfinite(p1) and np.isfinite(p2) and abs(p1 - p2) > 0.5:
        return p1 > p2
    if np.isfinite(p1) != np.isfinite(p2):
        known = p1 if np.isfinite(p1) else p2
        if abs(known) > 0.5:
            return (known > 0) == np.isfinite(p1)
    # Exactly one of them above 1.3 (the larger one, then).
    if np.isfinite(r1) and np.isfinite(r2) and (r1 > 1.3) != (r2 > 1.3):
        return r1 > r2
    return h1 >= h2


def best_direction(angle_deg: np.ndarray, sampling_rate_hz: float,
                   detector: HoldRepDetector | None = None, activity: np.ndarray | None = None,
                   ) -> tuple[int, HoldRepDetector]:
    """Run the detector on the angle and its negation; keep the likelier one (see :func:`prefer`)."""
    proto = detector or HoldRepDetector()
    found = []
    for sign in (1, -1):
        det = proto.clone().detect(sign * np.asarray(angle_deg), sampling_rate_hz)
        found.append((sign, det, set_cues(sign * np.asarray(angle_deg), det, det.reps_, sampling_rate_hz, activity)))
    (s1, d1, c1), (s2, d2, c2) = found
    return (s1, d1) if prefer(c1, c2) else (s2, d2)


def set_levels(signals: pd.DataFrame, reps: pd.DataFrame) -> tuple[float, float] | None:
    """Rest and held levels (deg of ``tilt_deg``) of a set from its counted reps, or None.

    The rest level is the median angle between reps (and in the 3 s before
    the first), the held level the median over each rep's middle half (a
    rep spans ``start_s`` to ``end_s`` inclusive). None when either has no
    sample or the two are less than 1 deg apart.

    Parameters
    ----------
    signals : DataFrame
        ``SessionAnalyzer.signals_`` (``t``, ``tilt_deg``).
    reps : DataFrame
        The set's reps (``start_s``, ``end_s``).
    """
    t = signals["t"].to_numpy()
    # The angle the reps were measured on.
    ang = signals["tilt_deg" if "tilt_deg" in signals else "elevation_deg"].to_numpy()
    in_rep = np.zeros(len(t), dtype=bool)
    mid = np.zeros(len(t), dtype=bool)
    for r in reps.itertuples():  # a set has a handful of reps
        in_rep |= (t >= r.start_s) & (t <= r.end_s)
        q = (r.end_s - r.start_s) / 4
        mid |= (t >= r.start_s + q) & (t <= r.end_s - q)
    between = ~in_rep & (t >= float(reps.start_s.min()) - 3.0) & (t <= float(reps.end_s.max()))
    if not mid.any() or not between.any():
        return None
    rest, held = float(np.median(ang[between])), float(np.median(ang[mid]))
    if abs(held - rest) < 1.0:
        return None
    return rest, held
