"""Stage 2 of a session's analysis: one detector per exercise family.

Each detector reads the session's :class:`~analysis.signals.SessionSignals`
(stage 1) and finds its family's bouts:

* :class:`TiptoeWalkDetector`: tiptoe walking among the gait bouts, with its strides;
* :class:`CircleSetDetector`: sets of ankle circles (a foot sensor only);
* :class:`HoldSetDetector`: sets of move–hold–release reps (toe press,
  resistance band, pencil pickup), per posture;
* :class:`QuietStanceDetector`: quiet standing outside the bouts, for balance.

Each returns its bouts in ``bouts_`` (``exercise``, ``start_s``, ``end_s``),
what each bout's confidence is judged on in ``evidence_`` (per row of
``bouts_``), its events with the row of their bout (``strides_``,
``circles_``, ``reps_``) and the samples it explained in ``claimed_``;
:class:`~analysis.session.SessionAnalyzer` runs them in that order (each
later one skips what the earlier ones claimed), rates and orders the bouts.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.ndimage import uniform_filter1d

from .circles import CircleDetector, circle_sets
from .confidence import displacement, motion_evidence, rep_extent, rise_doubt, stride_travel, toes_down_rise
from .gait import StrideDetector, runs, stride_features
from .reps import HoldRepDetector, detect_many, lowpass, prefer, set_cues
from .signals import SessionSignals

BOUT_COLUMNS = ["exercise", "start_s", "end_s"]


def _bouts(rows: list) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=BOUT_COLUMNS)


class _Reps:
    """A rep detector's reps (``reps.REP_COLUMNS``) as numpy columns: ``r.start``,
    ``r["start"]``, ``len(r)``, and rows by ``r.iloc[...]`` (a mask, a slice or indices).

    :class:`HoldSetDetector` selects, splits and merges the reps of ~750
    posture stretches a day; pandas' cost per column read and per selection
    was most of its own time. Its helpers take a DataFrame as well.
    """

    def __init__(self, columns: dict):
        self._columns = columns

    def __getattr__(self, name):
        try:
            return self.__dict__["_columns"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name):
        return self._columns[name]

    def __len__(self) -> int:
        return len(next(iter(self._columns.values())))

    @property
    def iloc(self) -> _Reps._Rows:
        return _Reps._Rows(self)

    class _Rows:
        def __init__(self, reps):
            self.reps = reps

        def __getitem__(self, rows):
            return _Reps({c: v[rows] for c, v in self.reps._columns.items()})


def _col(group, name: str) -> np.ndarray:
    """A column of a DataFrame or :class:`_Reps` as an array."""
    return np.asarray(group[name])


def _rise_per_rep(group, earth_acc, offset: int, sampling_rate_hz: float) -> np.ndarray:
    """|Vertical displacement| (m) from each rep's start to its hold, shape (len(group),).

    ``group`` holds the reps' ``start`` and ``hold_start`` as samples from ``offset``.
    """
    return np.array([abs(displacement(earth_acc, offset + int(a), offset + int(b), sampling_rate_hz)[2])
                     for a, b in zip(_col(group, "start"), _col(group, "hold_start"))])


def _otsu_cut(values: np.ndarray) -> int:
    """Where to cut a sequence (4 or more values) in two parts of two or more.

    The cut with the largest between-part variance (Otsu's criterion), so
    a part's size counts as well as how far its mean is from the other's.
    """
    n = len(values)
    k = np.arange(2, n - 1)
    c = np.cumsum(values)
    mean_a = c[k - 1] / k
    mean_b = (c[-1] - c[k - 1]) / (n - k)
    return int(k[np.argmax(k * (n - k) * (mean_a - mean_b) ** 2)])


class TiptoeWalkDetector:
    """Tiptoe walking: gait bouts whose strides keep the heel off the floor.

    Parameters
    ----------
    min_tiptoe_strides : int
        Fewer contacts on tiptoe are a stumble or a stretch, not the exercise.

    Attributes (after :meth:`detect`)
    ----------
    bouts_ : DataFrame
        ``exercise`` (``tiptoe_walk``), ``start_s``, ``end_s``.
    evidence_ : list of dict
        Per bout: ``in_posture``, ``stride_s``, ``duration_s``, ``climb_m``, ``travel_m``, ``peak_g``,
        ``flight_s``.
    details_ : list of dict
        Per bout: ``cadence_spm``, ``stride_time_cv_pct``, ``heel_rise_deg``
        (None for a shank sensor).
    strides_ : DataFrame
        ``bout`` (row of ``bouts_``), ``t_s`` (ground contacts).
    claimed_ : ndarray of bool, shape (n,)
        Every gait bout's samples (ordinary walking is explained too).
    """

    def __init__(self, min_tiptoe_strides: int = 6):
        self.min_tiptoe_strides = min_tiptoe_strides

    def detect(self, signals: SessionSignals) -> TiptoeWalkDetector:
        sig = signals
        t, sampling_rate_hz, foot = sig.t, sig.sampling_rate_hz, sig.foot
        claimed = np.zeros(len(t), dtype=bool)
        bouts, strides, details, evidence = [], [], [], []
        pieces: list[tuple[np.ndarray, pd.DataFrame, float]] = []
        for g in sig.gait.itertuples():
            # The activity envelope lags the first step: look for contacts
            # from a stride before it.
            lo = max(0, g.start - int(g.period_s * sampling_rate_hz))
            sl = slice(lo, g.stop)
            sd = StrideDetector().detect(sig.acc[sl], sig.gyr[sl], g.period_s, sampling_rate_hz)
            contacts = sd.contacts_ + lo
            claimed[g.start:g.stop] = True
            if len(contacts) < 3:
                continue
            # Only the bout's stretch: negating the whole day for each of its
            # ~500 walks made this quadratic in length (16 s of 74 s on 24 h).
            every = stride_features(-sig.elevation_deg[sl], sig.gyr_seg[sl, 1], contacts - lo, sampling_rate_hz)
            # Pieces of three contacts and more: a pause or a turn can cut a
            # walk's first strides off the rest (simulator seed 1010); the
            # walk, once joined, must have min_tiptoe_strides.
            found = (self._tiptoe_runs(every, foot, 3) if len(every) == len(contacts) - 1
                     else [(0, len(contacts) - 1)] if self._is_tiptoe(every, foot) else [])
            pieces += [(contacts[a:b + 1], every.iloc[a:b], g.period_s) for a, b in found]
        walks: list[tuple[np.ndarray, pd.DataFrame, float]] = []
        for contacts, feats, period_s in pieces:
            if walks and self._goes_on(sig, walks[-1][0], walks[-1][1], contacts, period_s):
                prev, prev_feats, _ = walks[-1]
                later = contacts > prev[-1] + int(0.5 * period_s * sampling_rate_hz)
                walks[-1] = (np.r_[prev, contacts[later]], pd.concat([prev_feats, feats]), period_s)
            else:
                walks.append((contacts, feats, period_s))
        for contacts, feats, _ in walks:
            if len(contacts) >= self.min_tiptoe_strides:
                self._add_bout(sig, contacts, feats, bouts, strides, details, evidence)
        self.bouts_ = _bouts(bouts)
        self.evidence_ = evidence
        self.details_ = details
        self.strides_ = pd.DataFrame(strides, columns=["bout", "t_s"])
        self.claimed_ = claimed
        return self

    @staticmethod
    def _goes_on(sig: SessionSignals, prev: np.ndarray, prev_feats: pd.DataFrame, contacts: np.ndarray,
                 period_s: float) -> bool:
        """Whether a tiptoe piece starting at ``contacts`` continues the walk ending at ``prev``.

        A stumble or a lost stretch can cut one walk in two: a piece that
        goes on within two strides of the last is the same walk; so is one
        after a pause of a few seconds standing on tiptoe (a foot sensor
        sees the heel stay up through it).
        """
        gap_s = sig.t[contacts[0]] - sig.t[prev[-1]]
        if gap_s < 2.0 * period_s:
            return True
        if not sig.foot or gap_s >= 6.0 or prev_feats.empty:
            return False
        held = float(np.median(-sig.elevation_deg[prev[-1]:contacts[0]]))
        return held > max(4.0, 0.5 * float(np.median(prev_feats.stance_pitch_deg)))

    @staticmethod
    def _add_bout(sig: SessionSignals, contacts: np.ndarray, feats: pd.DataFrame, bouts: list, strides: list,
                  details: list, evidence: list) -> None:
        """Append one tiptoe walk, its contacts (indices) and per-stride ``feats``."""
        t, sampling_rate_hz, foot = sig.t, sig.sampling_rate_hz, sig.foot
        k = len(bouts)
        stride_s = np.diff(t[contacts])
        # The walk goes on through the last contact's stance (the other
        # foot still steps and the person stops): about half a stride.
        end = contacts[-1] + int(round(0.5 * np.median(np.diff(contacts))))
        bouts.append(("tiptoe_walk", t[contacts[0]], t[min(end, len(t) - 1)]))
        climb, travel = stride_travel(sig.orientation.earth_acc, sig.gyr, contacts, sampling_rate_hz)
        evidence.append({"in_posture": sig.in_posture("tiptoe_walk", contacts[0], end),
                         "stride_s": float(np.median(stride_s)),
                         "duration_s": float(t[min(end, len(t) - 1)] - t[contacts[0]]),
                         "climb_m": climb, "travel_m": travel,
                         **motion_evidence(sig.acc, contacts[0], end, sampling_rate_hz)})
        strides += [(k, t[c]) for c in contacts]
        details.append({
            # One foot's contacts: two steps per stride.
            "cadence_spm": 120.0 / float(np.median(stride_s)),
            "stride_time_cv_pct": 100.0 * float(np.std(stride_s) / np.mean(stride_s)),
            # Plantarflexion of the foot in stance; a shank sensor cannot see it.
            "heel_rise_deg": float(np.median(feats.stance_pitch_deg)) if foot else None,
        })

    @classmethod
    def _tiptoe_runs(cls, feats: pd.DataFrame, foot: bool, min_contacts: int) -> list[tuple[int, int]]:
        """The stretches of a gait bout walked on tiptoe: (first, last) contact index pairs.

        A walk over to the station and the tiptoe walk, or a tiptoe walk
        and the stairs after it, can be one gait bout: each stride is
        judged on its own (features as the median of it and its
        neighbours, so one odd stride does not split a walk), and a single
        stride judged otherwise between two tiptoe stretches is bridged.
        A bout judged tiptoe as a whole keeps all its strides when most of
        them are.
        """
        n = len(feats)
        if n == 0:
            return []
        stance = pd.Series(feats.stance_pitch_deg.to_numpy()).rolling(3, center=True, min_periods=1).median()
        arc = pd.Series(feats.sagittal_range_deg.to_numpy()).rolling(3, center=True, min_periods=1).median()
        flags = cls._tiptoe_rule(stance.to_numpy(), arc.to_numpy(), foot)
        # One stride judged otherwise inside a tiptoe stretch is bridged.
        lone = ~flags[1:-1] & flags[:-2] & flags[2:]
        flags[1:-1] |= lone
        if cls._is_tiptoe(feats, foot) and flags.mean() >= 0.75:
            return [(0, n)]
        return [(a, b) for a, b in zip(*runs(flags)) if b - a + 1 >= min_contacts]

    @staticmethod
    def _is_tiptoe(feats: pd.DataFrame, foot: bool) -> bool:
        if feats.empty:
            return False
        return bool(TiptoeWalkDetector._tiptoe_rule(np.array([np.median(feats.stance_pitch_deg)]),
                                                    np.array([np.median(feats.sagittal_range_deg)]), foot)[0])

    @staticmethod
    def _tiptoe_rule(stance: np.ndarray, arc: np.ndarray, foot: bool) -> np.ndarray:
        """Per stride: its stance pitch (deg, + toes down) and sagittal arc (deg) say tiptoe."""
        if foot:
            # On tiptoe the heel never comes down: the foot stays pitched
            # toes-down through stance (heel-to-toe stance is flat), and
            # without heel strike and push-off it turns through a smaller arc.
            # A foot turning through half a heel-to-toe stride's arc is on
            # tiptoe however little the heel is raised, as long as it is
            # (tapping a foot while seated pitches it toes-up).
            return ((stance > 8.0) & (arc < 55.0)) | ((stance > 0.0) & (arc < 35.0))
        # The shank swings through a smaller arc on tiptoe (short steps, no
        # heel rocker): about 15-35° against 45° and more in heel-to-toe walking.
        return arc < 38.0


class CircleSetDetector:
    """Sets of ankle circles (a foot sensor; a shank's circles are not observable).

    Parameters
    ----------
    min_circles_per_bout : int
        Fewer turns are a fidget (8–10 s each way makes 5 or more).

    Attributes (after :meth:`detect`)
    ----------
    bouts_ : DataFrame
        ``exercise`` (``ankle_circles``), ``start_s``, ``end_s``.
    evidence_ : list of dict
        Per bout: ``in_posture``, ``directions``, ``peak_g``, ``flight_s``.
    circles_ : DataFrame
        ``bout``, ``start_s``, ``end_s``, ``direction``, ``size_deg``.
    claimed_ : ndarray of bool, shape (n,)
        The sets' samples.
    """

    def __init__(self, min_circles_per_bout: int = 5):
        self.min_circles_per_bout = min_circles_per_bout

    def detect(self, signals: SessionSignals, claimed: np.ndarray | None = None) -> CircleSetDetector:
        """``claimed``: samples already explained (gait bouts); walking with the foot down is skipped."""
        sig = signals
        t, sampling_rate_hz = sig.t, sig.sampling_rate_hz
        bouts, circles, evidence = [], [], []
        mine = np.zeros(len(t), dtype=bool)
        if sig.foot:
            busy = claimed if claimed is not None else np.zeros(len(t), dtype=bool)
            # Circling with the leg raised can be periodic enough for the
            # gait detector; a walking foot is near flat on average, a
            # raised one is not, so only gait with the foot down is excluded.
            walking = np.zeros(len(t), dtype=bool)
            for g in sig.gait.itertuples():
                if np.median(sig.grav_seg[g.start:g.stop, 2]) > 0.5:
                    walking[g.start:g.stop] = True
            cd = CircleDetector().detect(sig.gyr_seg, sampling_rate_hz, valid=sig.valid & ~(busy & walking))
            for group in circle_sets(cd.circles_, sampling_rate_hz):
                if len(group) < self.min_circles_per_bout:
                    continue
                k = len(bouts)
                a, b = int(group["start"].iloc[0]), int(group["stop"].iloc[-1])
                bouts.append(("ankle_circles", t[a], t[b]))
                evidence.append({"in_posture": sig.in_posture("ankle_circles", a, b),
                                 "directions": int(group.direction.nunique()),
                                 **motion_evidence(sig.acc, a, b, sampling_rate_hz)})
                mine[group["start"].iloc[0]:group["stop"].iloc[-1]] = True
                circles += [(k, t[c.start], t[c.stop], c.direction, c.size_deg) for c in group.itertuples()]
        self.bouts_ = _bouts(bouts)
        self.evidence_ = evidence
        self.circles_ = pd.DataFrame(circles, columns=["bout", "start_s", "end_s", "direction", "size_deg"])
        self.claimed_ = mine
        return self


class HoldSetDetector:
    """Sets of move–hold–release reps, per posture (toe press, resistance band, pencil pickup).

    Parameters
    ----------
    max_rep_gap_s : float
        Reps further apart than this start a new set.
    min_reps_per_bout : int
        Fewer rep-like movements are fidgeting, not a set (pencil pickups,
        prescribed three per foot, need two).
    pencil_min_hold_s : float
        With the foot flat, sets whose median hold is at least this long are
        pencil pickups (held ≥ 10 s by prescription) rather than toe presses
        (held ~4 s).
    min_foot_range_deg : float
        A set of reps seen by a foot sensor must move the foot at least
        this far (median ``range_deg``).
    pencil_min_lift_m : float
        A flat-foot set held that long is a pencil pickup only if the foot
        rises at least this far per rep (median, m); a toe press rises
        about 0.1-1.2 cm (the foot tips about the ankle, the sensor sits
        ahead of it).
    split_lift_m : float
        A set whose reps go from rising this much less to this much more
        per rep (or back) is two sets (:meth:`_split_by_lift`).
    split_heel_m : float
        So is a foot set whose reps go from sinking or staying to lifting
        the heel by this much more (:meth:`_split_by_heel`; simulated toe
        presses -0.7 to +0.4 cm, seated heel raises +0.9 to +3.2 cm).

    Attributes (after :meth:`detect`)
    ----------
    bouts_ : DataFrame
        ``exercise``, ``start_s``, ``end_s``.
    evidence_ : list of dict
        Per bout: ``in_posture``, ``reps``, ``range_deg``, ``range_cv``,
        ``lift_m``, ``lift_doubt_m``, ``overshoot``, ``rest_s``,
        ``posture_cue``, ``hold_s``, ``hold_cv``, ``heel_lift_m`` (foot), ``peak_g``, ``flight_s``
        (see :class:`analysis.confidence.ConfidenceRater.rate`).
    reps_ : DataFrame
        ``bout``, ``start_s``, ``end_s``, ``hold_s``, ``range_deg``.
    """

    def __init__(self, max_rep_gap_s: float = 30.0, min_reps_per_bout: int = 3,
                 pencil_min_hold_s: float = 7.0, min_foot_range_deg: float = 0.6,
                 pencil_min_lift_m: float = 0.015, split_lift_m: float = 0.05, split_heel_m: float = 0.012):
        self.split_lift_m = split_lift_m
        self.split_heel_m = split_heel_m
        self.pencil_min_lift_m = pencil_min_lift_m
        self.max_rep_gap_s = max_rep_gap_s
        self.min_reps_per_bout = min_reps_per_bout
        self.pencil_min_hold_s = pencil_min_hold_s
        self.min_foot_range_deg = min_foot_range_deg

    def detect(self, signals: SessionSignals, claimed: np.ndarray | None = None) -> HoldSetDetector:
        """``claimed``: samples already explained by other bouts (no rep is looked for there)."""
        sig = signals
        t, sampling_rate_hz, foot, valid = sig.t, sig.sampling_rate_hz, sig.foot, sig.valid
        busy = claimed if claimed is not None else np.zeros(len(t), dtype=bool)
        earth_acc = sig.orientation.earth_acc
        where = sig.postures
        bouts, reps, evidence = [], [], []
        postures = ({"flat": where["flat"], "toes_up": where["toes_up"]} if foot
                    else {"upright": where["upright"]})
        gyr_norm = np.linalg.norm(sig.gyr, axis=1)
        tilt = sig.tilt_deg
        # A long gap splits the signal: no rep is measured across one.
        # (Short losses, a few packets, are interpolated: the angle of a
        # hold changes slowly.)
        stretches = [(posture, s, e) for posture, mask in postures.items()
                     for s, e in zip(*runs(mask & ~busy & ~sig.long_gap)) if (e - s) / sampling_rate_hz >= 5]
        # Dorsiflexion against the band raises the toes; toe presses
        # and pencil pickups tip the foot whichever way the instep
        # and the grip make it, so both directions are tried set by
        # set (a pencil set and a toe-press set may go opposite ways).
        jobs = [(s, e, sign) for posture, s, e in stretches for sign in ((1,) if posture == "toes_up" else (1, -1))]
        # A foot flat on the floor is still between and during reps;
        # a shank sways, so its reps must be held stiller than they move.
        proto = (HoldRepDetector(min_amplitude_deg=0.6, max_hold_speed_frac=0.5) if foot else
                 HoldRepDetector(min_amplitude_deg=2.0, max_hold_speed_frac=0.3))
        detected = iter(self._detect_reps(proto, jobs, tilt, valid, sampling_rate_hz))
        for posture, s, e in stretches:
            seg_angle = tilt[s:e]
            signs = (1,) if posture == "toes_up" else (1, -1)
            found_sets, every = [], {}
            for sign in signs:
                det = next(detected)
                found = _Reps(det._rep_columns)
                # A rep cut by the stretch's edge began or ended in
                # another posture: that is the posture change, not a rep.
                edge = int(0.5 * sampling_rate_hz)
                found = found.iloc[(found.start > edge) & (found.stop < (e - s) - edge)]
                every[sign] = found
                groups = self._group(found, t[s:e], gap_s=self.max_rep_gap_s, activity=gyr_norm[s:e])
                if posture == "flat":
                    groups = [part for g in groups
                              for part in self._split_pencil(g, earth_acc, s, sampling_rate_hz)]
                for g in groups:
                    g = self._drop_outliers(g, sampling_rate_hz)
                    if len(g):
                        found_sets.append((sign, det, g))
            candidates, smooth = [], None
            for sign, det, g in found_sets:
                # Read one direction's holds as the other's rests, a set
                # spans a little less or more: the rest the set starts
                # from is judged outside both readings.
                a0, a1 = int(g.start[0]), int(g.stop[-1])
                for _, _, h in found_sets:
                    if h.start[0] < a1 and a0 < h.stop[-1]:
                        a0, a1 = min(a0, int(h.start[0])), max(a1, int(h.stop[-1]))
                cues = set_cues(sign * seg_angle, det, g, sampling_rate_hz, gyr_norm[s:e], span=(a0, a1))
                candidates.append((sign, g, cues))
            for sign, group, cues in self._resolve(candidates):
                if -sign in every:
                    group = self._either_way(group, sign, every[-sign], sampling_rate_hz, self.max_rep_gap_s)
                # Below a degree a foot's "reps" are a resting foot
                # shifting its weight (the other foot exercising), not
                # a press held against the floor.
                if foot and np.median(np.abs(group.range_deg)) < self.min_foot_range_deg:
                    continue
                every_lift = _rise_per_rep(group, earth_acc, s, sampling_rate_hz)
                heel = toes_down_rise(earth_acc, tilt, group, s, sampling_rate_hz) if posture == "flat" else None
                for part, lifts in self._split_by_heel(self._split_by_lift(group, every_lift), group, heel):
                    group = part
                    holds = (group.hold_stop - group.hold_start) / sampling_rate_hz
                    name = self._name_hold_bout(posture, holds, float(np.median(lifts)))
                    need = self.min_reps_per_bout if name != "pencil_pickup" else 2
                    if name is None or len(group) < need:
                        continue
                    k = len(bouts)
                    a, b = s + int(group.start[0]), s + int(group.stop[-1])
                    bouts.append((name, t[a], t[b]))
                    if smooth is None:
                        smooth = lowpass(seg_angle, proto.cutoff_hz, sampling_rate_hz)
                    peak, held = rep_extent(smooth, group, sampling_rate_hz)
                    move_s = float(np.median(group.hold_start - group.start)) / sampling_rate_hz
                    evidence.append({"in_posture": sig.in_posture(name, a, b), "reps": len(group),
                                     "range_deg": float(np.median(group.amplitude_deg)),
                                     "range_cv": float(np.std(group.amplitude_deg)
                                                       / max(np.mean(group.amplitude_deg), 1e-6)),
                                     "lift_m": float(np.median(lifts)),
                                     "lift_doubt_m": rise_doubt(float(np.median(group.amplitude_deg)), move_s),
                                     "overshoot": float(np.median(peak / np.maximum(held, 0.2))),
                                     "rest_s": (float(np.median((group.start[1:] - group.stop[:-1])
                                                                / sampling_rate_hz)) if len(group) > 1 else None),
                                     "posture_cue": None if not np.isfinite(cues[0]) else float(cues[0]),
                                     "hold_s": float(np.median(holds)),
                                     "hold_cv": float(np.std(holds) / max(np.mean(holds), 1e-6)),
                                     "heel_lift_m": (float(np.median(toes_down_rise(
                                         earth_acc, tilt, group, s, sampling_rate_hz))) if foot else None),
                                     **motion_evidence(sig.acc, a, b, sampling_rate_hz)})
                    reps += [(k, t[s + a_], t[s + b_], (h1 - h0) / sampling_rate_hz, abs(r_))
                             for a_, b_, h0, h1, r_ in zip(group.start.tolist(), group.stop.tolist(),
                                                           group.hold_start.tolist(), group.hold_stop.tolist(),
                                                           group.range_deg.tolist())]
        self.bouts_ = _bouts(bouts)
        self.evidence_ = evidence
        self.reps_ = pd.DataFrame(reps, columns=["bout", "start_s", "end_s", "hold_s", "range_deg"])
        return self

    @staticmethod
    def _detect_reps(proto: HoldRepDetector, jobs: list, angle: np.ndarray, valid: np.ndarray,
                     sampling_rate_hz: float, batch_samples: int = 500_000) -> list[HoldRepDetector]:
        """A rep detector (``proto``'s parameters) run on ``sign · angle[s:e]`` per job ``(s, e, sign)``.

        Run together a batch at a time (:func:`~analysis.reps.detect_many`:
        judging a stretch's dozen excursions alone cost as much per array
        operation as judging a batch's thousands); batches of about
        ``batch_samples`` keep their arrays small beside a day's signals.
        """
        out, batch, size = [], [], 0
        for k, (s, e, sign) in enumerate(jobs):
            batch.append((s, e, sign))
            size += e - s
            if size >= batch_samples or k == len(jobs) - 1:
                out += detect_many([proto.clone() for _ in batch], [sign_ * angle[s_:e_] for s_, e_, sign_ in batch],
                                   sampling_rate_hz, [valid[s_:e_] for s_, e_, _ in batch])
                batch, size = [], 0
        return out

    def _split_pencil(self, group: pd.DataFrame, earth_acc: np.ndarray, offset: int,
                      sampling_rate_hz: float) -> list[pd.DataFrame]:
        """:meth:`_split_by_hold` at ``pencil_min_hold_s``, kept only when the longer-held
        part lifts the foot as a pencil pickup does (``pencil_min_lift_m``).

        Otherwise both parts would be named toe presses: one person's holds
        spread from 3.5 to 8 s in one set of presses (simulator seed 3022),
        and the split made two sets of it, one too short to be sure of.
        """
        parts = self._split_by_hold(group, sampling_rate_hz, self.pencil_min_hold_s)
        if len(parts) < 2:
            return parts
        held = [float(np.median(_col(p, "hold_stop") - _col(p, "hold_start"))) for p in parts]
        longer = parts[int(np.argmax(held))]
        lifts = _rise_per_rep(longer, earth_acc, offset, sampling_rate_hz)
        return parts if float(np.median(lifts)) >= self.pencil_min_lift_m else [group]

    def _split_by_lift(self, group: pd.DataFrame, lifts: np.ndarray) -> list[tuple[pd.DataFrame, np.ndarray]]:
        """Split a set where the sensor's rise per rep changes from small to large.

        Leg raises straight after the band set (lying or seated on the
        floor, the toes up both ways) read as more reps of it: a band rep
        turns the foot about the ankle, which stays put, while a leg raise
        lifts the sensor by ten centimetres and more. The best single split
        (largest between-part variance, as :meth:`_split_by_hold`) is kept
        when both parts have two or more reps and their median rises
        differ by ``split_lift_m`` and threefold.
        """
        n = len(lifts)
        if n < 4:
            return [(group, lifts)]
        cut = _otsu_cut(lifts)
        lo, hi = sorted((float(np.median(lifts[:cut])), float(np.median(lifts[cut:]))))
        if hi - lo < self.split_lift_m or hi < 3 * max(lo, 0.005):
            return [(group, lifts)]
        return [(group.iloc[:cut], lifts[:cut]), (group.iloc[cut:], lifts[cut:])]

    def _split_by_heel(self, parts: list, group: pd.DataFrame, heel: np.ndarray | None,
                       ) -> list[tuple[pd.DataFrame, np.ndarray]]:
        """Split each of ``parts`` (of ``group``) where its reps start lifting the heel.

        Heel raises (seated or standing) straight after a toe-press set,
        with the foot flat both ways, read as more reps of it: the instep
        rises as the toes go down in a heel raise and sinks or stays in a
        press (:func:`~analysis.confidence.toes_down_rise`, ``heel`` per
        rep of ``group``; foot flat only). The best single split (as
        :meth:`_split_by_lift`) is kept when both parts have three or more
        reps, their medians differ by ``split_heel_m`` and no rep of the
        lower part rises as far as one of the higher.
        """
        if heel is None:
            return parts
        out = []
        for part, lifts in parts:
            h = heel[np.searchsorted(_col(group, "start"), _col(part, "start"))]
            cut = _otsu_cut(h) if len(h) >= 6 else 0
            lo, hi = sorted((h[:cut], h[cut:]), key=lambda x: float(np.median(x)) if len(x) else 0.0)
            # Both parts alike within and apart from each other: a noisy
            # set's rises, up and down from rep to rep, overlap.
            if (cut < 3 or len(h) - cut < 3 or float(np.median(hi) - np.median(lo)) < self.split_heel_m
                    or lo.max() >= hi.min()):
                out.append((part, lifts))
                continue
            out += [(part.iloc[:cut], lifts[:cut]), (part.iloc[cut:], lifts[cut:])]
        return out

    def _name_hold_bout(self, posture: str, holds: np.ndarray, lift_m: float = 0.0) -> str | None:
        if posture == "toes_up":
            return "resistance_band"
        if posture == "upright":
            return "toe_press"
        # A foot flat on the floor: standing (toe press) or seated (pencil)
        # look alike to a foot sensor; the prescribed holds (~4 s against
        # >= 10 s) tell them apart, except that people hold presses up to
        # 20 s: holding a pencil up lifts the foot, a toe press leaves it on
        # the floor. (A lift alone does not make a pencil set: sitting down
        # and standing up lifts the foot too, and is left to the confidence.)
        if np.median(holds) >= self.pencil_min_hold_s and lift_m >= self.pencil_min_lift_m:
            return "pencil_pickup"
        return "toe_press"


    @staticmethod
    def _resolve(candidates: list) -> list:
        """Keep sets that do not overlap; where two overlap, the likelier one."""
        keep = []
        for cand in sorted(candidates, key=lambda c: c[1].start[0]):
            sign, g, cues = cand
            a0, a1 = g.start[0], g.stop[-1]
            clash = [k for k in keep if k[1].start[0] < a1 and a0 < k[1].stop[-1]]
            if all(prefer(cues, k[2]) for k in clash):
                gone = {id(k) for k in clash}
                keep = [k for k in keep if id(k) not in gone] + [cand]
        return keep

    @staticmethod
    def _split_by_hold(group: pd.DataFrame, sampling_rate_hz: float, between_s: float | None = None,
                       ratio: float = 1.8) -> list[pd.DataFrame]:
        """Split a set where the holds change from short to long.

        Toe presses (held ~4 s, standing) and pencil pickups (held ≥ 10 s,
        seated) both keep the foot flat; done one after the other they can
        look like one set. The best single split of the log hold durations
        separates them when both parts have two or more reps. With
        ``between_s``, only a split whose parts' median holds lie on either
        side of it: uneven holds of one exercise stay one set.
        """
        holds = np.log(np.maximum((_col(group, "hold_stop") - _col(group, "hold_start")) / sampling_rate_hz, 0.1))
        n = len(holds)
        if n < 4:
            return [group]
        # Split where the two parts differ most for their sizes (largest
        # between-part variance, Otsu's criterion): comparing medians alone
        # let a long set absorb the other set's first, shorter-held rep.
        k_best = _otsu_cut(holds)
        gain = abs(np.median(holds[:k_best]) - np.median(holds[k_best:]))
        if gain < np.log(ratio):
            return [group]
        if between_s is not None:
            lo, hi = sorted((np.median(holds[:k_best]), np.median(holds[k_best:])))
            if not lo < np.log(between_s) <= hi:
                return [group]
        return [group.iloc[:k_best], group.iloc[k_best:]]

    @staticmethod
    def _either_way(group: pd.DataFrame, sign: int, other: pd.DataFrame, sampling_rate_hz: float,
                    gap_s: float) -> pd.DataFrame:
        """A set's reps in both directions, each leaving from the set's rest.

        Someone may tip the foot the other way in one rep of a set (a
        pencil gripped differently). Read one way, that rep is missed and
        its return to rest looks like a rep starting from the held level.
        Every rep leaves from rest: reps of the set that start far from the
        level most of them start from are dropped, and reps found the other
        way that start from it, move as far and overlap none are added.
        """
        if len(group) < 2 or len(other) == 0:
            return group
        rest = np.median(sign * _col(group, "rest_deg"))
        amp = float(np.median(np.abs(_col(group, "range_deg"))))
        from_rest = np.abs(sign * _col(group, "rest_deg") - rest) < 0.5 * amp
        keep = group.iloc[from_rest] if from_rest.sum() >= 2 else group
        lo = _col(keep, "start").min() - gap_s * sampling_rate_hz
        hi = _col(keep, "stop").max() + gap_s * sampling_rate_hz
        o_start, o_stop = _col(other, "start"), _col(other, "stop")
        extra = np.flatnonzero((np.abs(-sign * _col(other, "rest_deg") - rest) < 0.5 * amp)
                               & (np.abs(_col(other, "range_deg")) >= 0.5 * amp)
                               & (o_start >= lo) & (o_stop <= hi))
        taken = [(int(a), int(b)) for a, b in zip(_col(keep, "start"), _col(keep, "stop"))]
        add = [i for i in extra if not any(o_start[i] < b2 and a2 < o_stop[i] for a2, b2 in taken)]
        if not add:
            return keep
        if isinstance(keep, pd.DataFrame):
            return pd.concat([keep, other.iloc[add]]).sort_values("start", ignore_index=True)
        both = {c: np.concatenate([keep[c], other[c][add]]) for c in keep._columns}
        return _Reps(both).iloc[np.argsort(both["start"])]

    @staticmethod
    def _drop_outliers(group: pd.DataFrame, sampling_rate_hz: float) -> pd.DataFrame:
        """Drop "reps" unlike the rest of their set.

        Sitting down, lying back or adjusting the band next to a set can look
        like one more rep, but it moves much further or stays much longer
        than the person's reps do; sway or a shift after a set moves far less.
        """
        if len(group) < 3:
            return group
        amp = _col(group, "amplitude_deg")
        hold = (_col(group, "hold_stop") - _col(group, "hold_start")) / sampling_rate_hz
        # Every rep of a set reaches the held position: standing sway after
        # the last rep moves the shank a tenth as far. The reference is the
        # upper half's median: standing still after a set of 6° presses
        # gave as many 0.2° "reps" as the set had reps, and the median of
        # all then judged the real ones too big (simulator seed 3006:
        # 7 presses read as 3).
        moved = np.abs(_col(group, "range_deg"))
        ok = moved >= 0.4 * np.median(moved[moved >= np.median(moved)])
        # The person's reps set what is far or long for them.
        med_amp, med_hold = np.median(amp[ok]), np.median(hold[ok])
        ok &= (amp <= 1.8 * med_amp) & (hold <= max(2.2 * med_hold, med_hold + 4.0))
        # Fiddling with the band or the pencil just before or after a set
        # makes brief "holds" at its ends; real reps in a set are held
        # alike, though a person's holds spread by ±30 % (log) and more:
        # 0.45 of the median dropped a real last rep held 2.2 s in a set
        # held 5 s (simulator seed 3058, ankle).
        idx = np.flatnonzero(ok)
        while len(idx) >= 4 and hold[idx[0]] < 0.3 * med_hold:
            ok[idx[0]] = False
            idx = idx[1:]
        while len(idx) >= 4 and hold[idx[-1]] < 0.3 * med_hold:
            ok[idx[-1]] = False
            idx = idx[:-1]
        return group.iloc[ok]

    @staticmethod
    def _group(events: pd.DataFrame, t: np.ndarray, gap_s: float,
               activity: np.ndarray | None = None, busy_dps: float = 60.0):
        """Split events (sorted by ``start``) into sets.

        A new set starts after a pause longer than ``gap_s``, or after a
        pause in which the leg moved briskly (``activity`` above
        ``busy_dps``): rests between reps are calm, while getting up,
        sitting down or walking to the next station are not.
        """
        if not len(events):
            return []
        events = events.iloc[np.argsort(_col(events, "start"))]
        starts, stops = _col(events, "start"), _col(events, "stop")
        pause = t[starts[1:]] - t[stops[:-1]]
        split = pause > gap_s
        if activity is not None:
            smooth = uniform_filter1d(activity, 10, mode="nearest")
            for i, (a, b) in enumerate(zip(stops[:-1], starts[1:])):
                if b > a and smooth[a:b].max() > busy_dps:
                    split[i] = True
        cut = np.r_[0, np.flatnonzero(split) + 1, len(events)]
        return [events.iloc[a:b] for a, b in zip(cut[:-1], cut[1:]) if b > a]


class QuietStanceDetector:
    """Quiet standing for balance: upright, calm, not part of a bout.

    Parameters
    ----------
    min_stance_s : float
        Quiet standing this long or longer is kept.

    Attributes (after :meth:`detect`)
    ----------
    stances_ : DataFrame
        ``start_s``, ``end_s``.
    """

    def __init__(self, min_stance_s: float = 10.0):
        self.min_stance_s = min_stance_s

    def detect(self, signals: SessionSignals, claimed: np.ndarray, bouts: list) -> QuietStanceDetector:
        """``claimed``: samples explained by gait and circles; ``bouts``: (exercise, start_s, end_s)."""
        sig = signals
        t, sampling_rate_hz = sig.t, sig.sampling_rate_hz
        upright = sig.grav_smooth[:, 2] > np.cos(np.radians(25))
        in_bout = claimed.copy()
        for _, b0, b1 in bouts:
            # t increases: the bout's samples are one slice (a whole-day
            # comparison per bout was O(n) each).
            in_bout[np.searchsorted(t, b0, side="left"):np.searchsorted(t, b1, side="right")] = True
        stances = [(t[s], t[e - 1]) for s, e in zip(*runs(sig.calm & upright & ~in_bout))
                   if (e - s) / sampling_rate_hz >= self.min_stance_s]
        self.stances_ = pd.DataFrame(stances, columns=["start_s", "end_s"])
        return self
