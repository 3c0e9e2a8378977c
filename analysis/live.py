"""Live analysis: the session analyser on a trailing window, and the rep under way between its runs.

Rather than a second, incremental set of detectors that could drift from the
offline ones, the live view runs :class:`~analysis.session.SessionAnalyzer`
on the last ``window_s`` seconds every ``update_every_s`` seconds of data
(what is counted, and what the set is), and :meth:`LiveAnalyzer.finish` runs
it once on everything: the summary at the end of a live session is, by
construction, the offline analysis of the file that was written.

Between those runs, :class:`HoldTracker` follows the angle the reps are
measured on, sample by sample, against the set's rest and held levels:
the "holding now" state (a rep's start, its hold timer, its end as it
happens), with the detector's own thresholds, so the rep it shows is the one
the next window analysis counts. What stays the same over a session is
learned once and checked rarely: the mounting (stage 1 alone,
:class:`~analysis.signals.SignalExtractor`, on the last 10 minutes) and the
set's levels.

While a set is under way the live view wants to count its first rep, so the
window analysis accepts sets of one rep; the final analysis applies the
normal rules.

For a live source the window analysis runs in a worker process
(``background=True``): the event loop that receives the sensors'
notifications never waits for it; the tracker runs in the caller at every
read. The same code runs in either place.
"""
from __future__ import annotations

import dataclasses
import itertools
import threading
import weakref
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pandas as pd
from scipy.signal import sosfilt, sosfilt_zi

from sensors.contract import HOLD_EXERCISES, REQUIRED_COLUMNS

from .confidence import MOUNTING_BASE, THRESHOLD, ConfidenceRater
from .gait import runs
from .preprocess import butter_sos
from .prescription import load as load_prescription
from .reps import set_levels
from .session import SessionAnalyzer
from .signals import SignalExtractor

# The live view counts holds up to the default (seed) programme's targets.
HOLD_TARGET_S = load_prescription().hold_targets_s()
# Counted by the window analysis alone (no tracker between its runs).
FAST_EXERCISES = ("ankle_circles", "tiptoe_walk")


@dataclasses.dataclass
class LiveState:
    """What the live view shows (all times in s of recording time)."""

    t_s: float = 0.0
    exercise: str | None = None
    reps: int = 0
    last_hold_s: float | None = None
    hold_target_s: float | None = None
    holding_s: float | None = None
    # When the hold under way began: also before the set is named
    # (:class:`OpenHoldTracker`), when ``exercise`` is None.
    holding_since_s: float | None = None
    circles_cw: int = 0
    circles_ccw: int = 0
    tiptoe_s: float = 0.0
    strides: int = 0
    sets_done: list = dataclasses.field(default_factory=list)
    last_set: str | None = None       # what the last finished set ended with, once it is over
    # Everything the window's analysis found, whatever exercise it named, so a
    # guided session (which knows the exercise) can count within its step:
    # (start_s, end_s, hold_s, range_deg) per rep of a hold exercise,
    # (start_s, end_s, direction) per circle, (start_s, end_s, strides) per tiptoe bout.
    rep_events: list = dataclasses.field(default_factory=list)
    circle_events: list = dataclasses.field(default_factory=list)
    tiptoe_events: list = dataclasses.field(default_factory=list)


class HoldTracker:
    """The rep under way, from the seconds of data since the set's last counted rep.

    The window analysis counts a rep only once it has seen the foot settle
    back at rest, and only every ``update_every_s``; this follows the angle
    sample by sample meanwhile. Knowing the set's rest and held levels (from
    its counted reps), a rep has started when the angle goes ``min_reach``
    of the way from rest to held, is held from when it gets ``settle`` of the
    way, and has ended when it comes back within ``release`` of rest: the
    thresholds :class:`~analysis.reps.HoldRepDetector` cuts excursions at
    and judges them by, so what is shown here is what the window analysis
    will count a moment later.

    Parameters
    ----------
    min_reach : float
        Share of the way from rest to held a rep must reach (the detector's
        ``min_reach``).
    release : float
        The rep is over once the angle is back within this share of rest
        (the detector cuts excursions where the angle comes back within
        30 % of the typical amplitude).
    settle : float
        The hold timer runs from where the angle got this share of the way.
    min_hold_s : float
        Shorter holds are no rep (the detector's ``min_hold_s``).
    max_hold_speed_frac : float
        The held angle's median speed must stay below this share of the
        moves' peak speeds (the foot detector's ``max_hold_speed_frac``).
    max_rep_s : float
        Longer excursions are a change of posture, not a rep.
    max_range : float
        Excursions beyond this many times the set's range are no rep (the
        set's outliers, ``SessionAnalyzer._drop_outliers``, move 1.8× as far).
    max_dip_s : float
        A dip below ``release`` this short joins the two parts of a hold
        into one rep (the detector's ``max_dip_s``): a rep counted at the
        dip goes again when the hold goes on.
    min_rest_s : float
        The angle must be back within ``release`` of rest this long before
        the rep counts (a noise dip is not a release).
    cutoff_hz : float
        Low-pass of the accelerometer before its tilt is taken (as for
        ``tilt_deg`` in :class:`~analysis.session.SessionAnalyzer`).
    """

    def __init__(self, min_reach: float = 0.4, release: float = 0.3, settle: float = 0.9,
                 min_hold_s: float = 1.0, max_hold_speed_frac: float = 0.5, max_rep_s: float = 22.0,
                 max_range: float = 1.8, max_dip_s: float = 1.0, min_rest_s: float = 0.15,
                 cutoff_hz: float = 2.0):
        self.max_dip_s = max_dip_s
        self.min_rest_s = min_rest_s
        self.min_reach = min_reach
        self.max_range = max_range
        self.release = release
        self.settle = settle
        self.min_hold_s = min_hold_s
        self.max_hold_speed_frac = max_hold_speed_frac
        self.max_rep_s = max_rep_s
        self.cutoff_hz = cutoff_hz

    def track(self, t: np.ndarray, acc: np.ndarray, matrix: np.ndarray, rest_deg: float,
              held_deg: float, since_s: float) -> HoldTracker:
        """Follow the angle after ``since_s`` (the set's last counted rep's end).

        Parameters
        ----------
        t : ndarray, shape (n,)
            Sample times (s), increasing; a second or so before ``since_s``
            lets the filter settle.
        acc : ndarray, shape (n, 3)
            Accelerometer (m/s², sensor frame).
        matrix : ndarray, shape (3, 3)
            Sensor-to-segment rotation (``Mounting.matrix``).
        rest_deg, held_deg : float
            The set's levels of ``tilt_deg`` (:func:`set_levels`).
        since_s : float

        Attributes
        ----------
        reps_ : list of (start_s, end_s, hold_s)
            Reps ended since ``since_s``, not yet counted by the window analysis.
        holding_s_ : float or None
            Seconds held so far in the rep under way, None if none is.
        under_way_s_ : float or None
            When the rep under way began (s), None if none is.
        since_s_ : float or None
            When its hold began (s), None if it is not held yet.
        """
        self.reps_, self.holding_s_, self.under_way_s_, self.since_s_ = [], None, None, None
        if len(t) < 10:
            return self
        sampling_rate_hz = (len(t) - 1) / max(float(t[-1] - t[0]), 1e-9)
        # Causal: a zero-phase filter's last samples swing with the noise
        # (its edge), and it is the last samples that say a rep just ended.
        # Its lag (about 0.1 s) is most of the delay to the count.
        # Designed for the rate rounded to 1 Hz, so arrival jitter does not defeat the cache.
        rounded_hz = max(round(sampling_rate_hz), 1)
        sos = butter_sos(2, min(self.cutoff_hz, 0.495 * rounded_hz), rounded_hz)
        x = acc @ matrix.T
        a = sosfilt(sos, x, axis=0, zi=sosfilt_zi(sos)[:, :, None] * x[0])[0]
        progress = (np.degrees(np.arctan2(a[:, 0], a[:, 2])) - rest_deg) / (held_deg - rest_deg)
        after = t > since_s
        out = progress > self.release
        starts, stops = runs(out & after)
        if len(starts) > 1:
            # A dip in a hold shorter than ``max_dip_s`` joins its two parts
            # into one rep (as in the detector).
            keep = np.r_[True, t[starts[1:]] - t[stops[:-1] - 1] > self.max_dip_s]
            starts, stops = starts[keep], stops[np.r_[np.flatnonzero(keep)[1:] - 1, len(stops) - 1]]
        # Speed over a fifth of a second: sample-to-sample differences of a
        # move of a degree or two are mostly the sensor's noise.
        k = max(1, int(0.2 * sampling_rate_hz))
        speed = np.zeros(len(t))
        speed[k:] = np.abs(progress[k:] - progress[:-k]) * sampling_rate_hz / k
        for s, e in zip(starts, stops):
            if s == 0 or not after[s - 1] and out[s - 1]:
                continue  # the counted rep's own tail
            seg = progress[s:e]
            # Beyond ``max_range`` of the set's reps, or longer than a rep, it
            # is a change of posture (lying down after the set), not a rep.
            if seg.max() < self.min_reach or seg.max() > self.max_range \
                    or (t[e - 1] - t[s]) > self.max_rep_s:
                continue
            on = np.flatnonzero(seg >= self.settle)
            # Back at rest for ``min_rest_s`` ends the rep.
            ongoing = t[-1] - t[e - 1] < self.min_rest_s
            if ongoing:
                if progress[-1] >= self.min_reach:
                    self.under_way_s_ = float(t[s])
                if progress[-1] >= self.min_reach and len(on):
                    # Frozen once the release begins (below ``settle`` again).
                    self.holding_s_ = float(t[s + on[-1]] - t[s + on[0]])
                    self.since_s_ = float(t[s + on[0]])
                elif progress[-1] >= self.min_reach:
                    self.holding_s_ = 0.0
                continue
            if not len(on):
                continue
            h0, h1 = s + on[0], s + on[-1]
            if t[h1] - t[h0] < self.min_hold_s:
                continue
            # Held still next to the moves in and out (as the detector asks).
            moves = min(speed[s:h0 + 1].max(), speed[h1:e + 1].max())
            if np.median(speed[h0:h1 + 1]) > self.max_hold_speed_frac * moves:
                continue
            self.reps_.append((float(t[s]), float(t[min(e, len(t) - 1)]), float(t[h1] - t[h0])))
        return self


