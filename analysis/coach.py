"""The guided session's coach: the day's programme, one step at a time.

:class:`Coach` is a state machine with no I/O: feed it the recording time
and the live analysis (:class:`analysis.live.LiveState`) with
:meth:`Coach.update`, the person's keys with :meth:`Coach.key`, and read
what to show (:attr:`Coach.view`) and what happened (the events returned,
``Coach.steps_`` for the session log). Each step goes

    announce (``announce_s``) → active (until the set is complete) → rest (``rest_s``) → next

and a set is complete when the target reps are counted (hold exercises), or
when the person has stopped after walking on tiptoe / circling (timed
exercises); a set nobody starts is skipped after ``start_timeout_s``, one
that stops short of its target is partial after ``stop_after_s`` without a
new rep. Inside a step the exercise is known, so every rep, circle or tiptoe
bout the live analysis finds after the step began is counted for it,
whatever the analysis named it.

All times are seconds of recording time, so the coach works the same at
real time and faster than real time.
"""
from __future__ import annotations

import dataclasses

from sensors.contract import HOLD_EXERCISES

from .prescription import Prescription

HOW_TO = {
    "toe_press": "Stand, knees slightly bent; grip the floor with your toes, hold, release.",
    "resistance_band": "Sit, legs out, band over the foot; pull the foot toward the shin, hold, release.",
    "tiptoe_walk": "Walk on your toes, heels off the ground; stop when told.",
    "pencil_pickup": "Sit; pick the pencil up with your toes, hold it up, put it down.",
    "ankle_circles": "Lie on your back, leg raised; circle the foot one way, then the other way.",
}


@dataclasses.dataclass
class Step:
    """One step of the programme: an exercise, for one foot.

    ``measured`` is False for the foot without the sensor: the coach can only
    give it time.
    """

    exercise: str
    side: str
    target: dict
    measured: bool = True

    @property
    def how_to(self) -> str:
        return HOW_TO[self.exercise]


def plan_steps(prescription: Prescription, side: str = "left") -> list[Step]:
    """The steps of one session: each item in order, per-foot items for both feet.

    The foot wearing the sensor (``side``) goes first.
    """
    other = "right" if side == "left" else "left"
    steps = []
    for it in prescription.items:
        if it.exercise in HOLD_EXERCISES:
            target = {"reps": it.reps or 10, "hold_s": it.hold_s or 0.0}
        else:
            target = {"duration_s": (it.duration_s or (20.0, 30.0))[0]}
        steps.append(Step(it.exercise, side, target))
        if it.per_foot:
            steps.append(Step(it.exercise, other, dict(target), measured=False))
    return steps


@dataclasses.dataclass
class StepRecord:
    """What happened in one step (a ``steps[]`` entry of ``toehold-session/1``)."""

    exercise: str
    side: str
    start_s: float
    end_s: float | None
    target: dict
    outcome: str | None = None
    measured: bool = True
    counted: dict = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict:
        d = {"exercise": self.exercise, "side": self.side, "start_s": round(self.start_s, 2),
             "end_s": round(self.end_s if self.end_s is not None else self.start_s, 2),
             "target": dict(self.target), "outcome": self.outcome}
        if not self.measured:
            d["measured"] = False
        if self.counted:
            d["live_count"] = dict(self.counted)
        return d


@dataclasses.dataclass
class CoachView:
    """What the terminal shows now."""

    phase: str = "start"            # announce | active | rest | finished
    step_index: int = 0
    n_steps: int = 0
    step: Step | None = None
    reps: int = 0
    holding_s: float | None = None
    rest_s: float | None = None      # seconds resting since the last rep, or left before the next step
    seconds_done: float = 0.0        # timed exercises: tiptoe seconds, circle seconds
    circles: dict = dataclasses.field(default_factory=lambda: {"cw": 0, "ccw": 0})
    feedback: str = ""
    message: str = ""
    waited_s: float = 0.0            # time in this step


