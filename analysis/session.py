"""One session's analysis: from samples to bouts, reps, holds, circles and strides.

:class:`SessionAnalyzer` is the one path from samples to results: offline
analysis, replay and the live view all call it, so they cannot disagree.

Steps (each a small class of its own module):

1. :class:`~analysis.preprocess.UniformResampler` to a 50 Hz grid that
   keeps gaps as gaps; rest and gyro bias;
2. :class:`~analysis.orientation.OrientationFilter` (imufusion AHRS);
3. :class:`~analysis.gait.GaitBoutDetector` (mounting-free);
4. :class:`~analysis.mounting.MountingEstimator` → foot or shank frame;
5. posture from the gravity direction in that frame
   (:mod:`analysis.posture`);
6. :class:`~analysis.circles.CircleDetector`, the gait bouts' strides and
   tiptoe test, and :class:`~analysis.reps.HoldRepDetector` per posture;
7. bouts assembled and named, quiet stances kept for balance;
8. each bout's confidence from the mounting's source, its posture and the
   signs of look-alikes (:mod:`analysis.confidence`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.ndimage import uniform_filter1d

from sensors.contract import NOT_OBSERVABLE, PLACEMENTS

from .circles import CircleDetector, circle_sets
from .confidence import ConfidenceRater, climb_per_stride, displacement, motion_evidence
from .gait import GaitBoutDetector, StrideDetector, runs, stride_features
from .mounting import MountingEstimator
from .orientation import OrientationFilter
from .posture import fraction_in_posture, posture_masks
from .preprocess import UniformResampler, gyro_bias, still_mask
from .reps import HoldRepDetector, lowpass, prefer, set_cues

BOUT_COLUMNS = ["exercise", "start_s", "end_s", "confidence"]


class SessionAnalyzer:
    """Detect the programme's exercises in one recording.

    Parameters
    ----------
    sampling_rate_hz : float
        Analysis grid rate.
    max_rep_gap_s : float
        Reps further apart than this start a new bout.
    min_reps_per_bout : int
        Fewer rep-like movements are fidgeting, not a set (pencil pickups,
        prescribed three per foot, need two).
    pencil_min_hold_s : float
        With the foot flat, bouts whose median hold is at least this long are
        pencil pickups (held ≥ 10 s by prescription) rather than toe presses
        (held ~4 s).
    min_stance_s : float
        Quiet standing this long or longer is kept for balance measures.
    min_tiptoe_strides : int
        Fewer contacts on tiptoe are a stumble or a stretch, not the exercise.
    min_duration_s : float
        Shorter recordings hold no exercise; they are reported empty.
    max_bridged_gap_s : float
        A rep may span a loss of up to this long; longer gaps split sets.
    min_circles_per_bout : int
        Fewer turns are a fidget (8–10 s each way makes 5 or more).
    min_foot_range_deg : float
        A set of reps seen by a foot sensor must move the foot at least
        this far (median ``range_deg``).
    """

    def __init__(self, sampling_rate_hz: float = 50.0, max_rep_gap_s: float = 30.0, min_reps_per_bout: int = 3,
                 pencil_min_hold_s: float = 7.0, min_stance_s: float = 10.0,
                 min_tiptoe_strides: int = 6, min_duration_s: float = 3.0,
                 max_bridged_gap_s: float = 3.0, min_circles_per_bout: int = 5,
                 min_foot_range_deg: float = 1.0):
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
               known_mounting=None) -> "SessionAnalyzer":
        """Analyse samples.

        Parameters
        ----------
        data : DataFrame
            Contract columns ``t`` (s), ``acc_*`` (m/s²), ``gyr_*`` (deg/s).
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
        not_observable_ : dict
            What this placement cannot measure, and why.
        """
        self.placement_ = placement if placement in PLACEMENTS else "foot"
        self.not_observable_ = NOT_OBSERVABLE[self.placement_]
        if len(data) < 2 or float(data["t"].iloc[-1] - data["t"].iloc[0]) < self.min_duration_s:
            return self._empty(data)
        u = UniformResampler(self.sampling_rate_hz).resample(data)
        sampling_rate_hz = u.sampling_rate_hz
        still = still_mask(u.acc, u.gyr, sampling_rate_hz) & u.valid
        bias = gyro_bias(u.gyr, still)
        gyr = u.gyr - bias
        orient = OrientationFilter().estimate(u, bias)
        foot = self.placement_ == "foot"
        # A shank swings less than a foot, and least on tiptoe (short steps,
        # no heel rocker). Without a foot's still stance to require, a
        # shank's gait must repeat clearly: a set of knee bends half-repeats.
        gait = GaitBoutDetector(require_stance_rest=foot, active_dps=25.0 if foot else 20.0,
                                min_periodicity=0.25 if foot else 0.5).detect(
            gyr, u.valid, sampling_rate_hz).bouts_
        mount = known_mounting or MountingEstimator().estimate(
            u.acc, gyr, still, orient.quat, orient.earth_acc, gait, sampling_rate_hz, declared=mounting).mounting_
        r = mount.matrix
        gyr_s = gyr @ r.T
        grav_s = orient.gravity @ r.T
        # Pitch in the sagittal plane, + = toes (or shin) up; atan2 keeps its
        # sensitivity through 90° (a dorsiflexed foot on the floor points
        # its toes almost straight up).
        elevation = np.degrees(np.arctan2(grav_s[:, 0], grav_s[:, 2]))
        roll = np.degrees(np.arctan2(grav_s[:, 1], grav_s[:, 2]))
        self.mounting_ = mount
        self.gyro_bias_dps_ = bias
        acc_lp = lowpass(u.acc @ r.T, 2.0, sampling_rate_hz)
        self.signals_ = pd.DataFrame({
            "t": u.t, "valid": u.valid, "still": still, "elevation_deg": elevation, "roll_deg": roll,
            "tilt_deg": np.degrees(np.arctan2(acc_lp[:, 0], acc_lp[:, 2])),
            "gyr_x": gyr_s[:, 0], "gyr_y": gyr_s[:, 1], "gyr_z": gyr_s[:, 2],
            "acc_x": (u.acc @ r.T)[:, 0], "acc_y": (u.acc @ r.T)[:, 1], "acc_z": (u.acc @ r.T)[:, 2],
        })
        t = u.t
        busy = np.zeros(len(t), dtype=bool)  # samples already explained
        bouts, reps, circles, strides = [], [], [], []
        details: dict[int, dict] = {}
        evidence: dict[int, dict] = {}  # per bout: what its confidence is judged on
        grav_smooth = lowpass(grav_s, 0.5, sampling_rate_hz)
        where = posture_masks(grav_smooth, self.placement_)
        earth_acc = orient.earth_acc

        def in_posture(name, a, b):
            sel = np.zeros(len(t), dtype=bool)
            sel[a:b] = u.valid[a:b]
            return fraction_in_posture(where, name, self.placement_, sel)

        # Gait: tiptoe walking is an exercise; ordinary walking is not.
        last_tiptoe = None
        for g in gait.itertuples():
            # The activity envelope lags the first step: look for contacts
            # from a stride before it.
            lo = max(0, g.start - int(g.period_s * sampling_rate_hz))
            sl = slice(lo, g.stop)
            sd = StrideDetector().detect(u.acc[sl], gyr[sl], g.period_s, sampling_rate_hz)
            contacts = sd.contacts_ + lo
            busy[g.start:g.stop] = True
            if len(contacts) < 3:
                continue
            # Only the bout's stretch: negating the whole day for each of its
            # ~500 walks made this quadratic in length (16 s of 74 s on 24 h).
            feats = stride_features(-elevation[sl], gyr_s[sl, 1], contacts - lo, sampling_rate_hz)
            if len(contacts) < self.min_tiptoe_strides or not self._is_tiptoe(feats):
                continue
            # A stumble or a lost stretch can cut one walk in two: a tiptoe
            # bout that goes on within two strides of the last is the same.
            if bouts and bouts[-1][0] == "tiptoe_walk" and last_tiptoe is not None \
                    and t[contacts[0]] - t[last_tiptoe[-1]] < 2.0 * g.period_s:
                prev = len(bouts) - 1
                contacts = np.r_[last_tiptoe, contacts[contacts > last_tiptoe[-1] + int(0.5 * g.period_s * sampling_rate_hz)]]
                bouts.pop()
                strides = [s_ for s_ in strides if s_[0] != prev]
                details.pop(prev, None)
            last_tiptoe = contacts
            k = len(bouts)
            stride_s = np.diff(t[contacts])
            # The walk goes on through the last contact's stance (the other
            # foot still steps and the person stops): about half a stride.
            end = contacts[-1] + int(round(0.5 * np.median(np.diff(contacts))))
            bouts.append(("tiptoe_walk", t[contacts[0]], t[min(end, len(t) - 1)]))
            evidence[k] = {"in_posture": in_posture("tiptoe_walk", contacts[0], end),
                           "stride_s": float(np.median(stride_s)),
                           "climb_m": climb_per_stride(earth_acc, gyr, contacts, sampling_rate_hz),
                           **motion_evidence(u.acc, contacts[0], end, sampling_rate_hz)}
            strides += [(k, t[c]) for c in contacts]
            details[k] = {
                # One foot's contacts: two steps per stride.
                "cadence_spm": 120.0 / float(np.median(stride_s)),
                "stride_time_cv_pct": 100.0 * float(np.std(stride_s) / np.mean(stride_s)),
                # Plantarflexion of the foot in stance; a shank sensor cannot see it.
                "heel_rise_deg": float(np.median(feats.stance_pitch_deg)) if foot else None,
            }

        # Ankle circles (a foot-worn sensor only).
        if foot:
            # Circling with the leg raised can be periodic enough for the
            # gait detector; a walking foot is near flat on average, a
            # raised one is not, so only gait with the foot down is excluded.
            walking = np.zeros(len(t), dtype=bool)
            for g in gait.itertuples():
                if np.median(grav_s[g.start:g.stop, 2]) > 0.5:
                    walking[g.start:g.stop] = True
            cd = CircleDetector().detect(gyr_s, sampling_rate_hz, valid=u.valid & ~(busy & walking))
            for group in circle_sets(cd.circles_, sampling_rate_hz):
                if len(group) < self.min_circles_per_bout:
                    continue
                k = len(bouts)
                a, b = int(group["start"].iloc[0]), int(group["stop"].iloc[-1])
                bouts.append(("ankle_circles", t[a], t[b]))
                evidence[k] = {"in_posture": in_posture("ankle_circles", a, b),
                               "directions": int(group.direction.nunique()),
                               **motion_evidence(u.acc, a, b, sampling_rate_hz)}
                busy[group["start"].iloc[0]:group["stop"].iloc[-1]] = True
                circles += [(k, t[c.start], t[c.stop], c.direction, c.size_deg) for c in group.itertuples()]

        # Move–hold–release exercises, per posture.
        postures = ({"flat": where["flat"], "toes_up": where["toes_up"]} if foot
                    else {"upright": where["upright"]})
        gyr_norm = np.linalg.norm(gyr, axis=1)
        # Reps are slow and their holds still, so the segment's tilt comes
        # straight from gravity in the accelerometer: no orientation filter
        # still catching up after a walk or a brisk turn shifts the rest
        # level a rep starts from.
        tilt = self.signals_["tilt_deg"].to_numpy()
        long_gap = np.zeros(len(t), dtype=bool)
        for a, b in zip(*runs(~u.valid)):
            if (b - a) / sampling_rate_hz >= self.max_bridged_gap_s:
                long_gap[a:b] = True
        for posture, mask in postures.items():
            # A long gap splits the signal: no rep is measured across one.
            # (Short losses, a few packets, are interpolated: the angle of a
            # hold changes slowly.)
            for s, e in zip(*runs(mask & ~busy & ~long_gap)):
                if (e - s) / sampling_rate_hz < 5:
                    continue
                seg_angle = tilt[s:e]
                # A foot flat on the floor is still between and during reps;
                # a shank sways, so its reps must be held stiller than they move.
                proto = (HoldRepDetector(min_amplitude_deg=0.6, max_hold_speed_frac=0.5) if foot else
                         HoldRepDetector(min_amplitude_deg=2.0, max_hold_speed_frac=0.3))
                # Dorsiflexion against the band raises the toes; toe presses
                # and pencil pickups tip the foot whichever way the instep
                # and the grip make it, so both directions are tried set by
                # set (a pencil set and a toe-press set may go opposite ways).
                signs = (1,) if posture == "toes_up" else (1, -1)
                found_sets, every = [], {}
                for sign in signs:
                    det = proto.clone().detect(sign * seg_angle, sampling_rate_hz, valid=u.valid[s:e])
                    found = det.reps_
                    # A rep cut by the stretch's edge began or ended in
                    # another posture: that is the posture change, not a rep.
                    edge = int(0.5 * sampling_rate_hz)
                    found = found[(found.start > edge) & (found.stop < (e - s) - edge)]
                    every[sign] = found
                    groups = self._group(found, t[s:e], gap_s=self.max_rep_gap_s, activity=gyr_norm[s:e])
                    if posture == "flat":
                        groups = [part for g in groups
                                  for part in self._split_by_hold(g, sampling_rate_hz, self.pencil_min_hold_s)]
                    for g in groups:
                        g = self._drop_outliers(g, sampling_rate_hz)
                        if len(g):
                            found_sets.append((sign, det, g))
                candidates = []
                for sign, det, g in found_sets:
                    # Read one direction's holds as the other's rests, a set
                    # spans a little less or more: the rest the set starts
                    # from is judged outside both readings.
                    a0, a1 = int(g.start.iloc[0]), int(g.stop.iloc[-1])
                    for _, _, h in found_sets:
                        if h.start.iloc[0] < a1 and a0 < h.stop.iloc[-1]:
                            a0, a1 = min(a0, int(h.start.iloc[0])), max(a1, int(h.stop.iloc[-1]))
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
                    holds = (group.hold_stop - group.hold_start).to_numpy() / sampling_rate_hz
                    name = self._name_hold_bout(posture, holds)
                    need = self.min_reps_per_bout if name != "pencil_pickup" else 2
                    if name is None or len(group) < need:
                        continue
                    k = len(bouts)
                    a, b = s + int(group.start.iloc[0]), s + int(group.stop.iloc[-1])
                    bouts.append((name, t[a], t[b]))
                    lifts = [abs(displacement(earth_acc, s + int(g.start), s + int(g.hold_start), sampling_rate_hz)[2])
                             for g in group.itertuples()]
                    evidence[k] = {"in_posture": in_posture(name, a, b), "reps": len(group),
                                   "range_deg": float(np.median(group.amplitude_deg)),
                                   "range_cv": float(np.std(group.amplitude_deg)
                                                     / max(np.mean(group.amplitude_deg), 1e-6)),
                                   "lift_m": float(np.median(lifts)),
                                   "hold_s": float(np.median(holds)),
                                   "hold_cv": float(np.std(holds) / max(np.mean(holds), 1e-6)),
                                   **motion_evidence(u.acc, a, b, sampling_rate_hz)}
                    reps += [(k, t[s + g.start], t[s + g.stop], (g.hold_stop - g.hold_start) / sampling_rate_hz,
                              abs(g.range_deg)) for g in group.itertuples()]

        # Quiet standing for balance: upright, calm, not part of a bout.
        # Standing sways the shank by a degree or so, which a shank sensor
        # sees as a slow 1–3 deg/s rotation: quiet, though not still.
        upright = grav_smooth[:, 2] > np.cos(np.radians(25))
        calm = (still_mask(u.acc, u.gyr, sampling_rate_hz) if foot else
                still_mask(u.acc, u.gyr, sampling_rate_hz, window_s=1.0, gyr_thresh_dps=8.0, acc_thresh_mps2=0.5))
        calm &= ~long_gap  # a few lost packets do not end a stance
        in_bout = busy.copy()
        for _, b0, b1 in bouts:
            in_bout[(t >= b0) & (t <= b1)] = True
        stances = [(t[s], t[e - 1]) for s, e in zip(*runs(calm & upright & ~in_bout))
                   if (e - s) / sampling_rate_hz >= self.min_stance_s]

        rater = ConfidenceRater()
        rated = []
        for k, b in enumerate(bouts):
            rater.rate(b[0], evidence.get(k, {}), mount.method, self.placement_, mount.confidence)
            rated.append((rater.confidence_, rater.doubts_))
        order = np.argsort([b[1] for b in bouts], kind="stable")
        remap = {int(old): new for new, old in enumerate(order)}
        self.bouts_ = pd.DataFrame([(*bouts[i], rated[i][0]) for i in order], columns=BOUT_COLUMNS)
        self.doubts_ = {remap[k]: doubts for k, (_, doubts) in enumerate(rated)}
        self.evidence_ = {remap[k]: v for k, v in evidence.items()}
        self.bout_details_ = {remap[k]: v for k, v in details.items()}
        self.reps_ = pd.DataFrame([(remap[k], *rest) for k, *rest in reps],
                                  columns=["bout", "start_s", "end_s", "hold_s", "range_deg"])
        self.circles_ = pd.DataFrame([(remap[k], *rest) for k, *rest in circles],
                                     columns=["bout", "start_s", "end_s", "direction", "size_deg"])
        self.strides_ = pd.DataFrame([(remap[k], ts) for k, ts in strides], columns=["bout", "t_s"])
        self.stances_ = pd.DataFrame(stances, columns=["start_s", "end_s"])
        self.not_observable_ = NOT_OBSERVABLE[self.placement_]
        return self

    def _empty(self, data: pd.DataFrame) -> "SessionAnalyzer":
        """Results for a recording too short to hold any exercise."""
        from .mounting import Mounting

        self.mounting_ = Mounting(np.eye(3), "guess", 0.0)
        self.gyro_bias_dps_ = np.zeros(3)
        self.signals_ = pd.DataFrame(columns=["t", "valid", "still", "elevation_deg", "roll_deg", "tilt_deg",
                                              "gyr_x", "gyr_y", "gyr_z", "acc_x", "acc_y", "acc_z"])
        self.bouts_ = pd.DataFrame(columns=BOUT_COLUMNS)
        self.doubts_, self.evidence_ = {}, {}
        self.bout_details_ = {}
        self.reps_ = pd.DataFrame(columns=["bout", "start_s", "end_s", "hold_s", "range_deg"])
        self.circles_ = pd.DataFrame(columns=["bout", "start_s", "end_s", "direction", "size_deg"])
        self.strides_ = pd.DataFrame(columns=["bout", "t_s"])
        self.stances_ = pd.DataFrame(columns=["start_s", "end_s"])
        return self

    # ------------------------------------------------------------------
    def _is_tiptoe(self, feats: pd.DataFrame) -> bool:
        if feats.empty:
            return False
        stance = float(np.median(feats.stance_pitch_deg))
        arc = float(np.median(feats.sagittal_range_deg))
        if self.placement_ == "foot":
            # On tiptoe the heel never comes down: the foot stays pitched
            # toes-down through stance (heel-to-toe stance is flat), and
            # without heel strike and push-off it turns through a smaller arc.
            # A foot turning through half a heel-to-toe stride's arc is on
            # tiptoe however little the heel is raised, as long as it is
            # (tapping a foot while seated pitches it toes-up).
            return (stance > 8.0 and arc < 55.0) or (stance > 0.0 and arc < 35.0)
        # The shank swings through a smaller arc on tiptoe (short steps, no
        # heel rocker): about 15-35° against 45° and more in heel-to-toe walking.
        return arc < 38.0

    def _name_hold_bout(self, posture: str, holds: np.ndarray) -> str | None:
        if posture == "toes_up":
            return "resistance_band"
        if posture == "upright":
            return "toe_press"
        return "pencil_pickup" if np.median(holds) >= self.pencil_min_hold_s else "toe_press"

    @staticmethod
    def _resolve(candidates: list) -> list:
        """Keep sets that do not overlap; where two overlap, the likelier one."""
        keep = []
        for cand in sorted(candidates, key=lambda c: c[1].start.iloc[0]):
            sign, g, cues = cand
            a0, a1 = g.start.iloc[0], g.stop.iloc[-1]
            clash = [k for k in keep if k[1].start.iloc[0] < a1 and a0 < k[1].stop.iloc[-1]]
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
        holds = np.log(np.maximum((group.hold_stop - group.hold_start).to_numpy() / sampling_rate_hz, 0.1))
        n = len(holds)
        if n < 4:
            return [group]
        # Split where the two parts differ most for their sizes (largest
        # between-part variance, Otsu's criterion): comparing medians alone
        # let a long set absorb the other set's first, shorter-held rep.
        k = np.arange(2, n - 1)
        c = np.cumsum(holds)
        mean_a = c[k - 1] / k
        mean_b = (c[-1] - c[k - 1]) / (n - k)
        k_best = int(k[np.argmax(k * (n - k) * (mean_a - mean_b) ** 2)])
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
        if len(group) < 2 or other.empty:
            return group
        rest = np.median(sign * group.rest_deg.to_numpy())
        amp = float(np.median(np.abs(group.range_deg.to_numpy())))
        from_rest = np.abs(sign * group.rest_deg.to_numpy() - rest) < 0.5 * amp
        keep = group[from_rest] if from_rest.sum() >= 2 else group
        lo, hi = keep.start.min() - gap_s * sampling_rate_hz, keep.stop.max() + gap_s * sampling_rate_hz
        extra = other[(np.abs(-sign * other.rest_deg - rest) < 0.5 * amp)
                      & (np.abs(other.range_deg) >= 0.5 * amp)
                      & (other.start >= lo) & (other.stop <= hi)]
        taken = [(int(a), int(b)) for a, b in zip(keep.start, keep.stop)]
        add = [i for i, (a, b) in enumerate(zip(extra.start, extra.stop))
               if not any(a < b2 and a2 < b for a2, b2 in taken)]
        if not add:
            return keep
        return pd.concat([keep, extra.iloc[add]]).sort_values("start", ignore_index=True)

    @staticmethod
    def _drop_outliers(group: pd.DataFrame, sampling_rate_hz: float) -> pd.DataFrame:
        """Drop "reps" unlike the rest of their set.

        Sitting down, lying back or adjusting the band next to a set can look
        like one more rep, but it moves much further or stays much longer
        than the person's reps do; sway or a shift after a set moves far less.
        """
        if len(group) < 3:
            return group
        amp = group.amplitude_deg.to_numpy()
        hold = (group.hold_stop - group.hold_start).to_numpy() / sampling_rate_hz
        med_amp, med_hold = np.median(amp), np.median(hold)
        ok = (amp <= 1.8 * med_amp) & (hold <= max(2.2 * med_hold, med_hold + 4.0))
        # Every rep of a set reaches the held position: standing sway after
        # the last rep moves the shank a tenth as far.
        moved = np.abs(group.range_deg.to_numpy())
        ok &= moved >= 0.4 * np.median(moved)
        # Fiddling with the band or the pencil just before or after a set
        # makes brief "holds" at its ends; real reps in a set are held alike.
        idx = np.flatnonzero(ok)
        while len(idx) >= 4 and hold[idx[0]] < 0.45 * med_hold:
            ok[idx[0]] = False
            idx = idx[1:]
        while len(idx) >= 4 and hold[idx[-1]] < 0.45 * med_hold:
            ok[idx[-1]] = False
            idx = idx[:-1]
        return group[ok]

    @staticmethod
    def _group(events: pd.DataFrame, t: np.ndarray, gap_s: float,
               activity: np.ndarray | None = None, busy_dps: float = 60.0):
        """Split events (sorted by ``start``) into sets.

        A new set starts after a pause longer than ``gap_s``, or after a
        pause in which the leg moved briskly (``activity`` above
        ``busy_dps``): rests between reps are calm, while getting up,
        sitting down or walking to the next station are not.
        """
        if events.empty:
            return []
        events = events.sort_values("start", ignore_index=True)
        for col in ("start", "stop", "hold_start", "hold_stop"):
            if col in events:
                events[col] = events[col].astype(np.int64)
        starts, stops = events.start.to_numpy(), events.stop.to_numpy()
        pause = t[starts[1:]] - t[stops[:-1]]
        split = pause > gap_s
        if activity is not None:
            smooth = uniform_filter1d(activity, 10, mode="nearest")
            for i, (a, b) in enumerate(zip(stops[:-1], starts[1:])):
                if b > a and smooth[a:b].max() > busy_dps:
                    split[i] = True
        cut = np.r_[0, np.flatnonzero(split) + 1, len(events)]
        return [events.iloc[a:b] for a, b in zip(cut[:-1], cut[1:]) if b > a]

    # ------------------------------------------------------------------
    def exercises(self) -> list[dict]:
        """The contract's ``exercises`` list (toehold-analysis/1)."""
        out = []
        for k, b in enumerate(self.bouts_.itertuples()):
            reps = self.reps_[self.reps_.bout == k]
            circ = self.circles_[self.circles_.bout == k]
            strd = self.strides_[self.strides_.bout == k]
            out.append({
                "exercise": b.exercise, "start_s": round(float(b.start_s), 3),
                "end_s": round(float(b.end_s), 3),
                "reps": [{"start_s": round(float(r.start_s), 3), "end_s": round(float(r.end_s), 3),
                          "hold_s": round(float(r.hold_s), 3), "range_deg": round(float(r.range_deg), 2)}
                         for r in reps.itertuples()],
                "circles": [{"start_s": round(float(c.start_s), 3), "end_s": round(float(c.end_s), 3),
                             "direction": c.direction, "size_deg": round(float(c.size_deg), 1)}
                            for c in circ.itertuples()],
                "strides": [{"t_s": round(float(s.t_s), 3)} for s in strd.itertuples()],
                "confidence": round(float(b.confidence), 2),
                "doubts": list(self.doubts_.get(k, [])),
                **{key: (None if v is None else round(v, 2))
                   for key, v in self.bout_details_.get(k, {}).items()},
            })
        return out
