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
from scipy.ndimage import binary_dilation, median_filter, uniform_filter1d
from scipy.signal import find_peaks

from .circles import CircleDetector, circle_sets, pose_fidgets
from .confidence import (
    DisplacementMemo,
    displacement,
    heel_raise_rise_m,
    motion_evidence,
    rep_extent,
    rise_doubt,
    stride_travel,
    toes_down_rise,
    vertical_displacement,
)
from .gait import STRIDE_FEATURES, GaitBoutDetector, StrideDetector, contact_impacts, runs, stride_feature_array
from .preprocess import max_position_per_run, norm3, oaconvolve_valid
from .reps import REP_COLUMNS, HoldRepDetector, _median, detect_many, lowpass, prefer, set_cues
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


# A band rep let go only part of the way and pulled again (a dip in one
# "hold" that both sides rise out of by this share of the rep's range) is
# two reps (split_repulls). A hard-tier band hold (25 Hz, noisy, sagging
# and wandering: tests/test_reps.py's held-out "band 25 Hz hard, noisier,
# uneven holds") dipped 0.39 of its range and rose again; the part-way
# releases of benchmarks/band_kinds.py ``partial`` (back 50-95 % of the
# way) dip 0.55-0.95.
BAND_REPULL_FRAC = 0.5
# ... and by this much at least (deg): a band rep moves the foot 8-30 deg;
# a toes-up foot's 1 deg "reps" (the still leg, simulator realistic 467204)
# have noise dips of half of that.
BAND_REPULL_MIN_DEG = 3.0


def split_repulls(reps: _Reps, x: np.ndarray, sampling_rate_hz: float, min_hold_s: float,
                  frac: float = BAND_REPULL_FRAC) -> _Reps:
    """``reps`` with each hold that holds a release and a new pull split into two reps.

    A band rep let go only part of the way (to 30-50 % of the rep) and
    pulled again at once never comes back near rest, so the rep detector
    reads the two as one rep held twice as long, with a dip in it, and the
    set then drops it as held far longer than its reps
    (benchmarks/band_kinds.py ``partial``: 9 reps read as 5). Such a dip
    falls and rises again by ``frac`` of the rep's range or more, where a
    held angle wanders by 2-25 % of it (a noisy, sagging hold up to 0.39)
    and a sagging hold does not rise again; each part must be held
    ``min_hold_s``. ``x``: the low-passed
    angle the reps were found in (sample indices as ``reps``').
    """
    if not len(reps):
        return reps
    # Every dip of the angle and how far it rises out of it on its lower
    # side (the prominence of -x: up to each side's highest point before
    # the angle falls lower than the dip).
    dips, props = find_peaks(-x, prominence=0.0)
    if not len(dips):
        return reps
    h0, h1 = _col(reps, "hold_start"), _col(reps, "hold_stop")
    k = np.searchsorted(h0, dips, side="right") - 1
    inside = (k >= 0) & (dips < h1[np.maximum(k, 0)])
    k_in = np.maximum(k, 0)
    deep = inside & (props["prominences"] >= np.maximum(frac * np.abs(_col(reps, "range_deg"))[k_in],
                                                        BAND_REPULL_MIN_DEG))
    if not deep.any():
        return reps
    cols = {c: list(np.asarray(reps[c])) for c in REP_COLUMNS}
    n_min = min_hold_s * sampling_rate_hz
    # Two reps read as one are held about twice as long as the others
    # (1.6 times at least the median of the stretch's shorter half of
    # holds: a set of part-way releases may have more pairs than reps).
    held = h1 - h0
    long_hold = float(_median(held[held <= _median(held)]))
    split = {}
    for d, kk, lb, rb in zip(dips[deep], k[deep], props["left_bases"][deep], props["right_bases"][deep]):
        # The release starts at the last sample 0.8 of the way up to the
        # hold before the dip; the pull ends at the first such after it.
        a, b = int(h0[kk]), int(h1[kk])
        lvl_l = x[d] + 0.8 * (x[max(lb, a):d + 1].max() - x[d])
        lvl_r = x[d] + 0.8 * (x[d:min(rb, b) + 1].max() - x[d])
        rel = a + int(np.flatnonzero(x[a:d + 1] >= lvl_l)[-1])
        pull = d + int(np.flatnonzero(x[d:b + 1] >= lvl_r)[0])
        # A release and a pull move as fast as the rep's own (at least half
        # its release's and its pull's peak speed); a held angle sagging
        # and wandering back (hard tier, hold_shape) drifts slower.
        st, sp_ = int(_col(reps, "start")[kk]), int(_col(reps, "stop")[kk])
        quick = (-np.diff(x[rel:d + 1]).min(initial=0.0) >= 0.5 * -np.diff(x[b:sp_ + 1]).min(initial=0.0)
                 and np.diff(x[d:pull + 1]).max(initial=0.0) >= 0.5 * np.diff(x[st:a + 1]).max(initial=0.0))
        if quick and rel - a >= n_min and b - pull >= n_min and b - a >= 1.6 * long_hold:
            split.setdefault(int(kk), []).append((int(d), rel, pull))
    if not split:
        return reps
    out = {c: [] for c in REP_COLUMNS}
    for i in range(len(reps)):
        parts = [(cols["start"][i], cols["hold_start"][i])]
        for d, rel, pull in sorted(split.get(i, [])):
            parts[-1] += (rel, d)
            parts.append((d, pull))
        parts[-1] += (cols["hold_stop"][i], cols["stop"][i])
        top = x[cols["start"][i]:cols["stop"][i] + 1].max()
        for start, hs, he, stop in parts:
            held = float(_median(x[hs:he + 1]))
            out["start"].append(start)
            out["hold_start"].append(hs)
            out["hold_stop"].append(he)
            out["stop"].append(stop)
            # Each part's peak above rest as the whole's, less what it fell short of its top.
            out["amplitude_deg"].append(cols["amplitude_deg"][i] - (top - x[start:stop + 1].max())
                                        if len(parts) > 1 else cols["amplitude_deg"][i])
            out["range_deg"].append(held - cols["rest_deg"][i] if len(parts) > 1 else cols["range_deg"][i])
            out["rest_deg"].append(cols["rest_deg"][i])
    return _Reps({c: np.asarray(v, dtype=np.asarray(reps[c]).dtype) for c, v in out.items()})


def _rise_per_rep(group, earth_acc, offset: int, sampling_rate_hz: float,
                  margin_s: tuple[float, float] = (0.0, 0.0), rate: np.ndarray | None = None) -> np.ndarray:
    """|Vertical displacement| (m) from each rep's start to its hold, shape (len(group),).

    ``group`` holds the reps' ``start`` and ``hold_start`` as samples from
    ``offset``. With ``margin_s`` and ``rate`` (the angular rate's norm,
    shape (n,)): integrated from the calmest sample up to ``margin_s[0]``
    before the start to the calmest up to ``margin_s[1]`` after the hold's
    start, where the segment is stillest (:func:`displacement` takes both
    ends as still).
    """
    before, after = (int(m * sampling_rate_hz) for m in margin_s)
    out = []
    for a, b in zip(_col(group, "start"), _col(group, "hold_start")):
        a, b = offset + int(a), offset + int(b)
        if rate is not None and before:
            lo = max(0, a - before)
            a = lo + int(np.argmin(rate[lo:a + 1]))
        if rate is not None and after:
            b = b + int(np.argmin(rate[b:b + after + 1]))
        out.append(abs(vertical_displacement(earth_acc, a, b, sampling_rate_hz)))
    return np.array(out)


def shank_lean(elevation_deg: np.ndarray, group, offset: int, sampling_rate_hz: float) -> float:
    """Median change (deg) of a shank's pitch from each rep's rest to its hold; + = the shin tips back.

    ``elevation_deg``: the segment's sagittal pitch (+ = shin up, i.e.
    tipped back; ``SessionSignals.elevation_deg``); ``group``: the reps'
    ``start``, ``hold_start`` and ``hold_stop`` as samples from ``offset``.
    A toe press standing bends the knee over the toes, if at all: the
    shank turns about the ankle and its top goes forward (negative; -2 to
    -17° in simulated ankle sets, -16 to -29° in the outside simulator's
    ankle sample). A knee extension seated swings the foot forward about
    the knee: the shin tips back (positive).
    """
    w = max(1, int(sampling_rate_hz))
    out = []
    for a, h0, h1 in zip(_col(group, "start"), _col(group, "hold_start"), _col(group, "hold_stop")):
        a, h0, h1 = offset + int(a), offset + int(h0), offset + int(h1)
        rest = float(_median(elevation_deg[max(0, a - w):a + 1]))
        out.append(float(_median(elevation_deg[h0:max(h1, h0 + 1)])) - rest)
    return float(_median(np.array(out))) if out else 0.0


def shank_pivot_m(acc_seg: np.ndarray, gyr_seg: np.ndarray, group, offset: int, sampling_rate_hz: float,
                  cutoff_hz: float = 4.0, min_turn_deg: float = 1.0) -> tuple[float, float] | None:
    """Signed distance (m) from the point a shank turns about to the sensor, + = the point below it; and its SE.

    A segment turning about a fixed point pushes a sensor ``s`` from it
    along the segment (``s`` > 0: the point below the sensor) forward by
    ``s·α`` (α: angular acceleration about the segment's y axis, from the
    gyroscope). The accelerometer's forward axis reads that plus gravity's
    share, which follows the pitch itself (its integrated rate) and not
    its second derivative: fitting ``f_x = s·α + k·θ + b`` over each rep's
    move gives ``s`` without the orientation filter, whose lag under a
    turn of a few degrees leaks more into an integrated displacement than
    the turn moves the sensor. About the ankle (a knee bending over the
    foot, or the weight shifting back over a planted foot) ``s`` is the
    sensor's height, +5 to +35 cm; swung about the knee (a seated knee
    extension) it is ``-(shank length - height)``.

    Returns the reps' inverse-variance mean of ``s`` and its standard error
    (over reps turning the shank by ``min_turn_deg`` or more; None if none).
    ``acc_seg`` (m/s²) and ``gyr_seg`` (deg/s): segment frame (x forward,
    y to the side, z along the shank).
    """
    dt = 1.0 / sampling_rate_hz
    pad = max(2, int(0.3 * sampling_rate_hz))
    fits = []
    for a, h0 in zip(_col(group, "start"), _col(group, "hold_start")):
        lo, hi = max(0, offset + int(a) - pad), min(len(gyr_seg), offset + int(h0) + pad)
        if hi - lo < 12:
            continue
        rate = lowpass(np.radians(gyr_seg[lo:hi, 1]), cutoff_hz, sampling_rate_hz)
        theta = np.cumsum(rate) * dt
        if np.ptp(theta) < np.radians(min_turn_deg):
            continue
        alpha = np.gradient(rate, dt)
        f_x = lowpass(acc_seg[lo:hi, 0], cutoff_hz, sampling_rate_hz)
        x = np.column_stack([alpha, theta, np.ones(hi - lo)])
        coef, res, rank, _ = np.linalg.lstsq(x, f_x, rcond=None)
        if rank < 3:
            continue
        resid = f_x - x @ coef
        # Samples filtered at cutoff_hz are not independent: about one per
        # half period counts, so the variance grows by n over that many.
        n = hi - lo
        n_eff = max(4.0, n * 2 * cutoff_hz * dt)
        cov = np.linalg.inv(x.T @ x) * float(resid @ resid) / max(1, n - 3) * max(1.0, n / n_eff)
        fits.append((float(coef[0]), float(np.sqrt(max(cov[0, 0], 1e-12)))))
    if not fits:
        return None
    s, se = np.array(fits).T
    w = 1.0 / se ** 2
    return float(np.sum(w * s) / np.sum(w)), float(1.0 / np.sqrt(np.sum(w)))


def pivot_evidence(pivot) -> dict:
    """:func:`shank_pivot_m`'s answer as evidence: ``pivot_m`` and ``pivot_se_m`` (both None if none)."""
    return {"pivot_m": None if pivot is None else pivot[0], "pivot_se_m": None if pivot is None else pivot[1]}


def _upsample_linear(values: np.ndarray, step: int, n: int) -> np.ndarray:
    """``np.interp(np.arange(n), np.arange(0, n, step), values)``, the same bits, block by block.

    ``values``: one per ``step`` samples (``len(values) == ceil(n / step)``).
    np.interp searches for each of a day's 4.3 M points and needs the
    day-long ``arange`` of them (35 MB): here sample ``j·step + k`` is
    ``slope[j]·k + values[j]``, which is np.interp's own arithmetic
    (``slope·(x − xp[j]) + fp[j]`` with ``x − xp[j] = k`` exactly), at the
    points themselves their values and past the last one the last value, as
    np.interp gives. Not finite values
    (np.interp redoes a NaN from the right-hand point) go to np.interp.
    """
    m = len(values)
    if m < 2 or not np.all(np.isfinite(values)):
        return np.interp(np.arange(n), np.arange(0, n, step), values)
    slope = (values[1:] - values[:-1]) / float(step)
    out = np.empty((m, step))
    np.multiply(slope[:, None], np.arange(step, dtype=float), out=out[:-1])
    out[:-1] += values[:-1, None]
    out[:, 0] = values  # np.interp's own value at its points (a -0.0 stays -0.0)
    out[-1] = values[-1]
    return out.reshape(-1)[:n]


def carry_free_tilt(tilt_deg: np.ndarray, elevation_deg: np.ndarray, sampling_rate_hz: float,
                    window_s: float = 4.0, max_push_deg: float = 1.5, noise_sds: float = 3.0) -> np.ndarray:
    """The accelerometer's pitch (deg, shape (n,)) with the pushes of a moving foot taken out.

    A foot carried aside or lifted (a pencil taken elsewhere before it is
    put down) is pushed about: the low-passed accelerometer reads the push
    as tilt, 5-9° for a 0.2 m carry in a second, where the foot did not
    turn. The orientation filter's pitch (``elevation_deg``) does not
    (the gyroscope says the foot did not turn), but it lags after a walk or
    a brisk turn, which the accelerometer's does not. So the accelerometer's
    pitch is kept except where it departs by more than ``max_push_deg``
    from the filter's pitch plus their running median difference over
    ``window_s`` (taken at 5 Hz): the filter's pitch plus that difference
    stands in there.
    """
    tilt = np.asarray(tilt_deg, dtype=float)
    elevation = np.asarray(elevation_deg, dtype=float)
    # A day long: each step in place, into as few whole-length arrays as
    # the formulas need (the same operations in the same order).
    diff = tilt - elevation
    diff += 180.0
    np.remainder(diff, 360.0, out=diff)
    diff -= 180.0
    if len(tilt) < 3 or not np.all(np.isfinite(diff)):
        return tilt
    step = max(1, int(round(sampling_rate_hz / 5.0)))
    size = max(3, int(window_s * 5.0) | 1)
    offset = _upsample_linear(median_filter(diff[::step], size=size, mode="nearest"), step, len(tilt))
    # The filter itself snaps back now and then (its recovery after
    # rejecting a push, seed 4104): only where its pitch stays at its own
    # running median is it the steadier one.
    work = _upsample_linear(median_filter(elevation[::step], size=size, mode="nearest"), step, len(tilt))
    np.subtract(elevation, work, out=work)
    steady = np.abs(work, out=work) <= max_push_deg
    # On a noisy sensor the two pitches differ by noise alone (a 20 Hz
    # sensor's 1.5° presses, hard seed 3531): only a departure well beyond
    # that noise (``noise_sds`` robust standard deviations) is a push.
    dev = diff - offset
    np.subtract(dev, np.median(dev), out=work)
    limit = max(max_push_deg, noise_sds * 1.4826 * float(np.median(np.abs(work, out=work), overwrite_input=True)))
    push = np.abs(dev, out=work) > limit
    del work, dev
    push &= steady
    out = np.subtract(tilt, diff, out=diff)
    out += offset
    np.copyto(out, tilt, where=~push)
    return out


