"""An emulated person who follows a guided session's prompts.

:class:`EmulatedPerson` is a feed for :class:`~sensors.emulated.EmulatedSensor`
that makes its samples on demand (``rows(i0, n, sampling_rate_hz)``): it stands,
sits or lies still (with the small sway of a person at rest) until the
coach calls :meth:`EmulatedPerson.begin` with a step, then goes to that
exercise's station and does it the way it was configured (fewer reps,
holds too short, a skipped step, a pause first), then rests again.

The motion comes from the project simulator's building blocks
(``sensors.simulator._Builder``, ``segment_kinematics``, ``_mounting``), so
the emulated sensor's samples are what the simulator would produce for the
same activities; what the person did is kept per step in ``done`` (the
truth the tests compare the analysis with).
"""
from __future__ import annotations

import dataclasses

import numpy as np
from scipy.ndimage import gaussian_filter1d

from sensors.contract import HOLD_EXERCISES
from sensors.simulator import EXERCISE_POSTURE, _Builder, _concat, _mounting, segment_kinematics, tier_config

OVERSAMPLE = 2  # the builder grid is this many times the device rate (the simulator uses 4; 2 halves the cost)
IDLE_CHUNK_S = 2.0
PIECE_S = 2.0    # rows are computed this much leg motion at a time
CONTEXT_S = 0.3  # kinematics are computed with this much of the past so chunks join smoothly


@dataclasses.dataclass
class PersonConfig:
    """How the emulated person follows the prompts.

    Attributes
    ----------
    reps : dict of str to int
        Reps done per exercise (default: the step's target).
    hold_scale : dict of str to float
        Holds last this fraction of the target per exercise (1: on target).
    skip : tuple of str
        Exercises not done at all (the person waits until the coach moves on).
    pause_s : float
        Seconds of rest after reaching each station, before starting.
    duration_scale : float
        Fraction of the target time walked on tiptoe / circled per direction.
    range_deg : dict of str to float
        How far the person moves in each rep per exercise (deg; default: a
        range drawn at random as the simulator does).
    """

    reps: dict = dataclasses.field(default_factory=dict)
    hold_scale: dict = dataclasses.field(default_factory=dict)
    skip: tuple = ()
    pause_s: float = 1.0
    duration_scale: float = 1.1
    range_deg: dict = dataclasses.field(default_factory=dict)


