"""Find how the sensor sits on the foot or shank, from the data itself.

The result is the rotation ``R`` with ``v_segment = R @ v_sensor``, the
segment being the foot frame (x heel→toe, y left, z up out of the instep) or
the shank frame (x forward, y left, z up the shank), per the contract.

* up (z): gravity while standing still: the most common rest posture among
  those that look like the mid-stance of walking (foot flat, shank upright),
  or failing walking the most common rest posture;
* pitch axis (y): the dominant rotation axis of the motion, which for gait
  and for every exercise of the programme is the ankle's flexion axis;
* its sign (forward): the direction the sensor travels during walking,
  integrating gravity-free acceleration between the still stance phases
  (zero-velocity updates), with the resting posture as a fallback (seated
  or lying with the legs out, the toes and the shin face upward).

How sure the forward direction is (``Mounting.confidence``) weighs what a
few strides cannot show: walking needs at least ``min_strides`` strides (at
a foot sensor, from gait bouts whose strides' median travel is
``min_travel_m`` or more: shorter are steps in place, a shuffle or a
look-alike's half-strides, and give no mounting from gait), and its
confidence (foot sensor) is the summed travel's |cos| with the forward axis
times a sign test over the strides (how unlikely as many of them pointing
the same way would be by chance) times ``1 - exp(-strides / 4)`` (a few
consistent strides are no proof: 3 give at most 0.46, 10 up to 0.92); a
shank sensor's is the |cos| alone (see :meth:`MountingEstimator._forward_from_gait`). A
mounting from resting postures weighs each tilted rest by how much of its
gravity lies along the forward axis (lying on the side tips it along the
pitch axis, which tells nothing of forward).
"""
from __future__ import annotations

import dataclasses

import numpy as np
from scipy.spatial.transform import Rotation
from scipy.stats import binom

from .gait import runs
from .preprocess import norm3

AXIS_WORDS = {"forward": (1, 0, 0), "back": (-1, 0, 0), "backward": (-1, 0, 0),
              "left": (0, 1, 0), "right": (0, -1, 0), "up": (0, 0, 1), "down": (0, 0, -1)}


def parse_mounting(text: str) -> np.ndarray | None:
    """``x=forward,y=left,z=up`` → R (3, 3) with v_segment = R @ v_sensor."""
    try:
        parts = dict(p.split("=") for p in text.replace(" ", "").lower().split(","))
        cols = [np.array(AXIS_WORDS[parts[a]], dtype=float) for a in "xyz"]
    except (KeyError, ValueError):
        return None
    r = np.column_stack(cols)
    return r if abs(np.linalg.det(r) - 1) < 1e-6 else None


@dataclasses.dataclass
class Mounting:
    """Sensor-to-segment rotation and how it was found.

    Attributes
    ----------
    matrix : ndarray, shape (3, 3)
        ``v_segment = matrix @ v_sensor``.
    method : str
        ``declared``, ``gait`` (walking gave the forward direction),
        ``posture`` (resting postures did) or ``guess``.
    confidence : float
        0 … 1; how clearly the data decided the forward direction.
    strides : int
        Strides of walking that voted for the forward direction (0: none).
    agreement : float or None
        Share of those strides travelling the way their sum does (None
        without strides).
    """

    matrix: np.ndarray
    method: str
    confidence: float
    strides: int = 0
    agreement: float | None = None


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v)
    return v / n if n > 0 else v


def _column_median(x: np.ndarray) -> np.ndarray:
    """``np.median(x, axis=0)`` of a finite (L, k) array, L >= 1, without its per-call overhead.

    The same partition and the same mean of the middle two (a day has
    thousands of rests, and ``np.median``'s own cost per call was most of
    their time).
    """
    k = len(x) // 2
    if len(x) % 2:
        return np.partition(x, k, axis=0)[k]
    part = np.partition(x, [k - 1, k], axis=0)
    return (part[k - 1] + part[k]) / 2


def _calm_instants(g: np.ndarray, gait_bouts, sampling_rate_hz: float) -> list[np.ndarray]:
    """Per gait bout, its quasi-still instants: the calmest moment of each stride (grid indices).

    ``g``: |angular rate| (deg/s), shape (n,). Minima of its 0.15 s moving
    average at least 0.6 of the bout's stride period apart.
    """
    from scipy.signal import find_peaks

    win = max(1, int(0.15 * sampling_rate_hz))
    out = []
    for b in gait_bouts.itertuples():
        smooth = np.convolve(g[b.start:b.stop], np.ones(win) / win, mode="same")
        mins, _ = find_peaks(-smooth, distance=max(1, int(0.6 * b.period_s * sampling_rate_hz)))
        out.append(mins + b.start)
    return out