def _way_unsure(group, cues: tuple, others: list, foot: bool = True) -> bool:
    """Whether the cues that chose a set's direction (``reps.set_cues``) disagree.

    ``others``: the candidate sets read the other way, ``(sign, reps,
    cues)``; those overlapping the set are its rivals. Unsure when the
    chosen set's holds sit nearer the level rested at around the set than
    its rests do (posture cue below 0), or, with a foot sensor
    (``foot``), when its holds tremble less than its rests while a
    rival's tremble clearly more (tremor below 1 against above 1.3):
    tuning seeds 3000-3071 of ``benchmarks/rep_hard.py``, two sets of
    1.5 deg presses read the wrong way (7 read as 8 and as 6), and no set
    read the right way, were so. A shank sways with the body between
    reps and is still in a held knee bend, so its holds tremble less than
    its rests whichever way is right: the tremor made 13 of 24 true shank
    sets uncertain (``benchmarks/rep_wide.py``, tuning seeds 3100-3211),
    and was never the only doubt of a look-alike at the shank
    (``benchmarks/lookalikes.py --evidence``, seeds 2000-4207).
    """
    posture, tremor = cues[0], cues[1]
    if np.isfinite(posture) and posture < 0:
        return True
    if not foot:
        return False
    a0, a1 = _col(group, "start")[0], _col(group, "stop")[-1]
    for _, g, c in others:
        if _col(g, "start")[0] < a1 and a0 < _col(g, "stop")[-1] and np.isfinite(tremor) \
                and np.isfinite(c[1]) and tremor < 1.0 and c[1] > 1.3:
            return True
    return False


def _level_steps(group, steps: np.ndarray) -> int:
    """How many rep-like moves within a set (between its first rep's start and its last's
    end, moving at least half as far as its median rep) ended at a new level.

    ``steps``: rows ``(start, stop, amplitude_deg)`` of the rep detector's
    "did not return" excursions, in the set's samples; one counts only if
    the (up to two) reps just before it and just after it rest (median
    ``rest_deg``) at levels 0.4 of the reps' amplitude or more apart. A strap slipping
    during a rep, or the foot shifting, moves the level the angle rests at:
    that rep is not counted, and the reps after it are measured from the
    new level (simulator hard-wide: a 7-rep set read as 6 in 6 of 36 foot
    sets); the count may be off by them.
    """
    if not len(steps):
        return 0
    starts, stops, rests = _col(group, "start"), _col(group, "stop"), _col(group, "rest_deg")
    amp = float(_median(_col(group, "amplitude_deg")))
    n = 0
    for a, b, peak in steps:
        if not (starts[0] <= a and b <= stops[-1] and peak >= 0.5 * amp):
            continue
        # The reps on either side rest at levels apart, as the move left
        # them (noise at small presses makes moves that "did not return"
        # by the second around them, amid reps resting alike).
        before, after = rests[stops <= a][-2:], rests[starts >= b][:2]
        n += bool(len(before) and len(after) and abs(_median(after) - _median(before)) >= 0.4 * amp)
    return n


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


def _median3(x: np.ndarray) -> np.ndarray:
    """Centred running median over 3 values, 2 at the ends, shape of ``x``.

    The values of ``Series(x).rolling(3, center=True, min_periods=1).median()``
    for finite ``x`` (the middle of three; the mean of the two at an end),
    without building a Series per walk.
    """
    x = np.asarray(x, dtype=float)
    if len(x) < 2 or not np.isfinite(x).all():
        return pd.Series(x).rolling(3, center=True, min_periods=1).median().to_numpy()
    out = np.empty(len(x))
    out[1:-1] = np.sort(np.stack([x[:-2], x[1:-1], x[2:]]), axis=0)[1]
    out[0], out[-1] = (x[0] + x[1]) / 2, (x[-2] + x[-1]) / 2
    return out


# A shank swinging through 38-46° a stride (a gait bout's median) is on
# tiptoe or walking heel to toe with short steps: a shank cannot see the
# heel, and the outside simulator's heel-to-toe walking swings it 40°. The
# bout is reported, rated uncertain by its ``arc_deg`` (ConfidenceRater).
SHANK_UNSURE_ARC_DEG = 46.0
# A shank whose walk lands softly (median contact jolt under this, g: no
# heel strike) is on tiptoe up to SHANK_SOFT_ARC_DEG a stride, long steps
# on tiptoe swinging it as far as short heel-to-toe ones (tiptoe tier
# 1000-1029: tiptoe walks 0.1-0.8 g but two, heel-to-toe walks 0.6-5.3 g,
# 3 of 44 under 0.9; the outside simulator's ankle sample: tiptoe 0.6 g,
# walks 1.2-2.0 g; real walking and stairs 2.8-4.8 g).
SHANK_SOFT_LANDING_G = 0.8
SHANK_SOFT_ARC_DEG = 50.0
# A shank bout whose strides under the stride rule's arc and over it differ
# by less than this (deg, their medians) swings alike: one walk, judged
# whole (a tiptoe walk of 15-30° beside stairs of 34-45° differs by 10-20°).
SHANK_SAME_ARC_DEG = 8.0
# Two tiptoe pieces of a shank walk around a pause are one walk when their
# strides' swing, peak rate and time differ by at most this factor.
SHANK_PAUSE_SAME = 1.3
# ... and when neither swings the shank this far a stride (deg; stairs do).
SHANK_PAUSE_MAX_ARC_DEG = 30.0
# A shank's rest between hold reps is where it stayed this long (s; see
# HoldRepDetector._still_low), not the lowest its sway passed through.
SHANK_REST_STILL_S = 0.2
# A shank's press moves it by the knee's bend, which varies more from rep
# to rep than the foot's tip (hold_wide: ±25 % log on top of the press's
# own ±20 %): a first or last rep a third of the set's upper-half median
# is one of the set (simulator ankle tier 32016, 32027, 32034: 0.35-0.37,
# dropped at the foot's 0.4), if it keeps the set's rhythm.
SHANK_END_REACH = 0.3
# The same for a band set's end rep held like the set's reps (_drop_outliers).
BAND_END_REACH = 0.25
# A band rep amid a set's reps, held as they are and from their rest, may go
# this share of their range (a person pulling 20 deg, then 5 deg, then 20):
# found by the rep detector (``small_reach``) or its set (_drop_outliers).
BAND_SMALL_REACH = 0.15


def _stride_summary(feats) -> str:
    """Median stance pitch and sagittal arc of a walk's strides, for a report."""
    if len(feats) == 0:
        return "no strides"
    return (f"stance {float(np.median(feats.stance_pitch_deg)):.1f} deg, "
            f"arc {float(np.median(feats.sagittal_range_deg)):.0f} deg")