def _angle_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle (deg) between unit vectors ``a`` and ``b`` (shape (..., 3)); exact for small angles too."""
    return np.degrees(2 * np.arcsin(np.clip(np.linalg.norm(a - b, axis=-1) / 2, 0.0, 1.0)))


class OpenHoldTracker:
    """The foot held away from rest now, and since when, before any set is named.

    :class:`HoldTracker` needs the set's rest and held levels, which only a
    window analysis that has found the set gives: a set's first reps (and
    every rep while the window has not found the set, or reads it the wrong
    way round) had no hold timer. This one needs no set, no mounting and no
    angle axis: it follows the direction of gravity in the sensor's frame
    (the low-passed accelerometer), sample by sample as the rows come.

    The rest is a still stretch of ``min_rest_s`` (and follows slow changes
    while the foot stays near it); the foot is away once gravity turns
    ``min_angle_deg`` from the rest direction, after at least
    ``min_between_s`` back at rest; the hold runs from where the move in
    ends (the direction turns slower than ``still_dps``); it is over once the
    angle falls below ``release`` of the hold's median angle (the rep's end).
    Away for longer than ``max_hold_s``, or beyond ``max_angle_deg``, is a
    change of posture or a walk, not a rep: the rest is learned anew.

    Parameters
    ----------
    cutoff_hz : float
        Low-pass of the accelerometer (causal, so its last samples are
        as good as the others; as in :class:`HoldTracker`).
    lag_s : float
        The direction's speed is taken over this span (a sample-to-sample
        difference is mostly noise).
    still_dps : float
        Slower than this (deg/s), the direction is still: at rest (to learn
        it) or held (the hold begins); or slower than ``noise_factor`` times
        the median speed of the last ``noise_window_s`` (a noisy sensor's
        still foot turns at 1-2 deg/s), up to ``max_still_dps``.
    noise_factor, noise_window_s, max_still_dps : float
    min_rest_s : float
        A rest is learned from a still stretch this long.
    min_between_s : float
        The foot must be back at rest this long before a new excursion can
        be a hold (the tail of the last one is not).
    min_angle_deg : float
        Away from rest from this angle (the simulator's smallest toe presses
        turn the foot 1 deg; at 0.6 deg, the detector's smallest rep, a
        standing foot's shifts showed twice the false timers and took the
        place of reps: ``benchmarks/live_timer.py``).
    max_angle_deg : float
        Beyond this it is no hold exercise (the simulator's band reps reach 30 deg).
    release : float
        The hold is over once the angle is back below this share of its
        median (the detector's 30 % cut).
    max_hold_s : float
        Longer than this away is a change of posture (``HoldTracker.max_rep_s``).
    rest_tau_s : float
        Time constant (s) with which the rest follows slow changes.

    Attributes
    ----------
    holding_s_ : float or None
        Seconds held so far (None: not holding now).
    since_s_ : float or None
        When the hold began (s, the rows' clock).
    rest_known_ : bool
        Whether it knows the rest now (it does not before a still stretch,
        nor after a change of posture until the next).
    away_ : bool
        Whether the foot is away from that rest now (held or not).
    """

    def __init__(self, cutoff_hz: float = 2.0, lag_s: float = 0.2, still_dps: float = 1.5,
                 min_rest_s: float = 2.0, min_between_s: float = 0.5, min_angle_deg: float = 1.0,
                 max_angle_deg: float = 45.0, release: float = 0.3, max_hold_s: float = 22.0,
                 rest_tau_s: float = 2.0, noise_factor: float = 3.0, max_still_dps: float = 4.0,
                 noise_window_s: float = 10.0):
        self.noise_factor = noise_factor
        self.max_still_dps = max_still_dps
        self.noise_window_s = noise_window_s
        self._noise: list = []         # (end s, median speed) of each update's rows
        self.cutoff_hz = cutoff_hz
        self.lag_s = lag_s
        self.still_dps = still_dps
        self.min_rest_s = min_rest_s
        self.min_between_s = min_between_s
        self.min_angle_deg = min_angle_deg
        self.max_angle_deg = max_angle_deg
        self.release = release
        self.max_hold_s = max_hold_s
        self.rest_tau_s = rest_tau_s
        self._sos = None
        self._first = [np.zeros(0), np.zeros((0, 3))]
        self._rest = None              # rest direction, unit vector (None: not known)
        self._still_from = None        # start (s) of the still stretch a rest is learned from
        self._still_sum = np.zeros(3)
        self._at_rest_from = -np.inf   # when the foot last came back to rest
        # The excursion under way: start (s), hold start (s, None before the
        # move in ends), the hold's angles (deg) so far, whether it may be a hold.
        self._away: list | None = None
        self.holding_s_ = None
        self.since_s_ = None
        self.rest_known_ = False
        self.away_ = False
        # Excursions begun or ended and rests lost so far; the count :meth:`quiet_since` last saw.
        self._changes = 0
        self._seen_changes = -1

    def update(self, t: np.ndarray, acc: np.ndarray) -> OpenHoldTracker:
        """Take the next rows.

        Parameters
        ----------
        t : ndarray, shape (n,)
            Sample times (s), increasing, after the last call's.
        acc : ndarray, shape (n, 3)
            Accelerometer (m/s², sensor frame).
        """
        if self._sos is None:
            # The rate is read from the first rows: kept until there are enough.
            self._first = [np.r_[self._first[0], t], np.r_[self._first[1], acc]]
            t, acc = self._first
            if len(t) < 10:
                return self
            # Designed for the rate rounded to 1 Hz, as in HoldTracker.
            rate_hz = max(round((len(t) - 1) / max(float(t[-1] - t[0]), 1e-9)), 1)
            self._sos = butter_sos(2, min(self.cutoff_hz, 0.495 * rate_hz), rate_hz)
            self._zi = sosfilt_zi(self._sos)[:, :, None] * acc[0]
            k = max(1, int(round(self.lag_s * rate_hz)))
            # Speed over k samples at the nominal rate: time stamps may
            # jitter or repeat (a packet's samples stamped alike).
            self._lag_s = k / rate_hz
            self._tail_u = np.tile(acc[0] / np.linalg.norm(acc[0]), (k, 1))
        if not len(t):
            return self
        a, self._zi = sosfilt(self._sos, acc, axis=0, zi=self._zi)
        u = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-9)
        k = len(self._tail_u)
        uu = np.concatenate([self._tail_u, u])
        speed = _angle_deg(uu[k:], uu[:-k]) / self._lag_s
        self._tail_u = uu[-k:]
        self._noise.append((float(t[-1]), float(np.median(speed))))
        while self._noise[0][0] < t[-1] - self.noise_window_s:
            self._noise.pop(0)
        floor = float(np.median([m for _, m in self._noise]))
        still = speed < np.clip(self.noise_factor * floor, self.still_dps, self.max_still_dps)
        # The state changes a few times a rep: each step takes the rows up to the next change.
        i = 0
        while i < len(t):
            i = self._step(t, u, still, i)
        self.holding_s_ = self.since_s_ = None
        self.rest_known_ = self._rest is not None
        self.away_ = self._away is not None
        away = self._away
        if away is not None and away[1] is not None:
            # Shown until the release is under way (a third of the way back).
            median = np.median(np.concatenate(away[2])) if away[2] else self.min_angle_deg
            if _angle_deg(u[-1], self._rest) >= (1 - self.release) * median:
                self.holding_s_, self.since_s_ = float(t[-1] - away[1]), away[1]
        return self

    def quiet_since(self) -> bool:
        """Whether, since the last call, the foot has begun or ended no excursion from a rest it
        knew throughout (it stayed at rest, or away in one excursion)."""
        quiet = self.rest_known_ and self._changes == self._seen_changes
        self._seen_changes = self._changes
        return quiet

    def _forget_rest(self) -> None:
        self._changes += 1
        self._rest, self._away, self._at_rest_from = None, None, -np.inf
        self._still_from, self._still_sum = None, np.zeros(3)

    def _step(self, t: np.ndarray, u: np.ndarray, still: np.ndarray, i: int) -> int:
        """Follow rows ``i:`` until the state changes; returns the row it changed at (or ``len(t)``)."""
        n = len(t)
        if self._rest is None:
            moving = np.flatnonzero(~still[i:])
            j = i + moving[0] if len(moving) else n
            if j > i:
                if self._still_from is None:
                    self._still_from = float(t[i])
                self._still_sum = self._still_sum + u[i:j].sum(axis=0)
                if t[j - 1] - self._still_from >= self.min_rest_s:
                    self._rest = self._still_sum / np.linalg.norm(self._still_sum)
                    self._at_rest_from = self._still_from
                    self._still_from, self._still_sum = None, np.zeros(3)
                    return j
            if j < n:
                self._still_from, self._still_sum = None, np.zeros(3)
                return j + 1
            return n
        ang = _angle_deg(u[i:], self._rest)
        away = self._away
        if away is None:
            out = np.flatnonzero(ang >= self.min_angle_deg)
            j = i + out[0] if len(out) else n
            # Near rest: the rest follows slow changes, from its still rows
            # (not the start of a move in).
            calm = i + np.flatnonzero(still[i:j])
            if len(calm) > 1:
                w = min(1.0, float(t[calm[-1]] - t[calm[0]]) / self.rest_tau_s)
                rest = (1 - w) * self._rest + w * u[calm].mean(axis=0)
                self._rest = rest / np.linalg.norm(rest)
            if j < n:
                # Too soon after the last excursion, it is that one's tail:
                # followed, never shown, until back at rest.
                self._away = [float(t[j]), None, [], t[j] - self._at_rest_from >= self.min_between_s]
                self._changes += 1
            return j
        if away[1] is None:
            # The move in: it ends once still (a hold), or it goes back
            # (with some hysteresis against noise at the line).
            settled = np.flatnonzero(still[i:] & (ang >= self.min_angle_deg)) if away[3] else []
            back = np.flatnonzero(ang < 0.7 * self.min_angle_deg)
            if len(back) and (not len(settled) or back[0] < settled[0]):
                # A wobble that was never held: still from the same rest.
                self._away = None
                self._changes += 1
                return i + back[0]
            if len(settled):
                away[1] = float(t[i + settled[0]])
                return i + settled[0]
            if ang.max() > self.max_angle_deg or t[-1] - away[0] > self.max_hold_s:
                self._forget_rest()
            return n
        median = np.median(np.concatenate(away[2])) if away[2] else float(ang[0])
        over = np.flatnonzero((ang < self.release * max(median, self.min_angle_deg)) | (ang > self.max_angle_deg))
        j = i + over[0] if len(over) else n
        away[2].append(ang[:j - i])
        if j < n:
            if ang[j - i] > self.max_angle_deg:
                self._forget_rest()
            else:
                self._away, self._at_rest_from = None, float(t[j])
                self._changes += 1
            return j
        if t[-1] - away[0] > self.max_hold_s:
            self._forget_rest()
        return n


def moved(rows: np.ndarray, acc_mps2: float = 0.05, gyr_dps: float = 2.0, block_s: float = 0.25) -> bool:
    """Whether the sensor moved over ``rows`` (t, acc_x..z, gyr_x..z): the spread of its ``block_s`` means.

    Means over a quarter of a second take the sensor's noise down (0.02
    m/s² and 0.1 deg/s per sample on the simulator; 0.05 m/s² on a cheap
    part, whose 0.1 s means still spread by 0.05 m/s² over 3 s) and keep
    the level a rep moves to: the smallest rep the detector counts (0.6 deg
    of foot tilt) shifts gravity across the sensor by 0.1 m/s², twice
    ``acc_mps2``; an unknown gyro offset shifts every mean alike. Too few
    rows to tell count as moved.
    """
    if len(rows) < 2:
        return True
    span = float(rows[-1, 0] - rows[0, 0])
    block = max(1, int(round(block_s * (len(rows) - 1) / max(span, 1e-9))))
    n = len(rows) // block * block
    if n < 2 * block:
        return True
    means = rows[len(rows) - n:, 1:7].reshape(-1, block, 6).mean(axis=1)
    spread = np.ptp(means, axis=0)
    return bool(spread[:3].max() > acc_mps2 or spread[3:].max() > gyr_dps)


def _frame(rows: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(REQUIRED_COLUMNS))


_WORKER: ProcessPoolExecutor | None = None
_WORKER_LOCK = threading.Lock()
_IDS = itertools.count()


def _worker() -> ProcessPoolExecutor:
    """The process every background :class:`LiveAnalyzer` runs its window analyses in.

    A process, not a thread: a thread running the analysis holds the
    interpreter lock most of the time, and the event loop that receives
    the notifications (each a wake-up that must take the lock back) fell
    behind the sensors by seconds on a busy machine, and lost samples
    (``benchmarks/README.md``, issue 13). One process for all of them, one
    analysis at a time: two sensors' analyses at once would only share the
    same cores.
    """
    global _WORKER
    with _WORKER_LOCK:
        if _WORKER is None:
            import multiprocessing

            # spawn: a fork would copy the event loop's threads' locks in
            # whatever state they are.
            _WORKER = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return _WORKER


def _restart_worker() -> None:
    global _WORKER
    with _WORKER_LOCK:
        if _WORKER is not None:
            _WORKER.shutdown(wait=False, cancel_futures=True)
        _WORKER = None


# In the worker process: one analyser per background LiveAnalyzer, by id.
_IN_WORKER: dict = {}


def _window_job(key: int, params: dict, rows: np.ndarray, first: bool) -> tuple:
    """In the worker: append ``rows`` to analyser ``key``'s data, run its window analysis.

    ``first``: the analyser is (re)made from these rows (a new one, or the
    worker restarted). Returns its ``_found``.
    """
    live = _IN_WORKER.get(key)
    if live is None or first:
        live = _IN_WORKER[key] = LiveAnalyzer(**params)
    live.push(rows)
    live._update(live._buf[:live._n])
    return live._found


def _forget(key: int) -> None:
    _IN_WORKER.pop(key, None)


def _forget_later(key: int) -> None:
    """An analyser gone: its copy in the worker too (the rows of a session)."""
    worker = _WORKER
    if worker is not None:
        try:
            worker.submit(_forget, key)
        except RuntimeError:  # shut down (the interpreter exits)
            pass


def rep_ranges_deg(signals: pd.DataFrame, start_s: np.ndarray, end_s: np.ndarray,
                   before_s: float = 1.0) -> np.ndarray:
    """How far the foot moved in each rep (deg): mid-rep angle against the second before it.

    ``start_s``, ``end_s``: the reps' ends (s), shape (k,).
    """
    t = signals["t"].to_numpy()
    ang = signals["elevation_deg"].to_numpy()
    out = np.full(len(start_s), np.nan)
    q = (end_s - start_s) / 4
    lo, hi = np.searchsorted(t, start_s + q), np.searchsorted(t, end_s - q)
    b0, b1 = np.searchsorted(t, start_s - before_s), np.searchsorted(t, start_s)
    for k in range(len(start_s)):  # a window holds a few dozen reps at most
        if hi[k] > lo[k] and b1[k] > b0[k]:
            out[k] = abs(float(np.median(ang[lo[k]:hi[k]]) - np.median(ang[b0[k]:b1[k]])))
    return out


# Evidence that grows as a set goes on: a set under way has few reps, a
# walk under way has lasted a few seconds, whatever it turns out to be.
GROWING_EVIDENCE = ("reps", "duration_s")


def lookalike_passes(fit: SessionAnalyzer, earlier_hidden_ends=(), shown_span: tuple | None = None,
                     threshold: float = THRESHOLD, min_reps_after_hidden: int = 2,
                     max_rep_gap_s: float = 30.0) -> tuple[np.ndarray, np.ndarray]:
    """Per bout of ``fit``, whether the view may show it: its confidence with the mounting
    treated as known, and without the evidence a set under way is still gathering, reaches
    ``threshold``.

    The window is analysed under the mounting found so far, a guess until
    the first walk (the demo's comes at 229 s), where every hold set's
    confidence is low for the mounting alone: gated on that, the view would
    hide the demo's real toe-press set. The look-alike signs alone
    (:attr:`~analysis.confidence.ConfidenceRater.lookalike_`: a rep swinging
    far past its hold, no rest between reps, a heel raise's rise) tell the
    other foot's pencil pickups, shown as pencil sets before, from a set.
    A set's count and a walk's length are left out (a set's first rep is
    shown as it ends), and so is a shank's lean, which is measured in the
    mounting's frame.

    ``earlier_hidden_ends``: ends (s) of sets earlier windows hid so (a
    window may not find a set its neighbours do). Returns the bouts that
    may be shown, and the ends of those the look-alike signs hid.
    ``shown_span``: (start, end) s of a set the view shows and has named
    for good: a bout overlapping it is a re-read of its reps (the window
    re-cuts a set as it slides, and its signs flicker: simulated seed 0's
    toe-press set went off the view for 7-9 s twice), never hidden.
    """
    rater = ConfidenceRater()
    ok = np.ones(len(fit.bouts_), dtype=bool)
    method = fit.mounting_.method
    # Known as a walk finds it, unless declared: one sign of 0.5 (a level
    # step in the set, its direction unclear) keeps a set from counting
    # after a walk (0.45), and kept the demo's pencil set named as the
    # toe-press set before it, which the window re-read with its reps'
    # direction unclear.
    base = MOUNTING_BASE["declared" if method == "declared" else "gait"]
    exercises = fit.bouts_.exercise.to_numpy()
    evidence = [fit.evidence_.get(j, {}) for j in range(len(exercises))]
    for j, exercise in enumerate(exercises):
        ev = {k: v for k, v in evidence[j].items() if k not in GROWING_EVIDENCE}
        rater.rate(exercise, ev, method, fit.placement_, fit.mounting_.confidence)
        ok[j] = base * rater.lookalike_ >= threshold
    b0, b1 = fit.bouts_.start_s.to_numpy(dtype=float), fit.bouts_.end_s.to_numpy(dtype=float)
    if shown_span is not None:
        ok |= (b0 <= shown_span[1]) & (b1 >= shown_span[0])
    # One rep begun within ``max_rep_gap_s`` (reps further apart are sets
    # of their own) of a set hidden so is more likely more of the same than
    # a new set's first rep: the demo's other-foot pickups left a one-rep
    # "toe press" 4 s after them, and standing up from the chair a one-rep
    # "pencil" 21 s after. A second rep makes it a set.
    hidden_ends = b1[~ok]
    ends = np.r_[hidden_ends, np.asarray(earlier_hidden_ends, dtype=float)]
    for j, exercise in enumerate(exercises):
        if ok[j] and exercise in HOLD_EXERCISES and (evidence[j].get("reps") or 0) < min_reps_after_hidden:
            ok[j] = not np.any((ends <= b0[j]) & (ends >= b0[j] - max_rep_gap_s))
    return ok, hidden_ends


def latest_set(fit: SessionAnalyzer) -> tuple[float, float]:
    """Start and end (s) of the latest set in a window's analysis."""
    if not len(fit.bouts_):
        return float("nan"), float("nan")
    k = fit.bouts_.end_s.idxmax()
    return float(fit.bouts_.start_s[k]), float(fit.bouts_.end_s[k])


class LiveAnalyzer:
    """Feed samples, read the live state.

    Two speeds: the session analyser on the trailing window every
    ``update_every_s`` of data (what is counted, what the set is), and a
    :class:`HoldTracker` on the seconds since the set's last counted rep at
    every read of the state (a rep's start, its hold and its end as they
    happen; the window analysis confirms the rep a moment later, or the
    shown rep goes again after ``confirm_s`` without it).

    Parameters
    ----------
    placement : {"foot", "ankle"}
    mounting : str, optional
        Declared mounting; otherwise estimated from the last
        ``mounting_window_s`` of data every ``mounting_every_s`` (stage 1
        alone; the window analysis uses it).
    window_s : float
        Length of the trailing window analysed at each update.
    update_every_s : float
        Data time between window analyses.
    fast_update_every_s : float
        The same while a set of circles or a tiptoe walk is shown (their
        counts come from the window analysis alone).
    confirm_s : float
        A rep the tracker ended and the window analysis has not counted
        this long after its end (in data the window analysis has seen) is
        withdrawn.
    idle_every_s : float
        Data time between window analyses while the sensor has not moved
        (:func:`moved`) for ``settle_s``: more still samples at the window's
        end change no count, so only what time alone changes (a set shown
        as over 15 s after its last rep) waits for the next one.
    settle_s : float
        After the sensor last moved, the window analysis keeps its pace
        this long: the rep detector counts a rep once it has seen the foot
        settle back at rest, and a rep the tracker shows is withdrawn
        ``confirm_s`` after its end unless counted.
    settled_s : float
        Still this long after moving since the last window analysis
        began, the sensor may have ended a rep: the window analysis runs
        then, not at its next ``update_every_s`` (:meth:`_settled`).
    tracked_update_every_s : float
        Data time between window analyses while the tracker follows a hold
        set (it shows the reps as they end; the window analysis still runs
        as the foot settles after each); ``update_every_s`` while the foot
        moves with no rep of the set under way (circles or a walk after it).
    live_circles_per_bout : int
        The window analysis finds a set of circles from this many circles
        on, so the view shows them as they come; one that stops short of
        the closing analysis's ``min_circles_per_bout`` (5) is taken back
        once no circle has come for ``circle_wait_s``.
    background : bool
        Run the window analysis in a worker process (one for every
        analyser of the process, :func:`_worker`; it keeps its own copy of
        the rows, sent as they come) instead of inside :meth:`state`: a
        live session's event loop then never waits for it (a window
        analysis takes 0.1-1 s of CPU, longer on a busy machine, and the
        sensors' notifications queue meanwhile). :meth:`state` starts it
        when due and shows its result from the first read after it ends;
        the rep under way is followed at every read either way. Off, every
        :meth:`state` that is due waits for it (replay at full speed,
        tests: the same data give the same states).
    """

    def __init__(self, placement: str = "foot", mounting: str | None = None, window_s: float = 120.0,
                 update_every_s: float = 2.0, mounting_window_s: float = 600.0,
                 mounting_every_s: float = 30.0,
                 confirm_s: float = 4.0, fast_update_every_s: float = 0.5, idle_every_s: float = 8.0,
                 settle_s: float = 5.0, settled_s: float = 0.75, tracked_update_every_s: float = 4.0,
                 live_circles_per_bout: int = 2, background: bool = False):
        self.placement = placement or "foot"
        self.mounting = mounting
        self.window_s = window_s
        self.update_every_s = update_every_s
        self.mounting_window_s = mounting_window_s
        self.mounting_every_s = mounting_every_s
        self.confirm_s = confirm_s
        self.fast_update_every_s = fast_update_every_s
        self.idle_every_s = idle_every_s
        self.settle_s = settle_s
        self.settled_s = settled_s
        self.tracked_update_every_s = tracked_update_every_s
        self.background = background
        self._params = dict(placement=self.placement, mounting=mounting, window_s=window_s,
                            update_every_s=update_every_s, mounting_window_s=mounting_window_s,
                            mounting_every_s=mounting_every_s, confirm_s=confirm_s,
                            fast_update_every_s=fast_update_every_s, idle_every_s=idle_every_s,
                            settle_s=settle_s, settled_s=settled_s,
                            tracked_update_every_s=tracked_update_every_s,
                            live_circles_per_bout=live_circles_per_bout)
        self._key = next(_IDS)
        self._sent = 0                    # rows the worker process has
        if background:
            weakref.finalize(self, _forget_later, self._key)
            # Started now, not at the first analysis: a new interpreter
            # importing numpy, pandas, scipy and the detectors takes seconds
            # (tens on a busy machine), better spent before the first set.
            _worker().submit(_forget, self._key)
        self._job: Future | None = None
        self._due_from = -np.inf          # data time the last window analysis was due
        self._ran_to = -np.inf            # data time the last window analysis started at
        self._moved_t = -np.inf           # data time of the last check that found the sensor moving
        self._checked_t = -np.inf         # data time up to which that was checked
        # A bout the window finds this soon after the shown set's end is
        # still that set (the window re-cuts and re-names sets as it slides).
        self.same_set_gap_s = 8.0
        # A set's first reps may still rename it (a pencil set's first rep
        # looks like a toe press); from this many reps on its name stays.
        self.name_after_reps = 3
        self._buf = np.zeros((0, 7))
        self._n = 0
        self._last_read = -np.inf
        self._last_mount = -np.inf
        self._mount = None
        # What the last window analysis found, replaced as one tuple (the
        # worker thread writes it, :meth:`state` reads it): the data time it
        # ran to, its state, and the set's (rest, held, matrix, last counted
        # rep's end) for the tracker (None: no hold set under way).
        self._found: tuple[float, LiveState, tuple | None] = (-np.inf, LiveState(), None)
        self._state = LiveState()     # what is shown: that, and the tracker's reps
        self._tracker = HoldTracker()
        self._open = OpenHoldTracker()
        self._open_n = 0                  # rows the open tracker has had
        # Whether the set's tracker follows a hold now. Not the hold shown:
        # the open tracker's holds before a set is named kept the window
        # analysis from running as the foot settled, and named sets 2 s later.
        self._tracked_hold = False
        # Whether the foot moves with no rep of the tracked set under way.
        self._untracked_move = False
        self._set_levels = None       # (rest, held, reps read from, matrix, last rep's end) of the set under way
        self._set_end = None
        self._set_start = None            # start (s) of the set shown, as its first window found it
        # The window of a fast set starts this long before the set.
        self.fast_lead_s = 20.0
        # The window while no set is shown.
        self.search_window_s = 60.0
        # A set of circles is shown from this many circles on, as they come
        # (the closing analysis wants ``_set_circles``, 5: its first four
        # waited for the fifth, 90th pct circle end -> counted 4.4 s), and
        # taken back if it stops short of ``_set_circles`` for ``circle_wait_s``
        # (longer than a slow circle, 4 s).
        self.live_circles_per_bout = live_circles_per_bout
        self._set_circles = SessionAnalyzer().min_circles_per_bout
        self.circle_wait_s = 4.0
        self._closed_end = None
        # Ends (s) of the sets the window hid for their look-alike signs (:func:`lookalike_passes`).
        self._hidden_ends: list = []
        # Ends (s) of the shown hold set's reps, also those the window has left.
        self._set_rep_ends: list = []
        # The hold set the last window called over (state, end, start, rep
        # ends, read), until a window finds a set again.
        self._gone = None
        # Reps ending this soon after the window's start are taken from the
        # earlier windows; a rep's end moved less than ``same_rep_s`` between
        # two windows is the same rep.
        self.edge_s = 20.0
        self.same_rep_s = 1.5

    # -- input -------------------------------------------------------------
    def push(self, rows: np.ndarray) -> None:
        """Append samples, shape (n, ≥7): t, acc_x..z (m/s²), gyr_x..z (deg/s)."""
        rows = np.asarray(rows, dtype=float)[:, :7]
        if not len(rows):
            return
        need = self._n + len(rows)
        if need > len(self._buf):
            grown = np.zeros((max(need, 2 * len(self._buf), 4096), 7))
            grown[:self._n] = self._buf[:self._n]
            self._buf = grown
        self._buf[self._n:need] = rows
        self._n = need

    @property
    def data(self) -> pd.DataFrame:
        return _frame(self._buf[:self._n])

    # -- output ------------------------------------------------------------
    def state(self, force: bool = False) -> LiveState:
        """The live state: the window re-analysed if ``update_every_s`` of data
        came in, the rep under way followed on every new sample."""
        if self._n < 50:
            return self._state
        t_end = self._buf[self._n - 1, 0]
        if t_end == self._last_read and not force:
            return self._state
        self._last_read = t_end
        self._collect()
        # Circles and tiptoe strides have no tracker: while such a set is
        # shown, the window analysis runs at ``fast_update_every_s``.
        # While the tracker follows a hold set, its reps are shown as they
        # end and the window analysis runs when the foot settles (a rep's
        # end, :meth:`_settled`): the regular pace can be slower.
        # (Not while the foot moves with no rep of a set of under two reps under
        # way: circles begun after a false one-rep set waited 4 s for their
        # first count. After a real set, running at the regular pace made
        # benchmarks/live.py's rep ends later, 90th pct 0.69 -> 0.98 s.)
        every = (self.fast_update_every_s if self._found[1].exercise in FAST_EXERCISES
                 else self.tracked_update_every_s if self._found[2] is not None and not (
                     self._untracked_move and len(self._set_rep_ends) < 2)
                 else self.update_every_s)
        due = force or t_end - self._due_from >= every
        if self._job is None and (force or (self._busy(t_end) if due else self._settled(t_end))):
            self._due_from = self._ran_to = t_end
            # Rows [0, n) are never written again (push appends, or copies to
            # a larger buffer), so they may be sent (pickled by the pool's
            # thread) while more come.
            data = self._buf[:self._n]
            if self.background:
                self._job = _worker().submit(_window_job, self._key, self._params,
                                             data[self._sent:], self._sent == 0)
                self._sent = self._n
            else:
                self._update(data)
        self._state = self._follow(t_end)
        return self._state

    def _busy(self, t_end: float) -> bool:
        """Whether a window analysis that is due should run (see ``idle_every_s``).

        Checked on the rows since the last check and the second before
        them (a move across two checks is seen whole).
        """
        t = self._buf[:self._n, 0]
        lo = np.searchsorted(t, self._checked_t - 1.0)
        self._checked_t = t_end
        # With no set shown, what the window can find is a new set: the
        # foot away from its rest and back (a rep's end), or circling or
        # walking (the rest lost). A foot that since the last check stayed
        # within a degree of its rest, or away in the one excursion (a
        # hold: its end is a change), has done neither, however it
        # fidgeted (moved() is true at 91 % of the simulated sessions'
        # checks).
        quiet = self._found[1].exercise is None and self._open.quiet_since()
        if not quiet and moved(self._buf[lo:self._n]):
            self._moved_t = t_end
        if t_end - self._moved_t < self.settle_s or t_end - self._ran_to >= self.idle_every_s:
            return True
        # Not due again before another ``update_every_s`` of data.
        self._due_from = t_end
        return False

    def _settled(self, t_end: float) -> bool:
        """Whether the sensor has just come to rest after moving since the last window analysis began.

        A rep ends so (the foot settles back at rest), and the detector
        counts it from about half a second of that rest on: run then, not at
        the next ``update_every_s`` (the first rep of a set, which the
        tracker cannot follow before the set is known, waited 1-2 s for it).
        The hold's start settles too; that analysis finds nothing new.
        """
        if t_end - self._ran_to < self.settled_s or self._tracked_hold:
            return False  # (settled in a hold the tracker follows: a rep's start)
        t = self._buf[:self._n, 0]
        still_from = np.searchsorted(t, t_end - self.settled_s)
        if moved(self._buf[still_from:self._n]):
            return False
        # (Looking a second further back, for a rep whose end a regular run
        # came 0.1 s after, too early to count it, cut simulated session
        # 16001's first count from 2.1 to 0.9 s but ran the window a third
        # more often: reverted, benchmarks/README.md "live tails".)
        return moved(self._buf[np.searchsorted(t, self._ran_to - self.settled_s):still_from])

    def wait(self) -> LiveAnalyzer:
        """Let a window analysis under way in the worker end, and take its result."""
        if self._job is not None:
            self._job.exception()
        self._collect()
        return self

    def _collect(self) -> None:
        """Take the result of the window analysis in the worker, if it has ended."""
        job = self._job
        if job is None or not job.done():
            return
        self._job = None
        try:
            if self.background:
                self._found = job.result()
            else:
                job.result()
        except BrokenProcessPool:
            # The worker died (killed, out of memory): a new one is given
            # everything again at the next analysis.
            _restart_worker()
            self._sent = 0
            raise

    def _follow(self, t_end: float) -> LiveState:
        """The window analysis's state with the rep under way.

        :class:`HoldTracker` follows it against the set's levels;
        :class:`OpenHoldTracker`, against the foot's own rest, shows a hold
        before any set is named, fills in a rep the set's levels miss, and
        takes back a hold the levels see at the foot's rest.
        """
        last_update, counted, track = self._found
        st = dataclasses.replace(counted, t_s=float(t_end))
        # The foot held away from rest, whatever the set: what is shown
        # while no set is named (or a hold set has no levels yet).
        opened = self._open.update(self._buf[self._open_n:self._n, 0], self._buf[self._open_n:self._n, 1:4])
        self._open_n = self._n
        self._tracked_hold = self._untracked_move = False
        if track is None or st.exercise not in HOLD_TARGET_S:
            if st.exercise is None or st.exercise in HOLD_TARGET_S:
                st.holding_s, st.holding_since_s = opened.holding_s_, opened.since_s_
            return st
        rest, held, matrix, since = track
        t = self._buf[:self._n, 0]
        # A second before the last counted rep's end lets the filter settle;
        # the tracker never looks further back than a long rep.
        lo = np.searchsorted(t, max(since - 1.0, t_end - 2 * self._tracker.max_rep_s))
        tr = self._tracker.track(t[lo:], self._buf[lo:self._n, 1:4], matrix, rest, held, since)
        # Reps the window analysis should have counted by now and did not: withdrawn.
        pending = [r for r in tr.reps_ if last_update - r[1] < self.confirm_s]
        st.holding_s, st.holding_since_s = tr.holding_s_, tr.since_s_
        self._tracked_hold = tr.holding_s_ is not None
        self._untracked_move = tr.under_way_s_ is None and moved(self._buf[np.searchsorted(t, t_end - 1.0):self._n])
        if tr.holding_s_ is not None and opened.rest_known_ and not opened.away_:
            # The set's levels may be read the wrong way round (its rests as
            # the holds) for a while: the foot back at its own rest is not held.
            st.holding_s = st.holding_since_s = None
        elif tr.holding_s_ is None:
            # A rep the set's levels do not see (the set's first, or levels
            # read from too few reps).
            st.holding_s, st.holding_since_s = opened.holding_s_, opened.since_s_
        if pending:
            st.reps += len(pending)
            st.last_hold_s = pending[-1][2]
        return st

    def _update(self, data: np.ndarray) -> None:
        """The window analysis of ``data`` (rows up to now); one at a time."""
        from .threads import one_blas_thread

        with one_blas_thread():
            self._analyse(data)

    def _analyse(self, data: np.ndarray) -> None:
        t = data[:, 0]
        t_end = float(t[-1])
        if self.mounting is None and t_end - self._last_mount >= self.mounting_every_s:
            lo = np.searchsorted(t, t_end - self.mounting_window_s)
            # Stage 1 alone (signals and mounting), not the detectors. Not
            # refitted more rarely once it agrees with itself: an estimate
            # kept for minutes hid the demo's tiptoe walk (it changed when
            # walking came).
            self._mount = SignalExtractor().extract(_frame(data[lo:]), placement=self.placement).signals_.mounting
            self._last_mount = t_end
        old = self._found[1]
        since = t_end - self.window_s
        if old.exercise in FAST_EXERCISES and self._set_start is not None:
            # Analysed twice a second, a set of circles or a tiptoe walk is
            # cut from ``fast_lead_s`` before its start, not the whole
            # window: its count needs the set and some rest before it
            # (circle end -> counted, benchmarks/live.py --part replay:
            # median 0.38 -> 0.23 s, 90th pct 4.36 -> 4.35 s).
            since = max(since, self._set_start - self.fast_lead_s)
        elif old.exercise is None and self._gone is None:
            # No set shown: what the window can find is a set begun
            # within it, the window's first reps or the first not hidden
            # (:func:`lookalike_passes`). The last ``search_window_s`` hold
            # them (five band reps 12 s apart, a toe-press set's first
            # reps) for a third less CPU than 120 s (a detection of 60 s at
            # 200 Hz 23-39 ms, of 120 s 35-44 ms); once shown the set has
            # the whole window again (its count never goes back down).
            since = max(since, t_end - self.search_window_s)
        lo = np.searchsorted(t, since)
        if len(t) - lo < 100:
            self._found = (t_end, *self._found[1:])
            return
        fit = SessionAnalyzer(min_reps_per_bout=1, min_circles_per_bout=self.live_circles_per_bout).detect(
            _frame(data[lo:]), placement=self.placement, mounting=self.mounting,
            known_mounting=None if self.mounting else self._mount)
        named = old.exercise in HOLD_TARGET_S and old.reps >= self.name_after_reps \
            and self._set_start is not None and self._set_end is not None
        shown, hidden = lookalike_passes(fit, self._hidden_ends, (self._set_start, self._set_end) if named else None)
        self._hidden_ends = [e for e in {*self._hidden_ends, *hidden.tolist()} if e > t_end - 2 * self.window_s]
        new = self._summarise(fit, t_end, self._set_circles, self.circle_wait_s, shown)
        if not new.exercise and not old.exercise and self._gone is not None \
                and self._holding(data, self._gone[0], self._gone[4]):
            # A rep of the set the view called over a moment ago (the foot
            # rested more than 15 s): the set is back from its start.
            old, self._set_end, self._set_start, self._set_rep_ends, self._set_levels = self._gone
            self._gone = None
        if not new.exercise and self._holding(data, old, self._set_levels):
            # A band rep held 12 s, 17 s after the last one ended, is still
            # the set: the window calls a set over 15 s after its last rep,
            # and the view showed no set, and the tracker followed nothing,
            # until the rep under way was counted by a later window (its
            # count 0.4-1.7 s after its end, benchmarks/live.py).
            rest, held, _, matrix, since = self._set_levels
            self._found = (t_end, dataclasses.replace(old, t_s=t_end), (rest, held, matrix, since))
            return
        start, end = latest_set(fit)
        gone = self._gone
        if new.exercise in HOLD_TARGET_S and not old.exercise and gone is not None \
                and gone[0].exercise == new.exercise and start <= gone[1] + self.same_set_gap_s:
            # The hold set the view called over is back: the foot rested
            # more than 15 s between two band reps (17 s in simulated
            # session 13), and the set resumed with the next rep. It is the
            # same set (its count, its reps that left the window, its read).
            old, self._set_end, self._set_start, self._set_rep_ends, self._set_levels = gone
        if new.exercise:
            self._gone = None
        same = bool(new.exercise and old.exercise and self._set_end is not None
                    and start <= self._set_end + self.same_set_gap_s)
        if same and old.exercise in HOLD_TARGET_S and new.exercise not in HOLD_TARGET_S \
                and (new.strides or new.circles_cw or new.circles_ccw):
            # A walk or circles after a hold set, counting strides or circles
            # of their own, are a set of their own (sample ankle_9003: a
            # tiptoe walk 40 s after a toe-press set the window read with one
            # rep was shown as that toe-press set).
            same = False
        if not new.exercise and old.exercise in HOLD_TARGET_S:
            self._gone = (old, self._set_end, self._set_start, self._set_rep_ends, self._set_levels)
        if same:
            # Still the same set (it has not started after the last one
            # ended): one exercise per set, whatever the window's analysis
            # calls it meanwhile, and a count shown never goes back down when
            # the window's edge briefly re-cuts the set.
            if old.reps >= self.name_after_reps or old.exercise != new.exercise and not new.reps:
                new.exercise = old.exercise
                new.hold_target_s = old.hold_target_s
            new.reps = max(new.reps, old.reps)
            new.circles_cw = max(new.circles_cw, old.circles_cw)
            new.circles_ccw = max(new.circles_ccw, old.circles_ccw)
            new.strides = max(new.strides, old.strides)
        self._set_end = end if new.exercise else None
        if not same:
            self._set_start = start if new.exercise else None
            self._set_rep_ends = self._window_rep_ends(fit) if new.exercise in HOLD_TARGET_S else []
        track = None
        if not same:
            self._set_levels = None
        if new.exercise in HOLD_TARGET_S and not fit.bouts_.empty:
            k = int(fit.bouts_.end_s.idxmax())
            reps = fit.reps_[fit.reps_.bout == k]
            levels = set_levels(fit.signals_, reps) if len(reps) else None
            if levels is not None:
                # The window may read a set's reps the other way round for a
                # while (its holds as the rests: a rep of the rest between
                # two reps), at its first reps and again mid-set: of two
                # reads that disagree, the set keeps the one made from more
                # reps (the older on a tie), also across windows that gave
                # no levels. A read overruled so is no guide to the rep under
                # way at all (its last "rep" ends as a real one begins): the
                # tracker goes on with the kept read, its frame and its last
                # rep. Which way a read goes is compared in one frame: the
                # mounting estimate may turn the foot's forward axis round
                # between windows, which turns the angle's sign.
                matrix = fit.mounting_.matrix
                ref = self._set_levels
                if ref is not None:
                    turned = np.sign(float(matrix[0] @ ref[3][0])) or 1.0
                    agree = np.sign(levels[1] - levels[0]) * turned == np.sign(ref[1] - ref[0])
                if ref is not None and not agree and len(reps) <= ref[2]:
                    track = (ref[0], ref[1], ref[3], ref[4])
                else:
                    since = float(reps.end_s.max())
                    self._set_levels = (*levels, len(reps), matrix, since)
                    track = (*levels, matrix, since)
                    if same:
                        # (Not from a read overruled so: its reps are the set's rests.)
                        # A window that starts with the data cut no rep.
                        new.reps = max(self._carry_reps(fit, t[lo] if lo else -np.inf), new.reps)
        if not new.exercise:
            # The set the window last saw is over: say what it was, once per set
            # (also when it was never shown, as at --speed max).
            # A set whose end the sliding window re-cuts by a few seconds, or
            # an older set the window falls back on once the last leaves it,
            # is no new set: the analysis of everything (a second or more of
            # CPU on ten minutes of data) ran 31 times for the 5 sets of a
            # simulated 200 Hz session, now 7 times.
            if np.isfinite(end) and (self._closed_end is None
                                     or end > self._closed_end + self.same_set_gap_s):
                self._closed_end = end
                new.last_set = self._closing(data, old)
            else:
                new.last_set = old.last_set
        self._found = (t_end, new, track)

    def _holding(self, data: np.ndarray, old: LiveState, levels: tuple | None) -> bool:
        """Whether hold set ``old``, read as ``levels`` (``_set_levels``), has a rep under way at
        the data's end (:class:`HoldTracker`)."""
        if old.exercise not in HOLD_TARGET_S or levels is None:
            return False
        rest, held, _, matrix, since = levels
        t = data[:, 0]
        lo = np.searchsorted(t, max(since - 1.0, t[-1] - 2 * self._tracker.max_rep_s))
        tr = HoldTracker().track(t[lo:], data[lo:, 1:4], matrix, rest, held, since)
        # Or one that has just ended, that the window does not count yet (it
        # wants the foot settled): a window run as the foot came back from a
        # 14 s band rep called the set over for a moment.
        start = tr.under_way_s_ if tr.under_way_s_ is not None else tr.reps_[0][0] if tr.reps_ else None
        # Begun as soon after the set's last rep as a bout the window finds
        # is still the set: a pencil pickup 10 s after a toe-press set held
        # the toe-press set on the view through the pencil set (demo).
        return start is not None and start - since <= self.same_set_gap_s

    @staticmethod
    def _window_rep_ends(fit: SessionAnalyzer) -> list:
        """Ends (s) of the reps of the window's latest set."""
        if fit.bouts_.empty:
            return []
        k = int(fit.bouts_.end_s.idxmax())
        return sorted(fit.reps_.end_s[fit.reps_.bout == k].astype(float).tolist())

    def _carry_reps(self, fit: SessionAnalyzer, window_start_s: float) -> int:
        """The set's count: its reps that left the window, and the window's own.

        A set longer than the window (a band set of 11 reps 18 s apart
        takes 200 s; the window is 120 s) would otherwise stop counting
        at what the window holds. Reps ending within ``edge_s`` of the
        window's start are taken from earlier windows (the window's edge
        cuts a rep there, or the rest before it), the later ones from this
        one; a rep both have (its end moved by the re-cut) counts once.
        """
        cut = window_start_s + self.edge_s
        carried = [e for e in self._set_rep_ends if e < cut]
        ends = carried + [e for e in self._window_rep_ends(fit)
                          if e >= cut and not any(abs(e - c) < self.same_rep_s for c in carried)]
        self._set_rep_ends = ends
        return len(ends)

    def _closing(self, data: np.ndarray, old: LiveState) -> str:
        """The set that just ended as the closing analysis counts it.

        The window analysis accepts one-rep sets and sees only the window;
        once a set is over, the analysis of everything so far (as
        :meth:`finish` would run it) says what the set was, so the view's
        last word on a set is the closing analysis's.
        """
        lo = np.searchsorted(data[:, 0], data[-1, 0] - self.mounting_window_s)
        fit = SessionAnalyzer().detect(_frame(data[lo:]), placement=self.placement, mounting=self.mounting,
                                       known_mounting=None if self.mounting else self._mount)
        # (A few circles shown as they came and taken back were no set.)
        shown = self._describe(old) if old.exercise and not (
            old.exercise == "ankle_circles" and old.circles_cw + old.circles_ccw < self._set_circles) else None
        if fit.bouts_.empty:
            return shown
        k = int(fit.bouts_.end_s.idxmax())
        st = self._summarise(fit, float(fit.bouts_.end_s[k]))
        return self._describe(st) if st.exercise else shown

    @staticmethod
    def _describe(s: LiveState) -> str:
        """A finished set in a few words (``toe press, 10 reps``)."""
        name = s.exercise.replace("_", " ")
        if s.exercise == "ankle_circles":
            return f"{name}, cw {s.circles_cw} ccw {s.circles_ccw}"
        if s.exercise == "tiptoe_walk":
            return f"{name}, {s.tiptoe_s:.0f} s, {s.strides} strides"
        return f"{name}, {s.reps} reps"

    @staticmethod
    def _summarise(fit: SessionAnalyzer, t_end: float, min_circles: int = 0,
                   circle_wait_s: float = 4.0, shown: np.ndarray | None = None) -> LiveState:
        """The window's latest set as the view shows it.

        ``min_circles``: a set of circles with fewer (the window finds them
        from ``live_circles_per_bout`` on, to show them as they come) that
        has had no circle for ``circle_wait_s`` is no set (the closing
        analysis would not count it): taken back. ``shown``: the bouts that
        may be shown (:func:`lookalike_passes` of ``fit`` by default).
        """
        st = LiveState(t_s=float(t_end))
        bouts = fit.bouts_
        if bouts.empty:
            return st
        # Plain arrays: pandas' row access (itertuples, iterrows, a mask per
        # bout) was a tenth of a window analysis (cProfile, seed 1 at 200 Hz).
        ex = bouts.exercise.to_numpy()
        b0, b1 = bouts.start_s.to_numpy(dtype=float), bouts.end_s.to_numpy(dtype=float)
        reps, circles, strides = fit.reps_, fit.circles_, fit.strides_
        rep_bout = reps.bout.to_numpy(dtype=int)
        r0, r1 = reps.start_s.to_numpy(dtype=float), reps.end_s.to_numpy(dtype=float)
        hold = reps.hold_s.to_numpy(dtype=float)
        circ_bout = circles.bout.to_numpy(dtype=int)
        direction = circles.direction.to_numpy()
        stride_bout = strides.bout.to_numpy(dtype=int)
        held = np.flatnonzero(np.isin(ex[rep_bout], list(HOLD_EXERCISES))) if len(rep_bout) else rep_bout
        if len(held):
            ranges = rep_ranges_deg(fit.signals_, r0[held], r1[held])
            st.rep_events = [(float(r0[i]), float(r1[i]), float(hold[i]), float(g)) for i, g in zip(held, ranges)]
        st.circle_events = list(zip(circles.start_s.to_numpy(dtype=float).tolist(),
                                    circles.end_s.to_numpy(dtype=float).tolist(), direction.tolist()))
        n_strides = np.bincount(stride_bout, minlength=len(ex))
        st.tiptoe_events = [(float(b0[j]), float(b1[j]), int(n_strides[j]))
                            for j in np.flatnonzero(ex == "tiptoe_walk")]
        # A few circles that stopped short of a set are no set; nor is a set
        # whose look-alike signs would keep it from counting (below).
        few = (ex == "ankle_circles") & (np.bincount(circ_bout, minlength=len(ex)) < min_circles) \
            & (t_end - b1 > circle_wait_s) | ~(lookalike_passes(fit)[0] if shown is None else shown)
        if few.all():
            return st
        # The current set: the latest one still going or just finished.
        k = int(np.argmax(np.where(few, -np.inf, b1)))
        st.sets_done = [(ex[j], float(b0[j]), float(b1[j])) for j in range(len(ex)) if j != k and not few[j]]
        if t_end - b1[k] > 15.0:
            st.sets_done.append((ex[k], float(b0[k]), float(b1[k])))
            return st
        st.exercise = ex[k]
        mine = rep_bout == k
        st.reps = int(mine.sum())
        st.hold_target_s = HOLD_TARGET_S.get(ex[k])
        if st.reps:
            st.last_hold_s = float(hold[mine][-1])
        st.circles_cw = int(((circ_bout == k) & (direction == "cw")).sum())
        st.circles_ccw = int(((circ_bout == k) & (direction == "ccw")).sum())
        st.strides = int(n_strides[k])
        if ex[k] == "tiptoe_walk":
            st.tiptoe_s = float(b1[k] - b0[k])
        return st

    def finish(self, recording_metadata: dict | None = None, path: str = "") -> dict:
        """The offline analysis of everything pushed (toehold-analysis/1)."""
        from sensors.recording import as_written, recording_from_arrays

        from .pipeline import analyze_recording

        self.wait()
        meta = {**(recording_metadata or {}), "placement": self.placement}
        rate = meta.get("sample_rate_hz")
        try:
            rate = float(rate) if rate is not None else None
        except (TypeError, ValueError):
            rate = None
        rec = recording_from_arrays(as_written(self.data, rate), meta, path=path)
        return analyze_recording(rec)
