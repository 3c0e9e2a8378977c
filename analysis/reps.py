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

import functools

import numpy as np
import pandas as pd
from scipy.ndimage import maximum_filter1d, minimum_filter1d
from scipy.signal import find_peaks, peak_prominences

from .gait import runs
from .preprocess import butter_filtfilt

REP_COLUMNS = ["start", "stop", "hold_start", "hold_stop", "amplitude_deg", "range_deg", "rest_deg"]
# The kind of an excursion that is neither a rep nor a posture change
# (:meth:`HoldRepDetector._evaluate`); only "rep" and "posture" are ever
# compared, so this one is named once.
REJECTED = "rejected"


def lowpass(x: np.ndarray, cutoff_hz: float, sampling_rate_hz: float, order: int = 2) -> np.ndarray:
    """Zero-phase Butterworth low-pass along axis 0.

    A signal of at most ``6 (order + 1)`` samples (too short for the
    filter's edge padding), or a cutoff at or above the Nyquist frequency,
    is returned unfiltered, as floats. The values are scipy's ``sosfiltfilt``'s
    (:func:`~analysis.preprocess.butter_filtfilt`, whose steady state is
    worked out once per design: ~600 calls a day, 1.4 s before).
    """
    if len(x) <= 3 * (order + 1) * 2 or cutoff_hz >= sampling_rate_hz / 2:
        return np.asarray(x, dtype=float)
    return butter_filtfilt(x, order, cutoff_hz, sampling_rate_hz)


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


# Excursions are judged all at once: each step of the rule is one array
# operation over every excursion's samples laid end to end ("spans"), not a
# Python call per excursion (a day of wear has ~23 000 of them; the calls'
# overhead was most of the detector's time).

def _spans(start: np.ndarray, length: np.ndarray, step=1) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Indices of K spans laid end to end: span k is ``start[k] + step·j``, ``j < length[k]``.

    ``step`` is a scalar or one per span (+1 forward, -1 backward); a
    negative length is an empty span. Returns ``idx`` (flat indices),
    ``off`` (shape (K + 1,): span k is ``idx[off[k]:off[k + 1]]``), ``seg``
    (the span of each flat index) and ``pos`` (its ``j``).
    """
    length = np.maximum(np.asarray(length, dtype=np.int64), 0)
    off = np.zeros(len(length) + 1, dtype=np.int64)
    np.cumsum(length, out=off[1:])
    seg = np.repeat(np.arange(len(length)), length)
    pos = np.arange(off[-1]) - off[seg]
    step = np.asarray(step, dtype=np.int64)
    idx = np.asarray(start, dtype=np.int64)[seg] + (step[seg] if step.ndim else step) * pos
    return idx, off, seg, pos


def _first_true(cond: np.ndarray, off: np.ndarray, lo: np.ndarray | None = None,
                hi: np.ndarray | None = None) -> np.ndarray:
    """Per span (``off`` as :func:`_spans` gives), the position of its first True, or -1.

    ``lo``/``hi`` (flat indices) narrow span k to ``cond[lo[k]:hi[k]]``;
    positions are still counted from the span's start.
    """
    lo = off[:-1] if lo is None else lo
    hi = off[1:] if hi is None else hi
    hits = np.flatnonzero(cond)
    out = np.full(len(off) - 1, -1)
    if len(hits):
        k = np.searchsorted(hits, lo)
        h = hits[np.minimum(k, len(hits) - 1)]
        ok = (k < len(hits)) & (h < hi)
        out[ok] = (h - off[:-1])[ok]
    return out


def _last_true(cond: np.ndarray, off: np.ndarray, lo: np.ndarray | None = None,
               hi: np.ndarray | None = None) -> np.ndarray:
    """Per span, the position of its last True, or -1 (``lo``/``hi`` as :func:`_first_true`)."""
    lo = off[:-1] if lo is None else lo
    hi = off[1:] if hi is None else hi
    hits = np.flatnonzero(cond)
    out = np.full(len(off) - 1, -1)
    if len(hits):
        k = np.searchsorted(hits, hi) - 1
        h = hits[np.maximum(k, 0)]
        ok = (k >= 0) & (h >= lo)
        out[ok] = (h - off[:-1])[ok]
    return out


def _span_argext(vals: np.ndarray, off: np.ndarray, seg: np.ndarray, largest: bool) -> np.ndarray:
    """``np.argmax`` (``largest``) or ``np.argmin`` of each span (none empty): the first
    extreme, or the first NaN where a span has one."""
    ext = (np.maximum if largest else np.minimum).reduceat(vals, off[:-1])
    return _first_true((vals == ext[seg]) | np.isnan(vals), off)


def _span_medians(vals: np.ndarray, off: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """:func:`_median` of each span: the same values (NaN for an empty span or one with a NaN)."""
    n = np.diff(off)
    out = np.full(len(n), np.nan)
    # Spans of alike length (within 2x) are sorted together, as the rows
    # of one array padded with +inf (NaN sorts after it).
    size = np.ceil(np.log2(np.maximum(n, 1))).astype(np.int64)
    for b in np.unique(size[n > 0]):
        rows = np.flatnonzero((size == b) & (n > 0))
        nr = n[rows]
        width = int(nr.max())
        cols = np.arange(width)
        inside = cols < nr[:, None]
        grid = np.full((len(rows), width), np.inf)
        grid[inside] = vals[(off[rows][:, None] + cols)[inside]]
        grid.sort(axis=1)
        r = np.arange(len(rows))
        m = nr // 2
        hi, lo = grid[r, m], grid[r, np.maximum(m - 1, 0)]
        med = np.where(nr % 2 == 1, hi, (lo + hi) / 2)
        med[np.isnan(grid[:, -1])] = np.nan
        out[rows] = med
    return out


def _span_peaks(e: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """``e[starts[k]:stops[k]].max()`` for runs that are not empty and do not overlap."""
    if not len(starts):
        return np.zeros(0)
    edges = np.c_[starts, stops].ravel()
    return np.maximum.reduceat(e, edges[:-1] if edges[-1] == len(e) else edges)[::2]


def _breaks(e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where ``e`` stops rising (indices after a step that does not rise) and
    stops falling (indices before a step that does not fall), for :func:`_run_lengths`."""
    return np.flatnonzero(~(e[:-1] < e[1:])) + 1, np.flatnonzero(~(e[1:] < e[:-1]))