class TiptoeWalkDetector:
    """Tiptoe walking: gait bouts whose strides keep the heel off the floor.

    Parameters
    ----------
    min_tiptoe_strides : int
        Fewer contacts on tiptoe are a stumble or a stretch, not the exercise.
    quiet_active_dps : float
        Outside the session's gait bouts, gait is looked for again with this
        lower activity threshold (0: not): a slow or shuffling tiptoe walk
        turns the foot or shank too little for the session's gait detector.

    Attributes (after :meth:`detect`)
    ----------
    bouts_ : DataFrame
        ``exercise`` (``tiptoe_walk``), ``start_s``, ``end_s``.
    evidence_ : list of dict
        Per bout: ``in_posture``, ``stride_s``, ``arc_deg`` (median sagittal arc a stride),
        ``duration_s``, ``landing_g`` (median jolt of its landings, g),
        ``climb_m``, ``travel_m``, ``peak_g``, ``flight_s``.
    details_ : list of dict
        Per bout: ``cadence_spm``, ``stride_time_cv_pct``, ``heel_rise_deg``
        (None for a shank sensor).
    strides_ : DataFrame
        ``bout`` (row of ``bouts_``), ``t_s`` (ground contacts).
    claimed_ : ndarray of bool, shape (n,)
        Every gait bout's samples (ordinary walking is explained too).
    gait_ : DataFrame
        The gait looked at: ``start_s``, ``end_s``, ``quiet`` (found with
        the lower activity threshold).
    rejected_ : DataFrame
        Gait not taken as a tiptoe walk, and why: ``start_s``, ``end_s``,
        ``reason`` (``contacts``: under 3 found; ``not tiptoe``: the stance
        pitch and arc of heel-to-toe walking; ``did not walk``: quiet gait
        that neither travels nor stands; ``short``: a walk of fewer than
        ``min_tiptoe_strides`` contacts), ``detail``. For the benchmark's
        report of each missed walk; the bouts do not depend on it.
    """

    def __init__(self, min_tiptoe_strides: int = 6, quiet_active_dps: float = 10.0):
        self.min_tiptoe_strides = min_tiptoe_strides
        self.quiet_active_dps = quiet_active_dps

    def detect(self, signals: SessionSignals) -> TiptoeWalkDetector:
        sig = signals
        t, sampling_rate_hz, foot = sig.t, sig.sampling_rate_hz, sig.foot
        claimed = np.zeros(len(t), dtype=bool)
        bouts, strides, details, evidence = [], [], [], []
        pieces: list[tuple[np.ndarray, _Reps, float]] = []
        rejected: list[tuple] = []
        gait = self._gait(sig)
        toes_up = sig.postures.get("toes_up") if foot else None
        for g in gait.itertuples():
            # The activity envelope lags the first step: look for contacts
            # from a stride before it. It also falls before a soft last step
            # (a shank's closing half step swings it little) lands: look
            # a stride past it too (tiptoe_wide --kind edges, ankle).
            lo = max(0, g.start - int(g.period_s * sampling_rate_hz))
            sl = slice(lo, min(len(t), g.stop + int(g.period_s * sampling_rate_hz)))
            # (A shank's calm runs on through the heel rising: no heel-rise
            # rule there; held-out no-harm check, ankle, in benchmarks/README.)
            sd = StrideDetector(heel_rise_max_s=0.45 if foot else 0.0).detect(
                sig.acc[sl], sig.gyr[sl], g.period_s, sampling_rate_hz)
            contacts = sd.contacts_ + lo
            if not g.quiet and not (foot and toes_up is not None
                                    and toes_up[g.start:g.stop].mean() > 0.5):
                # Quiet gait is claimed by nobody: the hold detector sees
                # those stretches as it did before quiet gait was looked for
                # (claimed where it held a reported walk, the held-back
                # look-alike tier of accuracy.py --seed0 22000 lost a pencil
                # set; that claim is the suspect, not shown).
                # Nor is "gait" with the toes pointing up: nobody walks so,
                # and brisk band reps repeat like strides (hard tier, seed
                # 32007: a claimed 4.5 s cut a band set's posture stretch
                # and its first 3 reps were lost).
                claimed[g.start:g.stop] = True
            if len(contacts) < 3:
                rejected.append((t[g.start], t[g.stop - 1], "contacts", f"{len(contacts)} contacts"))
                continue
            # Only the bout's stretch: negating the whole day for each of its
            # ~500 walks made this quadratic in length (16 s of 74 s on 24 h).
            # As numpy columns: pandas' cost per column read was a third of this detector.
            every = _Reps(dict(zip(STRIDE_FEATURES, stride_feature_array(
                -sig.elevation_deg[sl], sig.gyr_seg[sl, 1], contacts - lo, sampling_rate_hz).T)))
            # Pieces of three contacts and more: a pause or a turn can cut a
            # walk's first strides off the rest (simulator seed 1010); the
            # walk, once joined, must have min_tiptoe_strides.
            found = (self._tiptoe_runs(every, foot, 3) if len(every) == len(contacts) - 1
                     else [(0, len(contacts) - 1)] if self._is_tiptoe(every, foot) else [])
            if not foot and len(every) and (not found or self._one_swing(every)) and (
                    float(np.median(every.sagittal_range_deg))
                    < (SHANK_SOFT_ARC_DEG if self._soft(sig, contacts) else SHANK_UNSURE_ARC_DEG)):
                # A shank walk that swings it a little farther than tiptoe
                # walking does, as a whole: kept, and rated uncertain by its
                # arc unless it lands softly (judged stride by stride,
                # stairs' 34-45° strides joined the strides around them:
                # tiptoe tier 1000-1039, 6 -> 13 false bouts on stairs).
                # Nor when its strides swing alike, a little either side of
                # the stride rule's 38°: cut at each stride under it, a
                # shank walk of 40-45° lost all but its few shorter strides
                # (branch ankletiptoe: 13 contacts read as 7).
                found = [(0, len(contacts) - 1)]
            if not found:
                rejected.append((t[g.start], t[g.stop - 1], "not tiptoe", _stride_summary(every)))
            if g.quiet:
                walked = [(a, b) for a, b in found if self._walked(sig, contacts[a:b + 1])]
                if len(walked) < len(found):
                    rejected.append((t[g.start], t[g.stop - 1], "did not walk", _stride_summary(every)))
                found = walked
            pieces += [(contacts[a:b + 1], every.iloc[a:b], g.period_s) for a, b in found]
        walks: list[tuple[np.ndarray, _Reps, float]] = []
        for contacts, feats, period_s in pieces:
            if walks and self._goes_on(sig, walks[-1][0], walks[-1][1], contacts, period_s, feats):
                prev, prev_feats, _ = walks[-1]
                later = contacts > prev[-1] + int(0.5 * period_s * sampling_rate_hz)
                joined = _Reps({c: np.r_[prev_feats[c], feats[c]] for c in STRIDE_FEATURES})
                walks[-1] = (np.r_[prev, contacts[later]], joined, period_s)
            else:
                walks.append((contacts, feats, period_s))
        for contacts, feats, _ in walks:
            down = None
            if foot and len(contacts) > 2 and self._heel_came_down(sig, contacts[-1], feats):
                # The walk ends as the heels come down: after a last step
                # whose landing the chain passed over (it stands for it), or
                # after a moment on tiptoe (no step: not a contact).
                down = contacts[-1]
                if not self._stepped_last(sig, contacts):
                    contacts, feats = contacts[:-1], feats.iloc[:-1]
            if len(contacts) >= self.min_tiptoe_strides:
                self._add_bout(sig, contacts, feats, bouts, strides, details, evidence, end=down)
            else:
                rejected.append((t[contacts[0]], t[contacts[-1]], "short", f"{len(contacts)} contacts"))
        self.bouts_ = _bouts(bouts)
        self.gait_ = pd.DataFrame({"start_s": t[gait["start"].to_numpy(dtype=int)],
                                   "end_s": t[np.maximum(gait["stop"].to_numpy(dtype=int) - 1, 0)],
                                   "quiet": gait["quiet"].to_numpy(dtype=bool)})
        self.rejected_ = pd.DataFrame(rejected, columns=["start_s", "end_s", "reason", "detail"])
        self.evidence_ = evidence
        self.details_ = details
        self.strides_ = pd.DataFrame(strides, columns=["bout", "t_s"])
        self.claimed_ = claimed
        return self

    def _gait(self, sig: SessionSignals) -> pd.DataFrame:
        """The session's gait bouts and the quiet gait between them, in time order (``quiet`` column).

        A slow tiptoe walk (strides of 2-3 s, long stances) or a shuffle on
        tiptoe (a shank arc of 10-20°) keeps the rate's 1.5 s RMS under the
        session's 20-25 deg/s for most of each stride, so it is many short
        stretches of activity and no gait (tiptoe tier 1000-1039: 12 of the
        26 walks missed had no gait bout over them). Between the session's
        gait bouts, gait is looked for again above ``quiet_active_dps``,
        bridged over 3 s, with the same periodicity and stance tests; a
        foot's rate capped at its 90th percentile for them (a turn on the
        spot outweighs the swings; capped, a shank's stairs repeated as
        clearly as walking: tiptoe tier 1000-1039, 7 -> 13 false bouts).
        """
        gait = sig.gait.assign(quiet=False)
        if not self.quiet_active_dps or not len(sig.t):
            return gait
        # Two strides either side of a gait bout are its own: the bout looks
        # for contacts a stride beyond its ends, and quiet gait found in a
        # pause between two bouts of one walk added a contact (seed 1010).
        free = np.ones(len(sig.t), dtype=bool)
        fs = sig.sampling_rate_hz
        for s0, s1, p in zip(gait["start"].to_numpy(), gait["stop"].to_numpy(), gait["period_s"].to_numpy()):
            free[max(0, s0 - int(2 * p * fs)):s1 + int(2 * p * fs)] = False
        foot = sig.foot
        # Stretches of 5 s and more: the six contacts of a walk whose strides
        # are too slow for the session's gait (a day had 328 stretches over
        # 4 s, 0.85 s of CPU).
        quiet = GaitBoutDetector(require_stance_rest=foot, active_dps=self.quiet_active_dps, bridge_s=3.0,
                                 min_duration_s=5.0, smooth_hz=3.0 if foot else 0.0,
                                 min_periodicity=0.25 if foot else 0.5,
                                 cap_pct=90.0 if foot else 0.0).detect(sig.gyr, sig.valid, fs, free=free).bouts_
        if not len(quiet):
            return gait
        if not len(gait):
            return quiet.assign(quiet=True)
        return pd.concat([gait, quiet.assign(quiet=True)], ignore_index=True).sort_values(
            "start", kind="stable").reset_index(drop=True)

    @staticmethod
    def _one_swing(feats, max_split_deg: float = SHANK_SAME_ARC_DEG) -> bool:
        """Whether a shank bout's strides judged tiptoe and those judged not swing alike.

        The stride rule cuts a walk at 38° of arc: a walk swinging 36-45°
        throughout is one walk cut at random, a tiptoe walk (15-30°) and the
        stairs or walking beside it (34-45°) two. Alike: the medians of the
        two groups' arcs within ``max_split_deg``, and a group of each.
        """
        arc = _col(feats, "sagittal_range_deg")
        flags = TiptoeWalkDetector._tiptoe_rule(np.zeros(len(arc)), _median3(arc), False)
        if flags.all() or not flags.any():
            return False
        return float(np.median(arc[~flags]) - np.median(arc[flags])) < max_split_deg

    @staticmethod
    def _soft(sig: SessionSignals, contacts: np.ndarray) -> bool:
        """Whether a walk's landings (contacts after the first) jolt the sensor less than a heel strike does."""
        jolts = contact_impacts(sig.acc, contacts[1:], sig.sampling_rate_hz)
        return bool(len(jolts)) and float(np.median(jolts)) < SHANK_SOFT_LANDING_G

    @staticmethod
    def _walked(sig: SessionSignals, contacts: np.ndarray, min_travel_m: float = 0.1) -> bool:
        """Whether a piece of quiet gait is walking: a foot travels (median
        0.1 m a stride or more), a shank is upright (70 % of the piece).

        Quiet gait is weak evidence: a seated set of pencil pickups, lifted
        and held, was a tiptoe walk of 15 strides (shared sample clean_9001,
        its set lost to the claim; joined to a walk before it, simulator seed
        1 clean, 3 cm a stride). A foot's tiptoe walk has no posture to
        check (toes-down is tiptoe's own), a shank's travel cannot be
        integrated (no still stance).
        """
        if sig.foot:
            return stride_travel(sig.orientation.earth_acc, sig.gyr, contacts, sig.sampling_rate_hz)[1] >= min_travel_m
        return (sig.in_posture("tiptoe_walk", int(contacts[0]), int(contacts[-1])) or 0.0) >= 0.7

    @staticmethod
    def _goes_on(sig: SessionSignals, prev: np.ndarray, prev_feats: _Reps | pd.DataFrame, contacts: np.ndarray,
                 period_s: float, feats: _Reps | pd.DataFrame | None = None) -> bool:
        """Whether a tiptoe piece starting at ``contacts`` continues the walk ending at ``prev``.

        A stumble or a lost stretch can cut one walk in two: a piece that
        goes on within two strides of the last is the same walk; so is one
        after a pause of a few seconds standing on tiptoe (a foot sensor
        sees the heel stay up through it). A shank cannot see the heel: a
        piece after a shank stayed upright is the same walk when it walks
        as the walk did (its strides' swing, peak rate and time within
        ``SHANK_PAUSE_SAME``), a walk paused goes on as it went; walking
        over to the spot, then setting off on tiptoe, changes all three
        (ankle-wide tier 7000-7023: 8 of 24 walks cut in two by a pause of
        1.7-3.9 s, each piece too short or too little of the walk; pinned
        pauses, seeds 1-8: the walk before swung 1.4-2.9 times as fast or
        as far, or stepped 1.4-1.7 times as slowly). Two flights of stairs
        with a landing between are alike too, and upright: no piece
        swinging the shank ``SHANK_PAUSE_MAX_ARC_DEG`` or more joins (stairs
        34-36°, tiptoe pieces around a pause 17-27°; the tiptoe-wider tier
        on accuracy.py's seeds 454003, 454004, 454007 counted three stairs
        as walks when they joined).
        """
        gap_s = sig.t[contacts[0]] - sig.t[prev[-1]]
        if gap_s < 2.0 * period_s:
            return True
        if gap_s >= 6.0 or len(prev_feats) == 0:
            return False
        if not sig.foot:
            if feats is None or len(feats) == 0 or len(prev) < 2 or len(contacts) < 2:
                return False
            upright = (sig.in_posture("tiptoe_walk", int(prev[-1]), int(contacts[0])) or 0.0) >= 0.9

            def alike(a: float, b: float) -> bool:
                return max(a, b) <= SHANK_PAUSE_SAME * max(min(a, b), 1e-6)

            med = {k: (float(np.median(prev_feats[k])), float(np.median(feats[k])))
                   for k in ("sagittal_range_deg", "peak_rate_dps")}
            med["stride_s"] = (float(np.median(np.diff(sig.t[prev]))), float(np.median(np.diff(sig.t[contacts]))))
            return (upright and max(med["sagittal_range_deg"]) < SHANK_PAUSE_MAX_ARC_DEG
                    and all(alike(a, b) for a, b in med.values()))
        held = float(np.median(-sig.elevation_deg[prev[-1]:contacts[0]]))
        return held > max(4.0, 0.5 * float(np.median(prev_feats.stance_pitch_deg)))

    @staticmethod
    def _heel_came_down(sig: SessionSignals, contact: int, feats: _Reps | pd.DataFrame) -> bool:
        """Whether a walk's last contact is its heel coming down, not a step.

        Lowering the heels after the last step lands with an impact too,
        and a stride or so after it (a moment on tiptoe first): the
        step detector takes it for a contact. A forefoot landing leaves
        the foot pitched toes-down; the heel's landing leaves it flat.
        """
        if len(feats) == 0:
            return False
        n = max(2, int(0.2 * sig.sampling_rate_hz))
        after = float(np.median(-sig.elevation_deg[contact:contact + n]))
        return after < 0.4 * float(np.median(feats.stance_pitch_deg))

    @staticmethod
    def _stepped_last(sig: SessionSignals, contacts: np.ndarray, min_share: float = 0.45,
                      min_strides: float = 1.1) -> bool:
        """Whether the foot travelled a step between its last two contacts.

        When the heels come down within half a stride of the last step, the
        contact chain keeps one of the two impacts; if it is the heels', or
        the heels drop within 0.2 s of the step, the walk's last contact is
        one the foot lies flat after, yet a step was taken (the walk lost
        its last contact: tiptoe_wide --kind edges 200-239, 8 of 40 foot
        walks). A step carries the foot forward; dropping the heels after
        standing on tiptoe does not. Travel is integrated from the calmest
        moment of the stance before to the calmest of the rest after (both
        still), and compared with the walk's other strides'; and the heels'
        contact comes more than a stride (``min_strides``) after the one
        before, as a landing passed over does (the heels dropping after a
        moment on tiptoe shorter than a stride come sooner: 0.73 stride in
        a pinned walk whose travel read 0.42 of a stride's, noise alone).
        """
        fs = sig.sampling_rate_hz
        if len(contacts) < 4:
            return False
        w = max(1, int(0.1 * fs))
        period = int(np.median(np.diff(contacts)))
        if contacts[-1] - contacts[-2] < min_strides * period:
            return False
        lo, hi = int(contacts[0]), min(len(sig.t), int(contacts[-1]) + period + w)
        calm_rate = uniform_filter1d(np.linalg.norm(sig.gyr[lo:hi], axis=1), w, mode="nearest")
        # The stance is the first half stride after a contact: the calmest
        # moment of the whole interval before a heels' contact may be the
        # moment on tiptoe after the last step (seed 206: no travel seen).
        ends = np.minimum(np.r_[contacts[1:], hi], contacts + max(w + 1, period // 2))
        ends[-1] = hi
        calm = np.array([c0 + int(np.argmin(calm_rate[c0 - lo:c1 - lo])) for c0, c1 in zip(contacts, ends)])
        moves = np.array([np.hypot(*displacement(sig.orientation.earth_acc, a, b, fs)[:2])
                          for a, b in zip(calm[:-1], calm[1:])])
        return bool(moves[-1] >= min_share * float(np.median(moves[:-1])))

    @staticmethod
    def _add_bout(sig: SessionSignals, contacts: np.ndarray, feats: _Reps | pd.DataFrame, bouts: list, strides: list,
                  details: list, evidence: list, end: int | None = None) -> None:
        """Append one tiptoe walk, its contacts (indices) and per-stride ``feats``; ``end``: the heels' landing."""
        t, sampling_rate_hz, foot = sig.t, sig.sampling_rate_hz, sig.foot
        k = len(bouts)
        stride_s = np.diff(t[contacts])
        if end is None:
            # The walk goes on through the last contact's stance (the other
            # foot still steps and the person stops): about half a stride.
            end = contacts[-1] + int(round(0.5 * np.median(np.diff(contacts))))
        bouts.append(("tiptoe_walk", t[contacts[0]], t[min(end, len(t) - 1)]))
        climb, travel = stride_travel(sig.orientation.earth_acc, sig.gyr, contacts, sampling_rate_hz)
        evidence.append({"in_posture": sig.in_posture("tiptoe_walk", contacts[0], end),
                         "stride_s": float(np.median(stride_s)),
                         "arc_deg": float(np.median(feats.sagittal_range_deg)) if len(feats) else None,
                         "duration_s": float(t[min(end, len(t) - 1)] - t[contacts[0]]),
                         "landing_g": float(np.median(contact_impacts(sig.acc, contacts[1:], sampling_rate_hz))),
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
    def _tiptoe_runs(cls, feats: _Reps | pd.DataFrame, foot: bool, min_contacts: int) -> list[tuple[int, int]]:
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
        stance = _median3(_col(feats, "stance_pitch_deg"))
        arc = _median3(_col(feats, "sagittal_range_deg"))
        flags = cls._tiptoe_rule(stance, arc, foot)
        # One stride judged otherwise inside a tiptoe stretch is bridged.
        lone = ~flags[1:-1] & flags[:-2] & flags[2:]
        flags[1:-1] |= lone
        if cls._is_tiptoe(feats, foot) and flags.mean() >= 0.75:
            return [(0, n)]
        return [(a, b) for a, b in zip(*runs(flags)) if b - a + 1 >= min_contacts]

    @staticmethod
    def _is_tiptoe(feats, foot: bool) -> bool:
        if len(feats) == 0:
            return False
        return bool(TiptoeWalkDetector._tiptoe_rule(np.array([_median(feats.stance_pitch_deg)]),
                                                    np.array([_median(feats.sagittal_range_deg)]), foot)[0])

    @staticmethod
    def _tiptoe_rule(stance: np.ndarray, arc: np.ndarray, foot: bool) -> np.ndarray:
        """Per stride: its stance pitch (deg, + toes down) and sagittal arc (deg) say tiptoe."""
        if foot:
            # On tiptoe the heel never comes down: the foot stays pitched
            # toes-down through stance (heel-to-toe stance is flat), and
            # without heel strike and push-off it turns through a smaller arc.
            # A foot turning through half a heel-to-toe stride's arc is on
            # tiptoe however little the heel is raised, as long as it is
            # (tapping a foot while seated pitches it toes-up). With the heel
            # barely up (under 3°), only a third of that arc: a shuffling
            # ordinary walk (heel strike 13°, push-off 24°: simulator mount
            # tier 6, 23, tiptoe tier 1002) turns through 28-31° with its
            # stance as flat, while tiptoe walks that flat turn 8-20°.
            return (((stance > 8.0) & (arc < 55.0)) | ((stance > 3.0) & (arc < 35.0))
                    | ((stance > 0.0) & (arc < 22.0)))
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
        Per bout: ``in_posture``, ``directions``, ``pose_fidget`` (a few loops beside a set
        in another pose: :func:`analysis.circles.pose_fidgets`), ``peak_g``, ``flight_s``.
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
            groups = circle_sets(cd.circles_, sampling_rate_hz, grav=sig.grav_seg)
            fidget = pose_fidgets(groups, sampling_rate_hz, sig.grav_seg)
            for group, beside in zip(groups, fidget):
                if len(group) < self.min_circles_per_bout:
                    continue
                k = len(bouts)
                a, b = int(group["start"].iloc[0]), int(group["stop"].iloc[-1])
                bouts.append(("ankle_circles", t[a], t[b]))
                evidence.append({"in_posture": sig.in_posture("ankle_circles", a, b),
                                 "directions": int(group.direction.nunique()),
                                 "pose_fidget": bool(beside),
                                 **motion_evidence(sig.acc, a, b, sampling_rate_hz)})
                mine[group["start"].iloc[0]:group["stop"].iloc[-1]] = True
                circles += [(k, t[c.start], t[c.stop], c.direction, c.size_deg) for c in group.itertuples()]
        self.bouts_ = _bouts(bouts)
        self.evidence_ = evidence
        self.circles_ = pd.DataFrame(circles, columns=["bout", "start_s", "end_s", "direction", "size_deg"])
        self.claimed_ = mine
        return self


def vertical_moves(vertical_acc: np.ndarray, sampling_rate_hz: float,
                   durations_s: tuple = (0.5, 0.8, 1.2, 1.8, 2.7), min_fit: float = 0.6,
                   min_rise_m: float = 0.005) -> np.ndarray:
    """The sensor's moves up and down, found as smooth point-to-point moves in its vertical acceleration.

    A human point-to-point move has a minimum-jerk profile: over a move of
    duration ``T`` by ``D`` its acceleration is ``D/T² (60u - 180u² + 120u³)``
    (``u`` from 0 to 1). Each window of each duration in ``durations_s`` is
    fitted with that shape (least squares: ``D``), and scored by its
    normalised correlation with it; windows that fit it by ``min_fit`` or
    better and move ``min_rise_m`` or more are taken best fit first, none
    overlapping a better one. Tremor (6-12 Hz) and the sway of a foot held
    in the air do not look like such a move, however strong; integrating
    them twice does (0.25 m "moves" within a trembling hold).

    Returns
    -------
    ndarray, shape (k, 3)
        ``start``, ``stop`` (samples, stop exclusive) and ``rise_m``, by start.
    """
    fs = sampling_rate_hz
    az = np.asarray(vertical_acc, dtype=float)
    az = az - np.median(az)
    n = len(az)
    csq = np.r_[0.0, np.cumsum(az * az)]
    cands = []
    for dur in durations_s:
        m = int(round(dur * fs))
        if m < 5 or m > n:
            continue
        u = (np.arange(m) + 0.5) / m
        h = (60 * u - 180 * u ** 2 + 120 * u ** 3) / dur ** 2
        e = float(h @ h)
        dot = oaconvolve_valid(az, h[::-1])
        rise = dot / e
        # The fit is worked out only where the window moves far enough (on
        # a day's flat stretches, a small share of them): the same
        # operations on the same numbers as over all windows.
        far = np.flatnonzero(np.abs(rise) >= min_rise_m)
        fit = np.abs(dot[far] / np.sqrt(e * np.maximum(csq[far + m] - csq[far], 1e-12)))
        good = np.zeros(len(dot), dtype=bool)
        good[far] = fit >= min_fit
        fit_all = np.zeros(len(dot))
        fit_all[far] = fit
        # The best-fitting window of each run of good ones.
        cands += [(fit_all[k], k, k + m, rise[k]) for k in max_position_per_run(fit_all, good).tolist()]
    taken, busy = [], np.zeros(n + 1, dtype=bool)
    for _, a, b, rise in sorted(cands, reverse=True):
        if not busy[a:b].any():
            busy[a:b] = True
            taken.append((a, b, rise))
    return np.array(sorted(taken), dtype=float).reshape(-1, 3)


LIFTED_COLUMNS = ["start", "hold_start", "hold_stop", "stop", "rise_m"]


def lifted_reps(vertical_acc: np.ndarray, sampling_rate_hz: float, min_rise_m: float = 0.015,
                min_hold_s: float = 3.0, max_hold_s: float = 40.0, wiggle_s: float = 1.0,
                join_s: float = 0.5, rest_s: float = 0.5, gyr: np.ndarray | None = None,
                max_wobble_deg: float = 3.0) -> pd.DataFrame:
    """Reps of a foot lifted and lowered again with next to no tilt, from its vertical acceleration.

    A seated person may lift a pencil by raising the knee or the hip with
    the foot kept level: the foot rises several centimetres and its pitch,
    which the other reps are found on, changes by a degree or less. A rep
    runs from a move up by ``min_rise_m`` or more (:func:`vertical_moves`)
    to the next move down by as much, held ``min_hold_s``-``max_hold_s``
    between them. Smaller moves (the other foot's turn shifting this one)
    change nothing.

    Parameters
    ----------
    vertical_acc : ndarray, shape (n,)
        Gravity-free vertical acceleration (m/s², up).
    sampling_rate_hz : float
    gyr : ndarray, shape (n, 3), optional
        Angular rate (deg/s): a move whose 2 Hz low-passed rotation's path
        is longer than twice its net turn plus ``max_wobble_deg`` is a foot
        shifting, not a lift.

    Returns
    -------
    DataFrame
        ``start``, ``hold_start``, ``hold_stop``, ``stop`` (samples), ``rise_m``.
    """
    return pd.DataFrame(_lifted_rows(vertical_acc, sampling_rate_hz, min_rise_m, min_hold_s, max_hold_s,
                                     wiggle_s, join_s, rest_s, gyr, max_wobble_deg), columns=LIFTED_COLUMNS)


def _lifted_rows(vertical_acc: np.ndarray, sampling_rate_hz: float, min_rise_m: float = 0.015,
                 min_hold_s: float = 3.0, max_hold_s: float = 40.0, wiggle_s: float = 1.0,
                 join_s: float = 0.5, rest_s: float = 0.5, gyr: np.ndarray | None = None,
                 max_wobble_deg: float = 3.0, moves: np.ndarray | None = None,
                 min_rows: int = 0) -> list[tuple]:
    """:func:`lifted_reps` as a list of ``(start, hold_start, hold_stop, stop, rise_m)`` tuples.

    The hold-set detector asks on each of a day's ~400 flat stretches and
    finds two reps or more on a few: a DataFrame per stretch cost more than
    the search itself on most (pandas' constructor, ~0.5 ms a call).
    ``moves``: :func:`vertical_moves` of ``vertical_acc`` if already found
    (a second search with other holds need not fit them again).
    ``min_rows``: a caller that needs that many rows or none gets none, as
    soon as fewer moves could start one.
    """
    fs = sampling_rate_hz
    az = np.asarray(vertical_acc, dtype=float)
    if len(az) < int(2 * fs) or not np.all(np.isfinite(az)):
        return []
    found = vertical_moves(az, fs) if moves is None else moves
    # A pencil is lifted from rest: no move the same way a third as large
    # or more just before (sitting down fits moves up one after another,
    # seed 4201; a move down before it is the last rep put down).
    # (Moves do not overlap: their ends are in order too.)
    first = np.searchsorted(found[:, 1], found[:, 0] - rest_s * fs, side="right") if len(found) else []
    rested = np.array([not np.any(found[j:k, 2] * np.sign(r) >= abs(r) / 3)
                       for k, (j, r) in enumerate(zip(first, found[:, 2]))], dtype=bool)
    found = np.column_stack([found, rested])
    # Moves that follow each other within ``join_s`` are one move (a
    # shifting foot's wiggle fits two or three moves one after another,
    # seed 4019): its rise is integrated over them all, rest to rest.
    if len(found) > 1:
        head = np.r_[True, found[1:, 0] - found[:-1, 1] > join_s * fs]
        first, last = np.flatnonzero(head), np.r_[np.flatnonzero(head)[1:] - 1, len(found) - 1]
        found = np.array([(found[i, 0], found[j, 1], found[i, 2] if i == j else
                           displacement(az[:, None], int(found[i, 0]), int(found[j, 1]), fs)[0], found[i, 3])
                          for i, j in zip(first, last)])
    # Each row starts at its own move up by ``min_rise_m`` or more from
    # rest, and the steps below only drop moves: with fewer such moves
    # than the caller needs rows, the 2 Hz low-pass of the rate (a
    # stretch-long filter, most of the rest of the cost) is not needed.
    if min_rows and np.count_nonzero((found[:, 2] >= min_rise_m) & (found[:, 3] != 0)) < min_rows:
        return []
    if gyr is not None and len(found):
        # A foot shifting where it rests turns back and forth; one lifted
        # turns one way, by its tip (seed 4038: a standing foot's shifts
        # read as 7-14 cm up or down, turning 14-24° and ending within 1°
        # of where they began; lifts turned 10-12° all one way).
        rate = lowpass(np.asarray(gyr, dtype=float), 2.0, fs)
        net = np.vstack([np.zeros((1, 3)), np.cumsum(rate, axis=0) / fs])
        path = np.r_[0.0, np.cumsum(norm3(rate)) / fs]
        a_, b_ = found[:, 0].astype(int), found[:, 1].astype(int)
        found = found[path[b_] - path[a_] <= 2 * np.linalg.norm(net[b_] - net[a_], axis=1) + max_wobble_deg]
    # A foot shifting where it rests goes up and straight back down (or
    # the other way): a move with one about as large the other way within
    # a second of it lifts nothing (the other foot's turn, seeds 4012, 4022).
    near = int(wiggle_s * fs)
    rise = found[:, 2]
    back = np.zeros(len(found), dtype=bool)
    if len(found) > 1:
        pair = ((found[1:, 0] - found[:-1, 1] <= near) & (np.sign(rise[1:]) != np.sign(rise[:-1]))
                & (np.minimum(np.abs(rise[1:]), np.abs(rise[:-1]))
                   >= 0.5 * np.maximum(np.abs(rise[1:]), np.abs(rise[:-1]))))
        back[1:] |= pair
        back[:-1] |= pair
    moves = [(int(a), min(int(b), len(az) - 1), r, bool(ok)) for a, b, r, ok in found[~back]]
    rows, up, since = [], None, []

    def put_down(a: int, b: int) -> bool:
        held = (a - up[1]) / fs
        if min_hold_s <= held <= max_hold_s:
            rows.append((up[0], up[1], a, b, up[2]))
        return held >= min_hold_s

    for a, b, rise, from_rest in moves:
        if rise >= min_rise_m and up is not None:
            if since and rise >= 0.5 * up[2]:
                # Up again while up: a foot swaying on one leg can hide
                # the move down (read as a small rise); it is the most
                # downward move in between, if the foot rose about as far
                # again.
                put_down(*min(since, key=lambda m: m[2])[:2])
                up = None
            elif up[2] > 2 * rise:
                # Far more than this rep's lift: the first was the end of
                # sitting down (on a chair, seed 4301 hard; on the floor,
                # 4202), this is the rep's start.
                up = None
        if rise >= min_rise_m and up is None:
            if from_rest:
                up, since = (a, b, rise), []
        elif up is not None and -rise >= max(min_rise_m / 2, up[2] / 3):
            # A move down sooner than a hold is the hold's wobble (seed
            # 4001: 2.8 cm "down" 2 s into a 25 s hold); the foot stays up.
            if put_down(a, b):
                up = None
            else:
                since.append((a, b, rise))
        elif up is not None:
            since.append((a, b, rise))
    return rows


def _rested_reps(det: HoldRepDetector, rested: HoldRepDetector, gap: int) -> None:
    """``det``'s reps with ``rested``'s (the same angle, its rest level where it
    rested: ``HoldRepDetector(rest_still_s=...)``) in place of those they overlap.

    A shank sways between a set's reps as far as a small press bends the
    knee (0.3-2.5 deg over a second or two, either way). Swaying the other
    way from the reps, it sets the lowest level, which the angle then never
    came back to between reps: several reps were read as one (simulator
    ankle tier, seed 32018: 10 presses read as 5; 32021: 8 as 5). Read from
    the level it rested at, brisk reps whose rests are too short to be still
    were lost instead (32018: 11 deep, brisk presses read as 7): the rested
    reading only splits a plain rep it finds two or more reps in, and fills
    gaps between plain reps.
    """
    a, b = det._rep_columns, rested._rep_columns
    if not len(b["start"]):
        return
    a0, a1, b0, b1 = (np.asarray(v) for v in (a["start"], a["stop"], b["start"], b["stop"]))
    over = (b0[None, :] < a1[:, None]) & (a0[:, None] < b1[None, :])   # (plain, rested)
    # A plain rep that two or more rested reps lie in was several reps
    # read as one: they replace it. Otherwise the plain reading stands
    # (rested reps anywhere it found none were sway read as sets of
    # presses at a strapped shank: ankle-wide tier, false and uncertain
    # bouts up).
    merged = over.sum(axis=1) >= 2
    # A rested rep that overlaps no plain rep, between two plain reps
    # within ``gap`` samples, is one more of their set.
    between = ((a1[:, None] <= b0[None, :]) & (b0[None, :] - a1[:, None] <= gap)).any(axis=0) & \
        ((a0[:, None] >= b1[None, :]) & (a0[:, None] - b1[None, :] <= gap)).any(axis=0)
    take = over[merged].any(axis=0) | (~over.any(axis=0) & between)
    cols = {c: np.concatenate([np.asarray(a[c])[~merged], np.asarray(b[c])[take]]) for c in REP_COLUMNS}
    order = np.argsort(cols["start"], kind="stable")
    det._rep_columns = {c: v[order] for c, v in cols.items()}
    det.__dict__.pop("reps_", None)


def _between_moves(activity: np.ndarray) -> np.ndarray:
    """``activity`` (deg/s, shape (n,): a pause between two reps) without
    the hump it starts with.

    A pause opens where the rep detector ended a rep, which may be part-way
    through its return (the angular rate still rising to the return's peak,
    or already falling): the rate up to the first trough is the rep's own.
    The next rep's move is not taken off the pause's end: its start lies
    before its move's peak, so the set's own peaks already measure it, and
    a rise past them into a rep is a move unlike the set's (sitting down
    between two "reps" of standing up, simulator seed 2005 at the shank).
    What is left (possibly nothing) is the pause's.
    """
    d = np.diff(activity)
    up = np.flatnonzero(d <= 0)                  # where the rise (if any) ends
    a = int(up[0]) if len(up) else len(d)
    # A return goes on past the rep's end at speed: the pause opens at
    # 0.7 of the hump's peak or more (seed 4005: at it). A move that rises
    # from slower than that is a new one (a pencil carried aside after a
    # hold, tests/test_pencil.py 4107: from 42 to 89 deg/s).
    if activity[0] < 0.7 * activity[a]:
        return activity
    down = np.flatnonzero(d[a:] > 0)             # ... and the fall after it
    return activity[a + int(down[0]) if len(down) else len(activity):]


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
    pencil_max_reps : int
        A flat-foot set held that long with this many reps or fewer is a
        pencil pickup (three per foot by prescription; toe presses ten)
        whether or not the foot rose.
    pencil_lift_doubts : float
        A flat-foot set held that long with more reps than that, tipping
        no further than ``press_max_range_deg``, is a pencil pickup only if
        the foot rises ``pencil_min_lift_m`` and this many times what the
        sensor's bias may carry into the rise
        (:func:`~analysis.confidence.rise_doubt`).
    pencil_pair_min_range_deg : float
        Two reps held that long whose foot does not rise are a pencil set
        (listed; the confidence doubts a pair that does not lift) when they
        tip the foot at least this far (median): a resting foot shifting its
        weight tips it 1-2°.
    pencil_short_hold_s, press_max_range_deg : float
        A flat-foot set of ``pencil_max_reps`` or fewer held at least
        ``pencil_short_hold_s`` (shorter than prescribed) is a pencil
        pickup if the foot rises ``pencil_min_lift_m`` and tips no further
        than ``press_max_range_deg`` (the confidence's toe-press limit).
    pencil_drop_frac : float
        In a pencil set, a "rep" held less than this share of the set's
        median hold is a dropped pencil, not a rep.
    pencil_min_rest_s : float
        In a pencil set, a rep starting sooner than this after the previous
        one's end, from its held level, is that hold going on (the pencil
        carried aside before it is put down).
    pencil_lift_margin_s : (float, float)
        A pencil set's rise per rep is integrated from the calmest sample
        up to this long before each rep's start to the calmest up to this
        long after its hold's start (s).
    pencil_clear_lift_m, pencil_clear_margin_m : float
        A flat-foot set of ``min_reps_per_bout`` reps or more however
        briefly held is a pencil pickup when every rep lifts the foot
        clear of the floor (:meth:`_lifted_off`): its median rise is at least
        ``pencil_clear_lift_m``, ``pencil_clear_margin_m`` past what a heel
        raise of its tip lifts the sensor and three times what the tip's
        bias may add to it, and no more than one rep rises less than half the median.
    split_min_reps, split_amplitude_ratio : int, float
        A group of reps (no pause longer than ``max_rep_gap_s``) whose
        amplitude goes, for good, from one level to ``split_amplitude_ratio``
        times it or more, each part of ``split_min_reps`` reps or more, is
        two sets (:meth:`_split_by_amplitude`: toe presses straight before
        or after heel raises or squats).
    level_max_tilt_deg : float
        Where the tilt found no set, a foot lifted and lowered again
        tipping by at most this much (deg) is looked for in the vertical
        acceleration (:func:`lifted_reps`, :meth:`_lifted_sets`).
    pencil_brief_hold_s : float
        Where that search (holds of 3 s or more) found no set, lifts held
        this long or more are looked for again; their sets must be lifted
        clear of the floor (:meth:`_lifted_off`).

    Attributes (after :meth:`detect`)
    ----------
    bouts_ : DataFrame
        ``exercise``, ``start_s``, ``end_s``.
    evidence_ : list of dict
        Per bout: ``in_posture``, ``reps``, ``range_deg``, ``range_cv``,
        ``lift_m``, ``lift_doubt_m``, ``overshoot``, ``rest_s``, ``move_s``, ``return_s``,
        ``posture_cue``, ``level_steps``, ``way_unsure``, ``hold_s``, ``hold_cv``, ``heel_lift_m`` (foot),
        ``peak_g``, ``flight_s``
        (see :class:`analysis.confidence.ConfidenceRater.rate`).
    reps_ : DataFrame
        ``bout``, ``start_s``, ``end_s``, ``hold_s``, ``range_deg``.
    """

    def __init__(self, max_rep_gap_s: float = 30.0, min_reps_per_bout: int = 3,
                 pencil_min_hold_s: float = 7.0, min_foot_range_deg: float = 0.6,
                 pencil_min_lift_m: float = 0.015, split_lift_m: float = 0.05, split_heel_m: float = 0.012,
                 pencil_max_reps: int = 5, pencil_drop_frac: float = 0.35,
                 pencil_short_hold_s: float = 5.0, press_max_range_deg: float = 15.0,
                 pencil_lift_margin_s: tuple[float, float] = (0.5, 0.3), pencil_min_rest_s: float = 0.5,
                 level_max_tilt_deg: float = 5.0, pencil_clear_lift_m: float = 0.05,
                 pencil_clear_margin_m: float = 0.03, pencil_brief_hold_s: float = 1.0,
                 split_min_reps: int = 4, split_amplitude_ratio: float = 3.0,
                 pencil_lift_doubts: float = 3.0, pencil_pair_min_range_deg: float = 3.0):
        self.pencil_pair_min_range_deg = pencil_pair_min_range_deg
        self.pencil_lift_doubts = pencil_lift_doubts
        self.pencil_brief_hold_s = pencil_brief_hold_s
        self.split_min_reps = split_min_reps
        self.split_amplitude_ratio = split_amplitude_ratio
        self.level_max_tilt_deg = level_max_tilt_deg
        self.pencil_clear_lift_m = pencil_clear_lift_m
        self.pencil_clear_margin_m = pencil_clear_margin_m
        self.pencil_max_reps = pencil_max_reps
        self.pencil_short_hold_s = pencil_short_hold_s
        self.press_max_range_deg = press_max_range_deg
        self.pencil_min_rest_s = pencil_min_rest_s
        self.pencil_lift_margin_s = pencil_lift_margin_s
        self.pencil_drop_frac = pencil_drop_frac
        self.split_lift_m = split_lift_m
        self.split_heel_m = split_heel_m
        self.pencil_min_lift_m = pencil_min_lift_m
        self.max_rep_gap_s = max_rep_gap_s
        self.min_reps_per_bout = min_reps_per_bout
        self.pencil_min_hold_s = pencil_min_hold_s
        self.min_foot_range_deg = min_foot_range_deg

    def detect(self, signals: SessionSignals, claimed: np.ndarray | None = None,
               ahead: HoldSetDetector | None = None) -> HoldSetDetector:
        """``claimed``: samples already explained by other bouts (no rep is looked for there).

        ``ahead``: a detector with the same parameters run before on the same
        signals with a guess of ``claimed`` (e.g. in a thread beside the
        detectors that claim samples): each stretch of posture is looked at
        on its own, so where a stretch is the same as one of its stretches,
        its sets are taken as they are (``stretch_sets_``) and only the other
        stretches are looked at.
        """
        sig = signals
        t, sampling_rate_hz, foot = sig.t, sig.sampling_rate_hz, sig.foot
        busy = claimed if claimed is not None else np.zeros(len(t), dtype=bool)
        where = sig.postures
        postures = ({"flat": where["flat"], "toes_up": where["toes_up"]} if foot
                    else {"upright": where["upright"]})
        # A long gap splits the signal: no rep is measured across one.
        # (Short losses, a few packets, are interpolated: the angle of a
        # hold changes slowly.)
        stretches = [(posture, int(s), int(e)) for posture, mask in postures.items()
                     for s, e in zip(*runs(mask & ~busy & ~sig.long_gap)) if (e - s) / sampling_rate_hz >= 5]
        known = ahead.stretch_sets_ if ahead is not None else {}
        # The day's carry-free pitch depends on the signals alone: the run
        # ahead's is taken as it is (a day-long computation less on the way
        # to the results).
        sets = self._stretch_sets(sig, [st for st in stretches if st not in known],
                                  tilt=ahead.tilt_ if ahead is not None else None)
        self.stretch_sets_ = {st: known[st] if st in known else sets[st] for st in stretches}
        bouts, reps, evidence = [], [], []
        for st in stretches:
            for bout, ev, rows in self.stretch_sets_[st]:
                k = len(bouts)
                bouts.append(bout)
                evidence.append(ev)
                reps += [(k, *r) for r in rows]
        self.bouts_ = _bouts(bouts)
        self.evidence_ = evidence
        self.reps_ = pd.DataFrame(reps, columns=["bout", "start_s", "end_s", "hold_s", "range_deg"])
        return self

    def _stretch_sets(self, sig: SessionSignals, stretches: list, tilt: np.ndarray | None = None) -> dict:
        """The sets of each stretch ``(posture, s, e)`` of posture: a list of
        ``(bout row, evidence, rep rows without their bout)`` per stretch.

        ``tilt``: the pitch the reps are read from (:func:`carry_free_tilt`
        for a foot), if known; kept as ``tilt_``.
        """
        self.tilt_ = tilt
        if not stretches:  # all taken from a detector run ahead: no whole-day pitch to redo
            return {}
        t, sampling_rate_hz, foot, valid = sig.t, sig.sampling_rate_hz, sig.foot, sig.valid
        # Each rep's rise is asked for several times (its lift, its heel
        # rise, the set's evidence): worked out once each.
        earth_acc = DisplacementMemo(sig.orientation.earth_acc)
        # A foot sensor's pitch without the pushes of a foot carried aside
        # (seed 4107: a pencil carried mid-hold cut each hold in two).
        if tilt is None:
            tilt = (carry_free_tilt(sig.tilt_deg, sig.elevation_deg, sampling_rate_hz) if foot
                    else sig.tilt_deg)
        self.tilt_ = tilt
        calm_rate = None

        def calm() -> np.ndarray:
            # |gyr| over 0.1 s, for a flat foot's level lifts: worked out
            # once, only when a flat stretch asks for it.
            nonlocal calm_rate
            if calm_rate is None:
                calm_rate = uniform_filter1d(norm3(sig.gyr), max(1, int(0.1 * sampling_rate_hz)))
            return calm_rate

        out = {}
        # Dorsiflexion against the band raises the toes; toe presses
        # and pencil pickups tip the foot whichever way the instep
        # and the grip make it, so both directions are tried set by
        # set (a pencil set and a toe-press set may go opposite ways).
        jobs = [(s, e, sign) for posture, s, e in stretches for sign in ((1,) if posture == "toes_up" else (1, -1))]
        # A foot flat on the floor is still between and during reps;
        # a shank sways, so its reps must be held stiller than they move.
        proto = (HoldRepDetector(min_amplitude_deg=0.6, max_hold_speed_frac=0.5) if foot else
                 HoldRepDetector(min_amplitude_deg=2.0, max_hold_speed_frac=0.3))
        # Toes up is the band's posture: its reps may rest well under a
        # second and go unlike each other (HoldRepDetector's brief_rests,
        # small_reach; BAND_SMALL_REACH), a foot on the floor's sway not.
        band = [posture == "toes_up" for posture, s, e in stretches for _ in ((1,) if posture == "toes_up" else (1, -1))]
        by_job = [None] * len(jobs)
        for is_band, det_proto in ((False, proto),
                                   (True, proto.clone_with(brief_rests=True, small_reach=BAND_SMALL_REACH))):
            mine = [k for k in range(len(jobs)) if band[k] == is_band]
            if mine:
                for k, det in zip(mine, self._detect_reps(det_proto, [jobs[k] for k in mine], tilt, valid,
                                                          sampling_rate_hz)):
                    by_job[k] = det
        detected = iter(by_job)
        # A shank sways between reps: its reps are also looked for from the
        # level it rested at (_rested_reps).
        from_rest = (None if foot else
                     iter(self._detect_reps(proto.clone_with(rest_still_s=SHANK_REST_STILL_S), jobs, tilt, valid,
                                            sampling_rate_hz)))
        for posture, s, e in stretches:
            mine = out[posture, s, e] = []
            # The stretch's own rows only (row by row, the whole day's values).
            gyr_norm = norm3(sig.gyr[s:e])
            signs = (1,) if posture == "toes_up" else (1, -1)
            found_sets, every, steps = [], {}, {}
            for sign in signs:
                det = next(detected)
                if from_rest is not None:
                    _rested_reps(det, next(from_rest), int(self.max_rep_gap_s * sampling_rate_hz))
                if sign == 1:
                    # The stretch's low-passed angle, as the detector kept it
                    # (``lowpass(1 · angle)``: the same bits as ``lowpass(angle)``).
                    smooth = det._filtered[1]
                # Rep-like moves that ended at a new level (for the set's
                # confidence: level_steps, below).
                steps[sign] = np.array([(a_, b_, amp_) for a_, b_, amp_, why in det._rejected_rows
                                        if why.startswith("did not return")], dtype=float).reshape(-1, 3)
                found = _Reps(det._rep_columns)
                # A rep cut by the stretch's edge began or ended in
                # another posture: that is the posture change, not a rep.
                edge = int(0.5 * sampling_rate_hz)
                found = found.iloc[(found.start > edge) & (found.stop < (e - s) - edge)]
                if posture == "toes_up":
                    found = split_repulls(found, det._filtered[1], sampling_rate_hz, proto.min_hold_s)
                every[sign] = found
                # A band rep let go at once snaps back (below, ``_group``);
                # on a flat foot a pencil dropped and picked up again is no
                # such touch (tests/test_pencil.py 4107: one set read as two).
                touches = np.array([(a_, b_, amp_) for a_, b_, amp_, why in det._rejected_rows
                                    if why.startswith("held ")], dtype=float).reshape(-1, 3)
                groups = self._group(found, t[s:e], gap_s=self.max_rep_gap_s, activity=gyr_norm,
                                     touches=touches if posture == "toes_up" else None)
                if posture == "flat":
                    groups = [part for g in groups
                              for part in self._split_pencil(g, earth_acc, s, sampling_rate_hz)]
                unsteady = _Reps(det.unsteady_)
                unsteady = unsteady.iloc[(unsteady.start > edge) & (unsteady.stop < (e - s) - edge)]
                small = _Reps(det.small_)
                for g in [part for group in groups for part in self._split_by_amplitude(group)]:
                    g = self._drop_outliers(g, sampling_rate_hz, from_rest=posture == "toes_up",
                                            end_reach=0.4 if foot else SHANK_END_REACH)
                    g = self._take_unsteady(g, unsteady)
                    if posture == "toes_up":
                        g = self._take_small(g, small, sampling_rate_hz)
                    if len(g):
                        found_sets.append((sign, det, g))
            candidates = []
            for sign, det, g in found_sets:
                # Read one direction's holds as the other's rests, a set
                # spans a little less or more: the rest the set starts
                # from is judged outside both readings.
                a0, a1 = int(g.start[0]), int(g.stop[-1])
                for _, _, h in found_sets:
                    if h.start[0] < a1 and a0 < h.stop[-1]:
                        a0, a1 = min(a0, int(h.start[0])), max(a1, int(h.stop[-1]))
                # The detector's own ``sign · angle`` (the same values, and
                # set_cues need not compare a stretch-long copy with it).
                cues = set_cues(det._filtered[0], det, g, sampling_rate_hz, gyr_norm, span=(a0, a1))
                candidates.append((sign, g, cues))
            for sign, group, cues in self._resolve(candidates):
                unsure_way = _way_unsure(group, cues, [c for c in candidates if c[0] != sign], foot)
                if -sign in every:
                    group = self._either_way(group, sign, every[-sign], sampling_rate_hz, self.max_rep_gap_s)
                # Below a degree a foot's "reps" are a resting foot
                # shifting its weight (the other foot exercising), not
                # a press held against the floor.
                if foot and _median(np.abs(group.range_deg)) < self.min_foot_range_deg:
                    continue
                every_lift = _rise_per_rep(group, earth_acc, s, sampling_rate_hz)
                heel = toes_down_rise(earth_acc, tilt, group, s, sampling_rate_hz) if posture == "flat" else None
                for part, lifts in self._pencil_sets(posture, self._split_by_heel(self._split_by_lift(group, every_lift),
                                                                                  group, heel),
                                                     t[s:e], sampling_rate_hz):
                    group = part
                    holds = (group.hold_stop - group.hold_start) / sampling_rate_hz
                    # How far the sensor's bias may have carried each rise
                    # (the evidence's ``lift_doubt_m``).
                    move_s = float(_median(group.hold_start - group.start)) / sampling_rate_hz
                    doubt_m = rise_doubt(float(_median(group.amplitude_deg)), move_s)
                    name = self._name_hold_bout(posture, holds, float(_median(lifts)), len(group),
                                                float(_median(np.abs(group.range_deg))), doubt_m)
                    if posture == "flat" and (name == "pencil_pickup" or (
                            len(group) <= self.pencil_max_reps and _median(holds) >= self.pencil_short_hold_s)):
                        # A foot lifting a pencil with little tip starts
                        # to rise before its tilt shows the move: its rise
                        # is measured from the rest before the rep to the
                        # settled hold (seed 4000: 0.5 cm per rep read so,
                        # 5 cm lifted).
                        lifts = _rise_per_rep(group, earth_acc, s, sampling_rate_hz, self.pencil_lift_margin_s,
                                              calm())
                        name = self._name_hold_bout(posture, holds, float(_median(lifts)), len(group),
                                                    float(_median(np.abs(group.range_deg))), doubt_m)
                    elif posture == "flat" and name == "toe_press":
                        # Brief holds with the foot lifted clear of the floor
                        # every rep are pencils held briefly (simulator
                        # pencil-widest 4040: five 2.3 s holds 8 cm up read
                        # as toe presses); a toe press leaves the foot down.
                        # Asked of any count (people do 3-15; pencil-people:
                        # ten held 2.5 s 8 cm up were doubted toe presses):
                        # a noisy press set's rise drifts, but not past the
                        # clear lift (seed 502008: ten reps, 2.7 cm).
                        held_lifts = _rise_per_rep(group, earth_acc, s, sampling_rate_hz,
                                                   self.pencil_lift_margin_s, calm())
                        if self._lifted_off(held_lifts, float(_median(np.abs(group.range_deg))), move_s):
                            name, lifts = "pencil_pickup", held_lifts
                    # Two pencil reps make a set when the pencil was put
                    # down between them; two "reps" with no rest between
                    # are one posture change into another (the resting foot
                    # shifting during the other foot's turn: the demo, 2:54).
                    rested = len(group) > 1 and _median((group.start[1:] - group.stop[:-1])
                                                        / sampling_rate_hz) >= self.pencil_min_rest_s
                    need = 2 if name == "pencil_pickup" and rested else self.min_reps_per_bout
                    if name is None or len(group) < need:
                        continue
                    a, b = s + int(group.start[0]), s + int(group.stop[-1])
                    # A foot lifted, carried and put down is pushed about:
                    # the accelerometer's tilt swings with the push, the
                    # orientation filter's gravity does not (seeds 4001,
                    # 4019: lifted 2-12 cm, "swung" 2.6-8.7 times as far
                    # as they held); a swing of the foot itself shows in both.
                    peak, held = rep_extent(smooth if name != "pencil_pickup" else
                                            lowpass(sig.elevation_deg[s:e], proto.cutoff_hz, sampling_rate_hz),
                                            group, sampling_rate_hz)
                    evidence = {"in_posture": sig.in_posture(name, a, b), "reps": len(group),
                                "range_deg": float(_median(group.amplitude_deg)),
                                "range_cv": self._range_cv(name, group.amplitude_deg, lifts),
                                "lift_m": float(_median(lifts)),
                                "lift_doubt_m": doubt_m,
                                "overshoot": float(_median(peak / np.maximum(held, 0.2))),
                                "rest_s": (float(_median((group.start[1:] - group.stop[:-1])
                                                         / sampling_rate_hz)) if len(group) > 1 else None),
                                "move_s": move_s,
                                "return_s": float(_median(group.stop - group.hold_stop)) / sampling_rate_hz,
                                "posture_cue": None if not np.isfinite(cues[0]) else float(cues[0]),
                                "level_steps": _level_steps(group, steps[sign]),
                                "way_unsure": unsure_way,
                                "hold_tremor": None if not np.isfinite(cues[1]) else float(cues[1]),
                                "hold_s": float(_median(holds)),
                                "hold_cv": float(np.std(holds) / max(np.mean(holds), 1e-6)),
                                "heel_lift_m": (float(_median(toes_down_rise(
                                    earth_acc, tilt, group, s, sampling_rate_hz))) if foot else None),
                                "lean_deg": (None if foot else
                                             shank_lean(sig.elevation_deg, group, s, sampling_rate_hz)),
                                **pivot_evidence(None if foot else shank_pivot_m(
                                    sig.acc_seg, sig.gyr_seg, group, s, sampling_rate_hz)),
                                **motion_evidence(sig.acc, a, b, sampling_rate_hz)}
                    reps = [(t[s + a_], t[s + b_], (h1 - h0) / sampling_rate_hz, abs(r_))
                            for a_, b_, h0, h1, r_ in zip(group.start.tolist(), group.stop.tolist(),
                                                          group.hold_start.tolist(), group.hold_stop.tolist(),
                                                          group.range_deg.tolist())]
                    mine.append(((name, t[a], t[b]), evidence, reps))
            if foot and posture == "flat":
                mine[:] = self._with_lifted_sets(sig, s, e, tilt, calm(), mine)
        return out

    def _with_lifted_sets(self, sig: SessionSignals, s: int, e: int, tilt: np.ndarray, calm_rate: np.ndarray,
                          found: list) -> list:
        """``found`` (the flat stretch ``s:e``'s sets from the tilt, as :meth:`_stretch_sets`
        lists them) with the pencil sets of a foot lifted with next to no tilt
        (:func:`lifted_reps`) in place of the sets they overlap, when those
        tip the foot by ``level_max_tilt_deg`` or less (median).

        Their reps are the lifts that tip the foot by at most ``level_max_tilt_deg``
        (more, and the tilt shows them); a set is two or more reps, rested
        between, that :meth:`_name_hold_bout` calls a pencil set with the
        foot rising ``pencil_min_lift_m`` or more (without the rise nothing
        tells the reps from a foot shifting on the floor). Where such a set
        is, a set the tilt found tipping the foot a degree is that tilt's
        noise and the other foot's turn read as reps (seed 4202).
        """
        out = list(found)
        for bout, evidence, rows in self._lifted_sets(sig, s, e, tilt, calm_rate):
            clash = [f for f in out if f[0][1] < bout[2] and bout[1] < f[0][2]]
            # A set of tipped lifts (:meth:`_level_sets`) only where the tilt
            # found nothing, or where it found the same pencil set with reps
            # missing: a foot held up on one leg sways its tilt through the
            # hold (5-14° where it holds 9°), so a rep's hold is no level
            # there, while its lift and put-down are clear moves up and down
            # (simulator pencil-people, standing, 3 lifts of 4-6 cm held
            # 10 s: the tilt found 2). Every rep the tilt found must be one
            # of the lifts, and every lift within the tilt's set: lifts past
            # its ends (by 2 s: the moves' edges) are as likely the other
            # foot's turn shifting this one (hard look-alikes 455000: four
            # reps read as six).
            tipped = evidence["range_deg"] > self.level_max_tilt_deg
            more = (bool(clash) and all(f[0][0] == "pencil_pickup" for f in clash)
                    and len(rows) > sum(len(f[2]) for f in clash)
                    and all(any(r[0] < q[1] and q[0] < r[1] for q in rows) for f in clash for r in f[2])
                    and all(min(f[0][1] for f in clash) - 2.0 <= q[0] and q[1] <= max(f[0][2] for f in clash) + 2.0
                            for q in rows))
            if more or (all(f[1]["range_deg"] <= self.level_max_tilt_deg for f in clash) and not (tipped and clash)):
                out = [f for f in out if not any(f is c for c in clash)] + [(bout, evidence, rows)]
        return sorted(out, key=lambda f: f[0][1])

    def _lifted_sets(self, sig: SessionSignals, s: int, e: int, tilt: np.ndarray, calm_rate: np.ndarray) -> list:
        """The pencil sets of :meth:`_with_lifted_sets` in the flat stretch ``s:e``:
        ``(bout row, evidence, rep rows)`` as :meth:`_stretch_sets` lists them."""
        fs = sig.sampling_rate_hz
        vertical = sig.orientation.earth_acc.vertical(s, e)
        if len(vertical) < int(2 * fs) or not np.all(np.isfinite(vertical)):
            return []
        moves = vertical_moves(vertical, fs)
        rows = _lifted_rows(vertical, fs, gyr=sig.gyr[s:e], moves=moves, min_rows=2)
        out = self._level_sets(sig, s, e, tilt, calm_rate, rows)
        # Held briefly (a second or two), lifts are looked for again where
        # no set was found, and named pencils only when lifted clear of the
        # floor (:meth:`_lifted_off`): 0.13.0's level search asked for 3 s
        # holds, so a pencil lifted level 8 cm and held 2.5 s four times was
        # nothing (simulator pencil-people, clean). A foot shifting on the
        # floor goes up and straight back down within a second: half a
        # second here, the rise and the count guarding the rest.
        brief = [r for r in _lifted_rows(vertical, fs, min_hold_s=self.pencil_brief_hold_s, wiggle_s=0.5,
                                         gyr=sig.gyr[s:e], moves=moves, min_rows=2)
                 if not any(f[0][1] <= sig.t[s + r[3]] and sig.t[s + r[0]] <= f[0][2] for f in out)]
        return sorted(out + self._level_sets(sig, s, e, tilt, calm_rate, brief, brief=True), key=lambda f: f[0][1])

    def _level_sets(self, sig: SessionSignals, s: int, e: int, tilt: np.ndarray, calm_rate: np.ndarray,
                    reps: list, brief: bool = False) -> list:
        """:meth:`_lifted_sets` from the lifted rows ``reps`` (:func:`_lifted_rows`) of the
        stretch ``s:e``; ``brief``: rows held under the level search's 3 s as well, whose sets
        must be lifted clear of the floor (:meth:`_lifted_off`)."""
        t, fs = sig.t, sig.sampling_rate_hz
        earth_acc = sig.orientation.earth_acc
        if len(reps) < 2:
            return []
        reps = pd.DataFrame(reps, columns=LIFTED_COLUMNS)
        start, h0, h1, stop = (reps[c].to_numpy(int) for c in ("start", "hold_start", "hold_stop", "stop"))
        before = max(1, int(1.0 * fs))
        rest = np.array([np.median(tilt[s + max(0, a - before):s + a + 1]) for a in start])
        held = np.array([np.median(tilt[s + a:s + b]) for a, b in zip(h0, h1)])
        reps = reps.assign(range_deg=held - rest, amplitude_deg=np.abs(held - rest), rest_deg=rest)
        # A lift that tips the foot more than the level search's limit is
        # the tilt's to find; where the tilt found nothing (a foot lifted
        # standing, swaying on one leg, the mounting guessed so its roll
        # reads as tip: simulator pencil-people 32020, three 5-10 cm lifts
        # held 5-12 s tipped ~9°), such lifts held 3 s or more are kept as
        # long as they tip no more than a toe press's range; their set must
        # then be held as a pencil set is (:meth:`_name_hold_bout`) and
        # clear a heel raise's rise (:meth:`_lifted_off`).
        limit_deg = self.level_max_tilt_deg if brief else self.press_max_range_deg
        reps = reps[reps.amplitude_deg.to_numpy() <= limit_deg].reset_index(drop=True)
        if len(reps) < 2:
            return []
        # A "rep" rising far less than the others is a foot shifting on the
        # floor (the other foot's turn, seed 4019), not a pencil held up.
        lifts = _rise_per_rep(reps, earth_acc, s, fs, self.pencil_lift_margin_s, calm_rate)
        reps = reps[lifts >= max(self.pencil_min_lift_m, 0.4 * float(_median(lifts)))].reset_index(drop=True)
        out = []
        for group in self._group(reps, t[s:e], gap_s=self.max_rep_gap_s):
            group = group.reset_index(drop=True) if isinstance(group, pd.DataFrame) else group
            if len(group) < 2:
                continue
            holds = (_col(group, "hold_stop") - _col(group, "hold_start")) / fs
            lifts = _rise_per_rep(group, earth_acc, s, fs, self.pencil_lift_margin_s, calm_rate)
            rng = float(_median(np.abs(_col(group, "range_deg"))))
            rests = (_col(group, "start")[1:] - _col(group, "stop")[:-1]) / fs
            if _median(lifts) < self.pencil_min_lift_m or _median(rests) < self.pencil_min_rest_s:
                continue
            # Brief holds, and lifts tipped past the level search's limit,
            # must have lifted the foot clear of the floor; lifts held 3 s
            # and more must be held as a pencil set is.
            move_s = float(_median(_col(group, "hold_start") - _col(group, "start"))) / fs
            if (brief or abs(rng) > self.level_max_tilt_deg) and not self._lifted_off(lifts, abs(rng), move_s):
                continue
            if not brief and self._name_hold_bout("flat", holds, float(_median(lifts)), len(group),
                                                  abs(rng)) != "pencil_pickup":
                continue
            a, b = s + int(_col(group, "start")[0]), s + int(_col(group, "stop")[-1])
            evidence = {"in_posture": sig.in_posture("pencil_pickup", a, b), "reps": len(group),
                        "range_deg": rng,
                        # The rise is what these reps are: how alike they are is told by
                        # the moves' fitted rises (the integrated ones spread with noise).
                        "range_cv": float(np.std(_col(group, "rise_m")) / max(np.mean(_col(group, "rise_m")), 1e-6)),
                        "lift_m": float(_median(lifts)), "lift_doubt_m": 0.0, "overshoot": None,
                        "rest_s": float(_median(rests)), "posture_cue": None, "level_steps": 0,
                        "way_unsure": False, "hold_s": float(_median(holds)),
                        "hold_cv": float(np.std(holds) / max(np.mean(holds), 1e-6)),
                        "heel_lift_m": None, **motion_evidence(sig.acc, a, b, fs)}
            rows = [(t[s + a_], t[s + b_], (y - x) / fs, abs(r_))
                    for a_, b_, x, y, r_ in zip(_col(group, "start").tolist(), _col(group, "stop").tolist(),
                                                _col(group, "hold_start").tolist(), _col(group, "hold_stop").tolist(),
                                                _col(group, "range_deg").tolist())]
            out.append((("pencil_pickup", t[a], t[b]), evidence, rows))
        return out

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
        # A stretch's two signs follow each other: its angle is low-passed
        # once, and negated for the other sign (the filter is linear and
        # its arithmetic symmetric: exactly the negated signal's low-pass).
        last = (None, None, 0, None)
        for k, (s, e, sign) in enumerate(jobs):
            batch.append((s, e, sign))
            size += e - s
            if size >= batch_samples or k == len(jobs) - 1:
                lps = []
                for s_, e_, sign_ in batch:
                    if last[:2] != (s_, e_):
                        last = (s_, e_, sign_, lowpass(sign_ * angle[s_:e_], proto.cutoff_hz, sampling_rate_hz))
                    lps.append(last[3] if sign_ == last[2] else -last[3])
                out += detect_many([proto.clone() for _ in batch], [sign_ * angle[s_:e_] for s_, e_, sign_ in batch],
                                   sampling_rate_hz, [valid[s_:e_] for s_, e_, _ in batch], lps)
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
        # Not a split that only a pencil dropped at once makes (a set of
        # three held 11-14 s and a drop held 1.7 s split as 2 + 2, and the
        # part with the drop lost its real rep: seed 4110).
        holds = _col(group, "hold_stop") - _col(group, "hold_start")
        brief = holds < self.pencil_drop_frac * np.median(holds)
        if brief.any() and len(self._split_by_hold(group.iloc[~brief], sampling_rate_hz,
                                                   self.pencil_min_hold_s)) < 2:
            return [group]
        held = [float(_median(_col(p, "hold_stop") - _col(p, "hold_start"))) for p in parts]
        longer = parts[int(np.argmax(held))]
        lifts = _rise_per_rep(longer, earth_acc, offset, sampling_rate_hz)
        return parts if float(_median(lifts)) >= self.pencil_min_lift_m else [group]

    def _split_by_amplitude(self, group):
        """Split a group where the reps' amplitude jumps, for good, to several times what it was.

        Two sets done one after the other in the same posture, less than
        ``max_rep_gap_s`` apart, are one group: toe presses of 3-4° beside
        heel raises or squats of 20° (simulator look-alike tier, tuning
        seeds 6100, 6118 of ``accuracy.py``'s column). Judged as one set,
        the presses were dropped as the heel raises' outliers
        (:meth:`_drop_outliers`) and the true set was lost, while the
        look-alike's reps stood on their own. Each part is a set of its own,
        judged on its own evidence, when both have ``split_min_reps`` reps or
        more, the parts' median amplitudes differ ``split_amplitude_ratio``
        times or more, and every rep of the larger part moves further than
        every rep of the smaller (the depth of one person's reps spreads
        1.8-2.5 times the set's median at most, sway is sparse and
        irregular: neither is a block of its own so far apart).
        """
        n = len(group)
        if n < 2 * self.split_min_reps:
            return [group]
        amp = np.log(np.maximum(_col(group, "amplitude_deg"), 1e-3))
        cut = _otsu_cut(amp)
        if min(cut, n - cut) < self.split_min_reps:
            return [group]
        first, second = amp[:cut], amp[cut:]
        low, high = (first, second) if _median(first) <= _median(second) else (second, first)
        if _median(high) - _median(low) < np.log(self.split_amplitude_ratio) or low.max() >= high.min():
            return [group]
        return [group.iloc[:cut], group.iloc[cut:]]

    def _split_by_lift(self, group: pd.DataFrame, lifts: np.ndarray) -> list[tuple[pd.DataFrame, np.ndarray]]:
        """Split a set where the sensor's rise per rep changes from small to large.

        Leg raises straight after the band set (lying or seated on the
        floor, the toes up both ways) read as more reps of it: a band rep
        turns the foot about the ankle, which stays put, while a leg raise
        lifts the sensor by ten centimetres and more. The best single split
        (largest between-part variance, as :meth:`_split_by_hold`) is kept
        when the parts' median rises differ by ``split_lift_m`` and
        threefold, and every rep of the higher part rises further than
        every rep of the lower.
        """
        n = len(lifts)
        if n < 4:
            return [(group, lifts)]
        cut = _otsu_cut(lifts)
        lo, hi = sorted((float(_median(lifts[:cut])), float(_median(lifts[cut:]))))
        if hi - lo < self.split_lift_m or hi < 3 * max(lo, 0.005):
            return [(group, lifts)]
        # Both parts apart: every rep of the rising part rises further than
        # any of the other. A rise is integrated acceleration, and a noisy
        # sensor's error grows with the move's time squared: one band rep
        # read as 9 cm among 0.2-3.4 cm reps (hard tier, seed 4006) made a
        # "part" of two reps, 3.0 and 9.3 cm, and took 2 of 12 reps from
        # the set; leg raises lift the sensor 10 cm and more every rep.
        first, second = lifts[:cut], lifts[cut:]
        low, high = (first, second) if _median(first) <= _median(second) else (second, first)
        if low.max() >= high.min():
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
            lo, hi = sorted((h[:cut], h[cut:]), key=lambda x: float(_median(x)) if len(x) else 0.0)
            # Both parts alike within and apart from each other: a noisy
            # set's rises, up and down from rep to rep, overlap.
            if (cut < 3 or len(h) - cut < 3 or float(_median(hi) - _median(lo)) < self.split_heel_m
                    or lo.max() >= hi.min()):
                out.append((part, lifts))
                continue
            out += [(part.iloc[:cut], lifts[:cut]), (part.iloc[cut:], lifts[cut:])]
        return out

    def _name_hold_bout(self, posture: str, holds: np.ndarray, lift_m: float = 0.0,
                        n_reps: int | None = None, range_deg: float = 0.0,
                        lift_doubt_m: float = 0.0) -> str | None:
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
        # A set of long holds too short for a set of presses (prescribed
        # ten, pencils three) is a pencil set however little the foot rose:
        # people curl the toes round it with the foot down, or lift it with
        # the foot tipped so the sensor barely rises (simulator pencil tier,
        # seeds 4010, 4014); the confidence doubts one that does not lift.
        few = n_reps is not None and n_reps <= self.pencil_max_reps
        held = float(_median(holds))
        # More reps than a pencil set has, tipping no further than a toe
        # press, the rise alone names it: it must rise past what the
        # sensor's bias may carry into it over the move (``lift_doubt_m``,
        # :func:`rise_doubt`), three times over as for a pencil lifted clear
        # (:meth:`_lifted_off`). A noisy sensor's slow presses rise 2.7-3.2
        # cm so (simulator hard tier 422015: eleven presses of 6° held 9 s,
        # moves of 1.3 s, bias allowance 1.1 cm, named pencil pickups).
        # Tipped further, no toe press: a pencil set of 26° (pencil-hard
        # 34613, 8-15 cm up in slow moves) stays one whatever its allowance.
        press_like = not few and n_reps is not None and range_deg <= self.press_max_range_deg
        need_m = (max(self.pencil_min_lift_m, self.pencil_lift_doubts * lift_doubt_m) if press_like
                  else self.pencil_min_lift_m)
        # Two long holds of a foot that stays down are as likely a resting
        # foot shifting its weight (the other foot's pencils, seed 5308),
        # unless the foot tips as a grip tips it: then they are listed as a
        # pencil set for the confidence to judge (it doubts a pair that does
        # not lift: branch pencil4, a braced foot pointed 14° lifting 2.5 cm
        # read 0.2 cm and was nothing).
        pair = n_reps == 2 and range_deg >= self.pencil_pair_min_range_deg
        if held >= self.pencil_min_hold_s and (
                lift_m >= need_m or (few and n_reps >= self.min_reps_per_bout) or pair):
            return "pencil_pickup"
        # Held shorter than prescribed, a small set that lifts the foot
        # without tipping it past a toe press's range is pencils still (seed
        # 4042: three reps held 6-7 s, the foot up 9 cm and tipped 8°, read
        # as toe presses and doubted for it). Tipped further, it is as
        # likely heel raises (look-alike seed 2404: 27°, held 6 s, the ankle
        # up 6 cm) and stays a doubted toe-press set.
        if (few and held >= self.pencil_short_hold_s and lift_m >= self.pencil_min_lift_m
                and range_deg <= self.press_max_range_deg):
            return "pencil_pickup"
        return "toe_press"

    def _range_cv(self, name: str, amplitude_deg: np.ndarray, lifts: np.ndarray) -> float:
        """How unlike each other a set's reps are: its ranges' spread (std over mean).

        A pencil held up is lifted to about the same height each time while
        its tip is whatever the toes' grip and the foot's sway make it
        (simulator pencil-people 32018: four 8-15 cm lifts held 8 s and
        more, doubted as reps unlike each other): for a pencil set lifted
        ``pencil_min_lift_m`` or more the rises' spread counts when less.
        """
        amp = np.asarray(amplitude_deg, dtype=float)
        cv = float(np.std(amp) / max(np.mean(amp), 1e-6))
        lifts = np.asarray(lifts, dtype=float)
        if name == "pencil_pickup" and len(lifts) and float(_median(lifts)) >= self.pencil_min_lift_m:
            cv = min(cv, float(np.std(lifts) / max(np.mean(lifts), 1e-6)))
        return cv

    def _lifted_off(self, lifts: np.ndarray, range_deg: float, move_s: float) -> bool:
        """Whether a flat-foot set whose reps rose ``lifts`` (m, per rep, from rest to the
        settled hold) tipping ``range_deg`` (median) in moves of ``move_s`` was lifted clear
        of the floor every rep.

        A toe press pivots at the ankle and barely lifts the instep; a heel
        raise pivots on the ball of the foot and lifts it ``0.12 m·sin(tip)``
        at most (:func:`~analysis.confidence.heel_raise_rise_m`, with the
        ball 12 cm ahead); a pencil held up lifts the whole foot. The median
        rise must clear ``pencil_clear_lift_m``, the pivot's rise by
        ``pencil_clear_margin_m`` and three times the bias a turning sensor
        may integrate into it (:func:`~analysis.confidence.rise_doubt`), and
        every rep but one rise half the median: a noisy sensor's drift reads
        as rises unlike each other (one rep may be mismeasured: 4040, a rep
        read as 1.8 cm among four of 9-10 cm).
        """
        # Two reps at least: "every rep but one" says nothing of a single
        # rep (the live view's window may hold one; the demo crashed here).
        if len(lifts) < max(2, self.min_reps_per_bout):
            return False
        med = float(_median(lifts))
        need = max(self.pencil_clear_lift_m, heel_raise_rise_m(range_deg, 0.12) + self.pencil_clear_margin_m,
                   3 * rise_doubt(range_deg, move_s))
        return med >= need and float(np.sort(lifts)[1]) >= 0.5 * med

    def _pencil_sets(self, posture: str, parts: list, t: np.ndarray, sampling_rate_hz: float) -> list:
        """``(reps, lifts)`` parts, each pencil set among them without its dropped pencils
        and cut where the other foot's turn was.

        A pencil dropped at once (held a second or two, where the set holds
        ten and more) is not a rep, wherever it falls in the set; without it
        the pause it bridged (the other foot's turn, read as a shift of this
        foot) may split the set in two.
        """
        def held(part) -> np.ndarray:
            return (_col(part, "hold_stop") - _col(part, "hold_start")) / sampling_rate_hz

        out = []
        for part, lifts in parts:
            holds = held(part)
            if posture != "flat" or np.median(holds) < self.pencil_min_hold_s:
                out.append((part, lifts))
                continue
            part, lifts = self._join_carried(part, lifts, sampling_rate_hz)
            holds = held(part)
            kept = holds >= self.pencil_drop_frac * np.median(holds)
            whole, whole_lifts = part.iloc[kept], lifts[kept]
            starts, stops = _col(whole, "start"), _col(whole, "stop")
            cut = np.flatnonzero(t[starts[1:]] - t[stops[:-1]] > self.max_rep_gap_s) + 1
            sets = [(whole.iloc[a:b], whole_lifts[a:b]) for a, b in zip(np.r_[0, cut], np.r_[cut, len(whole)])]
            # Only when every set is a pencil set: a set of presses keeps
            # its briefly held reps.
            if all(self._name_hold_bout(posture, held(p), float(np.median(w)), len(p),
                                        float(np.median(np.abs(_col(p, "range_deg"))))) == "pencil_pickup"
                   for p, w in sets):
                out += sets
            else:
                out.append((part, lifts))
        return out


    def _join_carried(self, part, lifts: np.ndarray, sampling_rate_hz: float) -> tuple:
        """A pencil set's reps with each pencil carried mid-hold joined into one rep.

        Carrying the pencil aside or forward before putting it down pushes
        the foot about while it holds: the tilt dips and the detector ends
        the rep there and starts another at once from the held level. A
        rep that starts within ``min_rest_s`` of the previous one's end, from
        that one's held level, is the same hold.
        """
        n = len(part)
        if n < 2:
            return part, lifts
        start, stop = _col(part, "start"), _col(part, "stop")
        rest, rng = _col(part, "rest_deg"), _col(part, "range_deg")
        same = ((start[1:] - stop[:-1]) / sampling_rate_hz < self.pencil_min_rest_s) & (
            np.abs(rest[1:] - (rest[:-1] + rng[:-1])) < 0.5 * np.abs(rng[:-1]))
        if not same.any():
            return part, lifts
        cols = {c: _col(part, c).copy() for c in ("start", "stop", "hold_start", "hold_stop", "amplitude_deg",
                                                   "range_deg", "rest_deg")}
        first = np.r_[True, ~same]
        heads = np.flatnonzero(first)
        tails = np.r_[heads[1:] - 1, n - 1]
        for c in ("stop", "hold_stop"):
            cols[c][heads] = cols[c][tails]
        cols["amplitude_deg"][heads] = np.maximum.reduceat(cols["amplitude_deg"], heads)
        joined = {c: v[heads] for c, v in cols.items()}
        if isinstance(part, pd.DataFrame):
            return pd.DataFrame(joined), lifts[heads]
        return _Reps(joined), lifts[heads]

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
        gain = abs(_median(holds[:k_best]) - _median(holds[k_best:]))
        if gain < np.log(ratio):
            return [group]
        if between_s is not None:
            lo, hi = sorted((_median(holds[:k_best]), _median(holds[k_best:])))
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
        way that start from it, move about as far (half to twice the set's
        median range) and overlap none are added.
        """
        if len(group) < 2 or len(other) == 0:
            return group
        rests = sign * _col(group, "rest_deg")
        amp = float(_median(np.abs(_col(group, "range_deg"))))
        rest, cut = HoldSetDetector._rest_levels(rests, amp)
        starts = _col(group, "start")
        from_rest = np.abs(rests - rest) < 0.5 * amp
        keep = group.iloc[from_rest] if from_rest.sum() >= 2 else group
        lo = _col(keep, "start").min() - gap_s * sampling_rate_hz
        hi = _col(keep, "stop").max() + gap_s * sampling_rate_hz
        o_start, o_stop = _col(other, "start"), _col(other, "stop")
        # Each rep read the other way leaves from the rest of its part of
        # the set (one rest level, or two about a step: see _rest_levels).
        o_rest = (np.where(o_start < starts[cut], rest[0], rest[-1]) if cut
                  else np.full(len(o_start), rest[0]))
        # As far, not much further: a set of 1° fidgets must not take in
        # the 18° presses read the other way next to it (simulator seed
        # 3040, ankle: one press in two bouts).
        moved = np.abs(_col(other, "range_deg"))
        extra = np.flatnonzero((np.abs(-sign * _col(other, "rest_deg") - o_rest) < 0.5 * amp)
                               & (moved >= 0.5 * amp) & (moved <= 2.0 * amp)
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
    def _rest_levels(rests: np.ndarray, amp: float, min_part: int = 3) -> tuple[np.ndarray, int]:
        """The rest each rep of a set leaves from (``rests``, deg, in rep order), and where it steps.

        One level, the median, unless the rests step once mid-set: the
        accelerometer's bias stepping (a knock, a warm-up jump tips the
        measured "up" by 1-3°) or the strap slipping (5-20°) moves every
        rep's rest after it, by more than a 1.5-8° press moves (hard tier,
        seeds 32003, 32109, 32118: 4 + 7, 4 + 5 and 5 + 3 reps, all those on
        the far side of the step dropped as not from rest). The step is
        taken where it leaves the most reps within half a range (``amp``)
        of their part's median, if both parts keep ``min_part`` reps so
        (two noise "reps" next to a set are no part: the neighbour-rest
        rule reverted on branch hardreps kept such pairs), the parts' rests
        lie half a range apart or more and it keeps more reps than one
        level does.
        Returns (per-rep rest, the first rep after the step or 0).
        """
        one = np.full(len(rests), _median(rests))
        best, best_cut, best_rest = int(np.sum(np.abs(rests - one) < 0.5 * amp)), 0, one
        for cut in range(min_part, len(rests) - min_part + 1):
            a, b = _median(rests[:cut]), _median(rests[cut:])
            if abs(a - b) < 0.5 * amp:
                continue
            level = np.r_[np.full(cut, a), np.full(len(rests) - cut, b)]
            near = np.abs(rests - level) < 0.5 * amp
            if near[:cut].sum() >= min_part and near[cut:].sum() >= min_part and near.sum() > best:
                best, best_cut, best_rest = int(near.sum()), cut, level
        return best_rest, best_cut

    @staticmethod
    def _drop_outliers(group: pd.DataFrame, sampling_rate_hz: float, from_rest: bool = False,
                       end_reach: float = 0.4) -> pd.DataFrame:
        """Drop "reps" unlike the rest of their set.

        Sitting down, lying back or adjusting the band next to a set can look
        like one more rep, but it moves much further or stays much longer
        than the person's reps do; sway or a shift after a set moves far less.
        A rep at either end of the set must move 0.4 of the upper half's
        median range, or ``end_reach`` of it in the set's rhythm.
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
        ref = _median(moved[moved >= _median(moved)])
        ok = moved >= 0.4 * ref
        if from_rest and end_reach >= 0.4 and ok.any():
            # A band set's first or last rep may be a warm-up or a tired one
            # (benchmarks/band_kinds.py ``ends``: a last rep of 0.36 of the
            # set's reps, held 4.2 s as they were, dropped): down to
            # BAND_END_REACH, held at least half as long as the set's reps and
            # in its rhythm, it is one of them. Fiddling with the band at a
            # set's ends is brief (``hold`` below) or leaves from another
            # rest (``from_rest``, below).
            end_reach = BAND_END_REACH
            held_like = hold >= 0.5 * _median(hold[ok])
        else:
            held_like = np.ones(len(ok), dtype=bool)
        if end_reach < 0.4 and ok.any():
            # A first or last rep short of that, down to ``end_reach``, is
            # one of the set when it keeps the set's rhythm: sway before or
            # after a set comes whenever (simulator ankle tier, pinned 8
            # presses of 5 deg: "reps" of 2 deg 14-17 s from the set).
            # (The rep next to the first or last that reached 0.4, judged by
            # its pause to that one.)
            rest = (_col(group, "start")[1:] - _col(group, "stop")[:-1]) / sampling_rate_hz
            limit = 2.0 * _median(rest) + 1.0
            near = (moved >= end_reach * ref) & held_like
            first, last = np.flatnonzero(ok)[[0, -1]]
            if first > 0 and near[first - 1] and rest[first - 1] <= limit:
                ok[first - 1] = True
            if last < len(ok) - 1 and near[last + 1] and rest[last] <= limit:
                ok[last + 1] = True
        # Between two such reps a rep may go less far: one person's band
        # reps spread 11-32 deg in a set (simulator hard tier, seeds 3002,
        # 3011: a 12 deg rep amid 30 deg ones dropped), where sway, which
        # follows or precedes a set, goes a tenth as far or less.
        inner = np.zeros(len(ok), dtype=bool)
        if ok.sum() >= 2:
            inner[np.flatnonzero(ok)[0]:np.flatnonzero(ok)[-1]] = True
        ok |= inner & (moved >= 0.25 * ref)
        if from_rest:
            # A band rep amid the set held as they are may go less far still
            # (BAND_SMALL_REACH); sway does not hold.
            ok |= inner & (moved >= BAND_SMALL_REACH * ref) & (hold >= 0.5 * _median(hold[ok]) if ok.any() else False)
        # The person's reps set what is far or long for them.
        med_amp, med_hold = _median(amp[ok]), _median(hold[ok])
        # Reps of one set vary in depth: a knee bending with the toes by a
        # depth of its own each rep went 1.83-2.53 times the set's median
        # (13 true reps dropped at 1.8, benchmarks/rep_wide.py tuning seeds
        # 3000-3211), where the non-reps dropped went at most 1.18 times
        # (sitting down next to a set goes 5-10 times).
        long = hold > max(2.2 * med_hold, med_hold + 4.0)
        # A rep held long between two of the set's reps is a person who
        # lost count (the hard tier drawn wide, 1.5-8 s in one set: band
        # reps held 5.6-9.6 s amid holds of 1.5-3.4 s dropped, tuning seeds
        # 32105, 32123, 32151, 32155; branch harddoubt), not a posture taken
        # up next to the set: within the set only what no count reaches.
        # Band sets, and flat-foot sets of more reps than a pencil set has
        # (3-5 prescribed: pencil-hard seed 7037, 4 pencils and a "rep" past
        # them, read as 2 reps held unlike each other).
        idx = np.flatnonzero(ok)
        if len(idx) >= 2 and (from_rest or len(group) >= 6):
            between = np.zeros(len(ok), dtype=bool)
            between[idx[0] + 1:idx[-1]] = True
            long &= ~between | (hold > max(4.0 * med_hold, med_hold + 8.0))
        ok &= (amp <= 2.6 * med_amp) & ~long
        # Fiddling with the band or the pencil just before or after a set
        # makes brief "holds" at its ends; real reps in a set are held
        # alike, though a person's holds spread by ±30 % (log) and more:
        # 0.45 of the median dropped a real last rep held 2.2 s in a set
        # held 5 s (simulator seed 3058, ankle).
        idx = np.flatnonzero(ok)
        # A band set's end "rep" both brief and short is the band being
        # adjusted (simulator clean 473400: held 1.06 s of the set's 3.4 s,
        # 14 of its 23 deg, once its rest was read from the samples at rest).
        short = np.where(from_rest & (moved < 0.75 * _median(moved[ok]) if ok.any() else False), 0.4, 0.3)
        while len(idx) >= 4 and hold[idx[0]] < short[idx[0]] * med_hold:
            ok[idx[0]] = False
            idx = idx[1:]
        while len(idx) >= 4 and hold[idx[-1]] < short[idx[-1]] * med_hold:
            ok[idx[-1]] = False
            idx = idx[:-1]
        # ``from_rest`` (a band set): every rep leaves from the set's rest,
        # and a "rep" at either end that left from a level half a rep's
        # range away is the band being put on or fiddled with (simulator
        # hard tier, seed 3009: 21 deg below the set's rest, 12 s before its
        # first rep). Half a range, as for any rep in ``_either_way``: one
        # from 19.6 deg below a set of 19.5 deg reps, 22 s before it, was
        # kept at a whole range (look-alike tier 440004, once brisk band
        # moves were no longer claimed as gait over it); a band rep's
        # 8-30 deg dwarf the rest's drift and bias steps (1-3 deg). Not for presses: a 1.5 deg press's rest drifts by as
        # much as it tips (held-back benchmarks/rep_hard.py seed 20009, 20 Hz:
        # a press lost when this applied to every set).
        if from_rest and len(idx) >= 4:
            rest = _col(group, "rest_deg")
            reach = _median(moved[idx])
            # Each end judged against its own part's rest when the rest
            # stepped once mid-set (the strap slipping: _rest_levels), the
            # end rep itself left out of the level it is judged by. One
            # level: the whole set's (hard-wide 32104: the last rep of a
            # 4.7 deg band set whose strap slipped, dropped against the
            # median of both parts).
            _, cut = HoldSetDetector._rest_levels(rest[idx], reach)
            first = _median(rest[idx[1:cut]]) if cut else _median(rest[idx[1:-1]])
            last = _median(rest[idx[cut:-1]]) if cut else first
            for end, mid in ((idx[0], first), (idx[-1], last)):
                if abs(rest[end] - mid) > 0.5 * reach:
                    ok[end] = False
        return group.iloc[ok]

    @staticmethod
    def _take_small(group, small, sampling_rate_hz: float, min_reps: int = 3):
        """A band set with the reps amid it or at its ends that fell short of the
        rep detector's reach (``HoldRepDetector.small_``) but were held as
        its reps are.

        One person's band reps may go 20 deg, then 5, then 20, or end on a
        tired rep of a third of the others (benchmarks/band_kinds.py
        ``unequal``, ``ends``); the rep detector wants 0.4 of the typical
        rep nearby. Taken in: overlapping none of the set's reps, the same
        way, held at least half the set's median hold, leaving from the
        set's rest (within half its own range), and either between the
        set's first and last rep or, going BAND_END_REACH of the set's
        upper-half median range, next to one of them in the set's rhythm
        (as :meth:`_drop_outliers` keeps an end rep). The band fiddled
        with is not held, and a foot shifted leaves from elsewhere.
        """
        if len(group) < min_reps or not len(small):
            return group
        hold = float(_median(_col(group, "hold_stop") - _col(group, "hold_start")))
        rest = float(_median(_col(group, "rest_deg")))
        moved = np.abs(_col(group, "range_deg"))
        ref = _median(moved[moved >= _median(moved)])
        starts, stops = _col(group, "start"), _col(group, "stop")
        pause = (starts[1:] - stops[:-1]) / sampling_rate_hz
        limit = (2.0 * float(_median(pause)) + 1.0) * sampling_rate_hz
        s_start, s_stop = _col(small, "start"), _col(small, "stop")
        s_range = _col(small, "range_deg")
        s_hold = _col(small, "hold_stop") - _col(small, "hold_start")
        same_way = np.sign(s_range) == np.sign(_median(_col(group, "range_deg")))
        # Overlapping none: the set's rep before it ends before it starts, and the one after starts after it ends.
        k = np.searchsorted(starts, s_start, side="right") - 1
        inner = (k >= 0) & (k < len(starts) - 1)
        kc = np.clip(k, 0, len(starts) - 2)
        clear = inner & (stops[kc] <= s_start) & (s_stop <= starts[kc + 1])
        end_like = np.abs(s_range) >= BAND_END_REACH * ref
        before = (k < 0) & (s_stop <= starts[0]) & (starts[0] - s_stop <= limit) & end_like
        after = (k == len(starts) - 1) & (s_start >= stops[-1]) & (s_start - stops[-1] <= limit) & end_like
        ok = ((clear | before | after) & same_way & (s_hold >= 0.5 * hold)
              & (np.abs(_col(small, "rest_deg") - rest) <= 0.5 * np.abs(s_range)))
        # Excursions of both passes may overlap each other: the first wins;
        # one rep before the set and one after at most.
        add = []
        for i in np.flatnonzero(ok):
            if add and s_start[i] < s_stop[add[-1]]:
                continue
            add.append(i)
        first = [i for i in add if before[i]]
        last = [i for i in add if after[i]]
        add = [i for i in add if clear[i]] + first[-1:] + last[:1]
        if not add:
            return group
        if isinstance(group, pd.DataFrame):
            return pd.concat([group, pd.DataFrame({c: small[c][add] for c in REP_COLUMNS})]
                             ).sort_values("start", ignore_index=True)
        both = {c: np.concatenate([group[c], small[c][add]]) for c in group._columns}
        return _Reps(both).iloc[np.argsort(both["start"])]

    @staticmethod
    def _take_unsteady(group, unsteady, max_gaps: float = 0.0, min_reps: int = 3):
        """The set with the "reps" not still when held (``HoldRepDetector.unsteady_``)
        that are like its reps and in its rhythm.

        Body sway on a shank, or sensor noise at a small press, moves the
        angle through a hold as fast as the press moves it: the rep
        detector rejects such a hold as not still, for standing sway is
        like that too. Amid a set of reps, an excursion that leaves rest,
        is held and comes back, moving as far as the set's reps (0.6 to
        1.8 times their median amplitude, the same way) and held alike
        (half to twice their median hold, and as long as the detector's
        minimum), is one more rep: taken in if it overlaps none and lies
        between the set's reps, or at most ``max_gaps`` of the set's
        median start-to-start interval before its first or after its
        last (simulator hard tier, ankle: 7 presses read as 4, seed 3067).
        """
        if len(group) < min_reps or not len(unsteady):
            return group
        amp = float(_median(_col(group, "amplitude_deg")))
        hold = float(_median(_col(group, "hold_stop") - _col(group, "hold_start")))
        starts, stops = _col(group, "start"), _col(group, "stop")
        step = float(_median(np.diff(starts)))
        u_start, u_stop = _col(unsteady, "start"), _col(unsteady, "stop")
        u_amp = _col(unsteady, "amplitude_deg")
        u_hold = _col(unsteady, "hold_stop") - _col(unsteady, "hold_start")
        same_way = np.sign(_col(unsteady, "range_deg")) == np.sign(_median(_col(group, "range_deg")))
        ok = ((u_amp >= 0.6 * amp) & (u_amp <= 1.8 * amp) & (u_hold >= 0.5 * hold) & (u_hold <= 2.0 * hold)
              & same_way & (u_start >= starts[0] - max_gaps * step) & (u_stop <= stops[-1] + max_gaps * step))
        ok &= ~np.array([bool(np.any((starts < b) & (a < stops))) for a, b in zip(u_start, u_stop)], dtype=bool)
        # Unsteady excursions may overlap each other (both passes'): the first wins.
        add = []
        for i in np.flatnonzero(ok):
            if not add or u_start[i] >= u_stop[add[-1]]:
                add.append(i)
        if not add:
            return group
        if isinstance(group, pd.DataFrame):
            return pd.concat([group, unsteady.iloc[add] if isinstance(unsteady, pd.DataFrame)
                              else pd.DataFrame({c: v[add] for c, v in unsteady._columns.items()})]
                             ).sort_values("start", ignore_index=True)
        both = {c: np.concatenate([group[c], unsteady[c][add]]) for c in group._columns}
        return _Reps(both).iloc[np.argsort(both["start"])]

    @staticmethod
    def _group(events: pd.DataFrame, t: np.ndarray, gap_s: float,
               activity: np.ndarray | None = None, busy_dps: float = 60.0, busy_own: float = 1.3,
               touches: np.ndarray | None = None):
        """Split events (sorted by ``start``) into sets.

        A new set starts after a pause longer than ``gap_s``, or after a
        pause in which the leg moved briskly (``activity`` above
        ``busy_dps``, and above ``busy_own`` times the set's own reps'
        median peak): rests between reps are calm, while getting up,
        sitting down or walking to the next station are not. A press
        that bends the knee 20-35 degrees in a second turns the shank at
        60-70 deg/s, and the tail of one such move that falls between
        two reps is no walk (simulator seed 3052, ankle, 20 Hz: a set of
        7 split 3 + 4 at 61 deg/s). Nor is the rest of a rep's return
        after the rep's ``stop`` (the detector ends a rep where the angle
        is back near rest, part-way through a quick return: a band's pull
        snapping the foot back in 0.2 s peaks there, at 116 deg/s against
        the set's 115, seed 4005): the pause is judged without it
        (:func:`_between_moves`). Nor is a touch: ``touches`` (shape (k, 3):
        start, stop (samples) and peak (deg) of excursions that reached the
        held position and were not held) moving half to twice as far as the
        set's reps, one or two in a pause, are the set's own moves (a band
        rep let go at once snaps back at 96-126 deg/s, above the busy limit
        of a set whose reps' returns peak at 65-110: simulator hard tier,
        seeds 3001, 3010).
        """
        if not len(events):
            return []
        events = events.iloc[np.argsort(_col(events, "start"))]
        starts, stops = _col(events, "start"), _col(events, "stop")
        pause = t[starts[1:]] - t[stops[:-1]]
        split = pause > gap_s
        if activity is not None:
            smooth = uniform_filter1d(activity, 10, mode="nearest")
            own = [smooth[a:b].max() for a, b in zip(starts, stops) if b > a]
            busy = max(busy_dps, busy_own * float(_median(np.array(own)))) if own else busy_dps
            if touches is not None and len(touches):
                amp = float(_median(_col(events, "amplitude_deg")))
                touches = touches[(touches[:, 2] >= 0.5 * amp) & (touches[:, 2] <= 2.0 * amp)]
            for i, (a, b) in enumerate(zip(stops[:-1], starts[1:])):
                # (A pause over ``gap_s`` splits anyway: most of a day's,
                # minutes long, need not be looked at.)
                if b <= a or split[i]:
                    continue
                pause = _between_moves(smooth[a:b])
                if touches is not None and len(touches):
                    inside = touches[(touches[:, 0] >= a) & (touches[:, 1] <= b)].astype(np.int64)
                    if 1 <= len(inside) <= 2:
                        pause = pause.copy()
                        lead = b - len(pause)  # the sample pause[0] is
                        # The smoothing (10 samples) spreads the snap past the touch's end.
                        for a_, b_, _ in inside:
                            pause[max(a_ - lead, 0):max(min(b_ + 5, b) - lead, 0)] = 0.0
                if pause.max(initial=0.0) > busy:
                    split[i] = True
        cut = np.r_[0, np.flatnonzero(split) + 1, len(events)]
        return [events.iloc[a:b] for a, b in zip(cut[:-1], cut[1:]) if b > a]


class QuietStanceDetector:
    """Quiet standing for balance: upright, calm, not part of a bout.

    A shank sensor's ``calm`` is judged on the spread of the angular rate
    over 1 s, so a slow, smooth movement passes as calm: tipping the shank
    10-18° and back within a few seconds (settling after an exercise,
    standing up from a chair, which leaves the shank as upright as
    standing) turns it at a steady 10-17 deg/s whose spread is small. Such
    a movement inside a stance read as sway multiplied its RMS by up to 4
    (benchmarks/README.md, branch ``sway``). At the shank a stance is also
    cut where the 1 s RMS of the bias-free rate itself exceeds
    ``max_rate_dps`` (the ~8 deg/s the calm mask allows a sway), and
    ``cut_pad_s`` either side; the pieces are stances if ``min_stance_s``
    long.

    Parameters
    ----------
    min_stance_s : float
        Quiet standing this long or longer is kept.
    max_rate_dps : float
        Limit on the 1 s RMS of the shank's angular rate during a stance.
    cut_pad_s : float
        Also cut this long either side of a faster rate (the movement's tails).

    Attributes (after :meth:`detect`)
    ----------
    stances_ : DataFrame
        ``start_s``, ``end_s``.
    """

    def __init__(self, min_stance_s: float = 10.0, max_rate_dps: float = 8.0, cut_pad_s: float = 0.5):
        self.min_stance_s = min_stance_s
        self.max_rate_dps = max_rate_dps
        self.cut_pad_s = cut_pad_s

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
        min_n = self.min_stance_s * sampling_rate_hz
        pieces = [(s, e) for s, e in zip(*runs(sig.calm & upright & ~in_bout)) if e - s >= min_n]
        if not sig.foot:
            pieces = [p for s, e in pieces for p in self._slow(sig.gyr_seg[s:e], s, sampling_rate_hz)
                      if p[1] - p[0] >= min_n]
        self.stances_ = pd.DataFrame([(t[s], t[e - 1]) for s, e in pieces], columns=["start_s", "end_s"])
        return self

    def _slow(self, gyr: np.ndarray, first: int, sampling_rate_hz: float) -> list[tuple[int, int]]:
        """The runs (grid indices) of one calm stretch where the shank turns slowly enough to sway."""
        w = max(3, int(round(sampling_rate_hz)))
        fast = uniform_filter1d(np.einsum("ij,ij->i", gyr, gyr), w, mode="nearest") > self.max_rate_dps ** 2
        if not fast.any():
            return [(first, first + len(gyr))]
        pad = int(round(self.cut_pad_s * sampling_rate_hz))
        fast = binary_dilation(fast, np.ones(2 * pad + 1, dtype=bool))
        return [(first + s, first + e) for s, e in zip(*runs(~fast))]
