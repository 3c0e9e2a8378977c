"""Live analysis: the session analyser re-run on a trailing window as samples arrive.

Rather than a second, incremental set of detectors that could drift from the
offline ones, the live view runs :class:`~analysis.session.SessionAnalyzer`
on the last ``window_s`` seconds every ``update_every_s`` seconds of data,
and :meth:`LiveAnalyzer.finish` runs it once on everything: the summary at
the end of a live session is, by construction, the offline analysis of the
file that was written.

While a set is under way the live view wants to count its first rep, so the
window analysis accepts sets of one rep; the final analysis applies the
normal rules.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from sensors.contract import HOLD_EXERCISES, REQUIRED_COLUMNS

from .prescription import load as load_prescription
from .session import SessionAnalyzer

# The live view counts holds up to the default (seed) programme's targets.
HOLD_TARGET_S = load_prescription().hold_targets_s()


@dataclasses.dataclass
class LiveState:
    """What the live view shows (all times in s of recording time)."""

    t_s: float = 0.0
    exercise: str | None = None
    reps: int = 0
    last_hold_s: float | None = None
    hold_target_s: float | None = None
    holding_s: float | None = None
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
    t = signals["t"].to_numpy()
    # The angle the reps were measured on.
    ang = signals["tilt_deg" if "tilt_deg" in signals else "elevation_deg"].to_numpy()
    in_rep = np.zeros(len(t), dtype=bool)
    mid = np.zeros(len(t), dtype=bool)
    for r in reps.itertuples():  # a set has a handful of reps
        in_rep |= (t >= r.start_s) & (t <= r.end_s)
        q = (r.end_s - r.start_s) / 4
        mid |= (t >= r.start_s + q) & (t <= r.end_s - q)
    last_end = float(reps.end_s.max())
    between = ~in_rep & (t >= float(reps.start_s.min()) - 3.0) & (t <= last_end)
    if not mid.any() or not between.any():
        return None
    rest, held = np.median(ang[between]), np.median(ang[mid])
    if abs(held - rest) < 1.0:
        return None
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


def rep_ranges_deg(signals: pd.DataFrame, reps: pd.DataFrame, before_s: float = 1.0) -> np.ndarray:
    """How far the foot moved in each rep (deg): mid-rep angle against the second before it."""
    t = signals["t"].to_numpy()
    ang = signals["elevation_deg"].to_numpy()
    out = np.full(len(reps), np.nan)
    for k, r in enumerate(reps.itertuples()):  # a window holds a few dozen reps at most
        q = (r.end_s - r.start_s) / 4
        lo, hi = np.searchsorted(t, [r.start_s + q, r.end_s - q])
        b0, b1 = np.searchsorted(t, [r.start_s - before_s, r.start_s])
        if hi > lo and b1 > b0:
            out[k] = abs(float(np.median(ang[lo:hi]) - np.median(ang[b0:b1])))
    return out


def latest_set(fit: SessionAnalyzer) -> tuple[float, float]:
    """Start and end (s) of the latest set in a window's analysis."""
    if not len(fit.bouts_):
        return float("nan"), float("nan")
    k = fit.bouts_.end_s.idxmax()
    return float(fit.bouts_.start_s[k]), float(fit.bouts_.end_s[k])