def _stride_windows(starts: np.ndarray, lengths: np.ndarray):
    """Group strides by length: yields (rows, L, index array (len(rows), L)) per distinct length L."""
    for n in np.unique(lengths):
        rows = np.flatnonzero(lengths == n)
        yield rows, int(n), starts[rows, None] + np.arange(n)


class MountingEstimator:
    """Estimate the mounting rotation.

    Results: ``mounting_`` (:class:`Mounting`), ``up_share_`` (share of the
    resting time with gravity along the "up" found, 0-1) and
    ``stride_travel_m_`` (each gait stride's horizontal travel, m, shape (k,)).

    Parameters
    ----------
    min_rest_s : float
        Rests shorter than this do not vote for "up".
    cluster_deg : float
        Rests within this angle of each other are one posture.
    min_strides : int
        Fewer strides give no mounting from walking.
    min_travel_m : float
        Nor do a foot sensor's gait bouts whose strides' median horizontal
        travel is shorter (m): people
        walk 0.5-1.6 m a stride (a shuffle 0.3 m); a shank swinging on the
        spot or a half-stride between two calm instants of a step moves the
        sensor far less.
    strides_scale : float
        Confidence grows as ``1 - exp(-strides / strides_scale)``.
    min_gait_confidence, shank_min_gait_confidence : float
        A mounting from walking less sure than this (foot; shank: its |cos|)
        gives way to one from the resting postures when those are surer.
    shank_posture_scale : float
        A shank's forward from resting postures is scaled by this: its shin
        faces up lying or seated with the legs out, but down kneeling, prone
        or leaning into a squat (``mount`` tier, tuning seeds 0-39: 4 of the
        5 shank sessions without walking had forward the wrong way round).
    """

    def __init__(self, min_rest_s: float = 1.0, cluster_deg: float = 12.0, min_strides: int = 3,
                 min_travel_m: float = 0.18, strides_scale: float = 4.0, min_gait_confidence: float = 0.5,
                 shank_posture_scale: float = 0.5, shank_min_gait_confidence: float = 0.3):
        self.shank_min_gait_confidence = shank_min_gait_confidence
        self.shank_posture_scale = shank_posture_scale
        self.min_rest_s = min_rest_s
        self.cluster_deg = cluster_deg
        self.min_strides = min_strides
        self.min_travel_m = min_travel_m
        self.strides_scale = strides_scale
        self.min_gait_confidence = min_gait_confidence

    def estimate(self, acc: np.ndarray, gyr: np.ndarray, still: np.ndarray, quat: np.ndarray,
                 earth_acc: np.ndarray, gait_bouts, sampling_rate_hz: float,
                 declared: str | None = None, rate_dps: np.ndarray | None = None,
                 placement: str = "foot") -> MountingEstimator:
        """Parameters: arrays on the analysis grid (m/s², bias-free deg/s,
        rest mask, (w,x,y,z) quaternions, earth-frame m/s²), gait bouts as
        index ranges (DataFrame with ``start``, ``stop``, ``period_s``);
        ``rate_dps``, the norm of ``gyr`` (n,) when the caller has it;
        ``placement`` (``foot`` or ``ankle``)."""
        if declared:
            r = parse_mounting(declared)
            if r is not None:
                self.mounting_ = Mounting(r, "declared", 1.0)
                return self
        starts, stops = runs(still)
        keep = (stops - starts) >= self.min_rest_s * sampling_rate_hz
        starts, stops = starts[keep], stops[keep]
        if not len(starts):
            self.mounting_ = Mounting(np.eye(3), "guess", 0.0)
            return self
        dirs = np.array([_unit(_column_median(acc[s:e])) for s, e in zip(starts, stops)])
        weights = (stops - starts) / sampling_rate_hz
        # |gyr| once for both gait steps (a whole-day (n, 3) pass each).
        rate = norm3(gyr) if rate_dps is None else rate_dps
        # The calm instants of the strides, for both gait steps.
        calm = _calm_instants(rate, gait_bouts, sampling_rate_hz)
        # A shank is never still in stance: integrated from one calm instant
        # to the next as if it were, its travel comes out short, so at the
        # shank the travel does not tell walking from the rest.
        disp, where, walks = self._walked_strides(earth_acc, gait_bouts, calm, sampling_rate_hz,
                                                  self.min_travel_m if placement == "foot" else 0.0)
        # Mid-stance is standing only in a walk: the calm instants of a
        # look-alike's "strides" (a split squat, a heel raise) are not.
        stance = self._stance_direction(acc, [c for k, c in enumerate(calm) if k in walks])
        up = self._cluster(dirs, weights, near=stance)
        # How much of the resting time is spent with gravity along "up".
        self.up_share_ = float(weights[dirs @ up > np.cos(np.radians(self.cluster_deg))].sum() / weights.sum())

        moving = ~still
        gait_mask = np.zeros(len(gyr), dtype=bool)
        for b in gait_bouts.itertuples():
            gait_mask[b.start:b.stop] = True
        sel = gait_mask if gait_mask.sum() > 2 * sampling_rate_hz else moving
        g = gyr[sel]
        g = g - np.outer(g @ up, up)  # rotation about the vertical is turning, not flexion
        if len(g) < 10:
            y = _unit(np.cross(up, [1.0, 0, 0]) if abs(up[0]) < 0.9 else np.cross(up, [0, 1.0, 0]))
        else:
            _, _, vt = np.linalg.svd(g, full_matrices=False)
            y = _unit(vt[0] - (vt[0] @ up) * up)
        x = np.cross(y, up)

        sign, conf, method, n_strides, agree = self._forward_from_gait(x, up, quat, disp, where,
                                                                       weigh_strides=placement == "foot")
        if conf < (self.min_gait_confidence if placement == "foot" else self.shank_min_gait_confidence):
            p_sign, p_conf = self._forward_from_posture(x, up, dirs, weights)
            # A posture "up" few rests share is no better than any other.
            p_conf *= min(1.0, self.up_share_ / 0.5)
            if placement != "foot":
                p_conf *= self.shank_posture_scale
            if p_conf > conf:
                sign, conf, method = p_sign, p_conf, "posture"
        if sign == 0:
            sign, method = 1.0, "guess"
        x, y = sign * x, sign * y
        self.mounting_ = Mounting(np.vstack([x, y, up]), method, float(conf), n_strides, agree)
        return self

    def _cluster(self, dirs: np.ndarray, weights: np.ndarray, near: np.ndarray | None = None) -> np.ndarray:
        """The best-supported rest posture (optionally: near a direction)."""
        cos_lim = np.cos(np.radians(self.cluster_deg))
        support = (dirs @ dirs.T > cos_lim) @ weights
        if near is not None:
            # Standing still looks like mid-stance of walking (foot flat,
            # shank upright); tiptoe stance is up to ~45° off, and a session
            # whose only walk is on tiptoe has its standing rests that far
            # from the stance: taking the stance itself for "up" then tilted
            # every flat foot by the heel rise.
            for lim in (45, 70):
                close = dirs @ near > np.cos(np.radians(lim))
                if close.any():
                    break
            else:
                return near
            support = np.where(close, support, -1.0)
        best = dirs[np.argmax(support)]
        members = dirs @ best > cos_lim
        return _unit((dirs[members] * weights[members, None]).sum(axis=0))

    @staticmethod
    def _stance_direction(acc, calm: list[np.ndarray]) -> np.ndarray | None:
        """Mean up direction at the calmest instant of each stride (``calm``: :func:`_calm_instants`)."""
        mins = np.concatenate(calm) if calm else np.zeros(0, dtype=np.int64)
        if len(mins) < 4:
            return None
        # Five samples around each (fewer at the recording's ends), averaged
        # for all at once: the same sums as one mean per instant.
        means = np.empty((len(mins), 3))
        inner = (mins >= 2) & (mins + 3 <= len(acc))
        means[inner] = acc[mins[inner, None] + np.arange(-2, 3)].mean(axis=1)
        for k in np.flatnonzero(~inner):
            means[k] = acc[max(0, mins[k] - 2):mins[k] + 3].mean(axis=0)
        return _unit(np.median(np.array([_unit(u) for u in means]), axis=0))

    def _walked_strides(self, earth_acc, gait_bouts, calm: list[np.ndarray], sampling_rate_hz,
                        min_travel_m: float):
        """Per-stride horizontal displacement (earth frame, m) of the gait bouts that walk.

        Returns ``disp`` (k, 3), ``where`` (k,) the grid index each stride
        starts at, and the set of the bouts (row numbers) that walk.

        A stride runs from one calm instant (``calm``: :func:`_calm_instants`)
        to the next, unless over 2.5 periods apart. The bouts' earth-frame
        acceleration (computed when sliced) is gathered into one array and
        strides of equal length are integrated together as rows (a day's
        ~17 000 strides have ~100 lengths; one stride at a time was 45 % of
        the mounting's time), with the same sums as one stride at a time.
        A bout whose strides go nowhere (median travel under
        ``min_travel_m``, m) is no walk: a look-alike (split squats, hops,
        fidgets) or steps on the spot, whose "strides" point any way, the
        same way by chance.
        """
        pieces, at, where, lengths, bout_of, offset = [], [], [], [], [], 0
        for k, (b, mins) in enumerate(zip(gait_bouts.itertuples(), calm)):
            i0, i1 = mins[:-1], mins[1:]
            keep = ~(i1 - i0 > 2.5 * b.period_s * sampling_rate_hz)
            if not keep.any():
                continue
            pieces.append(earth_acc[b.start:b.stop])
            at.append(i0[keep] - b.start + offset)
            where.append(i0[keep])
            lengths.append((i1 - i0)[keep])
            bout_of.append(np.full(int(keep.sum()), k))
            offset += b.stop - b.start
        n_strides = sum(len(a) for a in at)
        self.stride_travel_m_ = np.zeros(0)
        if not n_strides:
            return np.zeros((0, 3)), np.zeros(0, dtype=np.int64), set()
        bout_acc = np.concatenate(pieces)
        disp = np.empty((n_strides, 3))
        for rows, n, idx in _stride_windows(np.concatenate(at), np.concatenate(lengths)):
            v = np.cumsum(bout_acc[idx], axis=1) / sampling_rate_hz
            v -= np.linspace(0, 1, n)[None, :, None] * v[:, -1:, :]  # zero velocity at both ends
            disp[rows] = v.sum(axis=1) / sampling_rate_hz
        disp[:, 2] = 0.0
        travel = np.linalg.norm(disp, axis=1)
        self.stride_travel_m_ = travel
        bout_of = np.concatenate(bout_of)
        # Strides come bout by bout: one median per run of a bout's strides
        # (a day has hundreds of bouts; a mask per bout would be quadratic).
        cuts = np.flatnonzero(np.diff(bout_of)) + 1
        per_bout = np.array([np.median(t) for t in np.split(travel, cuts)])
        walked = np.repeat(per_bout >= min_travel_m, np.diff(np.r_[0, cuts, n_strides]))
        return disp[walked], np.concatenate(where)[walked], set(np.unique(bout_of[walked]).tolist())

    def _forward_from_gait(self, x, up, quat, disp, where, weigh_strides: bool = True):
        """Sum of the walked strides' displacements (sensor frame) projected on ``x``.

        ``disp``, ``where``: :meth:`_walked_strides`. Returns (sign,
        confidence, method, strides, agreement); see the module's docstring
        for the confidence. Without ``weigh_strides`` (a shank sensor) the
        confidence is the |cos| alone: the held-out generator's shank
        walks lost their mounting to the sign test and the strides' count
        (benchmarks/README.md, branch ``mount``), which the simulator's
        shank walks (agreement 0.71-0.96) never showed.
        """
        n_strides = len(disp)
        if n_strides < self.min_strides:
            return 0.0, 0.0, "guess", 0, None
        q = quat[where]
        # Each stride's displacement back in the sensor frame, all strides in
        # one call (one call per stride was 15 % of stage 1 on a day), then
        # summed in stride order as before.
        back = Rotation.from_quat(q[:, [1, 2, 3, 0]]).inv().apply(disp)  # sensor → earth, inverted
        total = np.cumsum(np.vstack([np.zeros(3), back]), axis=0)[-1]
        total -= (total @ up) * up
        norm = np.linalg.norm(total)
        if norm == 0:
            return 0.0, 0.0, "guess", 0, None
        c = float(total @ x / norm)
        # Sign test: how many strides travel the way the sum does, against
        # as many or more by chance (each stride either way, p = 1/2).
        along = back @ x
        agree = int(np.sum(np.sign(along) == np.sign(c)))
        sign_test = float(binom.cdf(agree - 1, n_strides, 0.5))
        conf = abs(c) * (sign_test * (1 - np.exp(-n_strides / self.strides_scale)) if weigh_strides else 1.0)
        return float(np.sign(c)), float(conf), "gait", int(n_strides), round(agree / n_strides, 3)

    @staticmethod
    def _forward_from_posture(x, up, dirs, weights):
        """Seated or lying with the legs out, toes and shin face up: +x up.

        Each tilted rest votes by how much of gravity lies along ``x`` (its
        cosine with it): lying on the back or seated with the legs out, the
        forward axis is near vertical (1); a squat or a seated recline tips
        it 35-50° (0.6-0.75: a shank leaning forward there has +x *down*);
        lying on the side tips the pitch axis, not ``x`` (0).
        """
        tilt = np.degrees(np.arccos(np.clip(dirs @ up, -1, 1)))
        sel = (tilt > 35) & (tilt < 150)
        if not sel.any():
            return 0.0, 0.0
        vote = float(np.sum(weights[sel] * (dirs[sel] @ x)))
        total = float(np.sum(weights[sel]))
        return float(np.sign(vote)), min(1.0, abs(vote) / total) * 0.8
