"""The live analysis of a guided session (:class:`GuidedLive`).

Kept apart from :mod:`analysis.guided`, whose counting the offline analysis
of a session log also uses (:func:`analysis.pipeline.apply_session_log`):
this module sits on the live analyser, which itself ends with the offline
analysis, so the two together would import each other.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sensors.contract import HOLD_EXERCISES

from .guided import StepRepCounter, holding_now
from .live import HOLD_TARGET_S, LiveAnalyzer, LiveState, _frame


class GuidedLive(LiveAnalyzer):
    """The live analysis of a guided session: what the step under way has counted so far.

    A :class:`~analysis.live.LiveAnalyzer` (fed with :meth:`push` alike)
    whose :meth:`state` analyses the current step's stretch only (from its
    start to the newest sample), knowing its exercise:

    - hold exercises: :class:`StepRepCounter` (no mounting needed: the
      programme's holds come before any walk could reveal it), with the
      hold timer of :func:`holding_now` on the same angle;
    - tiptoe walking and ankle circles: the session analyser on the step's
      stretch; a mounting found from walking (the tiptoe step) is kept for
      the steps after it (circle directions need it).

    Parameters
    ----------
    placement : {"foot", "ankle"}
    mounting : str, optional
        Declared mounting.
    sampling_rate_hz : float
        Analysis grid rate (the session analyser's).
    lead_s : float
        The stretch starts this long before the step (a move begun just before it).
    """

    def __init__(self, placement: str = "foot", mounting: str | None = None, sampling_rate_hz: float = 50.0,
                 lead_s: float = 1.0) -> None:
        super().__init__(placement=placement, mounting=mounting)
        self.sampling_rate_hz = sampling_rate_hz
        self.lead_s = lead_s
        self._gait_mount = None

    def state(self, exercise: str | None = None, start_s: float | None = None):
        """:class:`analysis.live.LiveState` of the step of ``exercise`` begun at ``start_s``.

        Its ``rep_events``, ``circle_events`` and ``tiptoe_events`` hold what
        the step counted; ``t_s`` is the newest sample's time.
        """
        from .threads import one_blas_thread

        if not self._n:
            return LiveState()
        t = self._buf[:self._n, 0]
        t_end = float(t[-1])
        st = LiveState(t_s=t_end, exercise=exercise)
        if exercise is None or start_s is None:
            return st
        data = _frame(self._buf[int(np.searchsorted(t, start_s - self.lead_s)):self._n])
        if len(data) < 2 or t_end - float(data.t.iloc[0]) < 3.0:
            return st
        with one_blas_thread():
            if exercise in HOLD_EXERCISES:
                return self._holds(st, data, start_s)
            return self._timed(st, data, start_s)

    def _holds(self, st, data: pd.DataFrame, start_s: float):
        from .preprocess import UniformResampler

        u = UniformResampler(self.sampling_rate_hz).resample(data)
        c = StepRepCounter().detect(u.t, u.acc, u.sampling_rate_hz, gyr=u.gyr, valid=u.valid)
        reps = c.reps_[c.reps_.start_s >= start_s]
        st.rep_events = [(float(r.start_s), float(r.end_s), float(r.hold_s), float(r.range_deg))
                         for r in reps.itertuples()]
        st.reps = len(reps)
        st.hold_target_s = HOLD_TARGET_S.get(st.exercise)
        if len(reps):
            st.last_hold_s = float(reps.hold_s.iloc[-1])
            st.holding_s = holding_now(pd.DataFrame({"t": u.t, "tilt_deg": c.angle_deg_}), reps, st.t_s)
        return st

    def _timed(self, st, data: pd.DataFrame, start_s: float):
        from .session import SessionAnalyzer

        # The tiptoe step finds the mounting afresh each time from all its
        # walking so far, and the latest is kept for the steps after it: the
        # first few strides can give the forward direction the wrong way
        # round (measured: a 180 deg turn at 4 s of tiptoe walking, confidence
        # 0.998), and kept, that mounting hid the whole walk from the step.
        walking = st.exercise == "tiptoe_walk"
        # A set of circles shows from its second turn (not its fifth): a
        # pause between the two directions must not look like the end.
        fit = SessionAnalyzer(sampling_rate_hz=self.sampling_rate_hz, min_reps_per_bout=1,
                              min_circles_per_bout=2).detect(data, placement=self.placement, mounting=self.mounting,
                                                          known_mounting=None if walking else self._gait_mount)
        if fit.mounting_.method == "gait" and (walking or self._gait_mount is None):
            self._gait_mount = fit.mounting_
        found = LiveAnalyzer._summarise(fit, st.t_s)
        st.circle_events = [c for c in found.circle_events if c[0] >= start_s - self.lead_s]
        st.tiptoe_events = found.tiptoe_events
        st.circles_cw = sum(c[2] == "cw" for c in st.circle_events)
        st.circles_ccw = sum(c[2] == "ccw" for c in st.circle_events)
        st.tiptoe_s = sum(b[1] - b[0] for b in st.tiptoe_events)
        st.strides = sum(b[2] for b in st.tiptoe_events)
        return st