class Coach:
    """Walk a person through ``steps``.

    Parameters
    ----------
    steps : list of Step
    announce_s : float
        Time to read the step's instructions and get into position.
    rest_s : float
        Rest between steps.
    start_timeout_s : float
        A step with nothing counted this long after "go" (plus twice the
        hold target: a rep is counted once released) is skipped.
    stop_after_s : float
        A set that has started ends (partial) after this long, plus twice
        the hold target (a rep is counted only once released), without a new rep.
    quiet_s : float
        Timed exercises: the set is over once no motion of it was seen this long.
    short_hold : float
        A hold shorter than this fraction of the target is "held too short".
    short_range : float
        A rep whose range is below this fraction of the set's first reps'
        (their median) is "not far enough".
    """

    def __init__(self, steps: list[Step], announce_s: float = 5.0, rest_s: float = 8.0,
                 start_timeout_s: float = 45.0, stop_after_s: float = 15.0, quiet_s: float = 6.0,
                 short_hold: float = 0.8, short_range: float = 0.6) -> None:
        self.steps = list(steps)
        self.announce_s = announce_s
        self.rest_s = rest_s
        self.start_timeout_s = start_timeout_s
        self.stop_after_s = stop_after_s
        self.quiet_s = quiet_s
        self.short_hold = short_hold
        self.short_range = short_range
        self.steps_: list[StepRecord] = []
        self.view = CoachView(n_steps=len(self.steps))
        self._k = -1
        self._phase_t = 0.0
        self._t = 0.0
        self._seen = 0
        self._ranges: list[float] = []
        self._cued = False
        self._last_activity: float | None = None
        self._measured_s: dict[str, float] = {}
        self._data_t = 0.0

    # ---- input ---------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.view.phase == "finished"

    @property
    def current(self) -> Step | None:
        return self.steps[self._k] if 0 <= self._k < len(self.steps) else None

    def counting(self) -> tuple:
        """``(exercise, start_s)`` of the measured step being counted now, else ``(None, None)``."""
        step = self.current
        if step is None or not step.measured or self.view.phase not in ("announce", "active") \
                or not self.steps_:
            return None, None
        return step.exercise, self.steps_[-1].start_s

    def start(self, t_s: float) -> list[tuple]:
        """Begin the session at recording time ``t_s``; returns events."""
        self._t = t_s
        self._data_t = t_s
        return self._next(t_s)

    def key(self, k: str, t_s: float | None = None) -> list[tuple]:
        """A key: ``s`` skip the step, ``r`` repeat it, ``q`` stop the session."""
        t = self._t if t_s is None else t_s
        v = self.view
        if self.finished:
            return []
        if k == "q":
            ev = []
            if v.phase in ("announce", "active"):
                ev += self._end_step(t, self._outcome())
            for step in self.steps[self._k + 1:]:
                self.steps_.append(StepRecord(step.exercise, step.side, t, t, step.target, "skipped",
                                              step.measured))
            self._k = len(self.steps)
            v.phase = "finished"
            return ev + [("finished",)]
        if k == "s" and v.phase in ("announce", "active"):
            return self._end_step(t, "skipped" if not self._counted_any() else "partial")
        if k == "s" and v.phase == "rest":
            return self._next(t)
        if k == "r" and v.phase in ("announce", "active", "rest"):
            # The step under way (or just ended, while resting) is done again.
            self.steps_.pop()
            self._k -= 1
            return self._next(t)
        return []

    def update(self, t_s: float, live, data_t_s: float | None = None) -> list[tuple]:
        """Advance to recording time ``t_s`` with the live analysis ``live`` of the data up to ``t_s``.

        ``data_t_s`` is the newest sample's time when the analysis lags behind
        the data: a step announced now begins then, since the person starts
        moving on the data's time.

        Returns
        -------
        list of tuple
            Events, in order: ``("announce", step)``, ``("begin", step)``,
            ``("rep", n, feedback)``, ``("release",)`` (the hold reached its
            target), ``("step_end", record)``, ``("finished",)``.
        """
        self._t = t_s
        self._data_t = max(t_s, data_t_s if data_t_s is not None else t_s)
        v = self.view
        if self.finished:
            return []
        v.waited_s = t_s - self.steps_[-1].start_s if self.steps_ else 0.0
        if v.phase == "announce":
            if t_s - self._phase_t >= self.announce_s:
                v.phase = "active"
                v.message = "go"
            return self._count(t_s, live)
        if v.phase == "active":
            return self._count(t_s, live)
        if v.phase == "rest":
            left = self.rest_s - (t_s - self._phase_t)
            v.rest_s = max(0.0, left)
            if left <= 0:
                return self._next(t_s)
        return []

    # ---- the step under way -----------------------------------------------------
    def _next(self, t_s: float) -> list[tuple]:
        t_s = max(t_s, self._data_t)
        self._k += 1
        v = self.view
        if self._k >= len(self.steps):
            v.phase = "finished"
            v.step = None
            return [("finished",)]
        step = self.steps[self._k]
        self.steps_.append(StepRecord(step.exercise, step.side, t_s, None, dict(step.target),
                                      measured=step.measured))
        v.phase, v.step, v.step_index = "announce", step, self._k
        v.reps, v.holding_s, v.rest_s, v.seconds_done = 0, None, None, 0.0
        v.circles = {"cw": 0, "ccw": 0}
        v.feedback = ""
        v.message = (f"{step.side} foot" if step.measured else
                     f"now the {step.side} foot (not measured: take your time, s when done)")
        self._phase_t = t_s
        self._seen = 0
        self._ranges = []
        self._cued = False
        self._last_activity = None
        return [("announce", step), ("begin", step)]

    def _counted_any(self) -> bool:
        v = self.view
        return v.reps > 0 or v.seconds_done > 0

    def _outcome(self) -> str:
        v, step = self.view, self.current
        if step is None or not step.measured:
            return "done"
        if step.exercise in HOLD_EXERCISES:
            if v.reps >= step.target.get("reps", 1):
                return "done"
        elif step.exercise == "tiptoe_walk":
            if v.seconds_done >= 0.9 * step.target.get("duration_s", 20.0):
                return "done"
        elif min(v.circles.values()) > 0 and v.seconds_done >= 2 * 0.9 * step.target.get("duration_s", 8.0):
            return "done"
        return "partial" if self._counted_any() else "skipped"

    def _end_step(self, t_s: float, outcome: str) -> list[tuple]:
        rec = self.steps_[-1]
        rec.end_s, rec.outcome = t_s, outcome
        v = self.view
        step = self.current
        if step is not None and step.measured:
            if step.exercise in HOLD_EXERCISES:
                rec.counted = {"reps": v.reps}
            elif step.exercise == "ankle_circles":
                rec.counted = {**v.circles, "seconds": round(v.seconds_done, 1)}
            else:
                rec.counted = {"seconds": round(v.seconds_done, 1)}
            self._measured_s[step.exercise] = t_s - rec.start_s
        v.phase, v.rest_s, v.holding_s = "rest", self.rest_s, None
        v.message = {"done": "set complete", "partial": "set ended short",
                     "skipped": "skipped"}[outcome]
        self._phase_t = t_s
        return [("step_end", rec)]

    def _count(self, t_s: float, live) -> list[tuple]:
        v, step = self.view, self.current
        rec = self.steps_[-1]
        since = t_s - rec.start_s
        if not step.measured:
            # The foot without the sensor: as long as the measured foot took.
            if since >= self._measured_s.get(step.exercise, 60.0):
                return self._end_step(t_s, "done")
            return []
        ev: list[tuple] = []
        t0 = rec.start_s
        if step.exercise in HOLD_EXERCISES:
            reps = [r for r in (live.rep_events if live else []) if r[0] >= t0]
            if len(reps) > self._seen:
                for r in reps[self._seen:]:
                    self._seen += 1
                    ev.append(("rep", self._seen, self._feedback(step, r)))
                    v.feedback = ev[-1][2]
                v.reps = max(v.reps, self._seen)
                self._last_activity = reps[-1][1]
                self._cued = False
            hold_target = step.target.get("hold_s") or 0.0
            v.holding_s = live.holding_s if live is not None and v.phase == "active" and reps else None
            if v.holding_s is not None and hold_target and v.holding_s >= hold_target and not self._cued:
                self._cued = True
                ev.append(("release",))
            v.rest_s = (t_s - self._last_activity) if self._last_activity is not None and v.holding_s is None \
                else None
            if v.reps >= step.target.get("reps", 1):
                return ev + self._end_step(t_s, "done")
            if self._last_activity is not None and t_s - self._last_activity > self.stop_after_s + 2 * hold_target:
                return ev + self._end_step(t_s, "partial")
        else:
            if step.exercise == "tiptoe_walk":
                bouts = [b for b in (live.tiptoe_events if live else []) if b[1] > t0]
                seconds = sum(b[1] - max(b[0], t0) for b in bouts)
                last = max((b[1] for b in bouts), default=None)
            else:
                circ = [c for c in (live.circle_events if live else []) if c[0] >= t0]
                seconds = sum(c[1] - c[0] for c in circ)
                last = max((c[1] for c in circ), default=None)
                counts = {"cw": sum(c[2] == "cw" for c in circ), "ccw": sum(c[2] == "ccw" for c in circ)}
                v.circles = {d: max(v.circles[d], counts[d]) for d in counts}
            v.seconds_done = max(v.seconds_done, seconds)
            if last is not None:
                self._last_activity = last
            if self._last_activity is not None and t_s - self._last_activity > self.quiet_s:
                return ev + self._end_step(t_s, self._outcome())
        # Nothing counts before the first rep is released (or the first circles
        # are seen): the wait runs from "go", plus the hold itself.
        if self._last_activity is None and \
                since > self.announce_s + self.start_timeout_s + 2 * (step.target.get("hold_s") or 0.0):
            return ev + self._end_step(t_s, "skipped")
        return ev

    def _feedback(self, step: Step, rep: tuple) -> str:
        _, _, hold, rng = rep
        target = step.target.get("hold_s") or 0.0
        if rng == rng:  # not NaN
            # The first reps of the set calibrate how far this person goes.
            ref = sorted(self._ranges)[len(self._ranges) // 2] if self._ranges else None
            if len(self._ranges) < 3:
                self._ranges.append(rng)
            if ref is not None and rng < self.short_range * ref:
                return f"not far enough ({rng:.0f}° of your usual {ref:.0f}°)"
        if target and hold < self.short_hold * target:
            return f"held too short ({hold:.1f} s of {target:g} s)"
        return "good"
