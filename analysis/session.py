"""One session's analysis: from samples to bouts, reps, holds, circles and strides.

:class:`SessionAnalyzer` is the one path from samples to results: offline
analysis, replay and the live view all call it, so they cannot disagree.
It runs two stages:

1. :class:`~analysis.signals.SignalExtractor` computes the session's
   signals once (:class:`~analysis.signals.SessionSignals`): a uniform
   grid that keeps gaps as gaps, rest and gyro bias, orientation, gait
   bouts, the mounting and the foot or shank frame, angles and postures;
2. one detector per exercise family on those signals
   (:mod:`analysis.families`): tiptoe walking, ankle circles, hold-rep
   sets, then quiet stances for balance;

and rates each bout's confidence from the mounting's source, its posture
and the signs of look-alikes (:mod:`analysis.confidence`).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from sensors.contract import NOT_OBSERVABLE

from .confidence import ConfidenceRater
from .families import CircleSetDetector, HoldSetDetector, QuietStanceDetector, TiptoeWalkDetector
from .mounting import Mounting
from .preprocess import Uniform
from .signals import SIGNAL_COLUMNS, Placement, SignalExtractor

BOUT_COLUMNS = ["exercise", "start_s", "end_s", "confidence"]


class SessionAnalyzer:
    """Detect the programme's exercises in one recording.

    Parameters
    ----------
    sampling_rate_hz, max_bridged_gap_s : float
        Stage 1's (:class:`~analysis.signals.SignalExtractor`): the grid's
        rate; gaps this long or longer split sets.
    min_duration_s : float
        Shorter recordings hold no exercise; they are reported empty.
    min_tiptoe_strides : int
        :class:`~analysis.families.TiptoeWalkDetector`'s.
    min_circles_per_bout : int
        :class:`~analysis.families.CircleSetDetector`'s.
    max_rep_gap_s, min_reps_per_bout, pencil_min_hold_s, min_foot_range_deg
        :class:`~analysis.families.HoldSetDetector`'s (the live view asks for
        one-rep sets).
    min_stance_s : float
        :class:`~analysis.families.QuietStanceDetector`'s.
    jobs : int
        Threads for stage 2: with 2 or more, the hold-set detector runs in
        this thread while tiptoe walking and circles are found in another
        (the same results; the live view, which runs its analyses in a
        worker process already, keeps 1).
    """

    def __init__(self, sampling_rate_hz: float = 50.0, max_rep_gap_s: float = 30.0, min_reps_per_bout: int = 3,
                 pencil_min_hold_s: float = 7.0, min_stance_s: float = 10.0,
                 min_tiptoe_strides: int = 6, min_duration_s: float = 3.0,
                 max_bridged_gap_s: float = 3.0, min_circles_per_bout: int = 5,
                 min_foot_range_deg: float = 0.6, jobs: int = 1):
        self.jobs = jobs
        self.min_foot_range_deg = min_foot_range_deg
        self.min_circles_per_bout = min_circles_per_bout
        self.max_bridged_gap_s = max_bridged_gap_s
        self.min_duration_s = min_duration_s
        self.sampling_rate_hz = sampling_rate_hz
        self.max_rep_gap_s = max_rep_gap_s
        self.min_reps_per_bout = min_reps_per_bout
        self.pencil_min_hold_s = pencil_min_hold_s
        self.min_stance_s = min_stance_s
        self.min_tiptoe_strides = min_tiptoe_strides

    # ------------------------------------------------------------------
    def detect(self, data: pd.DataFrame, placement: str = "foot", mounting: str | None = None,
               known_mounting=None) -> SessionAnalyzer:
        """Analyse samples.

        Parameters
        ----------
        data : DataFrame or analysis.preprocess.Uniform
            Contract columns ``t`` (s), ``acc_*`` (m/s²), ``gyr_*`` (deg/s); or
            samples already on the grid (``extractor().resample(data)`` of a
            frame that is not :meth:`too_short`).
        placement : {"foot", "ankle"}
        mounting : str, optional
            Declared mounting (``x=forward,y=left,z=up``).
        known_mounting : analysis.mounting.Mounting, optional
            Use this instead of estimating it (the live view estimates it
            on a longer stretch than the window it analyses).

        Attributes
        ----------
        bouts_ : DataFrame
            ``exercise``, ``start_s``, ``end_s``, ``confidence`` (0–1, see
            :mod:`analysis.confidence`), ordered by start.
        doubts_ : dict
            Per bout index, the reasons its confidence is below 1 (list of str).
        reps_ : DataFrame
            ``bout`` (index into bouts_), ``start_s``, ``end_s``, ``hold_s``,
            ``range_deg`` (rest to held position, deg).
        circles_ : DataFrame
            ``bout``, ``start_s``, ``end_s``, ``direction``, ``size_deg``
            (mean diameter of the toe path, deg of foot tilt).
        strides_ : DataFrame
            ``bout``, ``t_s``.
        stances_ : DataFrame
            Quiet standing: ``start_s``, ``end_s``.
        bout_details_ : dict
            Per tiptoe bout index: ``cadence_spm`` (steps/min),
            ``stride_time_cv_pct``, ``heel_rise_deg`` (median plantarflexion
            in stance; None for a shank sensor).
        signals_ : DataFrame
            The analysis grid: ``t``, ``valid``, ``still``, ``elevation_deg``,
            ``roll_deg``, ``tilt_deg`` (elevation from the low-passed
            accelerometer alone, what reps are measured on), segment-frame
            ``gyr_*`` (for plots and balance).
        mounting_ : analysis.mounting.Mounting
        session_signals_ : analysis.signals.SessionSignals
            Stage 1's signals (None for a recording too short to analyse).
        not_observable_ : dict
            What this placement cannot measure, and why.
        """
        place = Placement.parse(placement)
        self.placement_ = place.value
        self.not_observable_ = NOT_OBSERVABLE[self.placement_]
        if not isinstance(data, Uniform) and self.too_short(data):
            return self._empty()
        sig = self.extractor().extract(data, place, mounting=mounting, known_mounting=known_mounting).signals_
        del data
        self.session_signals_ = sig
        self.mounting_ = sig.mounting
        self.gyro_bias_dps_ = sig.gyro_bias_dps
        self.signals_ = sig.frame()

        def hold_sets() -> HoldSetDetector:
            return HoldSetDetector(self.max_rep_gap_s, self.min_reps_per_bout, self.pencil_min_hold_s,
                                   self.min_foot_range_deg)

        def claimers() -> tuple[TiptoeWalkDetector, CircleSetDetector]:
            tiptoe = TiptoeWalkDetector(self.min_tiptoe_strides).detect(sig)
            return tiptoe, CircleSetDetector(self.min_circles_per_bout).detect(sig, claimed=tiptoe.claimed_)

        ahead = None
        if self.jobs > 1:
            with ThreadPoolExecutor(1, thread_name_prefix="toehold-families") as pool:
                claiming = pool.submit(claimers)
                # Meanwhile the hold detector runs ahead on a guess of what
                # they will claim: the gait bouts (tiptoe walks are found
                # among them; circle sets are few). It looks at each stretch
                # of posture on its own, so the stretches the real claims
                # leave alike keep its sets and only the others are redone.
                guess = np.zeros(len(sig.t), dtype=bool)
                for g0, g1 in zip(sig.gait["start"].to_numpy(), sig.gait["stop"].to_numpy()):
                    guess[g0:g1] = True
                ahead = hold_sets().detect(sig, claimed=guess)
                tiptoe, circles = claiming.result()
        else:
            tiptoe, circles = claimers()
        claimed = tiptoe.claimed_ | circles.claimed_
        holds = hold_sets().detect(sig, claimed=claimed, ahead=ahead)
        families = (tiptoe, circles, holds)
        # One list of bouts, in the order the families found them; each
        # family's events refer to its own rows, shifted here.
        bouts, evidence, first = [], [], {}
        for fam in families:
            first[id(fam)] = len(bouts)
            bouts += list(fam.bouts_.itertuples(index=False, name=None))
            evidence += fam.evidence_
        details = {first[id(tiptoe)] + k: d for k, d in enumerate(tiptoe.details_)}
        self.stances_ = QuietStanceDetector(self.min_stance_s).detect(sig, claimed, bouts).stances_

        mount = sig.mounting
        rater = ConfidenceRater()
        rated = []
        for k, b in enumerate(bouts):
            rater.rate(b[0], evidence[k], mount.method, self.placement_, mount.confidence)
            rated.append((rater.confidence_, rater.doubts_))
        order = np.argsort([b[1] for b in bouts], kind="stable")
        remap = {int(old): new for new, old in enumerate(order)}
        self.bouts_ = pd.DataFrame([(*bouts[i], rated[i][0]) for i in order], columns=BOUT_COLUMNS)
        self.doubts_ = {remap[k]: doubts for k, (_, doubts) in enumerate(rated)}
        self.evidence_ = {remap[k]: v for k, v in enumerate(evidence)}
        self.bout_details_ = {remap[k]: v for k, v in details.items()}

        def events(fam, table, columns):
            rows = [(remap[first[id(fam)] + k], *rest) for k, *rest in table.itertuples(index=False, name=None)]
            return pd.DataFrame(rows, columns=columns)

        self.reps_ = events(holds, holds.reps_, ["bout", "start_s", "end_s", "hold_s", "range_deg"])
        self.circles_ = events(circles, circles.circles_, ["bout", "start_s", "end_s", "direction", "size_deg"])
        self.strides_ = events(tiptoe, tiptoe.strides_, ["bout", "t_s"])
        return self

    def extractor(self) -> SignalExtractor:
        """Stage 1 with this analyser's grid rate and gap limit."""
        return SignalExtractor(self.sampling_rate_hz, self.max_bridged_gap_s)

    def too_short(self, data: pd.DataFrame) -> bool:
        """Whether ``data`` is too short to hold an exercise (it is then reported empty)."""
        return len(data) < 2 or float(data["t"].iloc[-1] - data["t"].iloc[0]) < self.min_duration_s

    def _empty(self) -> SessionAnalyzer:
        """Results for a recording too short to hold any exercise."""
        self.mounting_ = Mounting(np.eye(3), "guess", 0.0)
        self.gyro_bias_dps_ = np.zeros(3)
        self.session_signals_ = None
        self.signals_ = pd.DataFrame(columns=SIGNAL_COLUMNS)
        self.bouts_ = pd.DataFrame(columns=BOUT_COLUMNS)
        self.doubts_, self.evidence_ = {}, {}
        self.bout_details_ = {}
        self.reps_ = pd.DataFrame(columns=["bout", "start_s", "end_s", "hold_s", "range_deg"])
        self.circles_ = pd.DataFrame(columns=["bout", "start_s", "end_s", "direction", "size_deg"])
        self.strides_ = pd.DataFrame(columns=["bout", "t_s"])
        self.stances_ = pd.DataFrame(columns=["start_s", "end_s"])
        return self

    # ------------------------------------------------------------------
    def exercises(self) -> list[dict]:
        """The contract's ``exercises`` list (toehold-analysis/1)."""
        out = []
        # Each table split by bout once (a day of wear has a couple of
        # hundred bouts: a whole-table comparison per bout and table was
        # O(bouts × events)); rows keep their order within a bout. Read as
        # columns: pandas' itertuples per bout and table cost ~1.6 ms a call
        # (1.2 s of a day's profile).
        def split(table, names):
            if not len(table):
                return {}, {}
            return table.groupby("bout", sort=False).indices, {c: table[c].to_numpy() for c in names}

        (reps, rep_cols), (circ, circ_cols), (strd, strd_cols) = (
            split(self.reps_, ("start_s", "end_s", "hold_s", "range_deg")),
            split(self.circles_, ("start_s", "end_s", "direction", "size_deg")),
            split(self.strides_, ("t_s",)))
        nothing = np.zeros(0, dtype=np.intp)
        for k, b in enumerate(self.bouts_.itertuples()):
            r, c, st = reps.get(k, nothing), circ.get(k, nothing), strd.get(k, nothing)
            out.append({
                "exercise": b.exercise, "start_s": round(float(b.start_s), 3),
                "end_s": round(float(b.end_s), 3),
                "reps": [{"start_s": round(float(a), 3), "end_s": round(float(e), 3),
                          "hold_s": round(float(h), 3), "range_deg": round(float(g), 2)}
                         for a, e, h, g in zip(*(rep_cols[n][r] for n in ("start_s", "end_s", "hold_s", "range_deg")))]
                if len(r) else [],
                "circles": [{"start_s": round(float(a), 3), "end_s": round(float(e), 3),
                             "direction": d, "size_deg": round(float(z), 1)}
                            for a, e, d, z in zip(*(circ_cols[n][c] for n in ("start_s", "end_s", "direction", "size_deg")))]
                if len(c) else [],
                "strides": [{"t_s": round(float(t), 3)} for t in strd_cols["t_s"][st]] if len(st) else [],
                "confidence": round(float(b.confidence), 2),
                "doubts": list(self.doubts_.get(k, [])),
                **{key: (None if v is None else round(v, 2))
                   for key, v in self.bout_details_.get(k, {}).items()},
            })
        return out