class LiveAnalyzer:
    """Feed samples, read the live state.

    Parameters
    ----------
    placement : {"foot", "ankle"}
    mounting : str, optional
        Declared mounting; otherwise estimated from the last
        ``mounting_window_s`` of data every ``mounting_every_s``.
    window_s : float
        Length of the trailing window analysed at each update.
    update_every_s : float
        Data time between updates.
    """

    def __init__(self, placement: str = "foot", mounting: str | None = None, window_s: float = 120.0,
                 update_every_s: float = 0.5, mounting_window_s: float = 600.0,
                 mounting_every_s: float = 30.0):
        self.placement = placement or "foot"
        self.mounting = mounting
        self.window_s = window_s
        self.update_every_s = update_every_s
        self.mounting_window_s = mounting_window_s
        self.mounting_every_s = mounting_every_s
        # A bout the window finds this soon after the shown set's end is
        # still that set (the window re-cuts and re-names sets as it slides).
        self.same_set_gap_s = 8.0
        # A set's first reps may still rename it (a pencil set's first rep
        # looks like a toe press); from this many reps on its name stays.
        self.name_after_reps = 3
        self._buf = np.zeros((0, 7))
        self._n = 0
        self._last_update = -np.inf
        self._last_mount = -np.inf
        self._mount = None
        self._state = LiveState()
        self._set_end = None
        self._closed_end = None

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
        return pd.DataFrame(self._buf[:self._n], columns=list(REQUIRED_COLUMNS))

    # -- output ------------------------------------------------------------
    def state(self, force: bool = False) -> LiveState:
        """The live state, re-analysed if ``update_every_s`` of data came in."""
        if self._n < 50:
            return self._state
        t_end = self._buf[self._n - 1, 0]
        if not force and t_end - self._last_update < self.update_every_s:
            return self._state
        from .pipeline import one_blas_thread

        with one_blas_thread():
            return self._update(t_end)

    def _update(self, t_end: float) -> LiveState:
        self._last_update = t_end
        t = self._buf[:self._n, 0]
        if self.mounting is None and t_end - self._last_mount >= self.mounting_every_s:
            lo = np.searchsorted(t, t_end - self.mounting_window_s)
            fit = SessionAnalyzer().detect(self._frame(lo), placement=self.placement)
            self._mount = fit.mounting_
            self._last_mount = t_end
        lo = np.searchsorted(t, t_end - self.window_s)
        if self._n - lo < 100:
            return self._state
        fit = SessionAnalyzer(min_reps_per_bout=1).detect(
            self._frame(lo), placement=self.placement, mounting=self.mounting,
            known_mounting=None if self.mounting else self._mount)
        new = self._summarise(fit, t_end)
        old = self._state
        start, end = latest_set(fit)
        if new.exercise and old.exercise and self._set_end is not None \
                and start <= self._set_end + self.same_set_gap_s:
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
        if not new.exercise:
            # The set the window last saw is over: say what it was, once per set
            # (also when it was never shown, as at --speed max).
            if np.isfinite(end) and end != self._closed_end:
                self._closed_end = end
                new.last_set = self._closing(old)
            else:
                new.last_set = old.last_set
        self._state = new
        return self._state

    def _closing(self, old: LiveState) -> str:
        """The set that just ended as the closing analysis counts it.

        The window analysis accepts one-rep sets and sees only the window;
        once a set is over, the analysis of everything so far (as
        :meth:`finish` would run it) says what the set was, so the view's
        last word on a set is the closing analysis's.
        """
        t = self._buf[:self._n, 0]
        lo = np.searchsorted(t, t[-1] - self.mounting_window_s)
        fit = SessionAnalyzer().detect(self._frame(lo), placement=self.placement, mounting=self.mounting,
                                       known_mounting=None if self.mounting else self._mount)
        if fit.bouts_.empty:
            return self._describe(old) if old.exercise else None
        k = int(fit.bouts_.end_s.idxmax())
        st = self._summarise(fit, float(fit.bouts_.end_s[k]))
        return self._describe(st) if st.exercise else (self._describe(old) if old.exercise else None)

    @staticmethod
    def _describe(s: LiveState) -> str:
        """A finished set in a few words (``toe press, 10 reps``)."""
        name = s.exercise.replace("_", " ")
        if s.exercise == "ankle_circles":
            return f"{name}, cw {s.circles_cw} ccw {s.circles_ccw}"
        if s.exercise == "tiptoe_walk":
            return f"{name}, {s.tiptoe_s:.0f} s, {s.strides} strides"
        return f"{name}, {s.reps} reps"

    def _frame(self, lo: int) -> pd.DataFrame:
        return pd.DataFrame(self._buf[lo:self._n], columns=list(REQUIRED_COLUMNS))

    @staticmethod
    def _summarise(fit: SessionAnalyzer, t_end: float) -> LiveState:
        st = LiveState(t_s=float(t_end))
        bouts = fit.bouts_
        if bouts.empty:
            return st
        held = fit.reps_[fit.reps_.bout.isin(np.flatnonzero(bouts.exercise.isin(list(HOLD_EXERCISES))))]
        if len(held):
            ranges = rep_ranges_deg(fit.signals_, held)
            st.rep_events = [(float(r.start_s), float(r.end_s), float(r.hold_s), float(g))
                             for r, g in zip(held.itertuples(), ranges)]
        st.circle_events = [(float(c.start_s), float(c.end_s), c.direction) for c in fit.circles_.itertuples()]
        for j, other in bouts.iterrows():
            if other.exercise == "tiptoe_walk":
                st.tiptoe_events.append((float(other.start_s), float(other.end_s),
                                         int((fit.strides_.bout == j).sum())))
        # The current set: the latest one still going or just finished.
        k = int(bouts.end_s.idxmax())
        b = bouts.loc[k]
        for j, other in bouts.iterrows():
            if j != k:
                st.sets_done.append((other.exercise, float(other.start_s), float(other.end_s)))
        if t_end - b.end_s > 15.0:
            st.sets_done.append((b.exercise, float(b.start_s), float(b.end_s)))
            return st
        st.exercise = b.exercise
        reps = fit.reps_[fit.reps_.bout == k]
        st.reps = len(reps)
        st.hold_target_s = HOLD_TARGET_S.get(b.exercise)
        if len(reps):
            st.last_hold_s = float(reps.hold_s.iloc[-1])
        circ = fit.circles_[fit.circles_.bout == k]
        st.circles_cw = int((circ.direction == "cw").sum())
        st.circles_ccw = int((circ.direction == "ccw").sum())
        strides = fit.strides_[fit.strides_.bout == k]
        st.strides = len(strides)
        if b.exercise == "tiptoe_walk":
            st.tiptoe_s = float(b.end_s - b.start_s)
        if len(reps) and b.exercise in HOLD_TARGET_S:
            st.holding_s = holding_now(fit.signals_, reps, t_end)
        return st

    def finish(self, recording_metadata: dict | None = None, path: str = "") -> dict:
        """The offline analysis of everything pushed (toehold-analysis/1)."""
        from sensors.recording import as_written, recording_from_arrays

        from .pipeline import analyze_recording

        meta = {**(recording_metadata or {}), "placement": self.placement}
        rate = meta.get("sample_rate_hz")
        try:
            rate = float(rate) if rate is not None else None
        except (TypeError, ValueError):
            rate = None
        rec = recording_from_arrays(as_written(self.data, rate), meta, path=path)
        return analyze_recording(rec)
