"""Stage 1 of a session's analysis: the signals every detector works on, computed once.

:class:`SignalExtractor` turns the recording's samples into a
:class:`SessionSignals`: resampled to a uniform grid that keeps gaps as
gaps (:class:`~analysis.preprocess.UniformResampler`), rest and gyro bias,
orientation (:class:`~analysis.orientation.OrientationFilter`), gait bouts
(:class:`~analysis.gait.GaitBoutDetector`, mounting-free), the mounting
(:class:`~analysis.mounting.MountingEstimator`, or one given) and, in the
foot or shank frame it gives, the angles and postures. Stage 2 (one detector
per exercise family, :mod:`analysis.families`) only reads these.

Entry point for a window of samples (the live view, issue 13)::

    sig = SignalExtractor().extract(frame, placement="foot",
                                    known_mounting=mounting).signals_

``frame`` is any contract DataFrame (``t``, ``acc_*``, ``gyr_*``); with
``known_mounting`` the (costly, whole-session) mounting estimate is skipped
and the window is put in that frame.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from sensors.contract import Placement

from .forked import Beside
from .gait import GaitBoutDetector, runs
from .mounting import Mounting, MountingEstimator
from .orientation import Orientation, OrientationFilter
from .posture import fraction_in_posture, posture_masks
from .preprocess import Uniform, UniformResampler, gyro_bias, norm3, still_mask
from .reps import lowpass

# A shank stretch with more than this share of its rate's variance above
# 8 Hz rings on its strap, and its gait's periodicity is judged below
# SHANK_RING_SMOOTH_HZ (above a quick tiptoe walk's stride harmonics,
# below the wobble). Stairs' landings put 0.13-0.31 of a shank's rate above
# 8 Hz (tiptoe-wide tier 7102-7120: at 0.08, five flights smoothed into
# gait and counted as tiptoe walks); tiptoe walks that ring so that their
# raw rate does not repeat, 0.38-0.96 (ankle-wide 7006-7022; one at 0.17
# stays unfound). A thin margin: stairs under a loose strap would pass.
SHANK_RING_SHARE = 0.35
SHANK_RING_SMOOTH_HZ = 6.0

SIGNAL_COLUMNS = ["t", "valid", "still", "elevation_deg", "roll_deg", "tilt_deg",
                  "gyr_x", "gyr_y", "gyr_z", "acc_x", "acc_y", "acc_z"]


@dataclasses.dataclass
class SessionSignals:
    """One session's signals on the analysis grid (n samples).

    Attributes
    ----------
    sampling_rate_hz : float
        Grid rate.
    placement : Placement
    mounting : analysis.mounting.Mounting
        Sensor-to-segment rotation, with its ``method`` and ``confidence``.
    t : ndarray, shape (n,)
        Grid times (s).
    valid : ndarray of bool, shape (n,)
        False inside recording gaps.
    long_gap : ndarray of bool, shape (n,)
        Inside gaps of ``max_bridged_gap_s`` or longer (no rep is measured across one).
    still : ndarray of bool, shape (n,)
        At rest (:func:`~analysis.preprocess.still_mask`) and valid.
    calm : ndarray of bool, shape (n,)
        Quiet enough for a balance stance: at rest for a foot sensor, swaying
        at most ~8 deg/s for a shank sensor; not in a long gap.
    acc : ndarray, shape (n, 3)
        Acceleration, sensor frame (m/s²).
    gyr : ndarray, shape (n, 3)
        Bias-free angular rate, sensor frame (deg/s).
    gyro_bias_dps : ndarray, shape (3,)
    orientation : analysis.orientation.Orientation
        Quaternions, up vector (sensor frame), earth-frame acceleration (m/s²).
    gait : DataFrame
        Gait bouts: ``start``, ``stop`` (grid indices), ``period_s``, ``periodicity``.
    acc_seg, gyr_seg, grav_seg : ndarray, shape (n, 3)
        Acceleration (m/s²), angular rate (deg/s) and up vector in the
        segment (foot or shank) frame.
    grav_smooth : ndarray, shape (n, 3)
        ``grav_seg`` low-passed at 0.5 Hz (postures).
    elevation_deg, roll_deg : ndarray, shape (n,)
        Segment pitch (+ = toes or shin up) and roll from the orientation estimate.
    tilt_deg : ndarray, shape (n,)
        Segment pitch from the 2 Hz low-passed accelerometer alone (what reps are measured on).
    postures : dict of str to ndarray of bool
        :func:`~analysis.posture.posture_masks` of ``grav_smooth``.
    """

    sampling_rate_hz: float
    placement: Placement
    mounting: Mounting
    t: np.ndarray
    valid: np.ndarray
    long_gap: np.ndarray
    still: np.ndarray
    calm: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    gyro_bias_dps: np.ndarray
    orientation: Orientation
    gait: pd.DataFrame
    acc_seg: np.ndarray
    gyr_seg: np.ndarray
    grav_seg: np.ndarray
    grav_smooth: np.ndarray
    elevation_deg: np.ndarray
    roll_deg: np.ndarray
    tilt_deg: np.ndarray
    postures: dict

    @property
    def foot(self) -> bool:
        return self.placement is Placement.FOOT

    def in_posture(self, exercise: str, a: int, b: int) -> float | None:
        """Share of the valid samples ``a:b`` in a posture ``exercise`` allows."""
        # On the stretch alone: whole-day masks per bout were 4 O(n) passes each.
        masks = {name: m[a:b] for name, m in self.postures.items()}
        return fraction_in_posture(masks, exercise, self.placement.value, self.valid[a:b])

    def frame(self) -> pd.DataFrame:
        """The grid as a DataFrame (``SessionAnalyzer.signals_``: plots, balance, quality).

        Its columns share memory with these arrays (no copy: 410 MB on a day).
        """
        return pd.DataFrame(copy=False, data={
            "t": self.t, "valid": self.valid, "still": self.still, "elevation_deg": self.elevation_deg,
            "roll_deg": self.roll_deg, "tilt_deg": self.tilt_deg,
            "gyr_x": self.gyr_seg[:, 0], "gyr_y": self.gyr_seg[:, 1], "gyr_z": self.gyr_seg[:, 2],
            "acc_x": self.acc_seg[:, 0], "acc_y": self.acc_seg[:, 1], "acc_z": self.acc_seg[:, 2],
        })


def gap_lowpass(x: np.ndarray, valid: np.ndarray, cutoff_hz: float, sampling_rate_hz: float,
                min_weight: float = 0.25) -> np.ndarray:
    """Low-pass of ``x`` (n, k) along axis 0 from its valid samples only (normalised convolution).

    A gap is bridged by a straight line between the two samples at its
    edges; while the foot trembles in a hold (a few tenths of m/s² at 6–12
    Hz) those two samples are as far off as the tremor, and the line holds
    them for the whole gap, which the low-pass turns into a slow bump of a
    degree or two: at 20 Hz with bursts of loss that is a toe press. Here
    the filter averages the valid samples around each point instead; with
    no gap it is exactly :func:`~analysis.reps.lowpass`. Where fewer than
    ``min_weight`` of the filter's weight falls on valid samples (the middle
    of a gap) the result is bridged by a straight line between the nearest
    points where enough does. Column by column: :func:`gap_lowpass_columns`.
    """
    valid = np.asarray(valid, dtype=bool)
    if valid.all() or not valid.any():
        return lowpass(x, cutoff_hz, sampling_rate_hz)
    w = valid.astype(float)
    den = lowpass(w, cutoff_hz, sampling_rate_hz)
    num = lowpass(x * w[:, None], cutoff_hz, sampling_rate_hz)
    ok = den > min_weight
    if not ok.any():
        return lowpass(x, cutoff_hz, sampling_rate_hz)
    out = num / np.where(ok, den, 1.0)[:, None]
    bad, edges = _bridge(ok)
    for k in range(out.shape[1] if len(bad) else 0):
        out[bad, k] = np.interp(bad, edges, out[edges, k])
    return out


def _bridge(ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points to bridge (where ``ok`` is False) and the good points they are bridged from.

    Each bad point lies between the good points at the edges of its run of
    bad ones, which are next to each other among those edges as among all
    good points: interpolating from the edges alone gives np.interp's same
    values without gathering a day's good points per column.
    """
    bad = np.flatnonzero(~ok)
    if not len(bad):
        return bad, bad
    first, stop = runs(~ok)
    edges = np.r_[first - 1, stop]
    return bad, np.unique(edges[(edges >= 0) & (edges < len(ok))])