def _run_lengths(e: np.ndarray, i: np.ndarray, way: int, floor: np.ndarray,
                 first: np.ndarray | int = 0, end: np.ndarray | int | None = None,
                 breaks: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """:func:`_run_length` for many indices ``i`` at once, each with its own ``floor``,
    index ``i[k]`` in the signal ``e[first[k]:end[k]]`` (default: all of ``e``);
    ``breaks``: ``_breaks(e)`` if known."""
    n = len(e)
    end = n if end is None else end
    i = np.asarray(i, dtype=np.int64)
    floor = np.broadcast_to(np.asarray(floor, dtype=float), i.shape)
    rise_ends, fall_ends = breaks if breaks is not None else _breaks(e)
    if way < 0:
        # The stretch rising to e[i] starts after the last step that does
        # not rise, and at the signal's first sample at the earliest.
        brk = rise_ends
        k = np.searchsorted(brk, i, side="right") - 1
        lo = np.maximum(np.where(k >= 0, brk[np.maximum(k, 0)] if len(brk) else 0, 0), first)
        hi = i + 1
    else:
        # The stretch falling from e[i] ends before the first step that does
        # not fall, and at the signal's last sample but one at the latest.
        brk = fall_ends
        k = np.searchsorted(brk, i)
        last = np.where(k < len(brk), brk[np.minimum(k, len(brk) - 1)] if len(brk) else n - 1, n - 1)
        lo, hi = i, np.maximum(np.minimum(last, np.asarray(end) - 2), i) + 1
    # Along the stretch the samples above the floor are a block at its
    # rising end: going back, the first one in [lo, hi) above it starts the
    # block; going on, the first one not above it ends it.
    idx, off, seg, _ = _spans(lo, hi - lo)
    above = e[idx] > floor[seg]
    if way < 0:
        first = _first_true(above, off)
        return i - np.where(first >= 0, np.minimum(lo + first, i), i)
    first = _first_true(~above, off)
    return np.where(first >= 0, np.maximum(lo + first - 1 - i, 0), hi - 1 - i)


def _run_length(e: np.ndarray, i: int, way: int, floor: float) -> int:
    """How many steps from ``e[i]`` in direction ``way`` the signal keeps falling above ``floor``.

    Counts ``k`` = 1, 2, … while ``e[i + way·k] < e[i + way·(k−1)]`` and
    ``e[i + way·k] > floor``, the index compared staying in ``0 … len(e) − 2``
    going on (as the detector's loops always did).
    """
    return int(_run_lengths(e, np.array([i]), way, np.array([floor]))[0])


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
    rest_still_s, rest_still_dps : float
        If ``rest_still_s`` > 0, the rest level is the lowest the angle
        rested at (turning slower than ``rest_still_dps`` for that long),
        not the lowest it passed through (:meth:`_still_low`).
    small_reach : float
        Excursions short of ``min_reach`` but reaching this share of the
        typical amplitude, that are otherwise reps, are kept aside
        (``small_``): a set may take them in (0: none are).
    brief_rests : bool
        Reps may rest well under a second (a band's reps let go and pulled
        again at once): a rep's rest is the median of the samples at rest
        in the second before and after it (not the neighbours' holds
        there), and a rep whose angle came back to where it began in the
        second after it is no change of posture though the next pull lifts
        that second's median. Off: a swaying hold's dips (a pencil held
        up standing on one leg, tests/test_pencil.py 4810) would be reps.
    """

    def __init__(self, min_hold_s: float = 1.0, min_amplitude_deg: float = 2.0, min_reach: float = 0.4,
                 max_rep_s: float = 25.0, cutoff_hz: float = 3.5, hold_speed_frac: float = 0.05,
                 local_s: float = 40.0, max_dip_s: float = 1.0, max_hold_speed_frac: float = np.inf,
                 rest_still_s: float = 0.0, rest_still_dps: float = 1.0, small_reach: float = 0.0,
                 brief_rests: bool = False):
        self.small_reach = small_reach
        self.brief_rests = brief_rests
        self.rest_still_s = rest_still_s
        self.rest_still_dps = rest_still_dps
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
                       shaped: np.ndarray | None = None, bounds: np.ndarray | None = None) -> np.ndarray:
        """Typical full-rep amplitude near each excursion.

        The median of the excursions nearby that have a rep's shape (a
        still hold, a return: ``shaped``), or of all of them: full reps are
        most of a set, so a few aborted reps do not move it much, and sway,
        fidgets and posture changes, which are not rep-shaped, do not at all.
        ``bounds`` (shape (S + 1,)): the excursions of several signals, those
        of signal j at ``bounds[j]:bounds[j + 1]`` (each with its own
        ``centres``, in samples from its start); only a signal's own are near.
        """
        out = np.zeros(len(peaks))
        bounds = np.array([0, len(peaks)]) if bounds is None else np.asarray(bounds)
        ok = peaks >= self.min_amplitude_deg
        if shaped is not None:
            # Per signal: the rep-shaped ones if it has any.
            sig_of = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
            has = np.bincount(sig_of[shaped & ok], minlength=len(bounds) - 1) > 0
            ok = ok & (shaped | ~has[sig_of])
        # ``centres`` increase within a signal: the excursions within
        # ``window`` of each are a slice, from the first at or after
        # ``c - window`` to the last at or before ``c + window``.
        lo, hi = np.zeros(len(peaks), dtype=np.int64), np.zeros(len(peaks), dtype=np.int64)
        for b0, b1 in zip(bounds[:-1], bounds[1:]):
            c = centres[b0:b1]
            lo[b0:b1] = b0 + np.searchsorted(c, c - window)
            hi[b0:b1] = b0 + np.searchsorted(c, c + window, side="right")
        # The kept peaks near excursion i are ``kept[before[lo[i]]:before[hi[i]]]``.
        kept = peaks[ok]
        before = np.r_[0, np.cumsum(ok)]
        a, b = before[lo], before[hi]
        n = b - a
        # A set's reps move alike; a lone big turn (a walk's last step that
        # happened to pause) is not one of them: the typical rep is the
        # median of the largest group of peaks within a factor of 1.8 of
        # each other (the smaller group on a tie). Excursions with alike
        # numbers of neighbours are done together, as the rows of one array
        # (a pair of neighbours per cell; NaN pads a row).
        size = np.ceil(np.log2(np.maximum(n, 1))).astype(np.int64)
        for bucket in np.unique(size[n > 0]):
            rows_all = np.flatnonzero((size == bucket) & (n > 0))
            width = int(n[rows_all].max())
            per = max(1, 2_000_000 // (width * width))
            for c0 in range(0, len(rows_all), per):
                rows = rows_all[c0:c0 + per]
                cols = np.arange(width)
                inside = cols < n[rows][:, None]
                near = np.full((len(rows), width), np.nan)
                near[inside] = kept[(a[rows][:, None] + cols)[inside]]
                ratio = near[:, :, None] / near[:, None, :]
                alike = ((ratio <= 1.8) & (ratio >= 1 / 1.8)).sum(axis=2)
                alike[~inside] = -1
                top = alike == alike.max(axis=1, keepdims=True)
                seed = np.where(top, near, np.inf).min(axis=1, keepdims=True)
                group = np.where(inside & (near <= 1.8 * seed) & (near >= seed / 1.8), near, np.inf)
                group.sort(axis=1)
                count = (group < np.inf).sum(axis=1)
                r, m = np.arange(len(rows)), count // 2
                mid, below = group[r, m], group[r, np.maximum(m - 1, 0)]
                out[rows] = np.where(count % 2 == 1, mid, (below + mid) / 2)
        return out

    @functools.cached_property
    def reps_(self) -> pd.DataFrame:
        """The reps (see :meth:`detect`), as a DataFrame when first asked for: the set
        detector reads the columns (``_rep_columns``) and seldom needs it."""
        cols = self._rep_columns
        return pd.DataFrame(cols) if len(cols["start"]) else pd.DataFrame([], columns=REP_COLUMNS)

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
                               self.max_dip_s, self.max_hold_speed_frac, self.rest_still_s,
                               self.rest_still_dps, self.small_reach, self.brief_rests)

    def clone_with(self, **params) -> HoldRepDetector:
        """A new detector with the same parameters but ``params``."""
        new = self.clone()
        for k, v in params.items():
            if not hasattr(new, k):
                raise TypeError(f"no parameter {k}")
            setattr(new, k, v)
        return new

    def _settled(self, speed: np.ndarray, at: np.ndarray, length: np.ndarray, step: np.ndarray,
                 sign: np.ndarray, v_peak: np.ndarray, first_look: int | None = 64) -> np.ndarray:
        """Samples from each of K movements' peak speed until it has settled, -1 if never.

        Movement k's speed along the movement is ``sign[k] · speed[at[k] +
        step[k]·j]``, ``j < length[k]``, starting at its peak ``v_peak[k]``.
        The movement has ended where the speed first falls below
        ``hold_speed_frac`` of the peak, or earlier where it stops falling
        while already slow (a held angle wanders: its own slow drift must
        not stretch the movement into the hold).

        Only the samples up to the first slow one matter, and most moves
        slow down within ``first_look`` samples of their peak speed: each
        movement is looked at that far first, and the few still fast there
        all the way (the spans of whole movements, holds included, were
        most of this method's time).
        """
        length = np.asarray(length)
        if first_look is None or not len(length):
            return self._settled_within(speed, at, length, step, sign, v_peak)[0]
        short = np.minimum(length, first_look)
        out, slow = self._settled_within(speed, at, short, step, sign, v_peak)
        # Not slow within the first look (or too short a look to judge), and more to look at.
        again = np.flatnonzero(((slow < 0) | (short < 3)) & (short < length))
        if len(again):
            out[again] = self._settled_within(speed, at[again], length[again], step[again], sign[again],
                                              v_peak[again])[0]
        return out

    def _settled_within(self, speed, at, length, step, sign, v_peak) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_settled` over the first ``length[k]`` samples of each movement, and the
        first slow sample of each (-1 if none)."""
        idx, off, seg, pos = _spans(at, length, step)
        v = sign[seg] * speed[idx]
        slow = _first_true(v < (self.hold_speed_frac * v_peak)[seg], off)
        # Only turns before the first slow sample can come first, and cutting
        # ``v`` just after that sample leaves their prominences as they are:
        # each is faster than it, so the search for a turn's right base stops
        # there at the latest.
        end = np.where(slow >= 0, slow + 1, length)
        # A turn of the speed counts only if it rises again clearly after
        # it: noise ripples on a slow deceleration are no drift. A turn is
        # kept below 15 % of the peak speed, and find_peaks sees one only
        # where the speed rises again after it: without such a rise there
        # is none to look for (most movements).
        low = 0.15 * v_peak
        rise = np.zeros(len(v), dtype=bool)
        rise[:-1] = (v[1:] > v[:-1]) & (v[:-1] < low[seg[:-1]]) & (pos[:-1] < (end - 1)[seg[:-1]])
        out = slow.copy()
        usable = (np.asarray(length) >= 3) & (v_peak > 0)
        ks = np.flatnonzero(usable & (_first_true(rise, off) >= 0))
        if len(ks):
            # ``find_peaks(-head, prominence=0.04 · v_peak[k])`` of each such
            # movement's ``head = v[off[k]:off[k] + end[k]]``, all in one call:
            # the heads laid end to end between samples of +inf. Such a sample
            # stops the search for a peak's bases as a head's ends do, and
            # its neighbours cannot be peaks, as a head's ends cannot; it is
            # a peak itself, dropped before the prominences are measured.
            hidx, hoff, hseg, _ = _spans(off[ks], end[ks])
            n_h = len(hidx)
            where = np.arange(n_h) + hseg + 1  # each head after its separator
            neg = np.full(n_h + len(ks) + 1, np.inf)
            neg[where] = -v[hidx]
            peaks = find_peaks(neg)[0]
            peaks = peaks[np.isfinite(neg[peaks])]
            prom = peak_prominences(neg, peaks)[0]
            k_of = np.searchsorted(where, peaks)  # position in the flat heads
            head_k = hseg[k_of]
            turn = (prom >= (0.04 * v_peak[ks])[head_k]) & (-neg[peaks] < low[ks][head_k])
            # The first turn of each head (peaks increase).
            first_turn = np.full(len(ks), -1)
            heads, at = np.unique(head_k[turn], return_index=True)
            first_turn[heads] = (k_of - hoff[:-1][head_k])[turn][at]
            found = first_turn >= 0  # a turn is a local minimum of ``head``: before its last sample, slow[k]
            out[ks[found]] = first_turn[found]
        out[~usable] = -1
        return out, slow

    def _evaluate(self, x, e, speed, sampling_rate_hz, s, t, peak, typical):
        """Judge one excursion ``e[s:t]``: ``("rep", row)``, ``("posture", row)``
        (it did not return to where it began) or ``(REJECTED, row)``.

        A rep's row is :meth:`_judge`'s, for :meth:`_fit_holds`.
        """
        if peak < self.min_reach * typical:
            key = (int(s), int(t), float(peak))
            if peak >= self.small_reach * typical > 0:
                # Judged as any other (every excursion is, before the reach
                # test): a rep's shape puts it aside.
                if key not in self._judged:
                    self._judge(x, e, speed, sampling_rate_hz, np.array([s]), np.array([t]), np.array([peak]))
                if self._judged[key][0] == "rep":
                    self._small[key] = self._judged[key][1]
            return REJECTED, (s, t, peak, "did not reach the held position")
        # Both passes of :meth:`detect` judge mostly the same excursions
        # (13 075 of 13 236 on a day of wear): each is judged once.
        key = (int(s), int(t), float(peak))
        if key not in self._judged:
            self._judge(x, e, speed, sampling_rate_hz, np.array([s]), np.array([t]), np.array([peak]))
        return self._judged[key]

    def _judge(self, x, e, speed, sampling_rate_hz, s, t, peak) -> None:
        """:meth:`_evaluate` without the reach test and the hold's fit, for the
        excursions ``e[s[k]:t[k]]`` at once (``s``, ``t``: int arrays, ``peak``:
        float array), into ``self._judged``; a rep's row is what
        :meth:`_fit_holds` needs."""
        verdict = [None] * len(s)
        # The signal each excursion is in (several laid end to end: detect_many).
        which = np.searchsorted(self._offsets, s, side="right") - 1
        first, end = self._offsets[which], self._offsets[which + 1]
        # Extend the excursion to where the movement really starts/ends:
        # back while the angle still falls toward the start, on while it
        # still falls after the end, as long as it is above 2 % of the peak.
        s0 = s - _run_lengths(e, s, -1, 0.02 * peak, first, end, self._breaks)
        t0 = t + _run_lengths(e, t - 1, +1, 0.02 * peak, first, end, self._breaks)
        n_seg = t0 - s0
        idx, off, seg, _ = _spans(s0, n_seg)
        level = e[idx] >= (0.5 * peak)[seg]
        first_hi, last_hi = _first_true(level, off), _last_true(level, off)
        idx, off, seg, _ = _spans(s0, first_hi + 1)
        rise_peak = _span_argext(speed[idx], off, seg, largest=True)
        idx, off, seg, _ = _spans(s0 + last_hi, n_seg - last_hi)
        fall_peak = last_hi + _span_argext(speed[idx], off, seg, largest=False)
        v_in, v_out = speed[s0 + rise_peak], -speed[s0 + fall_peak]
        # Hold edges (after the move in's peak, before the move out's) and
        # movement edges (before the move in's peak, after the move out's).
        K = len(s)
        one = np.ones(K, dtype=np.int64)
        h0, h1 = self._settled(speed, np.r_[s0 + rise_peak, s0 + fall_peak], np.r_[n_seg - rise_peak, fall_peak + 1],
                               np.r_[one, -one], np.r_[one, -one], np.r_[v_in, v_out]).reshape(2, K)
        alive = (h0 >= 0) & (h1 >= 0)
        for k in np.flatnonzero(~alive):
            verdict[k] = REJECTED, (int(s0[k]), int(t0[k]), float(peak[k]), "no still phase")
        # Movement edges only where there is a hold between the moves.
        q0, q1 = np.full(K, -1), np.full(K, -1)
        live = np.flatnonzero(alive)
        one = one[live]
        q0[live], q1[live] = self._settled(
            speed, np.r_[(s0 + rise_peak)[live], (s0 + fall_peak)[live]],
            np.r_[(rise_peak + 1)[live], (n_seg - fall_peak)[live]], np.r_[-one, one], np.r_[one, -one],
            np.r_[v_in[live], v_out[live]]).reshape(2, len(live))
        h0, h1 = rise_peak + h0, fall_peak - h1
        m0 = np.where(q0 >= 0, rise_peak - q0, 0)
        m1 = np.where(q1 >= 0, fall_peak + q1, n_seg - 1)
        hold_s = (h1 - h0) / sampling_rate_hz
        # Where a move's speed falls below a share of its peak is late in
        # noise and for a slow move: a 1.2 s hold measured so reads 0.9 s
        # (simulator seed 3024, 50 Hz). A hold short of the minimum is
        # judged on its edges fitted to the moves' shapes (:meth:`_fit_holds`).
        short = hold_s < self.min_hold_s
        for k in np.flatnonzero(alive & short & (hold_s < 0.5 * self.min_hold_s)):
            verdict[k] = self._held(s0[k] + m0[k], s0[k] + m1[k], peak[k], hold_s[k])
        alive &= ~(short & (hold_s < 0.5 * self.min_hold_s))
        # A held position is still next to the moves into and out of it;
        # standing sway wanders as fast as it moves anywhere.
        live = np.flatnonzero(alive)
        idx, off, seg, _ = _spans((s0 + h0)[live], (h1 - h0 + 1)[live])
        still = _span_medians(np.abs(speed[idx]), off, seg)
        slower = np.where(v_out < v_in, v_out, v_in)
        # Not still when held: rejected, but judged on as a rep would be
        # (returns to rest, held long enough), and kept aside as
        # "unsteady" if it would have counted: in a set of reps that move
        # as far, it is one more (``unsteady_``; body sway on a shank, or
        # sensor noise, as fast as a small press's moves).
        unsteady = np.zeros(K, dtype=bool)
        for j in np.flatnonzero(still > self.max_hold_speed_frac * slower[live]):
            k = live[j]
            verdict[k] = (REJECTED, (int(s0[k] + m0[k]), int(s0[k] + m1[k]), float(peak[k]),
                                       "not still when held"))
            unsteady[k] = True
        # A rep ends where it began; a step to a new level is a change
        # of posture (standing up, shifting on the chair).
        live = np.flatnonzero(alive)
        w = int(sampling_rate_hz)
        a, b = (s0 + m0)[live], (s0 + m1)[live]
        lead0 = np.maximum(first[live], a - w)
        idx, off, seg, _ = _spans(lead0, a + 1 - lead0)
        before = _span_medians(x[idx], off, seg)
        rest_before = self._rest_median(x, e, idx, off, seg, peak[live])
        # An angle still settling toward the level the rep returns to
        # (the orientation estimate recovering after a brisk movement)
        # is no level to return to: only a steady one before the rep
        # can have been left for good.
        lead = x[idx]
        tail = np.minimum(b + w + 1, end[live])
        idx2, off2, seg2, _ = _spans(b, tail - b)
        after = _span_medians(x[idx2], off2, seg2)
        rest_after = self._rest_median(x, e, idx2, off2, seg2, peak[live])
        step = after - before
        toward = np.zeros(len(lead), dtype=bool)
        toward[:-1] = (lead[1:] - lead[:-1]) * np.sign(step)[seg[:-1]] >= 0
        toward[off[1:] - 1] = True  # a span's last sample has no step after it
        drift = x[a] - x[lead0]
        settling = ((a + 1 - lead0 > 1) & (_first_true(~toward, off) < 0)
                    & (np.abs(drift) > 0.3 * np.abs(step)))
        # An angle that came down to rest from a brief movement just before
        # the rep (up and back within that second, so not steadily toward
        # it) was not resting at the second's median either: the rep left
        # from the lowest the angle came in that second, and a rep that
        # came back there is no posture change (tests/test_hard_reps.py).
        # (Where the rest level steps and the excursion starts half-way up
        # its move, that second still holds the level the move left.)
        start_level = np.minimum.reduceat(lead, off[:-1]) if len(lead) else np.zeros(0)
        # ... if it did come down that second: its first 0.2 s (median) lay
        # 0.4 of the rep's peak or more above that lowest point. A noisy,
        # steady second's lowest sample is no level (simulator seed 3531,
        # 1.5 deg presses: noise excursions "returned" there).
        k0 = max(1, int(0.2 * sampling_rate_hz))
        idx3, off3, seg3, _ = _spans(lead0, np.minimum(k0, a + 1 - lead0))
        came_down = _span_medians(x[idx3], off3, seg3) - start_level
        back = (np.abs(after - start_level) <= 0.4 * peak[live]) & (came_down >= 0.4 * peak[live])
        big_step = np.abs(step) > 0.4 * peak[live]
        # A band rep let go and pulled again at once (rests of 0-0.2 s) has
        # the next rep's pull and hold in the second after it: its median
        # steps, though the angle came back to where the rep began (within
        # 0.1 of the rep's peak). A dip mid-hold that goes back up short of
        # that (0.2 of it: tests/test_reps_units.py) is still no release.
        # (Where it began: the lowest of the second before where the angle
        # came down in it, as ``back`` has it.)
        low_after = np.minimum.reduceat(x[idx2], off2[:-1]) if len(idx2) else np.zeros(0)
        began = np.where(came_down >= 0.4 * peak[live], start_level, before)
        touched = np.abs(low_after - began) <= 0.1 * peak[live]
        touched &= self.brief_rests
        moved = big_step & ~settling & ~back & ~touched
        # The rest such a rep left is where it began, not the second's median.
        before = np.where(big_step & ~settling & back, start_level, before)
        # A rep whose seconds before and after were both mostly its
        # neighbours' holds and pulls (rests well under a second on both
        # sides) rests at those seconds' samples at rest, not at the holds.
        # Both: a fidget straight after the angle came down from a move
        # (the band put on, simulator clean 473400) has only the second
        # before it so, and its range from its lowest samples there made
        # it a rep of the set.
        held_near = ((np.abs(rest_before - before) > 0.25 * peak[live])
                     & (np.abs(rest_after - after) > 0.25 * peak[live]))
        fix = (~big_step | touched) & held_near & self.brief_rests
        before = np.where(fix, rest_before, before)
        after = np.where(fix, rest_after, after)
        aside = {}
        for j, k in enumerate(live):
            row = (int(s0[k]), int(t0[k]), int(h0[k]), int(h1[k]), int(m0[k]), int(m1[k]),
                   int(rise_peak[k]), int(fall_peak[k]), before[j], after[j])
            if unsteady[k]:
                if not moved[j]:
                    aside[k] = row
            elif moved[j]:
                verdict[k] = "posture", (int(a[j]), int(b[j]), float(peak[k]), "did not return (posture change)")
            else:
                verdict[k] = "rep", row
        unsure = [j for j, k in enumerate(live) if short[k] and not moved[j]]
        if unsure:
            rows = [verdict[live[j]][1] if live[j] not in aside else aside[live[j]] for j in unsure]
            fit = self._fit_holds(x, sampling_rate_hz, peak[live[unsure]], rows)
            for j, fitted_s in zip(unsure, (fit[3] - fit[2]) / sampling_rate_hz):
                if fitted_s < self.min_hold_s:
                    if live[j] in aside:
                        del aside[live[j]]
                    else:
                        verdict[live[j]] = self._held(a[j], b[j], peak[live[j]], hold_s[live[j]])
        for k in range(K):
            key = (int(s[k]), int(t[k]), float(peak[k]))
            self._judged[key] = verdict[k]
            if k in aside:
                self._unsteady[key] = aside[k]

    @staticmethod
    def _rest_median(x, e, idx, off, seg, peak) -> np.ndarray:
        """The median angle of each span (``idx``, ``off``, ``seg`` of :func:`_spans`)
        over its samples at rest: below half of its rep's ``peak`` above the
        rest level (``e``), or over all of it where none is.

        The second before and after a rep is its rest, unless the person
        rests less than that: a band rep let go and pulled again at once
        (rests of 0-0.4 s) has the neighbouring reps' holds in that second,
        and its median was their held level: the rep "moved" 0° from it
        and was dropped from its set (benchmarks/band_kinds.py ``no_rest``:
        9 reps read as 7). A neighbour's hold lies a rep's height above
        rest; the rest itself, and a release only part of the way back,
        below half of it.
        """
        low = e[idx] < 0.5 * peak[seg]
        n_low = np.bincount(seg[low], minlength=len(off) - 1)
        off_low = np.zeros(len(off), dtype=np.int64)
        np.cumsum(n_low, out=off_low[1:])
        at_rest = _span_medians(x[idx[low]], off_low, seg[low])
        return np.where(n_low > 0, at_rest, _span_medians(x[idx], off, seg))

    @staticmethod
    def _held(a, b, peak, hold_s) -> tuple:
        return REJECTED, (int(a), int(b), float(peak), f"held {max(float(hold_s), 0):.1f} s")

    def _fit_holds(self, x, sampling_rate_hz, peaks, rows) -> tuple[np.ndarray, ...]:
        """Judged reps' rows (``peaks[k]``, ``rows[k]`` from :meth:`_judge`): range, and
        hold edges from the moves' shapes; one array per column of ``REP_COLUMNS``."""
        s0, t0, h0, h1, m0, m1, rise_peak, fall_peak = np.array([r[:8] for r in rows], dtype=np.int64).reshape(-1, 8).T
        before = np.array([r[8] for r in rows])
        after = np.array([r[9] for r in rows])
        # Range: from the rest the rep left to the level it was held at.
        idx, off, seg, _ = _spans(s0 + h0, h1 - h0 + 1)
        held = _span_medians(x[idx], off, seg) - before
        # Where a move ends is lost in noise when it is small and slow (its
        # speed fades into the sensor's), but its middle and peak speed are
        # not: a human point-to-point move follows a minimum-jerk profile
        # (see :meth:`_move_ends`).
        # The held angle wanders: each move goes to (or leaves) the level
        # at its own end of the hold.
        k = max(1, int(0.25 * sampling_rate_hz))
        idx, off, seg, _ = _spans(s0 + h0, np.minimum(h0 + k, h1) - h0 + 1)
        level_in = _span_medians(x[idx], off, seg)
        out0 = np.maximum(h1 - k, h0)
        idx, off, seg, _ = _spans(s0 + out0, h1 - out0 + 1)
        level_out = _span_medians(x[idx], off, seg)
        idx, off, seg, pos = _spans(s0, t0 - s0)
        spans = (x[idx], self._valid[idx], off, seg, pos)
        fit_in, got_in = self._move_ends(spans, rise_peak, before, level_in, sampling_rate_hz, +1)
        fit_out, got_out = self._move_ends(spans, fall_peak, after, level_out, sampling_rate_hz, -1)
        use = got_in & got_out & (fit_out - fit_in >= self.min_hold_s * sampling_rate_hz)
        h0, h1 = np.where(use, fit_in, h0), np.where(use, fit_out, h1)
        return s0 + m0, s0 + m1, s0 + h0, s0 + h1, np.array(peaks), held, before

    @staticmethod
    def _move_ends(spans: tuple, peak_i: np.ndarray, rest: np.ndarray, level: np.ndarray,
                   sampling_rate_hz: float, way: int) -> tuple[np.ndarray, np.ndarray]:
        """Samples where minimum-jerk moves into (``way`` +1) or out of (-1) their
        holds meet them, and whether each was found.

        ``spans``: the reps' angles laid end to end (values, ``ok``, and the
        ``off``, ``seg``, ``pos`` of :func:`_spans`); ``peak_i``, ``rest``,
        ``level``: per rep, the move's peak speed (sample in its span), the
        rest it starts from (or returns to) and the held level.

        Such a move crosses a quarter, half and three quarters of its
        distance at 0.359, 0.5 and 0.641 of its duration; crossing times of
        a steep slope stay put in noise that hides where it flattens. Any
        two crossings seen in real samples (``ok``; a gap is drawn as a
        straight line) give the move's middle and duration; a move whose
        middle a gap of a second or more hid is put in the gap's middle.
        """
        vals, ok, off, seg, pos = spans
        n_rep = len(peak_i)
        dist = level - rest
        got = ~(dist <= 0)
        times, seen = np.zeros((3, n_rep)), np.zeros((3, n_rep), dtype=bool)
        start = off[:-1]
        for j, share in enumerate((0.25, 0.5, 0.75)):
            lvl = rest + share * dist
            above = vals >= lvl[seg]
            cross = np.zeros(len(vals), dtype=bool)
            cross[:-1] = (above[1:] & ~above[:-1]) if way > 0 else (above[:-1] & ~above[1:])
            cross[off[1:] - 1] = False  # a span's last sample has no step after it
            # The crossing nearest the peak speed (the earlier of two as near).
            left = _last_true(cross, off, start, start + peak_i + 1)
            right = _first_true(cross, off, start + peak_i + 1, off[1:])
            take_right = (right >= 0) & ((left < 0) | (right - peak_i < peak_i - left))
            c = np.where(take_right, right, left)
            got &= c >= 0
            at = start + np.maximum(c, 0)
            d = vals[np.minimum(at + 1, len(vals) - 1)] - vals[at]
            # d is not 0 at a crossing (its samples lie either side of lvl);
            # the guard is for reps without one, which are dropped.
            frac = np.divide(lvl - vals[at], d, out=np.zeros(n_rep), where=d != 0)
            times[j] = c + frac
            seen[j] = ok[at] & ok[np.minimum(at + 1, len(vals) - 1)]
        fit = np.zeros(n_rep, dtype=np.int64)
        shares = np.array([0.3594, 0.5, 0.6406])
        two = got & (seen.sum(axis=0) >= 2)
        # Crossing time = middle + (share - 0.5) · duration, for a move in;
        # reversed in time for a move out. One fit per pattern of seen crossings.
        for pattern in {tuple(p) for p in seen[:, two].T}:
            mask = np.array(pattern)
            cols = np.flatnonzero(two & np.all(seen == mask[:, None], axis=0))
            slope, middle = np.polyfit(way * (shares[mask] - 0.5), times[mask][:, cols], 1)
            got[cols] = slope > 0
            fit[cols] = [int(round(v)) for v in middle + way * 0.5 * slope]
        # A gap of a second or more at the move's middle hid it: it took
        # place somewhere in there, most likely in the middle.
        for r in np.flatnonzero(got & ~two):
            a_, b_ = runs(~ok[off[r]:off[r + 1]])
            near = (a_ <= times[1, r] + 1) & (b_ >= times[1, r] - 1) & (b_ - a_ >= sampling_rate_hz)
            got[r] = near.any()
            if got[r]:
                a_, b_ = a_[near][0], b_[near][0]
                fit[r] = int(round((a_ + b_) / 2 + way * 0.5 * sampling_rate_hz))
        return fit, got

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
        unsteady_ : dict of ndarray
            ``reps_``'s columns for the excursions rejected only because
            they were not still when held (each leaves rest, is held long
            enough and comes back): a set of reps around them may take them
            in (``analysis.families.HoldSetDetector``).
        small_ : dict of ndarray
            The same for the excursions rejected only because they fell
            short of ``min_reach`` but reached ``small_reach`` of the
            typical amplitude (a band set's reps of a third of the others).
        excursion_ : ndarray
            The angle above its rest level (deg).
        """
        return detect_many([self], [angle_deg], sampling_rate_hz, [valid])[0]

    def _still_low(self, x: np.ndarray, low: np.ndarray, w: int, sampling_rate_hz: float) -> np.ndarray:
        """The lowest level within ``w`` samples that the angle ``x`` rested at
        (turning slower than ``rest_still_dps`` for ``rest_still_s`` or more),
        ``low`` (the plain lowest) where it rested nowhere near.

        A shank sways between a set's reps as far as a small press bends the
        knee (0.3-2.5 deg, over a second or two, either way): a sway the
        other way from the reps lies below the rest they start from, and as
        the lowest point it became the rest, so the angle never came back to
        "rest" between reps and several reps were read as one (simulator
        ankle tier 32018: 10 presses read as 5). A sway passes through its
        turning point; a rest stays.
        """
        still = np.abs(np.gradient(x)) * sampling_rate_hz < self.rest_still_dps
        a, b = runs(still)
        long = (b - a) >= self.rest_still_s * sampling_rate_hz
        edges = np.zeros(len(x) + 1, dtype=np.int64)
        np.add.at(edges, a[long], 1)
        np.add.at(edges, b[long], -1)
        rested = np.cumsum(edges[:-1]) > 0
        if not rested.any():
            return low
        at_rest = minimum_filter1d(np.where(rested, x, np.inf), w, mode="nearest")
        return np.where(np.isfinite(at_rest), at_rest, low)

    def _prepare(self, angle_deg: np.ndarray, sampling_rate_hz: float, valid,
                 lowpassed: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        """The low-passed angle (``lowpassed`` if given: ``lowpass(angle_deg, cutoff_hz, ...)``),
        its excursion above the rest level, the excursion's speed (deg/s) and
        where the angle was seen; sets ``excursion_``."""
        angle = np.asarray(angle_deg, dtype=float)
        x = lowpass(angle, self.cutoff_hz, sampling_rate_hz) if lowpassed is None else lowpassed
        # Kept for set_cues, which filters the same angle again (see there).
        self._filtered = (angle, x)
        w = int(self.max_rep_s * sampling_rate_hz) | 1
        low = minimum_filter1d(x, w, mode="nearest")
        if self.rest_still_s:
            low = self._still_low(x, low, w, sampling_rate_hz)
        base = maximum_filter1d(low, w, mode="nearest")
        e = x - base
        speed = np.gradient(e) * sampling_rate_hz
        self.excursion_ = e
        # Samples the angle was seen at: a few lost packets interpolate
        # well; a gap of 0.3 s or more may hide a move's shape.
        seen = np.ones(len(x), dtype=bool)
        if valid is not None:
            a, b = runs(~np.asarray(valid, dtype=bool))
            long = b - a >= 0.3 * sampling_rate_hz
            edges = np.zeros(len(x) + 1, dtype=np.int64)
            np.add.at(edges, a[long], 1)
            np.add.at(edges, b[long], -1)
            seen = np.cumsum(edges[:-1]) == 0
        return x, e, speed, seen


def detect_many(detectors: list[HoldRepDetector], angles: list[np.ndarray], sampling_rate_hz: float,
                valids: list | None = None, lowpassed: list | None = None) -> list[HoldRepDetector]:
    """:meth:`HoldRepDetector.detect` of several detectors, one per angle signal, at once.

    The detectors must have the same parameters (``detectors[0]``'s judge
    them all). Each gets the attributes :meth:`~HoldRepDetector.detect`
    gives it, the same values. The signals' excursions are judged together,
    each step of the rule one array operation over all of them: a day of
    wear has ~1500 detector runs of a dozen excursions each, and per run
    the array operations' overhead was as large as judging one by one.
    ``lowpassed``: per signal, its low-pass (:func:`lowpass` at the
    detectors' ``cutoff_hz``) if the caller has it, else None.
    """
    judge = detectors[0]
    valids = valids if valids is not None else [None] * len(angles)
    lowpassed = lowpassed if lowpassed is not None else [None] * len(angles)
    parts = [det._prepare(a, sampling_rate_hz, v, lp)
             for det, a, v, lp in zip(detectors, angles, valids, lowpassed)]
    sizes = [len(p[0]) for p in parts]
    offsets = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    x, e, speed, judge._valid = (np.concatenate([p[i] for p in parts]) for i in range(4))
    judge._offsets = offsets
    judge._breaks = _breaks(e)
    judge._judged, judge._unsteady, judge._small = {}, {}, {}
    # Two passes: a low threshold finds the typical amplitude, then
    # excursions are cut where the angle comes back within 30 % of rest,
    # so two reps with a short, incomplete rest between stay two. The
    # typical amplitude is local (reps within ``local_s``): one stretch of
    # posture can hold a set of big pencil lifts and a set of small toe
    # presses.
    threshold = [judge.min_amplitude_deg * 0.5] * len(parts)
    for _ in range(2):
        found = []
        for k, (_, e_k, _, _) in enumerate(parts):
            starts, stops = runs(e_k > threshold[k])
            found.append((starts + offsets[k], stops + offsets[k], _span_peaks(e_k, starts, stops)))
        starts, stops, peaks = (np.concatenate([f[i] for f in found]) for i in range(3))
        big = peaks >= judge.min_amplitude_deg
        keys = list(zip(starts.tolist(), stops.tolist(), peaks.tolist()))
        new = np.array([b and key not in judge._judged for b, key in zip(big, keys)], dtype=bool)
        judge._judge(x, e, speed, sampling_rate_hz, starts[new], stops[new], peaks[new])
        shaped = np.array([b and judge._judged[key][0] == "rep" for b, key in zip(big, keys)], dtype=bool)
        bounds = np.zeros(len(found) + 1, dtype=np.int64)
        np.cumsum([len(f[2]) for f in found], out=bounds[1:])
        # Centres in samples from each signal's start.
        centres = (starts - np.repeat(offsets[:-1], np.diff(bounds))
                   + stops - np.repeat(offsets[:-1], np.diff(bounds))) / 2
        typ_all = judge._local_typical(centres, peaks, judge.local_s * sampling_rate_hz, shaped, bounds)
        typ = []
        for k in range(len(found)):
            typ_k, c_k = typ_all[bounds[k]:bounds[k + 1]], centres[bounds[k]:bounds[k + 1]]
            typ.append(typ_k)
            typ_curve = np.interp(np.arange(sizes[k]), c_k, typ_k) if len(typ_k) else np.zeros(sizes[k])
            threshold[k] = np.maximum(judge.min_amplitude_deg * 0.5, 0.3 * typ_curve)
    gap = int(judge.max_dip_s * sampling_rate_hz)
    excursions = [[(int(a), int(b), p, ty) for (a, b), p, ty in zip(zip(starts_k, stops_k), peaks_k, typ[k])
                   if p >= judge.min_amplitude_deg] for k, (starts_k, stops_k, peaks_k) in enumerate(found)]
    _judge_merges(judge, x, e, speed, sampling_rate_hz, excursions, gap)
    rows, rejected, unsteady, small = [], [], [], []
    for exc in excursions:
        rows_k, rejected_k, unsteady_k, small_k = [], [], [], []
        i = 0
        while i < len(exc):
            s, t, peak, typical = exc[i]
            kind, row = judge._evaluate(x, e, speed, sampling_rate_hz, s, t, peak, typical)
            # A dip in the middle of a hold that leaves the angle short of
            # where the rep started is no release: the first part "did not
            # return" and the hold goes on in the next excursion. The two
            # are one rep when together they leave and come back to rest.
            # (A "posture" excursion has passed the reach test already.)
            if kind == "posture" and i + 1 < len(exc) and exc[i + 1][0] - t <= gap:
                s2, t2, peak2, typ2 = exc[i + 1]
                merged = judge._evaluate(x, e, speed, sampling_rate_hz, s, t2, max(peak, peak2), max(typical, typ2))
                if merged[0] == "rep":
                    rows_k.append((max(peak, peak2), merged[1]))
                    i += 2
                    continue
            if kind == "rep":
                rows_k.append((peak, row))
            else:
                rejected_k.append(row)
                if (s, t, peak) in judge._unsteady:
                    unsteady_k.append((peak, judge._unsteady[(s, t, peak)]))
                if (s, t, peak) in judge._small:
                    small_k.append((peak, judge._small[(s, t, peak)]))
            i += 1
        rows.append(rows_k)
        rejected.append(rejected_k)
        unsteady.append(unsteady_k)
        small.append(small_k)
    every = [r for rows_k in rows for r in rows_k]
    cols = judge._fit_holds(x, sampling_rate_hz, [p for p, _ in every], [r for _, r in every])
    aside = [r for rows_k in unsteady for r in rows_k]
    cols_aside = judge._fit_holds(x, sampling_rate_hz, [p for p, _ in aside], [r for _, r in aside])
    little = [r for rows_k in small for r in rows_k]
    cols_small = judge._fit_holds(x, sampling_rate_hz, [p for p, _ in little], [r for _, r in little])
    at = at_aside = at_small = 0
    for k, det in enumerate(detectors):
        n_k, off = len(rows[k]), offsets[k]
        mine = [c[at:at + n_k] for c in cols]
        at += n_k
        for c in range(4):  # sample indices, from the signal's start
            mine[c] = mine[c] - off
        det._rep_columns = dict(zip(REP_COLUMNS, mine))
        n_aside = len(unsteady[k])
        det.unsteady_ = {c: v[at_aside:at_aside + n_aside] - (off if i < 4 else 0)
                         for i, (c, v) in enumerate(zip(REP_COLUMNS, cols_aside))}
        at_aside += n_aside
        n_small = len(small[k])
        det.small_ = {c: v[at_small:at_small + n_small] - (off if i < 4 else 0)
                      for i, (c, v) in enumerate(zip(REP_COLUMNS, cols_small))}
        at_small += n_small
        det.__dict__.pop("reps_", None)
        det._rejected_rows = [(a - off, b - off, *rest) for a, b, *rest in rejected[k]]
        det.typical_amplitude_deg_ = float(_median(mine[4])) if n_k else (
            float(_median(typ[k])) if len(typ[k]) else 0.0)
    judge._judged, judge._unsteady, judge._small = {}, {}, {}
    judge._valid = judge._offsets = judge._breaks = None
    return detectors


def _judge_merges(judge: HoldRepDetector, x, e, speed, sampling_rate_hz: float, excursions: list,
                  gap: int) -> None:
    """Judge at once every merge of two excursions that :func:`detect_many`'s loop may ask
    :meth:`~HoldRepDetector._evaluate` for (into ``judge._judged``).

    A merge is asked for after an excursion judged a posture change when
    the next begins within ``gap`` samples; one by one, their judging was
    a fifth of the day's. Each excursion's verdict is its own, whichever
    others are judged beside it, so judging a few the loop then skips
    (an excursion already merged with the one before) changes nothing.
    """
    key_s, key_t, key_peak, seen = [], [], [], set()
    for exc in excursions:
        for (s, t, peak, typical), (s2, t2, peak2, typ2) in zip(exc[:-1], exc[1:]):
            if s2 - t > gap or peak < judge.min_reach * typical:
                continue
            if judge._judged.get((s, t, float(peak)), (None,))[0] != "posture":
                continue
            merged_peak = max(peak, peak2)
            if merged_peak < judge.min_reach * max(typical, typ2):
                continue
            key = (s, t2, float(merged_peak))
            if key not in judge._judged and key not in seen:
                seen.add(key)
                key_s.append(s)
                key_t.append(t2)
                key_peak.append(float(merged_peak))
    if key_s:
        judge._judge(x, e, speed, sampling_rate_hz, np.array(key_s, dtype=np.int64),
                     np.array(key_t, dtype=np.int64), np.array(key_peak, dtype=float))


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
    # again, or the very array it kept); comparing costs far less than
    # filtering it anew.
    angle = np.asarray(angle_deg)
    seen, x = det._filtered
    if angle is not seen and not np.array_equal(seen, angle):
        x = lowpass(angle, det.cutoff_hz, sampling_rate_hz)
    e = det.excursion_
    amp = det.typical_amplitude_deg_  # the median of the detector's reps' amplitudes: > 0
    # Columns as arrays: ``reps`` may be a DataFrame or the set detector's numpy columns.
    hold_start, hold_stop = np.asarray(reps["hold_start"]), np.asarray(reps["hold_stop"])
    held = float((hold_stop - hold_start).sum()) / sampling_rate_hz
    posture = tremor = np.nan
    if len(reps) < 2:
        return posture, tremor, held
    pad = int(0.3 * sampling_rate_hz)
    first, last = int(np.asarray(reps["start"])[0]), int(np.asarray(reps["stop"])[-1])
    around = (min(first, span[0]), max(last, span[1])) if span is not None else (first, last)
    n_out = int(outside_s * sampling_rate_hz)
    # Every sample looked at lies within n_out of the set: only that window
    # of the stretch (which can be hours long) is read, with one sample more
    # each side so that the angle's speed is the whole stretch's there.
    w0, w1 = max(0, around[0] - n_out), min(len(e), around[1] + n_out)
    g0, g1 = max(0, w0 - 1), min(len(e), w1 + 1)
    calm = (np.abs(np.gradient(x[g0:g1]) * sampling_rate_hz) < 1.0)[w0 - g0:w1 - g0]
    x, e = x[w0:w1], e[w0:w1]
    activity = activity[w0:w1] if activity is not None else None
    hold = np.zeros(len(e), dtype=bool)
    for a, b in zip(hold_start + pad - w0, hold_stop - pad - w0):
        hold[a:max(a, b)] = True
    inside = np.zeros(len(e), dtype=bool)
    inside[first - w0:last - w0] = True
    low = inside & ~hold & (e < 0.15 * amp)
    first, last = around
    out = np.zeros(len(e), dtype=bool)
    out[max(0, first - n_out) - w0:first - w0] = True
    out[last - w0:last + n_out - w0] = True
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
