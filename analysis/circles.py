"""Ankle circles: each revolution of the toes, its direction and its size.

With ``ω`` the foot's angular rate in the foot frame, the toe tip (at unit
distance along the foot's x axis) moves across the foot with velocity
``ḋ = ω × x̂ = (0, ω_z, −ω_y)`` (degrees of foot tilt per second). The
contract's direction is the sign of ``(d × ḋ) · x = d_y ḋ_z − d_z ḋ_y``,
positive for ``ccw``, with ``d`` the toe's displacement from the centre it
circles.

Turns are counted on the *direction of motion* of the toe (the angle of
``ḋ``, its hodograph), not on ``d``: while the toe goes once round any
closed loop that does not cross itself, its direction of motion turns by
exactly one full turn, the same way as ``d`` goes round (so the sign gives
the contract's direction), whatever the loop's size, ellipticity and
orientation, however unevenly it is drawn, and without estimating the
loop's centre (which drifts with the leg, and which a slow or lopsided
circle puts off where it really is). Raising the leg, settling it, pointing
the toes or a knee bob go back and forth along a line and turn it by
nothing on average, and a pause turns it by nothing at all. Each full 2π is
one circle; the circle's size is its path's length over π (the mean width
of a loop, its diameter when round).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.ndimage import uniform_filter1d

from .gait import runs
from .preprocess import butter_filtfilt, running_mean
from .reps import _median, _span_medians

CIRCLE_COLUMNS = ["start", "stop", "direction", "size_deg"]


def _window_mean(x: np.ndarray, half: np.ndarray) -> np.ndarray:
    """Centred mean of ``x`` (n, k) over ``2·half+1`` samples, ``half`` per sample."""
    pad = int(half.max())
    # Summed straight into the table (row 0 stays 0) and divided in place: on
    # a day the copies of (n, k) arrays here were the analysis's memory peak.
    c = np.zeros((len(x) + 2 * pad + 1, x.shape[1]))
    np.cumsum(np.concatenate([np.repeat(x[:1], pad, 0), x, np.repeat(x[-1:], pad, 0)]), axis=0, out=c[1:])
    # Row indices as int32 (a day has 4.3 M rows) and one column at a time:
    # half the size of the index and gather temporaries.
    i = np.arange(pad, len(x) + pad, dtype=np.int32)
    half = half.astype(np.int32)
    hi, lo = i + half + 1, i - half
    del i
    out = np.empty((len(x), x.shape[1]))
    for k in range(x.shape[1]):
        col = c[:, k]
        out[:, k] = col[hi]
        out[:, k] -= col[lo]
    out /= (2 * half + 1)[:, None]
    return out


class CircleDetector:
    """Count ankle circles in the foot-frame angular rate.

    Parameters
    ----------
    max_hz : float
        Low-pass of the toe velocity: a turn takes 0.4 s or longer.
    period_range_s : tuple of float
        Shortest and longest time a turn may take.
    min_size_deg : float
        Smaller toe paths (mean diameter, deg of foot tilt) are not circles.
    min_turns : float
        A run of steady rotation must make at least this many turns.
    min_turn_rate : float
        Circling is where the toes' direction of motion turns steadily one
        way, on average over two seconds at least this many turns per
        slowest turn time (a there-and-back scores about 0).
    moving_frac : float
        The toes' direction of motion counts while they move at least this
        share of the run's median speed (at a standstill it is noise).
    end_frac, steady_frac : float
        A run's turns are counted from where the toes first move at
        ``end_frac`` of its median speed while their direction of motion
        turns at ``steady_frac`` of its median rate (over 0.2 s, at least
        3 samples), to where they last do: moving out from neutral goes
        straight, and joining the circle swings the direction round while
        the toes stop and start.
    max_pause_s : float
        A pause this long or shorter, between turning the same way, does
        not end a set.
    max_pause_path_frac : float
        ... when the toes go in it at most this share of the path of a turn
        of the circling either side of it.
    min_lost_speed_frac : float
        A turn of k times the run's path and time (k >= 2) is k circles whose turns
        the direction of motion lost when it went at least this share of the
        run's speed (a pause, the toes swaying, goes slower) ...
    max_size_mad_frac : float
        ... among turns whose sizes' median absolute deviation is at most this
        share of their median (circling, not fidgeting).
    min_turn_size_frac : float
        A first or last turn smaller than this share of the run's median
        size is dropped (the direction of motion spun while the toes barely
        moved).
    max_end_turn_ratio : float
        So is a first or last turn that took longer than this many times the
        run's median turn (runs of four turns or more), unless the set slowed
        down to it: the next turn inward is not that long, this one not that
        many times the next one, and its size within ``max_trend_size_ratio``
        of the run's median either way.
    max_end_size_ratio : float
        So is a first or last turn with a path this many times the run's
        median or more (the leg's settling swing).
    min_speed_dps : float
        Slower toes (deg/s of tilt) are standing still: their direction of
        motion is noise (a 3° circle in 3 s moves at 3 deg/s).
    max_bridged_gap_s : float
        Recording gaps shorter than this (interpolated upstream) do not end a
        run of turns; longer ones do.
    last_turn_slack : float
        A last turn this close to complete counts (the path's ends, where
        the toes leave and rejoin neutral, are trimmed).
    min_stop_s, max_straight_turns : float
        Beyond a stop this long or longer at either end of a run's circling,
        a move whose direction of motion turns less than this many turns
        (the toes going back to neutral, the leg lowered) is not circling.
    min_reversal_deg, min_straightness : float
        ... nor, beyond a reversal of the direction of motion by this many
        degrees or more, a move as straight as this (net over path).
    """

    def __init__(self, max_hz: float = 4.0, period_range_s: tuple[float, float] = (0.3, 4.0),
                 min_size_deg: float = 1.5, min_turns: float = 1.0, min_turn_rate: float = 0.5,
                 moving_frac: float = 0.2, end_frac: float = 0.7, last_turn_slack: float = 0.45,
                 max_bridged_gap_s: float = 1.0, max_pause_s: float = 5.0, min_speed_dps: float = 0.5,
                 steady_frac: float = 0.3, min_turn_size_frac: float = 0.3,
                 max_end_turn_ratio: float = 1.8, max_pause_path_frac: float = 0.8,
                 min_lost_speed_frac: float = 0.6, max_size_mad_frac: float = 0.2,
                 max_end_size_ratio: float = 2.5, min_stop_s: float = 0.3,
                 max_straight_turns: float = 0.25, min_reversal_deg: float = 150.0,
                 min_straightness: float = 0.97, max_trend_size_ratio: float = 1.5):
        self.max_trend_size_ratio = max_trend_size_ratio
        self.min_straightness = min_straightness
        self.min_reversal_deg = min_reversal_deg
        self.min_stop_s = min_stop_s
        self.max_straight_turns = max_straight_turns
        self.max_end_size_ratio = max_end_size_ratio
        self.min_lost_speed_frac = min_lost_speed_frac
        self.max_size_mad_frac = max_size_mad_frac
        self.max_pause_path_frac = max_pause_path_frac
        self.max_end_turn_ratio = max_end_turn_ratio
        self.steady_frac = steady_frac
        self.min_turn_size_frac = min_turn_size_frac
        self.min_speed_dps = min_speed_dps
        self.max_hz = max_hz
        self.period_range_s = period_range_s
        self.min_size_deg = min_size_deg
        self.min_turns = min_turns
        self.min_turn_rate = min_turn_rate
        self.moving_frac = moving_frac
        self.end_frac = end_frac
        self.last_turn_slack = last_turn_slack
        self.max_bridged_gap_s = max_bridged_gap_s
        self.max_pause_s = max_pause_s

    # ------------------------------------------------------------------
    def toe_velocity(self, gyr_foot_dps: np.ndarray, sampling_rate_hz: float) -> np.ndarray:
        """Toe-tip velocity across the foot (deg/s), shape (n, 2): (ḋ_y, ḋ_z)."""
        if len(gyr_foot_dps) > 30 and self.max_hz < sampling_rate_hz / 2:
            # The two columns written as the rows the filter runs along (it
            # filters an (n, 2) array's transpose): the same values as the
            # stacked (n, 2) array, without interleaving a day's samples.
            rows = np.empty((2, len(gyr_foot_dps)))
            rows[0] = gyr_foot_dps[:, 2]
            np.negative(gyr_foot_dps[:, 1], out=rows[1])
            return butter_filtfilt(rows.T, 2, self.max_hz, sampling_rate_hz)
        return np.stack([gyr_foot_dps[:, 2], -gyr_foot_dps[:, 1]], axis=1, dtype=float)

    def turn_rate(self, v: np.ndarray, sampling_rate_hz: float, ang: np.ndarray | None = None) -> np.ndarray:
        """Signed rate (rad/s) at which the toes' direction of motion turns.

        The increments of the velocity's direction, weighted by the squared
        speed and averaged over two seconds (half the slowest turn): a pause
        (speed near zero, direction noise) or a reversal (a half-turn jump
        at near-zero speed) weighs next to nothing. ``ang``: the velocity's
        direction, ``arctan2(v[:, 1], v[:, 0])``, when the caller has it.
        """
        if ang is None:
            ang = np.arctan2(v[:, 1], v[:, 0])
        step = np.angle(np.exp(1j * np.diff(ang, prepend=ang[:1])))
        # Each row's two squares added (np.sum's value for two), without
        # an (n, 2) temporary and a reduction along rows of two.
        w = v[:, 0] * v[:, 0]
        w += v[:, 1] * v[:, 1]
        w = np.minimum(w, np.roll(w, 1))
        win = max(3, int(self.period_range_s[1] * 0.5 * sampling_rate_hz))
        num = running_mean(step * w, win)  # scipy's uniform_filter1d, mode "nearest", to the bit
        den = running_mean(w, win)
        return num / np.maximum(den, 1e-9) * sampling_rate_hz

    def toe_displacement(self, gyr_foot_dps: np.ndarray, sampling_rate_hz: float) -> np.ndarray:
        """Toe displacement (deg of tilt) about the centre it circles, shape (n, 2).

        The integral of the toe velocity drifts, so its centre is taken out
        as the mean over exactly one local turn (the mean of a closed path
        over one turn is inside it, whatever its speed or shape, and a
        slow drift cancels), with the turn's time from :meth:`turn_rate`.
        """
        v = self.toe_velocity(gyr_foot_dps, sampling_rate_hz)
        return self._displacement(v, self.turn_rate(v, sampling_rate_hz), sampling_rate_hz)

    def _period(self, rate: np.ndarray) -> np.ndarray:
        """Local time of one turn (s) from the turning rate."""
        lo, hi = self.period_range_s
        period = 1 / np.clip(np.abs(rate) / (2 * np.pi), 1 / hi, 1 / lo)
        # Where nothing circles the period is meaningless: use a short one
        # there so a big move (lowering the leg) disturbs only its own time.
        return np.where(np.abs(rate) * hi / (2 * np.pi) < self.min_turn_rate * 0.5, 1.0, period)

    def _half_turn(self, rate: np.ndarray, sampling_rate_hz: float) -> np.ndarray:
        return np.round(self._period(rate) * sampling_rate_hz / 2)

    def _displacement(self, v: np.ndarray, rate: np.ndarray, sampling_rate_hz: float) -> np.ndarray:
        # In place: on a day these (n, 2) copies were the analysis's memory peak.
        cum = np.cumsum(v, axis=0)
        cum /= sampling_rate_hz
        cum -= _window_mean(cum, self._half_turn(rate, sampling_rate_hz))
        return cum

    # ------------------------------------------------------------------
    def detect(self, gyr_foot_dps: np.ndarray, sampling_rate_hz: float,
               valid: np.ndarray | None = None) -> CircleDetector:
        """Find circles.

        Parameters
        ----------
        gyr_foot_dps : ndarray, shape (n, 3)
            Bias-free angular rate in the foot frame (deg/s).
        sampling_rate_hz : float
        valid : ndarray of bool, optional
            False in recording gaps: a circle cannot be counted across a long one.

        Attributes
        ----------
        circles_ : DataFrame
            ``start``, ``stop`` (sample indices), ``direction`` and
            ``size_deg`` (mean diameter of the toe path over the turn, deg)
            per circle.
        phase_ : ndarray
            Unwrapped phase of the toe path (rad), rising for ccw (computed
            when first read, from the velocity and turning rate kept until then).
        radius_ : ndarray
            Distance of the toe from the centre it circles (deg; likewise).
        """
        n = len(gyr_foot_dps)
        self._path = None
        self._phase_radius = (np.zeros(n), np.zeros(n))
        self.circles_ = pd.DataFrame(columns=CIRCLE_COLUMNS)
        self.runs_ = []
        if n < 3:
            return self
        v = self.toe_velocity(gyr_foot_dps, sampling_rate_hz)
        ang = np.arctan2(v[:, 1], v[:, 0])
        rate = self.turn_rate(v, sampling_rate_hz, ang)
        # The toe path (phase_, radius_) is not what circles are counted on:
        # computed when first read (a day's displacement, its phase and
        # radius were a third of this detector's time and its memory peak).
        self._path, self._phase_radius = (v, rate, sampling_rate_hz), None
        ok = np.ones(n, dtype=bool)
        if valid is not None:
            # A few lost packets (interpolated upstream) do not stop the foot;
            # only a long gap, where the motion cannot be followed, ends a run.
            for a, b in zip(*runs(~valid)):
                if (b - a) / sampling_rate_hz >= self.max_bridged_gap_s:
                    ok[a:b] = False
        speed = np.hypot(v[:, 0], v[:, 1])
        # Steady turning: at least min_turn_rate turns per slowest turn time.
        min_rate = self.min_turn_rate * 2 * np.pi / self.period_range_s[1]
        rows, spans = [], {}
        for sign in (1, -1):
            turning = ok & (sign * rate > min_rate)
            # A pause mid-set (the toes stopped, so the turning rate is
            # undefined) does not end it when the same turning resumes.
            s_idx, e_idx = runs(turning)
            # How far a turn of each run goes (its median speed over its median
            # rate), each run's once: a day holds tens of thousands of short
            # runs, and two np.median calls per run and side were a third of
            # this detector's time (pyinstrument, benchmarks/README.md).
            offsets = np.r_[0, np.cumsum(e_idx - s_idx)]
            run_path = (_span_medians(speed[turning], offsets, None) * 2 * np.pi
                        / np.maximum(_span_medians(np.abs(rate[turning]), offsets, None), 1e-9))
            for k, (a, b) in enumerate(zip(e_idx[:-1], s_idx[1:])):
                # A pause, or the slow side of a slow loop, goes a short way:
                # toes moving without turning (pointing them, the leg's raise
                # or bob) as far as a turn of the circling either side are
                # not circling, and bridging them made the lead-in part of the
                # first turn, which was then dropped as too slow (simulator
                # hard seed 16: 15 circles read as 14; measured on tuning
                # seeds: such moves 1.0-10 turns' path, gaps inside sets 0.65 at most).
                turn_path = max(run_path[k], run_path[k + 1])
                short = speed[a:b].sum() / sampling_rate_hz <= self.max_pause_path_frac * turn_path
                if (b - a) / sampling_rate_hz <= self.max_pause_s and ok[a:b].all() and short and \
                        np.all(np.abs(rate[a:b]) <= min_rate):
                    turning[a:b] = True
            # The averaged rate lags where circling starts and ends next to
            # a quick straight move (the move out to a slow, small circle
            # outweighs its first turn in the speed²-weighted mean: simulator
            # clean seed 41, the first of 4 circles lost once that move no
            # longer bridged): each run is looked at up to half the rate's
            # window earlier, not into other turning, and its circling found
            # there by speed and steady turning (``_count``). (Later too
            # miscounted slow and small sets' last turns: tests/test_circles.py.)
            free = ok & (np.abs(rate) <= min_rate)
            reach = int(self.period_range_s[1] * 0.25 * sampling_rate_hz)
            spans[sign] = []
            for s, e in zip(*runs(turning)):
                s -= int(np.argmin(free[max(s - reach, 0):s][::-1])) if not free[max(s - reach, 0):s].all() \
                    else s - max(s - reach, 0)
                spans[sign].append([s, e])
        def count(sign, s, e):
            direction = "ccw" if sign > 0 else "cw"
            found = self._count(ang[s:e], speed[s:e], sign, direction, s, sampling_rate_hz)
            return found, {"start": int(s), "stop": int(e), "direction": direction, "circles": len(found), **self._why}

        counted = {sign: [count(sign, s, e) for s, e in spans[sign]] for sign in spans}
        for sign, i, s, e in self._meet_at_reversals(spans, counted, ang, speed, free, reach, sampling_rate_hz):
            counted[sign][i] = count(sign, s, e)
        for sign in (1, -1):
            for found, why in counted[sign]:
                self.runs_.append(why)
                rows += found
        self.circles_ = pd.DataFrame(rows, columns=CIRCLE_COLUMNS).sort_values("start", ignore_index=True)
        return self

    def _meet_at_reversals(self, spans: dict, counted: dict, ang: np.ndarray, speed: np.ndarray,
                           free: np.ndarray, reach: int, sampling_rate_hz: float, tol_turns: float = 0.05,
                           max_stop_s: float = 0.6, min_circles: int = 2, min_turned: float = 0.25) -> list:
        """Runs one way that meet runs the other way, grown to where the toes reverse.

        Where the toes reverse and circle the other way at once, the
        averaged rate crosses zero up to half its window off the reversal
        (toward the smaller, slower circling), and the run that ends or
        starts there lost a turn (benchmarks/circles.py "direct switch").
        Within ``reach`` of the meeting point the toes' own direction of
        motion, at circling speed, turns the first way, then the other: the
        runs meet where the toes are slowest while that turning is within
        ``tol_turns`` of its peak (each grown by at most ``reach``), when
        they go under circling speed there and the first and the last time
        that turning is near its peak are each at most
        ``max_stop_s`` apart and the toes turned ``min_turned`` of a turn
        each way either side (within twice ``reach``). A move back to
        neutral and out again goes straight: that turning stays level
        longer, and both runs are left where they were. So are runs of
        fewer than ``min_circles`` circles (``counted``: ``_count``'s
        circles per span): a loop of the leg settling is no circling to
        reverse from (it took the first circle's turn into the lead-in:
        benchmarks/circles.py "small", tuning seed 3). Spans only grow:
        ``_count`` finds the circling inside them.

        Returns
        -------
        list of tuple
            ``(sign, index, start, stop)`` of each span grown (``spans``, by
            direction sign, updated in place).
        """
        n = len(ang)
        starts = {s: (sign, i) for sign in spans for i, (s, _) in enumerate(spans[sign])}
        grown = set()
        for sign in spans:
            for i, (_, e) in enumerate(list(spans[sign])):
                # The other way's run starting where this one ends (only rate under min_rate between).
                nxt = [s for s in range(e, min(e + reach, n) + 1) if s in starts and starts[s][0] == -sign]
                if not nxt or not free[e:nxt[0]].all():
                    continue
                s2 = nxt[0]
                j = starts[s2][1]
                if min(len(counted[sign][i][0]), len(counted[-sign][j][0])) < min_circles:
                    continue
                # Looked at over the whole window either side, grown by half.
                lo, hi = max(e - 2 * reach, 0), min(s2 + 2 * reach, n)
                v = speed[lo:hi]
                # At the circling's speed (the slower way's, from its circles'
                # paths and times) only: at a standstill the direction is
                # noise, and a slow move back to neutral is no circling.
                typical = min(np.median([np.pi * c[3] / max(c[1] - c[0], 1) for c in counted[k][x][0]])
                              for k, x in ((sign, i), (-sign, j))) * sampling_rate_hz
                fast = v >= max(self.end_frac * typical, self.min_speed_dps)
                both = fast & np.r_[False, fast[:-1]]
                step = np.angle(np.exp(1j * np.diff(ang[lo:hi], prepend=ang[lo])))
                c = np.cumsum(sign * step * both)
                near_peak = np.flatnonzero(c >= c.max() - 2 * np.pi * tol_turns)
                a, b = int(near_peak[0]), int(near_peak[-1])
                turned = min(c[a] - c[:a + 1].min(), c[b] - c[b:].min()) / (2 * np.pi)
                if b - a > max_stop_s * sampling_rate_hz or turned < min_turned:
                    continue
                # The toes stop where they reverse, but only for a moment: a
                # longer stop is a pause between the directions.
                r = a + int(np.argmin(v[a:b + 1]))
                slow_from = r - int(np.argmax(np.r_[fast[:r + 1][::-1], True]))
                slow_to = r + int(np.argmax(np.r_[fast[r:], True]))
                if slow_to - slow_from > max_stop_s * sampling_rate_hz:
                    continue
                rev = lo + r
                end = min(max(e, rev + 1), e + reach)
                start = max(min(s2, rev), s2 - reach)
                if end > e:
                    spans[sign][i][1] = end
                    grown.add((sign, i))
                if start < s2:
                    spans[-sign][j][0] = start
                    grown.add((-sign, j))
        return [(sign, i, *spans[sign][i]) for sign, i in sorted(grown)]

    @property
    def phase_(self) -> np.ndarray:
        return self._toe_path()[0]

    @property
    def radius_(self) -> np.ndarray:
        return self._toe_path()[1]

    def _toe_path(self) -> tuple[np.ndarray, np.ndarray]:
        if self._phase_radius is None:
            d = self._displacement(*self._path)
            self._phase_radius = (np.unwrap(np.arctan2(d[:, 1], d[:, 0])), np.hypot(d[:, 0], d[:, 1]))
            self._path = None
        return self._phase_radius

    @staticmethod
    def _turns(ang: np.ndarray, moving: np.ndarray, sign: int, s: int, e: int) -> np.ndarray:
        """Turns of the direction of motion from ``s`` at each sample to ``e``, never decreasing.

        Across a slow stretch (the toes nearly stop where the path bends
        most, or pause) the direction still turned: its change is taken from
        the last moving sample to the next.
        """
        idx = s + np.flatnonzero(moving[s:e])
        inc = np.zeros_like(ang[s:e])
        inc[idx[1:] - s] = np.angle(np.exp(1j * np.diff(ang[idx])))
        turns = np.cumsum(sign * inc) / (2 * np.pi)
        return np.maximum.accumulate(turns)

    def _count(self, ang: np.ndarray, speed: np.ndarray, sign: int, direction: str, offset: int,
               sampling_rate_hz: float):
        """The full turns of one run of steady rotation.

        The turns are those of the toes' direction of motion (its angle
        ``ang``, rad), followed from moving sample to moving sample (a
        direction at a standstill is noise) between the circling's ends.
        """
        # Why the run counted what it did (``runs_``: benchmarks/circle_sessions.py prints it).
        self._why = {"turns": 0.0, "why": "no motion"}
        # The run's circling speed: the stretch of it where the toes move at all.
        moves = speed >= self.min_speed_dps
        if moves.sum() < 3:
            return []
        typical = _median(speed[moves])
        moving = speed >= max(self.moving_frac * typical, self.min_speed_dps)
        # Where the circling starts and ends: the toes move at circling
        # speed and their direction of motion turns steadily (over 0.2 s,
        # between moving samples). Moving out from neutral goes straight;
        # joining the circle swings the direction round while the toes stop
        # and start, which is not a turn of the circle.
        both = moving & np.r_[False, moving[:-1]]
        if not both.any():  # no two moving samples running: no direction of motion to follow
            return []
        step = np.angle(np.exp(1j * np.diff(ang, prepend=ang[:1])))
        turning = uniform_filter1d(sign * step * both, max(3, int(0.2 * sampling_rate_hz)), mode="nearest")
        steady = _median(turning[both])
        core = np.flatnonzero((speed >= self.end_frac * typical) & (turning >= self.steady_frac * steady))
        if not len(core) or steady <= 0:
            return []
        s, e = int(core[0]), int(core[-1]) + 1
        s, e = self._trim_straight_ends(core, s, e, ang, speed, sign * step * both, moving, sampling_rate_hz)
        turns = self._turns(ang, moving, sign, s, e)
        n = int(np.floor(turns[-1] + self.last_turn_slack))
        self._why = {"turns": float(turns[-1]), "why": "under min_turns"}
        if n < self.min_turns:
            return []
        # The first turn began before the steady core when the toes joined
        # the circle on the slow side of an uneven loop (below ``end_frac``
        # of the run's speed): its start goes back to where the toes, moving,
        # began turning the circle's way, by no more than the part of a turn
        # the last turn's slack fills in (so the count stays the same), or
        # every turn of the run would sit that fraction late.
        # The steps back from ``s``, latest first, each from a moving sample
        # (a search within the run, O(run) like the rest); a last turn that
        # is not short (``short <= 0``) admits none.
        short = n - turns[-1]
        back = sign * np.angle(np.exp(1j * np.diff(ang[:s + 1])))[::-1]
        ok = (back > 0) & moving[:s][::-1] & (np.cumsum(back) <= 2 * np.pi * short)
        s -= int(np.argmin(ok)) if not ok.all() else len(ok)
        turns = self._turns(ang, moving, sign, s, e)
        # A run short of whole turns (its last counted on the slack) shares
        # its turning equally among its circles. The last edge is where the
        # turning is complete, inside the run: n * fl(T / n) rounds back to T
        # for T in [n - 0.45, n).
        edges = s + np.searchsorted(turns, np.arange(n + 1) * min(1.0, turns[-1] / n))
        # Mean diameter of a closed path (its mean width) = its length / π.
        path = np.concatenate([[0.0], np.cumsum(speed) / sampling_rate_hz])
        sizes = (path[edges[1:]] - path[edges[:-1]]) / np.pi
        size = _median(sizes)
        if size < self.min_size_deg:
            self._why["why"] = "too small"
            return []
        # A "turn" at either end with next to no path is the direction of
        # motion spinning while the toes barely move (settling), not a circle.
        # So is one that took far longer than the run's turns: before the
        # circling is established (settling the raised leg, moving out from
        # neutral) the direction of motion wanders round slowly.
        # Nor is one far quicker: fidgeting or the leg's bob after the raise
        # swings the direction round fast, before slow circles (simulator
        # seed 1006: two turns of 1.2 s before circles of 3.5 s, 13 for 10).
        durs = np.diff(edges)
        dur = _median(durs)
        # Far longer, unless the same loop drawn slower than the next turn
        # inward, which is not far longer, and not far slower than that: a
        # set slowing down (a speed trend with a hesitation) ends in turns
        # each longer than the last, and its last one was dropped as
        # settling (simulator hard seed 32017: turns of 1.0, 1.1, 1.7 and
        # 2.6 s, 7.6-10 deg, 4 circles read as 3; 32024: 6 read as 5).
        # Settling jumps from the circling's time, or goes on over turns
        # that are all slow (hard seed 32020: 1.3, 2.1, 1.1 s before 0.4 s),
        # or is a bigger loop (tests/test_circle_traces.py: 1.8x the size).
        ratio = self.max_end_turn_ratio
        inward = np.r_[durs[1:2], np.where(np.arange(1, len(durs) - 1) < len(durs) / 2, durs[2:], durs[:-2]),
                       durs[-2:-1]] if len(durs) >= 2 else durs
        trend = (inward <= ratio * dur) & (durs <= ratio * inward) & \
            (np.abs(np.log(np.maximum(sizes, 1e-9) / size)) <= np.log(self.max_trend_size_ratio))
        odd_time = ((durs > ratio * dur) & ~trend) | (durs < dur / 2.5)
        # Nor one far bigger than the run's turns (the leg's settling swing
        # taken in when the run is looked at earlier than its averaged rate).
        odd_size = (sizes < self.min_turn_size_frac * size) | (sizes > self.max_end_size_ratio * size)
        tiny = odd_size | (odd_time if len(durs) >= 4 else False)
        # Such turns are dropped from either end inwards.
        kept = np.flatnonzero(~tiny)
        self._why.update(why="", durs=np.round(durs / sampling_rate_hz, 2).tolist(),
                         sizes=np.round(sizes, 1).tolist(), dropped=np.flatnonzero(tiny).tolist())
        if not len(kept):
            return []
        a, b = kept[0], kept[-1] + 1
        self._why["dropped"] = [i for i in range(len(durs)) if i < a or i >= b]
        # Turns dropped at the start that hold a stop of min_stop_s or more
        # (the leg settled, then the toes went out to the circle): the turns
        # were laid from where the settling began, so the first circle was
        # cut in two, its part after the stop dropped with the settling
        # (simulator clean seed 7004: 11 read as 10). Counted again from the
        # end of the last such stop.
        lo, hi = runs(~moving[s:int(edges[a])])
        after = hi[(hi - lo) >= self.min_stop_s * sampling_rate_hz] + s
        if a > 0 and len(after) and after[-1] < e:
            again = self._count(ang[after[-1]:], speed[after[-1]:], sign, direction, offset + int(after[-1]),
                                sampling_rate_hz)
            self._why["recounted_from"] = int(after[-1])
            return again
        out = []
        for i in range(a, b):
            x, y = int(edges[i]), int(edges[i + 1])
            k = self._lost_turns(sizes, durs, i, a, b)
            self._why["lost"] = self._why.get("lost", 0) + k - 1
            # The k circles of a turn that lost k - 1: equal shares of its path.
            cut = np.searchsorted(path, path[x] + (path[y] - path[x]) * np.arange(1, k) / k) if k > 1 else []
            for u, w in zip(np.r_[x, cut].astype(int), np.r_[cut, y].astype(int)):
                out.append((offset + int(u), offset + int(w), direction, float((path[w] - path[u]) / np.pi)))
        return out

    def _trim_straight_ends(self, core: np.ndarray, s: int, e: int, ang: np.ndarray, speed: np.ndarray,
                            turning_steps: np.ndarray, moving: np.ndarray,
                            sampling_rate_hz: float) -> tuple[int, int]:
        """The circling's ends without a move beyond a stop that does not go round.

        After the last circle the toes stop and go back to neutral, or the
        leg is lowered, in a straight line; at a run's start the leg's raise
        or a toe point ends in a stop before the circling. Such a move may
        pass the core's speed and turning tests (a slow run's typical speed
        is low), and the turns were followed across the stop from the last
        moving sample before it to the first after: a change of direction
        of up to half a turn read as turning (simulator clean seed 7018:
        10 circles, 10.57 turns, 11 counted). Beyond a stop of
        ``min_stop_s`` or longer (the toes under ``moving_frac`` of the
        circling's speed), a piece of the core at either end whose own
        direction of motion turns less than ``max_straight_turns`` (from
        moving sample to moving sample, not across the stop) is not part
        of the circling. So is one beyond a reversal (the direction flips
        by ``min_reversal_deg`` or more across a stop of any length) that
        goes straight (``min_straightness`` of its path): the move out to a
        flat loop that meets it at its tip (simulator clean seed 7002, a
        4:1 ellipse: the flip taken as -0.45 turn, 8 circles read as 7).
        """
        lo, hi = runs(~moving[s:e])
        lo, hi = lo + s, hi + s
        inner = (lo > s) & (hi < e)
        # A reversal: across a stop, however short, the toes go back the way they came.
        flip = np.zeros(len(lo), dtype=bool)
        flip[inner] = np.abs(np.angle(np.exp(1j * (ang[hi[inner]] - ang[lo[inner] - 1])))) >= \
            np.radians(self.min_reversal_deg)
        long_stop = (hi - lo) >= self.min_stop_s * sampling_rate_hz
        keep = long_stop | flip
        lo, hi, long_stop = lo[keep], hi[keep], long_stop[keep]
        if not len(lo):
            return s, e
        cum = np.r_[0.0, np.cumsum(turning_steps)] / (2 * np.pi)
        # Beyond a mere reversal only a straight move (the toes out from
        # neutral): among small, slow circles the direction of motion flips
        # across a short stop inside a circle (benchmarks/circles.py
        # "lead-in", tuning seeds 222, 224).
        step = np.where(moving, speed, 0.0) * np.exp(1j * ang)
        walk = np.r_[0j, np.cumsum(step)]
        path = np.r_[0.0, np.cumsum(np.abs(step))]

        def straight(x, y):
            return abs(walk[y] - walk[x]) >= self.min_straightness * max(path[y] - path[x], 1e-9)

        # From the end, then from the start: a piece beyond a stop that does not go round.
        for a, b, long in zip(lo[::-1], hi[::-1], long_stop[::-1]):
            if b >= e or abs(cum[e] - cum[b]) >= self.max_straight_turns or not (long or straight(b, e)):
                break
            inner = core[(core >= s) & (core < a)]
            if not len(inner):
                break
            e = int(inner[-1]) + 1
        for a, b, long in zip(lo, hi, long_stop):
            if a <= s or b >= e or abs(cum[a] - cum[s]) >= self.max_straight_turns or not (long or straight(s, a)):
                break
            inner = core[(core >= b) & (core < e)]
            if not len(inner):
                break
            s = int(inner[0])
        return s, e

    def _lost_turns(self, sizes: np.ndarray, durs: np.ndarray, i: int, a: int, b: int) -> int:
        """How many circles turn ``i`` of a run (kept turns ``a:b``) holds: 1, or more where turns were lost.

        Where the leg's sway is faster than the toes on the slow side of a
        loop (a small, flat or hesitant loop) the toes' direction of motion
        swings back instead of going round, and one counted turn spans two or
        more circles (simulator hard seeds 18, 20, 30: turns of 2-3x the run's
        path and time among alike ones). Such a turn has the path of k of the
        run's turns, and took about as long (k: the smaller of the two
        ratios, rounded): a pause (the toes stopped, the leg swaying) takes
        long over the path of one. The first and last turns
        are left as they are (the move out to the circle and back).
        """
        if not a < i < b - 1 or b - a < 4:
            return 1
        size, dur = np.median(sizes[a:b]), np.median(durs[a:b])
        # As many turns as both its path and its time hold: a slow circle
        # with the leg's sway in its path is one (simulator circle set 3006
        # "small": 6.4° in 3.4 s among 3.9° turns of 2.7 s).
        k = int(min(np.round(sizes[i] / size), np.round(durs[i] / dur)))
        if k < 2 or (sizes[i] / durs[i]) < self.min_lost_speed_frac * size / dur:
            return 1
        # Only among turns alike in size (circling): the loops of a fidget
        # (4.9-20° in one run: simulator clean seed 14, a band adjusted) say
        # nothing of how big a lost turn was.
        others = np.delete(sizes[a:b], i - a)
        if np.median(np.abs(others - np.median(others))) > self.max_size_mad_frac * np.median(others):
            return 1
        return k


def circle_sets(circles: pd.DataFrame, sampling_rate_hz: float, gap_s: float = 8.0, join_s: float = 0.5,
                max_ratio: float = 2.0, min_run: int = 3, grav: np.ndarray | None = None,
                max_shift_deg: float = 30.0, min_pose_gap_s: float = 1.0) -> list[pd.DataFrame]:
    """Group detected circles (``start``/``stop`` samples) into sets.

    A set is one bout of circling, both directions; a pause longer than
    ``gap_s`` starts another. Within a set, circling is runs of turns, each
    starting where the last ended: a lone turn apart from the others
    (shifting the leg) is not a circle, and nor is a run of turns much
    bigger or smaller than the runs the same way, or much slower or faster
    than the set's (settling the leg after raising it, swinging it before
    lowering it): one person circles alike one way, not always as big both
    ways. A run shorter than ``min_run`` is alike only if each of its turns
    is. A single turn within ``join_s`` of a run of ``min_run`` or more the
    other way, alike it, is a circle when its own way has no such run. A
    set needs one run of at least ``min_run`` turns the same way.

    With ``grav`` (the gravity direction in the frame the circles were found
    in, per sample) a set also ends where the foot's pose moves by more
    than ``max_shift_deg`` across a gap of ``min_pose_gap_s`` or more from
    one circle to the next (each circle's pose: its mean gravity direction,
    the tilt at the circle's centre): circles are drawn with the leg held
    up, and raising or lowering it turns the foot 50-90°. A fidget with
    the leg down before it is raised to circle was joined to the set
    across the raise (simulator realistic seed 32109: 4 turns counted
    before the first circle; hard seed 32105: 2).
    """
    if circles.empty:
        return []
    # Sorted by time, each circle keeping its label in the caller's table.
    circles = circles.sort_values("start")
    starts, stops = circles.start.to_numpy(), circles.stop.to_numpy()
    new_set = (starts[1:] - stops[:-1]) / sampling_rate_hz > gap_s
    if grav is not None and len(circles) > 1:
        # Only across a gap: turns that follow on one another were drawn
        # with the leg where it was (one turn split into circles lost under
        # the leg's sway has off-centre parts), and raising or lowering the
        # leg takes a second or more.
        gap = (starts[1:] - stops[:-1]) / sampling_rate_hz >= min_pose_gap_s
        at = np.flatnonzero(gap & ~new_set)
        new_set[at] = _pose_shift_deg(grav, starts, stops, at) > max_shift_deg
    cut = np.r_[0, np.flatnonzero(new_set) + 1, len(circles)]
    sizes = circles.size_deg.to_numpy(dtype=float)
    directions = circles.direction.to_numpy()
    out = []
    # In numpy: a day has ~50 groups, and pandas' assign and groupby per
    # group were most of this function's time.
    for a, b in zip(cut[:-1], cut[1:]):
        s, e, d = starts[a:b], stops[a:b], directions[a:b]
        # A run ends where the next turn starts over join_s later or goes the other way.
        new_run = np.r_[True, (s[1:] - e[:-1] > join_s * sampling_rate_hz) | (d[1:] != d[:-1])]
        run = np.cumsum(new_run) - 1
        first = np.flatnonzero(new_run)
        n = np.diff(np.r_[first, len(s)])
        run_size = _run_medians(sizes[a:b], run, first, n)
        run_dur = _run_medians((e - s).astype(float), run, first, n)
        # Runs of two turns and more.
        two = n >= 2
        # Fidgeting makes a loop or two one way, then the other; circling
        # goes round and round the same way.
        if not two.any() or n[two].max() < min_run:
            continue
        # The set's typical turn: the median over its turns (runs weighted by
        # length). Its size is that of the runs the same way, where that way
        # has a run as long as a set needs: one person circles alike in one
        # direction, but not always as big both ways (circles a quarter the
        # size one way were all dropped that way: benchmarks/circles.py "one
        # way small", 45 % exact).
        run_dir = d[first]
        ref_size = np.full(len(n), np.median(np.repeat(run_size[two], n[two])))
        ref_dur = np.median(np.repeat(run_dur[two], n[two]))
        for way in np.unique(run_dir):
            own = two & (run_dir == way)
            if own.any() and n[own].max() >= min_run:
                ref_size[run_dir == way] = np.median(np.repeat(run_size[own], n[own]))
        # A run as long as the set needs may be slower or faster (up to
        # 2 * max_ratio); a shorter one, next to it, only up to max_ratio: two
        # slow turns of 1.5 s before circling at 0.5 s a turn are the leg
        # being raised and settled (simulator seed 77, 147.6-150.9 s).
        slack = np.where(n[two] >= min_run, 2 * max_ratio, max_ratio)
        alike = np.zeros(len(n), dtype=bool)
        alike[two] = (np.abs(np.log(run_size[two] / ref_size[two])) <= np.log(max_ratio)) & \
            (np.abs(np.log(run_dur[two] / ref_dur)) <= np.log(slack))
        # A run shorter than a set needs is alike only turn by turn: the
        # median of two turns, the leg's raise (30°) and a settling loop (8°),
        # was within 2x of circles of 10° (simulator seed 0).
        odd = np.abs(np.log(sizes[a:b] / ref_size[run])) > np.log(max_ratio)
        alike &= ~(np.logical_or.reduceat(odd, first) & (n < min_run))
        # ... and, when its direction is circled in a run as long as a set
        # needs, only next to that circling: a loop or two one way cut off
        # from that way's circling by circling the other way is the leg
        # settling or fidgeting first (a leg's bob read as two 5.7° loops
        # before 4.4° circles, the other way first: tests/test_circles.py
        # "small", 8 for 6 once a straight move no longer joined them to the
        # leg's raise). A direction done only in short runs stays as judged.
        long_runs = np.flatnonzero(n >= min_run)
        for r in np.flatnonzero(alike & (n < min_run)):
            if run_dir[r] not in run_dir[long_runs]:
                continue
            before, after = long_runs[long_runs < r], long_runs[long_runs > r]
            near = [run_dir[x[i]] for x, i in ((before, -1), (after, 0)) if len(x)]
            alike[r] = run_dir[r] in near
        # A single turn one way, right before or after (within join_s) a run
        # as long as a set needs the other way, is a circle when alike that
        # run in size and time and its own way has no such run: the toes'
        # circling that way broke up (its other turns lost under the leg's
        # sway) or was one circle (benchmarks/circles.py "direct switch").
        last = first + n - 1
        for r in np.flatnonzero(n == 1):
            if run_dir[r] in run_dir[long_runs]:
                continue
            for q in (r - 1, r + 1):
                if not 0 <= q < len(n):
                    continue
                x, y = min(q, r), max(q, r)
                if s[first[y]] - e[last[x]] <= join_s * sampling_rate_hz and \
                        n[q] >= min_run and run_dir[q] != run_dir[r] and \
                        abs(np.log(run_size[r] / run_size[q])) <= np.log(max_ratio) and \
                        abs(np.log(run_dur[r] / run_dur[q])) <= np.log(max_ratio):
                    alike[r] = True
        keep = np.flatnonzero(alike[run])
        if len(keep):
            out.append(circles.iloc[a + keep])
    return out


def pose_fidgets(groups: list[pd.DataFrame], sampling_rate_hz: float, grav: np.ndarray, gap_s: float = 8.0,
                 max_shift_deg: float = 30.0, max_share: float = 0.5) -> np.ndarray:
    """Which sets of :func:`circle_sets` are a few loops beside a set in another pose, shape (groups,).

    A set is such a fidget when another set lies within ``gap_s`` of it
    with the foot's pose more than ``max_shift_deg`` away (the leg raised
    or lowered in between) and it has at most ``max_share`` of that set's
    circles. Split from the set by the pose rule, a fidget with the leg
    down before the raise made a false bout of its own (simulator
    realistic seed 32102: 4 cw + 1 ccw, 6 s before 26 circles with the
    leg raised; 32109: 4 before 26). Sets a person does in one pose and
    then another are each as long as a set (8-10 s each way): neither is
    a fraction of the other. Judged on the count alone, not on which pose
    is "raised" (the posture gate does not tell a leg lying from a leg
    raised; both are toes up).
    """
    out = np.zeros(len(groups), dtype=bool)
    if grav is None or len(groups) < 2:
        return out
    starts = np.array([int(g.start.iloc[0]) for g in groups])
    stops = np.array([int(g.stop.iloc[-1]) for g in groups])
    counts = np.array([len(g) for g in groups])
    # Each set's pose over its whole span, the circles' turns averaging the
    # tilt to the circling's centre.
    shift = _pose_shift_deg(grav, starts, stops, np.arange(len(groups) - 1))
    near = (starts[1:] - stops[:-1]) / sampling_rate_hz <= gap_s
    moved = near & (shift > max_shift_deg)
    out[:-1] |= moved & (counts[:-1] <= max_share * counts[1:])
    out[1:] |= moved & (counts[1:] <= max_share * counts[:-1])
    return out


def _pose_shift_deg(grav: np.ndarray, starts: np.ndarray, stops: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Angle (deg) between circle ``i``'s mean gravity direction and circle ``i + 1``'s, for each ``i`` in ``at``.

    Over a turn the foot's tilt averages to the circle's centre, so the
    mean gravity direction is the leg's pose while it circled. Only the
    circles at ``at`` are averaged (not a day's cumulative sum: memory).
    """
    def pose(k):
        g = np.asarray(grav[int(starts[k]):max(int(stops[k]), int(starts[k]) + 1)], dtype=float).mean(axis=0)
        return g / max(float(np.linalg.norm(g)), 1e-12)

    out = np.zeros(len(at))
    for n, k in enumerate(at):
        out[n] = np.degrees(np.arccos(np.clip(np.dot(pose(k), pose(k + 1)), -1.0, 1.0)))
    return out


def _run_medians(x: np.ndarray, run: np.ndarray, first: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Median of ``x`` over each run of consecutive values, shape (runs,).

    ``run`` numbers each value's run (0, 0, 1, ...), ``first`` and ``n`` are
    each run's first index and length. The value ``groupby(run).median()``
    gives: the middle value, or the mean of the middle two.
    """
    ordered = x[np.lexsort((x, run))]
    mid = first + n // 2
    return np.where(n % 2 == 1, ordered[mid], (ordered[mid - 1] + ordered[mid]) / 2)