def gap_lowpass_columns(columns: list, valid: np.ndarray, cutoff_hz: float, sampling_rate_hz: float,
                        min_weight: float = 0.25) -> list:
    """:func:`gap_lowpass` of each 1-D array in ``columns`` (n,), as a list of (n,) arrays.

    The same operations on the same values as filtering the stacked (n, k)
    array (the filter runs along each column on its own), so the same bits;
    but a day's columns (35 MB each at 50 Hz) are made one at a time and
    served again from the heap, where the (n, k) copy, weighted copy,
    filtered array and ratio were multi-column blocks of fresh memory
    (benchmarks/README.md, tenth pass). Each result is laid out as that
    column of :func:`gap_lowpass`'s (n, k) result is (contiguous or not),
    since numpy's SIMD loops of some ufuncs (``arctan2``: the tilt) run on
    contiguous arrays only and can differ from the strided loop in the last
    bit.
    """
    valid = np.asarray(valid, dtype=bool)
    if len(valid) <= 6 * (2 + 1) or cutoff_hz >= sampling_rate_hz / 2:
        # Not filtered (lowpass's limits): the stacked array's path, stacked
        # column-major as ``acc[:, [0, 2]]`` gives it (each column contiguous).
        out = gap_lowpass(np.stack(columns).T, valid, cutoff_hz, sampling_rate_hz, min_weight)
        return [out[:, k] for k in range(out.shape[1])]
    if valid.all() or not valid.any():
        return [lowpass(c, cutoff_hz, sampling_rate_hz) for c in columns]
    w = valid.astype(float)
    den = lowpass(w, cutoff_hz, sampling_rate_hz)
    ok = den > min_weight
    if not ok.any():
        return [lowpass(c, cutoff_hz, sampling_rate_hz) for c in columns]
    scale = np.where(ok, den, 1.0)
    del den
    bad, edges = _bridge(ok)
    out = []
    for c in columns:
        # A new array, not ``/=`` into the filter's reversed buffer: numpy's
        # SIMD arctan2 (the tilt) runs on contiguous columns only, and its
        # strided loop can differ in the last bit.
        num = np.divide(lowpass(c * w, cutoff_hz, sampling_rate_hz), scale)
        if len(bad):
            num[bad] = np.interp(bad, edges, num[edges])
        out.append(num)
    return out


