"""Preprocessing shared by every detector: uniform grid, rest, gyro bias.

All functions take the recording's DataFrame (contract columns: ``t`` in s,
``acc_*`` in m/s², ``gyr_*`` in deg/s) or arrays cut from it, and are pure.
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pandas as pd
from scipy.ndimage import uniform_filter1d

from sensors.contract import ACC_COLUMNS, GYR_COLUMNS, G
from sensors.limits import InputLimitError


@dataclasses.dataclass
class Uniform:
    """Samples on a uniform time grid, split where the recording has gaps.

    Attributes
    ----------
    t : ndarray, shape (n,)
        Grid times (s from the recording's start).
    acc, gyr : ndarray, shape (n, 3)
        Acceleration (m/s²) and angular rate (deg/s), sensor frame.
    valid : ndarray of bool, shape (n,)
        False on grid points that fall inside a gap (their values are
        interpolated across it only so that filters can run; every detector
        treats them as unknown).
    segment : ndarray of int, shape (n,)
        Index of the gap-free stretch each grid point belongs to.
    sampling_rate_hz : float
        Grid rate (Hz).
    """

    t: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    valid: np.ndarray
    segment: np.ndarray
    sampling_rate_hz: float


class ImplausibleTiming(InputLimitError):
    """Sample times that no sensor produces; analysing them would need a huge grid."""


class UniformResampler:
    """Resample a recording to a uniform grid without bridging gaps.

    Parameters
    ----------
    sampling_rate_hz : float
        Grid rate. 50 Hz keeps everything these exercises produce (< 15 Hz)
        and makes the cost independent of the sensor's rate.
    max_gap_s : float
        A hole in the timestamps longer than this is a gap; shorter holes
        (one or two lost samples) are interpolated.
    max_filled_gap_s : float
        Of a hole longer than this only its first and last
        ``max_filled_gap_s / 2`` get (invalid) grid points; the grid skips
        the rest. So the grid grows with the samples, not with the span
        their times claim: three rows with a last ``t`` of 1e5 s made a
        5-million-point grid (2.7 GB). Must be at least the longest gap the
        detectors bridge (``SessionAnalyzer.max_bridged_gap_s``), so that
        they still see a long gap as long.
    max_grid_per_sample : float
        The grid may have at most this many points per sample, plus
        ``max_grid_points_free``; beyond that the times are implausible
        (rows seconds apart throughout) and :class:`ImplausibleTiming` is
        raised instead of allocating. A 10 Hz phone export needs 5.
    """

    def __init__(self, sampling_rate_hz: float = 50.0, max_gap_s: float = 0.1,
                 max_filled_gap_s: float = 4.0, max_grid_per_sample: float = 20.0,
                 max_grid_points_free: int = 500_000):
        self.sampling_rate_hz = sampling_rate_hz
        self.max_gap_s = max_gap_s
        self.max_filled_gap_s = max_filled_gap_s
        self.max_grid_per_sample = max_grid_per_sample
        self.max_grid_points_free = max_grid_points_free

    def _grid(self, t: np.ndarray, dt: np.ndarray) -> np.ndarray:
        """Grid times: ``t[0] + k / sampling_rate_hz``, the middle of each long hole left out."""
        rate = self.sampling_rate_hz
        n_total = int(np.ceil((t[-1] - t[0]) * rate + 0.5))  # as np.arange's length
        long_after = np.flatnonzero(dt > self.max_filled_gap_s)
        half = int(np.ceil(self.max_filled_gap_s * rate / 2))
        # Grid indices kept: [starts[j], stops[j]) for each j.
        lo = np.floor((t[long_after] - t[0]) * rate).astype(np.int64) + 1 + half
        hi = np.ceil((t[long_after + 1] - t[0]) * rate).astype(np.int64) - half
        cut = hi > lo
        starts = np.r_[0, hi[cut]]
        stops = np.r_[lo[cut], n_total]
        lengths = np.maximum(stops - starts, 0)
        size = int(lengths.sum())
        limit = self.max_grid_per_sample * len(t) + self.max_grid_points_free
        if size > limit:
            raise ImplausibleTiming(
                f"{len(t)} samples whose times would need a {size}-point analysis grid "
                f"(more than {limit:.0f}): the timestamps are implausible (samples seconds "
                f"apart throughout); check the file's t column")
        # Concatenated ranges without a Python loop over the holes.
        k = np.arange(size, dtype=np.int64) + np.repeat(starts - np.r_[0, np.cumsum(lengths)[:-1]],
                                                        lengths)
        return t[0] + k * (1 / rate)

    def resample(self, data: pd.DataFrame) -> Uniform:
        t = data["t"].to_numpy(dtype=float)
        dt = np.diff(t)
        # Equal timestamps (a receiver that stamps a whole packet at once)
        # would make interpolation ill-defined: keep the first of each.
        keep = None
        if not (dt > 0).all():
            keep = np.concatenate([[True], dt > 0])
            t = t[keep]
            dt = np.diff(t)
        grid = self._grid(t, dt)
        gap_after = np.flatnonzero(dt > self.max_gap_s)
        # The last use of the steps: the median partitions them in place
        # rather than a copy (a day's 69 MB of fresh pages; the same value).
        source_sampling_rate_hz = (1 / np.median(dt, overwrite_input=True) if len(t) > 1
                                   else self.sampling_rate_hz)
        del dt
        # Average over the grid step before sampling so that noise and
        # vibration above the grid's Nyquist rate do not alias.
        k = (max(1, int(round(source_sampling_rate_hz / self.sampling_rate_hz)))
             if source_sampling_rate_hz > 1.5 * self.sampling_rate_hz else 1)

        # One column at a time: (N, 3) copies of a day's 100 Hz samples and
        # their averages were 800 MB beside the recording (the same values).
        # The six averages share one buffer: a fresh one per column was six
        # times a day's 69 MB of new pages to fault in.
        scratch = np.empty(len(t)) if k > 1 else None

        def on_grid(columns) -> np.ndarray:
            out = np.empty((len(grid), len(columns)))
            for i, c in enumerate(columns):
                x = data[c].to_numpy(dtype=float)
                if keep is not None:
                    x = x[keep]
                if k > 1:
                    x = running_mean(x, k, out=scratch)
                out[:, i] = np.interp(grid, t, x)
            return out

        acc_u = on_grid(ACC_COLUMNS)
        gyr_u = on_grid(GYR_COLUMNS)
        # A grid point is invalid when the sample interval around it is a
        # hole: mark the grid inside each hole, found from the holes (a few
        # hundred a day) rather than by locating every grid point among the
        # samples (millions).
        valid = np.ones(len(grid), dtype=bool)
        if len(gap_after):
            lo = np.searchsorted(grid, t[gap_after], side="right")
            hi = np.searchsorted(grid, t[gap_after + 1], side="right")
            # Points before the first sample and after the last one belong to
            # the first and the last interval.
            lo[gap_after == 0] = 0
            hi[gap_after == len(t) - 2] = len(grid)
            for a, b in zip(lo, hi):
                valid[a:b] = False
        segment = np.searchsorted(t[gap_after], grid, side="right")
        return Uniform(grid, acc_u, gyr_u, valid, segment, self.sampling_rate_hz)


def butter_sos(order: int, cutoff_hz: float, sampling_rate_hz: float, btype: str = "lowpass") -> np.ndarray:
    """Butterworth filter as second-order sections, designed once per set of arguments.

    The detectors filter each of a day's ~800 posture stretches and ~500
    walks; designing the same filter anew for each took 8 % of a 24 h
    analysis (pyinstrument, ``benchmarks/README.md``). A copy of the cached
    design is returned (scipy's ``sosfilt`` wants a writable array).
    """
    return _butter_sos(int(order), float(cutoff_hz) / (float(sampling_rate_hz) / 2), btype).copy()


@functools.lru_cache(maxsize=64)
def _butter_sos(order: int, wn: float, btype: str) -> np.ndarray:
    from scipy.signal import butter

    return butter(order, wn, btype, output="sos")


def butter_filtfilt(x: np.ndarray, order: int, cutoff_hz: float, sampling_rate_hz: float,
                    btype: str = "lowpass") -> np.ndarray:
    """``sosfiltfilt(butter_sos(order, cutoff_hz, sampling_rate_hz, btype), x, axis=0)``, the same values.

    scipy's ``sosfiltfilt`` works out the filter's steady-state initial
    conditions (``sosfilt_zi``, a linear solve per section) on every call:
    a quarter of its time on the ~1200 walks and active stretches of a day
    (cProfile). Here they are worked out once per design; the rest is
    scipy's own steps (odd extension of ``3 * ntaps`` samples, a forward
    and a backward ``sosfilt`` started from them, the extension cut off).

    Parameters
    ----------
    x : ndarray, shape (n,) or (n, k)
        Longer than the extension (scipy raises ``ValueError`` otherwise, as here).
    """
    from scipy.signal import sosfilt
    from scipy.signal._arraytools import odd_ext

    sos, zi, edge = _filtfilt_design(int(order), float(cutoff_hz) / (float(sampling_rate_hz) / 2), btype)
    x = np.asarray(x)
    if x.shape[0] <= edge:
        raise ValueError(f"The length of the input vector x must be greater than padlen, which is {edge}.")
    if x.dtype == np.float64 and x.ndim in (1, 2):
        return _filtfilt_in_place(sos, zi, edge, x)
    ext = odd_ext(x, edge, axis=0)
    zi = zi.reshape((len(sos), 2) + (1,) * (x.ndim - 1))
    y, _ = sosfilt(sos, ext, axis=0, zi=zi * ext[:1])
    y, _ = sosfilt(sos, y[::-1], axis=0, zi=zi * y[-1:])
    return y[::-1][edge:-edge]


def _filtfilt_in_place(sos: np.ndarray, zi: np.ndarray, edge: int, x: np.ndarray) -> np.ndarray:
    """:func:`butter_filtfilt` of a float64 ``x`` (n,) or (n, k) with two buffers instead of four.

    ``sosfilt`` copies its input into a C-contiguous (k, n) buffer before
    filtering it in place (scipy's ``_sosfilt``), after ``odd_ext`` made the
    extended copy: per pass, two whole-length copies of which one is needed.
    Here the odd extension is written straight into that (k, n) buffer and
    ``_sosfilt`` runs on it; the backward pass on one reversed copy. The
    same operations on the same values as scipy's path (the extension's
    ``2 * x[0] - x[i]``, the initial states ``zi * first sample``, the same
    kernel), so the same bits, and the result has the same layout (a
    reversed view of the (k, n) buffer, transposed for (n, k)).
    """
    from scipy.signal._sosfilt import _sosfilt

    rows = x[None, :] if x.ndim == 1 else x.T
    k, n = rows.shape
    # The forward pass one row at a time through a one-row buffer, each row
    # reversed into the result's buffer for the backward pass (all rows at
    # once). ``_sosfilt`` filters each row on its own, so the bits are the
    # same; but a (k, n) forward buffer was a second multi-column block of
    # fresh memory per call (above glibc's mmap threshold for a day: 69-104
    # MB at k = 2-3, its pages faulted in and zeroed on every call), where
    # a day's single row (35 MB) is served again from the heap
    # (``toehold.cli.keep_freed_memory``): the segment frame's and the
    # circles' day-long filters, benchmarks/README.md, tenth pass.
    back = np.empty((k, n + 2 * edge))
    buf = np.empty((1, n + 2 * edge)) if k > 1 else back
    for j in range(k):
        row = rows[j:j + 1]
        buf[:, edge:edge + n] = row
        np.subtract(2 * row[:, :1], row[:, edge:0:-1], out=buf[:, :edge])
        np.subtract(2 * row[:, -1:], row[:, -2:-edge - 2:-1], out=buf[:, edge + n:])
        _sosfilt(sos, buf, np.ascontiguousarray(zi[None] * buf[:, :1, None]))
        if k > 1:
            back[j] = buf[0, ::-1]
    del buf
    if k == 1:
        back = back[:, ::-1].copy()
    _sosfilt(sos, back, np.ascontiguousarray(zi[None] * back[:, :1, None]))
    y = back[:, ::-1][:, edge:-edge]
    return y[0] if x.ndim == 1 else y.T


@functools.lru_cache(maxsize=64)
def _filtfilt_design(order: int, wn: float, btype: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Sections, their ``sosfilt_zi`` and ``sosfiltfilt``'s default edge (3 × its ntaps)."""
    from scipy.signal import sosfilt_zi

    sos = _butter_sos(order, wn, btype).copy()
    ntaps = 2 * len(sos) + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    return sos, sosfilt_zi(sos), 3 * ntaps


def running_mean(x: np.ndarray, w: int, mode: str = "nearest", out: np.ndarray | None = None) -> np.ndarray:
    """Centred moving average over ``w`` samples along axis 0, edges repeated.

    Parameters
    ----------
    x : ndarray, shape (n,) or (n, k)
    w : int
    mode : {"nearest", "reflect"}
        How the edges are extended (scipy's modes of these names).
    out : ndarray of float64, shape (n,), optional
        For a 1-D ``x``: write the result here (not ``x`` itself) and return
        it. A caller averaging several day-long columns in turn reuses one
        buffer: each fresh 69 MB array is pages the kernel must hand over
        and zero (benchmarks/README.md, ninth pass).

    Returns
    -------
    ndarray, same shape as ``x``
        Bit-identical to ``uniform_filter1d(x, w, axis=0, mode=mode)``.
        scipy keeps a running sum ``s`` of the window, started at ``0.0``
        and moved by ``s += x_in - x_out``, and returns ``s / w``; the same
        sums in the same order are one vectorised difference, one
        ``np.cumsum`` (a sequential sum, not a pairwise one) and one
        division, which take 0.6x scipy's time on a day's columns (scipy
        divides inside its sequential loop; measured in benchmarks/README.md,
        fifth pass). Columns of an (n, k) array are summed as contiguous
        rows of a transposed copy (a strided walk down them took 1.8x as
        long).
    """
    x = np.asarray(x)
    if (x.dtype != np.float64 or x.ndim not in (1, 2) or not len(x) or w < 1
            or mode not in ("nearest", "reflect") or (mode == "reflect" and w > len(x))):
        filtered = uniform_filter1d(x, w, axis=0, mode=mode, output=out)
        return filtered if out is None else out
    if out is not None and (x.ndim != 1 or out.shape != x.shape or out.dtype != np.float64
                            or np.shares_memory(out, x)):
        raise ValueError("out must be a float64 array shaped as the 1-D x, apart from it")
    rows = x[None, :] if x.ndim == 1 else x.T
    n = rows.shape[1]
    with np.errstate(invalid="ignore"):  # inf - inf is nan in scipy's loop too, without a warning
        s = _running_sums(rows, w, n, mode, None if out is None else out[None, :])
    s /= w
    if out is not None:
        return out
    return s[0] if x.ndim == 1 else s.T


def _running_sums(rows: np.ndarray, w: int, n: int, mode: str, s: np.ndarray | None = None) -> np.ndarray:
    """``running_mean``'s window sums of each row of ``rows`` (k, n), as scipy's loop forms them (into ``s``)."""
    left, right = w // 2, w - 1 - w // 2
    # The window's samples with the edges extended (scipy's line buffer):
    # repeated, or mirrored about the outer edge of the first and last sample.
    if mode == "nearest":
        pads = np.repeat(rows[:, :1], left, axis=1), np.repeat(rows[:, -1:], right, axis=1)
    else:
        pads = rows[:, :left][:, ::-1], rows[:, n - right:][:, ::-1]
    if s is None:
        s = np.empty(rows.shape)
    # The first window summed one by one from 0.0 (0.0 + -0.0 is +0.0, as in scipy).
    head = np.concatenate([pads[0], rows[:, :w - left], pads[1]], axis=1)[:, :w]
    head[:, 0] += 0.0
    s[:, 0] = np.cumsum(head, axis=1)[:, -1]
    # Then each sample entering the window minus the one leaving it: with
    # the extended line ext = [pads[0], rows, pads[1]], s[1 + i] =
    # ext[w + i] - ext[i], taken piece by piece from rows and the pads
    # (the same numbers) instead of from a whole-length copy of ext.
    out = s[:, 1:]
    b1, b2 = left, n - 1 - right
    if n < 2 * w + 2:  # too short for the pieces to be in order: the copy is small
        ext = np.concatenate([pads[0], rows, pads[1]], axis=1)
        np.subtract(ext[:, w:], ext[:, :n - 1], out=out)
    else:
        np.subtract(rows[:, right + 1:right + 1 + b1], pads[0], out=out[:, :b1])
        np.subtract(rows[:, right + 1 + b1:], rows[:, :b2 - b1], out=out[:, b1:b2])
        np.subtract(pads[1], rows[:, b2 - left:n - 1 - left], out=out[:, b2:])
    return np.cumsum(s, axis=1, out=s)


def norm3(v: np.ndarray) -> np.ndarray:
    """``np.linalg.norm(v, axis=1)`` of an (n, 3) array, the same values in half the time.

    numpy's norm squares into a temporary and sums each row in index order,
    ``(x² + y²) + z²``; written out, that is the same operations without
    its reduction machinery (0.117 → 0.05 s on a day's 4.3 M rows,
    benchmarks/README.md, fifth pass).
    """
    x, y, z = v[:, 0], v[:, 1], v[:, 2]
    out = x * x
    out += y * y
    out += z * z
    return np.sqrt(out, out=out)


def oaconvolve_valid(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``scipy.signal.oaconvolve(x, kernel, mode="valid")`` of 1-D float arrays, the same bits.

    scipy's overlap-add, step by step, with the kernel's spectrum and the
    block size worked out once per kernel (:func:`_oa_kernel`) instead of
    on every call: the pencil-lift detector convolves each flat stretch of
    a day with five fixed kernels (1945 calls, mostly scipy's argument
    handling around two small FFTs). The block size, padding, FFTs (the
    same ``scipy.fft.rfftn``/``irfftn`` calls on the same shapes), the
    overlap-add and the slice are scipy's; where scipy would not overlap
    (one block, or a kernel over half as long as ``x``) scipy is called.

    Parameters
    ----------
    x : ndarray, shape (n,)
    kernel : ndarray, shape (m,)
        ``m <= n``.

    Returns
    -------
    ndarray, shape (n - m + 1,)
    """
    from scipy.signal import oaconvolve

    s1, s2 = len(x), len(kernel)
    if s2 >= s1 / 2 or s2 == 1 or x.dtype != np.float64:
        return oaconvolve(x, kernel, mode="valid")
    block, sp2 = _oa_kernel(kernel.tobytes(), s2)
    if block >= s1:
        return oaconvolve(x, kernel, mode="valid")
    from scipy import fft as sp_fft

    overlap, step = s2 - 1, block - s2 + 1
    full = s1 + s2 - 1
    nsteps = -(-(s1 + 1) // step)
    if (block - overlap) * nsteps < full:
        nsteps += 1
    # np.pad's zeros, without its generic machinery (1945 calls a day).
    padded = np.zeros(nsteps * step)
    padded[:s1] = x
    x = padded.reshape(nsteps, step)
    ret = sp_fft.irfftn(sp_fft.rfftn(x, [block], axes=[1]) * sp2, [block], axes=[1])
    ret, over = ret[:, :-overlap], ret[:, -overlap:]
    ret[1:, :overlap] += over[:-1]
    return ret.reshape(-1)[:full][s2 - 1:s1].copy()


@functools.lru_cache(maxsize=32)
def _oa_kernel(kernel: bytes, s2: int) -> tuple[int, np.ndarray]:
    """Block size and kernel spectrum of :func:`oaconvolve_valid` (scipy's ``_calc_oa_lens``)."""
    import math

    from scipy import fft as sp_fft
    from scipy.special import lambertw

    overlap = s2 - 1
    block = sp_fft.next_fast_len(math.ceil(-overlap * lambertw(-1 / (2 * math.e * overlap), k=-1).real))
    h = np.frombuffer(kernel, dtype=np.float64).reshape(1, s2)
    return block, sp_fft.rfftn(h, [block], axes=[1])


def max_position_per_run(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Index of the maximum of ``x`` within each run of True in ``mask``, in order.

    Exactly ``scipy.ndimage.maximum_position(x, label(mask)[0], range(1,
    count + 1))``, in a few array passes instead of scipy's sort of the
    whole array (the pencil-lift detector asks it 1900 times a day: 0.75 s
    of CPU). Where a run holds its maximum twice, scipy's choice depends on
    its unstable sort, so such input is handed to scipy itself.

    Parameters
    ----------
    x : ndarray, shape (n,)
        Values without NaN.
    mask : ndarray of bool, shape (n,)

    Returns
    -------
    ndarray of intp, shape (runs,)
    """
    idx = np.flatnonzero(mask)
    if not len(idx):
        return idx
    # Runs of ``mask`` are runs of consecutive indices in ``idx``.
    starts = np.flatnonzero(np.r_[True, np.diff(idx) != 1])
    xv = x[idx]
    top = np.maximum.reduceat(xv, starts)
    hits = np.flatnonzero(xv == np.repeat(top, np.diff(np.r_[starts, len(idx)])))
    if len(hits) != len(starts):
        from scipy.ndimage import label, maximum_position

        labels, count = label(mask)
        return np.array(maximum_position(x, labels, np.arange(1, count + 1)), dtype=np.intp).reshape(-1)
    return idx[hits]


def still_mask(acc: np.ndarray, gyr: np.ndarray, sampling_rate_hz: float, window_s: float = 0.5,
               gyr_thresh_dps: float = 3.0, acc_thresh_mps2: float = 0.3) -> np.ndarray:
    """True where the sensor is at rest.

    Judged on the spread of the signals within a window, not their level, so
    an unknown gyro bias (consumer parts: up to several deg/s) does not hide
    rest.

    Parameters
    ----------
    acc, gyr : ndarray, shape (n, 3)
        m/s², deg/s.
    sampling_rate_hz : float
        Sample rate (Hz).
    window_s : float
        Rest must last about this long.
    gyr_thresh_dps, acc_thresh_mps2 : float
        Limits on the windowed standard deviation of the angular rate (norm
        over axes) and of the acceleration magnitude.

    Returns
    -------
    ndarray of bool, shape (n,)
    """
    w = max(3, int(window_s * sampling_rate_hz))
    acc, gyr = np.asarray(acc, dtype=float), np.asarray(gyr, dtype=float)
    n = len(acc)
    # Column by column through three (n,) buffers: the (n, 3) squares,
    # means and products were 100 MB temporaries each on a day, every one
    # fresh pages to fault in. The same operations on the same values.
    tmp, mean, sq = np.empty(n), np.empty(n), np.empty(n)

    def spread(x, mean):
        # In place: the same values as sqrt(maximum(sq - mean², 0)).
        running_mean(np.multiply(x, x, out=tmp), w, out=sq)
        np.subtract(sq, np.multiply(mean, mean, out=tmp), out=sq)
        np.maximum(sq, 0, out=sq)
        return np.sqrt(sq, out=sq)

    # norm3 of the three axes' spreads: (x² + y²) + z².
    g_spread = np.empty(n)
    for i in range(3):
        col = gyr[:, i]
        s = spread(col, running_mean(col, w, out=mean))
        if i == 0:
            np.multiply(s, s, out=g_spread)
        else:
            g_spread += np.multiply(s, s, out=tmp)
    np.sqrt(g_spread, out=g_spread)
    a = norm3(acc)
    mean_a = running_mean(a, w, out=mean)  # the level and the spread share it
    still = (g_spread < gyr_thresh_dps) & (spread(a, mean_a) < acc_thresh_mps2) & (np.abs(mean_a - G) < 1.5)
    # A window straddling a movement's edge has a large spread; a calm one in
    # the middle of a fast rotation does not exist. Erode by half a window so
    # rest does not leak into the motion around it.
    return majority(still, w)


def majority(mask: np.ndarray, w: int) -> np.ndarray:
    """``median_filter(mask, size=w, mode="nearest")`` of a boolean mask, from running counts.

    The median of ``w`` booleans (scipy's: the value of rank ``w // 2``,
    the window from ``w // 2`` before to ``w - 1 - w // 2`` after, edges
    repeated) is True where at least ``w - w // 2`` of them are; counted
    with one cumulative sum instead of scipy's sorted window (4x faster
    on a day, the same mask).
    """
    mask = np.asarray(mask, dtype=bool)
    if not len(mask):
        return mask.copy()
    left = w // 2
    padded = np.concatenate([np.repeat(mask[:1], left), mask, np.repeat(mask[-1:], w - 1 - left)])
    count = np.zeros(len(padded) + 1, dtype=np.int64)
    np.cumsum(padded, out=count[1:])
    return (count[w:] - count[:-w]) >= w - left


def gyro_bias(gyr: np.ndarray, still: np.ndarray, min_samples: int = 25) -> np.ndarray:
    """Gyro offset (deg/s, shape (3,)): the median rate while at rest.

    Zero when there is too little rest to tell.
    """
    if still.sum() < min_samples:
        return np.zeros(3)
    # Column by column: numpy's median along axis 0 of the (m, 3) rest
    # samples partitions a strided copy (0.12-0.29 s a day against
    # 0.08-0.09 s, and a third of the memory); the same medians.
    return np.array([np.median(gyr[:, i][still]) for i in range(gyr.shape[1])])


def rest_up_axis(acc: np.ndarray, still: np.ndarray) -> np.ndarray | None:
    """Unit vector (sensor frame) that pointed up during the longest rest."""
    if not still.any():
        return None
    edges = np.diff(np.concatenate([[0], still.astype(int), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    k = int(np.argmax(ends - starts))
    g = np.median(acc[starts[k]:ends[k]], axis=0)
    return g / np.linalg.norm(g)
