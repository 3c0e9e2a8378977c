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
and the signs of look-alikes (:mod:`analysis.confidence`). With ``jobs=2``
a recording of ``MIN_FORKED_S`` or more runs parts of both stages in a
child forked from this process (:mod:`analysis.forked`), with the same
results.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sensors.contract import NOT_OBSERVABLE

from .confidence import ConfidenceRater
from .families import CircleSetDetector, HoldSetDetector, QuietStanceDetector, TiptoeWalkDetector
from .forked import Beside
from .mounting import Mounting
from .preprocess import Uniform
from .signals import SIGNAL_COLUMNS, Placement, SignalExtractor

BOUT_COLUMNS = ["exercise", "start_s", "end_s", "confidence"]
# Recordings at least this long use a second process when ``jobs`` allows
# (the break-even length measured in benchmarks/README.md).
MIN_FORKED_S = 3600.0


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
        Processes for a recording of ``min_forked_s`` or longer: with 2 or
        more, parts of both stages run in a child forked from this process
        (:mod:`analysis.forked`) on the second core (the same results; the
        live view, which runs its analyses in a worker process already,
        keeps 1).
    min_forked_s : float
        Shorter recordings are analysed in this process alone: below this
        length the fork costs more than it saves (benchmarks/README.md).
    hold_share : float
        With a child, the share of the hold-set detector's posture samples
        this process looks at while the child finds tiptoe walks, circles
        and the rest of the hold sets.
    """

    def __init__(self, sampling_rate_hz: float = 50.0, max_rep_gap_s: float = 30.0, min_reps_per_bout: int = 3,
                 pencil_min_hold_s: float = 7.0, min_stance_s: float = 10.0,
                 min_tiptoe_strides: int = 6, min_duration_s: float = 3.0,
                 max_bridged_gap_s: float = 3.0, min_circles_per_bout: int = 5,
                 min_foot_range_deg: float = 0.6, jobs: int = 1, min_forked_s: float = MIN_FORKED_S,
                 hold_share: float = 0.8):
        self.jobs = jobs
        self.min_forked_s = min_forked_s
        self.hold_share = hold_share
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
        forked = self.jobs > 1 and self._long_enough(data)
        sig = self.extractor(forked).extract(data, place, mounting=mounting, known_mounting=known_mounting).signals_
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
        if forked:
            tiptoe, circles, ahead = self._stage2_forked(sig, hold_sets, claimers)
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

    def _stage2_forked(self, sig, hold_sets, claimers):
        """Stage 2's tiptoe walks and circles, and the hold sets run ahead, on two cores.

        Tiptoe walks, then circles (which skip what tiptoe claimed), then
        hold sets (which skip both) run in that order; but tiptoe claims
        gait bouts, which stage 1 already knows, and circle sets are few.
        So the hold-set detector runs ahead on the gait bouts as its guess
        of the claims, split in two at a sample of a gait bout (which no
        stretch of posture the guess leaves can cross): this process looks
        at the stretches before it while a forked child finds tiptoe walks
        and circles, then the stretches after it. The hold-set detector
        looks at each stretch on its own, so the final run with the real
        claims takes over the sets of every stretch they leave alike.

        Returns the tiptoe and circle detectors and a hold-set detector
        carrying every guessed stretch's sets (``ahead`` of the final run).
        """
        n = len(sig.t)
        guess = np.zeros(n, dtype=bool)
        for g0, g1 in zip(sig.gait["start"].to_numpy(), sig.gait["stop"].to_numpy()):
            guess[g0:g1] = True
        cut = self._hold_cut(sig, guess)

        def child():
            tiptoe, circles = claimers()
            if cut is None:
                return tiptoe, circles, {}
            later = guess.copy()
            later[:cut] = True
            return tiptoe, circles, hold_sets().detect(sig, claimed=later).stretch_sets_

        beside = Beside(child)
        try:
            first = guess.copy()
            if cut is not None:
                first[cut:] = True
            ahead = hold_sets().detect(sig, claimed=first)
            tiptoe, circles, later_sets = beside.result()
        except BaseException:
            beside.cancel()
            raise
        ahead.stretch_sets_ = {**ahead.stretch_sets_, **later_sets}
        return tiptoe, circles, ahead

    def _hold_cut(self, sig, guess: np.ndarray) -> int | None:
        """A sample of a gait bout near where ``hold_share`` of the posture samples left by ``guess`` lie before it.

        Only balances the two processes' work: any gait sample gives the same sets.
        """
        if not guess.any():
            return None
        posture = np.zeros(len(guess), dtype=bool)
        for mask in sig.postures.values():
            posture |= mask
        posture &= ~guess & ~sig.long_gap
        if not posture.any():
            return None
        k = int(np.searchsorted(np.cumsum(posture), self.hold_share * posture.sum()))
        gait = np.flatnonzero(guess)
        return int(gait[min(np.searchsorted(gait, k), len(gait) - 1)])

    def _long_enough(self, data) -> bool:
        """Whether ``data`` (a frame or the grid) spans ``min_forked_s`` or more."""
        t = data.t if isinstance(data, Uniform) else data["t"].to_numpy()
        return len(t) > 1 and float(t[-1] - t[0]) >= self.min_forked_s

    def extractor(self, forked: bool = False) -> SignalExtractor:
        """Stage 1 with this analyser's grid rate and gap limit (``forked``: with a child beside it)."""
        return SignalExtractor(self.sampling_rate_hz, self.max_bridged_gap_s, jobs=2 if forked else 1)

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