class SignalExtractor:
    """Compute a session's :class:`SessionSignals` (stage 1).

    Parameters
    ----------
    sampling_rate_hz : float
        Analysis grid rate.
    max_bridged_gap_s : float
        Gaps this long or longer are ``long_gap``: detectors do not bridge them.
    jobs : int
        With 2 or more, the gait bouts are found in a forked child while
        this process runs the orientation filter (:mod:`analysis.forked`;
        the same signals).
    """

    def __init__(self, sampling_rate_hz: float = 50.0, max_bridged_gap_s: float = 3.0, jobs: int = 1):
        self.jobs = jobs
        self.sampling_rate_hz = sampling_rate_hz
        self.max_bridged_gap_s = max_bridged_gap_s

    def resample(self, data: pd.DataFrame) -> Uniform:
        """``data`` on the analysis grid (the first step of :meth:`extract`).

        A caller done with the samples resamples them first, drops them and
        passes the result to :meth:`extract`, so that a day's samples (456 MB
        at 100 Hz) are not held beside its signals.
        """
        return UniformResampler(self.sampling_rate_hz).resample(data)

    def extract(self, data: pd.DataFrame | Uniform, placement: str | Placement = "foot",
                mounting: str | None = None, known_mounting: Mounting | None = None) -> SignalExtractor:
        """Compute the signals of ``data``.

        Parameters
        ----------
        data : DataFrame or analysis.preprocess.Uniform
            Contract columns ``t`` (s), ``acc_*`` (m/s²), ``gyr_*`` (deg/s), at
            least two rows; or those samples already on the grid
            (:meth:`resample`; its arrays are then changed in place).
        placement : {"foot", "ankle"} or Placement
        mounting : str, optional
            Declared mounting (``x=forward,y=left,z=up``).
        known_mounting : analysis.mounting.Mounting, optional
            Use this instead of estimating it.

        Attributes
        ----------
        signals_ : SessionSignals
        """
        place = placement if isinstance(placement, Placement) else Placement.parse(placement)
        foot = place is Placement.FOOT
        u = data if isinstance(data, Uniform) else self.resample(data)
        del data
        sampling_rate_hz = u.sampling_rate_hz
        rest = still_mask(u.acc, u.gyr, sampling_rate_hz)
        still = rest & u.valid
        bias = gyro_bias(u.gyr, still)
        # Standing sways the shank by a degree or so, which a shank sensor
        # sees as a slow 1–3 deg/s rotation: quiet, though not still.
        calm = (rest.copy() if foot else
                still_mask(u.acc, u.gyr, sampling_rate_hz, window_s=1.0, gyr_thresh_dps=8.0, acc_thresh_mps2=0.5))
        # The resampler's arrays are this call's own: the bias comes off in
        # place (no second (n, 3) copy: 100 MB a day).
        gyr = u.gyr
        gyr -= bias
        # A shank swings less than a foot, and least on tiptoe (short steps,
        # no heel rocker). Without a foot's still stance to require, a
        # shank's gait must repeat clearly: a set of knee bends half-repeats.
        # A shank's periodicity is judged on the raw rate: smoothed, stairs
        # repeat as clearly as walking, and a shank's stairs swing it through
        # a tiptoe walk's arc (simulator seed 2707, ankle; smoothed to 6 Hz,
        # tiptoe-wide tier 7100-7123: stairs with gait 17 -> 23). Unless the
        # sensor rings on its strap: raw, its 8-20 Hz wobble after every
        # landing hides a walk's rhythm (ankle-wide tier 7000-7015: 7 of 16
        # tiptoe walks had no gait, 2 below 6 Hz).
        gait_bouts = GaitBoutDetector(require_stance_rest=foot, active_dps=25.0 if foot else 20.0,
                                      smooth_hz=3.0 if foot else 0.0,
                                      ring_share=0.0 if foot else SHANK_RING_SHARE,
                                      ring_smooth_hz=SHANK_RING_SMOOTH_HZ,
                                      slow_bridge_s=3.0,
                                      min_periodicity=0.25 if foot else 0.5)
        rate = norm3(gyr)  # |gyr|, for the gait bouts and the mounting
        # With jobs, found in a child while this process runs the orientation filter.
        gait = Beside(lambda r=rate: gait_bouts.detect(gyr, u.valid, sampling_rate_hz, rate_dps=r).bouts_,
                      fork=self.jobs > 1)
        # Through a rest of 30 s or more (sitting, lying, standing about) the
        # tilt is the accelerometer's (the filter runs 2 s into and out of
        # it): the filter's per-sample loop over a day's rests was most of
        # its cost, and at rest the averaged accelerometer is the closer tilt
        # (0.03-0.04° median error against the simulator's truth where the
        # filter had 0.3-0.6°; benchmarks/README.md). Exercise holds (up to
        # ~20 s) stay filtered: their wobble is read from this angle.
        orient = OrientationFilter(rest_fill_s=30.0).estimate(u, still=still)
        gait = gait.result()
        mount = known_mounting or MountingEstimator().estimate(
            u.acc, gyr, still, orient.quat, orient.earth_acc, gait, sampling_rate_hz, declared=mounting,
            rate_dps=rate, placement=place.value).mounting_
        del rate
        r = mount.matrix
        gyr_s = gyr @ r.T
        grav_s = orient.gravity @ r.T
        acc_s = u.acc @ r.T
        # Forward and up: all the tilt needs, column by column (no (n, 2) copies).
        acc_fwd, acc_up = gap_lowpass_columns([acc_s[:, 0], acc_s[:, 2]], u.valid, 2.0, sampling_rate_hz)
        grav_smooth = lowpass(grav_s, 0.5, sampling_rate_hz)
        long_gap = np.zeros(len(u.t), dtype=bool)
        for a, b in zip(*runs(~u.valid)):
            if (b - a) / sampling_rate_hz >= self.max_bridged_gap_s:
                long_gap[a:b] = True
        calm &= ~long_gap  # a few lost packets do not end a stance
        self.signals_ = SessionSignals(
            sampling_rate_hz=sampling_rate_hz, placement=place, mounting=mount, t=u.t, valid=u.valid,
            long_gap=long_gap, still=still, calm=calm, acc=u.acc, gyr=gyr, gyro_bias_dps=bias,
            orientation=orient, gait=gait, acc_seg=acc_s, gyr_seg=gyr_s, grav_seg=grav_s,
            grav_smooth=grav_smooth,
            # Pitch in the sagittal plane, + = toes (or shin) up; atan2 keeps
            # its sensitivity through 90° (a dorsiflexed foot on the floor
            # points its toes almost straight up).
            elevation_deg=np.degrees(np.arctan2(grav_s[:, 0], grav_s[:, 2])),
            roll_deg=np.degrees(np.arctan2(grav_s[:, 1], grav_s[:, 2])),
            # Reps are slow and their holds still, so the segment's tilt comes
            # straight from gravity in the accelerometer: no orientation filter
            # still catching up after a walk or a brisk turn shifts the rest
            # level a rep starts from.
            tilt_deg=np.degrees(np.arctan2(acc_fwd, acc_up)),
            postures=posture_masks(grav_smooth, place.value, sampling_rate_hz))
        return self