class EmulatedPerson:
    """A person wearing the sensor, who does what the current step asks.

    Parameters
    ----------
    config : PersonConfig, optional
    side : {"left", "right"}
        The foot wearing the sensor; steps for the other foot are waited out.
    placement : {"foot", "ankle"}
    seed : int
    tier : str
        Simulator tier for the sensor's errors (noise, bias, mounting).
    """

    def __init__(self, config: PersonConfig | None = None, side: str = "left", placement: str = "foot",
                 seed: int = 0, tier: str = "clean") -> None:
        self.config = config or PersonConfig()
        self.side = side
        self.cfg = tier_config(tier, side=side, placement=placement, distractors=False, sloppiness=0.0,
                               packet_loss=0.0, declare_mounting=False)
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.mount = _mounting(self.rng, self.cfg.mounting)
        self._acc_bias = self.cfg.acc_bias_mps2 * self.rng.standard_normal(3)
        self._gyr_bias = self.cfg.gyr_bias_dps * self.rng.standard_normal(3)
        self.sampling_rate_hz: float | None = None
        self.builder: _Builder | None = None
        self._rows = np.empty((0, 7))   # generated device rows, from device index self._first
        self._first = 0
        self._context = None            # the last CONTEXT_S of the leg's track
        self._pending: list = []
        self._queue = None              # leg motion made but not yet turned into rows
        self.done: list[dict] = []      # per step begun: what the person really did

    # ---- the coach's side ---------------------------------------------------
    def begin(self, step) -> None:
        """Start doing ``step`` (``analysis.coach.Step``) after the rows already made."""
        self._pending.append(step)

    # ---- the sensor's side --------------------------------------------------
    def rows(self, i0: int, n: int, sampling_rate_hz: float) -> np.ndarray:
        """Device rows ``i0 .. i0+n``: t (s, device clock), acc (m/s²), gyr (deg/s)."""
        if self.sampling_rate_hz is None or sampling_rate_hz != self.sampling_rate_hz:
            self._reset(sampling_rate_hz)
        if i0 < self._first:  # asked for the past (a new connection at an old index): repeat stillness
            i0 = self._first
        while self._first + len(self._rows) < i0 + n:
            self._generate()
        a = i0 - self._first
        out = self._rows[a:a + n].copy()
        out[:, 0] = np.arange(i0, i0 + n) / sampling_rate_hz
        # Rows already handed over are not needed again, except a little for a repeat.
        keep_from = max(0, a - int(10 * sampling_rate_hz))
        self._rows = self._rows[keep_from:]
        self._first += keep_from
        return out

    def _reset(self, sampling_rate_hz: float) -> None:
        self.sampling_rate_hz = float(sampling_rate_hz)
        self.builder = _Builder(self.rng, self.sampling_rate_hz * OVERSAMPLE, self.cfg)
        self.builder.rest(CONTEXT_S)
        self._context = _concat(self.builder.tracks)
        self.builder.tracks.clear()
        self._rows = np.empty((0, 7))
        self._queue = None
        self._phase = 0

    def _generate(self) -> None:
        """Make the next piece of rows: the step under way, a new step, or rest."""
        b = self.builder
        if self._queue is None and self._pending:
            step = self._pending.pop(0)
            n_ex = len(b.exercises)
            # Device time (s) at which the person starts on the step: how late
            # they act on the coach's cue, in recording time.
            begun_s = (self._first + len(self._rows)) / self.sampling_rate_hz
            # Each step's motion from its own seed: how long the person idled
            # before it (the coach's timing) does not change what they do.
            b.rng = np.random.default_rng([self.seed, len(self.done)])
            self._do(step)
            self.done.append({**_what_was_done(step, b.exercises[n_ex:]), "begun_s": begun_s})
            self._queue = _concat(b.tracks)
            b.tracks.clear()
        if self._queue is None:
            b.rest(IDLE_CHUNK_S)
            self._queue = _concat(b.tracks)
            b.tracks.clear()
        # A piece at a time: the sensor asks for rows on its event loop, which
        # must not stall for the seconds a whole set takes to compute.
        n = int(PIECE_S * b.sampling_rate_hz)
        piece = self._queue if len(self._queue) <= 1.5 * n else _slice(self._queue, 0, n)
        self._queue = None if piece is self._queue else _slice(self._queue, n)
        self._emit(piece)

    def _do(self, step) -> None:
        b, c, ex = self.builder, self.config, step.exercise
        if step.side != self.side or ex in c.skip:
            b.rest(2.0)  # the other foot works, or this one sits it out: the sensor stays still
            return
        b.go_to(EXERCISE_POSTURE[ex])
        b.rest(max(0.5, c.pause_s))
        target = step.target or {}
        if ex in HOLD_EXERCISES:
            reps = int(c.reps.get(ex, target.get("reps", 10)))
            hold = float(target.get("hold_s", 4.0)) * float(c.hold_scale.get(ex, 1.0))
            # A little over the target, as someone counting "…four, five" does.
            b.hold_reps(ex, reps, hold * 1.1, amp_deg=c.range_deg.get(ex))
        elif ex == "tiptoe_walk":
            b.rest(1.0)
            b.walk(float(target.get("duration_s", 20.0)) * c.duration_scale, tiptoe=True)
        elif ex == "ankle_circles":
            b.circles(float(target.get("duration_s", 8.0)) * c.duration_scale)
        b.rest(1.0)

    def _emit(self, track) -> None:
        """Sensor rows of ``track`` (on the builder's grid), appended to the rows made."""
        sampling_rate_hz = self.builder.sampling_rate_hz
        ctx = self._context
        both = _concat([ctx, track])
        for name in ("heading", "shank_pitch", "shank_roll", "ankle_pitch", "ankle_roll"):
            setattr(both, name, gaussian_filter1d(getattr(both, name), sampling_rate_hz * 0.005))
        side_sign = 1.0 if self.side == "left" else -1.0
        _, gyr, acc = segment_kinematics(both, sampling_rate_hz, self.cfg.placement, side_sign)
        m = len(ctx)
        keep_ctx = int(CONTEXT_S * sampling_rate_hz)
        self._context = _concat([ctx, track])
        tail = len(self._context) - keep_ctx
        self._context = _slice(self._context, tail)
        gyr, acc = gyr[m:], acc[m:]
        # Keep the device grid continuous across chunks: a chunk's length is not a
        # multiple of the oversampling, so the phase carries over.
        phase = self._phase
        idx = np.arange(phase, len(gyr), OVERSAMPLE)
        self._phase = (phase - len(gyr)) % OVERSAMPLE
        inv = self.mount.inv()
        a = inv.apply(acc[idx]) + self._acc_bias + self.cfg.acc_noise_mps2 * self.rng.standard_normal((len(idx), 3))
        g = inv.apply(gyr[idx]) + self._gyr_bias + self.cfg.gyr_noise_dps * self.rng.standard_normal((len(idx), 3))
        rows = np.column_stack([np.zeros(len(idx)), a, g])
        self._rows = np.vstack([self._rows, rows])


def _slice(track, start: int, stop: int | None = None):
    """Samples ``start:stop`` of ``track``."""
    from sensors.simulator import Track

    k = slice(start, stop)
    return Track(track.heading[k], track.shank_pitch[k], track.shank_roll[k],
                 track.ankle_pitch[k], track.ankle_roll[k], track.ankle_pos[k],
                 None if track.foot_extra is None else track.foot_extra[k])


def _what_was_done(step, entries: list[dict]) -> dict:
    """A step's truth from the builder's exercise entries."""
    out = {"exercise": step.exercise, "side": step.side, "reps": 0, "holds_s": [],
           "circles": {"cw": 0, "ccw": 0}, "strides": 0, "tiptoe_s": 0.0}
    for e in entries:
        out["reps"] += len(e["reps"])
        out["holds_s"] += [r["hold_s"] for r in e["reps"]]
        for c in e["circles"]:
            out["circles"][c["direction"]] += 1
        out["strides"] += len(e["strides"])
        if e["exercise"] == "tiptoe_walk":
            out["tiptoe_s"] += e["end_s"] - e["start_s"]
    return out
